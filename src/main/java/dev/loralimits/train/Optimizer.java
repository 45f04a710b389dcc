package dev.loralimits.train;

import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.DoubleInstance.Weight;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.Checks;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A first-order optimiser of the adapter factors {@code A_mu, B_mu}: one step maps the current
 * instance and its gradients to the next instance and the optimiser carrying its updated state.
 * Values are immutable: a step returns new arrays and a new optimiser (proofs-notes/TRAIN.md §2).
 */
public sealed interface Optimizer permits Optimizer.GradientDescent, Optimizer.Adam {

  /** The next instance and the optimiser holding the state after the step. */
  record Step(DoubleInstance next, Optimizer optimizer) {}

  /** The short name used in logs and on the command line ({@code gd}, {@code adam}). */
  String name();

  /**
   * One step from {@code inst} with gradients {@code g} (which must cover exactly the adapted
   * projections of {@code inst}, with their shapes).
   *
   * @throws IllegalArgumentException naming the adapter when g does not fit inst
   */
  Step step(DoubleInstance inst, DoubleGradients g);

  /**
   * Gradient descent, {@code A <- A - lr dLoss/dA}, {@code B <- B - lr dLoss/dB} (computed as
   * {@code fl(x - fl(lr g))}).
   *
   * @param lr the learning rate, finite and positive
   */
  record GradientDescent(double lr) implements Optimizer {
    public GradientDescent {
      Checks.finite("lr", Checks.positive("lr", lr));
    }

    @Override
    public String name() {
      return "gd";
    }

    @Override
    public Step step(DoubleInstance inst, DoubleGradients g) {
      checkFits(inst, g);
      Map<Adapter, Weight> w = new EnumMap<>(Adapter.class);
      for (Adapter mu : Adapter.values()) {
        Weight old = inst.weight(mu);
        if (!old.isAdapted()) {
          w.put(mu, old);
          continue;
        }
        w.put(mu, new Weight(old.frozen(), descend(old.a(), g.gradA().get(mu), lr), descend(old.b(), g.gradB().get(mu), lr)));
      }
      return new Step(Training.withWeights(inst, w), this);
    }

    private static double[][] descend(double[][] x, double[][] gx, double lr) {
      double[][] r = new double[x.length][];
      for (int i = 0; i < x.length; i++) {
        r[i] = new double[x[i].length];
        for (int j = 0; j < x[i].length; j++) {
          r[i][j] = x[i][j] - lr * gx[i][j];
        }
      }
      return r;
    }
  }

  /**
   * Adam (Kingma and Ba, ICLR 2015) with bias correction, in the order of operations of PyTorch's
   * {@code torch.optim.Adam} (single-tensor form, no weight decay, no amsgrad), so that a float64
   * PyTorch run of the same steps agrees to rounding: at step t,
   * {@code m <- beta1 m + (1 - beta1) g}, {@code v <- beta2 v + (1 - beta2) g g},
   * {@code x <- x - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)}.
   *
   * @param lr the learning rate, finite and positive
   * @param beta1 first-moment decay in [0, 1)
   * @param beta2 second-moment decay in [0, 1)
   * @param eps the denominator's offset, finite and positive
   * @param t the number of steps taken so far ({@code >= 0})
   * @param m first moments per adapted projection (of A and B, {@link Moments}); empty before
   *     the first step
   * @param v second moments, same layout
   */
  record Adam(double lr, double beta1, double beta2, double eps, int t, Map<Adapter, Moments> m, Map<Adapter, Moments> v)
      implements Optimizer {
    public Adam {
      Checks.finite("lr", Checks.positive("lr", lr));
      Checks.argument(beta1 >= 0 && beta1 < 1, "beta1 (" + beta1 + ") must be in [0, 1)");
      Checks.argument(beta2 >= 0 && beta2 < 1, "beta2 (" + beta2 + ") must be in [0, 1)");
      Checks.finite("eps", Checks.positive("eps", eps));
      Checks.argument(t >= 0, "t (" + t + ") must be >= 0");
      m = copyOf("m", m);
      v = copyOf("v", v);
    }

    private static Map<Adapter, Moments> copyOf(String name, Map<Adapter, Moments> x) {
      EnumMap<Adapter, Moments> c = new EnumMap<>(Adapter.class);
      c.putAll(Checks.notNull(name, x));
      return Collections.unmodifiableMap(c);
    }

    /** Adam before its first step, PyTorch's defaults except lr: beta1 0.9, beta2 0.999, eps 1e-8. */
    public static Adam of(double lr) {
      return new Adam(lr, 0.9, 0.999, 1e-8, 0, Map.of(), Map.of());
    }

    @Override
    public String name() {
      return "adam";
    }

    @Override
    public Step step(DoubleInstance inst, DoubleGradients g) {
      checkFits(inst, g);
      int t1 = t + 1;
      double bc1 = 1 - Math.pow(beta1, t1);
      double bc2 = 1 - Math.pow(beta2, t1);
      double stepSize = lr / bc1;
      double bc2Sqrt = Math.sqrt(bc2);
      Map<Adapter, Weight> w = new EnumMap<>(Adapter.class);
      Map<Adapter, Moments> m1 = new EnumMap<>(Adapter.class);
      Map<Adapter, Moments> v1 = new EnumMap<>(Adapter.class);
      for (Adapter mu : Adapter.values()) {
        Weight old = inst.weight(mu);
        if (!old.isAdapted()) {
          w.put(mu, old);
          continue;
        }
        Moments mm = m.getOrDefault(mu, Moments.zero(old));
        Moments vv = v.getOrDefault(mu, Moments.zero(old));
        double[][] ma = moment1(mm.a(), g.gradA().get(mu));
        double[][] mb = moment1(mm.b(), g.gradB().get(mu));
        double[][] va = moment2(vv.a(), g.gradA().get(mu));
        double[][] vb = moment2(vv.b(), g.gradB().get(mu));
        w.put(mu, new Weight(old.frozen(), update(old.a(), ma, va, stepSize, bc2Sqrt), update(old.b(), mb, vb, stepSize, bc2Sqrt)));
        m1.put(mu, new Moments(ma, mb));
        v1.put(mu, new Moments(va, vb));
      }
      return new Step(Training.withWeights(inst, w), new Adam(lr, beta1, beta2, eps, t1, m1, v1));
    }

    private double[][] moment1(double[][] old, double[][] g) {
      double[][] r = new double[old.length][];
      for (int i = 0; i < old.length; i++) {
        r[i] = new double[old[i].length];
        for (int j = 0; j < old[i].length; j++) {
          r[i][j] = old[i][j] * beta1 + (1 - beta1) * g[i][j];
        }
      }
      return r;
    }

    private double[][] moment2(double[][] old, double[][] g) {
      double[][] r = new double[old.length][];
      for (int i = 0; i < old.length; i++) {
        r[i] = new double[old[i].length];
        for (int j = 0; j < old[i].length; j++) {
          r[i][j] = old[i][j] * beta2 + (1 - beta2) * (g[i][j] * g[i][j]);
        }
      }
      return r;
    }

    private double[][] update(double[][] x, double[][] mm, double[][] vv, double stepSize, double bc2Sqrt) {
      double[][] r = new double[x.length][];
      for (int i = 0; i < x.length; i++) {
        r[i] = new double[x[i].length];
        for (int j = 0; j < x[i].length; j++) {
          double denom = Math.sqrt(vv[i][j]) / bc2Sqrt + eps;
          r[i][j] = x[i][j] + -stepSize * (mm[i][j] / denom);
        }
      }
      return r;
    }
  }

  /**
   * Per-adapter moment arrays of Adam, shaped as A and B.
   *
   * @param a moments of A ({@code r x cols(W)})
   * @param b moments of B ({@code rows(W) x r})
   */
  record Moments(double[][] a, double[][] b) {
    static Moments zero(Weight w) {
      return new Moments(new double[w.a().length][w.a()[0].length], new double[w.b().length][w.b()[0].length]);
    }
  }

  private static void checkFits(DoubleInstance inst, DoubleGradients g) {
    Checks.notNull("instance", inst);
    Checks.notNull("gradients", g);
    for (Adapter mu : Adapter.values()) {
      Weight w = inst.weight(mu);
      double[][] ga = g.gradA().get(mu);
      double[][] gb = g.gradB().get(mu);
      Checks.argument(w.isAdapted() == (ga != null), "gradients." + mu + ": given for a frozen projection or missing for an adapted one");
      if (ga != null) {
        Checks.argument(
            ga.length == w.a().length && ga[0].length == w.a()[0].length,
            "gradients.A_" + mu + " is " + ga.length + " x " + ga[0].length + ", A_" + mu + " is " + w.a().length + " x " + w.a()[0].length);
        Checks.argument(
            gb.length == w.b().length && gb[0].length == w.b()[0].length,
            "gradients.B_" + mu + " is " + gb.length + " x " + gb[0].length + ", B_" + mu + " is " + w.b().length + " x " + w.b()[0].length);
      }
    }
  }
}
