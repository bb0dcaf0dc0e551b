package dev.weightclass.reliability;

import java.nio.file.Path;
import java.util.List;

/**
 * A file a user can hand weightclass, and what weightclass does with it.
 *
 * @param name      short name (also the regression corpus folder)
 * @param fileName  what the mutated file is called (readers dispatch on the extension)
 * @param text      a text format (JSON): number-replacing mutations apply
 * @param seeds     real files to start from; an empty list skips the target
 * @param parse     opens the file as the CLI would and touches everything it derives from it;
 *                  may throw only the project's own errors
 * @param roundTrip for formats weightclass writes: writes a parsed file back to {@code out}
 *                  (null when the format has no writer)
 */
record FuzzTarget(String name, String fileName, boolean text, List<Path> seeds, Parser parse, RoundTrip roundTrip) {

    @FunctionalInterface
    interface Parser {
        void parse(Path file) throws Exception;
    }

    @FunctionalInterface
    interface RoundTrip {
        void write(Path in, Path out) throws Exception;
    }
}
