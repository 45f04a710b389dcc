package dev.loralimits.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.loralimits.model.CandidateMatrix;
import dev.loralimits.model.DecimalMatrix;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A streaming JSON reader shared by {@link InstanceJson} and {@link GradientJson}: it walks a
 * Jackson {@link JsonParser} token by token, keeps the field path of the current value, reads
 * every number exactly as a {@link BigDecimal} (from the token's text, never through a double),
 * and turns every problem into an {@link InputException}.
 *
 * <p>Streaming (rather than a databind tree) keeps memory close to the size of the matrices
 * themselves, which matters at the size limits of {@link ReadLimits#DEFAULT}.
 */
final class JsonSource {

  /** Matrix entries read so far in this document. */
  private long documentEntries;

  /** The body of a document: reads the current top-level value of field {@code name}. */
  @FunctionalInterface
  interface FieldHandler {
    void field(String name, String path) throws IOException;
  }

  /** Reads a whole document from an open source. */
  @FunctionalInterface
  interface DocumentReader<T> {
    T read(JsonSource s) throws IOException;
  }

  /**
   * Longest number token accepted, in characters (Jackson's default of 1000 would refuse long
   * exact decimals; the byte limit bounds the document anyway).
   */
  private static final int MAX_NUMBER_CHARS = 1_000_000;

  /** Longest piece of a string value quoted back in a message. */
  private static final int QUOTE_CHARS = 40;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          // NaN and Infinity tokens are parsed so that they can be reported as non-finite numbers
          // rather than as malformed JSON; they are always rejected below.
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNumberLength(MAX_NUMBER_CHARS).build())
          .build();

  /** A model message "name rest", name being a field path such as data[0].XQ. */
  private static final Pattern MODEL_MESSAGE = Pattern.compile("([A-Za-z][\\w.\\[\\]]*) (.+)");

  /** Values like NaN, inf, -Infinity, +nan written as strings (case-insensitive). */
  private static final Pattern NON_FINITE =
      Pattern.compile("[+-]?(nan|inf|infinity|infinite)", Pattern.CASE_INSENSITIVE);

  /** The syntax of a decimal number, as BigDecimal reads it. */
  private static final Pattern DECIMAL_SYNTAX =
      Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

  private final String source;
  private final JsonParser p;
  private final ReadLimits limits;

  private JsonSource(String source, JsonParser p, ReadLimits limits) {
    this.source = source;
    this.p = p;
    this.limits = limits;
  }

  // ---------------------------------------------------------------------------------------------
  // Opening sources

  /** Reads {@code file}, named by its path as given. */
  static <T> T read(Path file, ReadLimits limits, DocumentReader<T> reader) {
    String source = file.toString();
    try {
      if (Files.isDirectory(file)) {
        throw new InputException(source, InputException.FILE, "is a directory, expected a file");
      }
      long size = Files.size(file);
      if (size > limits.maxBytes()) {
        throw new LimitExceededException(
            source, InputException.FILE, "too large: " + size + " bytes, limit " + limits.maxBytes() + " (FORMATS 1.7)",
            LimitExceededException.Limit.JSON_BYTES);
      }
      try (InputStream in = Files.newInputStream(file)) {
        return read(source, in, limits, reader);
      }
    } catch (NoSuchFileException e) {
      throw new InputException(source, InputException.FILE, "not found", e);
    } catch (AccessDeniedException e) {
      throw new InputException(source, InputException.FILE, "cannot read (permission denied)", e);
    } catch (IOException e) {
      throw new InputException(source, InputException.FILE, "cannot read: " + e.getMessage(), e);
    }
  }

  /** Reads the stream {@code in} (left open), named {@code source} in messages. */
  static <T> T read(String source, InputStream in, ReadLimits limits, DocumentReader<T> reader) {
    if (in == null) {
      throw new InputException(source, InputException.FILE, "no input stream");
    }
    InputStream buffered = in.markSupported() ? in : new java.io.BufferedInputStream(in);
    try {
      buffered.mark(HEAD_BYTES);
      byte[] head = buffered.readNBytes(HEAD_BYTES);
      buffered.reset();
      Optional<String> other = FileKind.mismatch(head, FileKind.JSON);
      if (other.isPresent()) {
        throw new InputException(source, InputException.FILE, other.get());
      }
    } catch (IOException e) {
      throw new InputException(source, InputException.FILE, "cannot read: " + e.getMessage(), e);
    }
    try (JsonParser parser = FACTORY.createParser(new LimitedStream(buffered, limits.maxBytes()))) {
      return reader.read(new JsonSource(source, parser, limits));
    } catch (TooLarge e) {
      throw new LimitExceededException(
          source, InputException.FILE, "too large: more than " + limits.maxBytes() + " bytes (FORMATS 1.7)",
          LimitExceededException.Limit.JSON_BYTES, e);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null ? InputException.DOCUMENT : "line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new InputException(source, where, "malformed JSON: " + plainParserMessage(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw new InputException(source, InputException.FILE, "cannot read: " + e.getMessage(), e);
    }
  }

  /** Bytes looked at to tell what a file is ({@link FileKind}). */
  private static final int HEAD_BYTES = 16;

  /**
   * The JSON parser's message without its internals (issue 10): character codes
   * {@code (code 44)}, the list of its token kinds (with its own {@code 'NaN'/'+INF'} syntax), and
   * the "JSON String, Number" names, which are replaced by what a user wrote or should write.
   */
  static String plainParserMessage(String m) {
    if (m == null) {
      return "unreadable";
    }
    String s = m.replaceAll("\\s*\\(code [^)]*\\)", "").replaceAll("\\p{Cntrl}", "?");
    s = s.replaceAll("\\('(.{1,2})'\\)", "'$1'");
    s = s.replaceAll("\\(JSON String, Number( \\(or 'NaN'/'\\+INF'/'-INF'\\))?, Array, Object or token 'null', 'true' or 'false'\\)", "a JSON value");
    s = s.replaceAll("\\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]", "line $1, column $2");
    s = s.replace("expected close marker for Object (start marker at ", "a '}' is missing (the object opens at ")
        .replace("expected close marker for Array (start marker at ", "a ']' is missing (the array opens at ");
    s = s.replace("Unexpected character", "unexpected character")
        .replace("Unexpected end-of-input", "unexpected end of the file")
        .replace("Unrecognized token", "unrecognized token")
        .replace(" within/between Object entries", " inside an object")
        .replace(" within/between Array entries", " inside an array");
    return oneLineText(s);
  }

  private static String oneLineText(String s) {
    return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  // ---------------------------------------------------------------------------------------------
  // Document structure

  /**
   * Reads a top-level object whose field "format" must equal {@code format}, handing every other
   * field to {@code handler}. Duplicate fields are errors. An error in one field does not stop the
   * reading: the rest of that field is skipped and the first such error is thrown at the end, after
   * a wrong or missing "format" (so a file of the wrong kind is reported as such) and after a
   * trailing-content check.
   *
   * @throws InputException on the first problem, as described
   * @throws IOException on malformed JSON or a read failure
   */
  void readTopLevel(String format, FieldHandler handler) throws IOException {
    readTopLevel(format, List.of(), handler);
  }

  /**
   * As {@link #readTopLevel(String, FieldHandler)}, and every field of {@code required} must be
   * present: all missing fields, "format" included, are reported in one message
   * ({@code (document): missing fields format (expected "..."), gradients}); a single missing field
   * as {@code <field>: missing field}. A missing "format" is reported before errors inside fields,
   * other missing fields after them.
   *
   * @throws InputException on the first problem, as described
   * @throws IOException on malformed JSON or a read failure
   */
  void readTopLevel(String format, List<String> required, FieldHandler handler) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw error(InputException.DOCUMENT, "empty input, expected a JSON object");
    }
    if (t != JsonToken.START_OBJECT) {
      throw error(InputException.DOCUMENT, "expected a JSON object, got " + describe(t));
    }
    JsonStreamContext top = p.getParsingContext();
    Set<String> seen = new HashSet<>();
    InputException formatError = null;
    InputException firstError = null;
    boolean formatSeen = false;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      try {
        if (!seen.add(name)) {
          throw error(name, "duplicate field");
        }
        if (name.equals("format")) {
          formatSeen = true;
          formatError = checkFormat(format);
        } else {
          handler.field(name, name);
        }
      } catch (InputException e) {
        if (firstError == null) {
          firstError = e;
        }
        skipTo(top);
      }
    }
    List<String> missing = new ArrayList<>();
    for (String r : required) {
      if (!seen.contains(r)) {
        missing.add(r);
      }
    }
    if (!formatSeen && missing.isEmpty()) {
      formatError = error("format", "missing field, expected \"" + format + "\"");
    } else if (!formatSeen) {
      missing.add(0, "format (expected \"" + format + "\")");
      formatError = missingFields(missing);
    }
    if (formatError != null) {
      throw formatError;
    }
    if (firstError != null) {
      throw firstError;
    }
    if (!missing.isEmpty()) {
      throw missingFields(missing);
    }
    if (p.nextToken() != null) {
      throw error(InputException.DOCUMENT, "unexpected content after the top-level object");
    }
  }

  /** "f: missing field" for one field, "(document): missing fields f, g" for several. */
  private InputException missingFields(List<String> missing) {
    if (missing.size() == 1) {
      return error(missing.get(0), "missing field");
    }
    return error(InputException.DOCUMENT, "missing fields " + String.join(", ", missing));
  }

  private InputException checkFormat(String format) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_STRING) {
      skip();
      return error("format", "expected the string \"" + format + "\", got " + describe(t));
    }
    String got = p.getText();
    if (!got.equals(format)) {
      String hint = format.equals(InstanceJson.FORMAT) && got.equals(LayerJson.FORMAT)
          ? " (an attention-layer instance: run `lora-limits layer`)" : "";
      return error("format", "expected \"" + format + "\", got " + quote(got) + hint);
    }
    return null;
  }

  /** Advances until the parser is back in {@code context} (after an error inside a value). */
  private void skipTo(JsonStreamContext context) throws IOException {
    while (p.getParsingContext() != context) {
      if (p.nextToken() == null) {
        throw error(InputException.DOCUMENT, "unexpected end of input");
      }
    }
  }

  /**
   * Reads the object at the current token, handing each field to {@code handler} with its path.
   * Duplicate fields are errors.
   *
   * @throws InputException when the current value is not an object, or from the handler
   */
  void readObject(String path, String what, FieldHandler handler) throws IOException {
    expect(JsonToken.START_OBJECT, path, what);
    Set<String> seen = new HashSet<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      String at = path + "." + name;
      if (!seen.add(name)) {
        throw error(at, "duplicate field");
      }
      p.nextToken();
      handler.field(name, at);
    }
  }

  /**
   * Reads the array at the current token, calling {@code element} with each element's path
   * {@code path[i]} and index; returns the number of elements.
   */
  int readArray(String path, String what, ElementHandler element) throws IOException {
    expect(JsonToken.START_ARRAY, path, what);
    int i = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      element.element(path + "[" + i + "]", i);
      i++;
    }
    return i;
  }

  /** Called for each array element, positioned on its first token. */
  @FunctionalInterface
  interface ElementHandler {
    void element(String path, int index) throws IOException;
  }

  /** Skips the current value (and its children). */
  void skip() throws IOException {
    p.skipChildren();
  }

  /** Whether {@code name} is an extension field ({@code x-...}), which readers ignore. */
  static boolean isExtension(String name) {
    return name.startsWith("x-");
  }

  // ---------------------------------------------------------------------------------------------
  // Values

  /** The current value as a string. */
  String string(String path) throws IOException {
    expect(JsonToken.VALUE_STRING, path, "a string");
    return p.getText();
  }

  /**
   * The current value as an integer in {@code [1, Integer.MAX_VALUE]}: any JSON number with an
   * integer value ({@code 17}, {@code 17.0}, {@code 1.7e1}).
   *
   * @throws InputException "expected a positive integer, got ..." naming the value otherwise
   */
  int positiveInt(String path) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw error(path, "expected a positive integer, got " + describe(t));
    }
    String text = p.getText();
    if (p.isNaN()) {
      throw error(path, "expected a positive integer, got " + text);
    }
    BigDecimal v = decimal(path, text);
    if (v.signum() <= 0) {
      throw error(path, "expected a positive integer, got " + text);
    }
    BigDecimal stripped = v.stripTrailingZeros();
    if (stripped.scale() > 0) {
      throw error(path, "expected a positive integer, got " + text + " (not an integer)");
    }
    // The integer digits (precision - scale) are checked before any conversion, which for
    // 1e999999999 would build a billion-digit integer.
    if ((long) stripped.precision() - stripped.scale() > 10 || stripped.toBigInteger().bitLength() > 31) {
      throw error(path, "expected a positive integer, got " + text + " (larger than " + Integer.MAX_VALUE + ")");
    }
    return stripped.intValueExact();
  }

  /**
   * The current value as an exact decimal: a JSON number, or a JSON string holding a decimal
   * number such as {@code "0.1"} or {@code "1e-30"}.
   *
   * @throws InputException "non-finite number" for NaN or infinities (token or string), "expected
   *     a number" for anything else that is not a finite decimal
   */
  BigDecimal number(String path) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      if (p.isNaN()) {
        throw error(path, "non-finite number (" + p.getText() + ")");
      }
      return decimal(path, p.getText());
    }
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      if (NON_FINITE.matcher(s.strip()).matches()) {
        throw error(path, "non-finite number (" + quote(s) + ")");
      }
      return decimal(path, s);
    }
    throw error(path, "expected a number, got " + describe(t));
  }

  /**
   * The current value of a candidate: as {@link #number}, except that NaN and the infinities (the
   * tokens {@code NaN}, {@code Infinity}, {@code -Infinity} that Python's json.dump writes, or such
   * strings) are returned as their kind instead of refused.
   *
   * @return a {@link BigDecimal} or a {@link CandidateMatrix.NonFinite}
   */
  private Object candidateValue(String path) throws IOException {
    JsonToken t = p.currentToken();
    if ((t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) && p.isNaN()) {
      return CandidateMatrix.NonFinite.of(p.getDoubleValue());
    }
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText().strip();
      if (NON_FINITE.matcher(s).matches()) {
        if (s.toLowerCase(java.util.Locale.ROOT).contains("nan")) {
          return CandidateMatrix.NonFinite.NAN;
        }
        return s.startsWith("-") ? CandidateMatrix.NonFinite.NEGATIVE_INFINITY : CandidateMatrix.NonFinite.POSITIVE_INFINITY;
      }
    }
    return number(path);
  }

  /** A candidate scalar ({@link #candidateValue}) as a 1 x 1 matrix. */
  CandidateMatrix candidateScalar(String path) throws IOException {
    Object v = candidateValue(path);
    return v instanceof BigDecimal x ? CandidateMatrix.scalar(x) : CandidateMatrix.scalar((CandidateMatrix.NonFinite) v);
  }

  /**
   * The exact decimal of {@code text}, which must match FORMATS §1.5's syntax with ASCII digits:
   * {@code new BigDecimal} alone also accepts other Unicode digits ("１", "١", and "1٠" as 10).
   */
  private BigDecimal decimal(String path, String text) {
    if (!DECIMAL_SYNTAX.matcher(text).matches()) {
      boolean ascii = text.chars().allMatch(c -> c < 128);
      throw error(path, (ascii ? "expected a number" : "expected a number in ASCII digits") + ", got " + quote(text));
    }
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      // Well-formed, but the exponent does not fit a BigDecimal scale (an int).
      throw error(path, "number out of range (exponent too large), got " + quote(text));
    }
  }

  /**
   * The current value as a matrix: a non-empty array of non-empty rows of equal length, each
   * entry read by {@link #number}.
   *
   * @throws InputException "empty matrix", "empty row", "row has n entries, expected m (ragged)",
   *     "too large", or a type or number problem, each at its path
   */
  DecimalMatrix matrix(String path) throws IOException {
    return DecimalMatrix.of(path, rows(path, false).values());
  }

  /**
   * The current value as a candidate matrix: as {@link #matrix}, each entry read by
   * {@link #candidateValue}, so that NaN and infinities are kept (and counted) rather than refused.
   *
   * @throws InputException as {@link #matrix}, except for non-finite entries
   */
  CandidateMatrix candidateMatrix(String path) throws IOException {
    Rows r = rows(path, true);
    return CandidateMatrix.of(path, r.values(), r.nonFinite());
  }

  /** The entries of a matrix as read: numbers, and (null when there are none) the non-finite kinds. */
  private record Rows(BigDecimal[][] values, CandidateMatrix.NonFinite[][] nonFinite) {}

  private Rows rows(String path, boolean candidate) throws IOException {
    expect(JsonToken.START_ARRAY, path, "a matrix (an array of rows)");
    List<BigDecimal[]> rows = new ArrayList<>();
    List<CandidateMatrix.NonFinite[]> kinds = new ArrayList<>();
    boolean anyNonFinite = false;
    List<BigDecimal> row = new ArrayList<>();
    List<CandidateMatrix.NonFinite> rowKinds = new ArrayList<>();
    int cols = -1;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      String rowPath = path + "[" + rows.size() + "]";
      expect(JsonToken.START_ARRAY, rowPath, "a row (an array of numbers)");
      row.clear();
      rowKinds.clear();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        if (++documentEntries > limits.maxEntries()) {
          throw new LimitExceededException(source, path, "too large: the document has more than "
              + limits.maxEntries() + " matrix entries (FORMATS 1.7)", LimitExceededException.Limit.JSON_ENTRIES);
        }
        String at = rowPath + "[" + row.size() + "]";
        Object v = candidate ? candidateValue(at) : number(at);
        if (v instanceof BigDecimal x) {
          row.add(x);
          rowKinds.add(null);
        } else {
          row.add(null);
          rowKinds.add((CandidateMatrix.NonFinite) v);
          anyNonFinite = true;
        }
      }
      if (row.isEmpty()) {
        throw error(rowPath, "empty row");
      }
      if (cols < 0) {
        cols = row.size();
      } else if (row.size() != cols) {
        throw error(
            rowPath, "row has " + row.size() + " entries, expected " + cols + " (ragged)");
      }
      rows.add(row.toArray(new BigDecimal[0]));
      kinds.add(rowKinds.toArray(new CandidateMatrix.NonFinite[0]));
    }
    if (rows.isEmpty()) {
      throw error(path, "empty matrix");
    }
    return new Rows(rows.toArray(new BigDecimal[0][]), anyNonFinite ? kinds.toArray(new CandidateMatrix.NonFinite[0][]) : null);
  }

  // ---------------------------------------------------------------------------------------------
  // Errors

  /** An error at {@code path} of this source. */
  InputException error(String path, String problem) {
    return new InputException(source, path, problem);
  }

  /**
   * Translates a model precondition failure into an input error. Model messages start with the
   * name of the field ({@code "XV has 2 rows, expected 3 (...)"}); {@code prefix} (such as
   * {@code "data[0]."}) makes that name a full field path.
   */
  InputException translate(String prefix, IllegalArgumentException e) {
    String message = prefix + e.getMessage();
    Matcher m = MODEL_MESSAGE.matcher(message);
    if (m.matches()) {
      return new InputException(source, m.group(1), m.group(2), e);
    }
    return new InputException(source, InputException.DOCUMENT, message, e);
  }

  private void expect(JsonToken expected, String path, String what) {
    JsonToken t = p.currentToken();
    if (t != expected) {
      throw error(path, "expected " + what + ", got " + describe(t));
    }
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "end of input";
    }
    switch (t) {
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return t.asString() == null ? t.name() : t.asString();
    }
  }

  /** {@code s} in double quotes, shortened to {@value #QUOTE_CHARS} characters. */
  private static String quote(String s) {
    String shown = s.length() <= QUOTE_CHARS ? s : s.substring(0, QUOTE_CHARS) + "...";
    return "\"" + shown.replaceAll("[\\p{Cntrl}]", "?") + "\"";
  }

  // ---------------------------------------------------------------------------------------------
  // Byte limit

  /** Signals that the input exceeded {@link ReadLimits#maxBytes()}. */
  private static final class TooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super("input too large");
    }
  }

  /** An input stream that fails with {@link TooLarge} once more than {@code max} bytes are read. */
  private static final class LimitedStream extends FilterInputStream {
    private final long max;
    private long count;

    LimitedStream(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long k = super.skip(n);
      count(k);
      return k;
    }

    @Override
    public void close() {
      // The caller owns the underlying stream.
    }

    private void count(long n) throws TooLarge {
      count += n;
      if (count > max) {
        throw new TooLarge();
      }
    }
  }
}
