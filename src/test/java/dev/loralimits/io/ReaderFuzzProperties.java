package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Issue 10: mutated instance and candidate JSON documents are either read or refused with a
 * documented one-line {@link InputException} (file, field path or position, rule), never another
 * exception, never a message with a Java class name or a parser's internals.
 */
class ReaderFuzzProperties {
  /** Tries in {@code mvn verify} (about 13 s for both properties); the issue note reports a run of 10^5. */
  static final int TRIES = 10_000;

  static final String INSTANCE = resource("/dev/loralimits/demo-instance.json");

  static final String CANDIDATE = """
      {"format": "lora-attention-gradient/1", "loss": 0.5,
       "gradients": {"Q": {"A": [[1e-3, -2.5, 0.1]], "B": [[1], [2], [3]]},
                     "V": {"A": [[0, 1, 2]], "B": [[NaN], ["Infinity"], [-4e-400]]}}}
      """;

  /** Fragments a mutation inserts: JSON syntax, numbers at the edges, non-ASCII and control characters. */
  static final List<String> FRAGMENTS = List.of(
      "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "-", "1e999999999", "1e-400", "0.1",
      "NaN", "-Infinity", "\"1e5\"", "\uFF11", "\u0661", "\u0000", "\n", "  ", "[[1,2],[3]]", "[]", "[[]]",
      "\"format\"", "\"weights\"", "\"data\"", "\"gradients\"", "\"A\"", "\"B\"", "\"Q\"", "1.", ".5", "+1",
      "99999999999999999999", "\uD800", "/*", "//", "'x'", "0x10", "\"\"", "{\"W\": [[1]]}");

  private static String resource(String name) {
    try (InputStream in = ReaderFuzzProperties.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One mutation: cut a range, insert a fragment, or duplicate a range. */
  record Mutation(int kind, double at, double length, int fragment) {
    String apply(String s) {
      if (s.isEmpty()) {
        return FRAGMENTS.get(fragment);
      }
      int i = (int) (at * s.length());
      int n = Math.min(s.length() - i, 1 + (int) (length * 40));
      return switch (kind) {
        case 0 -> s.substring(0, i) + s.substring(i + n);
        case 1 -> s.substring(0, i) + FRAGMENTS.get(fragment) + s.substring(i);
        case 2 -> s.substring(0, i) + FRAGMENTS.get(fragment) + s.substring(i + n);
        default -> s.substring(0, i + n) + s.substring(i, i + n) + s.substring(i + n);
      };
    }
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    Arbitrary<Mutation> one = Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.doubles().between(0, 0.999).ofScale(4),
            Arbitraries.doubles().between(0, 1).ofScale(4),
            Arbitraries.integers().between(0, FRAGMENTS.size() - 1))
        .as(Mutation::new);
    return one.list().ofMinSize(1).ofMaxSize(4);
  }

  private static String mutate(String s, List<Mutation> ms) {
    for (Mutation m : ms) {
      s = m.apply(s);
    }
    return s;
  }

  /** The documented refusal: one line "source: place: rule", no class names, no parser internals. */
  private static void assertCleanRefusal(String source, RuntimeException e) {
    assertThat(e).isInstanceOf(InputException.class);
    String m = e.getMessage();
    assertThat(m).startsWith(source + ": ").doesNotContain("\n").doesNotContain("\r");
    assertThat(m).doesNotContain("Exception", "java.", "com.fasterxml", "[Source", "(code ", "StreamReadFeature");
    assertThat(m.length()).isLessThan(1000);
  }

  /** Reads {@code doc} with {@code reader}; "read", or "refused" after checking the refusal. */
  private static String readOrRefuse(String source, String doc, java.util.function.BiConsumer<String, String> reader) {
    try {
      reader.accept(source, doc);
      return "read";
    } catch (RuntimeException e) {
      assertCleanRefusal(source, e);
      return "refused";
    }
  }

  @Property(tries = TRIES)
  @Label("mutated instances are read or refused in one documented line")
  void instances(@ForAll("mutations") List<Mutation> ms) {
    String outcome = readOrRefuse("inst.json", mutate(INSTANCE, ms), InstanceJson::parse);
    Statistics.label("outcome").collect(outcome)
        .coverage(c -> c.check("refused").percentage(p -> p > 50));
  }

  @Property(tries = TRIES)
  @Label("mutated candidates are read or refused in one documented line")
  void candidates(@ForAll("mutations") List<Mutation> ms) {
    String outcome = readOrRefuse("cand.json", mutate(CANDIDATE, ms), GradientJson::parseCandidate);
    Statistics.label("outcome").collect(outcome)
        .coverage(c -> {
          c.check("refused").percentage(p -> p > 50);
          c.check("read").count(n -> n > 0);
        });
  }

  /**
   * Issue 13: mutated layer instances (FORMATS 5) likewise. The fragments are those above plus the
   * version-2 fields and values, so that heads, masks and scalings are mutated too.
   */
  @Property(tries = TRIES / 2)
  @Label("mutated layer instances are read or refused in one documented line")
  void layers(@ForAll("layerMutations") List<Mutation> ms) {
    String outcome = readOrRefuse("layer.json", mutate(LayerJsonExamples.VALID, ms), LayerJson::parse);
    Statistics.label("outcome").collect(outcome)
        .coverage(c -> c.check("refused").percentage(p -> p > 50));
  }

  @Provide
  Arbitrary<List<Mutation>> layerMutations() {
    return mutations();
  }
}
