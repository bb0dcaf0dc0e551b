/**
 * Parameter sharing: storing equal or similar weights once.
 * <pre>
 * try (ModelFile src = ModelFile.open(in); ForkJoinPool pool = new ForkJoinPool()) {
 *     SharedModel m = new SharedModel(src);
 *     Dedupe.apply(m, true);                                   // identical tensors once, tied classifier dropped
 *     CrossLayer.apply(m, CrossLayer.analyse(src, pool), 2);   // the 2 most similar layer pairs stored once
 *     Palettization.apply(m, new Palettizer.Options(4, 0, TensorType.F16, 1), Map.of(), null, pool);
 *     ShareWriter.write(m, out);                               // same container as the input
 * }
 * </pre>
 * {@link dev.weightclass.share.Importance} gives the activation weights for k-means from calibration
 * text; {@link dev.weightclass.share.UniformBaseline} the uniform quantization to compare with. The
 * file layout (aliases, palettes) is in docs/SHARING.md; the runtime reads it through
 * {@code runtime/SharedLayout}.
 */
package dev.weightclass.share;
