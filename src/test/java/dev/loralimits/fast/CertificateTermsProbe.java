package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.ReferenceGradient;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Measurement probe (issue 12 item 2, step 1), not part of {@code mvn verify} (its name matches no
 * surefire include; run it with {@code -Dtest=CertificateTermsProbe}): prints, per instance, the
 * certified bound of {@link AlmostLinear} split into its parts (FAST-BOUND.md §3-6) next to the true
 * error, and the smallest degree whose true error already meets epsilon.
 *
 * <p>Parts of the largest gradient bound {@code B} at the chosen polynomial, each as the drop of B
 * when that part is switched off: {@code poly} (delta = 0), {@code tau} (A(R) = 0: the aggregate
 * rounding (3.2)), {@code input} (eQ = eK = eV = 0: (1.1)-(1.3)); {@code rest} = B with all three
 * off (the final sums' rounding, the 3u of (3.3), the loss of Y subtraction).
 */
class CertificateTermsProbe {
  static final double EPS = 1e-6;

  /** Instances like the benchmarks' but with random frozen weights: one point, self-attention. */
  static DoubleInstance instance(int length, int d, double gamma, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<Adapter, DoubleInstance.Weight> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      w.put(mu, new DoubleInstance.Weight(
          uniform(rnd, d, d, 1 / Math.sqrt(d)), uniform(rnd, 2, d, 0.5), uniform(rnd, d, 2, 0.5)));
    }
    double[][] x = uniform(rnd, length, d, gamma);
    double[][] y = uniform(rnd, length, d, 1);
    return new DoubleInstance(1, 1, w, List.of(DoubleInstance.Point.self(x, y)));
  }

  static double[][] uniform(SplittableRandom rnd, int rows, int cols, double half) {
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      for (int j = 0; j < cols; j++) {
        row[j] = rnd.nextDouble(-half, half);
      }
    }
    return m;
  }

  static double radius(DoubleInstance inst) {
    DoubleData dd = new DoubleData(inst);
    double r = 0;
    for (int i = 0; i < dd.points.size(); i++) {
      r = Math.max(r, DegreeSearch.lemma33Radius(PreparedPoint.of(dd, i)));
    }
    return r;
  }

  /** The parts of the certified bound at one polynomial. */
  static double[] parts(DoubleInstance inst, ExpPolynomial poly, double radius) {
    DoubleData dd = new DoubleData(inst);
    List<FastBound.PointNorms> pts = new ArrayList<>();
    List<FastBound.PointNorms> exactIn = new ArrayList<>();
    for (int i = 0; i < dd.points.size(); i++) {
      FastBound.PointNorms n = PreparedPoint.of(dd, i).norms;
      pts.add(n);
      exactIn.add(new FastBound.PointNorms(n.lq(), n.lk(), n.h(), n.o(), n.beta(), n.qMax(), n.kMax(), n.vMax(),
          n.yMax(), n.xqColSum(), n.xkMax(), n.xvMax(), 0, 0, 0));
    }
    int g = poly.degree();
    int rank = (int) FeatureMap.rank(pts.get(0).h(), g);
    double delta = poly.relativeErrorBound();
    double a = poly.absoluteCoefficientSum();
    double full = FastBound.certify(dd, pts, delta, a, g, radius, rank).maxGradientBound();
    double noPoly = FastBound.certify(dd, pts, 0, a, g, radius, rank).maxGradientBound();
    double noTau = FastBound.certify(dd, pts, delta, 0, g, radius, rank).maxGradientBound();
    double noIn = FastBound.certify(dd, exactIn, delta, a, g, radius, rank).maxGradientBound();
    double rest = FastBound.certify(dd, exactIn, 0, 0, g, radius, rank).maxGradientBound();
    FastBound.Terms t = FastBound.terms(pts.get(0), delta, a, radius, rank, g);
    return new double[] {full, full - noPoly, full - noTau, full - noIn, rest, delta, t.tau(), t.sigma(), t.deltaF()};
  }

  static double maxError(DoubleGradients got, Map<Adapter, double[][]> a, Map<Adapter, double[][]> b) {
    double m = 0;
    for (Adapter mu : a.keySet()) {
      m = Math.max(m, Dense.maxAbs(Dense.sum(got.gradA().get(mu), Dense.scale(-1, a.get(mu)))));
      m = Math.max(m, Dense.maxAbs(Dense.sum(got.gradB().get(mu), Dense.scale(-1, b.get(mu)))));
    }
    return m;
  }

  /**
   * FAST-BOUND.md §11 before/after on CertificateSharpnessExamples' grid plus L = 4096: the degree,
   * kind and bound/true-error ratio chosen by the §3-5 certificate alone (old) and by the code (new).
   */
  @Test
  void beforeAfter() {
    System.out.println("# d L R | old: g kind bound ratio | new: g kind bound ratio rank | true error");
    for (int d : new int[] {2, 4}) {
      for (int length : new int[] {256, 1024, 4096}) {
        for (double radius : new double[] {0.25, 0.5, 1.0}) {
          DoubleInstance inst = CertificateSharpnessExamples.withRadius(length, d, radius, 7);
          FastResult r = AlmostLinear.gradient(inst, new AlmostLinear.Options(EPS, 2, 1_000_000));
          DoubleGradients exact = ExactDouble.gradient(inst, 2);
          double err = CertificateSharpnessExamples.maxError(r.gradients(), exact);
          DoubleData dd = new DoubleData(inst);
          List<FastBound.PointNorms> pts = List.of(PreparedPoint.of(dd, 0).norms);
          int h = pts.get(0).h();
          int gOld = -1;
          ExpPolynomial.Kind kOld = null;
          double bOld = Double.NaN;
          for (int g = 0; g <= 30 && gOld < 0; g++) {
            for (ExpPolynomial.Kind kind : ExpPolynomial.Kind.values()) {
              double b = FastBound.certify(dd, pts, ExpPolynomial.of(kind, g, r.radius()), r.radius(),
                  (int) FeatureMap.rank(h, g)).maxGradientBound();
              if (b <= EPS && (gOld < 0 || b < bOld)) {
                gOld = g;
                kOld = kind;
                bOld = b;
              }
            }
          }
          double errOld = CertificateSharpnessExamples.maxError(
              AlmostLinear.gradientWith(inst, ExpPolynomial.of(kOld, gOld, r.radius()), 2), exact);
          System.out.printf("%d %d %.2f | %d %s %.2e %.2e | %d %s %.2e %.2e %d | %.2e %.2e%n", d, length, radius,
              gOld, kOld.name().charAt(0), bOld, bOld / errOld, r.degree(), r.kind().name().charAt(0),
              r.maxGradientBound(), r.maxGradientBound() / err, r.rank(), errOld, err);
        }
      }
    }
  }

  /**
   * FAST-BOUND.md §11: per degree, the Chebyshev and Taylor uniform deltas against the Taylor
   * row-mean bound Mbar (worst row) and the resulting deltaF old/new, on one grid instance.
   */
  @Test
  void rowMeanAgainstDelta() {
    for (int d : new int[] {2, 4}) {
      DoubleInstance inst = CertificateSharpnessExamples.withRadius(1024, d, 0.5, 7);
      DoubleData dd = new DoubleData(inst);
      PreparedPoint p = PreparedPoint.of(dd, 0);
      double radius = DegreeSearch.lemma33Radius(p);
      System.out.printf("# d %d L 1024 R %.3f Rs %.3f: g | deltaCheb deltaTaylor Mbar | deltaF(C) deltaFOld(T) deltaFNew(T)%n",
          d, radius, p.keyRows.rStar);
      for (int g = 2; g <= 9; g++) {
        int rank = (int) FeatureMap.rank(p.h, g);
        ExpPolynomial c = ExpPolynomial.of(ExpPolynomial.Kind.CHEBYSHEV, g, radius);
        ExpPolynomial t = ExpPolynomial.of(ExpPolynomial.Kind.TAYLOR, g, radius);
        FastBound.Terms tc = FastBound.terms(p.norms, c.relativeErrorBound(), c.absoluteCoefficientSum(), radius, rank, g,
            p.keyRows.rowMean(c));
        FastBound.Terms tt = FastBound.terms(p.norms, t.relativeErrorBound(), t.absoluteCoefficientSum(), radius, rank, g,
            p.keyRows.rowMean(t));
        System.out.printf("%d | %.2e %.2e %.2e | %.2e %.2e %.2e%n", g, c.relativeErrorBound(), t.relativeErrorBound(),
            tt.mBar(), tc.deltaF(), tt.deltaFOld(), tt.deltaFNew());
      }
    }
  }

  @Test
  void largerL() {
    System.out.println("# d L R | g kind bound trueErr ratio | poly tau input rest | delta tau sigma deltaF | gTrue(err<=eps) kindTrue errAtgTrue exactAllow");
    for (int d : new int[] {2, 4}) {
      for (int length : new int[] {256, 1024, 4096}) {
        for (double target : new double[] {0.25, 0.5, 1.0}) {
          DoubleInstance one = instance(length, d, 1, 7);
          double g1 = Math.sqrt(target / radius(one));
          DoubleInstance inst = instance(length, d, g1, 7);
          double r = radius(inst);
          FastResult fr;
          String line = String.format(Locale.ROOT, "%d %5d %.3f | ", d, length, r);
          DoubleGradients exact = ExactDouble.gradient(inst, 2);
          double allow = length <= 1024 ? allowance(inst) : Double.NaN;
          try {
            fr = AlmostLinear.gradient(inst, new AlmostLinear.Options(EPS, 2, 1_000_000));
          } catch (OutsideEfficientRegimeException e) {
            System.out.println(line + "REFUSED " + e.getMessage());
            continue;
          }
          double err = maxError(fr.gradients(), exact.gradA(), exact.gradB());
          double[] p = parts(inst, ExpPolynomial.of(fr.kind(), fr.degree(), r), r);
          String trueDeg = "";
          outer:
          for (int g = 0; g <= fr.degree(); g++) {
            for (ExpPolynomial.Kind k : ExpPolynomial.Kind.values()) {
              ExpPolynomial poly = ExpPolynomial.of(k, g, r);
              double e = maxError(AlmostLinear.gradientWith(inst, poly, 2), exact.gradA(), exact.gradB());
              if (e <= EPS) {
                trueDeg = String.format(Locale.ROOT, "%d %s %.2e", g, k, e);
                break outer;
              }
            }
          }
          System.out.println(line + String.format(Locale.ROOT,
              "%d %s %.2e %.2e %.1e | %.1e %.1e %.1e %.1e | %.1e %.1e %.1e %.1e | %s %.1e",
              fr.degree(), fr.kind(), fr.maxGradientBound(), err, fr.maxGradientBound() / err,
              p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], trueDeg, allow));
        }
      }
    }
  }

  static double allowance(DoubleInstance inst) {
    RoundingBound rb = RoundingBound.of(inst);
    double m = 0;
    for (Adapter mu : rb.aBar.keySet()) {
      double[][] a = rb.aBar.get(mu);
      double[][] a1 = rb.aBarOnes.get(mu);
      for (int i = 0; i < a.length; i++) {
        for (int j = 0; j < a[0].length; j++) {
          m = Math.max(m, rb.bound(a[i][j], a1[i][j]));
        }
      }
    }
    return m;
  }

  /**
   * FAST-BOUND.md §11.8: per Taylor degree on three grid instances, the certified bound and the true
   * error, split into the kernel part (max_j Mbar_j as certified, §11.6 and §11.7, against the actual
   * row Taylor error max_j ebar_j = max_j sum_l F^_jl |P(S^_jl)/e^{S^_jl} - 1|, O(L^2)) and the
   * amplification (bound / max_j deltaF_j against true error / max_j ebar_j).
   */
  @Test
  void kernelAgainstAmplification() {
    System.out.println("# d L R g | bound trueErr ratio | Mbar(6) MbarS ebar Mbar/ebar | maxDeltaF bound/dF err/ebar");
    for (int[] dl : new int[][] {{2, 1024}, {4, 1024}, {4, 256}}) {
      for (double radius : new double[] {0.5, 1.0}) {
        DoubleInstance inst = CertificateSharpnessExamples.withRadius(dl[1], dl[0], radius, 7);
        DoubleData dd = new DoubleData(inst);
        PreparedPoint p = PreparedPoint.of(dd, 0);
        double r = DegreeSearch.lemma33Radius(p);
        DoubleGradients exact = ExactDouble.gradient(inst, 2);
        for (int g = 2; g <= 10; g++) {
          ExpPolynomial poly = ExpPolynomial.of(ExpPolynomial.Kind.TAYLOR, g, r);
          int rank = (int) FeatureMap.rank(p.h, g);
          FastBound.Certificate c = FastBound.certify(dd, List.of(p.norms), List.of(p.keyRows), poly, r, rank);
          double err = CertificateSharpnessExamples.maxError(AlmostLinear.gradientWith(inst, poly, 2), exact);
          FastBound.Terms t = FastBound.terms(p.norms, poly.relativeErrorBound(), poly.absoluteCoefficientSum(), r, rank, g,
              p.keyRows.rowMean(poly));
          double mb = 0;
          double mbS = 0;
          double dF = 0;
          for (int j = 0; j < p.lq; j++) {
            mb = Math.max(mb, t.row().row(j).mBar());
            mbS = Math.max(mbS, t.row().row(j).mBarScore());
            dF = Math.max(dF, t.row().row(j).deltaF());
          }
          double[] a = poly.coefficients();
          double ebar = 0;
          for (int j = 0; j < p.lq; j++) {
            double num = 0;
            double den = 0;
            for (int l = 0; l < p.lk; l++) {
              double x = 0;
              for (int b = 0; b < p.h; b++) {
                x += p.qh[j * p.h + b] * p.kc[l * p.h + b];
              }
              double px = 0;
              for (int k = a.length - 1; k >= 0; k--) {
                px = px * x + a[k];
              }
              double ex = Math.exp(x);
              num += Math.abs(px - ex);
              den += ex;
            }
            ebar = Math.max(ebar, num / den);
          }
          double b = c.maxGradientBound();
          System.out.printf(Locale.ROOT, "%d %d %.2f %d | %.2e %.2e %.1e | %.2e %.2e %.2e %.1e | %.2e %.1e %.1e%n",
              dl[0], dl[1], radius, g, b, err, b / err, mb, mbS, ebar, mb / ebar, dF, b / dF, err / ebar);
        }
      }
    }
  }

  /**
   * FAST-BOUND.md §11.10, "Not done": the split of the Q bound's per-row factor
   * {@code wq_j = kMax rho_j + pi_j eK} ((5.1), §11.6 (c)) at the chosen degree and kind, summed over rows:
   * the F-weighted part {@code kMax (dt_j + ds_j)}, the row-L1 part {@code kMax f_j (tMaj_j + sMaj_j)} and
   * {@code pi_j eK}; and the softmax-weighted key size {@code max_b sum_l F_jl |Kc_lb| / kMax} (mean and
   * maximum over rows, exact softmax in doubles, O(L^2)) that would replace kMax in the F-weighted part.
   */
  @Test
  void rhoSplit() {
    System.out.println("# d L R g | F-part rowL1-part eK-part (shares of sum_j wq_j) | mean_j, max_j of max_b sum_l F_jl |Kc_lb| / kMax");
    for (int d : new int[] {2, 4}) {
      for (int length : new int[] {256, 1024}) {
        for (double radius : new double[] {0.25, 0.5, 1.0}) {
          DoubleInstance inst = CertificateSharpnessExamples.withRadius(length, d, radius, 7);
          DoubleData dd = new DoubleData(inst);
          PreparedPoint p = PreparedPoint.of(dd, 0);
          double r = DegreeSearch.lemma33Radius(p);
          FastResult fr = AlmostLinear.gradient(inst, new AlmostLinear.Options(EPS, 2, 1_000_000));
          int g = fr.degree();
          ExpPolynomial poly = ExpPolynomial.of(fr.kind(), g, r);
          int rank = (int) FeatureMap.rank(p.h, g);
          FastBound.Terms t = FastBound.terms(p.norms, poly.relativeErrorBound(), poly.absoluteCoefficientSum(), r, rank, g,
              p.keyRows.rowMean(poly));
          FastBound.RowChain rc = t.row();
          double kMax = p.norms.kMax();
          double fPart = 0;
          double l1Part = 0;
          double ePart = 0;
          for (int j = 0; j < p.lq; j++) {
            fPart += kMax * (rc.row(j).dt() + rc.row(j).ds());
            l1Part += kMax * rc.row(j).deltaF() * (rc.row(j).tMaj() + rc.row(j).sMaj());
            ePart += rc.row(j).pi() * p.norms.eK();
          }
          double tot = fPart + l1Part + ePart;
          double mean = 0;
          double max = 0;
          for (int j = 0; j < p.lq; j++) {
            double[] e = new double[p.lk];
            double m = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < p.lk; l++) {
              for (int b = 0; b < p.h; b++) {
                e[l] += p.qh[j * p.h + b] * p.kc[l * p.h + b];
              }
              m = Math.max(m, e[l]);
            }
            double den = 0;
            for (int l = 0; l < p.lk; l++) {
              e[l] = Math.exp(e[l] - m);
              den += e[l];
            }
            double best = 0;
            for (int b = 0; b < p.h; b++) {
              double s = 0;
              for (int l = 0; l < p.lk; l++) {
                s += e[l] * Math.abs(p.kc[l * p.h + b]);
              }
              best = Math.max(best, s / den);
            }
            mean += best / kMax / p.lq;
            max = Math.max(max, best / kMax);
          }
          System.out.printf(Locale.ROOT, "%d %d %.2f %d | %.2f %.2f %.2f | %.2f %.2f%n", d, length, radius, g,
              fPart / tot, l1Part / tot, ePart / tot, mean, max);
        }
      }
    }
  }

  /** Per adapter (A and B of Q, K, V): the certified bound against the true error at the chosen degree. */
  @Test
  void perAdapter() {
    for (int[] dl : new int[][] {{2, 1024}, {4, 1024}, {4, 256}}) {
      for (double radius : new double[] {0.5, 1.0}) {
        DoubleInstance inst = CertificateSharpnessExamples.withRadius(dl[1], dl[0], radius, 7);
        FastResult r = AlmostLinear.gradient(inst, new AlmostLinear.Options(EPS, 2, 1_000_000));
        DoubleGradients exact = ExactDouble.gradient(inst, 2);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "d %d L %d R %.2f g %d:", dl[0], dl[1], radius, r.degree()));
        for (Adapter mu : exact.gradA().keySet()) {
          double ea = Dense.maxAbs(Dense.sum(r.gradients().gradA().get(mu), Dense.scale(-1, exact.gradA().get(mu))));
          double eb = Dense.maxAbs(Dense.sum(r.gradients().gradB().get(mu), Dense.scale(-1, exact.gradB().get(mu))));
          sb.append(String.format(Locale.ROOT, " %s: A %.1e/%.1e B %.1e/%.1e |", mu, r.boundA().get(mu), ea, r.boundB().get(mu), eb));
        }
        System.out.println(sb);
      }
    }
  }

  /**
   * FAST-BOUND.md §11.7 and §11.10, cost: the CPU time of the score moments of every Taylor degree up to g
   * (what the degree search asks for), in the same run as the first version (every level from 1 for
   * each t: {@code ScoreMoments.evenMomentFromScratch}) and the shared levels of §11.10 (asserted
   * bitwise equal), against one fast gradient at degree g, at L = 2^14. Each is timed REPS times, alternating; the
   * smallest is printed.
   */
  @Test
  void scoreMomentCost() {
    com.sun.management.OperatingSystemMXBean mx =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    java.lang.management.ThreadMXBean th = java.lang.management.ManagementFactory.getThreadMXBean();
    for (int[] dg : new int[][] {{4, 8}, {8, 5}}) {
      DoubleInstance inst = CertificateSharpnessExamples.withRadius(1 << 14, dg[0], 0.5, 7);
      DoubleData dd = new DoubleData(inst);
      long t0 = mx.getProcessCpuTime();
      PreparedPoint p = PreparedPoint.of(dd, 0);
      double r = DegreeSearch.lemma33Radius(p);
      long t1 = mx.getProcessCpuTime();
      double oldTime = 0;
      double newTime = 0;
      oldTime = Double.POSITIVE_INFINITY;
      newTime = Double.POSITIVE_INFINITY;
      for (int rep = 0; rep < REPS; rep++) {
        ScoreMoments ref = new ScoreMoments(p.qf, p.kf, p.kc, p.lq, p.lk, p.h, qNorms(p), p.keyRows);
        ScoreMoments shared = new ScoreMoments(p.qf, p.kf, p.kc, p.lq, p.lk, p.h, qNorms(p), p.keyRows);
        java.util.List<double[]> a = new java.util.ArrayList<>();
        StringBuilder per = new StringBuilder();
        long s0 = th.getCurrentThreadCpuTime();
        for (int t : requested(dg[1])) {
          long q0 = th.getCurrentThreadCpuTime();
          a.add(ref.evenMomentFromScratch(t));
          per.append(String.format(Locale.ROOT, " t%d %.3f", t, (th.getCurrentThreadCpuTime() - q0) * 1e-9));
        }
        long s1 = th.getCurrentThreadCpuTime();
        java.util.List<double[]> b = new java.util.ArrayList<>();
        per.append(" | shared");
        for (int t : requested(dg[1])) {
          long q0 = th.getCurrentThreadCpuTime();
          b.add(shared.evenMoment(t));
          per.append(String.format(Locale.ROOT, " t%d %.3f", t, (th.getCurrentThreadCpuTime() - q0) * 1e-9));
        }
        long s2 = th.getCurrentThreadCpuTime();
        System.out.println("per request (thread CPU s), from scratch:" + per);
        for (int i = 0; i < a.size(); i++) {
          if (!java.util.Arrays.equals(a.get(i), b.get(i))) {
            throw new AssertionError("shared levels differ from the reference at request " + i);
          }
        }
        oldTime = Math.min(oldTime, (s1 - s0) * 1e-9);
        newTime = Math.min(newTime, (s2 - s1) * 1e-9);
      }
      long t2 = mx.getProcessCpuTime();
      AlmostLinear.gradientWith(inst, ExpPolynomial.of(ExpPolynomial.Kind.TAYLOR, dg[1], r), 2);
      long t3 = mx.getProcessCpuTime();
      System.out.printf(Locale.ROOT,
          "d %d L 2^14 g <= %d: prepare %.2f s, score moments from scratch %.2f s, shared levels %.2f s (thread CPU time);"
              + " one gradient at g %.2f s (process CPU time, all threads)%n",
          dg[0], dg[1], (t1 - t0) * 1e-9, oldTime, newTime, (t3 - t2) * 1e-9);
    }
  }

  /** Repetitions of each timing in {@link #scoreMomentCost}; the smallest is printed (the JIT and the shared machine). */
  static final int REPS = 6;

  /** The even t that the degree search asks for, in its order, for Taylor degrees 0..g (p = g + 1; odd p: p - 1, p + 1). */
  static int[] requested(int g) {
    java.util.LinkedHashSet<Integer> ts = new java.util.LinkedHashSet<>();
    for (int d = 0; d <= g; d++) {
      int p = d + 1;
      if (p % 2 == 0) {
        ts.add(p);
      } else {
        ts.add(p - 1);
        ts.add(p + 1);
      }
    }
    return ts.stream().mapToInt(Integer::intValue).toArray();
  }

  static double[] qNorms(PreparedPoint p) {
    double[] n = new double[p.lq];
    for (int j = 0; j < p.lq; j++) {
      n[j] = FastBound.normUpper(p.qh, j * p.h, p.h);
    }
    return n;
  }

  /** The small instances of AlmostLinearProperties (its generator, scales, epsilons) vs the 30-digit reference. */
  @Test
  void propertyInstances() {
    Iterator<Instances.Spec> specs = InstanceArbitraries.specs(6, 3).sampleStream().iterator();
    double[] scales = {0.1, 0.25, 0.5, 1.0, 2.0};
    double[] epss = {1e-3, 1e-6, 1e-9};
    SplittableRandom rnd = new SplittableRandom(11);
    List<Double> ratios = new ArrayList<>();
    double[] sums = new double[5];
    int answered = 0;
    for (int t = 0; t < 150; t++) {
      Instances.Spec spec = specs.next().withScale(scales[rnd.nextInt(scales.length)]);
      double eps = epss[rnd.nextInt(epss.length)];
      LoraInstance inst = Instances.random(spec, rnd.nextLong());
      FastResult r;
      try {
        r = AlmostLinear.gradient(inst, new AlmostLinear.Options(eps, 1, AlmostLinearProperties.TEST_RANK_BUDGET));
      } catch (OutsideEfficientRegimeException e) {
        continue;
      }
      if (r.rank() == 0 || r.gradients().gradA().isEmpty()) {
        continue;
      }
      answered++;
      GradientResult ref = ReferenceGradient.compute(inst, 30);
      double err = 0;
      for (Adapter mu : ref.gradients().keySet()) {
        err = Math.max(err, AlmostLinearProperties.maxError(r.gradients().gradA().get(mu), ref.gradients().get(mu).a()));
        err = Math.max(err, AlmostLinearProperties.maxError(r.gradients().gradB().get(mu), ref.gradients().get(mu).b()));
      }
      double[] p = parts(DoubleInstance.of(inst), ExpPolynomial.of(r.kind(), r.degree(), r.radius()), r.radius());
      double ratio = r.maxGradientBound() / Math.max(err, 1e-300);
      ratios.add(ratio);
      for (int i = 0; i < 4; i++) {
        sums[i] += Math.log10(Math.max(p[i + 1], 1e-300) / p[0]);
      }
      System.out.println(String.format(Locale.ROOT,
          "L=%d,%d d=%d h=%d o=%d R=%.3f eps=%.0e g=%d %s bound=%.2e err=%.2e ratio=%.1e | poly %.0f%% tau %.0f%% input %.0f%% rest %.0f%%",
          spec.lq(), spec.lk(), spec.dq(), spec.h(), spec.o(), r.radius(), eps, r.degree(), r.kind(),
          r.maxGradientBound(), err, ratio, 100 * p[1] / p[0], 100 * p[2] / p[0], 100 * p[3] / p[0], 100 * p[4] / p[0]));
    }
    ratios.sort(Double::compare);
    System.out.printf(Locale.ROOT, "# answered %d; ratio min %.2e median %.2e max %.2e%n", answered,
        ratios.get(0), ratios.get(ratios.size() / 2), ratios.get(ratios.size() - 1));
  }

  /** Actual max |S|, max |q|.|k| (O(L^2)) and box-cell bounds with m bins per coordinate, vs the CS radius. */
  @Test
  void radii() {
    for (int d : new int[] {2, 4}) {
      for (int length : new int[] {256, 1024, 4096}) {
        for (double target : new double[] {0.25, 0.5, 1.0}) {
          DoubleInstance one = instance(length, d, 1, 7);
          DoubleInstance inst = instance(length, d, Math.sqrt(target / radius(one)), 7);
          PreparedPoint p = PreparedPoint.of(new DoubleData(inst), 0);
          double cs = DegreeSearch.lemma33Radius(p);
          double maxS = 0;
          double maxAbs = 0;
          for (int j = 0; j < p.lq; j++) {
            for (int l = 0; l < p.lk; l++) {
              double s = 0;
              double a = 0;
              for (int b = 0; b < p.h; b++) {
                s += p.qh[j * p.h + b] * p.kc[l * p.h + b];
                a += Math.abs(p.qh[j * p.h + b] * p.kc[l * p.h + b]);
              }
              maxS = Math.max(maxS, Math.abs(s));
              maxAbs = Math.max(maxAbs, a);
            }
          }
          StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
              "d=%d L=%d CS=%.3f maxS=%.3f (%.2f) maxAbs=%.3f (%.2f)", d, length, cs, maxS, maxS / cs, maxAbs, maxAbs / cs));
          for (int m : new int[] {1, 2, 4, 8}) {
            double bb = boxBound(p.qh, p.lq, p.kc, p.lk, p.h, m);
            sb.append(String.format(Locale.ROOT, " box%d=%.3f (%.2f)", m, bb, bb / cs));
          }
          System.out.println(sb);
        }
      }
    }
  }

  static double boxBound(double[] q, int lq, double[] k, int lk, int h, int m) {
    double[][] qc = cells(q, lq, h, m);
    double[][] kc = cells(k, lk, h, m);
    double best = 0;
    for (double[] a : qc) {
      if (a == null) continue;
      for (double[] b : kc) {
        if (b == null) continue;
        double t = 0;
        for (int i = 0; i < h; i++) {
          t += a[i] * b[i];
        }
        best = Math.max(best, t);
      }
    }
    return best;
  }

  /** Per cell (m bins per coordinate over [-M_b, M_b]), the max |x_b| of its members. */
  static double[][] cells(double[] x, int n, int h, int m) {
    double[] mx = new double[h];
    for (int r = 0; r < n; r++) for (int b = 0; b < h; b++) mx[b] = Math.max(mx[b], Math.abs(x[r * h + b]));
    int cellsN = (int) Math.pow(m, h);
    double[][] c = new double[cellsN][];
    for (int r = 0; r < n; r++) {
      int idx = 0;
      for (int b = 0; b < h; b++) {
        int bin = mx[b] == 0 ? 0 : (int) Math.floor((x[r * h + b] / mx[b] + 1) / 2 * m);
        bin = Math.min(Math.max(bin, 0), m - 1);
        idx = idx * m + bin;
      }
      if (c[idx] == null) c[idx] = new double[h];
      for (int b = 0; b < h; b++) c[idx][b] = Math.max(c[idx][b], Math.abs(x[r * h + b]));
    }
    return c;
  }
}
