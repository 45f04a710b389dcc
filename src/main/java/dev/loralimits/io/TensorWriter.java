package dev.loralimits.io;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes instances and gradients as float64 tensor files ({@code .npz} or {@code .safetensors},
 * spec/FORMATS.md Section 4), in our layout or PEFT's, each decimal stored as its nearest double.
 */
final class TensorWriter {
  private TensorWriter() {}

  /**
   * Writes {@code instance} to {@code file} in the tensor format of its extension ({@code .npz} or
   * {@code .safetensors}), float64, in {@code layout}. Each decimal is stored as its nearest double.
   *
   * @throws IllegalArgumentException when the extension is not a writable tensor format or a value
   *     is outside the double range
   * @throws IOException when the file cannot be written
   */
  static void writeInstance(LoraInstance instance, Path file, TensorLayout layout) throws IOException {
    Files.write(file, instanceBytes(instance, writable(file), layout));
  }

  /** As {@link #writeInstance(LoraInstance, Path, TensorLayout)}, to bytes. */
  static byte[] instanceBytes(LoraInstance instance, TensorFiles.Format format, TensorLayout layout) {
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
  static void writeGradient(GradientResult result, Path file, TensorLayout layout) throws IOException {
    Files.write(file, gradientBytes(result, writable(file), layout));
  }

  /** As {@link #writeGradient(GradientResult, Path, TensorLayout)}, to bytes. */
  static byte[] gradientBytes(GradientResult result, TensorFiles.Format format, TensorLayout layout) {
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

  private static TensorFiles.Format writable(Path file) {
    TensorFiles.Format f = TensorFiles.Format.of(file);
    if (f != TensorFiles.Format.NPZ && f != TensorFiles.Format.SAFETENSORS) {
      throw new IllegalArgumentException(file + ": tensor files are written as .npz or .safetensors");
    }
    return f;
  }

  private static byte[] encode(Map<String, Tensor> t, TensorFiles.Format format, String kind, TensorLayout layout, String method) {
    return switch (format) {
      case NPZ -> Npz.write(t);
      case SAFETENSORS -> {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(TensorFiles.META_FORMAT, kind);
        meta.put(TensorFiles.META_LAYOUT, layout.optionName());
        if (method != null) {
          meta.put(TensorFiles.META_METHOD, method);
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
    double[][] wide = m.isWide() ? m.toDoubles() : null;
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        v[i * m.cols() + j] = m.isWide() ? wideToDouble(name, m, wide, i, j) : toDouble(name, m.get(i, j));
      }
    }
    return new Tensor(name, new int[] {m.rows(), m.cols()}, v);
  }

  /**
   * The nearest double to a wide matrix's entry: a signed 0 below the double range (power of ten
   * below 0), a refusal above it, as for {@link #toDouble}.
   */
  private static double wideToDouble(String name, DecimalMatrix m, double[][] nearest, int i, int j) {
    double d = nearest[i][j];
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException(
          name + " (" + m.mantissa(i, j) + "e" + m.powerOfTen() + ") is outside the double range of a float64 tensor file");
    }
    return d;
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
