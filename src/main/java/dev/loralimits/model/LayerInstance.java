package dev.loralimits.model;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An attention layer with LoRA adapters (spec/PROBLEMS.md Section 7, proofs-notes/LAYER.md): H
 * heads split from the columns of {@code W_Q, W_K, W_V}, a causal mask or none, an optional output
 * projection O, and a batch of data points of any lengths. With one head, no mask, no O and the
 * scaling alpha / r it is the paper's model ({@link #toPaperInstance}).
 *
 * <p>The loss is {@code sum_i 1/2 ||Z_i W_O - Y_i||_F^2} (without O: {@code ||Z_i - Y_i||}),
 * {@code Z_i = [Z_i^1 ... Z_i^H]}, {@code Z_i^t = softmax_mask(beta Q_i^t (K_i^t)^T) V_i^t}, where
 * {@code Q_i^t} holds columns {@code t h .. (t+1) h - 1} of {@code X_i^Q W_Q} (K likewise) and
 * {@code V_i^t} columns {@code t v .. (t+1) v - 1} of {@code X_i^V W_V}. Every adapted
 * {@code W_mu = W_mu* + s_mu B_mu A_mu}.
 *
 * <p>Shapes: {@code W_Q: dq x H h}, {@code W_K: dk x H h}, {@code W_V: dv x H v},
 * {@code W_O: H v x o}; points as in {@link LoraInstance}, with {@code Y: Lq x o}
 * ({@code Lq x H v} without O).
 *
 * @param heads the number of heads H, at least 1; it divides {@code cols(W_Q)} and {@code cols(W_V)}
 * @param masking which keys each query attends to
 * @param scaling alpha / r or alpha / sqrt(r)
 * @param alpha the LoRA alpha
 * @param beta the softmax's inverse temperature, {@code > 0} (never implied: 1/sqrt(h) is a choice
 *     the file states)
 * @param weights Q, K and V, and O when the layer has an output projection
 * @param data the batch, at least one point
 */
public record LayerInstance(
    int heads, Masking masking, LoraScaling scaling, BigDecimal alpha, BigDecimal beta,
    Map<LayerWeight, Projection> weights, List<DataPoint> data) {

  /**
   * @throws IllegalArgumentException naming the field when a projection is missing, H does not
   *     divide a width, beta is not positive, alpha is 0 with an adapter, a shape does not fit, or
   *     a bottom-right mask meets a point with fewer keys than queries
   */
  public LayerInstance {
    Checks.positive("heads", heads);
    Checks.notNull("masking", masking);
    Checks.notNull("scaling", scaling);
    Checks.notNull("alpha", alpha);
    Checks.positive("beta", beta);
    Checks.notNull("weights", weights);
    Checks.notNull("data", data);
    EnumMap<LayerWeight, Projection> w = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : LayerWeight.values()) {
      Projection p = weights.get(mu);
      if (mu != LayerWeight.O) {
        Checks.notNull("weights." + mu, p);
      }
      if (p != null) {
        w.put(mu, p);
      }
    }
    weights = Collections.unmodifiableMap(w);
    Projection q = w.get(LayerWeight.Q);
    Projection k = w.get(LayerWeight.K);
    Projection v = w.get(LayerWeight.V);
    Projection o = w.get(LayerWeight.O);
    Checks.cols("weights.K.W", k.frozen(), q.outputWidth(), "W_Q and W_K have the same width");
    Checks.argument(q.outputWidth() % heads == 0,
        "heads (" + heads + ") must divide cols(W_Q) (" + q.outputWidth() + ")");
    Checks.argument(v.outputWidth() % heads == 0,
        "heads (" + heads + ") must divide cols(W_V) (" + v.outputWidth() + ")");
    if (o != null) {
      Checks.rows("weights.O.W", o.frozen(), v.outputWidth(), "Z W_O needs rows(W_O) = cols(W_V)");
    }
    boolean anyAdapted = w.values().stream().anyMatch(Projection::isAdapted);
    Checks.argument(!anyAdapted || alpha.signum() != 0, "alpha (0) must be non-zero when a weight is adapted");
    data = List.copyOf(data);
    Checks.argument(!data.isEmpty(), "data must hold at least one point");
    int out = o == null ? v.outputWidth() : o.outputWidth();
    for (int i = 0; i < data.size(); i++) {
      DataPoint p = data.get(i);
      String at = "data[" + i + "].";
      Checks.cols(at + "XQ", p.xq(), q.inputWidth(), "X^Q W_Q needs cols(X^Q) = rows(W_Q)");
      Checks.cols(at + "XK", p.xk(), k.inputWidth(), "X^K W_K needs cols(X^K) = rows(W_K)");
      Checks.cols(at + "XV", p.xv(), v.inputWidth(), "X^V W_V needs cols(X^V) = rows(W_V)");
      Checks.cols(at + "Y", p.y(), out, o == null ? "Y has the width of X^V W_V" : "Y has the width of Z W_O");
      if (masking == Masking.BOTTOM_RIGHT) {
        Checks.argument(p.keyLength() >= p.queryLength(),
            at + "XK has " + p.keyLength() + " rows, fewer than the " + p.queryLength()
                + " queries: a bottom-right causal mask leaves query 0 without a key");
      }
    }
  }

  /** The projection of {@code mu}; empty for O when the layer has no output projection. */
  public Optional<Projection> projection(LayerWeight mu) {
    return Optional.ofNullable(weights.get(mu));
  }

  /** Whether the layer has an output projection O. */
  public boolean hasOutputProjection() {
    return weights.containsKey(LayerWeight.O);
  }

  /** Head width h of queries and keys: {@code cols(W_Q) / H}. */
  public int headWidth() {
    return weights.get(LayerWeight.Q).outputWidth() / heads;
  }

  /** Head width v of values: {@code cols(W_V) / H}. */
  public int valueHeadWidth() {
    return weights.get(LayerWeight.V).outputWidth() / heads;
  }

  /** The projections that carry A and B, in Q, K, V, O order. */
  public Set<LayerWeight> adapted() {
    EnumSet<LayerWeight> s = EnumSet.noneOf(LayerWeight.class);
    for (Map.Entry<LayerWeight, Projection> e : weights.entrySet()) {
      if (e.getValue().isAdapted()) {
        s.add(e.getKey());
      }
    }
    return Collections.unmodifiableSet(s);
  }

  /** The paper's instance as a layer: one head, no mask, alpha / r, no O. */
  public static LayerInstance of(LoraInstance x) {
    Checks.notNull("instance", x);
    Map<LayerWeight, Projection> w = new EnumMap<>(LayerWeight.class);
    for (Adapter mu : Adapter.values()) {
      w.put(LayerWeight.valueOf(mu.name()), x.projection(mu));
    }
    return new LayerInstance(1, Masking.NONE, LoraScaling.LORA, x.alpha(), x.beta(), w, x.data());
  }

  /**
   * The paper's instance this layer is (spec/PROBLEMS.md 7.4), when it has one head, no mask, no
   * O and the scaling alpha / r; else empty.
   */
  public Optional<LoraInstance> toPaperInstance() {
    if (heads != 1 || masking != Masking.NONE || hasOutputProjection() || scaling != LoraScaling.LORA) {
      return Optional.empty();
    }
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      w.put(mu, weights.get(LayerWeight.valueOf(mu.name())));
    }
    return Optional.of(new LoraInstance(alpha, beta, w, data));
  }
}
