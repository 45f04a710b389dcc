package dev.loralimits.vectors;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.loralimits.io.DecimalFormatting;
import dev.loralimits.io.JsonOutput;
import dev.loralimits.io.LayerJson;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import dev.loralimits.reference.LayerReference;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Golden vectors for attention layers (spec/PROBLEMS.md Section 7, spec/vectors/README.md
 * "Layer vectors"): groups of {@code lora-attention-instance/2} instances (multi-head, causal self-
 * and cross-attention, the output projection frozen and adapted, batches of mixed lengths,
 * rsLoRA, the paper's model as a layer) with the reference's loss and gradients to
 * {@value #DIGITS} digits, Wycheproof-style as {@link GoldenVectors}. Deterministic: fixed seeds,
 * fixed key order, no time or host: the same version writes the same bytes.
 */
public final class LayerVectors {
  /** The file written into the output directory. */
  public static final String FILE_NAME = "lora-attention-layer-vectors.json";
  /** The generator version; change it when the cases or the layout change. */
  public static final String GENERATOR_VERSION = "0.1.0";
  /** Significant digits of every expected decimal. */
  public static final int DIGITS = 30;
  /** Tests per group. */
  static final int PER_GROUP = 4;

  private LayerVectors() {}

  /** A group: the parameters its tests share, and the flags every test of it carries. */
  record Group(String name, int heads, int headWidth, int valueWidth, Masking masking, LoraScaling scaling, String output,
      boolean cross, int[] lengths, List<LayerWeight> adapted, List<String> flags) {}

  /** The flags and what they mean. */
  static final Map<String, String> NOTES = notes();

  private static Map<String, String> notes() {
    Map<String, String> n = new LinkedHashMap<>();
    n.put("PaperModel", "One head, no mask, no output projection, alpha / r: the paper's model as a version-2 file;"
        + " the answers equal those of the version-1 instance with the same weights and data.");
    n.put("MultiHead", "Several heads: head t takes columns t h .. t h + h - 1 of XQ WQ and XK WK and t v .. t v + v - 1"
        + " of XV WV; Z is the heads' outputs side by side.");
    n.put("CausalTopLeft", "causal = top-left: query j attends to keys l <= j (PyTorch is_causal=True, tril(ones(Lq, Lk)));"
        + " masked entries of the softmax are exactly 0.");
    n.put("CausalBottomRight", "causal = bottom-right: query j attends to keys l <= j + Lk - Lq (queries are the last Lq"
        + " positions, as with a key/value cache).");
    n.put("SingleKeyRows", "Some query rows attend to one key only: their softmax row is exactly 1 at that key, and they"
        + " add nothing to the Q and K gradients.");
    n.put("OutputProjectionFrozen", "A frozen output projection O: loss 1/2 ||Z WO - Y||^2.");
    n.put("OutputProjectionAdapted", "An adapted output projection O: its gradients are under key O.");
    n.put("CrossAttention", "XQ, XK, XV given separately; Lq and Lk differ.");
    n.put("MixedLengths", "A batch of data points of different lengths.");
    n.put("RsLoRA", "scaling = rslora: W = W* + (alpha / sqrt(r)) B A.");
    return n;
  }

  static final List<Group> GROUPS = List.of(
      new Group("paper", 1, 3, 3, Masking.NONE, LoraScaling.LORA, "none", false, new int[] {4},
          List.of(LayerWeight.Q, LayerWeight.K, LayerWeight.V), List.of("PaperModel")),
      new Group("heads", 2, 2, 3, Masking.NONE, LoraScaling.LORA, "none", false, new int[] {5},
          List.of(LayerWeight.Q, LayerWeight.V), List.of("MultiHead")),
      new Group("heads-o", 3, 2, 2, Masking.NONE, LoraScaling.LORA, "frozen", false, new int[] {4},
          List.of(LayerWeight.Q, LayerWeight.K, LayerWeight.V), List.of("MultiHead", "OutputProjectionFrozen")),
      new Group("causal", 2, 2, 2, Masking.TOP_LEFT, LoraScaling.LORA, "adapted", false, new int[] {5},
          List.of(LayerWeight.Q, LayerWeight.V, LayerWeight.O),
          List.of("MultiHead", "CausalTopLeft", "SingleKeyRows", "OutputProjectionAdapted")),
      new Group("causal-cross", 2, 2, 2, Masking.BOTTOM_RIGHT, LoraScaling.LORA, "frozen", true, new int[] {3, 5},
          List.of(LayerWeight.Q, LayerWeight.K, LayerWeight.V),
          List.of("MultiHead", "CausalBottomRight", "CrossAttention", "OutputProjectionFrozen")),
      new Group("causal-cross-top-left", 2, 2, 2, Masking.TOP_LEFT, LoraScaling.LORA, "none", true, new int[] {5, 3},
          List.of(LayerWeight.Q, LayerWeight.K, LayerWeight.V),
          List.of("MultiHead", "CausalTopLeft", "SingleKeyRows", "CrossAttention")),
      new Group("batch", 2, 2, 2, Masking.TOP_LEFT, LoraScaling.LORA, "adapted", false, new int[] {1, 3, 6},
          List.of(LayerWeight.Q, LayerWeight.K, LayerWeight.V, LayerWeight.O),
          List.of("MultiHead", "CausalTopLeft", "SingleKeyRows", "OutputProjectionAdapted", "MixedLengths")),
      new Group("rslora", 2, 2, 2, Masking.TOP_LEFT, LoraScaling.RSLORA, "adapted", false, new int[] {4},
          List.of(LayerWeight.Q, LayerWeight.V, LayerWeight.O),
          List.of("MultiHead", "CausalTopLeft", "SingleKeyRows", "OutputProjectionAdapted", "RsLoRA")));

  /** The instance of test k of group g (seed {@code 1000 g + k}). */
  static LayerInstance instance(int g, int k) {
    Group grp = GROUPS.get(g);
    Random rnd = new Random(20261201L + 1000L * g + k);
    int d = 3;
    int qk = grp.heads() * grp.headWidth();
    int vv = grp.heads() * grp.valueWidth();
    int o = 2;
    Map<LayerWeight, Projection> w = new EnumMap<>(LayerWeight.class);
    w.put(LayerWeight.Q, projection(rnd, d, qk, grp.adapted().contains(LayerWeight.Q)));
    w.put(LayerWeight.K, projection(rnd, d, qk, grp.adapted().contains(LayerWeight.K)));
    w.put(LayerWeight.V, projection(rnd, d, vv, grp.adapted().contains(LayerWeight.V)));
    if (!grp.output().equals("none")) {
      w.put(LayerWeight.O, projection(rnd, vv, o, grp.adapted().contains(LayerWeight.O)));
    }
    int out = grp.output().equals("none") ? vv : o;
    List<DataPoint> pts = new ArrayList<>();
    for (int p = 0; p < grp.lengths().length; p++) {
      int lq = grp.lengths()[p];
      if (grp.cross()) {
        int lk = grp.masking() == Masking.BOTTOM_RIGHT ? lq + 2 : lq - 2;
        pts.add(DataPoint.cross(matrix(rnd, lq, d, 1), matrix(rnd, lk, d, 1), matrix(rnd, lk, d, 1), matrix(rnd, lq, out, 1)));
      } else {
        pts.add(DataPoint.self(matrix(rnd, lq, d, 1), matrix(rnd, lq, out, 1)));
      }
    }
    BigDecimal beta = BigDecimal.ONE.divide(BigDecimal.valueOf(grp.headWidth() == 2 ? 1.5 : 2.0), 3, java.math.RoundingMode.HALF_EVEN);
    return new LayerInstance(grp.heads(), grp.masking(), grp.scaling(), BigDecimal.valueOf(2 + k), beta, w, pts);
  }

  private static Projection projection(Random rnd, int rows, int cols, boolean adapted) {
    DecimalMatrix frozen = matrix(rnd, rows, cols, 0.6);
    int r = 1 + (cols > 2 ? 1 : 0);
    return adapted ? Projection.adapted(frozen, matrix(rnd, r, cols, 0.5), matrix(rnd, rows, r, 0.5)) : Projection.frozen(frozen);
  }

  /** Entries {@code k / 1000} with {@code |k| <= 1000 scale}: exact three-decimal numbers. */
  private static DecimalMatrix matrix(Random rnd, int rows, int cols, double scale) {
    long max = Math.round(1000 * scale);
    BigDecimal[][] b = new BigDecimal[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        b[i][j] = BigDecimal.valueOf(rnd.nextLong() % (max + 1), 3);
      }
    }
    return DecimalMatrix.of("m", b);
  }

  /** What {@link #writeTo} wrote. */
  public record Summary(Path file, int tests, int groups, long bytes) {}

  /** The document: every group's tests with the reference at {@value #DIGITS} digits. */
  public static String document() {
    return JsonOutput.write(g -> {
      g.writeStartObject();
      g.writeStringField("algorithm", "LoRA attention layer gradient");
      g.writeStringField("generatorVersion", GENERATOR_VERSION);
      g.writeArrayFieldStart("header");
      g.writeString("Golden vectors for the loss and LoRA adapter gradients of attention layers: heads, causal masks,"
          + " an output projection, batches (spec/PROBLEMS.md Section 7; instance format lora-attention-instance/2,"
          + " spec/FORMATS.md Section 5).");
      g.writeString("expected: the lora-limits layer reference (apfloat) for the exact decimal inputs, rounded half-even"
          + " to " + DIGITS + " significant digits under the precision contract of spec/FORMATS.md Section 3;"
          + " gradients keyed Q, K, V, O with the shapes of A (r x cols(W)) and B (rows(W) x r).");
      g.writeString("Check with: python3 spec/vectors/check_layer_vectors.py; regenerate with:"
          + " ./lora-limits vectors --out spec/vectors");
      g.writeEndArray();
      g.writeObjectFieldStart("notes");
      for (Map.Entry<String, String> e : NOTES.entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeNumberField("numberOfTests", GROUPS.size() * PER_GROUP);
      g.writeArrayFieldStart("testGroups");
      int tcId = 1;
      for (int gi = 0; gi < GROUPS.size(); gi++) {
        Group grp = GROUPS.get(gi);
        g.writeStartObject();
        g.writeStringField("name", grp.name());
        g.writeNumberField("heads", grp.heads());
        g.writeStringField("causal", grp.masking().tag());
        g.writeStringField("scaling", grp.scaling().tag());
        g.writeStringField("outputProjection", grp.output());
        g.writeStringField("attention", grp.cross() ? "cross" : "self");
        g.writeArrayFieldStart("tests");
        for (int k = 0; k < PER_GROUP; k++) {
          LayerInstance x = instance(gi, k);
          LayerResult r = LayerReference.compute(x, DIGITS);
          g.writeStartObject();
          g.writeNumberField("tcId", tcId++);
          g.writeStringField("comment", grp.name() + " " + (k + 1) + "; lengths " + java.util.Arrays.toString(grp.lengths()));
          g.writeArrayFieldStart("flags");
          for (String f : grp.flags()) {
            g.writeString(f);
          }
          g.writeEndArray();
          g.writeFieldName("instance");
          LayerJson.write(g, x);
          g.writeObjectFieldStart("expected");
          g.writeFieldName("loss");
          g.writeNumber(DecimalFormatting.significant(r.loss(), DIGITS));
          g.writeObjectFieldStart("gradients");
          for (Map.Entry<LayerWeight, AdapterGradient> e : r.gradients().entrySet()) {
            g.writeObjectFieldStart(e.getKey().name());
            writeMatrix(g, "A", e.getValue().a());
            writeMatrix(g, "B", e.getValue().b());
            g.writeEndObject();
          }
          g.writeEndObject();
          g.writeEndObject();
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private static void writeMatrix(JsonGenerator g, String name, DecimalMatrix m) throws IOException {
    g.writeArrayFieldStart(name);
    for (int i = 0; i < m.rows(); i++) {
      g.writeStartArray();
      for (int j = 0; j < m.cols(); j++) {
        g.writeNumber(DecimalFormatting.significant(m.get(i, j), DIGITS));
      }
      g.writeEndArray();
    }
    g.writeEndArray();
  }

  /**
   * Writes {@value #FILE_NAME} into {@code dir} (created if missing).
   *
   * @throws IOException when the file cannot be written
   */
  public static Summary writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path f = dir.resolve(FILE_NAME);
    byte[] bytes = document().getBytes(StandardCharsets.UTF_8);
    Files.write(f, bytes);
    return new Summary(f, GROUPS.size() * PER_GROUP, GROUPS.size(), bytes.length);
  }
}
