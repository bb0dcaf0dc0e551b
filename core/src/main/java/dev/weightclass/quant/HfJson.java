package dev.weightclass.quant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.SmallFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The JSON side files of a Hugging Face folder: size-checked, strict UTF-8, one clear line when broken. */
final class HfJson {
    private HfJson() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The file's JSON object, or null when the file does not exist. */
    static JsonNode readOptional(Path file, String what) throws IOException {
        if (!Files.isRegularFile(file)) return null;
        JsonNode root;
        try {
            root = JSON.readTree(SmallFiles.text(file, SmallFiles.JSON_LIMIT, what));
        } catch (JsonProcessingException e) {
            throw new WeightclassException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw new WeightclassException(file + ": " + what + " must be a JSON object");
        return root;
    }
}
