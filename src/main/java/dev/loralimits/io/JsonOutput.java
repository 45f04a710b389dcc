package dev.loralimits.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;
import dev.loralimits.model.DecimalMatrix;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Function;

/**
 * Writing side shared by {@link InstanceJson} and {@link GradientJson}: a generator with a pretty
 * printer that indents objects and arrays by two spaces but keeps each matrix row (an array
 * inside an array) on one line, and numbers written from their decimal text, never through a
 * double. Public for the golden vectors ({@code dev.loralimits.vectors}), which embed instances in
 * a larger document written with the same layout.
 */
public final class JsonOutput {
  private static final JsonFactory FACTORY = new JsonFactory();

  /** Writes one document. */
  @FunctionalInterface
  public interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private JsonOutput() {}

  /**
   * Runs {@code body} on a fresh pretty-printing generator; returns the text plus a newline. The
   * layout depends only on the calls {@code body} makes (no platform line separator, no
   * configuration), so equal calls give equal text.
   */
  public static String write(Body body) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.setPrettyPrinter(new RowsPrettyPrinter());
      body.write(g);
    } catch (IOException e) {
      // A StringWriter does not fail; keep the signature free of IOException.
      throw new UncheckedIOException(e);
    }
    return out.append('\n').toString();
  }

  /**
   * Writes {@code m} as an array of rows, each entry formatted by {@code format}.
   *
   * @throws IllegalArgumentException when m is wide (its entries need {@link #significantMatrix})
   */
  static void matrix(JsonGenerator g, DecimalMatrix m, Function<BigDecimal, String> format)
      throws IOException {
    if (m.isWide()) {
      throw new IllegalArgumentException("a wide matrix (x 10^" + m.powerOfTen() + ") cannot be written entry by entry");
    }
    g.writeStartArray();
    for (int i = 0; i < m.rows(); i++) {
      g.writeStartArray();
      for (int j = 0; j < m.cols(); j++) {
        g.writeNumber(format.apply(m.get(i, j)));
      }
      g.writeEndArray();
    }
    g.writeEndArray();
  }

  /**
   * Writes {@code m} (wide or not) as an array of rows, every entry
   * {@link DecimalFormatting#significant(BigDecimal, long, int)} of its mantissa and the matrix's
   * power of ten.
   */
  static void significantMatrix(JsonGenerator g, DecimalMatrix m, int digits) throws IOException {
    g.writeStartArray();
    for (int i = 0; i < m.rows(); i++) {
      g.writeStartArray();
      for (int j = 0; j < m.cols(); j++) {
        g.writeNumber(DecimalFormatting.significant(m.mantissa(i, j), m.powerOfTen(), digits));
      }
      g.writeEndArray();
    }
    g.writeEndArray();
  }

  /**
   * Two-space indentation with one exception: an array directly inside an array (a matrix row)
   * is written on one line, {@code [1, 2, 3]}. Stateful: one instance per document.
   */
  private static final class RowsPrettyPrinter implements PrettyPrinter {
    private static final String INDENT = "  ";

    /** One entry per open container: true for an inline array (a row). */
    private final Deque<Boolean> inline = new ArrayDeque<>();

    /** One entry per open container: whether it is an array. */
    private final Deque<Boolean> isArray = new ArrayDeque<>();

    private void newline(JsonGenerator g) throws IOException {
      g.writeRaw('\n');
      for (int i = 0; i < inline.size(); i++) {
        g.writeRaw(INDENT);
      }
    }

    @Override
    public void writeRootValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw('\n');
    }

    @Override
    public void writeStartObject(JsonGenerator g) throws IOException {
      g.writeRaw('{');
      inline.push(false);
      isArray.push(false);
    }

    @Override
    public void beforeObjectEntries(JsonGenerator g) throws IOException {
      newline(g);
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
      g.writeRaw(',');
      newline(g);
    }

    @Override
    public void writeEndObject(JsonGenerator g, int nrOfEntries) throws IOException {
      inline.pop();
      isArray.pop();
      if (nrOfEntries > 0) {
        newline(g);
      }
      g.writeRaw('}');
    }

    @Override
    public void writeStartArray(JsonGenerator g) throws IOException {
      boolean row = !isArray.isEmpty() && isArray.peek();
      g.writeRaw('[');
      inline.push(row);
      isArray.push(true);
    }

    @Override
    public void beforeArrayValues(JsonGenerator g) throws IOException {
      if (!inline.peek()) {
        newline(g);
      }
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(',');
      if (inline.peek()) {
        g.writeRaw(' ');
      } else {
        newline(g);
      }
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
      boolean row = inline.pop();
      isArray.pop();
      if (!row && nrOfValues > 0) {
        newline(g);
      }
      g.writeRaw(']');
    }
  }
}
