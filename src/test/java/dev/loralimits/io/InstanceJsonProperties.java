package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.LoraInstance;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** Round trips of the format {@code lora-attention-instance/1}. */
class InstanceJsonProperties {

  @Provide
  Arbitrary<LoraInstance> instances() {
    return IoArbitraries.instances();
  }

  @Property(tries = 300)
  @Label("read(write(x)) equals x, with numbers, scales, self/cross points and adapters kept")
  void writeThenReadGivesAnEqualInstance(@ForAll("instances") LoraInstance x) {
    Statistics.label("adapters").collect(x.adapted().size());
    Statistics.label("self-attention point")
        .collect(x.data().stream().anyMatch(p -> p.selfAttention()));
    Statistics.label("adapters").coverage(c -> c.check(0).count(n -> n > 0));
    Statistics.label("adapters").coverage(c -> c.check(3).count(n -> n > 0));
    Statistics.label("self-attention point").coverage(c -> c.check(false).count(n -> n > 0));

    String text = InstanceJson.write(x);
    LoraInstance back = InstanceJson.parse("roundtrip.json", text);
    assertThat(back).isEqualTo(x);
    // BigDecimal.equals on alpha and beta in the record already checks the scale; check it for
    // entries too, through the text of a second write.
    assertThat(InstanceJson.write(back)).isEqualTo(text);
  }
}
