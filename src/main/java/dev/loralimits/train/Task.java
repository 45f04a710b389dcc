package dev.loralimits.train;

import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Point;
import dev.loralimits.fast.DoubleInstance.Weight;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A synthetic teacher-student task (proofs-notes/TRAIN.md §4): self-attention points whose targets
 * are the outputs of a teacher, and a student that starts from the frozen weights with LoRA's
 * initialisation ({@code A} random, {@code B = 0}).
 *
 * <p>Construction, for length L, width d, rank r and teacher ratio rho: every entry of every X is
 * uniform in {@code [-1, 1]}, rows 0 and 1 equal {@code +1} and {@code -1} (so {@code ||X||_inf = 1}
 * exactly); the frozen weights are {@code W* = g0 I_d} with {@code g0 = START_RATIO sqrt(ln L)}, so
 * the student starts at {@code Gamma / sqrt(ln L) = START_RATIO}; the teacher's projections are
 * {@code W* + kappa_mu D_mu} with {@code D_mu = B_mu A_mu} random of rank r and {@code kappa_mu > 0}
 * the unique value with {@code ||X W||_inf = rho sqrt(ln L)} for Q and K ({@code t -> ||X (W* + t
 * D)||_inf} is convex with value {@code g0 < rho sqrt(ln L)} at 0, so the level set on
 * {@code t > 0} is one point; found by bisection), and {@code kappa_V = 1}. alpha = r (scale 1),
 * beta = 1.
 *
 * @param name the task's name
 * @param student the instance training starts from
 * @param teacher the instance whose outputs are the targets (its loss is 0 up to rounding)
 * @param teacherRatio the teacher's {@code max(Gamma_Q, Gamma_K) / sqrt(ln L)}
 */
public record Task(String name, DoubleInstance student, DoubleInstance teacher, double teacherRatio) {

  /** The student's starting {@code Gamma / sqrt(ln L)}. */
  public static final double START_RATIO = 0.05;
  /** The teacher ratio of {@link #teacher}: inside the certified regime of the phase sweep at d = 4. */
  public static final double TEACHER_RATIO = 0.15;
  /** The teacher ratio of {@link #large}: beyond it, so training must leave the regime. */
  public static final double LARGE_RATIO = 0.6;

  public Task {
    Checks.notNull("name", name);
    Checks.notNull("student", student);
    Checks.notNull("teacher", teacher);
  }

  /** The teacher task whose solution lies inside the efficient regime. */
  public static Task teacher(int length, int width, int rank, int points, long seed) {
    return make("teacher", length, width, rank, points, TEACHER_RATIO, seed);
  }

  /** The task whose solution needs large norms (ratio {@link #LARGE_RATIO}). */
  public static Task large(int length, int width, int rank, int points, long seed) {
    return make("large", length, width, rank, points, LARGE_RATIO, seed);
  }

  /**
   * The task of the record comment with teacher ratio rho.
   *
   * @throws IllegalArgumentException naming the argument when L < 2, d, r or points < 1, or rho is
   *     not above {@link #START_RATIO}
   */
  public static Task make(String name, int length, int width, int rank, int points, double rho, long seed) {
    Checks.argument(length >= 2, "L (" + length + ") must be >= 2");
    Checks.positive("d", width);
    Checks.positive("rank", rank);
    Checks.positive("points", points);
    Checks.finite("ratio", rho);
    Checks.argument(rho > START_RATIO, "ratio (" + rho + ") must exceed the start ratio " + START_RATIO);
    Random rnd = new Random(seed);
    double root = Math.sqrt(Math.log(length));
    List<double[][]> xs = new ArrayList<>();
    for (int n = 0; n < points; n++) {
      double[][] x = new double[length][width];
      for (int j = 0; j < length; j++) {
        for (int b = 0; b < width; b++) {
          x[j][b] = j == 0 ? 1 : j == 1 ? -1 : 2 * rnd.nextDouble() - 1;
        }
      }
      xs.add(x);
    }
    double[][] frozen = scaledIdentity(width, START_RATIO * root);
    Map<Adapter, Weight> teacherW = new EnumMap<>(Adapter.class);
    Map<Adapter, Weight> studentW = new EnumMap<>(Adapter.class);
    double bound = 1 / Math.sqrt(width);
    for (Adapter mu : Adapter.values()) {
      double[][] ta = uniform(rnd, rank, width, bound);
      double[][] tb = uniform(rnd, width, rank, 1);
      double kappa = mu == Adapter.V ? 1 : level(xs, frozen, tb, ta, rho * root);
      teacherW.put(mu, new Weight(frozen, ta, scale(kappa, tb)));
      studentW.put(mu, new Weight(frozen, uniform(rnd, rank, width, bound), new double[width][rank]));
    }
    List<Point> noTargets = new ArrayList<>();
    for (double[][] x : xs) {
      noTargets.add(Point.self(x, new double[length][width]));
    }
    DoubleInstance t0 = new DoubleInstance(rank, 1.0, teacherW, noTargets);
    List<Point> pts = new ArrayList<>();
    for (Point p : noTargets) {
      pts.add(Point.self(p.xq(), Training.output(t0, p)));
    }
    DoubleInstance teacher = Training.withPoints(t0, pts);
    DoubleInstance student = new DoubleInstance(rank, 1.0, studentW, teacher.points());
    return new Task(name, student, teacher, rho);
  }

  /** The kappa of the record comment: {@code ||X (W* + kappa B A)||_inf = target} on the largest point, by bisection. */
  private static double level(List<double[][]> xs, double[][] frozen, double[][] b, double[][] a, double target) {
    double hi = 1;
    while (norm(xs, frozen, b, a, hi) < target) {
      hi *= 2;
    }
    double lo = 0;
    for (int i = 0; i < 200 && lo < hi; i++) {
      double mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) {
        break;
      }
      if (norm(xs, frozen, b, a, mid) < target) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  private static double norm(List<double[][]> xs, double[][] frozen, double[][] b, double[][] a, double kappa) {
    double[][] w = dev.loralimits.fast.Dense.loraMergeScaled(frozen, a, scale(kappa, b), 1.0);
    double g = 0;
    for (double[][] x : xs) {
      g = Math.max(g, dev.loralimits.fast.Dense.maxAbs(dev.loralimits.fast.Dense.multiply(x, w)));
    }
    return g;
  }

  private static double[][] scale(double s, double[][] m) {
    return dev.loralimits.fast.Dense.scale(s, m);
  }

  private static double[][] scaledIdentity(int d, double g) {
    double[][] m = new double[d][d];
    for (int i = 0; i < d; i++) {
      m[i][i] = g;
    }
    return m;
  }

  private static double[][] uniform(Random rnd, int rows, int cols, double bound) {
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m[i][j] = bound * (2 * rnd.nextDouble() - 1);
      }
    }
    return m;
  }
}
