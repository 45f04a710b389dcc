package dev.loralimits.vectors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.loralimits.fast.LayerExact;
import dev.loralimits.io.LayerJson;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.reference.ReferenceGradient;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layer golden vectors (spec/vectors/lora-attention-layer-vectors.json): regeneration gives
 * the committed bytes, every flag is explained, exact passes every test, and the PaperModel group
 * equals the paper's reference.
 */
class LayerVectorsExamples {
  static final Path COMMITTED = Path.of(System.getProperty("basedir", "."), "spec", "vectors", LayerVectors.FILE_NAME);
  /**
   * exact against the 30-digit expected values, normwise per matrix: the same bound as
   * LayerExactProperties.TOLERANCE (entries below 1, widths below 10, at most 6 keys), as rtol.
   */
  static final double RTOL = 1e-9;
  /** Two answers certified to 30 digits differ by at most 2.1 units of the 30th digit (LAYER.md 3.1). */
  static final BigDecimal PAIR = new BigDecimal("2.1e-29");

  static final JsonMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  static JsonNode doc;
  static List<JsonNode> tests = new ArrayList<>();

  @BeforeAll
  static void read() throws Exception {
    doc = JSON.readTree(COMMITTED.toFile());
    for (JsonNode g : doc.get("testGroups")) {
      g.get("tests").forEach(tests::add);
    }
  }

  @Test
  void regenerationReproducesTheCommittedFile() throws Exception {
    assertThat(LayerVectors.document()).as("regenerate with ./lora-limits vectors --out spec/vectors")
        .isEqualTo(Files.readString(COMMITTED, StandardCharsets.UTF_8));
  }

  @Test
  void countsTcIdsAndFlagsAreConsistent() {
    assertThat(doc.get("numberOfTests").asInt()).isEqualTo(tests.size()).isEqualTo(32);
    Set<String> noted = new HashSet<>();
    doc.get("notes").fieldNames().forEachRemaining(noted::add);
    Set<String> used = new HashSet<>();
    for (int i = 0; i < tests.size(); i++) {
      assertThat(tests.get(i).get("tcId").asInt()).isEqualTo(i + 1);
      tests.get(i).get("flags").forEach(f -> used.add(f.asText()));
    }
    assertThat(used).isEqualTo(noted);
  }

  @Test
  void exactPassesEveryTest() throws Exception {
    for (JsonNode t : tests) {
      LayerInstance x = LayerJson.parse("tcId " + t.get("tcId"), JSON.writeValueAsString(t.get("instance")));
      LayerResult r = LayerExact.compute(x);
      JsonNode exp = t.get("expected");
      close(t, "loss", new double[][] {{r.loss().doubleValue()}}, new JsonNode[] {JSON.createArrayNode().add(exp.get("loss"))});
      assertThat(r.gradients().keySet()).hasSize(exp.get("gradients").size());
      for (LayerWeight mu : r.gradients().keySet()) {
        close(t, "dA_" + mu, r.gradients().get(mu).a().toDoubles(), rows(exp.get("gradients").get(mu.name()).get("A")));
        close(t, "dB_" + mu, r.gradients().get(mu).b().toDoubles(), rows(exp.get("gradients").get(mu.name()).get("B")));
      }
    }
  }

  /** PROBLEMS 7.4: the PaperModel group's expected values are the version-1 reference's. */
  @Test
  void thePaperModelGroupIsThePaperReference() throws Exception {
    int seen = 0;
    for (JsonNode t : tests) {
      if (!t.get("flags").toString().contains("PaperModel")) {
        continue;
      }
      seen++;
      LayerInstance x = LayerJson.parse("v", JSON.writeValueAsString(t.get("instance")));
      GradientResult paper = ReferenceGradient.compute(x.toPaperInstance().orElseThrow(), LayerVectors.DIGITS);
      JsonNode exp = t.get("expected");
      assertThat(paper.loss().subtract(exp.get("loss").decimalValue()).abs())
          .isLessThanOrEqualTo(PAIR.multiply(paper.loss().abs()));
      for (Adapter mu : paper.gradients().keySet()) {
        JsonNode a = exp.get("gradients").get(mu.name()).get("A");
        var m = paper.gradients().get(mu).a();
        BigDecimal scale = m.maxAbs();
        for (int i = 0; i < m.rows(); i++) {
          for (int j = 0; j < m.cols(); j++) {
            assertThat(m.get(i, j).subtract(a.get(i).get(j).decimalValue()).abs()).isLessThanOrEqualTo(PAIR.multiply(scale));
          }
        }
      }
    }
    assertThat(seen).isEqualTo(LayerVectors.PER_GROUP);
  }

  private static JsonNode[] rows(JsonNode m) {
    JsonNode[] r = new JsonNode[m.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = m.get(i);
    }
    return r;
  }

  private static void close(JsonNode t, String what, double[][] got, JsonNode[] want) {
    double m = 0;
    for (JsonNode row : want) {
      for (JsonNode x : row) {
        m = Math.max(m, Math.abs(x.decimalValue().doubleValue()));
      }
    }
    for (int i = 0; i < want.length; i++) {
      for (int j = 0; j < want[i].size(); j++) {
        assertThat(Math.abs(got[i][j] - want[i].get(j).decimalValue().doubleValue()))
            .as("tcId %s %s[%d][%d]", t.get("tcId"), what, i, j).isLessThanOrEqualTo(RTOL * m);
      }
    }
  }
}
