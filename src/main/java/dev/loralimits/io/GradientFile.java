package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.CandidateGradient;
import dev.loralimits.model.CandidateMatrix;
import dev.loralimits.model.Checks;
import dev.loralimits.model.GradientResult;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * A candidate gradient as read from a file of any format ({@link TensorFiles#readGradient}):
 * the gradients the file holds and, when it has one, the loss, every number as written (NaN and
 * infinities included, spec/CHECK.md). The loss is optional in every format; the gradients may
 * name projections the instance freezes (the comparison reports them as not compared) and are
 * not yet checked against the instance's shapes.
 *
 * @param method the method named in the file ("method" of a JSON file or of safetensors
 *     metadata), or {@value #UNNAMED}
 * @param loss the loss as a 1 x 1 matrix, when the file has one
 * @param gradients one entry per projection of the file, in Q, K, V order
 */
public record GradientFile(String method, Optional<CandidateMatrix> loss, Map<Adapter, CandidateGradient> gradients) {
  /** The method of a file that names none. */
  public static final String UNNAMED = "unnamed";

  public GradientFile {
    Checks.notNull("method", method);
    Checks.notNull("loss", loss);
    Checks.notNull("gradients", gradients);
    loss.ifPresent(l -> Checks.argument(l.rows() == 1 && l.cols() == 1, "loss must be 1x1, got " + l.shape()));
    EnumMap<Adapter, CandidateGradient> g = new EnumMap<>(Adapter.class);
    g.putAll(gradients);
    gradients = Collections.unmodifiableMap(g);
  }

  /** The file of a {@link GradientResult} (loss present, every number finite). */
  public static GradientFile of(GradientResult r) {
    Checks.notNull("result", r);
    Map<Adapter, CandidateGradient> g = new EnumMap<>(Adapter.class);
    r.gradients().forEach((mu, ag) -> g.put(mu, CandidateGradient.of(ag)));
    return new GradientFile(r.method(), Optional.of(CandidateMatrix.scalar(r.loss())), g);
  }

  /**
   * The loss, when the file has one.
   *
   * @throws IllegalStateException when the loss is not finite
   */
  public Optional<BigDecimal> finiteLoss() {
    return loss.map(l -> l.get(0, 0));
  }

  /**
   * The gradients as exact decimals.
   *
   * @throws IllegalStateException when some entry is not finite
   */
  public Map<Adapter, AdapterGradient> finiteGradients() {
    Map<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    gradients.forEach((mu, cg) -> g.put(mu, new AdapterGradient(
        cg.a().toDecimal("dLoss/dA_" + mu), cg.b().toDecimal("dLoss/dB_" + mu))));
    return Collections.unmodifiableMap(g);
  }
}
