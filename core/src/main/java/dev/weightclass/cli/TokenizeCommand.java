package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "tokenize",
        description = {"Token ids of a text, as the model's own tokenizer makes them (like llama.cpp's",
                "llama-tokenize). BOS is added when the model's metadata says so (add_bos_token);",
                "special-token texts such as <s> in the input are tokenized as plain text.",
                "",
                "MODEL: a GGUF file (vocab-only files too), a llama2.c checkpoint with its",
                "tokenizer.bin (or tok<N>.bin) beside it, an ONNX or safetensors model with",
                "tokenizer.json beside it, or a tokenizer.json itself."},
        footer = {"", "Examples:",
                "  weightclass tokenize model.gguf -p 'Hello world'",
                "  weightclass tokenize stories.bin --file prompt.txt --show-pieces",
                "  weightclass tokenize model.onnx -p 'Hello' --json"})
final class TokenizeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "The model whose tokenizer to use.")
    Path model;

    static final class Input {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The text to tokenize.")
        String prompt;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Tokenize this UTF-8 text file.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--no-bos", description = "Do not add BOS (or [CLS]/[SEP]) even if the model asks for it.")
    boolean noBos;

    @Option(names = "--show-pieces", description = "Print each id with its text piece, one per line.")
    boolean showPieces;

    @Option(names = "--json", description = "Print {\"token_ids\": [...]} (with --show-pieces also \"pieces\").")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String text = input.prompt != null ? input.prompt : readUtf8(input.file);
        Tokenizer t = Tokenizers.forModel(model);
        int[] ids = t.encode(text, !noBos && t.addsBos());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("token_ids", ids);
            if (showPieces) {
                List<String> pieces = new ArrayList<>();
                for (int id : ids) pieces.add(display(t, id));
                o.put("pieces", pieces);
            }
            out.print(Json.pretty(o));
        } else if (showPieces) {
            for (int id : ids) out.printf("%6d -> '%s'%n", id, display(t, id));
        } else {
            out.println(Arrays.toString(ids));
        }
        out.flush();
        return 0;
    }

    /** The text a token stands for; its vocabulary form when that is not printable on its own. */
    static String display(Tokenizer t, int id) {
        byte[] b = t.tokenBytes(id);
        if (b.length == 0) return t.piece(id);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return t.piece(id);   // a lone byte of a multi-byte character, e.g. <0xE2>
        }
    }

    static String readUtf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            long at = -1;
            if (e instanceof MalformedInputException) at = firstInvalid(bytes);
            throw new WeightclassException(file + ": not UTF-8 text"
                    + (at >= 0 ? String.format(" (invalid byte 0x%02X at offset %d)", bytes[(int) at] & 0xFF, at) : ""));
        }
    }

    /** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
    private static long firstInvalid(byte[] b) {
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xFF, n;
            if (c < 0x80) n = 1;
            else if (c >= 0xC2 && c <= 0xDF) n = 2;
            else if (c >= 0xE0 && c <= 0xEF) n = 3;
            else if (c >= 0xF0 && c <= 0xF4) n = 4;
            else return i;
            if (i + n > b.length) return i;
            String s = new String(b, i, n, StandardCharsets.UTF_8);
            if (s.contains("\uFFFD")) return i;
            i += n;
        }
        return -1;
    }
}
