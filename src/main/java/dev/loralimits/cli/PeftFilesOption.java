package dev.loralimits.cli;

import dev.loralimits.io.GradientFile;
import dev.loralimits.io.InputException;
import dev.loralimits.io.ReadLimits;
import dev.loralimits.io.GradientJson;
import dev.loralimits.io.TensorFiles;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.io.TensorLayout;
import dev.loralimits.io.TensorSelection;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import picocli.CommandLine.Option;

/**
 * The {@code --base FILE}, {@code --layer N} and {@code --module PREFIX} options of
 * {@code gradient}, {@code check} and {@code layer} (a picocli mixin; spec/FORMATS.md Section 4.3,
 * issue 13 item 4): PEFT saves the adapter alone ({@code adapter_model.safetensors}), so the frozen
 * weights and the data may come from a second file, a model's whole checkpoint among them, and a
 * file of several attention layers or modules is read one module at a time.
 *
 * <p>Without either option the files are read by {@link InputFiles} as before; with one, both
 * files must be tensor files (standard input, {@code -}, for at most one of them).
 */
final class PeftFilesOption {
  @Option(
      names = "--base",
      paramLabel = "FILE",
      description = {
        "A second tensor file (.npz, .safetensors) with the frozen weights and, if not in the"
            + " instance file, alpha, beta and the data: PEFT's adapter_model.safetensors holds"
            + " only lora_A/lora_B. Adapter factors come from the instance file only; a tensor in"
            + " both files is refused. With --layout peft it may be the model's whole"
            + " model.safetensors: only the selected attention projections are read. A sharded"
            + " checkpoint: its model.safetensors.index.json, or --base once per shard."
      })
  private List<Path> bases;

  @Option(
      names = "--layer",
      paramLabel = "N",
      description = {
        "With --layout peft: read only the tensors of attention layer N (names with the segment"
            + " layers.N.; tensors of other layers are skipped, tensors of no layer such as alpha"
            + " and X.0 are read), when a file holds several layers. See also --module."
      })
  private Integer layer;

  @Option(
      names = "--module",
      paramLabel = "PREFIX",
      description = {
        "With --layout peft: read only the attention projections under this module name, e.g."
            + " model.layers.0.self_attn or model.decoder.layers.2.encoder_attn (PEFT's prefix"
            + " base_model.model. aside), when names have no layers.N. segment or a layer holds"
            + " several attention modules. With --layer N, PREFIX must not name another layer."
      })
  private String module;

  /** Whether {@code --base} is standard input ({@code -}). */
  boolean baseIsStandardInput() {
    return base() != null && bases.stream().anyMatch(InputFiles::isStandardInput);
  }

  /** The first {@code --base} file, null when none is given. */
  private Path base() {
    return bases == null || bases.isEmpty() ? null : bases.get(0);
  }

  /** Whether neither option is given (the files are then read as without this mixin). */
  private boolean none() {
    return base() == null && layer == null && module == null;
  }

  private TensorSelection selection(TensorLayout layout) {
    if (layer != null) {
      Checks.argument(layer >= 0, "--layer (" + layer + ") must be >= 0");
      Checks.argument(layout == TensorLayout.PEFT, "--layer applies to --layout peft (the names of layout ours have no layers)");
    }
    if (module != null) {
      Checks.argument(layout == TensorLayout.PEFT, "--module applies to --layout peft (the names of layout ours have no modules)");
    }
    return new TensorSelection(layer == null ? OptionalInt.empty() : OptionalInt.of(layer), Optional.ofNullable(module));
  }

  /** The instance of {@code file} and, with {@code --base}, the base file, within {@code --layer}. */
  LoraInstance instance(Path file, TensorLayout layout, ReadLimits limits, InputStream stdin) {
    if (none()) {
      return InputFiles.instance(file, layout, limits, stdin);
    }
    TensorSelection n = selection(layout);
    Optional<TensorFiles.Source> b = baseSource(file, stdin);
    return TensorFiles.readInstance(source(file, stdin), b, layout, n);
  }

  /**
   * The attention-layer instance of the tensor file {@code file} and, with {@code --base}, the
   * base file, within {@code --layer} (spec/FORMATS.md Section 5.1).
   */
  LayerInstance layerInstance(Path file, TensorLayout layout, InputStream stdin, int heads, Masking masking, LoraScaling scaling) {
    TensorSelection n = selection(layout);
    Optional<TensorFiles.Source> b = baseSource(file, stdin);
    return TensorFiles.readLayerInstance(source(file, stdin), b, layout, n, heads, masking, scaling);
  }

  /** A layer's candidate gradient: JSON (keys Q, K, V, O) or a tensor file within {@code --layer}. */
  GradientJson.LayerCandidate layerGradient(Path file, TensorLayout layout, ReadLimits limits, InputStream stdin) {
    if (!InputFiles.isTensor(file)) {
      Checks.argument(!InputFiles.isStandardInput(file), "a layer's --candidate cannot be - (standard input)");
      Checks.argument(layout == TensorLayout.OURS, "--layout " + layout.optionName() + " applies to tensor files; the candidate is JSON");
      return GradientJson.readLayerCandidate(file, limits);
    }
    return TensorFiles.readLayerGradient(source(file, stdin), layout, selection(layout));
  }

  /** Whether --base, --layer or --module is given. */
  boolean given() {
    return !none();
  }

  /**
   * The candidate gradient of {@code file} within {@code --layer} and {@code --module}
   * ({@code --base} is the instance's); a JSON candidate file has no layers and is read whole.
   */
  GradientFile gradient(Path file, TensorLayout layout, ReadLimits limits, InputStream stdin) {
    if (layer == null && module == null || !InputFiles.isStandardInput(file) && !InputFiles.isTensor(file)) {
      return InputFiles.gradient(file, layout, limits, stdin);
    }
    return TensorFiles.readGradient(source(file, stdin), layout, selection(layout));
  }

  /**
   * The {@code --base} file(s), if given: a safetensors file, an index or several shards read
   * selectively ({@link TensorFiles.Source#base}), standard input and other files whole.
   */
  private Optional<TensorFiles.Source> baseSource(Path file, InputStream stdin) {
    Path base = base();
    if (base == null) {
      return Optional.empty();
    }
    boolean stdinBase = baseIsStandardInput();
    Checks.argument(!stdinBase || bases.size() == 1, "--base - (standard input) cannot be one of several --base files");
    Checks.argument(!(stdinBase && InputFiles.isStandardInput(file)), "the instance file and --base cannot both be - (standard input)");
    return Optional.of(stdinBase ? source(base, stdin) : TensorFiles.Source.base(bases));
  }

  /** The bytes of {@code file}, or of standard input with its format sniffed; JSON is refused by the readers. */
  private static TensorFiles.Source source(Path file, InputStream stdin) {
    if (!InputFiles.isStandardInput(file)) {
      return TensorFiles.Source.of(file);
    }
    byte[] b = TensorFiles.readStream(TensorFiles.STANDARD_INPUT, stdin);
    TensorFiles.Format f = TensorFiles.sniff(b);
    if (!f.isTensor()) {
      throw new InputException(TensorFiles.STANDARD_INPUT, InputException.FILE,
          "--base, --layer and --module apply to tensor files (.npz, .safetensors); standard input holds JSON");
    }
    return new TensorFiles.Source(TensorFiles.STANDARD_INPUT, b, f);
  }
}
