package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.LayerInstance;
import dev.loralimits.testing.LayerInstances;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** spec/FORMATS.md Section 5: writing a layer and reading it back gives the same layer. */
@Label("LayerJson")
class LayerJsonProperties {
  @Provide
  Arbitrary<LayerInstances.Spec> layers() {
    return LayerInstances.specs();
  }

  @Property(tries = 200)
  void writeThenReadIsTheIdentity(@ForAll("layers") LayerInstances.Spec s, @ForAll long seed) {
    LayerInstance x = LayerInstances.random(s, seed);
    Statistics.label("kind").collect(x.masking().tag() + (x.hasOutputProjection() ? " +O" : ""));
    String text = LayerJson.write(x);
    assertThat(LayerJson.parse("w.json", text)).isEqualTo(x);
    assertThat(LayerJson.write(LayerJson.parse("w.json", text))).isEqualTo(text);
  }
}
