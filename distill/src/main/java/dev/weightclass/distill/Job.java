package dev.weightclass.distill;

import dev.weightclass.distill.train.Batches;
import dev.weightclass.distill.train.Evaluator;
import dev.weightclass.distill.train.Student;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One prepared training run.
 *
 * @param student     the model being trained (its export writes the output file)
 * @param batches     training data by step
 * @param evaluator   held-out metrics, or null
 * @param fingerprint what identifies the run for --resume (teacher, student shape, data, loss settings)
 * @param references  constant lines for the chart, e.g. the teacher's held-out NLL
 * @param trainSeries step series to chart ("loss", or loss terms such as "ce")
 * @param baseline    the same student from the same init trained without the teacher, for
 *                    {@code --baseline}; null when the recipe has none
 */
public record Job<B>(Student<B> student, Batches<B> batches, Evaluator evaluator, String fingerprint,
                     Map<String, Double> references, List<String> trainSeries, Supplier<Job<?>> baseline) {}
