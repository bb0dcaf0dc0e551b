package dev.weightclass.quant;

import com.google.protobuf.CodedOutputStream;
import dev.weightclass.SharedData;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A SentencePiece {@code tokenizer.model} beside Hugging Face weights becomes GGUF tokenizer keys.
 * The model file is written here in SentencePiece's protobuf layout (ModelProto.pieces = 1 with
 * piece 1, score 2, type 3; TrainerSpec = 2 with unk_id 40, bos_id 41, eos_id 42) from the
 * vocabulary of aidreams260K's GGUF, which the conversion must reproduce.
 */
class SentencePieceVocabTest {

    @Test
    void tokenizerModelBesideSafetensorsGivesTheGgufVocabulary(@TempDir Path dir) throws IOException {
        Path golden = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        Map<String, GgufValue> want;
        try (GgufFile g = GgufFile.open(golden)) {
            want = g.kv();
        }
        List<?> tokens = want.get("tokenizer.ggml.tokens").asList();
        List<?> scores = want.get("tokenizer.ggml.scores").asList();
        List<?> types = want.get("tokenizer.ggml.token_type").asList();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        for (int i = 0; i < tokens.size(); i++) {
            ByteArrayOutputStream pb = new ByteArrayOutputStream();
            CodedOutputStream p = CodedOutputStream.newInstance(pb);
            p.writeString(1, GgufValue.string(String.valueOf(tokens.get(i))).asString());
            p.writeFloat(2, ((Number) scores.get(i)).floatValue());
            int type = ((Number) types.get(i)).intValue();
            if (type != 1) p.writeEnum(3, type); // NORMAL is the default and is left out, as protobuf does
            p.flush();
            out.writeByteArray(1, pb.toByteArray());
        }
        ByteArrayOutputStream tb = new ByteArrayOutputStream();
        CodedOutputStream t = CodedOutputStream.newInstance(tb);
        t.writeInt32(3, 2); // model_type BPE: skipped by the reader
        t.writeInt32(40, 0);
        t.writeInt32(41, 1);
        t.writeInt32(42, 2);
        t.flush();
        out.writeByteArray(2, tb.toByteArray());
        out.flush();
        Path hf = SharedData.data("aidreams260K/hf");
        Files.createSymbolicLink(dir.resolve("model.safetensors"), hf.resolve("model.safetensors").toAbsolutePath());
        Files.createSymbolicLink(dir.resolve("config.json"), hf.resolve("config.json").toAbsolutePath());
        Files.write(dir.resolve("tokenizer.model"), bytes.toByteArray());

        StringBuilder warnings = new StringBuilder();
        try (QuantSource src = QuantSource.open(dir, null, warnings::append)) {
            assertThat(warnings).isEmpty();
            for (Map.Entry<String, GgufValue> e : want.entrySet()) {
                if (e.getKey().startsWith("tokenizer.")) assertThat(src.kv().get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }
}
