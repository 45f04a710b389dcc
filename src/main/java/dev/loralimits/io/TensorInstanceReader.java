package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an instance from the bytes of a tensor file (spec/FORMATS.md Section 4.2): checks the
 * values and the metadata, brings the tensor names into our layout ({@link Renamed},
 * {@link PeftNames}) and builds the {@link LoraInstance}, each problem named by the tensor as the
 * file calls it.
 */
final class TensorInstanceReader {
  /** A data-point tensor: X.i, XQ.i, XK.i, XV.i or Y.i, i without leading zeros. */
  private static final Pattern POINT = Pattern.compile("(X|XQ|XK|XV|Y)\\.(0|[1-9][0-9]{0,8})");

  /** A model message: a field path, a blank, the problem. */
  private static final Pattern MODEL_MESSAGE = Pattern.compile("(\\S+) (.+)");

  /** A model field path of an instance: weights.Q.W or data[3].XV. */
  private static final Pattern MODEL_FIELD =
      Pattern.compile("weights\\.([QKVO])\\.([WAB])|data\\[(\\d+)\\]\\.(XQ|XK|XV|Y)");

  private final String source;
  private final Renamed r;
  private final Map<String, Tensor> left;
  /** Appended to "missing tensor" when two files were read: where it was looked for. */
  private final String missingNote;
  /** Appended to a frozen weight's "missing tensor": where it is expected. */
  private final String missingWeightNote;
  /** The base file, if one was read. */
  private final Optional<String> base;

  private TensorInstanceReader(String source, Renamed r, String missingNote, String missingWeightNote, Optional<String> base) {
    this.source = source;
    this.r = r;
    this.left = new LinkedHashMap<>(r.tensors());
    this.missingNote = missingNote;
    this.missingWeightNote = missingWeightNote;
    this.base = base;
  }

  /**
   * Reads an instance from the bytes of a tensor file ({@code .npz} or {@code .safetensors}).
   *
   * @param source the name used in messages
   * @throws InputException as {@link TensorFiles#readInstance(java.nio.file.Path, TensorLayout)}
   */
  static LoraInstance read(String source, byte[] bytes, TensorFiles.Format format, TensorLayout layout) {
    return read(new TensorFiles.Source(source, bytes, format), Optional.empty(), layout, TensorSelection.ALL);
  }

  /**
   * Reads an instance from a tensor file and, optionally, its base file (FORMATS 4.3: the adapter
   * factors from {@code file}, every other tensor from either, each from one), taking the tensors
   * {@code selection} selects ({@link TensorSelection}); in layout peft the base file may be a
   * whole model checkpoint ({@link #checkpoint}).
   *
   * @throws InputException as {@link TensorFiles#readInstance(java.nio.file.Path, TensorLayout)},
   *     naming the file of the tensor at fault; a tensor in both files names both
   */
  static LoraInstance read(TensorFiles.Source file, Optional<TensorFiles.Source> base, TensorLayout layout, TensorSelection selection) {
    return reader(file, base, layout, selection).build();
  }

  /**
   * Reads an attention-layer instance (spec/FORMATS.md Section 5.1) from a tensor file and its
   * optional base file: the tensors of {@link #read} plus W_O (and A_O, B_O; PEFT's o_proj), with
   * the heads, mask and scaling given by the caller; beta is required.
   *
   * @throws InputException as {@link #read}
   */
  static LayerInstance readLayer(TensorFiles.Source file, Optional<TensorFiles.Source> base, TensorLayout layout,
      TensorSelection selection, int heads, Masking masking, LoraScaling scaling) {
    return reader(file, base, layout, selection).buildLayer(heads, masking, scaling);
  }

  private static TensorInstanceReader reader(
      TensorFiles.Source file, Optional<TensorFiles.Source> base, TensorLayout layout, TensorSelection selection) {
    Renamed r = renamed(file, layout, selection, false);
    String note = "";
    String weightNote = "";
    if (base.isPresent()) {
      r = Renamed.merged(file.name(), r, base.get().name(), renamed(base.get(), layout, selection, true));
      note = " (in neither " + file.name() + " nor " + base.get().name() + ")";
      weightNote = note;
    } else if (layout == TensorLayout.PEFT && !r.transposed().isEmpty() && r.tensors().keySet().stream().noneMatch(n -> n.startsWith("W_"))) {
      // an adapter file alone: its frozen weights are in the base model's file
      weightNote = " (the frozen weights are the base model's: give its file, e.g. model.safetensors, with --base FILE)";
    }
    return new TensorInstanceReader(file.name(), r, note, weightNote, base.map(TensorFiles.Source::name));
  }

  /** The tensors of one file under our names: finite, metadata checked, selected, a base file's model tensors dropped. */
  private static Renamed renamed(TensorFiles.Source f, TensorLayout layout, TensorSelection selection, boolean isBase) {
    String source = f.name();
    Map<String, Tensor> t = f.selective() ? selective(f, layout, selection, isBase) : whole(f, layout, selection, isBase);
    for (Tensor x : t.values()) {
      TensorChecks.checkedFinite(source, x);
    }
    return layout == TensorLayout.PEFT ? PeftNames.instance(source, t) : Renamed.identity(t);
  }

  /** The tensors {@link #renamed} takes of a file read whole. */
  private static Map<String, Tensor> whole(TensorFiles.Source f, TensorLayout layout, TensorSelection selection, boolean isBase) {
    String source = f.name();
    Safetensors.Contents c = TensorInput.contents(source, f.bytes(), f.format(), "an instance");
    TensorChecks.checkMetadata(source, c.metadata(), InstanceJson.FORMAT, layout);
    Map<String, Tensor> t = selection.select(source, c.tensors());
    if (!(isBase && layout == TensorLayout.PEFT)) {
      return t;
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Tensor x : t.values()) {
      switch (checkpointRole(source, x.name())) {
        case TAKEN -> out.put(x.name(), x);
        case BIAS -> refuseNonZeroBias(source, x);
        case IGNORED -> { }
      }
    }
    return out;
  }

  /**
   * The tensors {@link #renamed} takes of safetensors shards read selectively ({@link
   * SelectiveRead}): the headers of all shards, the selection and the checkpoint's roles decided
   * by name, then only the tensors taken (and the projection biases, to check them) read.
   */
  private static Map<String, Tensor> selective(TensorFiles.Source f, TensorLayout layout, TensorSelection selection, boolean isBase) {
    String source = f.name();
    TensorLimits.Budget budget = new TensorLimits.Budget();
    SelectiveRead.Headers h = SelectiveRead.headers(f.shards(), budget);
    for (int i = 0; i < f.shards().size(); i++) {
      TensorChecks.checkMetadata(f.shards().get(i).toString(), h.metadata().get(i), InstanceJson.FORMAT, layout);
    }
    Map<String, SelectiveRead.Located> selected = selection.select(source, h.entries());
    boolean checkpoint = isBase && layout == TensorLayout.PEFT;
    Map<String, Tensor> read = SelectiveRead.read(f.shards(), h, selected,
        n -> !checkpoint || checkpointRole(source, n) != CheckpointRole.IGNORED, budget);
    if (!checkpoint) {
      return read;
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Tensor x : read.values()) {
      if (checkpointRole(source, x.name()) == CheckpointRole.BIAS) {
        refuseNonZeroBias(f.shards().get(selected.get(x.name()).shard()).toString(), x);
      } else {
        out.put(x.name(), x);
      }
    }
    return out;
  }

  /** What a base file read in layout peft does with a tensor ({@link #checkpointRole}). */
  private enum CheckpointRole {
    /** Taken: a projection weight, an adapter factor (to be refused), or one of our names. */
    TAKEN,
    /** A projection's bias: read, refused unless every value is zero, then dropped. */
    BIAS,
    /** Any other model tensor: dropped unread. */
    IGNORED
  }

  /**
   * The role of tensor {@code name} of a base file read in layout peft (FORMATS 4.3, "A whole
   * checkpoint as base"): the base may be a model's whole {@code model.safetensors} (or its
   * shards), so of its model names (a dot, not one of ours) only the attention projections'
   * weights are taken, and the adapter factors kept to be refused; a projection's bias is read
   * to be checked (the model has no bias term); a fused projection is refused; every other model
   * tensor (embeddings, norms, MLP, lm_head, other modules' biases skipped by the selection) is
   * dropped unread. Our names (alpha, beta, X.i, ..., and any name without a dot) are kept and so
   * checked as in any file.
   *
   * @throws InputException for a fused projection
   */
  private static CheckpointRole checkpointRole(String source, String name) {
    Optional<String> fused = AttentionNames.fused(name);
    if (fused.isPresent()) {
      throw new InputException(source, TensorChecks.path(name), fused.get());
    }
    Optional<AttentionNames.Projection> p = AttentionNames.projection(name);
    AttentionNames.Kind k = p.map(AttentionNames.Projection::kind).orElse(null);
    if (k == AttentionNames.Kind.BIAS) {
      return CheckpointRole.BIAS;
    }
    if (AttentionNames.ours(name) || k == AttentionNames.Kind.WEIGHT || k == AttentionNames.Kind.LORA) {
      return CheckpointRole.TAKEN;
    }
    return CheckpointRole.IGNORED;
  }

  private static void refuseNonZeroBias(String source, Tensor t) {
    double[] v = t.values();
    for (int i = 0; i < v.length; i++) {
      if (v[i] != 0) {
        throw new InputException(source, TensorChecks.path(t.name()), "a bias of an attention projection, non-zero at [" + i
            + "] (the model computes X W, without a bias term; only an all-zero bias is ignored)");
      }
    }
  }

  /** The instance of the tensors left, each of them used once. */

  LoraInstance build() {
    Optional<BigDecimal> alpha = scalar("alpha");
    Optional<BigDecimal> beta = scalar("beta");
    Map<Adapter, Projection> weights = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      weights.put(mu, projection(mu.name()));
    }
    List<DataPoint> data = points();
    if (base.isPresent() && left.containsKey("W_O") && base.get().equals(r.sourceOf("W_O", source))) {
      // a whole checkpoint's output projection: the paper's model has none (FORMATS 4.3)
      left.remove("W_O");
    }
    noneLeft("W_Q, W_K, W_V");
    BigDecimal a = alpha(alpha, weights.values().stream().anyMatch(Projection::isAdapted));
    BigDecimal b = beta(beta.orElse(BigDecimal.ONE));
    try {
      return new LoraInstance(a, b, weights, data);
    } catch (IllegalArgumentException e) {
      throw translate(e, "", data);
    }
  }

  /** The layer instance of the tensors left (FORMATS 5.1): as {@link #build}, O optional, beta required. */
  LayerInstance buildLayer(int heads, Masking masking, LoraScaling scaling) {
    Optional<BigDecimal> alpha = scalar("alpha");
    Optional<BigDecimal> beta = scalar("beta");
    Map<LayerWeight, Projection> weights = new EnumMap<>(LayerWeight.class);
    for (String mu : new String[] {"Q", "K", "V"}) {
      weights.put(LayerWeight.valueOf(mu), projection(mu));
    }
    if (left.containsKey("W_O") || left.containsKey("A_O") || left.containsKey("B_O")) {
      weights.put(LayerWeight.O, projection("O"));
    }
    List<DataPoint> data = points();
    noneLeft("W_Q, W_K, W_V, W_O (optional)");
    BigDecimal a = alpha(alpha, weights.values().stream().anyMatch(Projection::isAdapted));
    if (beta.isEmpty()) {
      throw new InputException(source, "beta", "missing tensor (a layer instance states beta: 1/sqrt(head width) is a"
          + " choice, not a default)" + missingNote);
    }
    BigDecimal b = beta(beta.get());
    try {
      return new LayerInstance(heads, masking, scaling, a, b, weights, data);
    } catch (IllegalArgumentException e) {
      throw translate(e, "", data);
    }
  }

  private void noneLeft(String weights) {
    if (!left.isEmpty()) {
      String name = left.keySet().iterator().next();
      throw r.error(source, name, "unknown tensor (expected alpha, beta, " + weights + ", A_mu and B_mu for adapted mu,"
          + " X.i or XQ.i, XK.i, XV.i, and Y.i for i = 0..N-1)");
    }
  }

  private BigDecimal alpha(Optional<BigDecimal> alpha, boolean adapted) {
    if (adapted && alpha.isEmpty()) {
      throw new InputException(source, "alpha", "missing tensor (required when an adapter A, B is given)" + missingNote);
    }
    if (adapted && alpha.get().signum() == 0) {
      throw r.error(source, "alpha", "must be non-zero when an adapter A, B is given, got 0");
    }
    return alpha.orElse(BigDecimal.ONE);
  }

  private BigDecimal beta(BigDecimal b) {
    if (b.signum() <= 0) {
      throw r.error(source, "beta", "must be > 0, got " + b.stripTrailingZeros().toPlainString());
    }
    return b;
  }

  private Projection projection(String mu) {
    DecimalMatrix w = matrix("W_" + mu).orElseThrow(
        () -> new InputException(r.sourceOf("W_" + mu, source), r.shown("W_" + mu), "missing tensor" + missingWeightNote));
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
      throw new InputException(r.sourceOf("W_" + mu, source), r.shown("W_" + mu), e.getMessage(), e);
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
      throw new InputException(source, "X.0", "missing tensor (no data points: give X.0 and Y.0, or XQ.0, XK.0, XV.0 and Y.0)" + missingNote);
    }
    int n = indices.lastKey() + 1;
    if (indices.size() != n) {
      int gap = 0;
      while (indices.containsKey(gap)) {
        gap++;
      }
      throw new InputException(source, "Y." + gap, "missing tensor (data points are numbered 0..N-1 without gaps; found index " + indices.lastKey() + ")" + missingNote);
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
    DecimalMatrix y = matrix("Y." + i).orElseThrow(() -> new InputException(source, "Y." + i, "missing tensor" + missingNote));
    boolean cross = xq.isPresent() || xk.isPresent() || xv.isPresent();
    if (x.isPresent() && cross) {
      throw new InputException(r.sourceOf("X." + i, source), "X." + i, "mixes X." + i + " with XQ/XK/XV." + i + " (give X for self-attention, or XQ, XK and XV)");
    }
    if (!cross && x.isEmpty()) {
      throw new InputException(source, "X." + i, "missing tensor (give X." + i + ", or XQ." + i + ", XK." + i + " and XV." + i + ")" + missingNote);
    }
    if (cross) {
      String[] names = {"XQ", "XK", "XV"};
      List<Optional<DecimalMatrix>> given = List.of(xq, xk, xv);
      for (int k = 0; k < 3; k++) {
        if (given.get(k).isEmpty()) {
          throw new InputException(source, names[k] + "." + i, "missing tensor (cross-attention needs XQ, XK and XV)" + missingNote);
        }
      }
    }
    try {
      return cross ? DataPoint.cross(xq.get(), xk.get(), xv.get(), y) : DataPoint.self(x.get(), y);
    } catch (IllegalArgumentException e) {
      Matcher m = MODEL_MESSAGE.matcher(e.getMessage());
      if (m.matches() && m.group(1).matches("XQ|XK|XV|Y")) {
        String field = !cross && !m.group(1).equals("Y") ? "X" : m.group(1);
        throw new InputException(r.sourceOf(field + "." + i, source), field + "." + i, m.group(2), e);
      }
      throw new InputException(r.sourceOf("Y." + i, source), "Y." + i, e.getMessage(), e);
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
        return new InputException(r.sourceOf(field + "." + i, source), field + "." + i, m.group(2) + note, e);
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
    return t == null ? Optional.empty() : Optional.of(matrix(source, r, name, t));
  }

  /** {@code t} as an exact decimal matrix; it must have rank 2. */
  private static DecimalMatrix matrix(String source, Renamed r, String name, Tensor t) {
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
}
