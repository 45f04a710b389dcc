package dev.loralimits.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The NumPy {@code .npy} format (numpy.lib.format, versions 1.0, 2.0 and 3.0), restricted to
 * what an instance needs: dtypes {@code '<f8'}, {@code '>f8'}, {@code '<f4'}, {@code '>f4'},
 * {@code '<f2'}, {@code '>f2'} (float64, float32, float16, each read exactly by
 * {@link StoredFloat}), C or Fortran order, rank at most 2.
 *
 * <p>Layout: the magic {@code \x93NUMPY}, a major and a minor version byte, the header length
 * (unsigned little-endian, 2 bytes in version 1, 4 bytes in 2 and 3), the header (a Python dict
 * literal {@code {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }}, padded with
 * spaces and a newline; Latin-1 in versions 1 and 2, UTF-8 in 3), then the data. The reader parses
 * the dict with a small strict parser (strings, {@code True}/{@code False}, tuples of
 * non-negative integers; exactly the three keys), checks every cap of {@link TensorLimits} before
 * it allocates, and requires the data to be exactly {@code prod(shape) * itemsize} bytes.
 */
final class Npy {
  private Npy() {}

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  /** numpy aligns the start of the data to 64 bytes (since numpy 1.14; 16 before). */
  private static final int ALIGN = 64;

  /** The dtypes read (the byte order is the descr's first character). */
  private static final Map<String, StoredFloat> DTYPE = Map.of(
      "<f8", StoredFloat.F64, ">f8", StoredFloat.F64,
      "<f4", StoredFloat.F32, ">f4", StoredFloat.F32,
      "<f2", StoredFloat.F16, ">f2", StoredFloat.F16);

  /**
   * Reads one array.
   *
   * @param source the file named in messages
   * @param name the tensor named in messages (and the result's name)
   * @param b the bytes of the .npy file
   * @param budget the elements still allowed in the file
   * @throws InputException naming source and tensor for any violation of the format or the caps
   */
  static Tensor read(String source, String name, byte[] b, TensorLimits.Budget budget) {
    if (b.length < MAGIC.length + 4) {
      throw error(source, TensorChecks.path(name), "not a .npy array: " + b.length + " bytes, shorter than the magic and header length");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (b[i] != MAGIC[i]) {
        throw error(source, TensorChecks.path(name), "not a .npy array: the magic \\x93NUMPY is missing");
      }
    }
    int major = b[6] & 0xff;
    int minor = b[7] & 0xff;
    if (major < 1 || major > 3 || minor != 0) {
      throw error(source, TensorChecks.path(name), ".npy format version " + major + "." + minor + " not supported (expected 1.0, 2.0 or 3.0)");
    }
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength;
    int start;
    if (major == 1) {
      headerLength = bb.getShort(8) & 0xffffL;
      start = 10;
    } else {
      if (b.length < 12) {
        throw error(source, TensorChecks.path(name), "truncated: the header length needs 4 bytes");
      }
      headerLength = bb.getInt(8) & 0xffffffffL;
      start = 12;
    }
    if (headerLength > TensorLimits.MAX_HEADER_BYTES) {
      throw error(source, TensorChecks.path(name), "header of " + headerLength + " bytes exceeds the limit of " + TensorLimits.MAX_HEADER_BYTES + " (1 MiB)");
    }
    if (start + headerLength > b.length) {
      throw error(source, TensorChecks.path(name), "truncated: the header declares " + headerLength + " bytes, the array has " + (b.length - start) + " after the header length");
    }
    String text = decode(source, TensorChecks.path(name), b, start, (int) headerLength, major == 3);
    Header h = new HeaderParser(source, TensorChecks.path(name), text).parse();
    StoredFloat kind = DTYPE.get(h.descr);
    int itemSize = kind.itemSize();
    long count = TensorChecks.elementCount(source, TensorChecks.path(name), h.shape);
    budget.take(source, TensorChecks.path(name), count);
    int dataStart = start + (int) headerLength;
    long dataBytes = b.length - (long) dataStart;
    if (dataBytes != count * itemSize) {
      throw error(
          source, name, "shape " + Tensor.shapeText(h.shape) + " of dtype '" + h.descr + "' needs " + count * itemSize
              + " data bytes, the array has " + dataBytes + (dataBytes < count * itemSize ? " (truncated)" : " (trailing bytes)"));
    }
    ByteBuffer data = ByteBuffer.wrap(b, dataStart, (int) dataBytes)
        .order(h.descr.charAt(0) == '<' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    double[] v = new double[(int) count];
    // Fortran order (what np.save writes for x.T or np.asfortranarray(x)): element (i, j) of an
    // r x c matrix is the (j r + i)-th stored value; rank 0 and 1 are the same in both orders.
    int rows = h.shape.length == 2 ? h.shape[0] : 1;
    int cols = h.shape.length == 2 ? h.shape[1] : v.length;
    for (int k = 0; k < v.length; k++) {
      int at = h.fortran && h.shape.length == 2 ? (k % cols) * rows + k / cols : k;
      v[k] = kind.get(data, dataStart + itemSize * at);
    }
    return new Tensor(name, h.shape, v);
  }

  /** The bytes of {@code t} as a version 1.0 {@code '<f8'} C-order array, data aligned to 64. */
  static byte[] write(Tensor t) {
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + t.shapeText() + ", }";
    return withHeader(dict, 1, littleEndianDoubles(t.values()));
  }

  /**
   * A .npy file of version {@code major}.0 with the header dict {@code dict} (padded to the
   * alignment) and the raw bytes {@code data}; for writers and for tests that forge headers.
   */
  static byte[] withHeader(String dict, int major, byte[] data) {
    byte[] d = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    int prefix = major == 1 ? 10 : 12;
    int unpadded = prefix + d.length + 1;
    int pad = (ALIGN - unpadded % ALIGN) % ALIGN;
    int headerLength = d.length + pad + 1;
    ByteBuffer out = ByteBuffer.allocate(prefix + headerLength + data.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) major).put((byte) 0);
    if (major == 1) {
      out.putShort((short) headerLength);
    } else {
      out.putInt(headerLength);
    }
    out.put(d);
    for (int i = 0; i < pad; i++) {
      out.put((byte) ' ');
    }
    out.put((byte) '\n').put(data);
    return out.array();
  }

  static byte[] littleEndianDoubles(double[] v) {
    ByteBuffer out = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : v) {
      out.putDouble(x);
    }
    return out.array();
  }

  private static String decode(String source, String name, byte[] b, int off, int len, boolean utf8) {
    if (!utf8) {
      return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }
    try {
      CharBuffer c = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, off, len));
      return c.toString();
    } catch (CharacterCodingException e) {
      throw new InputException(source, TensorChecks.path(name), "the version 3.0 header is not valid UTF-8", e);
    }
  }

  private static InputException error(String source, String name, String problem) {
    return new InputException(source, TensorChecks.path(name), problem);
  }

  /** The three fields of a header. */
  /** A parsed header: dtype, shape and whether the data is in column-major (Fortran) order. */
  private record Header(String descr, int[] shape, boolean fortran) {}

  /** A strict parser of the header dict: a Python literal with exactly three keys. */
  private static final class HeaderParser {
    private final String source;
    private final String name;
    private final String s;
    private int i;

    HeaderParser(String source, String name, String s) {
      this.source = source;
      this.name = name;
      this.s = s;
    }

    Header parse() {
      Map<String, Object> fields = new HashMap<>();
      blanks();
      expect('{');
      blanks();
      while (peek() != '}') {
        String key = string();
        blanks();
        expect(':');
        blanks();
        Object value = value();
        if (fields.put(key, value) != null) {
          throw bad("duplicate key '" + key + "'");
        }
        blanks();
        if (peek() == ',') {
          i++;
          blanks();
        } else if (peek() != '}') {
          throw bad("expected ',' or '}' at offset " + i);
        }
      }
      i++;
      blanks();
      if (i != s.length()) {
        throw bad("unexpected text after the dict at offset " + i);
      }
      for (String key : fields.keySet()) {
        if (!key.equals("descr") && !key.equals("fortran_order") && !key.equals("shape")) {
          throw bad("unknown key '" + shorten(key) + "' (expected descr, fortran_order and shape)");
        }
      }
      Object descr = fields.get("descr");
      Object fortran = fields.get("fortran_order");
      Object shape = fields.get("shape");
      if (!(descr instanceof String d)) {
        throw bad("'descr' missing or not a string");
      }
      if (!DTYPE.containsKey(d)) {
        throw new InputException(source, TensorChecks.path(name), "dtype '" + shorten(d) + "' not supported (expected '<f8', '>f8', '<f4', '>f4', '<f2' or '>f2': float64, float32 or float16)");
      }
      if (!(fortran instanceof Boolean f)) {
        throw bad("'fortran_order' missing or not True/False");
      }
      if (!(shape instanceof int[] sh)) {
        throw bad("'shape' missing or not a tuple");
      }
      return new Header(d, sh, f);
    }

    private Object value() {
      char c = peek();
      if (c == '\'' || c == '"') {
        return string();
      }
      if (s.startsWith("True", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("False", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      if (c == '(') {
        return tuple();
      }
      throw bad("unsupported value at offset " + i + " (expected a string, True, False or a tuple)");
    }

    private int[] tuple() {
      expect('(');
      int[] dims = new int[TensorLimits.MAX_RANK];
      int n = 0;
      blanks();
      while (peek() != ')') {
        int start = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
          i++;
        }
        if (i == start) {
          throw bad("shape: expected a non-negative integer at offset " + i);
        }
        String digits = s.substring(start, i);
        if (n == TensorLimits.MAX_RANK) {
          throw new InputException(source, TensorChecks.path(name), "rank > " + TensorLimits.MAX_RANK + " not supported (matrices are rank 2, scalars rank 0 or 1)");
        }
        // Longer than 10 digits certainly exceeds the element limit; checked before parsing.
        long dim = digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(digits);
        if (dim > TensorLimits.MAX_ELEMENTS) {
          throw new InputException(source, TensorChecks.path(name), "shape: dimension " + shorten(digits) + " exceeds the limit of " + TensorLimits.MAX_ELEMENTS + " elements (2^26)");
        }
        dims[n++] = (int) dim;
        blanks();
        if (peek() == ',') {
          i++;
          blanks();
        } else if (peek() != ')') {
          throw bad("shape: expected ',' or ')' at offset " + i);
        }
      }
      i++;
      return java.util.Arrays.copyOf(dims, n);
    }

    private String string() {
      char q = peek();
      if (q != '\'' && q != '"') {
        throw bad("expected a quoted key at offset " + i);
      }
      int end = s.indexOf(q, i + 1);
      if (end < 0) {
        throw bad("unterminated string at offset " + i);
      }
      String v = s.substring(i + 1, end);
      if (v.indexOf('\\') >= 0) {
        throw bad("escapes in strings not supported");
      }
      i = end + 1;
      return v;
    }

    private void blanks() {
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\n' || s.charAt(i) == '\t' || s.charAt(i) == '\r')) {
        i++;
      }
    }

    private char peek() {
      if (i >= s.length()) {
        throw bad("header dict ends early");
      }
      return s.charAt(i);
    }

    private void expect(char c) {
      if (peek() != c) {
        throw bad("expected '" + c + "' at offset " + i);
      }
      i++;
    }

    private InputException bad(String problem) {
      return new InputException(source, TensorChecks.path(name), "malformed .npy header: " + problem);
    }
  }

  /** Longest name or text quoted whole in a message ({@link #shorten}). */
  static final int SHOWN_CHARS = 160;
  /** Characters kept at each end of a longer text. */
  static final int SHOWN_END_CHARS = 70;

  /**
   * {@code s} without control characters, for messages, shortened beyond {@value #SHOWN_CHARS}
   * characters at its middle. Only for text of a file that is not a tensor name and may be any
   * junk: unknown header fields and npy dict keys, dtype strings, metadata keys and values,
   * numbers that do not parse, exception descriptions. Tensor names are never shortened
   * ({@link TensorChecks#path}, FORMATS 4.3).
   */
  static String shorten(String s) {
    String t = s.length() <= SHOWN_CHARS
        ? s
        : s.substring(0, SHOWN_END_CHARS) + "..." + s.substring(s.length() - SHOWN_END_CHARS);
    return t.replaceAll("\\p{Cntrl}", "?");
  }
}
