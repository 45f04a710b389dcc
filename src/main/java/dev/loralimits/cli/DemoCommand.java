package dev.loralimits.cli;

import dev.loralimits.api.Answer;
import dev.loralimits.api.Methods;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.io.GradientExtras;
import dev.loralimits.io.DecimalFormatting;
import dev.loralimits.io.InstanceJson;
import dev.loralimits.model.Adapter;
import dev.loralimits.model.AdapterGradient;
import dev.loralimits.model.Checks;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.GradientResult;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import dev.loralimits.reference.Form;
import dev.loralimits.reference.ReferenceGradient;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lora-limits demo}: computes the built-in instance {@value #RESOURCE} by all four forms of
 * the reference and prints a short report: the instance, the loss, the gradients (rounded for
 * display), the agreement between the forms and the time each took.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Run the reference on a built-in instance (self-attention L=4, d=3, r=2, adapters on Q, K and"
          + " V, plus one cross-attention point) with all four forms E1, E2, E3, FD, and print the"
          + " loss, the gradients, how many digits the forms agree on, and their wall times.",
      ""
    })
final class DemoCommand implements Callable<Integer> {
  /** The built-in instance, a class-path resource. */
  static final String RESOURCE = "/dev/loralimits/demo-instance.json";
  /** Significant digits shown for each gradient entry (the computation carries --digits). */
  static final int DISPLAY_DIGITS = 12;
  /** Digits of the untimed warm-up run, so that JIT compilation is not charged to the first form. */
  private static final int WARM_UP_DIGITS = 5;

  @Spec private CommandSpec spec;

  @Option(
      names = "--digits",
      paramLabel = "N",
      defaultValue = "" + ReferenceGradient.DEFAULT_DIGITS,
      description =
          "Significant digits computed by every form, 1 to "
              + ReferenceGradient.MAX_DIGITS
              + " (default: ${DEFAULT-VALUE}).")
  private int digits;

  @Override
  public Integer call() throws IOException {
    Checks.inRange("--digits", digits, 1, ReferenceGradient.MAX_DIGITS);
    LoraInstance inst = builtIn();
    PrintWriter out = spec.commandLine().getOut();

    for (Form f : Form.values()) {
      ReferenceGradient.compute(inst, WARM_UP_DIGITS, f);
    }
    Map<Form, GradientResult> results = new EnumMap<>(Form.class);
    Map<Form, Long> nanos = new EnumMap<>(Form.class);
    for (Form f : Form.values()) {
      long start = System.nanoTime();
      results.put(f, ReferenceGradient.compute(inst, digits, f));
      nanos.put(f, System.nanoTime() - start);
    }

    describe(inst, out);
    GradientResult main = results.get(Form.THEOREM_F_1);
    out.println();
    out.printf(
        Locale.ROOT, "Loss (%d significant digits, by E3):%n  %s%n", digits, DecimalFormatting.significant(main.loss(), digits));
    int shown = Math.min(DISPLAY_DIGITS, digits);
    out.println();
    out.printf(
        Locale.ROOT,
        "Gradients (by E3), shown rounded to %d significant digits%n"
            + "  (computed to %d; 'lora-limits gradient' prints them all):%n",
        shown,
        digits);
    for (Map.Entry<Adapter, AdapterGradient> e : main.gradients().entrySet()) {
      printMatrix(out, "dLoss/dA_" + e.getKey(), e.getValue().a(), shown);
      printMatrix(out, "dLoss/dB_" + e.getKey(), e.getValue().b(), shown);
    }
    out.println();
    printAgreement(out, results);
    out.println();
    out.println("Wall time of each form at " + digits + " digits");
    out.println("  (after an untimed warm-up; each includes the certifying run at a second precision):");
    for (Form f : Form.values()) {
      out.printf(Locale.ROOT, "  %-3s %8.3f s   %s%n", f.tag(), nanos.get(f) / 1e9, f.description());
    }
    out.println();
    printFast(out, inst, main);
    out.flush();
    return Main.OK;
  }

  /** Requested accuracy of the demo's fast section. */
  static final double FAST_EPSILON = 1e-6;

  /**
   * The almost-linear algorithm (Theorems 3.1 / A.1) on the same instance: its certified degree,
   * rank and per-matrix bounds, and the actual error of each matrix against the reference above,
   * so that a reader sees the certificate hold (issue 12: the demo instance used to be refused).
   */
  private static void printFast(PrintWriter out, LoraInstance inst, GradientResult reference) {
    out.printf(Locale.ROOT, "Fast (almost-linear, Theorems 3.1 / A.1) at epsilon %.0e:%n", FAST_EPSILON);
    Answer fast;
    try {
      fast = Methods.fast(FAST_EPSILON, 1).compute(inst);
    } catch (OutsideEfficientRegimeException e) {
      out.println("  refused: " + Main.oneLine(e.getMessage()));
      return;
    }
    GradientExtras.Certificate c = fast.certificate().orElseThrow();
    out.printf(Locale.ROOT, "  certified: degree %d (%s), feature rank %d, score radius R = %.4g%n",
        c.degree(), c.polynomial().toLowerCase(Locale.ROOT), c.rank(), c.radius());
    out.println("  matrix         bound       actual error (vs the reference)");
    for (Map.Entry<Adapter, AdapterGradient> e : fast.result().gradients().entrySet()) {
      Adapter mu = e.getKey();
      AdapterGradient ref = reference.gradients().get(mu);
      GradientExtras.FactorBounds b = c.bound().get(mu);
      out.printf(Locale.ROOT, "  dLoss/dA_%s  %9.3e   %9.3e%n", mu, b.a(), maxDifference(e.getValue().a(), ref.a()));
      out.printf(Locale.ROOT, "  dLoss/dB_%s  %9.3e   %9.3e%n", mu, b.b(), maxDifference(e.getValue().b(), ref.b()));
    }
  }

  private static double maxDifference(DecimalMatrix x, DecimalMatrix y) {
    java.math.BigDecimal m = java.math.BigDecimal.ZERO;
    for (int i = 0; i < x.rows(); i++) {
      for (int j = 0; j < x.cols(); j++) {
        m = m.max(x.get(i, j).subtract(y.get(i, j)).abs());
      }
    }
    return m.doubleValue();
  }

  /** The built-in instance. */
  static LoraInstance builtIn() throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the built-in instance " + RESOURCE + " is missing from the jar");
      }
      return InstanceJson.read("demo-instance.json", in);
    }
  }

  private static void describe(LoraInstance inst, PrintWriter out) {
    out.println("Built-in instance (" + RESOURCE.substring(1) + "):");
    Projection q = inst.projection(Adapter.Q);
    Projection v = inst.projection(Adapter.V);
    out.printf(
        Locale.ROOT,
        "  N = %d data points, d = %d (W_Q %s, W_K %s, W_V %s), alpha = %s, beta = %s%n",
        inst.data().size(),
        q.inputWidth(),
        q.frozen().shape(),
        inst.projection(Adapter.K).frozen().shape(),
        v.frozen().shape(),
        inst.alpha().toPlainString(),
        inst.beta().toPlainString());
    StringJoiner adapters = new StringJoiner(", ");
    for (Adapter mu : inst.adapted()) {
      Projection p = inst.projection(mu);
      adapters.add(mu + " (r = " + p.rank().orElseThrow() + ", scale alpha/r = " + scale(inst, p) + ")");
    }
    out.println("  adapters: " + (adapters.length() == 0 ? "none" : adapters.toString()));
    for (int i = 0; i < inst.data().size(); i++) {
      DataPoint p = inst.data().get(i);
      out.printf(
          Locale.ROOT,
          "  data[%d]: %s%n",
          i,
          p.selfAttention()
              ? "self-attention, L = " + p.queryLength()
              : "cross-attention, Lq = " + p.queryLength() + ", Lk = " + p.keyLength());
    }
  }

  private static String scale(LoraInstance inst, Projection p) {
    return inst.alpha()
        .divide(java.math.BigDecimal.valueOf(p.rank().orElseThrow()), java.math.MathContext.DECIMAL64)
        .stripTrailingZeros()
        .toPlainString();
  }

  private static void printMatrix(PrintWriter out, String name, DecimalMatrix m, int shown) {
    out.printf(Locale.ROOT, "  %s (%s):%n", name, m.shape());
    List<String[]> rows = new ArrayList<>();
    int width = 1;
    for (int i = 0; i < m.rows(); i++) {
      String[] row = new String[m.cols()];
      for (int j = 0; j < m.cols(); j++) {
        row[j] = DecimalFormatting.significant(m.get(i, j), shown);
        width = Math.max(width, row[j].length());
      }
      rows.add(row);
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder("    ");
      for (String x : row) {
        line.append(String.format(Locale.ROOT, " %" + width + "s", x));
      }
      out.println(line);
    }
  }

  private void printAgreement(PrintWriter out, Map<Form, GradientResult> results) {
    out.println("Agreement between the forms, in significant digits:");
    out.println("  row a, column b: min over the loss and every gradient matrix of -log10(max|a-b| / max|b|)");
    Form[] forms = Form.values();
    int width = Math.max(8, ("all " + digits).length() + 2);
    StringBuilder header = new StringBuilder("     ");
    for (int j = 0; j < forms.length - 1; j++) {
      header.append(String.format(Locale.ROOT, "%" + width + "s", forms[j].tag()));
    }
    out.println(header);
    for (int i = 1; i < forms.length; i++) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-3s", forms[i].tag()));
      for (int j = 0; j < i; j++) {
        double d = FormAgreement.digits(results.get(forms[i]), results.get(forms[j]));
        line.append(String.format(Locale.ROOT, "%" + width + "s", agreement(d)));
      }
      out.println(line);
    }
    out.println("  'all " + digits + "': the two forms printed identical numbers. Each form is certified");
    out.println("  to " + digits + " significant digits on its own (precision contract, spec/FORMATS.md 3).");
  }

  private String agreement(double d) {
    if (Double.isInfinite(d)) {
      return "all " + digits;
    }
    return String.format(Locale.ROOT, "%.1f", Math.floor(d * 10) / 10);
  }
}
