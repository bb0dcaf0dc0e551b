package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** Stands in for {@code distill} when its module is not on the class path: says how to get it. */
@Command(name = "distill",
        description = {"Train a smaller student model to imitate a teacher (knowledge distillation).",
                "Lives in the distill module with its training engine; the weightclass launcher "
                        + "builds and loads it on first use."})
final class MissingModuleCommand implements Callable<Integer> {

    @Parameters(arity = "0..*", hidden = true)
    List<String> ignored;

    @Override
    public Integer call() {
        throw new WeightclassException("distill: the distill module is not on the class path; run it through "
                + "the ./weightclass launcher, or build it with 'mvn -pl distill -am -DskipTests package' and add "
                + "distill/target/weightclass-distill.jar and distill/target/lib/* to the class path");
    }
}
