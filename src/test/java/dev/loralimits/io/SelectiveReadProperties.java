package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The selective safetensors reader ({@link Safetensors#header}, {@link Safetensors#tensor}: a
 * base file read by positional reads, spec/FORMATS.md 4.3) against the whole-file reader
 * ({@link Safetensors#read}) on the mutated files of {@link TensorReaderFuzzProperties}: reading
 * every tensor selectively gives the same tensors when the whole read accepts the file, and a
 * one-line refusal naming the file when it refuses; the header rules are the same.
 */
class SelectiveReadProperties {
  private static Path dir;

  @BeforeContainer
  static void makeDir() throws IOException {
    dir = Files.createTempDirectory("selective-read");
  }

  @AfterContainer
  static void removeDir() throws IOException {
    try (var s = Files.list(dir)) {
      for (Path p : s.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  /** The safetensors seeds of the reader fuzz (instances and gradients, both layouts). */
  private static final List<TensorReaderFuzzProperties.Seed> SEEDS =
      TensorReaderFuzzProperties.SEEDS.stream().filter(s -> s.format() == TensorFiles.Format.SAFETENSORS).toList();

  @Property(tries = 2000)
  @Label("FORMATS 4.3: a safetensors file read selectively holds what it holds read whole, or both refuse it")
  void selectiveAndWholeReadsAgree(
      @ForAll @IntRange(min = 0, max = 3) int seedIndex, @ForAll @IntRange(min = 0, max = 5) int mutation, @ForAll long randomSeed)
      throws IOException {
    TensorReaderFuzzProperties.Seed seed = SEEDS.get(seedIndex % SEEDS.size());
    Random rnd = new Random(randomSeed);
    String kind;
    byte[] b;
    switch (mutation) {
      case 0 -> { kind = "truncate"; b = java.util.Arrays.copyOf(seed.bytes(), rnd.nextInt(seed.bytes().length)); }
      case 1 -> { kind = "flip bytes"; b = TensorReaderFuzzProperties.flip(seed.bytes(), rnd, 1 + rnd.nextInt(8)); }
      case 2 -> { kind = "safetensors header"; b = TensorReaderFuzzProperties.forgedSafetensors(rnd); }
      case 3 -> { kind = "trailing bytes"; b = java.util.Arrays.copyOf(seed.bytes(), seed.bytes().length + 1 + rnd.nextInt(16)); }
      default -> { kind = "none"; b = seed.bytes(); }
    }
    Statistics.label("mutation").collect(kind);
    Path file = dir.resolve("s.safetensors");
    Files.write(file, b);
    String source = file.toString();
    Map<String, Tensor> whole = null;
    try {
      whole = Safetensors.read(source, b).tensors();
    } catch (InputException e) {
      oneLine(source, e);
    }
    Map<String, Tensor> selective = null;
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      Safetensors.Header h = Safetensors.header(source, c);
      TensorLimits.Budget budget = new TensorLimits.Budget();
      budget.takeHeader(h.dataStart());
      Map<String, Tensor> t = new LinkedHashMap<>();
      for (Safetensors.Entry e : h.entries()) {
        t.put(e.name(), Safetensors.tensor(source, c, h.dataStart(), e, budget));
      }
      selective = t;
    } catch (InputException e) {
      oneLine(source, e);
    }
    String outcome = whole != null ? "read" : "refused";
    Statistics.label("outcome").collect(outcome);
    Statistics.label("mutation").coverage(c -> {
      for (String k : new String[] {"truncate", "flip bytes", "safetensors header", "trailing bytes", "none"}) {
        c.check(k).count(n -> n > 0);
      }
    });
    Statistics.label("outcome").coverage(c -> {
      c.check("refused").count(n -> n > 0);
      c.check("read").count(n -> n > 0);
    });
    if (whole == null) {
      assertThat(selective).as("refused whole, read selectively (%s)", kind).isNull();
    } else {
      assertThat(selective).as("read whole, refused selectively (%s)", kind).isNotNull();
      assertThat(new ArrayList<>(selective.values())).isEqualTo(new ArrayList<>(whole.values()));
    }
  }

  private static void oneLine(String source, InputException e) {
    String m = e.getMessage();
    if (!m.startsWith(source + ": ") || m.contains("\n") || e.path().isEmpty()) {
      fail("not a one-line '<file>: <tensor>: <rule>' message: " + m);
    }
  }
}
