package dev.loralimits.io;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes a {@link LoraInstance} in the JSON format {@value #FORMAT}:
 *
 * <pre>{@code
 * { "format": "lora-attention-instance/1", "alpha": 4.0, "beta": 1.0,
 *   "weights": { "Q": {"W": [[..]], "A": [[..]], "B": [[..]]},   // A: r x cols(W), B: rows(W) x r
 *                "K": {"W": [[..]]},                             // no A/B: frozen
 *                "V": {"W": [[..]], "A": [[..]], "B": [[..]]} },
 *   "data": [ {"X": [[..]], "Y": [[..]]},                        // self-attention
 *             {"XQ": [[..]], "XK": [[..]], "XV": [[..]], "Y": [[..]]} ] }   // cross-attention
 * }</pre>
 *
 * <p>Rules of the format:
 *
 * <ul>
 *   <li>Every number is taken exactly as written (parsed as a {@link BigDecimal} from its text,
 *       never through a double). A JSON string holding a decimal ({@code "0.1"}, {@code "1e-30"})
 *       is accepted wherever a number is. NaN and infinities, as tokens or strings, are rejected
 *       ("non-finite number"); anything else is "expected a number".
 *   <li>"format" is required and must be {@value #FORMAT}. "weights" (with all of Q, K, V, each
 *       with "W") and "data" (at least one point) are required. "beta" is optional (default 1) and
 *       must be {@code > 0}. "alpha" is required when any projection has A and B, and must then be
 *       non-zero; otherwise it defaults to 1. A and B come together, with the same rank r.
 *   <li>A data point has either "X" (self-attention) or all of "XQ", "XK", "XV" (cross-attention),
 *       and "Y".
 *   <li>"comment" and "name" (strings) are allowed at the top level and ignored; keys starting
 *       with {@code x-} are extensions, allowed in every object and ignored. Any other key is an
 *       error, so that typos are caught.
 *   <li>Limits: at most 256 MiB of input and {@code 2^24} entries in the document by default ({@link ReadLimits}; "too large").
 * </ul>
 *
 * <p>Every problem is reported as an {@link InputException} with the message
 * {@code <source>: <field path>: <problem>}. Shape rules across fields are those of the model
 * constructors ({@link LoraInstance}, {@link DataPoint}, {@link Projection}); their messages are
 * translated into this form.
 */
public final class InstanceJson {
  /** The value of the "format" field. */
  public static final String FORMAT = "lora-attention-instance/1";

  /** The path of one input of a point, as the model names it. */
  private static final Pattern POINT_INPUT = Pattern.compile("data\\[(\\d+)\\]\\.(XQ|XK|XV)");

  private InstanceJson() {}

  /**
   * Reads an instance from {@code file}; messages name the file by the path as given.
   *
   * @throws InputException when the file is missing, unreadable, larger than 256 MiB, or not a
   *     valid instance
   */
  public static LoraInstance read(Path file) {
    return read(file, ReadLimits.DEFAULT);
  }

  /**
   * As {@link #read(Path)} within {@code limits} instead of the default ones.
   *
   * @throws InputException naming the limit when the file exceeds one
   */
  public static LoraInstance read(Path file, ReadLimits limits) {
    return JsonSource.read(file, limits, InstanceJson::readInstance);
  }

  /**
   * Reads an instance from {@code in} (UTF-8 JSON; the stream is not closed).
   *
   * @param sourceName the name used in messages, such as a file name or {@code <stdin>}
   * @throws InputException when the input cannot be read, exceeds 256 MiB, or is not a valid
   *     instance
   */
  public static LoraInstance read(String sourceName, InputStream in) {
    return read(sourceName, in, ReadLimits.DEFAULT);
  }

  /**
   * Parses an instance from the text {@code json}.
   *
   * @param sourceName the name used in messages
   * @throws InputException when the text is not a valid instance
   */
  public static LoraInstance parse(String sourceName, String json) {
    if (json == null) {
      throw new InputException(sourceName, InputException.FILE, "no input text");
    }
    return read(sourceName, new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * As {@link #read(String, InputStream)} within {@code limits} instead of the default ones.
   *
   * @throws InputException naming the limit when the input exceeds one
   */
  public static LoraInstance read(String sourceName, InputStream in, ReadLimits limits) {
    return JsonSource.read(sourceName, in, limits, InstanceJson::readInstance);
  }

  /**
   * Writes {@code instance} in the format {@value #FORMAT}, pretty-printed with each matrix row on
   * one line. Numbers are written with {@link BigDecimal#toString()}, which keeps value and scale,
   * so that {@code read(write(x))} equals {@code x}. Self-attention points are written with "X",
   * cross-attention points with "XQ", "XK", "XV"; alpha and beta are always written.
   *
   * @throws IllegalArgumentException when instance is null
   */
  public static String write(LoraInstance instance) {
    if (instance == null) {
      throw new IllegalArgumentException("instance is missing");
    }
    return JsonOutput.write(g -> writeInstance(g, instance));
  }

  /**
   * Writes {@code instance} as one JSON object on {@code g}, as {@link #write(LoraInstance)} does
   * for a whole document: for embedding an instance in a larger document (the golden vectors).
   *
   * @throws IllegalArgumentException when g or instance is null
   * @throws IOException when the generator fails
   */
  public static void write(JsonGenerator g, LoraInstance instance) throws IOException {
    if (g == null) {
      throw new IllegalArgumentException("generator is missing");
    }
    if (instance == null) {
      throw new IllegalArgumentException("instance is missing");
    }
    writeInstance(g, instance);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /** The fields of a projection as read, before the model checks them together. */
  static final class ProjectionDraft {
    DecimalMatrix w;
    DecimalMatrix a;
    DecimalMatrix b;
  }

  /** The fields of a data point as read. */
  private static final class PointDraft {
    DecimalMatrix x;
    DecimalMatrix xq;
    DecimalMatrix xk;
    DecimalMatrix xv;
    DecimalMatrix y;
  }

  /** The top-level fields as read. */
  private static final class Draft {
    BigDecimal alpha;
    BigDecimal beta;
    Map<Adapter, Projection> weights;
    List<DataPoint> data;
  }

  private static LoraInstance readInstance(JsonSource s) throws IOException {
    Draft d = new Draft();
    s.readTopLevel(
        FORMAT,
        (name, path) -> {
          switch (name) {
            case "alpha":
              d.alpha = s.number(path);
              break;
            case "beta":
              d.beta = s.number(path);
              break;
            case "weights":
              d.weights = readWeights(s, path);
              break;
            case "data":
              d.data = readData(s, path);
              break;
            case "comment":
            case "name":
              s.string(path);
              break;
            default:
              if (!JsonSource.isExtension(name)) {
                throw s.error(
                    path,
                    "unknown field (expected format, alpha, beta, weights, data, comment, name"
                        + " or an x- extension)");
              }
              s.skip();
          }
        });
    if (d.weights == null) {
      throw s.error("weights", "missing field");
    }
    if (d.data == null) {
      throw s.error("data", "missing field");
    }
    BigDecimal alpha = alpha(s, d.alpha, d.weights.values().stream().anyMatch(Projection::isAdapted));
    BigDecimal beta = beta(s, d.beta == null ? BigDecimal.ONE : d.beta);
    try {
      return new LoraInstance(alpha, beta, d.weights, d.data);
    } catch (IllegalArgumentException e) {
      throw selfAttentionPath(d.data, s.translate("", e));
    }
  }

  /**
   * The "alpha" rule of both versions (FORMATS 1.2): required and non-zero when some projection is
   * adapted, else 1 when absent.
   */
  static BigDecimal alpha(JsonSource s, BigDecimal alpha, boolean adapted) {
    if (alpha == null) {
      if (adapted) {
        throw s.error("alpha", "missing field (required when an adapter A, B is given)");
      }
      return BigDecimal.ONE;
    }
    if (adapted && alpha.signum() == 0) {
      throw s.error("alpha", "must be non-zero when an adapter A, B is given, got " + alpha);
    }
    return alpha;
  }

  /** The "beta" rule of both versions: {@code > 0}. */
  static BigDecimal beta(JsonSource s, BigDecimal beta) {
    if (beta.signum() <= 0) {
      throw s.error("beta", "must be > 0, got " + beta);
    }
    return beta;
  }

  /**
   * The model names the three inputs of a point XQ, XK, XV; for a point given as a single "X"
   * the message should name the field the user wrote.
   */
  static InputException selfAttentionPath(List<DataPoint> data, InputException e) {
    Matcher m = POINT_INPUT.matcher(e.path());
    if (m.matches()) {
      int i = Integer.parseInt(m.group(1));
      if (i < data.size() && data.get(i).selfAttention()) {
        return e.reworded("data[" + i + "].X", e.problem() + " (X is used as " + m.group(2) + ")");
      }
    }
    return e;
  }

  private static Map<Adapter, Projection> readWeights(JsonSource s, String path)
      throws IOException {
    Map<Adapter, ProjectionDraft> drafts = new EnumMap<>(Adapter.class);
    s.readObject(
        path,
        "an object with fields Q, K and V",
        (name, at) -> {
          Adapter mu = adapter(name);
          if (mu != null) {
            drafts.put(mu, readProjection(s, at));
          } else if (JsonSource.isExtension(name)) {
            s.skip();
          } else {
            throw s.error(at, "unknown field (expected Q, K or V)");
          }
        });
    Map<Adapter, Projection> weights = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      String at = path + "." + mu;
      ProjectionDraft p = drafts.get(mu);
      if (p == null) {
        throw s.error(at, "missing field");
      }
      weights.put(mu, projection(s, at, p));
    }
    return weights;
  }

  private static Adapter adapter(String name) {
    for (Adapter mu : Adapter.values()) {
      if (mu.name().equals(name)) {
        return mu;
      }
    }
    return null;
  }

  static ProjectionDraft readProjection(JsonSource s, String path) throws IOException {
    ProjectionDraft p = new ProjectionDraft();
    s.readObject(
        path,
        "an object with field W (and A, B when adapted)",
        (name, at) -> {
          switch (name) {
            case "W":
              p.w = s.matrix(at);
              break;
            case "A":
              p.a = s.matrix(at);
              break;
            case "B":
              p.b = s.matrix(at);
              break;
            default:
              if (!JsonSource.isExtension(name)) {
                throw s.error(at, "unknown field (expected W, A or B)");
              }
              s.skip();
          }
        });
    return p;
  }

  static Projection projection(JsonSource s, String path, ProjectionDraft p) {
    if (p.w == null) {
      throw s.error(path + ".W", "missing field");
    }
    if (p.a != null && p.b == null) {
      throw s.error(path, "A given without B (an adapter needs both A and B)");
    }
    if (p.b != null && p.a == null) {
      throw s.error(path, "B given without A (an adapter needs both A and B)");
    }
    if (p.a != null && p.a.rows() != p.b.cols()) {
      throw s.error(
          path + ".B",
          "has "
              + p.b.cols()
              + " columns but "
              + path
              + ".A has "
              + p.a.rows()
              + " rows (r mismatch: A is r x cols(W), B is rows(W) x r)");
    }
    try {
      return new Projection(p.w, p.a, p.b);
    } catch (IllegalArgumentException e) {
      throw s.translate(path + ".", e);
    }
  }

  static List<DataPoint> readData(JsonSource s, String path) throws IOException {
    List<DataPoint> data = new ArrayList<>();
    int n =
        s.readArray(
            path,
            "an array of data points",
            (at, i) -> data.add(point(s, at, readPoint(s, at))));
    if (n == 0) {
      throw s.error(path, "empty, expected at least one data point");
    }
    return data;
  }

  private static PointDraft readPoint(JsonSource s, String path) throws IOException {
    PointDraft p = new PointDraft();
    s.readObject(
        path,
        "a data point (an object with X and Y, or XQ, XK, XV and Y)",
        (name, at) -> {
          switch (name) {
            case "X":
              p.x = s.matrix(at);
              break;
            case "XQ":
              p.xq = s.matrix(at);
              break;
            case "XK":
              p.xk = s.matrix(at);
              break;
            case "XV":
              p.xv = s.matrix(at);
              break;
            case "Y":
              p.y = s.matrix(at);
              break;
            default:
              if (!JsonSource.isExtension(name)) {
                throw s.error(at, "unknown field (expected X, XQ, XK, XV or Y)");
              }
              s.skip();
          }
        });
    return p;
  }

  private static DataPoint point(JsonSource s, String path, PointDraft p) {
    boolean cross = p.xq != null || p.xk != null || p.xv != null;
    if (p.x != null && cross) {
      throw s.error(
          path,
          "mixes X with XQ/XK/XV (give X for self-attention, or XQ, XK and XV for"
              + " cross-attention)");
    }
    if (p.x == null && !cross) {
      throw s.error(
          path + ".X",
          "missing field (give X for self-attention, or XQ, XK and XV for cross-attention)");
    }
    if (cross) {
      String[] names = {"XQ", "XK", "XV"};
      DecimalMatrix[] given = {p.xq, p.xk, p.xv};
      for (int i = 0; i < names.length; i++) {
        if (given[i] == null) {
          throw s.error(
              path + "." + names[i], "missing field (cross-attention needs XQ, XK and XV)");
        }
      }
    }
    if (p.y == null) {
      throw s.error(path + ".Y", "missing field");
    }
    try {
      return cross ? DataPoint.cross(p.xq, p.xk, p.xv, p.y) : DataPoint.self(p.x, p.y);
    } catch (IllegalArgumentException e) {
      throw s.translate(path + ".", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  private static void writeInstance(JsonGenerator g, LoraInstance x) throws IOException {
    g.writeStartObject();
    g.writeStringField("format", FORMAT);
    g.writeFieldName("alpha");
    g.writeNumber(x.alpha().toString());
    g.writeFieldName("beta");
    g.writeNumber(x.beta().toString());
    g.writeObjectFieldStart("weights");
    for (Adapter mu : Adapter.values()) {
      projectionField(g, mu.name(), x.projection(mu));
    }
    g.writeEndObject();
    dataField(g, x.data());
    g.writeEndObject();
  }

  /** {@code "name": {"W": .., "A": .., "B": ..}} (A and B when adapted); both versions. */
  static void projectionField(JsonGenerator g, String name, Projection p) throws IOException {
    g.writeObjectFieldStart(name);
    matrixField(g, "W", p.frozen());
    if (p.isAdapted()) {
      matrixField(g, "A", p.a());
      matrixField(g, "B", p.b());
    }
    g.writeEndObject();
  }

  /** {@code "data": [...]}, a self-attention point with one "X"; both versions. */
  static void dataField(JsonGenerator g, List<DataPoint> data) throws IOException {
    g.writeArrayFieldStart("data");
    for (DataPoint point : data) {
      g.writeStartObject();
      if (point.selfAttention()) {
        matrixField(g, "X", point.xq());
      } else {
        matrixField(g, "XQ", point.xq());
        matrixField(g, "XK", point.xk());
        matrixField(g, "XV", point.xv());
      }
      matrixField(g, "Y", point.y());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  static void matrixField(JsonGenerator g, String name, DecimalMatrix m)
      throws IOException {
    g.writeFieldName(name);
    JsonOutput.matrix(g, m, BigDecimal::toString);
  }
}
