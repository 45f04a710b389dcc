package dev.loralimits.cli;

import dev.loralimits.api.Check;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loralimits.check.EntryTolerance;
import dev.loralimits.check.FixedTolerance;
import dev.loralimits.check.FloatFormat;
import dev.loralimits.check.PrecisionAwareTolerance;
import dev.loralimits.check.GradientCheck;
import dev.loralimits.check.ReferenceDigits;
import dev.loralimits.io.DecimalFormatting;
import dev.loralimits.io.GradientFile;
import dev.loralimits.io.ReadLimits;
import dev.loralimits.io.TensorFiles;
import dev.loralimits.io.TensorLayout;
import dev.loralimits.model.CandidateMatrix.NonFiniteCount;
import dev.loralimits.model.Checks;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.OutOfRangeException;
import dev.loralimits.reference.Form;
import dev.loralimits.reference.ReferenceGradient;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lora-limits check}: compares a candidate gradient file with the reference gradient of an
 * instance (spec/CHECK.md). Exit 0 when every matrix passes, 1 when one fails (a non-finite entry
 * included), 2 for unusable input.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Check another implementation: compare a candidate gradient file with the reference for an"
          + " instance file, matrix by matrix: max absolute and normwise relative error, correct"
          + " significant digits (LRE), tolerance, margin, verdict.",
      "Files are read by extension: .json (lora-attention-instance/1, lora-attention-gradient/1),"
          + " .npz or .safetensors (float64/float32 tensors, spec/FORMATS.md Section 4). A candidate"
          + " needs \"format\" and \"gradients\"; \"loss\" is optional; NaN and infinities fail the check.",
      "An entry passes when |candidate - reference| <= its tolerance: by default a bound, computed"
          + " for this instance, on the error a correct implementation in the --precision format makes"
          + " (proofs-notes/CHECK-TOLERANCE.md); with --rtol/--atol the fixed rule atol + rtol * M,"
          + " M the largest |entry| of its reference matrix (spec/CHECK.md)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every matrix passes",
      "1:some matrix fails (or has NaN or infinite entries)",
      "2:unusable input or usage error"
    })
final class CheckCommand implements Callable<Integer> {
  /** Exit code when a matrix fails. */
  static final int FAIL = 1;

  /** Significant digits of the errors, scales and tolerances in the table. */
  static final int TABLE_DIGITS = 4;

  /** Significant digits of the margin in the table (rounded up). */
  static final int MARGIN_DIGITS = 3;

  @Spec private CommandSpec spec;

  @Mixin private ProgressOption progress;


  @Option(names = "--instance", required = true, paramLabel = "FILE", description = "The instance (.json, .npz or .safetensors), or - for standard input.")
  private Path instance;

  @Option(names = "--candidate", required = true, paramLabel = "FILE", description = "The candidate gradient (.json, .npz or .safetensors), or - for standard input.")
  private Path candidate;

  @Mixin private LayoutOption layout;
  @Mixin private ReadLimitsOption readLimits;
  @Mixin private PeftFilesOption peftFiles;

  @Option(names = "--precision", paramLabel = "FORMAT", description = {
      "The format the candidate computed in: float64 (default), float32, bfloat16, float16. Each"
          + " entry's tolerance is the bound on a correct implementation's error in that format."})
  private String precision;

  @Option(names = "--rtol", paramLabel = "X", description = "Fixed relative tolerance, exact as written, instead of --precision (atol + rtol * M; atol 0 unless given).")
  private BigDecimal rtol;

  @Option(names = "--atol", paramLabel = "X", description = "Fixed absolute tolerance, exact as written, instead of --precision (rtol 0 unless given).")
  private BigDecimal atol;

  @Option(names = "--digits", paramLabel = "N", description = {
      "Digits of the reference. Default: chosen so that the reference's certified error at every"
          + " entry is at most 1/100 of the error the tolerance allows there; a smaller N is refused."})
  private Integer digits;

  @Option(names = "--json", description = "Print the report as JSON.")
  private boolean json;

  @Override
  public Integer call() throws Exception {
    boolean fixed = rtol != null || atol != null;
    Checks.argument(rtol == null || rtol.signum() >= 0, "--rtol (" + rtol + ") must be >= 0");
    Checks.argument(atol == null || atol.signum() >= 0, "--atol (" + atol + ") must be >= 0");
    Checks.argument(
        !(fixed && precision != null),
        "--precision and --rtol/--atol exclude each other: --precision derives the tolerance, --rtol/--atol fix it");
    FloatFormat format = FloatFormat.parse(precision == null ? FloatFormat.FLOAT64.optionName() : precision);
    if (digits != null) {
      Checks.inRange("--digits", digits, 1, ReferenceGradient.MAX_DIGITS);
    }
    TensorLayout l = layout.layout();
    Checks.argument(
        !(InputFiles.isStandardInput(instance) && InputFiles.isStandardInput(candidate)),
        "--instance and --candidate cannot both be - (standard input)");
    Checks.argument(
        !(peftFiles.baseIsStandardInput() && InputFiles.isStandardInput(candidate)),
        "--base and --candidate cannot both be - (standard input)");
    Checks.argument(
        l == TensorLayout.OURS
            || InputFiles.isStandardInput(instance) || InputFiles.isStandardInput(candidate)
            || InputFiles.isTensor(instance) || InputFiles.isTensor(candidate),
        "--layout " + l.optionName() + " applies to tensor files (.npz, .safetensors); both files are JSON");
    ReadLimits limits = readLimits.limits();
    LoraInstance inst = peftFiles.instance(instance, l, limits, System.in);
    GradientFile cand = peftFiles.gradient(candidate, l, limits, System.in);
    EntryTolerance tolerance;
    if (fixed) {
      tolerance = Check.fixed(rtol == null ? BigDecimal.ZERO : rtol, atol == null ? BigDecimal.ZERO : atol);
    } else {
      try {
        tolerance = Check.precision(inst, format);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            instance + ": " + e.getMessage() + "; give --rtol/--atol for a fixed tolerance", e);
      }
    }
    String loosen = fixed ? "loosen --rtol or --atol" : "give --rtol/--atol for a fixed tolerance";
    boolean withLoss = cand.loss().isPresent();
    GradientResult ref;
    try {
      ref = reference(inst, withLoss, tolerance, loosen);
      GradientCheck.requireComparable(ref);
    } catch (OutOfRangeException | GradientCheck.OutOfComparableRangeException e) {
      // the reference cannot answer this instance, or answers beyond the range a check compares in
      // (spec/FORMATS.md 3.4, spec/CHECK.md 1): a refusal, exit 1
      throw new OutOfRangeException(instance + ": " + e.getMessage());
    }
    GradientCheck.Report report;
    try {
      report = GradientCheck.compare(ref, cand.loss(), cand.gradients(), tolerance);
    } catch (GradientCheck.ShapeMismatchException e) {
      String hint = e.linearOrientation() && l == TensorLayout.OURS ? " (or, for a PyTorch/PEFT tensor file, give --layout peft)" : "";
      throw new IllegalArgumentException(candidate + ": " + e.getMessage() + hint, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(candidate + ": " + e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? json(report, l) : table(report, l));
    out.flush();
    return report.pass() ? Main.OK : FAIL;
  }

  /** A table row after the name column (whose width is that of the longest name, at least 12). */
  private static final String ROW_REST = " %-7s %11s %11s %11s %8s %11s %9s  %s%n";

  static String table(GradientCheck.Report r) {
    return table(r, TensorLayout.OURS);
  }

  /**
   * The name of a report row as the user's files name it: under {@code --layout peft} PEFT's
   * parameter names, {@code dLoss/dA_Q} being the gradient of {@code q_proj.lora_B.weight}
   * transposed and {@code dLoss/dB_Q} that of {@code q_proj.lora_A.weight} (FORMATS 4.3; issue
   * 13: the rows said dLoss/dA_Q for what PEFT calls lora_B).
   */
  static String displayName(String name, TensorLayout layout) {
    if (layout != TensorLayout.PEFT || !name.matches("dLoss/d[AB]_[QKVO]")) {
      return name;
    }
    String module = Character.toLowerCase(name.charAt(name.length() - 1)) + "_proj";
    return module + (name.charAt(7) == 'A' ? ".lora_B" : ".lora_A") + ".weight.grad";
  }

  /** The shape as the user's files hold the matrix: transposed for a PEFT gradient. */
  static String displayShape(String name, int rows, int cols, TensorLayout layout) {
    return displayName(name, layout).equals(name) ? rows + "x" + cols : cols + "x" + rows;
  }

  static String table(GradientCheck.Report r, TensorLayout layout) {
    int width = 12;
    for (GradientCheck.MatrixReport m : r.matrices()) {
      width = Math.max(width, displayName(m.name(), layout).length());
    }
    for (GradientCheck.NotCompared n : r.notCompared()) {
      width = Math.max(width, displayName(n.name(), layout).length());
    }
    String row = "%-" + width + "s" + ROW_REST;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, row, "matrix", "shape", "max|err|", "M", "rel. error", "LRE", "tolerance", "margin", "verdict"));
    for (GradientCheck.MatrixReport m : r.matrices()) {
      String verdict = m.pass() ? "pass" : "FAIL";
      if (m.nonFinite().total() > 0) {
        verdict += ": " + m.nonFinite();
      }
      s.append(String.format(Locale.ROOT, row,
          displayName(m.name(), layout), displayShape(m.name(), m.rows(), m.cols(), layout), m.maxAbsError().map(CheckCommand::number).orElse("-"),
          number(m.scale()), m.relativeError().map(CheckCommand::number).orElse(m.maxAbsError().isPresent() ? "inf" : "-"),
          lre(m.lre(), m.maxAbsError().isPresent()), number(m.tolerance()),
          m.margin().map(x -> DecimalFormatting.significant(x, MARGIN_DIGITS, RoundingMode.CEILING)).orElse("inf"), verdict));
    }
    for (GradientCheck.NotCompared n : r.notCompared()) {
      s.append(String.format(Locale.ROOT, "%-" + width + "s %-7s %s%n", displayName(n.name(), layout),
          displayShape(n.name(), n.rows(), n.cols(), layout), "not compared (" + n.reason() + ")"));
    }
    s.append(String.format(Locale.ROOT, "verdict: %s (%s; reference to %d digits; LRE = correct digits, normwise;"
        + " margin = max |c - r| / allowed, passes when <= 1)%n",
        r.pass() ? "PASS" : "FAIL", r.tolerance().description(), r.referenceDigits()));
    return s.toString();
  }

  /** {@code x} with {@value #TABLE_DIGITS} significant digits and a decimal exponent; "0" for zero. */
  static String number(BigDecimal x) {
    return DecimalFormatting.significant(x, TABLE_DIGITS);
  }

  /**
   * The LRE with two decimals, never "-0.00"; "-inf" when the relative error is infinite, "-"
   * when it is undefined (non-finite entries).
   */
  static String lre(OptionalDouble lre, boolean finite) {
    if (lre.isEmpty()) {
      return finite ? "-inf" : "-";
    }
    BigDecimal v = BigDecimal.valueOf(lre.getAsDouble()).setScale(2, RoundingMode.HALF_EVEN);
    return v.signum() == 0 ? "0.00" : v.toPlainString();
  }

  /**
   * The reference at the digits of {@code --digits}, or chosen for the tolerance.
   *
   * @throws IllegalArgumentException when the digits are too few or none certify the tolerance
   * @throws OutOfRangeException when the reference cannot answer the instance
   */
  private GradientResult reference(LoraInstance inst, boolean withLoss, EntryTolerance tolerance, String loosen) {
    try (StderrProgress bar = new StderrProgress(
        spec.commandLine().getErr(), "reference", progress.mode())) {
      return reference(inst, withLoss, tolerance, loosen, bar);
    }
  }

  private GradientResult reference(
      LoraInstance inst, boolean withLoss, EntryTolerance tolerance, String loosen, StderrProgress bar) {
    GradientResult ref;
    if (digits == null) {
      try {
        ref = Check.reference(inst, withLoss, tolerance, bar::nextRun);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + "; " + loosen, e);
      }
    } else {
      ref = ReferenceGradient.compute(inst, digits, Form.THEOREM_F_1, bar.nextRun());
      Optional<ReferenceDigits.Shortfall> s = ReferenceDigits.shortfall(ref, withLoss, tolerance);
      if (s.isPresent()) {
        ReferenceDigits.Shortfall f = s.get();
        String advice = f.minimumDigits().isPresent()
            ? "use >= " + f.minimumDigits().getAsInt() + " or omit --digits"
            : "no number of digits certifies it; " + loosen;
        throw new IllegalArgumentException("--digits " + digits + ": " + f.reason() + "; " + advice);
      }
    }
    return ref;
  }

  /** A JSON row's name and shape as the user's files have them ({@link #displayName}), with our name as "ours" when it differs. */
  private static void putNameAndShape(ObjectNode n, String name, int rows, int cols, TensorLayout layout) {
    boolean renamed = !displayName(name, layout).equals(name);
    n.put("name", displayName(name, layout));
    if (renamed) {
      n.put("ours", name);
    }
    n.put("rows", renamed ? cols : rows);
    n.put("cols", renamed ? rows : cols);
  }

  static String json(GradientCheck.Report r, TensorLayout layout) throws Exception {
    ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = om.createObjectNode();
    root.put("format", "lora-attention-check/1");
    root.put("verdict", r.pass() ? "pass" : "fail");
    root.put("tolerance", r.tolerance().description());
    if (r.tolerance() instanceof FixedTolerance f) {
      root.put("rtol", f.rtol());
      root.put("atol", f.atol());
    }
    if (r.tolerance() instanceof PrecisionAwareTolerance p) {
      root.put("precision", p.format().optionName());
      root.put("firstOrderSize", p.firstOrderSize());
      root.put("firstOrderValid", p.firstOrderValid());
    }
    root.put("referenceDigits", r.referenceDigits());
    ArrayNode ms = root.putArray("matrices");
    for (GradientCheck.MatrixReport m : r.matrices()) {
      ObjectNode n = ms.addObject();
      putNameAndShape(n, m.name(), m.rows(), m.cols(), layout);
      n.put("verdict", m.pass() ? "pass" : "fail");
      n.put("maxAbsError", m.maxAbsError().orElse(null));
      n.put("scale", m.scale());
      n.put("relativeError", m.relativeError().orElse(null));
      if (m.lre().isPresent()) {
        n.put("lre", BigDecimal.valueOf(m.lre().getAsDouble()).setScale(4, RoundingMode.HALF_EVEN).stripTrailingZeros());
      } else {
        n.putNull("lre");
      }
      n.put("tolerance", m.tolerance());
      n.put("margin", m.margin().orElse(null));
      NonFiniteCount c = m.nonFinite();
      ObjectNode nf = n.putObject("nonFinite");
      nf.put("total", c.total());
      nf.put("nan", c.nan());
      nf.put("posInf", c.positiveInfinity());
      nf.put("negInf", c.negativeInfinity());
    }
    for (GradientCheck.NotCompared x : r.notCompared()) {
      ObjectNode n = ms.addObject();
      putNameAndShape(n, x.name(), x.rows(), x.cols(), layout);
      n.put("verdict", "not compared");
      n.put("reason", x.reason());
    }
    return om.writeValueAsString(root) + System.lineSeparator();
  }
}
