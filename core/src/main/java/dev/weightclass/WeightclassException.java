package dev.weightclass;

/**
 * A problem with the user's input or environment that weightclass reports as one clear line
 * (the CLI prints the message and exits with code 2). Programming errors are not this type.
 */
public class WeightclassException extends RuntimeException {
    public WeightclassException(String message) {
        super(message);
    }

    public WeightclassException(String message, Throwable cause) {
        super(message, cause);
    }
}
