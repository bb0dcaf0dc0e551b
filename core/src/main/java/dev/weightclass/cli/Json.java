package dev.weightclass.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The CLI's JSON output: pretty-printed, keys in insertion order. */
final class Json {
    private Json() {}

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static String pretty(Object value) throws JsonProcessingException {
        return MAPPER.writeValueAsString(value) + System.lineSeparator();
    }
}
