package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.ApInstance;
import dev.loralimits.reference.ApMatrix;
import dev.loralimits.reference.Arithmetic;
import dev.loralimits.reference.AttentionHead;
import dev.loralimits.reference.ExactGradients;
import dev.loralimits.reference.LoraWeight;
import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.apfloat.Apfloat;

/**
 * Lemmas 3.4, 3.5, 3.6 and 3.7 one at a time: each kernel of {@link AlmostLinear}, run on one
 * data point of a small rectangular instance with a certified polynomial, is within its own share
 * of the certified bound of the exact quantity it approximates, computed in apfloat at
 * {@link #REFERENCE_DIGITS} digits from the exact decimal inputs (with the same key shift
 * {@code kbar}, so that {@code p1 Kc} and {@code p2 Kc} are the same exact matrices; {@code c},
 * {@code q} and {@code s} do not depend on it). The tolerances are recomputed here from the
 * formulas of proofs-notes/FAST-BOUND.md §3.1-§4.2, not taken from {@link FastBound}; which share
 * belongs to which lemma is derived in proofs-notes/LEMMAS.md §10.
 */
@Label("Lemmas 3.4-3.7: each kernel within its share of the certified bound")
class LemmaKernelProperties {
  /**
   * Digits of the exact side. Its own error (a few hundred roundings at 60 digits, relative to
   * magnitudes at most about 10) is below {@code 1e-55}, far under the smallest tolerance, which
   * is at least {@code 2u} times a magnitude of the instance (the rounding of the inputs).
   */
  static final long REFERENCE_DIGITS = 60;
  /**
   * The tolerances below are evaluated in doubles from non-negative terms, fewer than 100
   * operations each; a factor {@code 1 + 1e-12} (about {@code 4500 u}) covers that rounding and the
   * rounding of the apfloat difference to a double.
   */
  static final double TOLERANCE_ROUNDING = 1 + 1e-12;
  /** Feature ranks above this are skipped: the point here is the kernels, not large ranks. */
  static final long MAX_TEST_RANK = 4_000;
  /**
   * Score radii above this are skipped: the rounding part of the bound grows like {@code e^(2R)}
   * (FAST-BOUND.md §9), so beyond it every tolerance is dominated by rounding and the lemmas'
   * kernel error is no longer what is tested.
   */
  static final double MAX_TEST_RADIUS = 10;
  /** Unit roundoff of double. */
  static final double U = 0x1p-53;

  @Provide
  Arbitrary<AccuracyInstances.Shape> shapes() {
    return AccuracyInstances.shapes(4, 3, 1);
  }

  /** Inverse temperatures small enough that most radii stay below {@link #MAX_TEST_RADIUS}. */
  @Provide
  Arbitrary<BigDecimal> betas() {
    return Arbitraries.of("0.01", "0.05", "0.2", "0.7").map(BigDecimal::new);
  }

  /** Relative error of the polynomial: coarse (the kernel error dominates) to fine (rounding does). */
  @Provide
  Arbitrary<Double> deltas() {
    return Arbitraries.of(1e-2, 1e-4, 1e-7, 1e-11);
  }

  @Property(tries = 80)
  void eachLemmaKernelIsWithinItsShareOfTheBound(
      @ForAll("shapes") AccuracyInstances.Shape anyBeta, @ForAll("betas") BigDecimal beta, @ForAll long seed,
      @ForAll("deltas") double delta) {
    AccuracyInstances.Shape shape = anyBeta.withBeta(beta);
    Statistics.label("shape").collect(shape.rectangular() ? "rectangular" : "square");
    Statistics.label("shape").coverage(c -> c.check("rectangular").percentage(p -> p >= 50));
    LoraInstance inst = AccuracyInstances.random(shape, seed);
    DoubleData dd = new DoubleData(inst);
    PreparedPoint p = PreparedPoint.of(dd, 0);
    double radius = DegreeSearch.lemma33Radius(p);
    boolean usable = radius <= MAX_TEST_RADIUS;
    ExpPolynomial poly = usable ? ExpPolynomial.choose(radius, delta) : null;
    usable = usable && FeatureMap.rank(p.h, poly.degree()) <= MAX_TEST_RANK;
    Statistics.label("kernels").collect(usable ? "checked" : "skipped (R or rank too large)");
    Statistics.label("kernels").coverage(c -> c.check("checked").percentage(x -> x >= 80));
    // sharpness: a tolerance much looser than the kernels' real error would stop reaching 1/100
    Statistics.label("largest error / tolerance").coverage(c -> c.check(">= 1e-2").percentage(x -> x >= 30));
    if (!usable) {
      Statistics.label("largest error / tolerance").collect("not checked");
      return;
    }
    FeatureMap fm = new FeatureMap(p.h, poly.coefficients());
    Tolerances tol = Tolerances.of(p.norms, poly, radius, fm.rank());
    assertThat(tol.deltaF()).as("deltaF finite and below 1 (deltaTot < 1/2)").isLessThan(1);
    Exact ex = Exact.of(inst, p.kbar);

    LemmaKernels.KeyAggregates ka = LemmaKernels.lemma34KeyAggregates(p, fm, 0, p.lk);
    double[] phi = new double[fm.rank()];
    double[] z = new double[p.o];
    double[] c = new double[p.o];
    double worst = 0;
    try {
      for (int j = 0; j < p.lq; j++) {
        fm.queryFeatures(p.qf, j * p.h, phi); // the scaled queries, as the key aggregates use the scaled keys (FAST-BOUND §2)
        double dj = LemmaKernels.lemma34Row(phi, ka, p.y, j * p.o, z, c);
        for (int i = 0; i < p.o; i++) {
          worst = Math.max(worst, within("Lemma 3.4 ztilde", j, i, z[i], ex.z.get(j, i), tol.lemma34z()));
          worst = Math.max(worst, within("Lemma 3.4 ctilde", j, i, c[i], ex.c.get(j, i), tol.lemma34c()));
        }
        for (int l = 0; l < p.lk; l++) {
          double q = LemmaKernels.lemma35Entry(p.vm, l, c);
          worst = Math.max(worst, within("Lemma 3.5 qtilde[l][j]", l, j, q, ex.q.get(l, j), tol.lemma35q()));
        }
        double s = LemmaKernels.lemma37Diagonal(c, z);
        worst = Math.max(worst, within("Lemma 3.7 stilde", j, 0, s, ex.s[j], tol.lemma37s()));
        double[] w1 = new double[p.h];
        LemmaKernels.lemma36Row(phi, c, ka, w1);
        double[] w2 = new double[p.h];
        LemmaKernels.lemma37Row(phi, s, ka, w2);
        for (int b = 0; b < p.h; b++) {
          worst = Math.max(worst, within("Lemma 3.6 row of p1 Kc", j, b, w1[b] / dj, ex.p1Kc.get(j, b), tol.lemma36Row()));
          worst = Math.max(worst, within("Lemma 3.7 row of p2 Kc", j, b, -w2[b] / dj, ex.p2Kc.get(j, b), tol.lemma37Row()));
        }
      }
    } finally {
      Statistics.label("largest error / tolerance").collect(worst < 1e-6 ? "< 1e-6" : worst < 1e-2 ? "1e-6 .. 1e-2" : ">= 1e-2");
    }
  }

  /** Asserts {@code |got - exact| <= tol} and returns the ratio. */
  private static double within(String what, int i, int j, double got, Apfloat exact, double tol) {
    double err = Math.abs(new Apfloat(new BigDecimal(got)).subtract(exact).doubleValue());
    assertThat(err).as("%s [%d][%d]: |%s - exact %s|", what, i, j, got, exact.toString(true)).isLessThanOrEqualTo(tol);
    return tol == 0 ? 0 : err / tol;
  }

  /**
   * Each lemma's tolerance, from FAST-BOUND.md's quantities (recomputed here; LEMMAS.md §10):
   * Lemma 3.4 {@code ez}, {@code ec} (4.1); Lemma 3.5 {@code dt + gamma_o tMaj}; Lemma 3.6
   * {@code (dt + deltaF tMaj) kMax + tMaj eK}; Lemma 3.7 {@code ds + gamma_o sMaj} for s and
   * {@code (ds + gamma_o sMaj + deltaF (1 + gamma_o) sMaj) kMax + sMaj eK} for the row of
   * {@code p2 Kc}.
   */
  record Tolerances(
      double deltaF, double lemma34z, double lemma34c, double lemma35q, double lemma36Row, double lemma37s,
      double lemma37Row) {
    static Tolerances of(FastBound.PointNorms n, ExpPolynomial poly, double radius, int rank) {
      int o = n.o();
      // (3.1) scores perturbed by the rounding of Qh and Kc
      double sigma = n.h() * (n.eQ() * n.kMax() + n.qMax() * n.eK() + n.eQ() * n.eK());
      double deltaS = Math.expm1(sigma);
      // (3.2) rounding of the kernel aggregates: sequential sums over at most 4 rows here
      double nAgg = Math.max(depth(n.lq()), depth(n.lk())) + (double) rank * Math.max(o, n.h()) + 2.0 * poly.degree() + 32;
      double tau = gamma(nAgg) * poly.absoluteCoefficientSum() * Math.exp(radius);
      // (3.3) every aggregate weight is F (1 + e), |e| <= deltaF
      double deltaTot = (1 + poly.relativeErrorBound()) * (1 + deltaS) * (1 + tau) * (1 + 3 * U) - 1;
      double deltaF = deltaTot < 0.5 ? 2 * deltaTot / (1 - deltaTot) : Double.POSITIVE_INFINITY;
      double nu = n.vMax();
      double gc = nu + n.yMax();
      // (4.1)
      double ez = deltaF * nu + n.eV() * (1 + deltaF);
      double ec = ez + 2 * U * (nu * (1 + deltaF) + n.yMax());
      // (4.2)
      double dt = o * (ec * nu + gc * n.eV());
      double ds = o * (ec * (1 + deltaF) * nu + gc * ez);
      double tMaj = o * (gc + ec) * nu;
      double sMaj = (1 + deltaF) * tMaj;
      double go = gamma(o);
      double k = n.kMax();
      return new Tolerances(
          deltaF,
          up(ez),
          up(ec),
          up(dt + go * tMaj),
          up((dt + deltaF * tMaj) * k + tMaj * n.eK()),
          up(ds + go * sMaj),
          up((ds + go * sMaj + deltaF * (1 + go) * sMaj) * k + sMaj * n.eK()));
    }

    private static double up(double x) {
      return x * TOLERANCE_ROUNDING;
    }

    /** Additions per term of a sum over n rows as AlmostLinear blocks it (FAST-BOUND.md §3.2). */
    private static double depth(int n) {
      return Math.min(n, AlmostLinear.BLOCK) + Math.ceil(n / (double) AlmostLinear.BLOCK) + AlmostLinear.CHUNKS + 2;
    }

    private static double gamma(double n) {
      return n * U / (1 - n * U);
    }
  }

  /**
   * The exact quantities of data point 0, from the decimal inputs: {@code Qh = beta X^Q W_Q},
   * {@code Kc = X^K W_K - 1 kbar^T}, {@code Vm = X^V W_V}, {@code F = softmax(Qh Kc^T)},
   * {@code z = F Vm}, {@code c = z - Y}, {@code q = Vm c^T}, {@code p1 = F (.) (c Vm^T)},
   * {@code s = p1 1}, {@code p2 = diag(s) F}.
   */
  private record Exact(ApMatrix z, ApMatrix c, ApMatrix q, Apfloat[] s, ApMatrix p1Kc, ApMatrix p2Kc) {
    static Exact of(LoraInstance inst, double[] kbar) {
      Arithmetic ar = new Arithmetic(REFERENCE_DIGITS);
      ApInstance ap = ApInstance.of(inst);
      ApInstance.ApPoint pt = ap.points().get(0);
      ApMatrix wq = LoraWeight.merged(ap.projection(Adapter.Q), ap.alpha(), ar);
      ApMatrix wk = LoraWeight.merged(ap.projection(Adapter.K), ap.alpha(), ar);
      ApMatrix wv = LoraWeight.merged(ap.projection(Adapter.V), ap.alpha(), ar);
      ApMatrix qh = ar.scale(ap.beta(), ar.multiply(pt.xq(), wq));
      ApMatrix km = ar.multiply(pt.xk(), wk);
      Apfloat[][] kc = new Apfloat[km.rows()][km.cols()];
      for (int l = 0; l < km.rows(); l++) {
        for (int b = 0; b < km.cols(); b++) {
          kc[l][b] = ar.subtract(km.get(l, b), new Apfloat(new BigDecimal(kbar[b])));
        }
      }
      ApMatrix kcm = ApMatrix.of(kc);
      ApMatrix vm = ar.multiply(pt.xv(), wv);
      ApMatrix f = AttentionHead.softmaxRows(ar.multiply(qh, kcm.transpose()), ar);
      ApMatrix z = ar.multiply(f, vm);
      ApMatrix c = ar.subtract(z, pt.y());
      ApMatrix p1 = ExactGradients.p1(f, c, vm, ar);
      ApMatrix p2 = ExactGradients.p2(p1, f, ar);
      return new Exact(
          z, c, ar.multiply(vm, c.transpose()), ar.rowSums(p1), ar.multiply(p1, kcm), ar.multiply(p2, kcm));
    }
  }
}
