package dev.loralimits.io;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

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
    return JsonSource.read(file, JsonSource.Limits.DEFAULT, GradientJson::readResult);
  }

  /**
   * Reads a gradient document from {@code in} (UTF-8 JSON; the stream is not closed).
   *
   * @param sourceName the name used in messages
   * @throws InputException when the input cannot be read or is not a valid gradient document:
   *     "format" missing or not {@value #FORMAT}; "method", "digits" (a positive integer), "loss"
   *     or "gradients" missing or of the wrong type; an adapter entry other than Q, K, V; A or B
   *     missing; a malformed matrix or number
   */
  public static GradientResult read(String sourceName, InputStream in) {
    return JsonSource.read(sourceName, in, JsonSource.Limits.DEFAULT, GradientJson::readResult);
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
      JsonOutput.matrix(g, e.getValue().a(), x -> DecimalFormatting.significant(x, digits));
      g.writeFieldName("B");
      JsonOutput.matrix(g, e.getValue().b(), x -> DecimalFormatting.significant(x, digits));
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

  /** The top-level fields as read. */
  private static final class Draft {
    String method;
    Integer digits;
    BigDecimal loss;
    Map<Adapter, AdapterGradient> gradients;
  }

  /** The factors of one adapter gradient as read. */
  private static final class FactorDraft {
    DecimalMatrix a;
    DecimalMatrix b;
  }

  private static GradientResult readResult(JsonSource s) throws IOException {
    Draft d = new Draft();
    s.readTopLevel(
        FORMAT,
        (name, path) -> {
          switch (name) {
            case "method":
              d.method = s.string(path);
              break;
            case "digits":
              d.digits = s.positiveInt(path);
              break;
            case "loss":
              d.loss = s.number(path);
              break;
            case "gradients":
              d.gradients = readGradients(s, path);
              break;
            default:
              // Other methods add fields (auto, epsilon, bound, lossBound, degree, rank, radius,
              // polynomial, kernelDelta, ...): ignored.
              s.skip();
          }
        });
    if (d.method == null) {
      throw s.error("method", "missing field");
    }
    if (d.digits == null) {
      throw s.error("digits", "missing field");
    }
    if (d.loss == null) {
      throw s.error("loss", "missing field");
    }
    if (d.gradients == null) {
      throw s.error("gradients", "missing field");
    }
    try {
      return new GradientResult(d.method, d.digits, d.loss, d.gradients);
    } catch (IllegalArgumentException e) {
      throw s.translate("", e);
    }
  }

  private static Map<Adapter, AdapterGradient> readGradients(JsonSource s, String path)
      throws IOException {
    Map<Adapter, AdapterGradient> gradients = new EnumMap<>(Adapter.class);
    s.readObject(
        path,
        "an object with an entry per adapted projection (Q, K, V)",
        (name, at) -> {
          Adapter mu = null;
          for (Adapter candidate : Adapter.values()) {
            if (candidate.name().equals(name)) {
              mu = candidate;
            }
          }
          if (mu != null) {
            gradients.put(mu, readFactors(s, at));
          } else if (JsonSource.isExtension(name)) {
            s.skip();
          } else {
            throw s.error(at, "unknown field (expected Q, K or V)");
          }
        });
    return gradients;
  }

  private static AdapterGradient readFactors(JsonSource s, String path) throws IOException {
    FactorDraft f = new FactorDraft();
    s.readObject(
        path,
        "an object with fields A and B",
        (name, at) -> {
          switch (name) {
            case "A":
              f.a = s.matrix(at);
              break;
            case "B":
              f.b = s.matrix(at);
              break;
            default:
              if (!JsonSource.isExtension(name)) {
                throw s.error(at, "unknown field (expected A or B)");
              }
              s.skip();
          }
        });
    if (f.a == null) {
      throw s.error(path + ".A", "missing field");
    }
    if (f.b == null) {
      throw s.error(path + ".B", "missing field");
    }
    if (f.a.rows() != f.b.cols()) {
      throw s.error(
          path + ".B",
          "has "
              + f.b.cols()
              + " columns but "
              + path
              + ".A has "
              + f.a.rows()
              + " rows (r mismatch: dLoss/dA is r x cols(W), dLoss/dB is rows(W) x r)");
    }
    return new AdapterGradient(f.a, f.b);
  }
}
