package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.CandidateMatrix;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * float16 and bfloat16 in tensor files (spec/FORMATS.md Section 4.1; issue 13 item 4): every bit
 * pattern decoded exactly, checked against an independent decoder written with BigDecimal
 * arithmetic ({@code m * 2^e}, no double arithmetic and no shared code with {@link StoredFloat}),
 * and against files torch and numpy wrote (src/test/python/make_peft_fixtures.py).
 */
class HalfPrecisionExamples {
  /** What a 16-bit pattern means: a finite exact value (with the sign of a zero), an infinity or NaN. */
  record Meaning(BigDecimal value, boolean negative, boolean infinite, boolean nan) {}

  /**
   * The value of the 16-bit pattern {@code bits} of a binary format with {@code exponentBits}
   * exponent bits and {@code 15 - exponentBits} fraction bits (IEEE 754 interchange layout, bias
   * {@code 2^(exponentBits-1) - 1}), as an exact decimal: {@code f * 2^(1 - bias - fb)} when the
   * exponent field is 0, {@code (2^fb + f) * 2^(e - bias - fb)} otherwise.
   */
  static Meaning independent(int bits, int exponentBits) {
    int fractionBits = 15 - exponentBits;
    int bias = (1 << (exponentBits - 1)) - 1;
    boolean negative = (bits & 0x8000) != 0;
    int e = (bits >> fractionBits) & ((1 << exponentBits) - 1);
    int f = bits & ((1 << fractionBits) - 1);
    if (e == (1 << exponentBits) - 1) {
      return new Meaning(null, negative, f == 0, f != 0);
    }
    BigInteger m = e == 0 ? BigInteger.valueOf(f) : BigInteger.ONE.shiftLeft(fractionBits).add(BigInteger.valueOf(f));
    int power = (e == 0 ? 1 : e) - bias - fractionBits;
    BigDecimal v = power >= 0
        ? new BigDecimal(m.shiftLeft(power))
        // m / 2^k = m * 5^k / 10^k, exact
        : new BigDecimal(m.multiply(BigInteger.valueOf(5).pow(-power)), -power);
    return new Meaning(negative ? v.negate() : v, negative, false, false);
  }

  static final int FLOAT16_EXPONENT_BITS = 5;
  static final int BFLOAT16_EXPONENT_BITS = 8;

  /** {@code got} is what {@code bits} means, exactly; a zero's sign included. */
  static void assertDecodes(double got, Meaning want, String what) {
    if (want.nan()) {
      assertThat(Double.isNaN(got)).as(what).isTrue();
    } else if (want.infinite()) {
      assertThat(got).as(what).isEqualTo(want.negative() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
    } else {
      assertThat(Double.isFinite(got)).as(what).isTrue();
      assertThat(new BigDecimal(got).compareTo(want.value())).as(what + ": " + got + " vs " + want.value()).isZero();
      assertThat(Math.copySign(1.0, got) < 0).as(what + " sign").isEqualTo(want.negative());
    }
  }

  @Test
  void everyFloat16PatternDecodesExactly() {
    int subnormals = 0;
    int nans = 0;
    for (int bits = 0; bits < 1 << 16; bits++) {
      Meaning want = independent(bits, FLOAT16_EXPONENT_BITS);
      assertDecodes(StoredFloat.float16(bits), want, "float16 0x" + Integer.toHexString(bits));
      subnormals += want.value() != null && (bits & 0x7c00) == 0 && (bits & 0x3ff) != 0 ? 1 : 0;
      nans += want.nan() ? 1 : 0;
    }
    // the decoder of the test is not vacuous: 2 x 1023 subnormals, 2 x 1023 NaNs
    assertThat(subnormals).isEqualTo(2 * 1023);
    assertThat(nans).isEqualTo(2 * 1023);
    assertThat(StoredFloat.float16(0x7bff)).isEqualTo(65504.0);
    assertThat(StoredFloat.float16(0x0001)).isEqualTo(0x1p-24);
    assertThat(StoredFloat.float16(0x3555)).isEqualTo(0x1.554p-2);
    assertThat(Double.doubleToRawLongBits(StoredFloat.float16(0x8000))).isEqualTo(Double.doubleToRawLongBits(-0.0));
  }

  @Test
  void everyBfloat16PatternDecodesExactly() {
    for (int bits = 0; bits < 1 << 16; bits++) {
      assertDecodes(StoredFloat.bfloat16(bits), independent(bits, BFLOAT16_EXPONENT_BITS), "bfloat16 0x" + Integer.toHexString(bits));
    }
    assertThat(StoredFloat.bfloat16(0x0001)).isEqualTo(0x1p-133);
    assertThat(StoredFloat.bfloat16(0x7f7f)).isEqualTo(0x1.fep127);
    assertThat(StoredFloat.bfloat16(0x3dcd)).isEqualTo(0x1.9ap-4);
  }

  /** torch's own float64 conversion of the same float16 and bfloat16 tensors, bit for bit. */
  @Test
  void readsTheHalfTensorsTorchWrote() throws Exception {
    Safetensors.Contents c = Safetensors.read("half-patterns.safetensors", TensorFilesExamples.resource("half-patterns.safetensors"));
    assertThat(c.metadata()).containsEntry("format", "pt");
    for (String name : new String[] {"f16", "bf16", "f16_rounded", "bf16_rounded"}) {
      double[] got = c.tensors().get(name).values();
      double[] torch = c.tensors().get(name + "_as_f64").values();
      assertThat(got).as(name).hasSize(torch.length);
      for (int i = 0; i < got.length; i++) {
        // doubleToLongBits: -0.0 differs from 0.0, every NaN is one NaN
        assertThat(Double.doubleToLongBits(got[i])).as("%s[%d] = %s, torch %s", name, i, got[i], torch[i])
            .isEqualTo(Double.doubleToLongBits(torch[i]));
      }
    }
    // 0.1 rounded to float16 by torch is 1638 * 2^-14 = 0.0999755859375
    assertThat(new BigDecimal(c.tensors().get("f16_rounded").values()[0])).isEqualByComparingTo("0.0999755859375");
    assertThat(c.tensors().get("f16").values().length).isGreaterThan(4000);
  }

  /** numpy's '<f2' and a big-endian '>f2' in Fortran order: pattern 7 k at C-order position k. */
  @Test
  void readsTheFloat16ArraysNumpyWrote() throws Exception {
    for (String file : new String[] {"half.npy", "half-big-endian-fortran.npy"}) {
      Tensor t = Npy.read(file, "h", TensorFilesExamples.resource(file), new TensorLimits.Budget());
      assertThat(t.shape()).as(file).containsExactly(2, 4680);
      for (int k = 0; k < t.values().length; k++) {
        assertDecodes(t.values()[k], independent(7 * k, FLOAT16_EXPONENT_BITS), file + "[" + k + "]");
      }
    }
  }

  /** One header entry of a hand-made safetensors file and its little-endian bytes. */
  record Raw(String name, String dtype, int[] shape, byte[] data) {}

  static Raw halves(String name, String dtype, int rows, int... bits) {
    ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : bits) {
      b.putShort((short) x);
    }
    return new Raw(name, dtype, new int[] {rows, bits.length / rows}, b.array());
  }

  static Raw doubles(String name, double[][] m) {
    Tensor t = Tensor.matrix(name, m);
    return new Raw(name, "F64", t.shape(), Npy.littleEndianDoubles(t.values()));
  }

  static byte[] safetensors(List<Raw> entries) {
    StringBuilder h = new StringBuilder("{");
    long at = 0;
    for (Raw r : entries) {
      h.append(h.length() > 1 ? "," : "").append('"').append(r.name()).append("\":{\"dtype\":\"").append(r.dtype())
          .append("\",\"shape\":[").append(r.shape()[0]).append(',').append(r.shape()[1]).append("],\"data_offsets\":[")
          .append(at).append(',').append(at + r.data().length).append("]}");
      at += r.data().length;
    }
    byte[] json = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
    out.writeBytes(json);
    for (Raw r : entries) {
      out.writeBytes(r.data());
    }
    return out.toByteArray();
  }

  static final int F16_ONE = 0x3c00;
  static final int F16_INFINITY = 0x7c00;
  static final int F16_NAN = 0x7e00;
  static final int BF16_ONE = 0x3f80;
  static final int BF16_MINUS_INFINITY = 0xff80;
  static final int BF16_NAN = 0x7fc1;

  /** A non-finite half in an instance is refused as a float32 one is: tensor and index named. */
  @Test
  void aNonFiniteHalfInAnInstanceIsRefusedNamingTensorAndIndex() {
    List<Raw> t = new ArrayList<>();
    for (String w : new String[] {"W_Q", "W_K", "W_V"}) {
      t.add(halves(w, "F16", 2, F16_ONE, 0, 0, F16_ONE));
    }
    t.add(halves("X.0", "BF16", 1, BF16_ONE, 0x8000));
    t.add(halves("Y.0", "F16", 1, 0x0001, 0x8000));
    var inst = TensorFiles.readInstance("i.safetensors", safetensors(t), TensorFiles.Format.SAFETENSORS, TensorLayout.OURS);
    assertThat(inst.data().get(0).y().get(0, 0)).isEqualByComparingTo(new BigDecimal(0x1p-24));
    t.set(4, halves("Y.0", "F16", 1, 0x0001, F16_INFINITY));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.safetensors", safetensors(t), TensorFiles.Format.SAFETENSORS, TensorLayout.OURS))
        .isInstanceOf(InputException.class)
        .hasMessage("i.safetensors: Y.0: non-finite value (Infinity) at [0][1]");
    t.set(4, halves("Y.0", "F16", 1, 0x0001, 0));
    t.set(3, halves("X.0", "BF16", 1, BF16_NAN, 0));
    assertThatThrownBy(() -> TensorFiles.readInstance("i.safetensors", safetensors(t), TensorFiles.Format.SAFETENSORS, TensorLayout.OURS))
        .hasMessage("i.safetensors: X.0: non-finite value (NaN) at [0][0]");
  }

  /** In a candidate gradient, half NaN and infinities are kept and counted, as for float32. */
  @Test
  void nonFiniteHalvesInACandidateAreKept() {
    List<Raw> t = List.of(
        halves("grad_A_Q", "F16", 1, F16_NAN, F16_ONE, 0xfc00),
        halves("grad_B_Q", "BF16", 3, BF16_MINUS_INFINITY, BF16_ONE, 0x0001),
        doubles("loss", new double[][] {{0.5}}));
    GradientFile g = TensorFiles.readGradient("c.safetensors", safetensors(t), TensorFiles.Format.SAFETENSORS, TensorLayout.OURS);
    CandidateMatrix a = g.gradients().get(Adapter.Q).a();
    assertThat(a.nonFiniteCount().toString()).isEqualTo("2 non-finite (1 NaN, 1 -Inf)");
    assertThat(a.get(0, 1)).isEqualByComparingTo("1");
    CandidateMatrix b = g.gradients().get(Adapter.Q).b();
    assertThat(b.nonFinite(0, 0)).contains(CandidateMatrix.NonFinite.NEGATIVE_INFINITY);
    assertThat(b.get(2, 0)).isEqualByComparingTo(new BigDecimal(0x1p-133));
  }

  @Test
  void otherDtypesAreStillRefused() {
    Raw eight = new Raw("W_Q", "F8_E4M3", new int[] {1, 1}, new byte[1]);
    assertThatThrownBy(() -> Safetensors.read("x.safetensors", safetensors(List.of(eight))))
        .hasMessage("x.safetensors: W_Q: dtype \"F8_E4M3\" not supported (expected F64, F32, F16 or BF16)");
    Raw wrongSize = new Raw("W_Q", "F16", new int[] {1, 2}, new byte[8]);
    assertThatThrownBy(() -> Safetensors.read("x.safetensors", safetensors(List.of(wrongSize))))
        .hasMessage("x.safetensors: W_Q: data_offsets [0, 8] hold 8 bytes, shape (1, 2) of F16 needs 4");
    byte[] bf16Npy = Npy.withHeader("{'descr': '<V2', 'fortran_order': False, 'shape': (1,), }", 1, new byte[2]);
    assertThatThrownBy(() -> Npy.read("b.npy", "b", bf16Npy, new TensorLimits.Budget()))
        .hasMessage("b.npy: b: dtype '<V2' not supported (expected '<f8', '>f8', '<f4', '>f4', '<f2' or '>f2': float64, float32 or float16)");
  }
}
