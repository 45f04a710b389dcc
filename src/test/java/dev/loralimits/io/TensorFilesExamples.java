package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tensor files (spec/FORMATS.md Section 4): exact conversion, numpy interop, round trips, refusals. */
class TensorFilesExamples {
  @TempDir Path dir;

  static final String EXAMPLE =
      "{ \"format\": \"lora-attention-instance/1\", \"alpha\": 4, \"beta\": 1,"
          + " \"weights\": { \"Q\": {\"W\": [[1, 0], [0, 1]], \"A\": [[0.5, 0.25]], \"B\": [[1], [2]]},"
          + " \"K\": {\"W\": [[1, 2], [3, 4]]},"
          + " \"V\": {\"W\": [[1, 0], [0, 1]], \"A\": [[1, 1]], \"B\": [[0], [-0.1]]} },"
          + " \"data\": [ {\"X\": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], \"Y\": [[0, 0], [0, 0], [0, 0]]},"
          + " {\"XQ\": [[1, 1]], \"XK\": [[1, 0], [0, 1]], \"XV\": [[2, 3], [4, 5]], \"Y\": [[1, 2]]} ] }";

  static LoraInstance example() {
    return InstanceJson.parse("example.json", EXAMPLE);
  }

  static byte[] resource(String name) throws Exception {
    try (InputStream in = TensorFilesExamples.class.getResourceAsStream("/dev/loralimits/io/" + name)) {
      return in.readAllBytes();
    }
  }

  /** {@code inst} with every number replaced by its nearest double, exactly. */

  static LoraInstance roundAllForTests(LoraInstance inst) {
    return roundAll(inst);
  }

  private static LoraInstance roundAll(LoraInstance inst) {
    Map<Adapter, Projection> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      Projection p = inst.projection(mu);
      w.put(mu, p.isAdapted() ? Projection.adapted(round(p.frozen()), round(p.a()), round(p.b())) : Projection.frozen(round(p.frozen())));
    }
    var data = inst.data().stream().map(d -> d.selfAttention()
        ? dev.loralimits.model.DataPoint.self(round(d.xq()), round(d.y()))
        : dev.loralimits.model.DataPoint.cross(round(d.xq()), round(d.xk()), round(d.xv()), round(d.y()))).toList();
    return new LoraInstance(new BigDecimal(inst.alpha().doubleValue()), new BigDecimal(inst.beta().doubleValue()), w, data);
  }

  static DecimalMatrix round(DecimalMatrix m) {
    return DecimalMatrix.ofDoubles("m", m.toDoubles());
  }

  static void assertSameInstance(LoraInstance a, LoraInstance b) {
    assertThat(InstanceJson.write(a)).isEqualTo(InstanceJson.write(b));
  }

  @Test
  void float64PointOneBecomesItsExactBinaryValue() throws Exception {
    Path f = dir.resolve("x.npz");
    TensorFiles.writeInstance(example(), f, TensorLayout.OURS);
    LoraInstance back = TensorFiles.readInstance(f);
    assertThat(back.data().get(0).xq().get(0, 0))
        .isEqualByComparingTo("0.1000000000000000055511151231257827021181583404541015625");
    assertThat(back.data().get(0).xq().get(0, 0).toPlainString())
        .isEqualTo("0.1000000000000000055511151231257827021181583404541015625");
    // The float32 weight of the numpy fixture widens exactly: 1 stays 1.
    LoraInstance np = TensorFiles.readInstance("numpy-instance.npz", resource("numpy-instance.npz"), TensorFiles.Format.NPZ, TensorLayout.OURS);
    assertThat(np.projection(Adapter.V).b().get(1, 0)).isEqualByComparingTo(new BigDecimal(-0.1));
  }

  @Test
  void readsWhatNumpyWrites() throws Exception {
    LoraInstance expected = roundAll(new LoraInstance(example().alpha(), example().beta(), example().weights(), example().data().subList(0, 1)));
    for (String name : new String[] {"numpy-instance.npz", "numpy-instance-compressed.npz"}) {
      LoraInstance got = TensorFiles.readInstance(name, resource(name), TensorFiles.Format.NPZ, TensorLayout.OURS);
      assertSameInstance(got, expected);
    }
    Tensor be = Npy.read("big-endian.npy", "a", resource("big-endian.npy"), new TensorLimits.Budget());
    assertThat(be.values()).containsExactly(1.5, -2.0);
    assertThat(be.shape()).containsExactly(1, 2);
    // issue 13: np.save(np.asfortranarray(np.arange(6.0).reshape(2, 3))) (what x.T saves as) reads as
    // the matrix it is, not refused; the file stores 0 3 1 4 2 5 column by column
    Tensor fortran = Npy.read("fortran.npy", "a", resource("fortran.npy"), new TensorLimits.Budget());
    assertThat(fortran.shape()).containsExactly(2, 3);
    assertThat(fortran.values()).containsExactly(0, 1, 2, 3, 4, 5);
    assertThatThrownBy(() -> Npy.read("int64.npy", "a", resource("int64.npy"), new TensorLimits.Budget()))
        .isInstanceOf(InputException.class).hasMessageContaining("int64.npy: a: dtype '<i8' not supported");
  }

  @Test
  void instanceRoundTripsInBothFormatsAndLayouts() throws Exception {
    LoraInstance expected = roundAll(example());
    for (TensorFiles.Format f : new TensorFiles.Format[] {TensorFiles.Format.NPZ, TensorFiles.Format.SAFETENSORS}) {
      for (TensorLayout l : TensorLayout.values()) {
        byte[] b = TensorFiles.instanceBytes(example(), f, l);
        LoraInstance back = TensorFiles.readInstance("f", b, f, l);
        assertSameInstance(back, expected);
        assertThat(TensorFiles.instanceBytes(back, f, l)).isEqualTo(b);
      }
    }
  }

  @Test
  void gradientRoundTripsWithAndWithoutLoss() throws Exception {
    Map<Adapter, AdapterGradient> g = new EnumMap<>(Adapter.class);
    g.put(Adapter.Q, new AdapterGradient(DecimalMatrix.ofDoubles("a", new double[][] {{0.1, -2}}), DecimalMatrix.ofDoubles("b", new double[][] {{3}, {1e-300}})));
    g.put(Adapter.V, new AdapterGradient(DecimalMatrix.ofDoubles("a", new double[][] {{5, 6}}), DecimalMatrix.ofDoubles("b", new double[][] {{7}, {8}})));
    GradientResult r = new GradientResult("exact", 17, new BigDecimal(0.75), g);
    for (TensorFiles.Format f : new TensorFiles.Format[] {TensorFiles.Format.NPZ, TensorFiles.Format.SAFETENSORS}) {
      for (TensorLayout l : TensorLayout.values()) {
        Path p = dir.resolve("g-" + l + f.extension());
        TensorFiles.writeGradient(r, p, l);
        GradientFile back = TensorFiles.readGradient(p, l);
        assertThat(back.finiteLoss()).contains(new BigDecimal(0.75));
        assertThat(back.finiteGradients()).isEqualTo(g);
        assertThat(back.method()).isEqualTo(f == TensorFiles.Format.SAFETENSORS ? "exact" : GradientFile.UNNAMED);
      }
    }
    // Without loss (written by hand, our layout).
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("grad_A_Q", Tensor.matrix("grad_A_Q", new double[][] {{1, 2}}));
    t.put("grad_B_Q", Tensor.matrix("grad_B_Q", new double[][] {{3}, {4}}));
    GradientFile noLoss = TensorFiles.readGradient("n.npz", Npz.write(t), TensorFiles.Format.NPZ, TensorLayout.OURS);
    assertThat(noLoss.loss()).isEmpty();
    assertThat(noLoss.gradients().keySet()).containsExactly(Adapter.Q);
  }

  /**
   * A broken implementation's NaN and infinities in a candidate tensor file are kept and counted
   * (check fails the candidate, exit 1), in .npz and .safetensors, in both layouts, the loss too;
   * an instance file with the same payloads stays refused (below).
   */
  @Test
  void nonFiniteCandidatePayloadsAreKeptAndCounted() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("loss", Tensor.scalar("loss", Double.NaN));
    t.put("grad_A_Q", Tensor.matrix("grad_A_Q", new double[][] {{Double.NaN, 0.5, Double.POSITIVE_INFINITY}}));
    t.put("grad_B_Q", Tensor.matrix("grad_B_Q", new double[][] {{Double.NEGATIVE_INFINITY}, {Double.longBitsToDouble(0x7ff0000000000001L)}}));
    for (TensorFiles.Format f : new TensorFiles.Format[] {TensorFiles.Format.NPZ, TensorFiles.Format.SAFETENSORS}) {
      byte[] b = f == TensorFiles.Format.NPZ ? Npz.write(t) : Safetensors.write(t, Map.of());
      GradientFile g = TensorFiles.readGradient("c" + f.extension(), b, f, TensorLayout.OURS);
      var a = g.gradients().get(Adapter.Q).a();
      assertThat(a.nonFiniteCount().toString()).as("%s", f).isEqualTo("2 non-finite (1 NaN, 1 +Inf)");
      assertThat(a.get(0, 1)).isEqualTo(new BigDecimal("0.5"));
      // A signalling NaN payload is a NaN as well.
      assertThat(g.gradients().get(Adapter.Q).b().nonFiniteCount()).isEqualTo(new dev.loralimits.model.CandidateMatrix.NonFiniteCount(1, 0, 1));
      assertThat(g.loss().orElseThrow().nonFiniteCount().nan()).isEqualTo(1);
    }
    // PEFT layout: lora_B.weight.grad is our grad_A transposed; the kinds follow their entries.
    Map<String, Tensor> p = new LinkedHashMap<>();
    p.put("q_proj.lora_A.weight.grad", Tensor.matrix("q_proj.lora_A.weight.grad", new double[][] {{1, 2}}));
    p.put("q_proj.lora_B.weight.grad", Tensor.matrix("q_proj.lora_B.weight.grad", new double[][] {{3}, {Double.NEGATIVE_INFINITY}, {5}}));
    GradientFile g = TensorFiles.readGradient("p.safetensors", Safetensors.write(p, Map.of()), TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT);
    var a = g.gradients().get(Adapter.Q).a();
    assertThat(a.shape()).isEqualTo("1x3");
    assertThat(a.nonFinite(0, 1)).contains(dev.loralimits.model.CandidateMatrix.NonFinite.NEGATIVE_INFINITY);
    assertThat(a.get(0, 2)).isEqualTo(new BigDecimal(5));
    assertThat(g.loss()).isEmpty();
  }

  @Test
  void candidateFactorsOfDifferentRanksAreLeftToTheComparison() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("grad_A_Q", Tensor.matrix("grad_A_Q", new double[][] {{1, 2}, {3, 4}}));
    t.put("grad_B_Q", Tensor.matrix("grad_B_Q", new double[][] {{3}, {4}}));
    GradientFile g = TensorFiles.readGradient("r.npz", Npz.write(t), TensorFiles.Format.NPZ, TensorLayout.OURS);
    assertThat(g.gradients().get(Adapter.Q).a().shape()).isEqualTo("2x2");
    assertThat(g.gradients().get(Adapter.Q).b().shape()).isEqualTo("2x1");
  }

  @Test
  void refusalsNameFileTensorAndRule() throws Exception {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("W_Q", Tensor.matrix("W_Q", new double[][] {{1, 0}, {0, 1}}));
    t.put("W_K", Tensor.matrix("W_K", new double[][] {{1, 0}, {0, 1}}));
    t.put("W_V", Tensor.matrix("W_V", new double[][] {{1, 0}, {0, 1}}));
    t.put("X.0", Tensor.matrix("X.0", new double[][] {{1, 0}}));
    t.put("Y.0", Tensor.matrix("Y.0", new double[][] {{1, 0, 0}}));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.npz", Npz.write(t), TensorFiles.Format.NPZ, TensorLayout.OURS))
        .hasMessage("i.npz: Y.0: has 3 columns, expected 2 (Y has the width of X^V W_V)");
    t.put("Y.0", Tensor.matrix("Y.0", new double[][] {{1, Double.NaN}}));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.safetensors", Safetensors.write(t, Map.of()), TensorFiles.Format.SAFETENSORS, TensorLayout.OURS))
        .hasMessage("i.safetensors: Y.0: non-finite value (NaN) at [0][1]");
    t.put("Y.0", Tensor.matrix("Y.0", new double[][] {{1, 0}}));
    t.put("Y.2", Tensor.matrix("Y.2", new double[][] {{1, 0}}));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.npz", Npz.write(t), TensorFiles.Format.NPZ, TensorLayout.OURS))
        .hasMessage("i.npz: Y.1: missing tensor (data points are numbered 0..N-1 without gaps; found index 2)");
    t.remove("Y.2");
    t.put("W_K2", Tensor.matrix("W_K2", new double[][] {{1}}));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.npz", Npz.write(t), TensorFiles.Format.NPZ, TensorLayout.OURS))
        .hasMessageStartingWith("i.npz: W_K2: unknown tensor");
    t.remove("W_K2");
    // issue 10: a PEFT-length name is shown whole (it was cut at 40 characters, losing its suffix)
    String peftName = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
    t.put(peftName, Tensor.matrix(peftName, new double[][] {{1}}));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.npz", Npz.write(t), TensorFiles.Format.NPZ, TensorLayout.OURS))
        .hasMessageStartingWith("i.npz: " + peftName + ": unknown tensor");
    t.remove(peftName);
    // issue 13: names are never cut, whatever their length (FORMATS 4.3); junk that is not a name is
    String longer = "a".repeat(100) + "_middle_" + "z".repeat(99) + ".tail";
    t.put(longer, Tensor.matrix(longer, new double[][] {{1}}));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.npz", Npz.write(t), TensorFiles.Format.NPZ, TensorLayout.OURS))
        .hasMessageStartingWith("i.npz: " + longer + ": unknown tensor");
    String junkDtype = "{\"W_Q\":{\"dtype\":\"" + "x".repeat(100) + "y".repeat(100) + "\",\"shape\":[1],\"data_offsets\":[0,8]}}";
    byte[] junkHeader = junkDtype.getBytes(StandardCharsets.US_ASCII);
    byte[] junkFile = new byte[8 + junkHeader.length + 8];
    junkFile[0] = (byte) junkHeader.length;
    junkFile[1] = (byte) (junkHeader.length >> 8);
    System.arraycopy(junkHeader, 0, junkFile, 8, junkHeader.length);
    assertThatThrownBy(() -> TensorFiles.readInstance("j.safetensors", junkFile, TensorFiles.Format.SAFETENSORS, TensorLayout.OURS))
        .hasMessage("j.safetensors: W_Q: dtype \"" + "x".repeat(70) + "..." + "y".repeat(70) + "\" not supported (expected F64, F32, F16 or BF16)");
    t.remove(longer);
    t.put("A_Q", Tensor.matrix("A_Q", new double[][] {{1, 1}}));
    t.put("B_Q", Tensor.matrix("B_Q", new double[][] {{1}, {1}}));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.npz", Npz.write(t), TensorFiles.Format.NPZ, TensorLayout.OURS))
        .hasMessage("i.npz: alpha: missing tensor (required when an adapter A, B is given)");
    // A safetensors header that declares a shape of 2^40 elements.
    String header = "{\"W_Q\":{\"dtype\":\"F64\",\"shape\":[1099511627776,1],\"data_offsets\":[0,8]}}";
    byte[] h = header.getBytes(StandardCharsets.US_ASCII);
    byte[] file = new byte[8 + h.length + 8];
    file[0] = (byte) h.length;
    System.arraycopy(h, 0, file, 8, h.length);
    assertThatThrownBy(() -> TensorFiles.readInstance("h.safetensors", file, TensorFiles.Format.SAFETENSORS, TensorLayout.OURS))
        .hasMessage("h.safetensors: W_Q: shape: dimension 1099511627776 exceeds the limit of 67108864 elements (2^26)");
    // PEFT names read as ours, ours read as PEFT.
    byte[] peft = TensorFiles.instanceBytes(example(), TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT);
    assertThatThrownBy(() -> TensorFiles.readInstance("p.safetensors", peft, TensorFiles.Format.SAFETENSORS, TensorLayout.OURS))
        .hasMessage("p.safetensors: __metadata__.layout: the file says layout \"peft\", read as ours (give --layout peft)");
    byte[] ours = TensorFiles.instanceBytes(example(), TensorFiles.Format.NPZ, TensorLayout.OURS);
    assertThatThrownBy(() -> TensorFiles.readInstance("o.npz", ours, TensorFiles.Format.NPZ, TensorLayout.PEFT))
        .hasMessage("o.npz: W_Q: a weight name of layout ours in a file read as layout peft (give --layout ours)");
    assertThatThrownBy(() -> TensorFiles.readInstance(dir.resolve("x.npy")))
        .hasMessage(dir.resolve("x.npy") + ": (file): not found");
    Files.write(dir.resolve("x.npy"), resource("big-endian.npy"));
    assertThatThrownBy(() -> TensorFiles.readInstance(dir.resolve("x.npy")))
        .hasMessageEndingWith("(file): a .npy file holds one array; an instance needs several: use .npz or .safetensors");
  }

  /**
   * Issue 13: safetensors files as PyTorch (and so PEFT's save_pretrained) write them carry
   * {@code {"format": "pt"}}; that and the other framework tags read as no format (FORMATS 4.1),
   * while another file format is still refused.
   */
  @Test
  void frameworkFormatTagsInTheMetadataAreNoFormat() {
    byte[] ours = TensorFiles.instanceBytes(example(), TensorFiles.Format.SAFETENSORS, TensorLayout.OURS);
    Safetensors.Contents c = Safetensors.read("i.safetensors", ours);
    LoraInstance expected = TensorFiles.readInstance("i.safetensors", ours, TensorFiles.Format.SAFETENSORS, TensorLayout.OURS);
    for (String tag : new String[] {"pt", "tf", "flax", "np", "mlx"}) {
      byte[] tagged = Safetensors.write(c.tensors(), java.util.Map.of("format", tag));
      assertThat(TensorFiles.readInstance("i.safetensors", tagged, TensorFiles.Format.SAFETENSORS, TensorLayout.OURS))
          .as(tag)
          .isEqualTo(expected);
    }
    byte[] other = Safetensors.write(c.tensors(), java.util.Map.of("format", "lora-attention-gradient/1"));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.safetensors", other, TensorFiles.Format.SAFETENSORS, TensorLayout.OURS))
        .hasMessage("i.safetensors: __metadata__.format: expected \"lora-attention-instance/1\", got \"lora-attention-gradient/1\"");
    byte[] pytorch = Safetensors.write(c.tensors(), java.util.Map.of("format", "PT"));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.safetensors", pytorch, TensorFiles.Format.SAFETENSORS, TensorLayout.OURS))
        .as("tags are exact, lower case as the writers put them")
        .hasMessageContaining("got \"PT\"");
  }

  /**
   * Issue 13: an .npz whose matrices numpy saved in Fortran order (np.savez of transposes) reads
   * as the same instance as the C-ordered file; a 1 x 1 and a row vector are the same either way.
   */
  @Test
  void anNpzOfFortranOrderedArraysReadsAsTheSameInstance() {
    byte[] c = TensorFiles.instanceBytes(example(), TensorFiles.Format.NPZ, TensorLayout.OURS);
    Map<String, Tensor> tensors = Npz.read("c.npz", c);
    Map<String, byte[]> fortranEntries = new java.util.LinkedHashMap<>();
    for (Tensor t : tensors.values()) {
      fortranEntries.put(t.name(), fortranNpy(t));
    }
    byte[] f = zip(fortranEntries);
    assertThat(TensorFiles.readInstance("f.npz", f, TensorFiles.Format.NPZ, TensorLayout.OURS))
        .isEqualTo(TensorFiles.readInstance("c.npz", c, TensorFiles.Format.NPZ, TensorLayout.OURS));
  }

  /** {@code t} as a version 1.0 '<f8' .npy with fortran_order True: its values column by column. */
  private static byte[] fortranNpy(Tensor t) {
    int[] sh = t.shape();
    int rows = sh.length == 2 ? sh[0] : 1;
    int cols = sh.length == 2 ? sh[1] : t.values().length;
    String shape = sh.length == 0 ? "()" : sh.length == 1 ? "(" + sh[0] + ",)" : "(" + sh[0] + ", " + sh[1] + ")";
    StringBuilder dict = new StringBuilder("{'descr': '<f8', 'fortran_order': True, 'shape': " + shape + ", }");
    while ((10 + dict.length() + 1) % 64 != 0) {
      dict.append(' ');
    }
    dict.append('\n');
    byte[] h = dict.toString().getBytes(StandardCharsets.US_ASCII);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + h.length + 8 * t.values().length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    b.putShort((short) h.length);
    b.put(h);
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        b.putDouble(t.values()[i * cols + j]);
      }
    }
    return b.array();
  }

  private static byte[] zip(Map<String, byte[]> entries) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        z.putNextEntry(new java.util.zip.ZipEntry(e.getKey() + ".npy"));
        z.write(e.getValue());
        z.closeEntry();
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Issue 13: under --layout peft a missing tensor is named as PEFT names it, not by our name. */
  @Test
  void missingTensorsOfAPeftFileHaveTheirPeftNames() {
    Safetensors.Contents c = Safetensors.read(
        "p.safetensors", TensorFiles.instanceBytes(example(), TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT));
    String w = c.tensors().keySet().stream().filter(n -> n.endsWith("k_proj.weight")).findFirst().orElseThrow();
    Map<String, Tensor> noW = new LinkedHashMap<>(c.tensors());
    noW.remove(w);
    assertThatThrownBy(() -> TensorFiles.readInstance(
            "p.safetensors", Safetensors.write(noW, c.metadata()), TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT))
        .hasMessage("p.safetensors: k_proj.weight: missing tensor");
    String loraB = c.tensors().keySet().stream().filter(n -> n.contains("q_proj.lora_B")).findFirst().orElseThrow();
    Map<String, Tensor> noB = new LinkedHashMap<>(c.tensors());
    noB.remove(loraB);
    assertThatThrownBy(() -> TensorFiles.readInstance(
            "p.safetensors", Safetensors.write(noB, c.metadata()), TensorFiles.Format.SAFETENSORS, TensorLayout.PEFT))
        .hasMessageContaining("given without q_proj.lora_B.weight (an adapter needs both A and B)");
  }
}
