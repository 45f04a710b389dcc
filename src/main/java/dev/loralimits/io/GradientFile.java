package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * A candidate gradient as read from a file of any format ({@link TensorFiles#readGradient}):
 * the gradients of the adapted projections and, when the file has one, the loss. A tensor file
 * may omit the loss (spec/FORMATS.md Section 4.2); a JSON gradient file always has it.
 *
 * @param method the method named in the file ("method" of a JSON file or of safetensors
 *     metadata), or {@value #UNNAMED}
 * @param loss the loss, when the file has one
 * @param gradients one entry per adapted projection, in Q, K, V order
 */
public record GradientFile(String method, Optional<BigDecimal> loss, Map<Adapter, AdapterGradient> gradients) {
  /** The method of a tensor file that names none. */
  public static final String UNNAMED = "unnamed";

  public GradientFile {
    Checks.notNull("method", method);
    Checks.notNull("loss", loss);
    Checks.notNull("gradients", gradients);
    EnumMap<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    g.putAll(gradients);
    gradients = Collections.unmodifiableMap(g);
  }

  /** The file of a {@link GradientResult} (loss present). */
  public static GradientFile of(GradientResult r) {
    return new GradientFile(r.method(), Optional.of(r.loss()), r.gradients());
  }

  /**
   * As a {@link GradientResult} with {@code digits} significant digits.
   *
   * @throws IllegalStateException when the file has no loss
   */
  public GradientResult toResult(int digits) {
    return new GradientResult(
        method, digits, loss.orElseThrow(() -> new IllegalStateException("the gradient file has no loss")), gradients);
  }
}
