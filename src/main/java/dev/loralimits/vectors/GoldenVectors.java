package dev.loralimits.vectors;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.loralimits.io.DecimalFormatting;
import dev.loralimits.io.InstanceJson;
import dev.loralimits.io.JsonOutput;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.ReferenceGradient;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Writes the golden vectors: every {@link VectorCases} case with its reference loss and gradients,
 * in one JSON file shaped like Project Wycheproof's test-vector files (top-level {@code schema},
 * {@code algorithm}, {@code header}, {@code notes}, {@code numberOfTests}, {@code testGroups} of
 * {@code tests} with {@code tcId}, {@code comment}, {@code flags}); the schema is
 * {@code spec/vectors/lora_attention_gradient_schema_v1.json}.
 *
 * <p><b>Determinism.</b> The cases are drawn from fixed seeds; the expected values are those of
 * {@link ReferenceGradient#compute} at {@value #DIGITS} digits, which depend only on the instance;
 * groups are sorted square first, then by (attention, d, r, adapter set) for the square groups and
 * (attention, dq, dk, dv, h, o, ranks) for the rectangular ones, and keep the generation order
 * inside;
 * objects are written in a fixed key order, decimals by {@link DecimalFormatting#significant}, the
 * float64 values by {@link Float64Text}; no time, path or host is written. The same generator
 * version therefore writes the same bytes on every machine.
 */
public final class GoldenVectors {
  /** The file written into the output directory. */
  public static final String FILE_NAME = "lora-attention-gradient-vectors.json";
  /** The schema file name, the value of the top-level {@code "schema"}. */
  public static final String SCHEMA = "lora_attention_gradient_schema_v1.json";
  /** The value of {@code "algorithm"}. */
  public static final String ALGORITHM = "LoRA attention gradient";
  /**
   * The generator version; change it when the cases or the layout change. 0.2.0 appended the
   * rectangular groups (tcIds 325 on); tests 1-324 are those of 0.1.0, byte for byte.
   */
  public static final String GENERATOR_VERSION = "0.2.0";
  /** The name in every group's {@code source}. */
  public static final String SOURCE_NAME = "lora-limits";
  /** Significant digits of every expected decimal. */
  public static final int DIGITS = 40;

  /** The {@code header} lines. */
  static final List<String> HEADER =
      List.of(
          "Golden vectors for the loss and the LoRA adapter gradients of one attention head"
              + " (Hu, Su, Kuo, Song, Liu: Computational Limits of Low-Rank Adaptation (LoRA)"
              + " Fine-Tuning for Transformer Models, ICLR 2025, arXiv:2406.03136).",
          "Loss: sum over data points of 1/2 ||softmax_rows(beta XQ WQ (XK WK)^T) XV WV - Y||_F^2,"
              + " with W = W* + (alpha / r) B A for every adapted projection (spec/PROBLEMS.md).",
          "instance: format lora-attention-instance/1 (spec/FORMATS.md Section 1); its numbers"
              + " are exact decimals.",
          "expected: the lora-limits reference (apfloat, Theorem F.1) for the exact decimal"
              + " inputs, rounded half-even to 40 significant digits, each within one unit of the"
              + " 40th digit (precision contract, spec/FORMATS.md Section 3); gradients have the"
              + " shapes of A (r x cols(W)) and B (rows(W) x r).",
          "Groups: square (d, r: every W d x d, every adapter of rank r) first, then rectangular"
              + " (dq, dk, dv, h, o, ranks: WQ dq x h, WK dk x h, WV dv x o, adapter mu of rank"
              + " ranks[mu]).",
          "lossFloat64, gradientsFloat64: the double nearest to the 40-digit value (not what a"
              + " float64 computation gives); compare float64 code normwise, e.g. rtol = 1e-9"
              + " (spec/CHECK.md); see notes for the flags that need care.",
          "Regenerate with: ./lora-limits vectors --out spec/vectors");

  private GoldenVectors() {}

  /** What {@link #writeTo} wrote. */
  public record Summary(Path file, int tests, int groups, long bytes) {}

  /** One case with its expected values. */
  record Computed(VectorCase vectorCase, GradientResult expected) {}

  /**
   * The key of a test group: the kind of attention, the widths {@code dq, dk, dv, h, o} and the
   * rank of each adapter ({@code ranks}, whose key set is the adapted set). A square group
   * ({@code dq = dk = dv = h = o = d}, one rank r) is written with {@code d} and {@code r}; the
   * square groups come first, so the rectangular ones take the tcIds after them.
   */
  record GroupKey(boolean cross, int dq, int dk, int dv, int h, int o, Map<Adapter, Integer> ranks) {
    /** The square groups' order: attention, d, r, adapter set (generator 0.1.0's file order). */
    static final Comparator<GroupKey> SQUARE_ORDER =
        Comparator.comparing(GroupKey::cross)
            .thenComparingInt(GroupKey::dq)
            .thenComparingInt(k -> k.ranks().values().iterator().next())
            .thenComparingInt(k -> VectorCases.ADAPTER_SETS.indexOf(k.adapters()));

    /** The rectangular groups' order: attention, dq, dk, dv, h, o, ranks of Q, K, V. */
    static final Comparator<GroupKey> RECTANGULAR_ORDER =
        Comparator.comparing(GroupKey::cross)
            .thenComparingInt(GroupKey::dq)
            .thenComparingInt(GroupKey::dk)
            .thenComparingInt(GroupKey::dv)
            .thenComparingInt(GroupKey::h)
            .thenComparingInt(GroupKey::o)
            .thenComparingInt(k -> k.rank(Adapter.Q))
            .thenComparingInt(k -> k.rank(Adapter.K))
            .thenComparingInt(k -> k.rank(Adapter.V));

    /** Square groups first, in {@link #SQUARE_ORDER}, then the rectangular ones. */
    static final Comparator<GroupKey> ORDER =
        (a, b) -> a.square() != b.square()
            ? (a.square() ? -1 : 1)
            : (a.square() ? SQUARE_ORDER : RECTANGULAR_ORDER).compare(a, b);

    static GroupKey of(VectorCase c) {
      LoraInstance inst = c.instance();
      Map<Adapter, Integer> ranks = new EnumMap<>(Adapter.class);
      for (Adapter mu : inst.adapted()) {
        ranks.put(mu, inst.projection(mu).rank().orElseThrow());
      }
      return new GroupKey(
          c.cross(),
          inst.projection(Adapter.Q).inputWidth(),
          inst.projection(Adapter.K).inputWidth(),
          inst.projection(Adapter.V).inputWidth(),
          inst.projection(Adapter.Q).outputWidth(),
          inst.projection(Adapter.V).outputWidth(),
          Map.copyOf(ranks));
    }

    Set<Adapter> adapters() {
      return EnumSet.copyOf(ranks.keySet());
    }

    /** 0 for a frozen projection. */
    int rank(Adapter mu) {
      return ranks.getOrDefault(mu, 0);
    }

    boolean square() {
      return VectorCase.square(dq, dk, dv, h, o, ranks.values());
    }
  }

  /**
   * Computes every case and writes {@value #FILE_NAME} into {@code dir} (created if missing).
   *
   * @throws IOException when the directory or the file cannot be written
   */
  public static Summary writeTo(Path dir) throws IOException {
    Checks.notNull("output directory", dir);
    // The directory first, so that an unusable one fails before the computation.
    Files.createDirectories(dir);
    List<Computed> computed = compute(VectorCases.all());
    byte[] bytes = document(computed).getBytes(StandardCharsets.UTF_8);
    Path file = dir.resolve(FILE_NAME);
    Files.write(file, bytes);
    return new Summary(file, computed.size(), groups(computed).size(), bytes.length);
  }

  /**
   * The reference values of every case at {@value #DIGITS} digits, in case order. Cases are
   * independent, so they run in parallel; the order of the result is the order of the cases.
   */
  static List<Computed> compute(List<VectorCase> cases) {
    return cases.parallelStream()
        .map(c -> new Computed(c, ReferenceGradient.compute(c.instance(), DIGITS)))
        .toList();
  }

  /** The groups in file order, each with its cases in generation order. */
  static Map<GroupKey, List<Computed>> groups(List<Computed> computed) {
    Map<GroupKey, List<Computed>> groups = new TreeMap<>(GroupKey.ORDER);
    for (Computed c : computed) {
      groups.computeIfAbsent(GroupKey.of(c.vectorCase()), k -> new ArrayList<>()).add(c);
    }
    return groups;
  }

  /** The whole file as text (UTF-8, LF line ends, a final newline). */
  static String document(List<Computed> computed) {
    Map<GroupKey, List<Computed>> groups = groups(computed);
    return JsonOutput.write(
        g -> {
          g.writeStartObject();
          g.writeStringField("schema", SCHEMA);
          g.writeStringField("algorithm", ALGORITHM);
          g.writeStringField("generatorVersion", GENERATOR_VERSION);
          g.writeArrayFieldStart("header");
          for (String line : HEADER) {
            g.writeString(line);
          }
          g.writeEndArray();
          g.writeObjectFieldStart("notes");
          for (VectorFlag f : VectorFlag.values()) {
            g.writeStringField(f.id(), f.note());
          }
          g.writeEndObject();
          g.writeNumberField("numberOfTests", computed.size());
          g.writeArrayFieldStart("testGroups");
          int tcId = 1;
          for (Map.Entry<GroupKey, List<Computed>> e : groups.entrySet()) {
            tcId = group(g, e.getKey(), e.getValue(), tcId);
          }
          g.writeEndArray();
          g.writeEndObject();
        });
  }

  /** Writes one group; returns the next tcId. */
  private static int group(JsonGenerator g, GroupKey key, List<Computed> tests, int tcId)
      throws IOException {
    g.writeStartObject();
    if (key.square()) {
      g.writeNumberField("d", key.dq());
      g.writeNumberField("r", key.ranks().values().iterator().next());
    } else {
      g.writeNumberField("dq", key.dq());
      g.writeNumberField("dk", key.dk());
      g.writeNumberField("dv", key.dv());
      g.writeNumberField("h", key.h());
      g.writeNumberField("o", key.o());
      g.writeObjectFieldStart("ranks");
      for (Adapter mu : key.adapters()) {
        g.writeNumberField(mu.name(), key.rank(mu));
      }
      g.writeEndObject();
    }
    g.writeArrayFieldStart("adapters");
    for (Adapter mu : key.adapters()) {
      g.writeString(mu.name());
    }
    g.writeEndArray();
    g.writeStringField("attention", key.cross() ? "cross" : "self");
    g.writeObjectFieldStart("source");
    g.writeStringField("name", SOURCE_NAME);
    g.writeStringField("version", GENERATOR_VERSION);
    g.writeEndObject();
    g.writeArrayFieldStart("tests");
    int id = tcId;
    for (Computed c : tests) {
      test(g, id++, c);
    }
    g.writeEndArray();
    g.writeEndObject();
    return id;
  }

  private static void test(JsonGenerator g, int tcId, Computed c) throws IOException {
    VectorCase vc = c.vectorCase();
    GradientResult r = c.expected();
    g.writeStartObject();
    g.writeNumberField("tcId", tcId);
    g.writeStringField("comment", vc.comment());
    g.writeArrayFieldStart("flags");
    for (VectorFlag f : vc.flags()) {
      g.writeString(f.id());
    }
    g.writeEndArray();
    g.writeFieldName("instance");
    InstanceJson.write(g, vc.instance());
    g.writeObjectFieldStart("expected");
    g.writeStringField("loss", decimal(r.loss()));
    g.writeFieldName("lossFloat64");
    g.writeNumber(float64(r.loss()));
    gradients(g, "gradients", r, GoldenVectors::decimal, false);
    gradients(g, "gradientsFloat64", r, GoldenVectors::float64, true);
    g.writeEndObject();
    g.writeEndObject();
  }

  private static void gradients(
      JsonGenerator g, String name, GradientResult r, Function<BigDecimal, String> format, boolean number)
      throws IOException {
    g.writeObjectFieldStart(name);
    for (Map.Entry<Adapter, AdapterGradient> e : r.gradients().entrySet()) {
      g.writeObjectFieldStart(e.getKey().name());
      Map<String, DecimalMatrix> factors = new LinkedHashMap<>();
      factors.put("A", e.getValue().a());
      factors.put("B", e.getValue().b());
      for (Map.Entry<String, DecimalMatrix> f : factors.entrySet()) {
        g.writeFieldName(f.getKey());
        matrix(g, f.getValue(), format, number);
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private static void matrix(
      JsonGenerator g, DecimalMatrix m, Function<BigDecimal, String> format, boolean number)
      throws IOException {
    g.writeStartArray();
    for (int i = 0; i < m.rows(); i++) {
      g.writeStartArray();
      for (int j = 0; j < m.cols(); j++) {
        String text = format.apply(m.get(i, j));
        if (number) {
          g.writeNumber(text);
        } else {
          g.writeString(text);
        }
      }
      g.writeEndArray();
    }
    g.writeEndArray();
  }

  /** The expected decimal: {@value #DIGITS} significant digits, or "0". */
  static String decimal(BigDecimal x) {
    return DecimalFormatting.significant(x, DIGITS);
  }

  /**
   * The double nearest to x as shortest round-trip text.
   *
   * @throws ArithmeticException when x lies beyond the range of double
   */
  static String float64(BigDecimal x) {
    double v = x.doubleValue();
    if (!Double.isFinite(v)) {
      throw new ArithmeticException("expected value " + x + " is beyond the range of double");
    }
    return Float64Text.of(v);
  }
}
