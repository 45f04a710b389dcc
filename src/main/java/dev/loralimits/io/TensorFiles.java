package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.CandidateGradient;
import dev.loralimits.model.CandidateMatrix;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Instances and gradients in tensor files: NumPy {@code .npz} and safetensors, float64 or float32
 * (spec/FORMATS.md Section 4), besides the JSON formats of {@link InstanceJson} and
 * {@link GradientJson}. The format follows from the file name's extension: {@code .json},
 * {@code .npz}, {@code .safetensors} ({@code .npy} holds a single array and is refused for
 * instances and gradients).
 *
 * <p>Every value of a tensor file is a binary float and becomes the {@link BigDecimal} of its exact
 * value ({@code new BigDecimal(double)}, exact for float32 as well, which widens to double
 * exactly): {@code 0.1} stored as float64 reads as
 * {@code 0.1000000000000000055511151231257827021181583404541015625} and is never rounded again.
 * Writers store float64, the nearest double to each decimal.
 *
 * <p>Every problem is an {@link InputException} {@code <file>: <tensor>: <rule>}.
 */
public final class TensorFiles {
  private TensorFiles() {}

  /** The file formats, chosen by extension. */
  public enum Format {
    JSON(".json"),
    NPY(".npy"),
    NPZ(".npz"),
    SAFETENSORS(".safetensors");

    private final String extension;

    Format(String extension) {
      this.extension = extension;
    }

    /** The extension, with its dot. */
    public String extension() {
      return extension;
    }

    /** Whether this is a tensor format (not JSON). */
    public boolean isTensor() {
      return this != JSON;
    }

    /**
     * The format of {@code file} by its extension (any case): {@code .npy}, {@code .npz},
     * {@code .safetensors}, and JSON for any other name (the default).
     */
    public static Format of(Path file) {
      String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
      for (Format f : values()) {
        if (name.endsWith(f.extension)) {
          return f;
        }
      }
      return JSON;
    }
  }

  /** Metadata keys written to safetensors files. */
  static final String META_FORMAT = "format";

  /**
   * Values of the metadata key {@code "format"} that name the framework a safetensors file was
   * written from, not a file format (FORMATS 4.1): {@code safetensors.torch.save_file}, and so
   * PEFT's {@code save_pretrained}, writes {@code "pt"}; the TensorFlow, Flax, NumPy and MLX
   * writers {@code "tf"}, {@code "flax"}, {@code "np"}, {@code "mlx"}. They are read as no format
   * (issue 13: PEFT adapter files were refused as saved).
   */
  static final java.util.Set<String> FRAMEWORK_TAGS = java.util.Set.of("pt", "tf", "flax", "np", "mlx");

  static final String META_LAYOUT = "layout";
  static final String META_METHOD = "method";

  /** A data-point tensor: X.i, XQ.i, XK.i, XV.i or Y.i, i without leading zeros. */
  private static final Pattern POINT = Pattern.compile("(X|XQ|XK|XV|Y)\\.(0|[1-9][0-9]{0,8})");

  /** A model message: a field path, a blank, the problem. */
  private static final Pattern MODEL_MESSAGE = Pattern.compile("(\\S+) (.+)");

  /** A model field path of an instance: weights.Q.W or data[3].XV. */
  private static final Pattern MODEL_FIELD =
      Pattern.compile("weights\\.([QKV])\\.([WAB])|data\\[(\\d+)\\]\\.(XQ|XK|XV|Y)");

  // ---------------------------------------------------------------------------------------------
  // Reading

  /** {@link #readInstance(Path, TensorLayout)} in our layout. */
  public static LoraInstance readInstance(Path file) {
    return readInstance(file, TensorLayout.OURS);
  }

  /**
   * Reads an instance from {@code file} in the format of its extension; {@code layout} applies to
   * tensor files (a JSON instance is always in our layout).
   *
   * @throws InputException naming the file, the tensor (or field) and the rule, for a file that is
   *     missing, unreadable, too large, malformed, breaks a cap of Section 4.5, or is not a valid
   *     instance
   */
  public static LoraInstance readInstance(Path file, TensorLayout layout) {
    return readInstance(file, layout, ReadLimits.DEFAULT);
  }

  /**
   * As {@link #readInstance(Path, TensorLayout)}; a JSON file is read within {@code limits}.
   *
   * @throws InputException as {@link #readInstance(Path, TensorLayout)}, naming the limit broken
   */
  public static LoraInstance readInstance(Path file, TensorLayout layout, ReadLimits limits) {
    Format f = Format.of(file);
    if (f == Format.JSON) {
      return InstanceJson.read(file, limits);
    }
    return readInstance(file.toString(), bytes(file), f, layout);
  }

  /**
   * Reads an instance from the bytes of a tensor file.
   *
   * @param source the name used in messages
   * @throws InputException as {@link #readInstance(Path, TensorLayout)}
   */
  public static LoraInstance readInstance(String source, byte[] bytes, Format format, TensorLayout layout) {
    return readInstance(source, bytes, format, layout, ReadLimits.DEFAULT);
  }

  /**
   * As {@link #readInstance(String, byte[], Format, TensorLayout)}; JSON bytes are read within
   * {@code limits}.
   *
   * @throws InputException as {@link #readInstance(Path, TensorLayout)}, naming the limit broken
   */
  public static LoraInstance readInstance(
      String source, byte[] bytes, Format format, TensorLayout layout, ReadLimits limits) {
    if (format == Format.JSON) {
      return InstanceJson.read(source, new ByteArrayInputStream(bytes), limits);
    }
    Safetensors.Contents c = contents(source, bytes, format, "an instance");
    for (Tensor t : c.tensors().values()) {
      checkedFinite(source, t);
    }
    checkMetadata(source, c.metadata(), InstanceJson.FORMAT, layout);
    Renamed r = layout == TensorLayout.PEFT ? PeftNames.instance(source, c.tensors()) : Renamed.identity(c.tensors());
    return new InstanceBuilder(source, r).build();
  }

  /** {@link #readGradient(Path, TensorLayout)} in our layout. */
  public static GradientFile readGradient(Path file) {
    return readGradient(file, TensorLayout.OURS);
  }

  /**
   * Reads a gradient (a candidate for {@code check}) from {@code file} in the format of its
   * extension; {@code layout} applies to tensor files. A JSON file is read by
   * {@link GradientJson#readCandidate}; in a tensor file {@code loss} is optional, and NaN and
   * infinities are kept as non-finite entries (an instance refuses them). The shapes are checked
   * against the instance by the comparison, not here.
   *
   * @throws InputException naming the file, the tensor (or field) and the rule
   */
  public static GradientFile readGradient(Path file, TensorLayout layout) {
    return readGradient(file, layout, ReadLimits.DEFAULT);
  }

  /**
   * As {@link #readGradient(Path, TensorLayout)}; a JSON file is read within {@code limits}.
   *
   * @throws InputException naming the file, the tensor (or field) and the rule
   */
  public static GradientFile readGradient(Path file, TensorLayout layout, ReadLimits limits) {
    Format f = Format.of(file);
    if (f == Format.JSON) {
      return GradientJson.readCandidate(file, limits);
    }
    return readGradient(file.toString(), bytes(file), f, layout);
  }

  /**
   * Reads a gradient from the bytes of a file.
   *
   * @throws InputException as {@link #readGradient(Path, TensorLayout)}
   */
  public static GradientFile readGradient(String source, byte[] bytes, Format format, TensorLayout layout) {
    return readGradient(source, bytes, format, layout, ReadLimits.DEFAULT);
  }

  /**
   * As {@link #readGradient(String, byte[], Format, TensorLayout)}; JSON bytes are read within
   * {@code limits}.
   *
   * @throws InputException as {@link #readGradient(Path, TensorLayout)}
   */
  public static GradientFile readGradient(
      String source, byte[] bytes, Format format, TensorLayout layout, ReadLimits limits) {
    if (format == Format.JSON) {
      return GradientJson.parseCandidate(source, new String(bytes, StandardCharsets.UTF_8), limits);
    }
    Safetensors.Contents c = contents(source, bytes, format, "a gradient");
    checkMetadata(source, c.metadata(), GradientJson.FORMAT, layout);
    Renamed r = layout == TensorLayout.PEFT ? PeftNames.gradient(source, c.tensors()) : Renamed.identity(c.tensors());
    String method = c.metadata().getOrDefault(META_METHOD, GradientFile.UNNAMED);
    return gradient(source, r, method);
  }

  /** The tensors (and safetensors metadata) of a tensor file. */
  private static Safetensors.Contents contents(String source, byte[] bytes, Format format, String what) {
    if (bytes.length > TensorLimits.MAX_FILE_BYTES) {
      throw new InputException(source, InputException.FILE, "too large: " + bytes.length + " bytes, limit " + TensorLimits.MAX_FILE_BYTES);
    }
    FileKind expected = switch (format) {
      case NPZ -> FileKind.NPZ;
      case SAFETENSORS -> FileKind.SAFETENSORS;
      default -> FileKind.NPY;
    };
    Optional<String> other = FileKind.mismatch(java.util.Arrays.copyOf(bytes, Math.min(bytes.length, 16)), expected);
    if (other.isPresent()) {
      throw new InputException(source, InputException.FILE, other.get());
    }
    return switch (format) {
      case NPZ -> new Safetensors.Contents(Npz.read(source, bytes), Map.of());
      case SAFETENSORS -> Safetensors.read(source, bytes);
      default -> throw new InputException(
          source, InputException.FILE, "a .npy file holds one array; " + what + " needs several: use .npz or .safetensors");
    };
  }

  /** Refuses a safetensors file whose metadata names another format or layout. */
  private static void checkMetadata(String source, Map<String, String> meta, String format, TensorLayout layout) {
    String f = meta.get(META_FORMAT);
    if (f != null && !f.equals(format) && !FRAMEWORK_TAGS.contains(f)) {
      throw new InputException(source, Safetensors.METADATA + "." + META_FORMAT, "expected \"" + format + "\", got \"" + Npy.shorten(f) + "\"");
    }
    String l = meta.get(META_LAYOUT);
    if (l != null && !l.equals(layout.optionName())) {
      throw new InputException(source, Safetensors.METADATA + "." + META_LAYOUT,
          "the file says layout \"" + Npy.shorten(l) + "\", read as " + layout.optionName() + " (give --layout " + Npy.shorten(l) + ")");
    }
  }

  /** The file name that means standard input ({@code -}, as in most command-line tools). */
  public static final String STANDARD_INPUT = "-";

  /** Whether {@code file} names standard input. */
  public static boolean isStandardInput(Path file) {
    return file.toString().equals(STANDARD_INPUT);
  }

  /**
   * All bytes of {@code in} (standard input), at most {@link TensorLimits#MAX_FILE_BYTES}.
   *
   * @throws InputException for a longer stream or a read failure, named {@code source}
   */
  public static byte[] readStream(String source, InputStream in) {
    return readStream(source, in, ReadLimits.DEFAULT);
  }

  /**
   * All bytes of {@code in}, at most the larger of {@link TensorLimits#MAX_FILE_BYTES} and {@code
   * limits.maxBytes()} (the format, and so the limit that applies, is known only once read).
   *
   * @throws InputException for a longer stream or a read failure, named {@code source}
   */
  public static byte[] readStream(String source, InputStream in, ReadLimits limits) {
    long max = Math.max(TensorLimits.MAX_FILE_BYTES, limits.maxBytes());
    try {
      byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      if (b.length > max) {
        throw new InputException(source, InputException.FILE, "too large: more than " + max + " bytes");
      }
      return b;
    } catch (IOException e) {
      throw new InputException(source, InputException.FILE, "cannot read: " + describe(e), e);
    }
  }

  /** The format the first bytes of {@code bytes} show ({@link FileKind}); JSON when none. */
  public static Format sniff(byte[] bytes) {
    return FileKind.of(java.util.Arrays.copyOf(bytes, Math.min(bytes.length, 16)))
        .map(k -> switch (k) {
          case NPZ -> Format.NPZ;
          case NPY -> Format.NPY;
          case SAFETENSORS -> Format.SAFETENSORS;
          case JSON -> Format.JSON;
        })
        .orElse(Format.JSON);
  }

  private static byte[] bytes(Path file) {
    String source = file.toString();
    try {
      if (Files.isDirectory(file)) {
        throw new InputException(source, InputException.FILE, "is a directory, expected a file");
      }
      long size = Files.size(file);
      if (size > TensorLimits.MAX_FILE_BYTES) {
        throw new InputException(source, InputException.FILE, "too large: " + size + " bytes, limit " + TensorLimits.MAX_FILE_BYTES);
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InputException(source, InputException.FILE, "not found", e);
    } catch (AccessDeniedException e) {
      throw new InputException(source, InputException.FILE, "cannot read (permission denied)", e);
    } catch (IOException e) {
      throw new InputException(source, InputException.FILE, "cannot read: " + describe(e), e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Shared checks of the readers

  /**
   * The element count of {@code shape}: every dimension {@code >= 1}, the product at most
   * {@link TensorLimits#MAX_ELEMENTS}.
   */
  static long elementCount(String source, String name, int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 1) {
        throw new InputException(source, name, "empty array: shape " + Tensor.shapeText(shape) + " (every dimension must be >= 1)");
      }
      n *= d;
      if (n > TensorLimits.MAX_ELEMENTS) {
        throw new InputException(source, name, "shape " + Tensor.shapeText(shape) + " exceeds the limit of " + TensorLimits.MAX_ELEMENTS + " elements (2^26)");
      }
    }
    return n;
  }

  /** {@code t}, after checking that every value is finite (instances; candidates keep non-finite values). */
  static Tensor checkedFinite(String source, Tensor t) {
    double[] v = t.values();
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        String at = t.rank() == 2 ? "[" + i / t.shape()[1] + "][" + i % t.shape()[1] + "]" : "[" + i + "]";
        throw new InputException(source, TensorFiles.path(t.name()), "non-finite value (" + v[i] + ") at " + at);
      }
    }
    return t;
  }

  /**
   * A tensor name as the path of a message: shortened, control characters replaced, and
   * {@code (unnamed)} for the empty name, so that every message keeps the form
   * {@code <file>: <tensor>: <rule>}.
   */
  static String path(String name) {
    return name.isEmpty() ? "(unnamed)" : Npy.shorten(name);
  }

  /** A one-line description of {@code e} for messages. */
  static String describe(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return Npy.shorten(m.replaceAll("\\s+", " "));
  }

  // ---------------------------------------------------------------------------------------------
  // Names in our layout

  /**
   * Tensors under their names in our layout, with the name each had in the file (for messages)
   * and which of them were transposed on the way.
   */
  record Renamed(Map<String, Tensor> tensors, Map<String, String> display, java.util.Set<String> transposed) {
    static Renamed identity(Map<String, Tensor> t) {
      Map<String, String> d = new LinkedHashMap<>();
      for (String n : t.keySet()) {
        d.put(n, n);
      }
      return new Renamed(t, d, java.util.Set.of());
    }

    String shown(String name) {
      return path(display.getOrDefault(name, name));
    }

    /** A problem of tensor {@code name}, naming it as in the file. */
    InputException error(String source, String name, String problem) {
      String note = transposed.contains(name) ? " (in our layout, i.e. of the transpose of this tensor)" : "";
      return new InputException(source, shown(name), problem + note);
    }
  }

  /** Builds an instance from tensors named in our layout. */
  private static final class InstanceBuilder {
    private final String source;
    private final Renamed r;
    private final Map<String, Tensor> left;

    InstanceBuilder(String source, Renamed r) {
      this.source = source;
      this.r = r;
      this.left = new LinkedHashMap<>(r.tensors());
    }

    LoraInstance build() {
      Optional<BigDecimal> alpha = scalar("alpha");
      Optional<BigDecimal> beta = scalar("beta");
      Map<Adapter, Projection> weights = new EnumMap<>(Adapter.class);
      for (Adapter mu : Adapter.values()) {
        weights.put(mu, projection(mu));
      }
      List<DataPoint> data = points();
      if (!left.isEmpty()) {
        String name = left.keySet().iterator().next();
        throw r.error(source, name, "unknown tensor (expected alpha, beta, W_Q, W_K, W_V, A_mu and B_mu for adapted mu,"
            + " X.i or XQ.i, XK.i, XV.i, and Y.i for i = 0..N-1)");
      }
      boolean adapted = weights.values().stream().anyMatch(Projection::isAdapted);
      if (adapted && alpha.isEmpty()) {
        throw new InputException(source, "alpha", "missing tensor (required when an adapter A, B is given)");
      }
      if (adapted && alpha.get().signum() == 0) {
        throw r.error(source, "alpha", "must be non-zero when an adapter A, B is given, got 0");
      }
      BigDecimal b = beta.orElse(BigDecimal.ONE);
      if (b.signum() <= 0) {
        throw r.error(source, "beta", "must be > 0, got " + b.stripTrailingZeros().toPlainString());
      }
      try {
        return new LoraInstance(alpha.orElse(BigDecimal.ONE), b, weights, data);
      } catch (IllegalArgumentException e) {
        throw translate(e, "", data);
      }
    }

    private Projection projection(Adapter mu) {
      DecimalMatrix w = matrix("W_" + mu).orElseThrow(
          () -> new InputException(source, r.shown("W_" + mu), "missing tensor"));
      Optional<DecimalMatrix> a = matrix("A_" + mu);
      Optional<DecimalMatrix> b = matrix("B_" + mu);
      if (a.isPresent() != b.isPresent()) {
        String given = a.isPresent() ? "A_" + mu : "B_" + mu;
        String missing = a.isPresent() ? "B_" + mu : "A_" + mu;
        throw r.error(source, given, "given without " + r.shown(missing) + " (an adapter needs both A and B)");
      }
      try {
        return new Projection(w, a.orElse(null), b.orElse(null));
      } catch (IllegalArgumentException e) {
        Matcher m = MODEL_MESSAGE.matcher(e.getMessage());
        if (m.matches() && m.group(1).matches("[WAB]")) {
          throw r.error(source, m.group(1) + "_" + mu, m.group(2));
        }
        throw new InputException(source, r.shown("W_" + mu), e.getMessage(), e);
      }
    }

    private List<DataPoint> points() {
      TreeMap<Integer, Boolean> indices = new TreeMap<>();
      for (String name : left.keySet()) {
        Matcher m = POINT.matcher(name);
        if (m.matches()) {
          indices.put(Integer.parseInt(m.group(2)), Boolean.TRUE);
        }
      }
      if (indices.isEmpty()) {
        throw new InputException(source, "X.0", "missing tensor (no data points: give X.0 and Y.0, or XQ.0, XK.0, XV.0 and Y.0)");
      }
      int n = indices.lastKey() + 1;
      if (indices.size() != n) {
        int gap = 0;
        while (indices.containsKey(gap)) {
          gap++;
        }
        throw new InputException(source, "Y." + gap, "missing tensor (data points are numbered 0..N-1 without gaps; found index " + indices.lastKey() + ")");
      }
      List<DataPoint> data = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        data.add(point(i));
      }
      return data;
    }

    private DataPoint point(int i) {
      Optional<DecimalMatrix> x = matrix("X." + i);
      Optional<DecimalMatrix> xq = matrix("XQ." + i);
      Optional<DecimalMatrix> xk = matrix("XK." + i);
      Optional<DecimalMatrix> xv = matrix("XV." + i);
      DecimalMatrix y = matrix("Y." + i).orElseThrow(() -> new InputException(source, "Y." + i, "missing tensor"));
      boolean cross = xq.isPresent() || xk.isPresent() || xv.isPresent();
      if (x.isPresent() && cross) {
        throw new InputException(source, "X." + i, "mixes X." + i + " with XQ/XK/XV." + i + " (give X for self-attention, or XQ, XK and XV)");
      }
      if (!cross && x.isEmpty()) {
        throw new InputException(source, "X." + i, "missing tensor (give X." + i + ", or XQ." + i + ", XK." + i + " and XV." + i + ")");
      }
      if (cross) {
        String[] names = {"XQ", "XK", "XV"};
        List<Optional<DecimalMatrix>> given = List.of(xq, xk, xv);
        for (int k = 0; k < 3; k++) {
          if (given.get(k).isEmpty()) {
            throw new InputException(source, names[k] + "." + i, "missing tensor (cross-attention needs XQ, XK and XV)");
          }
        }
      }
      try {
        return cross ? DataPoint.cross(xq.get(), xk.get(), xv.get(), y) : DataPoint.self(x.get(), y);
      } catch (IllegalArgumentException e) {
        Matcher m = MODEL_MESSAGE.matcher(e.getMessage());
        if (m.matches() && m.group(1).matches("XQ|XK|XV|Y")) {
          String field = !cross && !m.group(1).equals("Y") ? "X" : m.group(1);
          throw new InputException(source, field + "." + i, m.group(2), e);
        }
        throw new InputException(source, "Y." + i, e.getMessage(), e);
      }
    }

    /** A model message of the whole instance, as a problem of the tensor it names. */
    private InputException translate(IllegalArgumentException e, String prefix, List<DataPoint> data) {
      Matcher m = MODEL_MESSAGE.matcher(prefix + e.getMessage());
      if (m.matches()) {
        Matcher f = MODEL_FIELD.matcher(m.group(1));
        if (f.matches() && f.group(1) != null) {
          return r.error(source, f.group(2) + "_" + f.group(1), m.group(2));
        }
        if (f.matches()) {
          int i = Integer.parseInt(f.group(3));
          boolean self = data.get(i).selfAttention() && !f.group(4).equals("Y");
          String field = self ? "X" : f.group(4);
          String note = self ? " (X is used as " + f.group(4) + ")" : "";
          return new InputException(source, field + "." + i, m.group(2) + note, e);
        }
        if (m.group(1).equals("alpha") || m.group(1).equals("beta")) {
          return r.error(source, m.group(1), m.group(2));
        }
      }
      return new InputException(source, InputException.DOCUMENT, e.getMessage(), e);
    }

    /** The scalar {@code name}, when present: shape (), (1,) or (1, 1). */
    private Optional<BigDecimal> scalar(String name) {
      Tensor t = left.remove(name);
      if (t == null) {
        return Optional.empty();
      }
      if (t.values().length != 1) {
        throw r.error(source, name, "expected a scalar (shape () or (1,)), got shape " + t.shapeText());
      }
      return Optional.of(new BigDecimal(t.values()[0]));
    }

    private Optional<DecimalMatrix> matrix(String name) {
      Tensor t = left.remove(name);
      return t == null ? Optional.empty() : Optional.of(TensorFiles.matrix(source, r, name, t));
    }
  }

  /** {@code t} as an exact decimal matrix; it must have rank 2. */
  static DecimalMatrix matrix(String source, Renamed r, String name, Tensor t) {
    if (t.rank() != 2) {
      throw r.error(source, name, "expected a matrix (rank 2), got shape " + t.shapeText());
    }
    int rows = t.shape()[0];
    int cols = t.shape()[1];
    BigDecimal[][] m = new BigDecimal[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m[i][j] = new BigDecimal(t.values()[i * cols + j]);
      }
    }
    return DecimalMatrix.of(name, m);
  }

  private static GradientFile gradient(String source, Renamed r, String method) {
    Map<String, Tensor> left = new LinkedHashMap<>(r.tensors());
    Optional<CandidateMatrix> loss = Optional.empty();
    Tensor l = left.remove("loss");
    if (l != null) {
      if (l.values().length != 1) {
        throw r.error(source, "loss", "expected a scalar (shape () or (1,)), got shape " + l.shapeText());
      }
      loss = Optional.of(CandidateMatrix.ofDoubles(1, 1, l.values()));
    }
    Map<Adapter, CandidateGradient> g = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      Tensor a = left.remove("grad_A_" + mu);
      Tensor b = left.remove("grad_B_" + mu);
      if ((a == null) != (b == null)) {
        String given = a != null ? "grad_A_" + mu : "grad_B_" + mu;
        String missing = a != null ? "grad_B_" + mu : "grad_A_" + mu;
        throw r.error(source, given, "given without " + r.shown(missing) + " (an adapter's gradient has both factors)");
      }
      if (a != null) {
        g.put(mu, new CandidateGradient(candidateMatrix(source, r, "grad_A_" + mu, a), candidateMatrix(source, r, "grad_B_" + mu, b)));
      }
    }
    if (!left.isEmpty()) {
      throw r.error(source, left.keySet().iterator().next(),
          "unknown tensor (expected loss and grad_A_mu, grad_B_mu for each adapted mu in Q, K, V)");
    }
    return new GradientFile(method, loss, g);
  }

  /** {@code t} as a candidate matrix (non-finite values kept); it must have rank 2. */
  private static CandidateMatrix candidateMatrix(String source, Renamed r, String name, Tensor t) {
    if (t.rank() != 2) {
      throw r.error(source, name, "expected a matrix (rank 2), got shape " + t.shapeText());
    }
    return CandidateMatrix.ofDoubles(t.shape()[0], t.shape()[1], t.values());
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /**
   * Writes {@code instance} to {@code file} in the tensor format of its extension ({@code .npz} or
   * {@code .safetensors}), float64, in {@code layout}. Each decimal is stored as its nearest double.
   *
   * @throws IllegalArgumentException when the extension is not a writable tensor format or a value
   *     is outside the double range
   * @throws IOException when the file cannot be written
   */
  public static void writeInstance(LoraInstance instance, Path file, TensorLayout layout) throws IOException {
    Files.write(file, instanceBytes(instance, writable(file), layout));
  }

  /** As {@link #writeInstance(LoraInstance, Path, TensorLayout)}, to bytes. */
  public static byte[] instanceBytes(LoraInstance instance, Format format, TensorLayout layout) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    put(t, Tensor.scalar("alpha", toDouble("alpha", instance.alpha())));
    put(t, Tensor.scalar("beta", toDouble("beta", instance.beta())));
    for (Adapter mu : Adapter.values()) {
      Projection p = instance.projection(mu);
      Tensor w = tensor("W_" + mu, p.frozen());
      if (layout == TensorLayout.PEFT) {
        String proj = PeftNames.module(mu);
        put(t, w.transposed(proj + ".weight"));
        if (p.isAdapted()) {
          put(t, tensor("B_" + mu, p.b()).transposed(proj + ".lora_A.weight"));
          put(t, tensor("A_" + mu, p.a()).transposed(proj + ".lora_B.weight"));
        }
      } else {
        put(t, w);
        if (p.isAdapted()) {
          put(t, tensor("A_" + mu, p.a()));
          put(t, tensor("B_" + mu, p.b()));
        }
      }
    }
    List<DataPoint> data = instance.data();
    for (int i = 0; i < data.size(); i++) {
      DataPoint d = data.get(i);
      if (d.selfAttention()) {
        put(t, tensor("X." + i, d.xq()));
      } else {
        put(t, tensor("XQ." + i, d.xq()));
        put(t, tensor("XK." + i, d.xk()));
        put(t, tensor("XV." + i, d.xv()));
      }
      put(t, tensor("Y." + i, d.y()));
    }
    return encode(t, format, InstanceJson.FORMAT, layout, null);
  }

  /**
   * Writes {@code result} to {@code file} ({@code .npz} or {@code .safetensors}), float64, in
   * {@code layout}: {@code loss} and the gradient of each adapted projection. Each number is stored
   * as its nearest double; the certificate fields of the double methods are JSON-only.
   *
   * @throws IllegalArgumentException when the extension is not a writable tensor format or a value
   *     is outside the double range
   * @throws IOException when the file cannot be written
   */
  public static void writeGradient(GradientResult result, Path file, TensorLayout layout) throws IOException {
    Files.write(file, gradientBytes(result, writable(file), layout));
  }

  /** As {@link #writeGradient(GradientResult, Path, TensorLayout)}, to bytes. */
  public static byte[] gradientBytes(GradientResult result, Format format, TensorLayout layout) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    put(t, Tensor.scalar("loss", toDouble("loss", result.loss())));
    for (Map.Entry<Adapter, AdapterGradient> e : result.gradients().entrySet()) {
      Adapter mu = e.getKey();
      Tensor ga = tensor("grad_A_" + mu, e.getValue().a());
      Tensor gb = tensor("grad_B_" + mu, e.getValue().b());
      if (layout == TensorLayout.PEFT) {
        String proj = PeftNames.module(mu);
        put(t, gb.transposed(proj + ".lora_A.weight.grad"));
        put(t, ga.transposed(proj + ".lora_B.weight.grad"));
      } else {
        put(t, ga);
        put(t, gb);
      }
    }
    return encode(t, format, GradientJson.FORMAT, layout, result.method());
  }

  private static Format writable(Path file) {
    Format f = Format.of(file);
    if (f != Format.NPZ && f != Format.SAFETENSORS) {
      throw new IllegalArgumentException(file + ": tensor files are written as .npz or .safetensors");
    }
    return f;
  }

  private static byte[] encode(Map<String, Tensor> t, Format format, String kind, TensorLayout layout, String method) {
    return switch (format) {
      case NPZ -> Npz.write(t);
      case SAFETENSORS -> {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_FORMAT, kind);
        meta.put(META_LAYOUT, layout.optionName());
        if (method != null) {
          meta.put(META_METHOD, method);
        }
        yield Safetensors.write(t, meta);
      }
      default -> throw new IllegalArgumentException("tensor files are written as .npz or .safetensors, not " + format.extension());
    };
  }

  private static void put(Map<String, Tensor> t, Tensor x) {
    t.put(x.name(), x);
  }

  private static Tensor tensor(String name, DecimalMatrix m) {
    double[] v = new double[m.rows() * m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        v[i * m.cols() + j] = toDouble(name, m.get(i, j));
      }
    }
    return new Tensor(name, new int[] {m.rows(), m.cols()}, v);
  }

  /** The nearest double to {@code x}. */
  private static double toDouble(String name, BigDecimal x) {
    double d = x.doubleValue();
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException(name + " (" + x + ") is outside the double range of a float64 tensor file");
    }
    return d;
  }
}
