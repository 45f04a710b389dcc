package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import dev.loralimits.model.Shaped;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link LoraInstance} in doubles: the input of the double algorithms, so that large benchmarks
 * need no {@code BigDecimal} instance. Same shapes as {@link LoraInstance}: {@code W_Q: dq x h},
 * {@code W_K: dk x h}, {@code W_V: dv x o}; per point {@code XQ: Lq x dq}, {@code XK: Lk x dk},
 * {@code XV: Lk x dv}, {@code Y: Lq x o}.
 *
 * <p>The constructor copies every array; the accessors return the internal arrays, which callers
 * must not modify.
 *
 * @param alpha the LoRA scale alpha (each adapter uses alpha / its rank)
 * @param beta the inverse temperature, {@code > 0}
 * @param weights the three projections, keyed Q, K, V
 * @param points the data points, at least one
 */
public record DoubleInstance(double alpha, double beta, Map<Adapter, Weight> weights, List<Point> points) {

  /**
   * One projection {@code W = W* + (alpha/r) B A}; {@code a} and {@code b} are null when frozen.
   *
   * @param frozen {@code W*} ({@code rows x cols})
   * @param a A ({@code r x cols}) or null
   * @param b B ({@code rows x r}) or null
   */
  public record Weight(double[][] frozen, double[][] a, double[][] b) {
    /** @throws IllegalArgumentException naming the matrix when a shape or an entry is invalid */
    public Weight {
      frozen = copy("W", frozen);
      Checks.argument((a == null) == (b == null), "A and B must be given together (got only " + (a == null ? "B" : "A") + ")");
      if (a != null) {
        a = copy("A", a);
        b = copy("B", b);
        Checks.cols("A", shape(a), shape(frozen).cols(), "A is r x cols(W)");
        Checks.rows("B", shape(b), shape(frozen).rows(), "B is rows(W) x r");
        Checks.cols("B", shape(b), a.length, "r mismatch: B has r columns where A has r rows");
      }
    }

    /** A frozen projection. */
    public static Weight frozen(double[][] w) {
      return new Weight(w, null, null);
    }

    public boolean isAdapted() {
      return a != null;
    }

    /** The LoRA rank (rows of A); 0 when frozen. */
    public int rank() {
      return a == null ? 0 : a.length;
    }
  }

  /**
   * One data point; self-attention passes the same array as {@code xq}, {@code xk} and {@code xv}.
   *
   * @param xq {@code Lq x dq}
   * @param xk {@code Lk x dk}
   * @param xv {@code Lk x dv}
   * @param y {@code Lq x o}
   */
  public record Point(double[][] xq, double[][] xk, double[][] xv, double[][] y) {
    /** @throws IllegalArgumentException naming the matrix when a shape or an entry is invalid */
    public Point {
      double[][] q = copy("XQ", xq);
      xk = xk == xq ? q : copy("XK", xk);
      xv = xv == xq ? q : copy("XV", xv);
      xq = q;
      y = copy("Y", y);
      Checks.rows("XV", shape(xv), xk.length, "keys and values have the same length");
      Checks.rows("Y", shape(y), xq.length, "one target row per query");
    }

    /** A self-attention point {@code XQ = XK = XV = x}. */
    public static Point self(double[][] x, double[][] y) {
      return new Point(x, x, x, y);
    }
  }

  /**
   * @throws IllegalArgumentException naming the field when a number is not finite, beta is not
   *     positive, alpha is zero while an adapter exists, a projection is missing or a shape does
   *     not fit
   */
  public DoubleInstance {
    Checks.finite("alpha", alpha);
    Checks.finite("beta", beta);
    Checks.positive("beta", beta);
    Checks.notNull("weights", weights);
    Checks.notNull("points", points);
    EnumMap<Adapter, Weight> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      w.put(mu, Checks.notNull("weights." + mu, weights.get(mu)));
    }
    weights = Collections.unmodifiableMap(w);
    points = List.copyOf(points);
    Weight q = w.get(Adapter.Q);
    Weight k = w.get(Adapter.K);
    Weight v = w.get(Adapter.V);
    Checks.cols("weights.K.W", shape(k.frozen()), cols(q.frozen()), "W_Q and W_K have the same head width");
    boolean anyAdapted = q.isAdapted() || k.isAdapted() || v.isAdapted();
    Checks.argument(!anyAdapted || alpha != 0, "alpha (0.0) must be non-zero when a weight is adapted");
    Checks.argument(!points.isEmpty(), "points must hold at least one point");
    for (int i = 0; i < points.size(); i++) {
      Point p = points.get(i);
      String at = "points[" + i + "].";
      Checks.cols(at + "XQ", shape(p.xq()), q.frozen().length, "X^Q W_Q needs cols(X^Q) = rows(W_Q)");
      Checks.cols(at + "XK", shape(p.xk()), k.frozen().length, "X^K W_K needs cols(X^K) = rows(W_K)");
      Checks.cols(at + "XV", shape(p.xv()), v.frozen().length, "X^V W_V needs cols(X^V) = rows(W_V)");
      Checks.cols(at + "Y", shape(p.y()), cols(v.frozen()), "Y has the width of X^V W_V");
    }
  }

  /**
   * The nearest doubles of an exact instance (each decimal rounded once, to nearest; below the
   * subnormal range that is 0).
   *
   * @throws OutOfDoubleRangeException naming the number (field, data point, entry) when one is
   *     beyond the double range
   */
  public static DoubleInstance of(LoraInstance inst) {
    Checks.notNull("instance", inst);
    Map<Adapter, Weight> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      Projection p = inst.projection(mu);
      String at = "weights." + mu + ".";
      w.put(
          mu,
          p.isAdapted()
              ? new Weight(doubles(at + "W", p.frozen()), doubles(at + "A", p.a()), doubles(at + "B", p.b()))
              : Weight.frozen(doubles(at + "W", p.frozen())));
    }
    List<Point> pts = new ArrayList<>();
    for (int i = 0; i < inst.data().size(); i++) {
      DataPoint p = inst.data().get(i);
      String at = "data[" + i + "].";
      if (p.selfAttention()) {
        pts.add(Point.self(doubles(at + "X", p.xq()), doubles(at + "Y", p.y())));
      } else {
        pts.add(new Point(
            doubles(at + "XQ", p.xq()), doubles(at + "XK", p.xk()), doubles(at + "XV", p.xv()),
            doubles(at + "Y", p.y())));
      }
    }
    return new DoubleInstance(double1("alpha", inst.alpha()), double1("beta", inst.beta()), w, pts);
  }

  /**
   * The nearest doubles of m's entries.
   *
   * @throws OutOfDoubleRangeException naming the entry when one exceeds the double range
   */
  static double[][] doubles(String name, DecimalMatrix m) {
    double[][] d = m.toDoubles();
    for (int i = 0; i < d.length; i++) {
      for (int j = 0; j < d[i].length; j++) {
        if (!Double.isFinite(d[i][j])) {
          throw outOfRange(name + "[" + i + "][" + j + "]", m.get(i, j));
        }
      }
    }
    return d;
  }

  /**
   * The nearest double of a scalar (alpha, beta). Unlike a matrix entry, a non-zero scalar that
   * rounds to 0 is refused too: beta and alpha must be non-zero, so 0 would turn a valid instance
   * into an invalid one.
   *
   * @throws OutOfDoubleRangeException naming the scalar when it is beyond the double range or
   *     non-zero below its smallest positive number
   */
  static double double1(String name, BigDecimal x) {
    double d = x.doubleValue();
    if (!Double.isFinite(d)) {
      throw outOfRange(name, x);
    }
    if (d == 0 && x.signum() != 0) {
      throw new OutOfDoubleRangeException(
          name + " = " + text(x) + " is below the double range (smallest positive 4.9e-324) and would"
              + " round to 0: the double methods cannot represent it; try --method reference");
    }
    return d;
  }

  private static String text(BigDecimal x) {
    return x.toString().replace("E+", "e").replace('E', 'e');
  }

  private static OutOfDoubleRangeException outOfRange(String name, BigDecimal x) {
    return new OutOfDoubleRangeException(
        name + " = " + text(x) + " is beyond the double range (|x| <= 1.8e308): the double methods cannot"
            + " represent it; try --method reference");
  }

  /** The weight of projection mu. */
  public Weight weight(Adapter mu) {
    return weights.get(mu);
  }

  /** A deep copy of m after checking it is a non-empty rectangular array of finite numbers. */
  static double[][] copy(String name, double[][] m) {
    Checks.notNull(name, m);
    Checks.argument(m.length > 0, name + " must have at least one row");
    int cols = Checks.notNull(name + "[0]", m[0]).length;
    Checks.argument(cols > 0, name + " must have at least one column");
    double[][] c = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      Checks.notNull(name + "[" + i + "]", m[i]);
      Checks.argument(
          m[i].length == cols,
          name + " is ragged: row " + i + " has " + m[i].length + " entries, row 0 has " + cols);
      for (int j = 0; j < cols; j++) {
        Checks.finite(name + "[" + i + "][" + j + "]", m[i][j]);
      }
      c[i] = m[i].clone();
    }
    return c;
  }

  private static int cols(double[][] m) {
    return m[0].length;
  }

  static Shaped shape(double[][] m) {
    return new Shape(m.length, m[0].length);
  }

  private record Shape(int rows, int cols) implements Shaped {}
}
