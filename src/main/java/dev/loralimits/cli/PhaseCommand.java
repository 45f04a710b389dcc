package dev.loralimits.cli;

import dev.loralimits.phase.PhaseCharts;
import dev.loralimits.phase.PhasePoint;
import dev.loralimits.phase.PhaseReport;
import dev.loralimits.phase.PhaseSweep;
import dev.loralimits.phase.PhaseTiming;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lora-limits phase}: the phase transition of Remark 4.1 / 5.2 ({@link PhaseSweep}). Prints
 * the table to standard output, writes {@value PhaseReport#CSV}, {@value PhaseReport#SUMMARY_CSV}
 * and the plots ({@link PhaseCharts}) into {@code --out}; the progress bar goes to standard error.
 * Discussion: proofs-notes/PHASE.md.
 */
@Command(
    name = "phase",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Sweep Gamma / sqrt(ln L) (the norm bound of ||X^Q W_Q||_inf and ||X^K W_K||_inf, scaled by the"
          + " threshold of Theorem 4.1) over L and d, and report the degree and rank the almost-linear"
          + " algorithm certifies at epsilon = 1/L, the predicted cost ratio fast/exact and whether the"
          + " fast method answers within its default budget. Writes phase.csv, phase-summary.csv and"
          + " the plots phase-rank.{png,svg}, phase-cost.{png,svg}.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:computation failed or output not written", "2:usage error"})
final class PhaseCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "phase-out",
      description = "Directory for the CSV files and plots, created if missing (default: ${DEFAULT-VALUE}).")
  private Path out;

  @Option(
      names = "--quick",
      description = "Reduced sweep: 8 ratios 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, L = 2^8, 2^10, 2^12, d = 4, 8 (default: 20"
          + " ratios 0.1..2, L = 2^8..2^16, d = 2, 4, 8).")
  private boolean quick;

  @Option(
      names = "--measure",
      description = "Also time the fast and the exact algorithm (L = 2^12, 2^14, d = 4, ratios 0.1,"
          + " 0.2, 0.3; indicative only, see proofs-notes/BENCHMARKS.md).")
  private boolean measure;

  @Override
  public Integer call() throws IOException {
    System.setProperty("java.awt.headless", "true");
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    OutputFile.directory(out);
    PhaseSweep.Config config = quick ? PhaseSweep.Config.quick() : PhaseSweep.Config.full();
    long start = System.nanoTime();
    List<PhasePoint> points;
    try (ProgressBar bar = bar(err, "phase sweep", config.size())) {
      points = PhaseSweep.run(config, p -> {
        bar.setExtraMessage(String.format(Locale.ROOT, "d=%d L=%d ratio=%.2f", p.width(), p.length(), p.ratio()));
        bar.step();
      });
    }
    double sweepSeconds = (System.nanoTime() - start) / 1e9;
    PhaseReport.table(points, stdout);
    try {
      PhaseReport.writeCsv(points, out);
      PhaseCharts.write(points, out);
    } catch (IOException e) {
      throw new OutputFile.OutputException("cannot write into " + out + ": " + OutputFile.describe(e));
    }
    stdout.printf(Locale.ROOT, "%nSweep: %d points in %.1f s. Wrote %s, %s, %s.{png,svg}, %s.{png,svg} to %s%n",
        points.size(), sweepSeconds, PhaseReport.CSV, PhaseReport.SUMMARY_CSV, PhaseCharts.RANK, PhaseCharts.COST, out);
    if (measure) {
      stdout.println();
      err.println("timing the fast and the exact algorithm (about 90 s of CPU; minutes more of wall time when the machine is busy)...");
      PhaseReport.timings(PhaseTiming.measureDefault(PhaseSweep.SWEEP_BUDGET), stdout);
    }
    stdout.flush();
    return Main.OK;
  }

  /** A progress bar drawn on err with carriage returns, ended with a line break. */
  private static ProgressBar bar(PrintWriter err, String task, long max) {
    return StderrProgress.bar(err, task, max);
  }
}
