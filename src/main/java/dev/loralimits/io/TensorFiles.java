package dev.loralimits.io;

import dev.loralimits.model.Checks;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Instances and gradients in tensor files: NumPy {@code .npz} and safetensors, float64, float32,
 * float16 or bfloat16
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
 *
 * <p>This class is the facade: it chooses the format and delegates the tensor formats to
 * {@code TensorInput} (bytes of a file or standard input), {@code TensorInstanceReader},
 * {@code TensorGradientReader} and {@code TensorWriter}; {@code TensorChecks} holds the refusals
 * the readers share.
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

  /**
   * One input file with the name messages give it and its format (by extension, or sniffed for
   * standard input): its bytes, or, for a safetensors base file read selectively
   * ({@link #base}), the shards to read from, of which only the headers and the tensors taken are
   * read (spec/FORMATS.md 4.3, 4.5).
   *
   * @param name the file as named in messages
   * @param bytes its content (not copied); empty when {@code shards} are given
   * @param format how to read it
   * @param shards the safetensors files read selectively, in order; empty for a file read whole
   */
  public record Source(String name, byte[] bytes, Format format, List<Path> shards) {
    /**
     * Checks the source.
     *
     * @throws IllegalArgumentException for shards with bytes or of another format than safetensors
     */
    public Source {
      Checks.argument(name != null && bytes != null && format != null && shards != null, "name, bytes, format and shards must be given");
      shards = List.copyOf(shards);
      Checks.argument(shards.isEmpty() || bytes.length == 0 && format == Format.SAFETENSORS,
          "shards (" + shards.size() + ") are read selectively: they need format SAFETENSORS and no bytes");
    }

    /** The bytes {@code bytes} of a file read whole. */
    public Source(String name, byte[] bytes, Format format) {
      this(name, bytes, format, List.of());
    }

    /**
     * {@code file}, read whole, in the format of its extension.
     *
     * @throws InputException for a missing, unreadable or too large file
     */
    public static Source of(Path file) {
      return new Source(file.toString(), TensorInput.bytes(file), Format.of(file));
    }

    /**
     * A base file ({@code --base}, spec/FORMATS.md 4.3): a {@code .safetensors} file is read
     * selectively (its header now, the tensors taken when the instance is read), so its size is
     * not capped; a sharded checkpoint's index {@code *.safetensors.index.json} stands for the
     * shards its {@code weight_map} names (resolved next to it, each read selectively); any other
     * file is read whole as by {@link #of}.
     *
     * @throws InputException for a missing or unreadable file, or a malformed index
     */
    public static Source base(Path file) {
      if (ShardIndex.isIndex(file)) {
        return new Source(file.toString(), new byte[0], Format.SAFETENSORS, ShardIndex.shards(file));
      }
      if (Format.of(file) == Format.SAFETENSORS) {
        TensorInput.checkReadable(file);
        return new Source(file.toString(), new byte[0], Format.SAFETENSORS, List.of(file));
      }
      return of(file);
    }

    /**
     * The shards {@code files} of one checkpoint given as several {@code --base} files, each a
     * {@code .safetensors} file read selectively; one file is {@link #base(Path)}.
     *
     * @throws InputException for a file that is no {@code .safetensors} file, missing or unreadable
     */
    public static Source base(List<Path> files) {
      Checks.argument(!files.isEmpty(), "files must not be empty");
      if (files.size() == 1) {
        return base(files.get(0));
      }
      StringBuilder name = new StringBuilder();
      for (Path f : files) {
        if (Format.of(f) != Format.SAFETENSORS) {
          throw new InputException(f.toString(), InputException.FILE,
              "several --base files are the shards of one checkpoint: each must be a .safetensors file");
        }
        TensorInput.checkReadable(f);
        name.append(name.length() > 0 ? " + " : "").append(f);
      }
      return new Source(name.toString(), new byte[0], Format.SAFETENSORS, files);
    }

    /** Whether this source is read selectively from {@link #shards}. */
    public boolean selective() {
      return !shards.isEmpty();
    }
  }

  /** Metadata keys written to safetensors files. */
  static final String META_FORMAT = "format";
  static final String META_LAYOUT = "layout";
  static final String META_METHOD = "method";

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
    return readInstance(file.toString(), TensorInput.bytes(file), f, layout);
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
    return TensorInstanceReader.read(source, bytes, format, layout);
  }

  /**
   * Reads an instance from a tensor file and, when {@code base} is given, its base file
   * (spec/FORMATS.md Section 4.3, {@code --base}): the adapter factors come from {@code file}, every
   * other tensor (frozen weights, alpha, beta, data) from either file but each from one; only the
   * tensors {@code selection} selects are taken from each ({@code --layer}, {@code --module},
   * Section 4.3). In layout peft the base file may be a whole model checkpoint: its other model
   * tensors are ignored (Section 4.3, "A whole checkpoint as base").
   *
   * @throws InputException as {@link #readInstance(Path, TensorLayout)}, naming the file of the
   *     tensor at fault; for a JSON file; for an adapter factor in {@code base}; for a tensor in
   *     both files (naming both); for a layer or module no tensor name holds; for a fused
   *     projection; for a non-zero projection bias of the base; for projections of two modules
   */
  public static LoraInstance readInstance(Source file, Optional<Source> base, TensorLayout layout, TensorSelection selection) {
    for (Source f : base.isPresent() ? List.of(file, base.get()) : List.of(file)) {
      if (f.format() == Format.JSON) {
        throw new InputException(f.name(), InputException.FILE,
            "a base file and a layer apply to tensor files (.npz, .safetensors); this one is JSON");
      }
    }
    return TensorInstanceReader.read(file, base, layout, selection);
  }

  /**
   * {@link #readInstance(Source, Optional, TensorLayout, TensorSelection)} of layer {@code layer}
   * (if given), any module.
   *
   * @throws InputException as {@link #readInstance(Source, Optional, TensorLayout, TensorSelection)}
   */
  public static LoraInstance readInstance(Source file, Optional<Source> base, TensorLayout layout, OptionalInt layer) {
    return readInstance(file, base, layout, TensorSelection.ofLayer(layer));
  }

  /**
   * Reads an attention-layer instance from a tensor file (spec/FORMATS.md Section 5.1): the tensors
   * of {@link #readInstance(Source, Optional, TensorLayout, TensorSelection)} plus the output projection
   * W_O, A_O, B_O (PEFT: {@code o_proj.weight}, {@code o_proj.lora_A/B.weight}), with the heads,
   * mask and scaling the caller gives (a tensor file has no place for them); beta is required.
   *
   * @throws InputException as {@link #readInstance(Source, Optional, TensorLayout, TensorSelection)};
   *     for a missing beta
   */
  public static LayerInstance readLayerInstance(Source file, Optional<Source> base, TensorLayout layout, TensorSelection selection,
      int heads, Masking masking, LoraScaling scaling) {
    for (Source f : base.isPresent() ? List.of(file, base.get()) : List.of(file)) {
      if (f.format() == Format.JSON) {
        throw new InputException(f.name(), InputException.FILE,
            "a layer read from tensors needs tensor files (.npz, .safetensors); this one is JSON");
      }
    }
    return TensorInstanceReader.readLayer(file, base, layout, selection, heads, masking, scaling);
  }

  /**
   * {@link #readLayerInstance(Source, Optional, TensorLayout, TensorSelection, int, Masking, LoraScaling)}
   * of layer {@code layer} (if given), any module.
   *
   * @throws InputException as {@link #readInstance(Source, Optional, TensorLayout, TensorSelection)}
   */
  public static LayerInstance readLayerInstance(Source file, Optional<Source> base, TensorLayout layout, OptionalInt layer,
      int heads, Masking masking, LoraScaling scaling) {
    return readLayerInstance(file, base, layout, TensorSelection.ofLayer(layer), heads, masking, scaling);
  }

  /**
   * Reads a layer's candidate gradient from a tensor file (spec/FORMATS.md Section 5.1: the
   * factors of Q, K, V and O), taking only the tensors {@code selection} selects.
   *
   * @throws InputException as {@link #readGradient(Path, TensorLayout)}; for a JSON file
   * @throws IllegalArgumentException for a source read selectively ({@link Source#base})
   */
  public static GradientJson.LayerCandidate readLayerGradient(Source file, TensorLayout layout, TensorSelection selection) {
    Checks.argument(!file.selective(), "file (" + file.name() + ") must be read whole: a candidate is not read selectively (Source.of)");
    if (file.format() == Format.JSON) {
      throw new InputException(file.name(), InputException.FILE, "expected a tensor file (.npz, .safetensors); this one is JSON");
    }
    return TensorGradientReader.readLayer(file.name(), file.bytes(), file.format(), layout, selection);
  }

  /**
   * {@link #readLayerGradient(Source, TensorLayout, TensorSelection)} of layer {@code layer} (if
   * given), any module.
   *
   * @throws InputException as {@link #readLayerGradient(Source, TensorLayout, TensorSelection)}
   */
  public static GradientJson.LayerCandidate readLayerGradient(Source file, TensorLayout layout, OptionalInt layer) {
    return readLayerGradient(file, layout, TensorSelection.ofLayer(layer));
  }

  /**
   * Reads a gradient from a tensor file, taking only the tensors {@code selection} selects
   * ({@code --layer}, {@code --module}, spec/FORMATS.md Section 4.3).
   *
   * @throws InputException as {@link #readGradient(Path, TensorLayout)}; for a JSON file; for a
   *     layer or module no tensor name holds
   * @throws IllegalArgumentException for a source read selectively ({@link Source#base})
   */
  public static GradientFile readGradient(Source file, TensorLayout layout, TensorSelection selection) {
    Checks.argument(!file.selective(), "file (" + file.name() + ") must be read whole: a candidate is not read selectively (Source.of)");
    if (file.format() == Format.JSON) {
      throw new InputException(file.name(), InputException.FILE, "a layer applies to tensor files (.npz, .safetensors); this one is JSON");
    }
    return TensorGradientReader.read(file.name(), file.bytes(), file.format(), layout, selection);
  }

  /**
   * {@link #readGradient(Source, TensorLayout, TensorSelection)} of layer {@code layer} (if given),
   * any module.
   *
   * @throws InputException as {@link #readGradient(Source, TensorLayout, TensorSelection)}
   */
  public static GradientFile readGradient(Source file, TensorLayout layout, OptionalInt layer) {
    return readGradient(file, layout, TensorSelection.ofLayer(layer));
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
    return readGradient(file.toString(), TensorInput.bytes(file), f, layout);
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
    return TensorGradientReader.read(source, bytes, format, layout);
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
    return TensorInput.readStream(source, in, limits);
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
    TensorWriter.writeInstance(instance, file, layout);
  }

  /** As {@link #writeInstance(LoraInstance, Path, TensorLayout)}, to bytes. */
  public static byte[] instanceBytes(LoraInstance instance, Format format, TensorLayout layout) {
    return TensorWriter.instanceBytes(instance, format, layout);
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
    TensorWriter.writeGradient(result, file, layout);
  }

  /** As {@link #writeGradient(GradientResult, Path, TensorLayout)}, to bytes. */
  public static byte[] gradientBytes(GradientResult result, Format format, TensorLayout layout) {
    return TensorWriter.gradientBytes(result, format, layout);
  }
}
