package dev.loralimits.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loralimits.check.GradientCheck;
import dev.loralimits.io.GradientFile;
import dev.loralimits.io.TensorFiles;
import dev.loralimits.io.TensorLayout;
import dev.loralimits.model.Checks;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.reference.ReferenceGradient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lora-limits check}: compares a candidate gradient file with the reference gradient of an
 * instance (spec/CHECK.md). Exit 0 when every matrix passes, 1 when one fails, 2 for unusable input.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Check another implementation: compare a candidate gradient file with the reference for an"
          + " instance file, matrix by matrix: max absolute and normwise relative error, correct"
          + " significant digits (LRE), verdict.",
      "Files are read by extension: .json (lora-attention-instance/1, lora-attention-gradient/1),"
          + " .npz or .safetensors (float64/float32 tensors, spec/FORMATS.md Section 4).",
      "An entry passes when |candidate - reference| <= atol + rtol * M, M the largest |entry| of"
          + " its reference matrix (spec/CHECK.md)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every matrix passes", "1:some matrix fails", "2:unusable input or usage error"})
final class CheckCommand implements Callable<Integer> {
  /** Exit code when a matrix fails. */
  static final int FAIL = 1;

  @Spec private CommandSpec spec;

  @Option(names = "--instance", required = true, paramLabel = "FILE", description = "The instance (.json, .npz or .safetensors).")
  private Path instance;

  @Option(names = "--candidate", required = true, paramLabel = "FILE", description = "The candidate gradient (.json, .npz or .safetensors).")
  private Path candidate;

  @Option(names = "--layout", paramLabel = "LAYOUT", defaultValue = "ours", description = {
      "Names and orientation of the weights in tensor files (default: ${DEFAULT-VALUE}):",
      "  ours  W_Q, A_Q, B_Q, ...; grad_A_Q, grad_B_Q, ...",
      "  peft  PyTorch/PEFT: q_proj.weight, q_proj.lora_A.weight, q_proj.lora_B.weight, ...;"
          + " q_proj.lora_A.weight.grad, ... (transposed; any common prefix)"})
  private String layout;

  @Option(names = "--rtol", paramLabel = "X", defaultValue = "1e-9", description = "Relative tolerance (default: ${DEFAULT-VALUE}; suits float64 code).")
  private double rtol;

  @Option(names = "--atol", paramLabel = "X", defaultValue = "0", description = "Absolute tolerance (default: ${DEFAULT-VALUE}).")
  private double atol;

  @Option(names = "--digits", paramLabel = "N", defaultValue = "40", description = "Digits of the reference (default: ${DEFAULT-VALUE}).")
  private int digits;

  @Option(names = "--json", description = "Print the report as JSON.")
  private boolean json;

  @Override
  public Integer call() throws Exception {
    Checks.argument(rtol >= 0 && Double.isFinite(rtol), "--rtol (" + rtol + ") must be finite and >= 0");
    Checks.argument(atol >= 0 && Double.isFinite(atol), "--atol (" + atol + ") must be finite and >= 0");
    Checks.inRange("--digits", digits, 1, ReferenceGradient.MAX_DIGITS);
    TensorLayout l = TensorLayout.parse(layout);
    Checks.argument(
        l == TensorLayout.OURS || TensorFiles.Format.of(instance).isTensor() || TensorFiles.Format.of(candidate).isTensor(),
        "--layout " + l.optionName() + " applies to tensor files (.npz, .safetensors); both files are JSON");
    LoraInstance inst = TensorFiles.readInstance(instance, l);
    GradientFile cand = TensorFiles.readGradient(candidate, l);
    GradientResult ref = ReferenceGradient.compute(inst, digits);
    GradientCheck.Report report;
    try {
      report = GradientCheck.compare(ref, cand.loss(), cand.gradients(), rtol, atol);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(candidate + ": " + e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? json(report) : table(report));
    out.flush();
    return report.pass() ? Main.OK : FAIL;
  }

  static String table(GradientCheck.Report r) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%-12s %-7s %12s %12s %7s  %s%n", "matrix", "shape", "max|err|", "rel. error", "LRE", "verdict"));
    for (GradientCheck.MatrixReport m : r.matrices()) {
      s.append(String.format(Locale.ROOT, "%-12s %-7s %12.3e %12.3e %7.2f  %s%n",
          m.name(), m.rows() + "x" + m.cols(), m.maxAbsError(), m.relativeError(), m.lre(), m.pass() ? "pass" : "FAIL"));
    }
    s.append(String.format(Locale.ROOT, "verdict: %s (rtol %.3g, atol %.3g; reference to %d digits; LRE = correct digits, normwise)%n",
        r.pass() ? "PASS" : "FAIL", r.rtol(), r.atol(), r.referenceDigits()));
    return s.toString();
  }

  static String json(GradientCheck.Report r) throws Exception {
    ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = om.createObjectNode();
    root.put("format", "lora-attention-check/1");
    root.put("verdict", r.pass() ? "pass" : "fail");
    root.put("rtol", r.rtol());
    root.put("atol", r.atol());
    root.put("referenceDigits", r.referenceDigits());
    ArrayNode ms = root.putArray("matrices");
    for (GradientCheck.MatrixReport m : r.matrices()) {
      ObjectNode n = ms.addObject();
      n.put("name", m.name());
      n.put("rows", m.rows());
      n.put("cols", m.cols());
      n.put("maxAbsError", m.maxAbsError());
      n.put("scale", m.scale());
      n.put("relativeError", m.relativeError());
      n.put("lre", m.lre());
      n.put("verdict", m.pass() ? "pass" : "fail");
    }
    return om.writeValueAsString(root) + System.lineSeparator();
  }
}
