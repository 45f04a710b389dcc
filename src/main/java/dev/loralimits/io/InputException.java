package dev.loralimits.io;

/**
 * A problem with an input file, reported on one line as {@code <source>: <field path>: <problem>},
 * for example {@code inst.json: weights.Q.A[1]: row has 3 entries, expected 4 (ragged)}.
 *
 * <p>The field path uses dots for object fields and {@code [i]} for array positions, counted from
 * 0 ({@code data[0].XQ[2][1]}). Problems that concern the whole document use the path
 * {@code (document)}, problems with the file itself {@code (file)}, and malformed JSON uses
 * {@code line L, column C}. The message never contains a stack trace or a line break, so a
 * command-line tool may print {@link #getMessage()} alone. A size-limit refusal is the subclass
 * {@link LimitExceededException}, which names the limit.
 */
public class InputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Path used for problems that concern the document as a whole (empty, trailing content). */
  public static final String DOCUMENT = "(document)";

  /** Path used for problems reading the file (not found, unreadable, too large). */
  public static final String FILE = "(file)";

  private final String source;
  private final String path;
  private final String problem;

  /**
   * A problem at {@code path} of {@code source}.
   *
   * @param source the name of the input (a file name or a label such as {@code <stdin>})
   * @param path the field path, e.g. {@code data[0].XQ}
   * @param problem what is wrong and, where useful, the rule broken
   */
  public InputException(String source, String path, String problem) {
    this(source, path, problem, null);
  }

  /**
   * As {@link #InputException(String, String, String)}, keeping {@code cause} for debugging; the
   * cause never appears in the message.
   */
  public InputException(String source, String path, String problem, Throwable cause) {
    super(oneLine(source + ": " + path + ": " + problem), cause);
    this.source = source;
    this.path = path;
    this.problem = problem;
  }

  /** The name of the input. */
  public String source() {
    return source;
  }

  /** The field path of the problem ({@code weights.Q.A[1]}, {@code (document)}, ...). */
  public String path() {
    return path;
  }

  /** The problem, without source and path. */
  public String problem() {
    return problem;
  }

  /**
   * The same problem at another path, or worded otherwise (a reader that knows the user's name of
   * the field better), keeping this one as the cause; a subclass keeps its kind.
   *
   * @param path the new field path
   * @param problem the new problem text
   * @return the new exception
   */
  public InputException reworded(String path, String problem) {
    return new InputException(source, path, problem, this);
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
