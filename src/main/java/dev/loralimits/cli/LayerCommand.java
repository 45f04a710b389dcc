package dev.loralimits.cli;

import dev.loralimits.check.EntryTolerance;
import dev.loralimits.check.FixedTolerance;
import dev.loralimits.check.FloatFormat;
import dev.loralimits.check.LayerPrecisionEntryTolerance;
import dev.loralimits.check.GradientCheck;
import dev.loralimits.check.ReferenceDigits;
import dev.loralimits.fast.LayerExact;
import dev.loralimits.fast.LayerFast;
import dev.loralimits.fast.LayerFastResult;
import dev.loralimits.io.GradientJson;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.CandidateGradient;
import dev.loralimits.model.CandidateMatrix;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerWeight;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.loralimits.fast.OutOfDoubleRangeException;
import dev.loralimits.io.LayerJson;
import dev.loralimits.io.TensorFiles;
import dev.loralimits.io.TensorLayout;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerResult;
import dev.loralimits.reference.LayerReference;
import dev.loralimits.reference.OutOfRangeException;
import dev.loralimits.reference.ReferenceGradient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lora-limits layer}: the loss and adapter gradients of an attention-layer instance
 * ({@code lora-attention-instance/2}: heads, causal masks, output projection; spec/PROBLEMS.md
 * Section 7) by the reference ({@link LayerReference}), in doubles ({@link LayerExact}) or by the
 * polynomial method with a certified bound ({@link LayerFast}), written as a gradient file.
 */
@Command(
    name = "layer",
    mixinStandardHelpOptions = true,
    description = {
      "Loss and adapter gradients of an attention layer (lora-attention-instance/2: heads, causal mask,"
          + " output projection O, batches), as a gradient JSON file with keys Q, K, V, O."
    })
final class LayerCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(names = "--method", paramLabel = "M", defaultValue = "reference",
      description = "reference (certified digits, default), exact (doubles) or fast (doubles, polynomial method with"
          + " prefix sums for causal masks, every gradient within --epsilon; the bounds on standard error).")
  private String method;

  @Option(names = "--epsilon", paramLabel = "EPS",
      description = "With --method fast: requested max-entry accuracy of every gradient, finite and > 0 (default "
          + GradientCommand.DEFAULT_EPSILON_TEXT + ").")
  private String epsilon;

  @Option(names = "--max-rank", paramLabel = "N",
      description = "With --method fast: largest feature rank, >= 1 (default: the largest whose aggregates fit 1 GiB).")
  private Long maxRank;

  @Option(names = "--digits", paramLabel = "N",
      description = "Significant digits of the reference, 1 to " + ReferenceGradient.MAX_DIGITS + " (default "
          + ReferenceGradient.DEFAULT_DIGITS + "; with --candidate, as many as the tolerance needs).")
  private Integer digits;

  @Option(names = "--candidate", paramLabel = "FILE",
      description = "Check this gradient file (keys Q, K, V, O; our layout) against the reference instead of printing it.")
  private Path candidate;

  @Option(names = "--precision", paramLabel = "FORMAT", description = {
      "With --candidate: the format the candidate computed in: float64 (default), float32, bfloat16, float16."
          + " Each entry's tolerance is the bound on a correct layer implementation's error in that format"
          + " (proofs-notes/CHECK-TOLERANCE.md Section 7)."})
  private String precision;

  @Option(names = "--rtol", paramLabel = "X",
      description = "With --candidate: fixed relative tolerance, exact as written, instead of --precision (atol + rtol * M; atol 0 unless given).")
  private BigDecimal rtol;

  @Option(names = "--atol", paramLabel = "X",
      description = "With --candidate: fixed absolute tolerance, exact as written, instead of --precision (rtol 0 unless given).")
  private BigDecimal atol;

  @Option(names = "--json", description = "With --candidate: print the report as JSON (spec/CHECK.md).")
  private boolean json;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the gradient JSON to FILE instead of standard output.")
  private Path out;

  @Option(names = "--heads", paramLabel = "H",
      description = "For a tensor instance file (.npz, .safetensors): the number of heads (default 1; a JSON file states it).")
  private Integer heads;

  @Option(names = "--causal", paramLabel = "MASK",
      description = "For a tensor instance file: none (default), top-left (PyTorch is_causal=True) or bottom-right.")
  private String causal;

  @Option(names = "--scaling", paramLabel = "S",
      description = "For a tensor instance file: lora (alpha / r, default) or rslora (alpha / sqrt(r)).")
  private String scaling;

  @Mixin private ProgressOption progress;
  @Mixin private ReadLimitsOption readLimits;
  @Mixin private LayoutOption layout;
  @Mixin private PeftFilesOption peftFiles;

  @Parameters(index = "0", paramLabel = "FILE", description = "The layer instance (.json), or - for standard input.")
  private Path instance;

  @Override
  public Integer call() throws Exception {
    if (!method.equals("reference") && !method.equals("exact") && !method.equals(LayerFast.METHOD)) {
      throw new IllegalArgumentException("--method " + method + ": expected reference, exact or fast (auto covers the paper's model only)");
    }
    boolean fast = method.equals(LayerFast.METHOD);
    Checks.argument(fast || epsilon == null, "--epsilon applies with --method fast");
    Checks.argument(fast || maxRank == null, "--max-rank applies with --method fast");
    Checks.argument(maxRank == null || maxRank >= 1, "--max-rank (" + maxRank + ") must be >= 1");
    double eps = epsilon == null ? GradientCommand.DEFAULT_EPSILON : GradientCommand.epsilonDouble(epsilon);
    Checks.argument(candidate != null || (rtol == null && atol == null && precision == null && !json),
        "--precision, --rtol, --atol and --json apply with --candidate");
    Checks.argument(rtol == null || rtol.signum() >= 0, "--rtol (" + rtol + ") must be >= 0");
    Checks.argument(atol == null || atol.signum() >= 0, "--atol (" + atol + ") must be >= 0");
    Checks.argument(
        !((rtol != null || atol != null) && precision != null),
        "--precision and --rtol/--atol exclude each other: --precision derives the tolerance, --rtol/--atol fix it");
    FloatFormat format = FloatFormat.parse(precision == null ? FloatFormat.FLOAT64.optionName() : precision);
    Checks.argument(candidate == null || method.equals("reference"), "--candidate checks against --method reference");
    LayerInstance inst = read();
    if (candidate != null) {
      try {
        return check(inst, format);
      } catch (OutOfRangeException e) {
        throw new OutOfRangeException(instance + ": " + e.getMessage());
      }
    }
    LayerResult r;
    try {
      Checks.argument(!fast || digits == null, "--digits applies with --method reference");
      if (fast) {
        LayerFastResult f = LayerFast.compute(inst, new LayerFast.Options(eps, maxRank == null ? 0 : maxRank));
        r = f.result();
        spec.commandLine().getErr().println(certificateLine(f));
        spec.commandLine().getErr().flush();
      } else {
        r = method.equals("exact") ? LayerExact.compute(inst)
            : reference(inst, digits == null ? ReferenceGradient.DEFAULT_DIGITS : digits);
      }
    } catch (OutOfDoubleRangeException e) {
      throw new OutOfDoubleRangeException(instance + ": " + e.getMessage());
    } catch (OutOfRangeException e) {
      throw new OutOfRangeException(instance + ": " + e.getMessage());
    }
    String text = LayerJson.writeGradient(r);
    if (out == null) {
      spec.commandLine().getOut().print(text);
      spec.commandLine().getOut().flush();
    } else {
      OutputFile.write(out, text.getBytes(StandardCharsets.UTF_8));
    }
    return Main.OK;
  }

  /**
   * The certificate of a fast answer as one line: degree, kind, rank, radius, and every matrix's
   * bound ({@code max_ij |computed - exact| <= bound}, FAST-BOUND.md Section 12).
   */
  static String certificateLine(LayerFastResult f) {
    StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT,
        "fast: degree %d (%s), rank %d, R = %.4g, epsilon %.3g; certified |error| <= loss %.3g",
        f.degree(), f.kind().name().toLowerCase(java.util.Locale.ROOT), f.rank(), f.radius(), f.epsilon(), f.lossBound()));
    for (LayerWeight mu : f.boundA().keySet()) {
      b.append(String.format(java.util.Locale.ROOT, ", dLoss/dA_%s %.3g, dLoss/dB_%s %.3g", mu, f.boundA().get(mu), mu, f.boundB().get(mu)));
    }
    return b.toString();
  }

  /** The reference at n digits, with a progress bar on standard error (--progress). */
  private LayerResult reference(LayerInstance inst, int n) {
    try (StderrProgress bar = new StderrProgress(spec.commandLine().getErr(), "reference", progress.mode())) {
      return LayerReference.compute(inst, n, bar.nextRun());
    }
  }

  /**
   * The layer instance: a JSON file (FORMATS 5, which states heads, mask and scaling) or a tensor
   * file in either layout (FORMATS 5.1, with --heads, --causal, --scaling, --base, --layer, --module).
   */
  private LayerInstance read() {
    boolean tensor = InputFiles.isTensor(instance) || peftFiles.given() || layout.layout() != TensorLayout.OURS
        || heads != null || causal != null || scaling != null;
    if (!tensor) {
      return InputFiles.isStandardInput(instance)
          ? LayerJson.read(TensorFiles.STANDARD_INPUT, System.in, readLimits.limits())
          : LayerJson.read(instance, readLimits.limits());
    }
    Checks.argument(InputFiles.isTensor(instance) || InputFiles.isStandardInput(instance),
        "--heads, --causal, --scaling, --layout, --base, --layer and --module apply to tensor instance files (.npz, .safetensors);"
            + " a JSON layer file states heads, causal and scaling itself");
    Masking m = causal == null ? Masking.NONE : Masking.ofTag(causal);
    Checks.argument(m != null, "--causal " + causal + ": expected none, top-left or bottom-right");
    LoraScaling sc = scaling == null ? LoraScaling.LORA : LoraScaling.ofTag(scaling);
    Checks.argument(sc != null, "--scaling " + scaling + ": expected lora or rslora");
    int h = heads == null ? 1 : heads;
    Checks.argument(h >= 1, "--heads (" + h + ") must be >= 1");
    return peftFiles.layerInstance(instance, layout.layout(), System.in, h, m, sc);
  }

  /**
   * The check of spec/CHECK.md: by default the precision-aware rule of the layer
   * ({@link LayerPrecisionEntryTolerance}, proofs-notes/CHECK-TOLERANCE.md Section 7) for
   * {@code format}, with --rtol/--atol the fixed rule; the reference at as many digits as the
   * tolerance needs ({@link ReferenceDigits}), every matrix compared by
   * {@link GradientCheck#compareNamed}; exit 0 when all pass, 1 when one fails.
   */
  private int check(LayerInstance inst, FloatFormat format) throws Exception {
    boolean fixed = rtol != null || atol != null;
    EntryTolerance tol;
    if (fixed) {
      tol = new FixedTolerance(rtol == null ? BigDecimal.ZERO : rtol, atol == null ? BigDecimal.ZERO : atol);
    } else {
      try {
        tol = LayerPrecisionEntryTolerance.of(inst, format);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(instance + ": " + e.getMessage() + "; give --rtol/--atol for a fixed tolerance", e);
      }
    }
    String loosen = fixed ? "loosen --rtol or --atol" : "give --rtol/--atol for a fixed tolerance";
    GradientJson.LayerCandidate cand = peftFiles.layerGradient(candidate, layout.layout(), readLimits.limits(), System.in);
    boolean withLoss = cand.loss().isPresent();
    int n = digits != null ? digits : Math.max(ReferenceDigits.MIN_STARTING_DIGITS, tol.startingDigits());
    Map<String, DecimalMatrix> ref;
    while (true) {
      ref = matrices(reference(inst, n), withLoss);
      Optional<ReferenceDigits.Shortfall> s = ReferenceDigits.shortfall(ref, n, tol);
      if (s.isEmpty()) {
        break;
      }
      ReferenceDigits.Shortfall f = s.get();
      if (digits != null || f.minimumDigits().isEmpty() || n >= ReferenceGradient.MAX_DIGITS) {
        throw new IllegalArgumentException((digits != null ? "--digits " + digits + ": " : "") + f.reason()
            + "; " + loosen + (digits != null && f.minimumDigits().isPresent() ? " or omit --digits" : ""));
      }
      n = Math.min(ReferenceGradient.MAX_DIGITS, Math.max(n + 1, f.minimumDigits().getAsInt()));
    }
    Map<String, CandidateMatrix> c = new LinkedHashMap<>();
    List<GradientCheck.NotCompared> frozen = new ArrayList<>();
    cand.loss().ifPresent(x -> c.put("loss", x));
    for (Map.Entry<LayerWeight, CandidateGradient> e : cand.gradients().entrySet()) {
      String a = "dLoss/dA_" + e.getKey();
      String b = "dLoss/dB_" + e.getKey();
      if (ref.containsKey(a)) {
        c.put(a, e.getValue().a());
        c.put(b, e.getValue().b());
      } else {
        frozen.add(new GradientCheck.NotCompared(a, e.getValue().a().rows(), e.getValue().a().cols(), GradientCheck.FROZEN));
        frozen.add(new GradientCheck.NotCompared(b, e.getValue().b().rows(), e.getValue().b().cols(), GradientCheck.FROZEN));
      }
    }
    GradientCheck.Report report;
    try {
      report = GradientCheck.compareNamed(ref, c, frozen, tol, n);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(candidate + ": " + e.getMessage(), e);
    }
    spec.commandLine().getOut().print(json ? CheckCommand.json(report, layout.layout()) : CheckCommand.table(report, layout.layout()));
    spec.commandLine().getOut().flush();
    return report.pass() ? Main.OK : CheckCommand.FAIL;
  }

  /** The reference's matrices by name, in report order; a wide one is refused. */
  private static Map<String, DecimalMatrix> matrices(LayerResult r, boolean withLoss) {
    Map<String, DecimalMatrix> m = new LinkedHashMap<>();
    if (withLoss) {
      m.put("loss", DecimalMatrix.of("loss", new BigDecimal[][] {{r.loss()}}));
    }
    for (Map.Entry<LayerWeight, AdapterGradient> e : r.gradients().entrySet()) {
      for (String f : new String[] {"A", "B"}) {
        DecimalMatrix x = f.equals("A") ? e.getValue().a() : e.getValue().b();
        String name = "dLoss/d" + f + "_" + e.getKey();
        if (x.isWide()) {
          throw new OutOfRangeException("check cannot compare " + name + ": the reference's entries are of order 10^"
              + x.powerOfTen() + ", outside the range of candidates and of the report");
        }
        m.put(name, x);
      }
    }
    return m;
  }
}
