package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.reference.ApInstance.ApPoint;
import dev.loralimits.testing.Agreement;
import dev.loralimits.testing.InstanceArbitraries;
import dev.loralimits.testing.Instances;
import java.util.EnumSet;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apfloat.Apfloat;

/**
 * Definition 3.1 / Eq. 3.2-3.4 against Definition 1.2: the paper's reduced form describes the same
 * loss and, after the alpha/r chain rule, the same gradients; Definition 3.6 splits Lemma 3.2's p.
 */
@Label("Definitions 3.1-3.6: reduced form = original form")
class ReducedFormProperties {
  static final long PRECISION = 50;
  /** Two computations of one quantity in different operation orders: 50 digits minus condition. */
  static final double REQUIRED_DIGITS = 40;

  @Provide
  Arbitrary<Instances.Spec> qSpecs() {
    return InstanceArbitraries.specs(5, 3)
        .map(
            s -> {
              Set<Adapter> ad = EnumSet.copyOf(s.adapters());
              ad.add(Adapter.Q);
              return s.withAdapters(ad, s.maxRank());
            });
  }

  @Property(tries = 60)
  @Label("Eq. 3.4 and Eq. 3.3 loss = Definition 1.2 loss")
  void eq34LossIsTheDirectLoss(@ForAll("qSpecs") Instances.Spec spec, @ForAll long seed) {
    ApInstance inst = ApInstance.of(Instances.random(spec, seed));
    Arithmetic ar = new Arithmetic(PRECISION);
    Apfloat direct = LoraLoss.loss(inst, ar);
    Apfloat eq34 = Apfloat.ZERO;
    Apfloat eq33 = Apfloat.ZERO;
    for (ApPoint p : inst.points()) {
      ReducedForm rf = ReducedForm.paperQuery(inst, p, ar);
      eq34 = ar.add(eq34, new TensorTrickObjects(rf, ar).lossEq34());
      eq33 = ar.add(eq33, rf.loss(ar));
    }
    assertThat(Agreement.digits(eq34, direct)).isGreaterThanOrEqualTo(REQUIRED_DIGITS);
    assertThat(Agreement.digits(eq33, direct)).isGreaterThanOrEqualTo(REQUIRED_DIGITS);
  }

  @Property(tries = 60)
  @Label("Definition 3.1: B^T G_W and G_W A^T of the reduced form = original-form adapter gradients")
  void reducedGradientIsOriginalGradient(@ForAll("qSpecs") Instances.Spec spec, @ForAll long seed) {
    ApInstance inst = ApInstance.of(Instances.random(spec, seed));
    Arithmetic ar = new Arithmetic(PRECISION);
    ApInstance.ApProjection q = inst.projection(Adapter.Q);
    ApMatrix ga = null;
    ApMatrix gb = null;
    for (ApPoint p : inst.points()) {
      ApMatrix g = ExactGradients.theoremF1(ReducedForm.paperQuery(inst, p, ar), ar).gradient();
      ApMatrix a = ar.multiply(q.b().transpose(), g);
      ApMatrix b = ar.multiply(g, q.a().transpose());
      ga = ga == null ? a : ar.add(ga, a);
      gb = gb == null ? b : ar.add(gb, b);
    }
    ApGradients original = AdapterGradients.compute(inst, Form.THEOREM_F_1, ar);
    java.math.BigDecimal floor =
        ApMatrix.toBigDecimal(Agreement.largestMagnitude(original)).scaleByPowerOfTen(-20);
    assertThat(Agreement.digits(ga, original.gradA().get(Adapter.Q), floor))
        .isGreaterThanOrEqualTo(REQUIRED_DIGITS);
    assertThat(Agreement.digits(gb, original.gradB().get(Adapter.Q), floor))
        .isGreaterThanOrEqualTo(REQUIRED_DIGITS);
  }

  @Property(tries = 60)
  @Label("Definition 3.6: Lemma 3.2's p = p1 - p2, and it is dLoss/dS (rows sum to zero)")
  void pIsP1MinusP2(@ForAll("qSpecs") Instances.Spec spec, @ForAll long seed) {
    ApInstance inst = ApInstance.of(Instances.random(spec, seed));
    Arithmetic ar = new Arithmetic(PRECISION);
    ReducedForm rf = ReducedForm.query(inst, inst.points().get(0), ar);
    TensorTrickObjects t = new TensorTrickObjects(rf, ar);
    ApMatrix p = ExactGradients.pLemma32(t, ar);
    ApMatrix p1 = ExactGradients.p1(t.fMatrix(), t.cMatrix(), rf.c3(), ar);
    ApMatrix split = ar.subtract(p1, ExactGradients.p2(p1, t.fMatrix(), ar));
    java.math.BigDecimal floor = ApMatrix.toBigDecimal(p1.maxAbs()).scaleByPowerOfTen(-20);
    assertThat(Agreement.digits(split, p, floor)).isGreaterThanOrEqualTo(REQUIRED_DIGITS);
    for (Apfloat rowSum : ar.rowSums(p)) {
      assertThat(ApMatrix.toBigDecimal(rowSum).abs())
          .isLessThanOrEqualTo(ApMatrix.toBigDecimal(p1.maxAbs()).scaleByPowerOfTen(-(int) REQUIRED_DIGITS));
    }
  }
}
