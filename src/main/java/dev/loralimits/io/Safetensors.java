package dev.loralimits.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an unsigned 64-bit little-endian header length N, N bytes of a UTF-8
 * JSON object {@code {NAME: {"dtype": "F64", "shape": [2, 3], "data_offsets": [BEGIN, END]}, ...,
 * "__metadata__": {STRING: STRING}}}, then the data buffer; each tensor's bytes are
 * {@code buffer[BEGIN, END)}, little-endian, C order.
 *
 * <p>The reader accepts dtypes {@code F64}, {@code F32}, {@code F16} and {@code BF16}, each value
 * read as the double it is exactly ({@link StoredFloat}); it requires, as the format's own
 * validation does, that the tensors' byte ranges tile the buffer exactly (sorted by BEGIN, each
 * starts where the previous ends, the last ends at the end of the file) and that
 * {@code END - BEGIN = prod(shape) * itemsize}. Duplicate keys are refused (Jackson's strict
 * duplicate detection); so are unknown fields of a tensor entry. {@code __metadata__}, when
 * present, must map strings to strings; it is returned, not interpreted.
 *
 * <p>A file is read whole ({@link #read}: every tensor, the element cap over all of them) or
 * selectively ({@link #header}, then {@link #tensor} for each tensor taken, by positional reads of
 * a {@link FileChannel}: spec/FORMATS.md 4.3, "Reading a base selectively"); both check the header
 * by the same rules, and a range beyond the end of the file is refused naming its tensor.
 */
final class Safetensors {
  private Safetensors() {}

  /** The metadata key of the header. */
  static final String METADATA = "__metadata__";

  private static final ObjectMapper JSON =
      new ObjectMapper(
          JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  /** Tensors and metadata of one file. */
  record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  /**
   * One header entry before its data is read: {@code buffer[begin, end)} holds {@code count()}
   * values of {@code dtype}.
   */
  record Entry(String name, StoredFloat dtype, int[] shape, long begin, long end) {
    /** The number of values, {@code prod(shape)}. */
    long count() {
      return (end - begin) / dtype.itemSize();
    }
  }

  /**
   * A checked header: the entries in header order, the metadata, and where the data buffer starts
   * in the file ({@code 8 + N}).
   */
  record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

  /**
   * Reads every tensor of a safetensors file, in header order.
   *
   * @throws InputException naming the file and the tensor for any problem
   */
  static Contents read(String source, byte[] b) {
    if (b.length < 8) {
      throw new InputException(source, InputException.FILE, "not a safetensors file: " + b.length + " bytes, shorter than the 8-byte header length");
    }
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    long n = headerLength(source, bb.getLong(0), b.length);
    Header h = header(source, b, 8, (int) n, b.length, new TensorLimits.Budget());
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Entry e : h.entries()) {
      tensors.put(e.name(), data(e, bb, (int) h.dataStart() + (int) e.begin()));
    }
    return new Contents(tensors, h.metadata());
  }

  /**
   * The header of the safetensors file {@code file}, read alone (its first {@code 8 + N} bytes):
   * every rule of {@link #read} but the element cap, which {@link #tensor} applies to the tensors
   * read (spec/FORMATS.md 4.5).
   *
   * @throws InputException naming the file (and the tensor) for any problem of the header
   */
  static Header header(String source, FileChannel file) {
    try {
      long size = file.size();
      if (size < 8) {
        throw new InputException(source, InputException.FILE, "not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
      }
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(source, "(header)", file, length, 0);
      long n = headerLength(source, length.getLong(0), size);
      ByteBuffer json = ByteBuffer.allocate((int) n);
      readFully(source, "(header)", file, json, 8);
      return header(source, json.array(), 0, (int) n, size, null);
    } catch (IOException e) {
      throw new InputException(source, InputException.FILE, "cannot read: " + TensorChecks.describe(e), e);
    }
  }

  /**
   * The tensor of {@code e}, read from {@code file} at {@code dataStart + begin} alone, its
   * elements taken from {@code budget} before it allocates.
   *
   * @throws InputException naming the file and the tensor when the budget is exceeded or the file
   *     ends before the tensor's bytes
   */
  static Tensor tensor(String source, FileChannel file, long dataStart, Entry e, TensorLimits.Budget budget) {
    String at = TensorChecks.path(e.name());
    budget.takeRead(source, at, e.count(), e.end() - e.begin());
    ByteBuffer b = ByteBuffer.allocate((int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
    try {
      readFully(source, at, file, b, dataStart + e.begin());
    } catch (IOException x) {
      throw new InputException(source, at, "cannot read: " + TensorChecks.describe(x), x);
    }
    return data(e, b, 0);
  }

  /** Fills {@code b} from {@code file} at {@code position}; the end of the file first is refused, naming {@code at}. */
  private static void readFully(String source, String at, FileChannel file, ByteBuffer b, long position) throws IOException {
    long p = position;
    while (b.hasRemaining()) {
      int k = file.read(b, p);
      if (k < 0) {
        throw new InputException(source, at, "the file ends at byte " + p + ", before the " + b.capacity() + " bytes from byte "
            + position + " were read (truncated)");
      }
      p += k;
    }
  }

  /** The header length {@code n} (unsigned) of a file of {@code size} bytes, within the cap and the file. */
  private static long headerLength(String source, long n, long size) {
    if (n < 0 || n > TensorLimits.MAX_HEADER_BYTES) {
      throw new InputException(source, "(header)", "header length " + Long.toUnsignedString(n) + " exceeds the limit of " + TensorLimits.MAX_HEADER_BYTES + " bytes (1 MiB)");
    }
    if (8 + n > size) {
      throw new InputException(source, "(header)", "truncated: the header declares " + n + " bytes, the file has " + (size - 8) + " after the length");
    }
    return n;
  }

  /**
   * The header held by {@code b[off, off + n)} of a file of {@code size} bytes: entries checked
   * one by one, then their byte ranges against each other and the file. With a {@code budget},
   * every entry's elements are taken from it (a file read whole); without, none are.
   */
  private static Header header(String source, byte[] b, int off, int n, long size, TensorLimits.Budget budget) {
    JsonNode root;
    try (JsonParser p = JSON.getFactory().createParser(b, off, n)) {
      root = JSON.readTree(p);
      if (p.nextToken() != null) {
        throw new InputException(source, "(header)", "unexpected content after the JSON object");
      }
    } catch (JsonProcessingException e) {
      throw new InputException(source, "(header)", "malformed JSON header: " + TensorChecks.describe(e), e);
    } catch (IOException e) {
      throw new InputException(source, "(header)", "cannot read the JSON header: " + TensorChecks.describe(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new InputException(source, "(header)", "the header is not a JSON object");
    }
    long dataLength = size - 8 - n;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> entries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getKey().equals(METADATA)) {
        metadata(source, f.getValue(), metadata);
      } else {
        if (entries.size() == TensorLimits.MAX_ENTRIES) {
          throw new InputException(source, "(header)", "more than " + TensorLimits.MAX_ENTRIES + " tensors");
        }
        entries.add(entry(source, f.getKey(), f.getValue(), budget));
      }
    }
    if (entries.isEmpty()) {
      throw new InputException(source, "(header)", "no tensors in the file");
    }
    List<Entry> byOffset = new ArrayList<>(entries);
    byOffset.sort(Comparator.comparingLong(Entry::begin));
    long at = 0;
    for (Entry e : byOffset) {
      if (e.begin() != at) {
        throw new InputException(source, TensorChecks.path(e.name()), "data_offsets [" + e.begin() + ", " + e.end() + "] "
            + (e.begin() < at ? "overlap" : "leave a gap after") + " the previous tensor's bytes (which end at " + at + ")");
      }
      if (e.end() > dataLength) {
        throw new InputException(source, TensorChecks.path(e.name()), "data_offsets [" + e.begin() + ", " + e.end()
            + "] extend beyond the end of the file (its data has " + dataLength + " bytes; truncated)");
      }
      at = e.end();
    }
    if (at != dataLength) {
      throw new InputException(source, InputException.FILE, "the tensors cover " + at + " data bytes, the file has " + dataLength + " (trailing bytes)");
    }
    return new Header(List.copyOf(entries), metadata, 8 + (long) n);
  }

  private static void metadata(String source, JsonNode m, Map<String, String> out) {
    if (!m.isObject()) {
      throw new InputException(source, METADATA, "expected an object of strings");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!f.getValue().isTextual()) {
        throw new InputException(source, METADATA + "." + Npy.shorten(f.getKey()), "expected a string");
      }
      out.put(f.getKey(), f.getValue().asText());
    }
  }

  private static Entry entry(String source, String name, JsonNode e, TensorLimits.Budget budget) {
    String at = TensorChecks.path(name);
    if (!e.isObject()) {
      throw new InputException(source, at, "expected an object with dtype, shape and data_offsets");
    }
    for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("dtype") && !f.equals("shape") && !f.equals("data_offsets")) {
        throw new InputException(source, at, "unknown field '" + Npy.shorten(f) + "' (expected dtype, shape and data_offsets)");
      }
    }
    JsonNode dtype = e.get("dtype");
    if (dtype == null || !dtype.isTextual()) {
      throw new InputException(source, at, "dtype missing or not a string");
    }
    StoredFloat kind = switch (dtype.asText()) {
      case "F64" -> StoredFloat.F64;
      case "F32" -> StoredFloat.F32;
      case "F16" -> StoredFloat.F16;
      case "BF16" -> StoredFloat.BF16;
      default -> throw new InputException(source, at, "dtype \"" + Npy.shorten(dtype.asText()) + "\" not supported (expected F64, F32, F16 or BF16)");
    };
    int itemSize = kind.itemSize();
    JsonNode shape = e.get("shape");
    if (shape == null || !shape.isArray()) {
      throw new InputException(source, at, "shape missing or not an array");
    }
    if (shape.size() > TensorLimits.MAX_RANK) {
      throw new InputException(source, at, "rank " + shape.size() + " > " + TensorLimits.MAX_RANK + " not supported (matrices are rank 2, scalars rank 0 or 1)");
    }
    int[] dims = new int[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      long d = nonNegative(source, at, "shape[" + i + "]", shape.get(i));
      if (d > TensorLimits.MAX_ELEMENTS) {
        throw new InputException(source, at, "shape: dimension " + d + " exceeds the limit of " + TensorLimits.MAX_ELEMENTS + " elements (2^26)");
      }
      dims[i] = (int) d;
    }
    long count;
    if (budget != null) {
      count = TensorChecks.elementCount(source, at, dims);
      budget.take(source, at, count);
    } else {
      // read selectively: only the tensors taken are capped (tensor); each dimension is at most
      // 2^26 and the rank at most 2, so the product stays below 2^52 and bytes below 2^55
      count = 1;
      for (int d : dims) {
        if (d < 1) {
          throw new InputException(source, at, "empty array: shape " + Tensor.shapeText(dims) + " (every dimension must be >= 1)");
        }
        count *= d;
      }
    }
    JsonNode offsets = e.get("data_offsets");
    if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
      throw new InputException(source, at, "data_offsets missing or not [begin, end]");
    }
    long begin = nonNegative(source, at, "data_offsets[0]", offsets.get(0));
    long end = nonNegative(source, at, "data_offsets[1]", offsets.get(1));
    if (end < begin || end - begin != count * itemSize) {
      throw new InputException(source, at, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes, shape "
          + Tensor.shapeText(dims) + " of " + dtype.asText() + " needs " + count * itemSize);
    }
    return new Entry(name, kind, dims, begin, end);
  }

  /** A JSON integer in {@code [0, 2^62]}. */
  private static long nonNegative(String source, String at, String what, JsonNode v) {
    if (!v.isIntegralNumber()) {
      throw new InputException(source, at, what + ": expected a non-negative integer, got " + Npy.shorten(v.toString()));
    }
    BigInteger x = v.bigIntegerValue();
    if (x.signum() < 0 || x.bitLength() > 62) {
      throw new InputException(source, at, what + ": " + Npy.shorten(x.toString()) + " is negative or too large");
    }
    return x.longValueExact();
  }

  /** The values of {@code e}, whose bytes start at {@code off} of {@code b}. */
  private static Tensor data(Entry e, ByteBuffer b, int off) {
    int size = e.dtype().itemSize();
    int count = (int) e.count();
    double[] v = new double[count];
    for (int i = 0; i < count; i++) {
      v[i] = e.dtype().get(b, off + size * i);
    }
    return new Tensor(e.name(), e.shape(), v);
  }

  /**
   * A safetensors file holding {@code tensors} as F64 in map order, with {@code metadata} (may be
   * empty); the header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
   */
  static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode m = header.putObject(METADATA);
      metadata.forEach(m::put);
    }
    long at = 0;
    for (Tensor t : tensors.values()) {
      ObjectNode e = header.putObject(t.name());
      e.put("dtype", "F64");
      var shape = e.putArray("shape");
      for (int d : t.shape()) {
        shape.add(d);
      }
      long end = at + 8L * t.values().length;
      e.putArray("data_offsets").add(at).add(end);
      at = end;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    int pad = (8 - json.length % 8) % 8;
    ByteBuffer out = ByteBuffer.allocate(8 + json.length + pad + (int) at).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(json.length + pad).put(json);
    for (int i = 0; i < pad; i++) {
      out.put((byte) ' ');
    }
    for (Tensor t : tensors.values()) {
      for (double x : t.values()) {
        out.putDouble(x);
      }
    }
    return out.array();
  }
}
