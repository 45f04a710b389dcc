package dev.loralimits.model;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Definition 1.2 / A.1: a LoRA attention head (Eq. 1.1, Definition 2.5) with projections
 * {@code W_Q, W_K, W_V} (each possibly adapted, Definition 1.1), LoRA scale alpha, inverse
 * temperature beta, and a data set of N points. The loss is
 * {@code sum_i 1/2 ||D_i^{-1} exp(beta X_i^Q W_Q (X_i^K W_K)^T) X_i^V W_V - Y_i||_F^2}.
 *
 * <p>Shapes: {@code W_Q} is {@code dq x h}, {@code W_K} is {@code dk x h}, {@code W_V} is
 * {@code dv x o}; every point has {@code X^Q: Lq x dq}, {@code X^K: Lk x dk}, {@code X^V: Lk x dv},
 * {@code Y: Lq x o}. The paper's case is {@code dq = dk = dv = h = o = d}, {@code Lq = Lk = L}.
 *
 * @param alpha the LoRA scale alpha (Definition 1.1); each adapter uses alpha / its rank
 * @param beta the inverse temperature, {@code > 0}
 * @param weights the three projections, keyed Q, K, V
 * @param data the data points, at least one
 */
public record LoraInstance(
    BigDecimal alpha, BigDecimal beta, Map<Adapter, Projection> weights, List<DataPoint> data) {

  /**
   * @throws IllegalArgumentException naming the field when a projection is missing, beta is not
   *     positive, alpha is zero while an adapter exists, or a shape does not fit
   */
  public LoraInstance {
    Checks.notNull("alpha", alpha);
    Checks.positive("beta", beta);
    Checks.notNull("weights", weights);
    Checks.notNull("data", data);
    EnumMap<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      w.put(mu, Checks.notNull("weights." + mu, weights.get(mu)));
    }
    weights = Collections.unmodifiableMap(w);
    Projection q = w.get(Adapter.Q);
    Projection k = w.get(Adapter.K);
    Projection v = w.get(Adapter.V);
    Checks.cols("weights.K.W", k.frozen(), q.outputWidth(), "W_Q and W_K have the same head width");
    boolean anyAdapted = q.isAdapted() || k.isAdapted() || v.isAdapted();
    Checks.argument(!anyAdapted || alpha.signum() != 0, "alpha (0) must be non-zero when a weight is adapted");
    data = List.copyOf(data);
    Checks.argument(!data.isEmpty(), "data must hold at least one point");
    for (int i = 0; i < data.size(); i++) {
      DataPoint p = data.get(i);
      String at = "data[" + i + "].";
      Checks.cols(at + "XQ", p.xq(), q.inputWidth(), "X^Q W_Q needs cols(X^Q) = rows(W_Q)");
      Checks.cols(at + "XK", p.xk(), k.inputWidth(), "X^K W_K needs cols(X^K) = rows(W_K)");
      Checks.cols(at + "XV", p.xv(), v.inputWidth(), "X^V W_V needs cols(X^V) = rows(W_V)");
      Checks.cols(at + "Y", p.y(), v.outputWidth(), "Y has the width of X^V W_V");
    }
  }

  public Projection projection(Adapter mu) {
    return weights.get(mu);
  }

  /** The adapters that carry A and B, in Q, K, V order. */
  public Set<Adapter> adapted() {
    EnumSet<Adapter> s = EnumSet.noneOf(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      if (weights.get(mu).isAdapted()) {
        s.add(mu);
      }
    }
    return Collections.unmodifiableSet(s);
  }
}
