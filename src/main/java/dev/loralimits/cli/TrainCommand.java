package dev.loralimits.cli;

import dev.loralimits.fast.DoubleInstance;
import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.io.TensorLayout;
import dev.loralimits.model.Checks;
import dev.loralimits.train.Boundary;
import dev.loralimits.train.NormControl;
import dev.loralimits.train.Optimizer;
import dev.loralimits.train.StepRecord;
import dev.loralimits.train.Task;
import dev.loralimits.train.TrainReport;
import dev.loralimits.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lora-limits train}: LoRA fine-tuning of the adapters of a synthetic task ({@link Task}) or
 * of an instance file, each step's gradient from auto (fast when certified, else exact), fast or
 * exact, with the norms of Theorems 3.1 / 4.1 logged per step ({@link Trainer}). Writes
 * {@value TrainReport#CSV}, {@value TrainReport#JSONL} and {@code train.{png,svg}} into
 * {@code --out}; a summary on standard output, the progress bar on standard error. Notes:
 * proofs-notes/TRAIN.md.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Train the LoRA adapters (A, B of Q, K, V) by gradient descent or Adam, each step's gradient from"
          + " the fast certified algorithm when it answers (auto), and log per step the loss, the norms"
          + " Gamma = ||X W||_inf of Theorems 3.1 / 4.1 and Gamma / sqrt(ln L), the method, degree, rank,"
          + " certified bound and time. Writes train.csv, train.jsonl and the plot train.{png,svg}.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:computation failed, refused or output not written", "2:usage error"})
final class TrainCommand implements Callable<Integer> {
  /** The tasks of {@code --task}. */
  static final List<String> TASKS = List.of("teacher", "large");
  /** The starting instance, written into --out (the PyTorch reproduction reads it). */
  static final String START = "start.json";

  @Spec private CommandSpec spec;

  @Mixin private ProgressOption progress;

  @Option(names = "--task", paramLabel = "NAME", defaultValue = "teacher",
      description = "Synthetic task: teacher (its solution lies inside the efficient regime) or large (its solution"
          + " needs large norms, so training leaves the regime); ignored with --instance (default: ${DEFAULT-VALUE}).")
  private String task;

  @Option(names = "--instance", paramLabel = "FILE",
      description = "Train the adapters of this instance file (.json, .npz, .safetensors) instead of a task.")
  private Path instance;

  @Option(names = "--steps", paramLabel = "N", defaultValue = "200", description = "Gradient steps (default: ${DEFAULT-VALUE}).")
  private int steps;

  @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "adam",
      description = "adam (PyTorch's defaults beta1 0.9, beta2 0.999, eps 1e-8) or gd (default: ${DEFAULT-VALUE}).")
  private String optimizer;

  @Option(names = "--lr", paramLabel = "X", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
  private double lr;

  @Option(names = "--method", paramLabel = "NAME", defaultValue = "auto",
      description = "auto (fast when it certifies epsilon and is the cheaper method, else exact), fast (a refusal"
          + " ends the run) or exact (default: ${DEFAULT-VALUE}).")
  private String method;

  @Option(names = "--epsilon", paramLabel = "E", defaultValue = "1e-6",
      description = "The fast method's max-entry accuracy per gradient (default: ${DEFAULT-VALUE}).")
  private double epsilon;

  @Option(names = "--norm-control", paramLabel = "RATIO",
      description = "Keep ||X^Q W_Q||_inf and ||X^K W_K||_inf <= RATIO * sqrt(ln L) after every step (the adapter is"
          + " pulled back toward the frozen weight; proofs-notes/TRAIN.md §3). Default: no control.")
  private Double normControl;

  @Option(names = "--length", paramLabel = "L", defaultValue = "4096", description = "Task sequence length (default: ${DEFAULT-VALUE}).")
  private int length;

  @Option(names = "--width", paramLabel = "D", defaultValue = "4", description = "Task width d (default: ${DEFAULT-VALUE}).")
  private int width;

  @Option(names = "--rank", paramLabel = "R", defaultValue = "2", description = "Task LoRA rank (default: ${DEFAULT-VALUE}).")
  private int rank;

  @Option(names = "--points", paramLabel = "N", defaultValue = "1", description = "Task data points (default: ${DEFAULT-VALUE}).")
  private int points;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Task seed (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the available processors).")
  private Integer threads;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "train-out",
      description = "Directory for train.csv, train.jsonl and the plots, created if missing (default: ${DEFAULT-VALUE}).")
  private Path out;

  @Option(names = "--no-plot", description = "Write the CSV and JSON lines only.")
  private boolean noPlot;

  @Override
  public Integer call() throws IOException {
    System.setProperty("java.awt.headless", "true");
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Trainer.Method m = method(method);
    Checks.argument(steps >= 0, "--steps (" + steps + ") must be >= 0");
    Checks.argument(lr > 0 && Double.isFinite(lr), "--lr (" + lr + ") must be finite and > 0");
    Checks.argument(epsilon > 0 && Double.isFinite(epsilon), "--epsilon (" + epsilon + ") must be finite and > 0");
    Checks.argument(normControl == null || (normControl > 0 && Double.isFinite(normControl)),
        "--norm-control (" + normControl + ") must be finite and > 0");
    int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    Checks.argument(t >= 1, "--threads (" + t + ") must be >= 1");
    Optimizer opt = switch (optimizer.strip().toLowerCase(Locale.ROOT)) {
      case "adam" -> Optimizer.Adam.of(lr);
      case "gd" -> new Optimizer.GradientDescent(lr);
      default -> throw new IllegalArgumentException("--optimizer '" + optimizer + "' (expected adam or gd)");
    };
    String name;
    DoubleInstance start;
    if (instance != null) {
      name = instance.getFileName().toString();
      start = DoubleInstance.of(InputFiles.instance(instance, TensorLayout.OURS, dev.loralimits.io.ReadLimits.DEFAULT, System.in));
      Checks.argument(!start.weights().values().stream().noneMatch(DoubleInstance.Weight::isAdapted),
          instance + ": no projection is adapted, so there is nothing to train");
    } else {
      String tn = task.strip().toLowerCase(Locale.ROOT);
      Checks.argument(TASKS.contains(tn), "--task '" + task + "' (expected one of " + String.join(", ", TASKS) + ")");
      Checks.argument(length >= 2, "--length (" + length + ") must be >= 2");
      Checks.argument(width >= 1 && rank >= 1 && points >= 1, "--width, --rank and --points must be >= 1");
      Task tk = tn.equals("teacher") ? Task.teacher(length, width, rank, points, seed) : Task.large(length, width, rank, points, seed);
      name = "task " + tn + " (teacher ratio " + tk.teacherRatio() + ")";
      start = tk.student();
    }
    int l = start.points().stream().mapToInt(p -> p.xk().length).max().orElse(2);
    Checks.argument(l >= 2, "the keys must have length >= 2 (Gamma / sqrt(ln L) needs ln L > 0)");
    double root = Math.sqrt(Math.log(l));
    NormControl control = normControl == null ? NormControl.none() : NormControl.maxEntry(normControl * root);
    OutputFile.directory(out);
    OutputFile.write(out.resolve(START), dev.loralimits.io.InstanceJson.write(dev.loralimits.train.Training.toLoraInstance(start))
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    List<StepRecord> log = new ArrayList<>();
    long t0 = System.nanoTime();
    Trainer.Run run;
    try (StderrProgress bar = new StderrProgress(err, "train", progress.mode())) {
      run = Trainer.run(start, new Trainer.Config(steps, m, epsilon, t, opt, control), r -> {
        log.add(r);
        bar.advance(r.step() + 1, steps);
      });
    } catch (OutsideEfficientRegimeException e) {
      writeLogs(log);
      throw new OutsideEfficientRegimeException("step " + log.size() + ": --method fast refused: "
          + e.getMessage().strip().replaceAll("\\s*[\\r\\n]+\\s*", " ") + " (the steps before it are in " + out + ")",
          e.degree(), e.rank(), e.radius(), e.budget());
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    writeLogs(run.steps());
    int width0 = start.weight(dev.loralimits.model.Adapter.Q).frozen()[0].length;
    double boundary = noPlot ? Double.NaN : Boundary.ratio(l, width0, epsilon);
    if (!noPlot) {
      try {
        TrainReport.writePlot(run.steps(), "LoRA training, " + name + ", L = " + l + ", " + opt.name(), boundary,
            normControl == null ? Double.NaN : normControl, out);
      } catch (IOException e) {
        throw new OutputFile.OutputException("cannot write into " + out + ": " + OutputFile.describe(e));
      }
    }
    summary(stdout, name, l, run, seconds, boundary);
    stdout.flush();
    return Main.OK;
  }

  private void writeLogs(List<StepRecord> log) {
    try {
      TrainReport.writeCsv(log, out.resolve(TrainReport.CSV));
      TrainReport.writeJsonLines(log, out.resolve(TrainReport.JSONL));
    } catch (IOException e) {
      throw new OutputFile.OutputException("cannot write into " + out + ": " + OutputFile.describe(e));
    }
  }

  private void summary(PrintWriter o, String name, int l, Trainer.Run run, double seconds, double boundary) {
    List<StepRecord> s = run.steps();
    long fast = s.stream().filter(r -> r.method().equals("fast")).count();
    double gradSeconds = s.stream().mapToLong(StepRecord::wallNanos).sum() / 1e9;
    o.printf(Locale.ROOT, "Trained %s, L = %d: %d steps in %.1f s (gradients %.1f s), %d fast and %d exact.%n",
        name, l, s.size(), seconds, gradSeconds, fast, s.size() - fast);
    if (!s.isEmpty()) {
      o.printf(Locale.ROOT, "Loss %.6e -> %.6e; Gamma / sqrt(ln L) %.4f -> %.4f (largest %.4f).%n",
          s.get(0).loss(), run.finalLoss(), s.get(0).ratio(), s.get(s.size() - 1).ratio(),
          s.stream().mapToDouble(StepRecord::ratio).max().orElse(Double.NaN));
      for (int i = 1; i < s.size(); i++) {
        if (!s.get(i).method().equals(s.get(i - 1).method())) {
          o.printf(Locale.ROOT, "Step %d: %s -> %s at Gamma / sqrt(ln L) = %.4f%s%n", i, s.get(i - 1).method(),
              s.get(i).method(), s.get(i).ratio(), s.get(i).refusal().isEmpty() ? "" : " (" + s.get(i).refusal() + ")");
        }
      }
    }
    if (Double.isFinite(boundary)) {
      o.printf(Locale.ROOT, "Phase boundary (the phase instance at this L, d and epsilon): fast answers up to Gamma / sqrt(ln L) = %.3f.%n", boundary);
    }
    o.printf("Wrote %s, %s, %s%s to %s%n", START, TrainReport.CSV, TrainReport.JSONL, noPlot ? "" : ", " + TrainReport.PLOT + ".{png,svg}", out);
  }

  static Trainer.Method method(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "auto" -> Trainer.Method.AUTO;
      case "fast" -> Trainer.Method.FAST;
      case "exact" -> Trainer.Method.EXACT;
      default -> throw new IllegalArgumentException("--method '" + text + "' (expected auto, fast or exact)");
    };
  }
}
