package dev.loralimits.train;

import dev.loralimits.fast.Dense;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Point;
import dev.loralimits.fast.DoubleInstance.Weight;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import java.util.List;
import java.util.Map;

/**
 * Small double helpers of the training loop: the same instance with new weights, the norms the
 * theorems speak of, and the attention output used to make a teacher's targets.
 */
public final class Training {
  private Training() {}

  /** {@code inst} with the projections {@code w} (the data points are shared, not copied). */
  static DoubleInstance withWeights(DoubleInstance inst, Map<Adapter, Weight> w) {
    return new DoubleInstance(inst.alpha(), inst.beta(), w, inst.points());
  }

  /**
   * The instance as an exact-decimal {@link dev.loralimits.model.LoraInstance}, each double written
   * as its shortest round-tripping decimal ({@link java.math.BigDecimal#valueOf(double)}), so that
   * reading it back (nearest double) gives the same doubles, in Java and in numpy alike.
   */
  public static dev.loralimits.model.LoraInstance toLoraInstance(DoubleInstance inst) {
    Checks.notNull("instance", inst);
    Map<Adapter, dev.loralimits.model.Projection> w = new java.util.EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      Weight x = inst.weight(mu);
      w.put(mu, x.isAdapted()
          ? dev.loralimits.model.Projection.adapted(decimal("W_" + mu, x.frozen()), decimal("A_" + mu, x.a()), decimal("B_" + mu, x.b()))
          : dev.loralimits.model.Projection.frozen(decimal("W_" + mu, x.frozen())));
    }
    List<dev.loralimits.model.DataPoint> pts = new java.util.ArrayList<>();
    for (Point p : inst.points()) {
      boolean self = p.xk() == p.xq() && p.xv() == p.xq();
      pts.add(self
          ? dev.loralimits.model.DataPoint.self(decimal("X", p.xq()), decimal("Y", p.y()))
          : dev.loralimits.model.DataPoint.cross(decimal("XQ", p.xq()), decimal("XK", p.xk()), decimal("XV", p.xv()), decimal("Y", p.y())));
    }
    return new dev.loralimits.model.LoraInstance(
        java.math.BigDecimal.valueOf(inst.alpha()), java.math.BigDecimal.valueOf(inst.beta()), w, pts);
  }

  private static dev.loralimits.model.DecimalMatrix decimal(String name, double[][] m) {
    java.math.BigDecimal[][] b = new java.math.BigDecimal[m.length][];
    for (int i = 0; i < m.length; i++) {
      b[i] = new java.math.BigDecimal[m[i].length];
      for (int j = 0; j < m[i].length; j++) {
        b[i][j] = java.math.BigDecimal.valueOf(m[i][j]);
      }
    }
    return dev.loralimits.model.DecimalMatrix.of(name, b);
  }

  /** {@code inst} with the data points {@code pts}. */
  static DoubleInstance withPoints(DoubleInstance inst, List<Point> pts) {
    return new DoubleInstance(inst.alpha(), inst.beta(), inst.weights(), pts);
  }

  /** The merged weight {@code W_mu = W*_mu + (alpha / r) B_mu A_mu} (Definition 1.1). */
  public static double[][] merged(DoubleInstance inst, Adapter mu) {
    Checks.notNull("instance", inst);
    Weight w = inst.weight(Checks.notNull("mu", mu));
    return Dense.loraMerge(w.frozen(), w.a(), w.b(), inst.alpha());
  }

  /** The input of projection mu in point p ({@code X^Q}, {@code X^K} or {@code X^V}). */
  static double[][] input(Point p, Adapter mu) {
    return switch (mu) {
      case Q -> p.xq();
      case K -> p.xk();
      case V -> p.xv();
    };
  }

  /**
   * {@code Gamma_mu = max over points of ||X^mu W_mu||_inf} (max-entry norm, MODEL §0.2): the
   * quantity bounded by Gamma in Theorems 3.1 and 4.1.
   */
  public static double gamma(DoubleInstance inst, Adapter mu) {
    double[][] w = merged(inst, mu);
    double g = 0;
    for (Point p : inst.points()) {
      g = Math.max(g, Dense.maxAbs(Dense.multiply(input(p, mu), w)));
    }
    return g;
  }

  /** {@code Gamma / sqrt(ln L)} with {@code Gamma = max(Gamma_Q, Gamma_K)} and L the longest key length (L >= 2). */
  public static double ratio(double gammaQ, double gammaK, int length) {
    Checks.argument(length >= 2, "L (" + length + ") must be >= 2 for Gamma / sqrt(ln L)");
    return Math.max(gammaQ, gammaK) / Math.sqrt(Math.log(length));
  }

  /** The longest key length over the points. */
  static int length(DoubleInstance inst) {
    int n = 0;
    for (Point p : inst.points()) {
      n = Math.max(n, p.xk().length);
    }
    return n;
  }

  /**
   * The attention output {@code Z = softmax(beta Q K^T) V} of one point (Eq. 1.1; each row's
   * largest score subtracted before exp), in doubles: the targets of a teacher.
   */
  public static double[][] output(DoubleInstance inst, Point p) {
    double[][] q = Dense.multiply(p.xq(), merged(inst, Adapter.Q));
    double[][] k = Dense.multiply(p.xk(), merged(inst, Adapter.K));
    double[][] v = Dense.multiply(p.xv(), merged(inst, Adapter.V));
    int lk = k.length;
    int o = v[0].length;
    double[][] z = new double[q.length][o];
    double[] s = new double[lk];
    for (int j = 0; j < q.length; j++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int l = 0; l < lk; l++) {
        s[l] = inst.beta() * Dense.dot(q[j], k[l]);
        max = Math.max(max, s[l]);
      }
      double sum = 0;
      for (int l = 0; l < lk; l++) {
        s[l] = Math.exp(s[l] - max);
        sum += s[l];
      }
      for (int l = 0; l < lk; l++) {
        double f = s[l] / sum;
        for (int i = 0; i < o; i++) {
          z[j][i] += f * v[l][i];
        }
      }
    }
    return z;
  }
}
