package dev.loralimits.hardness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.fast.DoubleGradients;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.GradientResult;
import dev.loralimits.reference.ReferenceGradient;
import java.math.BigDecimal;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Group;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * H4 of proofs-notes/MODEL.md §5.3 (Theorem 4.1's proof, Appendix E): the LoRA gradient of the embedded instance,
 * decoded, is the AAttLGC gradient; the norms transfer exactly; decoding is (1/m)-Lipschitz.
 */
@Label("H4: AAttLGC -> ALoRAGC (Appendix E embedding)")
class AttentionToLoraProperties {
  /** Unit roundoff of double. */
  static final double U = 0x1p-53;
  /**
   * Factor over the first-order rounding count. Both sides compute the same sums of products of
   * magnitude at most the absolute-value program {@code Gbar = (1/m) |A1|^T Pbar |A2|}; each entry
   * goes through at most {@code Lq + Lk + m + 8} roundings (dot products of length m, sums over
   * the keys and the queries, the softmax, P, the division by m), and exp of a score carries its
   * rounding times the score ({@code Sbar u}); the embedded point is {@code lambda (1 + delta)},
   * {@code |delta| <= u}, which moves scores by {@code Sbar u}. A first-order bound is therefore
   * about {@code 4 u (Lq + Lk + m + Sbar + 8) Gbar}; 16 leaves a factor 4 for second-order terms.
   */
  static final double ROUNDING_FACTOR = 16;

  @Provide
  Arbitrary<AAttLGC> instances() {
    return HardnessArbitraries.instances(8, 5, 2);
  }

  @Provide
  Arbitrary<AAttLGC> smallInstances() {
    return HardnessArbitraries.instances(3, 3, 2);
  }

  @Property(tries = 120)
  @Label("ExactDouble on the embedding, decoded, = direct dl/dX within ROUNDING_FACTOR u (L + m + Sbar + 8) Gbar")
  void exactDoubleDecodesToTheDirectGradient(@ForAll("instances") AAttLGC p) {
    LoraEmbedding e = AttentionToLora.forward(p);
    DoubleGradients g = ExactDouble.gradient(e.doubles(), 1);
    double tol = tolerance(p);
    double err = HardnessArbitraries.maxDiff(AttentionToLora.decode(g), p.gradient());
    Statistics.label("error / tolerance").collect(bucket(err / tol));
    assertThat(err).isLessThanOrEqualTo(tol);
    assertThat(Math.abs(g.loss() - p.loss())).isLessThanOrEqualTo(ROUNDING_FACTOR * U * count(p) * lossMajorant(p));
    double[][] raw = g.gradA().get(Adapter.Q);
    for (double[] row : raw) {
      assertThat(row[p.m()]).as("padding column of dLoss/dA_Q").isZero();
    }
  }

  @Property(tries = 6)
  @Label("the apfloat reference on the exact embedding, decoded, = direct dl/dX (L, m <= 3)")
  void referenceDecodesToTheDirectGradient(@ForAll("smallInstances") AAttLGC p) {
    LoraEmbedding e = AttentionToLora.forward(p);
    GradientResult ref = ReferenceGradient.compute(e.exact(), 20);
    double[][] decoded = AttentionToLora.decode(ref.gradients().get(Adapter.Q).a());
    assertThat(HardnessArbitraries.maxDiff(decoded, p.gradient())).isLessThanOrEqualTo(tolerance(p));
  }

  @Property(tries = 100)
  @Label("||C2||_inf = ||A2||_inf and ||C1 B_Q A_Q||_inf = ||A1 X||_inf / m, exactly")
  void normsTransferExactly(@ForAll("instances") AAttLGC p) {
    LoraEmbedding e = AttentionToLora.forward(p);
    assertThat(e.loraKeyNorm()).isEqualByComparingTo(e.sourceKeyNorm());
    assertThat(e.loraQueryNorm()).isEqualByComparingTo(e.sourceQueryNorm());
    NormMap norms = AttentionToLora.normMap(e);
    assertThat(norms.output("C2")).isEqualTo(norms.input("A2"));
    assertThat(norms.output("C1 B_Q A_Q")).isEqualTo(norms.input("A1 X / m"));
    assertThat(norms.output("C3")).isEqualTo(norms.input("A3"));
    assertThat(e.d()).isEqualTo(p.m() + 1);
  }

  enum Pattern { ALL_PLUS, ALL_MINUS, CHECKERBOARD, RANDOM_SIGNS, UNIFORM }

  @Property(tries = 100)
  @Label("an eps-perturbed dLoss/dA_Q decodes to within eps/m of dl/dX (and all +eps reaches eps/m)")
  void perturbedGradientDecodesWithinEpsOverM(
      @ForAll("instances") AAttLGC p,
      @ForAll("epsilons") double eps,
      @ForAll Pattern pattern,
      @ForAll long seed) {
    LoraEmbedding e = AttentionToLora.forward(p);
    double[][] g = ExactDouble.gradient(e.doubles(), 1).gradA().get(Adapter.Q);
    Random r = new Random(seed);
    double[][] perturbed = new double[g.length][];
    double gmax = 0;
    for (int i = 0; i < g.length; i++) {
      perturbed[i] = g[i].clone();
      for (int j = 0; j < g[i].length; j++) {
        gmax = Math.max(gmax, Math.abs(g[i][j]));
        double delta = switch (pattern) {
          case ALL_PLUS -> eps;
          case ALL_MINUS -> -eps;
          case CHECKERBOARD -> (i + j) % 2 == 0 ? eps : -eps;
          case RANDOM_SIGNS -> r.nextBoolean() ? eps : -eps;
          case UNIFORM -> eps * (2 * r.nextDouble() - 1);
        };
        perturbed[i][j] += delta;
      }
    }
    int m = p.m();
    // fl(g + delta) and the two divisions by m: three roundings of numbers below gmax + eps.
    double slack = 4 * U * (gmax + eps) / m;
    double[][] exact = AttentionToLora.decode(g);
    double[][] noisy = AttentionToLora.decode(perturbed);
    double dev = HardnessArbitraries.maxDiff(noisy, exact);
    assertThat(dev).isLessThanOrEqualTo(eps / m + slack);
    if (pattern == Pattern.ALL_PLUS || pattern == Pattern.ALL_MINUS) {
      assertThat(dev).as("constant perturbation moves every entry by eps/m").isGreaterThanOrEqualTo(eps / m - slack);
    }
    assertThat(HardnessArbitraries.maxDiff(noisy, p.gradient())).isLessThanOrEqualTo(eps / m + slack + tolerance(p));
  }

  @Provide
  Arbitrary<Double> epsilons() {
    return Arbitraries.of(0.5, 1e-3, 1e-8);
  }

  @Group
  @Label("end to end H2 -> H3 mapping -> H4")
  class EndToEnd {
    @Property(tries = 60)
    @Label("||C1 W||_inf = lambda sqrt(B), ||C2||_inf = sqrt(B); at lambda = 1 the LoRA loss minus row 0 decides OV")
    void thresholdScaleAndDecision(
        @ForAll @IntRange(min = 1, max = 16) int n1,
        @ForAll @IntRange(min = 1, max = 16) int n2,
        @ForAll @IntRange(min = 1, max = 6) int m,
        @ForAll("lambdas") double lambda,
        @ForAll OvToAttentionProperties.Kind kind,
        @ForAll long seed) {
      OvInstance ov = OvToAttentionProperties.random(n1, n2, m, 0.5, kind, new Random(seed));
      AttentionDetection det = OvToAttention.forward(ov);
      LoraEmbedding e = AttentionToLora.forward(AAttLGC.ofDetection(det, lambda));
      double root = Math.sqrt(det.b());
      boolean onesInQ = dev.loralimits.fast.Dense.maxAbs(det.q()) > 0;
      boolean onesInK = dev.loralimits.fast.Dense.maxAbs(det.k()) > 0;
      Statistics.label("Q has a sqrt(B) entry").collect(onesInQ);
      assertThat(e.loraKeyNorm()).isEqualByComparingTo(onesInK ? new BigDecimal(root) : BigDecimal.ZERO);
      double query = e.loraQueryNorm().doubleValue();
      if (onesInQ) {
        assertThat(Math.abs(query - lambda * root)).isLessThanOrEqualTo(4 * U * lambda * root);
        if (Integer.bitCount(det.m()) == 1 && lambda == 1.0) {
          assertThat(e.loraQueryNorm()).isEqualByComparingTo(new BigDecimal(root));
        }
      } else {
        assertThat(query).isZero();
      }
      if (lambda == 1.0) {
        DoubleGradients g = ExactDouble.gradient(e.doubles(), 1);
        boolean pair = ov.bruteForcePair().isPresent();
        Statistics.label("OV at lambda = 1").collect(pair ? "pair" : "no pair");
        double detected = g.loss() - det.rowZeroLoss();
        assertThat(detected >= AttentionDetection.THRESHOLD).isEqualTo(pair);
        assertThat(g.loss()).isCloseTo(det.fullLoss(), org.assertj.core.data.Offset.offset(1e-12));
      }
    }

    @Provide
    Arbitrary<Double> lambdas() {
      return Arbitraries.oneOf(Arbitraries.just(1.0), Arbitraries.doubles().between(0, 1));
    }
  }

  /** ROUNDING_FACTOR u (Lq + Lk + m + Sbar + 8) Gbar, with Gbar the largest entry of the majorant. */
  static double tolerance(AAttLGC p) {
    return ROUNDING_FACTOR * U * count(p) * gradientMajorant(p);
  }

  static double count(AAttLGC p) {
    return p.a1().length + p.a2().length + p.m() + scoreMajorant(p) + 8;
  }

  /** Sbar = max |lambda| (|A1| |A2|^T)_jl / m. */
  static double scoreMajorant(AAttLGC p) {
    double s = 0;
    for (double[] x : p.a1()) {
      for (double[] y : p.a2()) {
        double d = 0;
        for (int c = 0; c < p.m(); c++) {
          d += Math.abs(x[c] * y[c]);
        }
        s = Math.max(s, Math.abs(p.lambda()) * d / p.m());
      }
    }
    return s;
  }

  /** zbar_j = sum_l F[j,l] |A3_l| (F >= 0). */
  static double[][] outputMajorant(AAttLGC p) {
    double[][] f = p.attention();
    double[][] z = new double[f.length][p.m()];
    for (int j = 0; j < f.length; j++) {
      for (int l = 0; l < f[j].length; l++) {
        for (int c = 0; c < p.m(); c++) {
          z[j][c] += f[j][l] * Math.abs(p.a3()[l][c]);
        }
      }
    }
    return z;
  }

  static double lossMajorant(AAttLGC p) {
    double s = 0;
    for (double[] row : outputMajorant(p)) {
      for (double x : row) {
        s += x * x;
      }
    }
    return s / 2;
  }

  /** max entry of (1/m) |A1|^T Pbar |A2|, Pbar[j,l] = F[j,l] (zbar_j . |A3_l| + zbar_j . zbar_j). */
  static double gradientMajorant(AAttLGC p) {
    double[][] f = p.attention();
    double[][] z = outputMajorant(p);
    int m = p.m();
    double best = 0;
    for (int r = 0; r < m; r++) {
      for (int c = 0; c < m; c++) {
        double s = 0;
        for (int j = 0; j < f.length; j++) {
          double zz = 0;
          for (int k = 0; k < m; k++) {
            zz += z[j][k] * z[j][k];
          }
          for (int l = 0; l < f[j].length; l++) {
            double za = 0;
            for (int k = 0; k < m; k++) {
              za += z[j][k] * Math.abs(p.a3()[l][k]);
            }
            s += Math.abs(p.a1()[j][r]) * f[j][l] * (za + zz) * Math.abs(p.a2()[l][c]);
          }
        }
        best = Math.max(best, s / m);
      }
    }
    return best;
  }

  static String bucket(double ratio) {
    if (ratio == 0) {
      return "0";
    }
    return ratio < 1e-3 ? "< 1e-3" : ratio < 1e-2 ? "< 1e-2" : ratio < 1e-1 ? "< 1e-1" : "<= 1";
  }
}
