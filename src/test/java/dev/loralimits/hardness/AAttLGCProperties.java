package dev.loralimits.hardness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The direct AAttLGC gradient (Alman-Song 2024, Definition 1.4), {@code dl/dX = (1/m) A1^T P A2},
 * against central finite differences of the loss: the comparison target of H4 is itself checked.
 */
@Label("AAttLGC: direct gradient = finite differences of l(X)")
class AAttLGCProperties {
  /** Step of the central differences: truncation {@code O(h^2) ~ 1e-10}, rounding {@code u/h ~ 1e-11}. */
  static final double STEP = 1e-5;
  /** Both errors above, times the size of third derivatives (entries in [-2, 2], L, m <= 4): generous. */
  static final double FD_TOLERANCE = 1e-7;

  @Provide
  Arbitrary<AAttLGC> instances() {
    return HardnessArbitraries.instances(4, 4, 2);
  }

  @Property(tries = 60)
  @Label("every entry of dl/dX within FD_TOLERANCE of (l(X + h E_rc) - l(X - h E_rc)) / 2h")
  void gradientIsTheDerivative(@ForAll("instances") AAttLGC p) {
    double[][] g = p.gradient();
    int m = p.m();
    for (int r = 0; r < m; r++) {
      for (int c = 0; c < m; c++) {
        double fd = (loss(p, r, c, STEP) - loss(p, r, c, -STEP)) / (2 * STEP);
        assertThat(g[r][c]).as("dl/dX[%d][%d]", r, c).isCloseTo(fd, org.assertj.core.data.Offset.offset(FD_TOLERANCE));
      }
    }
  }

  @Property(tries = 60)
  @Label("H3's identity phi'(lambda) = trace(dl/dX(lambda I)), phi(lambda) = l(lambda I)")
  void traceIsTheDerivativeAlongLambda(@ForAll("instances") AAttLGC p) {
    double[][] g = p.gradient();
    double trace = 0;
    for (int i = 0; i < p.m(); i++) {
      trace += g[i][i];
    }
    double fd = (at(p, p.lambda() + STEP).loss() - at(p, p.lambda() - STEP).loss()) / (2 * STEP);
    assertThat(trace).isCloseTo(fd, org.assertj.core.data.Offset.offset(FD_TOLERANCE));
  }

  private static AAttLGC at(AAttLGC p, double lambda) {
    return new AAttLGC(p.a1(), p.a2(), p.a3(), p.m(), lambda);
  }

  /** {@code l(lambda I + t E_rc)}, written out independently of {@link AAttLGC}. */
  private static double loss(AAttLGC p, int r, int c, double t) {
    int m = p.m();
    double[][] x = new double[m][m];
    for (int i = 0; i < m; i++) {
      x[i][i] = p.lambda();
    }
    x[r][c] += t;
    double sum = 0;
    for (double[] a1j : p.a1()) {
      double[] ax = new double[m];
      for (int i = 0; i < m; i++) {
        for (int k = 0; k < m; k++) {
          ax[k] += a1j[i] * x[i][k];
        }
      }
      double[] e = new double[p.a2().length];
      double z = 0;
      for (int l = 0; l < e.length; l++) {
        double s = 0;
        for (int k = 0; k < m; k++) {
          s += ax[k] * p.a2()[l][k];
        }
        e[l] = Math.exp(s / m);
        z += e[l];
      }
      for (int k = 0; k < m; k++) {
        double o = 0;
        for (int l = 0; l < e.length; l++) {
          o += e[l] / z * p.a3()[l][k];
        }
        sum += o * o;
      }
    }
    return sum / 2;
  }

  @Example
  void messagesNameTheMatrix() {
    assertThatThrownBy(() -> new AAttLGC(new double[][] {{1}}, new double[][] {{1}}, new double[][] {{1}, {2}}, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("A3 has 2 rows, expected 1 (A2 and A3 have the same length)");
    assertThatThrownBy(() -> new AAttLGC(new double[][] {{1, 2}}, new double[][] {{1}}, new double[][] {{1}}, 1, 1))
        .hasMessage("A1[0] has 2 entries, expected m = 1");
    assertThatThrownBy(() -> new AAttLGC(new double[][] {{1}}, new double[][] {{1}}, new double[][] {{1}}, 1, Double.NaN))
        .hasMessage("lambda (NaN) must be finite");
  }
}
