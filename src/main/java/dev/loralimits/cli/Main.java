package dev.loralimits.cli;

import dev.loralimits.fast.OutsideEfficientRegimeException;
import dev.loralimits.io.InputException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code lora-limits} command: subcommands {@link GradientCommand gradient},
 * {@link CheckCommand check}, {@link DemoCommand demo}, {@link PhaseCommand phase} and {@link VectorsCommand vectors}.
 *
 * <p>Exit codes: {@value #OK} success, {@value #COMPUTATION_FAILED} the computation failed or was
 * refused (the precision contract could not be certified, the fast method is outside its efficient
 * regime, or an internal error) or its result could not be written, {@value #UNUSABLE_INPUT}
 * unusable input or a usage error. Every failure is reported on one line of standard error (usage
 * errors add a one-line hint); no stack trace is printed unless the environment variable
 * {@value #DEBUG_ENV} is {@code 1}.
 */
@Command(
    name = "lora-limits",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    subcommands = {
      GradientCommand.class, CheckCommand.class, LayerCommand.class, DemoCommand.class, PhaseCommand.class, TrainCommand.class, VectorsCommand.class,
      CommandLine.HelpCommand.class
    },
    description = {
      "Arbitrary-precision reference for \"Computational Limits of Low-Rank Adaptation (LoRA)"
          + " Fine-Tuning for Transformer Models\" (Hu, Su, Kuo, Song, Liu; ICLR 2025,"
          + " arXiv:2406.03136): the loss and the adapter gradients of LoRA attention.",
      ""
    },
    commandListHeading = "%nCommands:%n",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:computation failed or refused (precision not certified, outside the efficient regime,"
          + " internal error), or the result could not be written",
      "2:unusable input or usage error"
    },
    footer = {"", "Run 'lora-limits COMMAND --help' for the options of a command."})
public final class Main implements Runnable {
  /** The version printed by {@code --version}. */
  public static final String VERSION = "0.1.0-SNAPSHOT";
  /** The program name used in messages. */
  public static final String NAME = "lora-limits";

  /** Exit code: success. */
  public static final int OK = 0;
  /** Exit code: the computation failed or was refused. */
  public static final int COMPUTATION_FAILED = 1;
  /** Exit code: unusable input or usage error. */
  public static final int UNUSABLE_INPUT = 2;

  /** Environment variable that, set to {@code 1}, adds stack traces to internal errors. */
  public static final String DEBUG_ENV = "LORA_LIMITS_DEBUG";

  @Spec private CommandSpec spec;

  /** Version text for picocli. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {NAME + " " + VERSION};
    }
  }

  /** Without a subcommand: a usage error. */
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command (gradient, check, layer, demo, phase, train, vectors or help)");
  }

  /**
   * Runs the command line {@code args}, writing results to {@code out} and messages to
   * {@code err}; never throws and never calls {@code System.exit}.
   *
   * @return the exit code: {@value #OK}, {@value #COMPUTATION_FAILED} or {@value #UNUSABLE_INPUT}
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    PrintWriter outWriter = new PrintWriter(out, true, StandardCharsets.UTF_8);
    PrintWriter errWriter = new PrintWriter(err, true, StandardCharsets.UTF_8);
    try {
      CommandLine cl = new CommandLine(new Main());
      cl.setOut(outWriter);
      cl.setErr(errWriter);
      registerConverters(cl);
      cl.setParameterExceptionHandler(Main::usageError);
      cl.setExecutionExceptionHandler((e, line, parsed) -> failure(e, line.getErr()));
      int code = cl.execute(args == null ? new String[0] : args);
      return outputChecked(code, outWriter, out, errWriter);
    } catch (Exception | StackOverflowError | OutOfMemoryError e) {
      // Failures outside picocli's handlers (e.g. while building the command model).
      return failure(e, errWriter);
    } finally {
      outWriter.flush();
      errWriter.flush();
    }
  }

  /**
   * A successful {@code code} becomes {@value #COMPUTATION_FAILED} with one line on standard
   * error when writing the result failed ({@code > /dev/full}, a closed pipe): a result that did
   * not reach its reader is not a success (issue 10). {@link PrintWriter} and {@link PrintStream}
   * never throw; their error flags are the only trace of a failed write.
   */
  static int outputChecked(int code, PrintWriter outWriter, PrintStream out, PrintWriter err) {
    boolean failed = outWriter.checkError() | out.checkError();
    if (!failed || code != OK) {
      return code;
    }
    err.println(NAME + ": error writing standard output (disk full or closed pipe?); the result is incomplete");
    err.flush();
    return COMPUTATION_FAILED;
  }

  /**
   * Entry point of the jar: exits with the code of {@link #run}. Standard output is opened on
   * its file descriptor, not through {@code System.out}, which would swallow write errors before
   * {@link #outputChecked} could see them.
   */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    System.exit(run(args, out, err));
  }

  /**
   * Option value converters that refuse in plain words what picocli's defaults refuse with Java
   * names ("cannot convert ... to interface java.nio.file.Path (java.nio.file.InvalidPathException
   * ...)", found by OptionFuzzProperties) or accept against the spec (Integer.parseInt reads
   * fullwidth and other Unicode digits; numbers are ASCII, FORMATS 1.5).
   */
  static void registerConverters(CommandLine cl) {
    cl.registerConverter(Path.class, s -> {
      try {
        return Path.of(s);
      } catch (InvalidPathException e) {
        throw new CommandLine.TypeConversionException("'" + oneLine(s).replaceAll("\\p{Cntrl}", "?")
            + "' is not a usable file name (" + e.getReason() + ")");
      }
    });
    CommandLine.ITypeConverter<Integer> ascii = s -> {
      if (!s.matches("[+-]?[0-9]{1,10}")) {
        throw new CommandLine.TypeConversionException("'" + oneLine(s).replaceAll("\\p{Cntrl}", "?") + "' is not an integer (ASCII digits)");
      }
      long v = Long.parseLong(s);
      if (v != (int) v) {
        throw new CommandLine.TypeConversionException("'" + s + "' is out of range");
      }
      return (int) v;
    };
    cl.registerConverter(java.math.BigDecimal.class, s -> {
      if (!s.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]{1,9})?")) {
        throw new CommandLine.TypeConversionException(
            "'" + oneLine(s).replaceAll("\\p{Cntrl}", "?") + "' is not a decimal number (ASCII digits, e.g. 1e-9)");
      }
      return new java.math.BigDecimal(s);
    });
    cl.registerConverter(Integer.class, ascii);
    cl.registerConverter(Integer.TYPE, ascii);
    CommandLine.ITypeConverter<Long> asciiLong = s -> {
      if (!s.matches("[+-]?[0-9]{1,19}")) {
        throw new CommandLine.TypeConversionException("'" + oneLine(s).replaceAll("\\p{Cntrl}", "?") + "' is not an integer (ASCII digits)");
      }
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + s + "' is out of range");
      }
    };
    cl.registerConverter(Long.class, asciiLong);
    cl.registerConverter(Long.TYPE, asciiLong);
  }

  /** A picocli usage error: its message and a one-line hint, exit {@value #UNUSABLE_INPUT}. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    String message = oneLine(e.getMessage());
    if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
      // picocli's own near-miss suggestions (subcommand or option names), on the same line
      message += " (did you mean " + String.join(" or ", u.getSuggestions().stream().map(x -> "'" + x + "'").toList()) + "?)";
    }
    err.println(NAME + ": " + message);
    String name = cl.getCommandSpec().qualifiedName();
    err.println("Try '" + name + " --help' for usage.");
    err.flush();
    return UNUSABLE_INPUT;
  }

  /**
   * Maps an exception from a command to one line on {@code err} and an exit code:
   *
   * <ul>
   *   <li>{@link InputException}: its message as is (it names file, field and rule), exit 2;
   *   <li>{@link IllegalArgumentException} (bad digits, a model rule): exit 2;
   *   <li>{@link ArithmeticException} (precision not certified, a double overflowed): exit 1;
   *   <li>{@link OutsideEfficientRegimeException} (the fast method refused): its message, exit 1;
   *   <li>{@link OutputFile.OutputException} (an output file was not written): its message, exit 1;
   *   <li>anything else: "internal error", exit 1, with a stack trace only under {@value #DEBUG_ENV}.
   * </ul>
   */
  static int failure(Throwable e, PrintWriter err) {
    int code;
    if (e instanceof InputException) {
      err.println(oneLine(e.getMessage()));
      code = UNUSABLE_INPUT;
    } else if (e instanceof ParameterException pe) {
      code = usageError(pe, new String[0]);
    } else if (e instanceof IllegalArgumentException) {
      err.println(NAME + ": " + oneLine(e.getMessage()));
      code = UNUSABLE_INPUT;
    } else if (e instanceof ArithmeticException
        || e instanceof OutsideEfficientRegimeException
        || e instanceof OutputFile.OutputException) {
      err.println(NAME + ": " + oneLine(e.getMessage()));
      code = COMPUTATION_FAILED;
    } else if (e instanceof OutOfMemoryError) {
      err.println(NAME + ": out of memory: the input or the computation needs more than the Java heap ("
          + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB); give it more, e.g. JAVA_TOOL_OPTIONS=-Xmx8g");
      code = COMPUTATION_FAILED;
    } else {
      err.println(NAME + ": internal error: " + e.getClass().getName() + ": " + oneLine(e.getMessage()));
      if ("1".equals(System.getenv(DEBUG_ENV))) {
        e.printStackTrace(err);
      }
      code = COMPUTATION_FAILED;
    }
    err.flush();
    return code;
  }

  /** {@code s} with line breaks folded into spaces, so that a message stays on one line. */
  static String oneLine(String s) {
    return s == null ? "(no message)" : s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
