package dev.loralimits.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * The shared generator makes the shapes the properties rely on: rectangular by default (every
 * width and rank its own draw), the square shape still reached, self-attention with one X width,
 * and instances whose matrices have exactly the spec's shapes.
 */
@Label("InstanceArbitraries: rectangular and square shapes, both attention kinds")
class InstanceArbitrariesProperties {
  /**
   * Least share (per cent) of each shape class over 400 tries. Square has weight 1 of 4 (25%) plus
   * the rectangular draws that happen to be square; each other class is above 30% by construction
   * (e.g. h != o: 2/3 of rectangular draws with maxD = 3, i.e. 50% overall). At 10% the binomial
   * tail of missing any class over 400 tries is below 1e-20.
   */
  static final double MIN_SHARE = 10;

  @Property(tries = 400)
  void generatedShapesAreRectangularSquareSelfAndCross(@ForAll("specs") Instances.Spec spec, @ForAll long seed) {
    Statistics.label("square").coverage(c -> c.check(true).percentage(p -> p >= MIN_SHARE));
    Statistics.label("dq != h").coverage(c -> c.check(true).percentage(p -> p >= MIN_SHARE));
    Statistics.label("h != o").coverage(c -> c.check(true).percentage(p -> p >= MIN_SHARE));
    Statistics.label("cross with dq, dk, dv not all equal").coverage(c -> c.check(true).percentage(p -> p >= MIN_SHARE));
    Statistics.label("ranks differ").coverage(c -> c.check(true).percentage(p -> p >= MIN_SHARE));
    Statistics.label("self-attention, not square").coverage(c -> c.check(true).percentage(p -> p >= MIN_SHARE));
    Statistics.label("square").collect(spec.square());
    Statistics.label("dq != h").collect(spec.dq() != spec.h());
    Statistics.label("h != o").collect(spec.h() != spec.o());
    Statistics.label("cross with dq, dk, dv not all equal")
        .collect(spec.cross() && (spec.dq() != spec.dk() || spec.dk() != spec.dv()));
    Statistics.label("ranks differ").collect(spec.ranksDiffer());
    Statistics.label("self-attention, not square").collect(!spec.cross() && !spec.square());

    LoraInstance inst = Instances.random(spec, seed);
    for (Adapter mu : Adapter.values()) {
      assertThat(inst.projection(mu).frozen().rows()).as("rows of W_%s", mu).isEqualTo(spec.rows(mu));
      assertThat(inst.projection(mu).frozen().cols()).as("cols of W_%s", mu).isEqualTo(spec.cols(mu));
      assertThat(inst.projection(mu).rank().orElse(0)).as("rank of %s", mu).isEqualTo(spec.ranks().getOrDefault(mu, 0));
    }
    assertThat(inst.data()).hasSize(spec.points());
    inst.data().forEach(p -> {
      assertThat(p.selfAttention()).isEqualTo(!spec.cross());
      assertThat(p.keyLength()).isEqualTo(spec.lk());
      assertThat(p.y().cols()).isEqualTo(spec.o());
    });
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<Instances.Spec> specs() {
    return InstanceArbitraries.specs(4, 3);
  }
}
