package dev.loralimits.fast;

import dev.loralimits.phase.PhasePoint;
import dev.loralimits.phase.PhaseSweep;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Measurement probe (issue 12 item 5), not part of {@code mvn verify} (its name matches no
 * surefire include; run it with {@code -Dtest=IdealBoundaryProbe}): the phase sweep's instances
 * ({@link PhaseSweep#instance}, epsilon {@code 1/L}) answered by an <em>ideal</em> certificate, one
 * that knew the true error. For every point it runs the almost-linear passes at each degree g (both
 * polynomial kinds on the certified radius, {@link AlmostLinear#gradientWith}) and compares them with
 * {@link ExactDouble} (whose own error, ~1e-15 relative, is far below {@code 1/L}); the ideal degree
 * is the least g whose true error {@code max |fast - exact|} over every adapter gradient entry is
 * {@code <= 1/L}. The search stops when the predicted cost {@code k1 d / L} passes {@link #COST_CAP}.
 *
 * <p>Printed: one CSV line per point (certified degree and rank from {@link PhaseSweep#point}, ideal
 * degree and rank, costs), then per (d, L) the largest ratio at which the certified plan / the ideal
 * degree has predicted cost below 1 (the phase summary's {@code max_ratio_certified} column is the
 * largest ratio with any certificate; here both sides are held to the same cost rule).
 */
class IdealBoundaryProbe {
  /** The ideal degree search stops beyond this predicted cost: fast loses by its own count. */
  static final double COST_CAP = 2.0;

  static final List<Integer> WIDTHS = List.of(2, 4, 8);
  static final List<Integer> LENGTHS = List.of(1 << 8, 1 << 10, 1 << 12);

  record Ideal(int degree, long rank, ExpPolynomial.Kind kind, double error) {}

  /** The least degree whose true error meets epsilon, or null below the cost cap. */
  static Ideal ideal(DoubleInstance inst, int d, int length, double radius, DoubleGradients exact) {
    double eps = 1.0 / length;
    for (int g = 0; ; g++) {
      long rank = FeatureMap.rank(d, g);
      if ((double) rank * d / length > COST_CAP || g > ExpPolynomial.maxDegree()) {
        return null;
      }
      for (ExpPolynomial.Kind kind : new ExpPolynomial.Kind[] {ExpPolynomial.Kind.TAYLOR, ExpPolynomial.Kind.CHEBYSHEV}) {
        ExpPolynomial poly = ExpPolynomial.of(kind, g, radius);
        DoubleGradients fast;
        try {
          fast = AlmostLinear.gradientWith(inst, poly, 1);
        } catch (NonFiniteException e) {
          continue;
        } catch (IllegalArgumentException e) {
          return null; // FeatureMap's multinomial coefficients stop being exact doubles (degree ~57 at d = 2)
        }
        double err = CertificateSharpnessExamples.maxError(fast, exact);
        if (err <= eps) {
          return new Ideal(g, rank, kind, err);
        }
      }
    }
  }

  @Test
  void sweep() {
    List<Double> ratios = PhaseSweep.Config.full().ratios();
    System.out.println("d,L,ratio,R,status,g_cert,k1_cert,cost_cert,g_ideal,kind_ideal,k1_ideal,cost_ideal,err_ideal");
    List<String> summary = new ArrayList<>();
    for (int d : WIDTHS) {
      for (int length : LENGTHS) {
        double maxCert = 0;
        double maxIdeal = 0;
        double maxIdealAny = 0;
        for (double ratio : ratios) {
          PhasePoint pt = PhaseSweep.point(length, d, ratio, 10_000_000L);
          DoubleInstance inst = PhaseSweep.instance(length, d, PhaseSweep.gamma(length, ratio));
          if (pt.radius() > ExpPolynomial.MAX_RADIUS) {
            System.out.printf(Locale.ROOT, "%d,%d,%.2f,%.3g,%s,,,,,,,,%n", d, length, ratio, pt.radius(), pt.status());
            continue;
          }
          DoubleGradients exact = ExactDouble.gradient(inst, 2);
          Ideal id = ideal(inst, d, length, pt.radius(), exact);
          double costCert = pt.rank() > 0 ? (double) pt.rank() * d / length : Double.NaN;
          double costIdeal = id == null ? Double.NaN : (double) id.rank() * d / length;
          if (costCert < 1) {
            maxCert = Math.max(maxCert, ratio);
          }
          if (costIdeal < 1) {
            maxIdeal = Math.max(maxIdeal, ratio);
          }
          if (id != null) {
            maxIdealAny = Math.max(maxIdealAny, ratio);
          }
          System.out.printf(Locale.ROOT, "%d,%d,%.2f,%.3g,%s,%s,%s,%s,%s,%s,%s,%s,%s%n", d, length, ratio, pt.radius(), pt.status(),
              pt.rank() > 0 ? pt.degree() : "", pt.rank() > 0 ? pt.rank() : "", pt.rank() > 0 ? String.format(Locale.ROOT, "%.3g", costCert) : "",
              id == null ? "" : id.degree(), id == null ? "" : id.kind(), id == null ? "" : id.rank(),
              id == null ? "" : String.format(Locale.ROOT, "%.3g", costIdeal), id == null ? "" : String.format(Locale.ROOT, "%.2e", id.error()));
          if (id == null && ratio > maxIdealAny + 0.35) {
            break; // two or more steps past the last ideal answer: the rest of the row is beyond the cap too
          }
        }
        summary.add(String.format(Locale.ROOT, "%d,%d,%s,%s,%s", d, length, fmt(maxCert), fmt(maxIdeal), fmt(maxIdealAny)));
      }
    }
    System.out.println("# d,L,max_ratio_certified_cost_below_1,max_ratio_ideal_cost_below_1,max_ratio_ideal_cost_below_" + COST_CAP);
    summary.forEach(System.out::println);
  }

  private static String fmt(double r) {
    return r == 0 ? "" : String.format(Locale.ROOT, "%.1f", r);
  }
}
