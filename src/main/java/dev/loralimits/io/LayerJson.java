package dev.loralimits.io;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Attention-layer instances, format {@value #FORMAT} (spec/FORMATS.md Section 5), and their
 * gradient files. The fields of version 1 keep their meaning (weights, data, alpha, beta, the
 * rules of Section 1); version 2 adds {@code heads}, {@code causal}, {@code scaling} and an
 * optional {@code O} weight. Messages name the file, the field and the rule, as for version 1.
 */
public final class LayerJson {
  /** The value of the "format" field. */
  public static final String FORMAT = "lora-attention-instance/2";

  private LayerJson() {}

  /**
   * Reads a layer instance from {@code file} within {@code limits}.
   *
   * @throws InputException when the file is missing, unreadable, beyond a limit, or not a valid
   *     layer instance
   */
  public static LayerInstance read(Path file, ReadLimits limits) {
    return JsonSource.read(file, limits, LayerJson::readLayer);
  }

  /**
   * Reads a layer instance from {@code in} (UTF-8 JSON; not closed) within {@code limits}.
   *
   * @param sourceName the name used in messages
   * @throws InputException when the input is not a valid layer instance
   */
  public static LayerInstance read(String sourceName, InputStream in, ReadLimits limits) {
    return JsonSource.read(sourceName, in, limits, LayerJson::readLayer);
  }

  /**
   * Parses a layer instance from the text {@code json}.
   *
   * @throws InputException when the text is not a valid layer instance
   */
  public static LayerInstance parse(String sourceName, String json) {
    if (json == null) {
      throw new InputException(sourceName, InputException.FILE, "no input text");
    }
    return read(sourceName, new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), ReadLimits.DEFAULT);
  }

  private static final class Draft {
    Integer heads;
    Masking masking;
    LoraScaling scaling;
    BigDecimal alpha;
    BigDecimal beta;
    Map<LayerWeight, Projection> weights;
    List<DataPoint> data;
  }

  private static LayerInstance readLayer(JsonSource s) throws IOException {
    Draft d = new Draft();
    s.readTopLevel(
        FORMAT,
        (name, path) -> {
          switch (name) {
            case "heads" -> {
              BigDecimal h = s.number(path);
              if (h.signum() <= 0 || h.stripTrailingZeros().scale() > 0 || h.compareTo(BigDecimal.valueOf(1 << 20)) > 0) {
                throw s.error(path, "must be an integer from 1 to 1048576, got " + h);
              }
              d.heads = h.intValueExact();
            }
            case "causal" -> {
              String m = s.string(path);
              d.masking = Masking.ofTag(m);
              if (d.masking == null) {
                throw s.error(path, "must be \"none\", \"top-left\" or \"bottom-right\", got \"" + m + "\"");
              }
            }
            case "scaling" -> {
              String m = s.string(path);
              d.scaling = LoraScaling.ofTag(m);
              if (d.scaling == null) {
                throw s.error(path, "must be \"lora\" (alpha / r) or \"rslora\" (alpha / sqrt(r)), got \"" + m + "\"");
              }
            }
            case "alpha" -> d.alpha = s.number(path);
            case "beta" -> d.beta = s.number(path);
            case "weights" -> d.weights = readWeights(s, path);
            case "data" -> d.data = InstanceJson.readData(s, path);
            case "comment", "name" -> s.string(path);
            default -> {
              if (!JsonSource.isExtension(name)) {
                throw s.error(path, "unknown field (expected format, heads, causal, scaling, alpha, beta, weights, data,"
                    + " comment, name or an x- extension)");
              }
              s.skip();
            }
          }
        });
    if (d.weights == null) {
      throw s.error("weights", "missing field");
    }
    if (d.data == null) {
      throw s.error("data", "missing field");
    }
    if (d.beta == null) {
      throw s.error("beta", "missing field (version 2 states beta: 1/sqrt(head width) is a choice, not a default)");
    }
    BigDecimal beta = InstanceJson.beta(s, d.beta);
    BigDecimal alpha = InstanceJson.alpha(s, d.alpha, d.weights.values().stream().anyMatch(Projection::isAdapted));
    try {
      return new LayerInstance(d.heads == null ? 1 : d.heads, d.masking == null ? Masking.NONE : d.masking,
          d.scaling == null ? LoraScaling.LORA : d.scaling, alpha, beta, d.weights, d.data);
    } catch (IllegalArgumentException e) {
      throw InstanceJson.selfAttentionPath(d.data, s.translate("", e));
    }
  }

  private static Map<LayerWeight, Projection> readWeights(JsonSource s, String path) throws IOException {
    Map<LayerWeight, Projection> weights = new EnumMap<>(LayerWeight.class);
    s.readObject(
        path,
        "an object with fields Q, K, V and optionally O",
        (name, at) -> {
          LayerWeight mu = weight(name);
          if (mu != null) {
            weights.put(mu, InstanceJson.projection(s, at, InstanceJson.readProjection(s, at)));
          } else if (JsonSource.isExtension(name)) {
            s.skip();
          } else {
            throw s.error(at, "unknown field (expected Q, K, V or O)");
          }
        });
    for (LayerWeight mu : new LayerWeight[] {LayerWeight.Q, LayerWeight.K, LayerWeight.V}) {
      if (!weights.containsKey(mu)) {
        throw s.error(path + "." + mu, "missing field");
      }
    }
    return weights;
  }

  private static LayerWeight weight(String name) {
    for (LayerWeight mu : LayerWeight.values()) {
      if (mu.name().equals(name)) {
        return mu;
      }
    }
    return null;
  }

  /** {@code x} in the format {@value #FORMAT}, each matrix row on one line. */
  public static String write(LayerInstance x) {
    return JsonOutput.write(g -> write(g, x));
  }

  /**
   * Writes {@code x} as one JSON object to {@code g} (for documents that embed instances, such as
   * the golden vectors).
   *
   * @throws IOException when the generator fails
   */
  public static void write(JsonGenerator g, LayerInstance x) throws IOException {
    g.writeStartObject();
    g.writeStringField("format", FORMAT);
    g.writeNumberField("heads", x.heads());
    g.writeStringField("causal", x.masking().tag());
    g.writeStringField("scaling", x.scaling().tag());
    g.writeFieldName("alpha");
    g.writeNumber(x.alpha().toString());
    g.writeFieldName("beta");
    g.writeNumber(x.beta().toString());
    g.writeObjectFieldStart("weights");
    for (Map.Entry<LayerWeight, Projection> e : x.weights().entrySet()) {
      InstanceJson.projectionField(g, e.getKey().name(), e.getValue());
    }
    g.writeEndObject();
    InstanceJson.dataField(g, x.data());
    g.writeEndObject();
  }

  /**
   * {@code r} as a gradient file (spec/FORMATS.md Section 2, with a key {@code "O"} beside Q, K, V
   * when the output projection is adapted): every number to {@code r.digits()} significant digits.
   */
  public static String writeGradient(LayerResult r) {
    return JsonOutput.write(g -> {
      g.writeStartObject();
      g.writeStringField("format", GradientJson.FORMAT);
      g.writeStringField("method", r.method());
      g.writeNumberField("digits", r.digits());
      g.writeFieldName("loss");
      g.writeNumber(DecimalFormatting.significant(r.loss(), r.digits()));
      g.writeObjectFieldStart("gradients");
      for (Map.Entry<LayerWeight, AdapterGradient> e : r.gradients().entrySet()) {
        g.writeObjectFieldStart(e.getKey().name());
        g.writeFieldName("A");
        JsonOutput.significantMatrix(g, e.getValue().a(), r.digits());
        g.writeFieldName("B");
        JsonOutput.significantMatrix(g, e.getValue().b(), r.digits());
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeEndObject();
    });
  }
}
