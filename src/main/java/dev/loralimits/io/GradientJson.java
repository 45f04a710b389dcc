package dev.loralimits.io;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.CandidateGradient;
import dev.loralimits.model.CandidateMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LayerWeight;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes a {@link GradientResult} in the JSON format {@value #FORMAT}:
 *
 * <pre>{@code
 * { "format": "lora-attention-gradient/1", "method": "reference", "digits": 50, "loss": <number>,
 *   "gradients": { "Q": {"A": [[..]], "B": [[..]]}, "V": {...} } }
 * }</pre>
 *
 * <p>"gradients" holds one entry per adapted projection, in Q, K, V order; "A" is
 * {@code dLoss/dA} (shape of A) and "B" is {@code dLoss/dB} (shape of B). The writer formats every
 * number with {@link DecimalFormatting#significant} to exactly "digits" significant digits in
 * scientific notation ({@code 1.2340e-3}), zero as {@code 0}, and writes it as a raw JSON number
 * from that text (no double is involved). The reader takes numbers exactly as written, like
 * {@link InstanceJson}, and ignores any other top-level field (such as the "auto", "epsilon",
 * "bound", "lossBound", "degree", "rank", "radius", "polynomial" and "kernelDelta" that
 * {@link #write(GradientResult, GradientExtras)} adds for the double methods).
 *
 * <p>Two readers: {@link #read(Path)} for complete results (every field, finite numbers, A and B
 * of equal rank), and {@link #readCandidate(Path)} for another implementation's output read by
 * {@code check} (spec/FORMATS.md Section 2.5: only "format" and "gradients" required, NaN and
 * infinities kept as entries of a {@link GradientFile}).
 */
public final class GradientJson {
  /** The value of the "format" field. */
  public static final String FORMAT = "lora-attention-gradient/1";

  /**
   * Significant digits of the certified bounds ("bound", "lossBound", "radius", "kernelDelta"),
   * rounded toward +infinity: four digits show a bound to 0.1%, and rounding up keeps it a bound.
   */
  public static final int BOUND_DIGITS = 4;

  private GradientJson() {}

  /**
   * Writes {@code result} pretty-printed (two-space indent, each matrix row on one line), with
   * fields format, method, digits, loss and gradients in that order.
   *
   * @throws IllegalArgumentException when result is null
   */
  public static String write(GradientResult result) {
    return write(result, GradientExtras.NONE);
  }

  /**
   * Writes {@code result} as {@link #write(GradientResult)} does, plus the extra top-level fields
   * of the double methods (spec/FORMATS.md Section 2.2): "auto" right after "method" when
   * {@code extras.auto()} is set, and after "gradients", when {@code extras.certificate()} is set,
   * "epsilon" (the decimal of {@link DecimalFormatting#roundTrip}), "bound" (per adapted projection
   * in Q, K, V order, {@code {"A": .., "B": ..}}), "lossBound", "degree", "rank", "radius",
   * "polynomial" and "kernelDelta". Bounds, radius and kernelDelta are upper bounds and are
   * written with {@value #BOUND_DIGITS} significant digits rounded toward +infinity, so the
   * written number is still a certified bound.
   *
   * @throws IllegalArgumentException when result or extras is null, or the certificate's "bound"
   *     does not cover exactly the adapted projections of result
   */
  public static String write(GradientResult result, GradientExtras extras) {
    if (result == null) {
      throw new IllegalArgumentException("result is missing");
    }
    if (extras == null) {
      throw new IllegalArgumentException("extras are missing (use GradientExtras.NONE)");
    }
    GradientExtras.Certificate c = extras.certificate();
    if (c != null && !c.bound().keySet().equals(result.gradients().keySet())) {
      throw new IllegalArgumentException(
          "the certificate bounds " + c.bound().keySet() + " but the gradients are of " + result.gradients().keySet());
    }
    return JsonOutput.write(g -> writeResult(g, result, extras));
  }

  /**
   * Reads a gradient file; messages name it by the path as given.
   *
   * @throws InputException when the file is missing, unreadable, larger than 256 MiB, or not a
   *     valid gradient document
   */
  public static GradientResult read(Path file) {
    return JsonSource.read(file, ReadLimits.DEFAULT, GradientJson::readResult);
  }

  /**
   * Reads a gradient document from {@code in} (UTF-8 JSON; the stream is not closed).
   *
   * @param sourceName the name used in messages
   * @throws InputException when the input cannot be read or is not a valid gradient document:
   *     "format" not {@value #FORMAT}; "format", "method", "digits" (a positive integer, any
   *     integer-valued number), "loss" or "gradients" missing (all missing ones in one message)
   *     or of the wrong type; an adapter entry other than Q, K, V; A or B missing; A and B of
   *     different ranks; a malformed matrix or number, NaN or an infinity
   */
  public static GradientResult read(String sourceName, InputStream in) {
    return JsonSource.read(sourceName, in, ReadLimits.DEFAULT, GradientJson::readResult);
  }

  /**
   * Reads a candidate gradient file (another implementation's output, for {@code check}); messages
   * name it by the path as given. More lenient than {@link #read(Path)}: only "format" and
   * "gradients" are required (every missing one is named in one message); "loss", "method" and
   * "digits" are optional ("digits", when present, any integer-valued number); NaN and infinities
   * (the tokens {@code NaN}, {@code Infinity}, {@code -Infinity} of Python's json.dump, or such
   * strings) are kept as non-finite entries; the shapes of A and B are not checked against each
   * other (the comparison checks them against the instance).
   *
   * @throws InputException when the file is missing, unreadable, larger than 256 MiB, or not a
   *     candidate gradient document
   */
  public static GradientFile readCandidate(Path file) {
    return readCandidate(file, ReadLimits.DEFAULT);
  }

  /**
   * As {@link #readCandidate(Path)} within {@code limits} instead of the default ones.
   *
   * @throws InputException naming the limit when the file exceeds one
   */
  public static GradientFile readCandidate(Path file, ReadLimits limits) {
    return JsonSource.read(file, limits, GradientJson::readCandidate);
  }

  /**
   * A candidate gradient of an attention layer (spec/FORMATS.md Section 5): as a candidate file
   * ({@link #readCandidate(Path)}) whose "gradients" may also hold "O".
   *
   * @param method the candidate's "method", or {@link GradientFile#UNNAMED}
   * @param loss the candidate's loss, when it has one
   * @param gradients the candidate's gradients, in Q, K, V, O order
   */
  public record LayerCandidate(String method, Optional<CandidateMatrix> loss, Map<LayerWeight, CandidateGradient> gradients) {}

  /**
   * Reads a layer's candidate gradient file within {@code limits}.
   *
   * @throws InputException as {@link #readCandidate(Path)}; an entry other than Q, K, V, O
   */
  public static LayerCandidate readLayerCandidate(Path file, ReadLimits limits) {
    return JsonSource.read(file, limits, s -> {
      Draft d = readDraft(s, CANDIDATE_FIELDS, true, true);
      return new LayerCandidate(d.method == null ? GradientFile.UNNAMED : d.method, Optional.ofNullable(d.loss), d.layerGradients);
    });
  }

  /**
   * Parses a candidate gradient document ({@link #readCandidate(Path)}) from the text {@code json}.
   *
   * @throws InputException as {@link #readCandidate(Path)}
   */
  public static GradientFile parseCandidate(String sourceName, String json) {
    return parseCandidate(sourceName, json, ReadLimits.DEFAULT);
  }

  /**
   * As {@link #parseCandidate(String, String)} within {@code limits}.
   *
   * @throws InputException as {@link #readCandidate(Path)}, naming the limit when the text exceeds one
   */
  public static GradientFile parseCandidate(String sourceName, String json, ReadLimits limits) {
    if (json == null) {
      throw new InputException(sourceName, InputException.FILE, "no input text");
    }
    return JsonSource.read(
        sourceName, new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), limits,
        GradientJson::readCandidate);
  }

  /**
   * Parses a gradient document from the text {@code json}.
   *
   * @throws InputException as {@link #read(String, InputStream)}
   */
  public static GradientResult parse(String sourceName, String json) {
    if (json == null) {
      throw new InputException(sourceName, InputException.FILE, "no input text");
    }
    return read(sourceName, new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  private static void writeResult(JsonGenerator g, GradientResult r, GradientExtras extras)
      throws IOException {
    int digits = r.digits();
    g.writeStartObject();
    g.writeStringField("format", FORMAT);
    g.writeStringField("method", r.method());
    if (extras.auto() != null) {
      g.writeStringField("auto", extras.auto());
    }
    g.writeNumberField("digits", digits);
    g.writeFieldName("loss");
    g.writeNumber(DecimalFormatting.significant(r.loss(), digits));
    g.writeObjectFieldStart("gradients");
    for (Map.Entry<Adapter, AdapterGradient> e : r.gradients().entrySet()) {
      g.writeObjectFieldStart(e.getKey().name());
      g.writeFieldName("A");
      JsonOutput.significantMatrix(g, e.getValue().a(), digits);
      g.writeFieldName("B");
      JsonOutput.significantMatrix(g, e.getValue().b(), digits);
      g.writeEndObject();
    }
    g.writeEndObject();
    if (extras.certificate() != null) {
      writeCertificate(g, extras.certificate());
    }
    g.writeEndObject();
  }

  private static void writeCertificate(JsonGenerator g, GradientExtras.Certificate c)
      throws IOException {
    g.writeFieldName("epsilon");
    g.writeNumber(DecimalFormatting.roundTrip(c.epsilon()));
    g.writeObjectFieldStart("bound");
    for (Map.Entry<Adapter, GradientExtras.FactorBounds> e : c.bound().entrySet()) {
      g.writeObjectFieldStart(e.getKey().name());
      g.writeFieldName("A");
      g.writeNumber(upper(e.getValue().a()));
      g.writeFieldName("B");
      g.writeNumber(upper(e.getValue().b()));
      g.writeEndObject();
    }
    g.writeEndObject();
    g.writeFieldName("lossBound");
    g.writeNumber(upper(c.lossBound()));
    g.writeNumberField("degree", c.degree());
    g.writeNumberField("rank", c.rank());
    g.writeFieldName("radius");
    g.writeNumber(upper(c.radius()));
    g.writeStringField("polynomial", c.polynomial());
    g.writeFieldName("kernelDelta");
    g.writeNumber(upper(c.kernelDelta()));
  }

  /** A certified upper bound: its exact value rounded toward +infinity to {@value #BOUND_DIGITS} digits. */
  private static String upper(double bound) {
    return DecimalFormatting.significant(new BigDecimal(bound), BOUND_DIGITS, RoundingMode.CEILING);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /** The fields a gradient result needs, in the order they are reported when missing. */
  private static final List<String> RESULT_FIELDS = List.of("method", "digits", "loss", "gradients");

  /** The fields a candidate needs besides "format". */
  private static final List<String> CANDIDATE_FIELDS = List.of("gradients");

  /** The top-level fields as read. */
  private static final class Draft {
    String method;
    Integer digits;
    CandidateMatrix loss;
    Map<Adapter, CandidateGradient> gradients;
    Map<LayerWeight, CandidateGradient> layerGradients;
  }

  /** The factors of one adapter gradient as read. */
  private static final class FactorDraft {
    CandidateMatrix a;
    CandidateMatrix b;
  }

  private static GradientResult readResult(JsonSource s) throws IOException {
    Draft d = readDraft(s, RESULT_FIELDS, false, false);
    Map<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    for (Map.Entry<Adapter, CandidateGradient> e : d.gradients.entrySet()) {
      String path = "gradients." + e.getKey();
      CandidateMatrix a = e.getValue().a();
      CandidateMatrix b = e.getValue().b();
      if (a.rows() != b.cols()) {
        throw s.error(
            path + ".B",
            "has "
                + b.cols()
                + " columns but "
                + path
                + ".A has "
                + a.rows()
                + " rows (r mismatch: dLoss/dA is r x cols(W), dLoss/dB is rows(W) x r)");
      }
      g.put(e.getKey(), new AdapterGradient(a.toDecimal(path + ".A"), b.toDecimal(path + ".B")));
    }
    try {
      return new GradientResult(d.method, d.digits, d.loss.get(0, 0), g);
    } catch (IllegalArgumentException e) {
      throw s.translate("", e);
    }
  }

  private static GradientFile readCandidate(JsonSource s) throws IOException {
    Draft d = readDraft(s, CANDIDATE_FIELDS, true, false);
    return new GradientFile(
        d.method == null ? GradientFile.UNNAMED : d.method, Optional.ofNullable(d.loss), d.gradients);
  }

  /**
   * The top-level fields, every field of {@code required} present (all missing ones reported in
   * one message). A candidate keeps non-finite numbers; otherwise they are refused.
   */
  private static Draft readDraft(JsonSource s, List<String> required, boolean candidate, boolean layer) throws IOException {
    Draft d = new Draft();
    s.readTopLevel(
        FORMAT,
        required,
        (name, path) -> {
          switch (name) {
            case "method":
              d.method = s.string(path);
              break;
            case "digits":
              d.digits = s.positiveInt(path);
              break;
            case "loss":
              d.loss = candidate ? s.candidateScalar(path) : CandidateMatrix.scalar(s.number(path));
              break;
            case "gradients":
              if (layer) {
                d.layerGradients = readLayerGradients(s, path, candidate);
              } else {
                d.gradients = readGradients(s, path, candidate);
              }
              break;
            default:
              // Other methods add fields (auto, epsilon, bound, lossBound, degree, rank, radius,
              // polynomial, kernelDelta, ...): ignored.
              s.skip();
          }
        });
    return d;
  }

  private static Map<Adapter, CandidateGradient> readGradients(JsonSource s, String path, boolean candidate)
      throws IOException {
    return readEntries(s, path, candidate, Adapter.class, "Q, K, V", "Q, K or V");
  }

  private static Map<LayerWeight, CandidateGradient> readLayerGradients(JsonSource s, String path, boolean candidate)
      throws IOException {
    return readEntries(s, path, candidate, LayerWeight.class, "Q, K, V, O", "Q, K, V or O");
  }

  /** The "gradients" object: one entry per constant of {@code keys}, by name; x- fields skipped. */
  private static <K extends Enum<K>> Map<K, CandidateGradient> readEntries(
      JsonSource s, String path, boolean candidate, Class<K> keys, String all, String oneOf) throws IOException {
    Map<K, CandidateGradient> gradients = new EnumMap<>(keys);
    s.readObject(
        path,
        "an object with an entry per adapted projection (" + all + ")",
        (name, at) -> {
          K mu = null;
          for (K k : keys.getEnumConstants()) {
            if (k.name().equals(name)) {
              mu = k;
            }
          }
          if (mu != null) {
            gradients.put(mu, readFactors(s, at, candidate));
          } else if (JsonSource.isExtension(name)) {
            s.skip();
          } else {
            throw s.error(at, "unknown field (expected " + oneOf + ")");
          }
        });
    return gradients;
  }

  private static CandidateGradient readFactors(JsonSource s, String path, boolean candidate) throws IOException {
    FactorDraft f = new FactorDraft();
    s.readObject(
        path,
        "an object with fields A and B",
        (name, at) -> {
          switch (name) {
            case "A":
              f.a = candidate ? s.candidateMatrix(at) : CandidateMatrix.of(s.matrix(at));
              break;
            case "B":
              f.b = candidate ? s.candidateMatrix(at) : CandidateMatrix.of(s.matrix(at));
              break;
            default:
              if (!JsonSource.isExtension(name)) {
                throw s.error(at, "unknown field (expected A or B)");
              }
              s.skip();
          }
        });
    if (f.a == null && f.b == null) {
      throw s.error(path, "missing fields A and B");
    }
    if (f.a == null) {
      throw s.error(path + ".A", "missing field");
    }
    if (f.b == null) {
      throw s.error(path + ".B", "missing field");
    }
    return new CandidateGradient(f.a, f.b);
  }
}
