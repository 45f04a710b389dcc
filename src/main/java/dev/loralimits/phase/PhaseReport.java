package dev.loralimits.phase;

import dev.loralimits.model.Checks;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sweep as text: the full table (stdout), {@value #CSV} (one row per point), the per-(d, L)
 * summary of where the phase boundary lies ({@value #SUMMARY_CSV}), and the timing table.
 */
public final class PhaseReport {
  /** File name of the point CSV. */
  public static final String CSV = "phase.csv";
  /** File name of the summary CSV. */
  public static final String SUMMARY_CSV = "phase-summary.csv";
  /** Header of {@value #CSV}. */
  static final String CSV_HEADER =
      "d,L,ratio,gamma,epsilon,radius,status,degree,rank,cost_ratio,operation_ratio,default_budget,"
          + "fast_answers,kernel_degree,kernel_rank,kernel_cost_ratio";
  /** Header of {@value #SUMMARY_CSV}. */
  static final String SUMMARY_HEADER =
      "d,L,default_budget,max_ratio_fast,max_ratio_certified,max_ratio_kernel_cost_below_1";

  private PhaseReport() {}

  /**
   * The boundary for one (d, L): the largest swept ratio at which the default-budget plan answers,
   * at which some degree is certified (sweep budget), and at which the kernel-only cost ratio is
   * below 1 (NaN: none).
   */
  public record Boundary(int width, int length, long defaultBudget, double maxFast, double maxCertified, double maxKernelCheap) {}

  /** One {@link Boundary} per (d, L), in sweep order. */
  public static List<Boundary> boundaries(List<PhasePoint> points) {
    Checks.notNull("points", points);
    Map<List<Integer>, List<PhasePoint>> groups = new LinkedHashMap<>();
    for (PhasePoint p : points) {
      groups.computeIfAbsent(List.of(p.width(), p.length()), k -> new ArrayList<>()).add(p);
    }
    List<Boundary> out = new ArrayList<>();
    for (List<PhasePoint> g : groups.values()) {
      double fast = Double.NaN;
      double cert = Double.NaN;
      double cheap = Double.NaN;
      for (PhasePoint p : g) {
        fast = p.fastAnswers() ? max(fast, p.ratio()) : fast;
        cert = p.certified() ? max(cert, p.ratio()) : cert;
        cheap = p.kernelCostRatio() < 1 ? max(cheap, p.ratio()) : cheap;
      }
      PhasePoint first = g.get(0);
      out.add(new Boundary(first.width(), first.length(), first.defaultBudget(), fast, cert, cheap));
    }
    return out;
  }

  private static double max(double acc, double x) {
    return Double.isNaN(acc) ? x : Math.max(acc, x);
  }

  /** The readable table, grouped by (d, L). */
  public static void table(List<PhasePoint> points, PrintWriter out) {
    out.println("Phase transition sweep: self-attention, W_Q = W_K = W_V = I_d, Q/K/V adapters r = 1,"
        + " epsilon = 1/L, Gamma = ratio * sqrt(ln L)");
    out.println("  R = certified score radius (about d Gamma^2); g, k1 = certified degree and rank"
        + " (sweep budget " + (points.isEmpty() ? "-" : points.get(0).sweepBudget()) + ");");
    out.println("  cost = predicted fast/exact = (L k1 d^2) / (L^2 d) = k1 d / L; default = does the"
        + " default-budget plan answer (fast) or refuse (exact cheaper);");
    out.println("  g_ker, k1_ker = kernel-only degree and rank (truncation <= 1/L, exact arithmetic).");
    String head = String.format(Locale.ROOT, "%2s %6s %5s %6s %8s %4s %9s %-14s %9s %6s %-7s %5s %9s %9s",
        "d", "L", "ratio", "Gamma", "R", "g", "k1", "status", "cost", "budget", "default", "g_ker", "k1_ker", "cost_ker");
    int lastD = -1;
    int lastL = -1;
    for (PhasePoint p : points) {
      if (p.width() != lastD || p.length() != lastL) {
        out.println();
        out.println(head);
        lastD = p.width();
        lastL = p.length();
      }
      out.println(String.format(Locale.ROOT, "%2d %6d %5.2f %6.3f %8.3f %4s %9s %-14s %9s %6d %-7s %5s %9s %9s",
          p.width(), p.length(), p.ratio(), p.gamma(), p.radius(),
          p.certified() ? Integer.toString(p.degree()) : "-",
          p.certified() ? Long.toString(p.rank()) : "-",
          p.status().label(), num(p.costRatio()), p.defaultBudget(), p.fastAnswers() ? "fast" : "exact",
          p.kernelDegree() < 0 ? "-" : Integer.toString(p.kernelDegree()), num(p.kernelRank()), num(p.kernelCostRatio())));
    }
    out.println();
    summary(points, out);
  }

  /** The boundary table. */
  public static void summary(List<PhasePoint> points, PrintWriter out) {
    out.println("Boundary (largest swept ratio Gamma/sqrt(ln L) with: default plan answers | a certificate exists"
        + " | kernel-only cost ratio < 1):");
    out.println(String.format(Locale.ROOT, "%2s %6s %7s %8s %10s %12s", "d", "L", "budget", "fast", "certified", "kernel<1"));
    for (Boundary b : boundaries(points)) {
      out.println(String.format(Locale.ROOT, "%2d %6d %7d %8s %10s %12s",
          b.width(), b.length(), b.defaultBudget(), ratio(b.maxFast()), ratio(b.maxCertified()), ratio(b.maxKernelCheap())));
    }
  }

  /** The timing table of {@code --measure}. */
  public static void timings(List<PhaseTiming> ts, PrintWriter out) {
    out.println("Indicative wall times (System.nanoTime, 1 thread, 1 warm-up + best of " + PhaseTiming.REPEATS
        + ", a warm-up over 2 s is the only run;");
    out.println("  JMH numbers are in proofs-notes/BENCHMARKS.md). fast runs with the sweep budget even where"
        + " the default budget refuses.");
    out.println(String.format(Locale.ROOT, "%6s %2s %5s %7s %7s %-7s %10s %10s %10s",
        "L", "d", "ratio", "k1", "budget", "default", "fast [s]", "exact [s]", "fast/exact"));
    for (PhaseTiming t : ts) {
      out.println(String.format(Locale.ROOT, "%6d %2d %5.2f %7s %7d %-7s %10s %10.4f %10s",
          t.length(), t.width(), t.ratio(), t.rank() < 0 ? "-" : Long.toString(t.rank()), t.defaultBudget(),
          t.fastByDefault() ? "fast" : "exact", Double.isNaN(t.fastSeconds()) ? "-" : String.format(Locale.ROOT, "%.4f", t.fastSeconds()),
          t.exactSeconds(), num(t.timeRatio())));
    }
  }

  /** Writes {@value #CSV} and {@value #SUMMARY_CSV} into dir. */
  public static void writeCsv(List<PhasePoint> points, Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(CSV_HEADER);
    for (PhasePoint p : points) {
      lines.add(String.format(Locale.ROOT, "%d,%d,%s,%s,%s,%s,%s,%d,%d,%s,%s,%d,%b,%d,%s,%s",
          p.width(), p.length(), p.ratio(), p.gamma(), p.epsilon(), p.radius(), p.status().name(),
          p.certified() ? p.degree() : -1, p.rank(), csv(p.costRatio()), csv(p.operationRatio()),
          p.defaultBudget(), p.fastAnswers(), p.kernelDegree(), csv(p.kernelRank()), csv(p.kernelCostRatio())));
    }
    Files.write(dir.resolve(CSV), lines, StandardCharsets.UTF_8);
    List<String> sum = new ArrayList<>();
    sum.add(SUMMARY_HEADER);
    for (Boundary b : boundaries(points)) {
      sum.add(String.format(Locale.ROOT, "%d,%d,%d,%s,%s,%s",
          b.width(), b.length(), b.defaultBudget(), csv(b.maxFast()), csv(b.maxCertified()), csv(b.maxKernelCheap())));
    }
    Files.write(dir.resolve(SUMMARY_CSV), sum, StandardCharsets.UTF_8);
  }

  private static String csv(double x) {
    return Double.isNaN(x) ? "" : Double.toString(x);
  }

  private static String ratio(double x) {
    return Double.isNaN(x) ? "none" : String.format(Locale.ROOT, "%.2f", x);
  }

  private static String num(double x) {
    if (Double.isNaN(x)) {
      return "-";
    }
    return Math.abs(x) >= 1e5 || Math.abs(x) < 1e-2 ? String.format(Locale.ROOT, "%.2e", x) : String.format(Locale.ROOT, "%.3g", x);
  }
}
