package dev.loralimits.cli;

import dev.loralimits.api.Answer;
import dev.loralimits.api.Conversions;
import dev.loralimits.api.Methods;
import dev.loralimits.fast.AlmostLinear;
import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.OutOfDoubleRangeException;
import dev.loralimits.io.GradientJson;
import dev.loralimits.io.TensorFiles;
import dev.loralimits.io.TensorLayout;
import dev.loralimits.model.Checks;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.Form;
import dev.loralimits.reference.OutOfRangeException;
import dev.loralimits.reference.ReferenceGradient;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lora-limits gradient}: reads an instance ({@code lora-attention-instance/1}), computes the
 * loss and every adapter gradient, and writes them as {@code lora-attention-gradient/1} (spec/FORMATS.md).
 *
 * <p>Methods: {@value #REFERENCE} (apfloat, {@code --digits} certified digits), {@value #EXACT}
 * ({@link ExactDouble}, Theorem F.1 in doubles), {@value #FAST} ({@link AlmostLinear}, Theorems
 * 3.1 / A.1 with a certified bound {@code <= --epsilon}) and {@value #AUTO} (fast when it answers,
 * else exact). The double methods write 17 significant digits ({@link Conversions#DOUBLE_DIGITS}).
 */
@Command(
    name = "gradient",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Compute the loss and the gradients dLoss/dA, dLoss/dB of every adapted projection of an"
          + " instance file (format lora-attention-instance/1) and print them as JSON"
          + " (format lora-attention-gradient/1).",
      "The instance may also be a .npz or .safetensors tensor file, and --out a .npz or"
          + " .safetensors file (float64; spec/FORMATS.md Section 4).",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:computation failed or refused (precision not certified, outside the efficient regime,"
          + " internal error)",
      "2:unusable input or usage error"
    })
final class GradientCommand implements Callable<Integer> {
  /** The arbitrary-precision reference. */
  static final String REFERENCE = ReferenceGradient.METHOD;
  /** The quadratic algorithm in doubles. */
  static final String EXACT = Methods.EXACT;
  /** The almost-linear algorithm in doubles, with a certified bound. */
  static final String FAST = Methods.FAST;
  /** Fast when it answers within its rank budget, else exact. */
  static final String AUTO = Methods.AUTO;
  /** Every method, in the order of the help text. */
  static final List<String> METHODS = List.of(REFERENCE, EXACT, FAST, AUTO);
  /** The default of {@code --epsilon}, as shown in the help. */
  static final String DEFAULT_EPSILON_TEXT = "1e-6";
  /** The default of {@code --epsilon}. */
  static final double DEFAULT_EPSILON = Double.parseDouble(DEFAULT_EPSILON_TEXT);

  @Spec private CommandSpec spec;

  @Mixin private ProgressOption progress;

  @Option(
      names = "--method",
      required = true,
      paramLabel = "METHOD",
      description = {
        "How to compute:",
        "  reference  arbitrary precision (apfloat): every",
        "             number correct to --digits digits",
        "             (spec/FORMATS.md Section 3)",
        "  exact      doubles, quadratic (Theorem F.1); 17",
        "             digits; rounding as in proofs-notes/",
        "             EXACT-DOUBLE.md, no per-answer bound",
        "  fast       doubles, almost-linear (Theorems 3.1,",
        "             A.1); every gradient entry certified",
        "             within --epsilon, bounds printed; exit 1",
        "             outside the efficient regime (where",
        "             certifying it costs more than exact)",
        "  auto       fast if it answers, else exact; the",
        "             field \"auto\" says which and why"
      })
  private String method;

  @Option(
      names = "--digits",
      paramLabel = "N",
      defaultValue = "" + ReferenceGradient.DEFAULT_DIGITS,
      description =
          "Significant digits of every number, 1 to "
              + ReferenceGradient.MAX_DIGITS
              + " (default: ${DEFAULT-VALUE}). Only with --method reference.")
  private int digits;

  @Option(
      names = "--form",
      paramLabel = "FORM",
      defaultValue = "E3",
      converter = FormOption.class,
      completionCandidates = FormOption.class,
      description = {
        "Which form of the reference to evaluate (default: E3); only with --method reference:",
        "  E1  Lemma 3.1 (tensor-trick form)",
        "  E2  Lemma 3.2 (p-form)",
        "  E3  Theorem F.1 (quadratic algorithm; fastest)",
        "  FD  central finite difference of the loss",
        "All forms obey the same precision contract (spec/FORMATS.md Section 3), so they print the"
            + " same digits up to rounding of the last one; only the time differs."
      })
  private Form form;

  @Option(
      names = "--epsilon",
      paramLabel = "EPS",
      description =
          "Requested max-entry accuracy of every gradient, finite and > 0 (default: "
              + DEFAULT_EPSILON_TEXT
              + "). Only with --method fast or auto.")
  private String epsilon;

  @Option(
      names = "--max-rank",
      paramLabel = "N",
      description =
          "Largest feature rank fast may use, >= 1 (default: the largest whose aggregates fit 1 GiB;"
              + " fast then answers wherever a certified degree exists). Only with --method fast.")
  private Long maxRank;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description =
          "Worker threads, 1 to 4 x the number of processors (default: the number of"
              + " processors); the numbers do not depend on it. Only with --method exact, fast or"
              + " auto.")
  private Integer threads;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description =
          "Write the result to FILE instead of standard output (nothing is written on failure):"
              + " JSON, or float64 tensors when FILE ends in .npz or .safetensors (loss and"
              + " gradients only; the fast certificate is JSON-only).")
  private Path out;

  @Mixin private LayoutOption layout;
  @Mixin private ReadLimitsOption readLimits;
  @Mixin private PeftFilesOption peftFiles;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description = "The instance file (.json, .npz or .safetensors), or - for standard input (format from its first bytes).")
  private Path instance;

  @Override
  public Integer call() throws IOException {
    String m = checkMethod(method);
    checkOptions(m);
    TensorLayout l = layout.layout();
    TensorFiles.Format outFormat = out == null ? TensorFiles.Format.JSON : outputFormat(out);
    Checks.argument(
        l == TensorLayout.OURS || InputFiles.isStandardInput(instance) || InputFiles.isTensor(instance) || outFormat.isTensor(),
        "--layout " + l.optionName() + " applies to tensor files (.npz, .safetensors); input and output are JSON");
    LoraInstance inst = peftFiles.instance(instance, l, readLimits.limits(), System.in);
    try {
      return run(inst, m, l, outFormat);
    } catch (OutOfDoubleRangeException e) {
      throw new OutOfDoubleRangeException(instance + ": " + e.getMessage());
    } catch (OutOfRangeException e) {
      throw new OutOfRangeException(instance + ": " + e.getMessage());
    }
  }

  /** The reference at --digits, with a progress bar on standard error (--progress). */
  private Answer reference(LoraInstance inst) {
    try (StderrProgress bar = new StderrProgress(spec.commandLine().getErr(), "reference", progress.mode())) {
      return Methods.reference(digits, form, bar).compute(inst);
    }
  }

  private Integer run(LoraInstance inst, String m, TensorLayout l, TensorFiles.Format outFormat) throws IOException {
    Answer r =
        switch (m) {
          case EXACT -> Methods.exact(threadCount()).compute(inst);
          case FAST -> Methods.fast(epsilonValue(), threadCount(), maxRank == null ? 0 : maxRank).compute(inst);
          case AUTO -> Methods.auto(epsilonValue(), threadCount()).compute(inst);
          default -> reference(inst);
        };
    if (out == null) {
      spec.commandLine().getOut().print(GradientJson.write(r.result(), r.extras()));
      spec.commandLine().getOut().flush();
    } else if (outFormat.isTensor()) {
      OutputFile.write(out, TensorFiles.gradientBytes(r.result(), outFormat, l));
    } else {
      OutputFile.write(out, GradientJson.write(r.result(), r.extras()).getBytes(StandardCharsets.UTF_8));
    }
    return Main.OK;
  }

  /** The format of {@code --out}: JSON unless it ends in .npz or .safetensors. */
  private static TensorFiles.Format outputFormat(Path file) {
    TensorFiles.Format f = TensorFiles.Format.of(file);
    Checks.argument(f != TensorFiles.Format.NPY, "--out " + file + ": a .npy file holds one array; use .npz or .safetensors");
    return f;
  }

  /**
   * The method named by {@code name} (case and surrounding blanks ignored).
   *
   * @throws IllegalArgumentException naming the method when it is none of {@link #METHODS}
   */
  static String checkMethod(String name) {
    String m = name.strip().toLowerCase(Locale.ROOT);
    if (METHODS.contains(m)) {
      return m;
    }
    throw new IllegalArgumentException(
        "unknown method '" + name + "' (expected one of " + String.join(", ", METHODS) + ")");
  }

  /**
   * Checks the options against method {@code m}: each option given must be meaningful for it, and
   * {@code --digits}, {@code --epsilon}, {@code --threads} in range.
   *
   * @throws IllegalArgumentException naming the option
   */
  private void checkOptions(String m) {
    boolean reference = m.equals(REFERENCE);
    if (reference) {
      Checks.inRange("--digits", digits, 1, ReferenceGradient.MAX_DIGITS);
      onlyWith("--epsilon", "fast or auto", epsilon == null);
      onlyWith("--threads", "exact, fast or auto", threads == null);
      onlyWith("--max-rank", "fast", maxRank == null);
      return;
    }
    onlyWith("--digits", "reference (the double methods print 17 digits)", !given("--digits"));
    onlyWith("--form", "reference", !given("--form"));
    if (m.equals(EXACT)) {
      onlyWith("--epsilon", "fast or auto (exact has no accuracy target)", epsilon == null);
    } else if (epsilon != null) {
      epsilonDouble(epsilon);
    }
    if (threads != null) {
      Checks.inRange("--threads", threads, 1, maxThreads());
    }
    onlyWith("--max-rank", "fast (auto's budget is the rank at which fast costs as much as exact)", maxRank == null || m.equals(FAST));
    Checks.argument(maxRank == null || maxRank >= 1, "--max-rank (" + maxRank + ") must be >= 1");
  }

  /**
   * The largest {@code --threads}: {@value #THREADS_PER_PROCESSOR} per processor. More threads
   * than cores only add switching (the kernels are compute-bound); an unbounded value started
   * ~15000 OS threads for {@code --threads 100000} (issue 10).
   */
  static int maxThreads() {
    return THREADS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors();
  }

  /** Threads allowed per available processor. */
  static final int THREADS_PER_PROCESSOR = 4;

  private boolean given(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  private static void onlyWith(String option, String methods, boolean ok) {
    Checks.argument(ok, option + " is only meaningful with --method " + methods);
  }

  private int threadCount() {
    return threads != null ? threads : Runtime.getRuntime().availableProcessors();
  }

  /**
   * {@code --epsilon} as the double the fast method works with: read exactly as written, so that
   * 1e-400 is named as too small for a double instead of reported as "(0.0) must be > 0"
   * (issue 10).
   */
  static double epsilonDouble(String text) {
    String t = text.strip();
    if (!t.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
      String lower = t.toLowerCase(java.util.Locale.ROOT);
      if (lower.matches("[+-]?(nan|inf|infinity)")) {
        throw new IllegalArgumentException("--epsilon (" + t + ") must be finite");
      }
      throw new IllegalArgumentException("--epsilon (" + t + ") must be a decimal number such as 1e-6");
    }
    BigDecimal eps;
    try {
      eps = new BigDecimal(t);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--epsilon (" + t + ") has an exponent out of range");
    }
    if (eps.signum() <= 0) {
      throw new IllegalArgumentException("--epsilon (" + t + ") must be > 0");
    }
    double e = eps.doubleValue();
    if (e == 0) {
      throw new IllegalArgumentException(
          "--epsilon (" + t + ") is below the smallest positive double (" + Double.MIN_VALUE + ")");
    }
    if (Double.isInfinite(e)) {
      throw new IllegalArgumentException("--epsilon (" + t + ") is beyond the largest double (" + Double.MAX_VALUE + ")");
    }
    return e;
  }

  private double epsilonValue() {
    return epsilon != null ? epsilonDouble(epsilon) : DEFAULT_EPSILON;
  }
}
