package dev.loralimits.cli;

import static dev.loralimits.cli.CheckpointCliExamples.args;
import static dev.loralimits.cli.CheckpointCliExamples.f;
import static dev.loralimits.cli.CheckpointCliExamples.layer;
import static dev.loralimits.cli.CheckpointCliExamples.ok;
import static dev.loralimits.cli.CheckpointCliExamples.refused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A safetensors base read selectively (spec/FORMATS.md 4.3, 4.5): a checkpoint whose
 * {@code model.embed_tokens.weight} declares 3 GiB, written as a sparse file (the header and the
 * small tensors at their offsets, the embedding a hole made by {@link RandomAccessFile#setLength}),
 * so that the file is larger than any cap while the disk holds a few kB; the answers of
 * {@code layer} and {@code gradient} must equal those for the small fixture. Headers that lie are
 * refused in one line naming the file and the tensor; the caps count the bytes read.
 */
class SparseCheckpointCliExamples {
  @TempDir static Path tmp;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The declared embedding: 393216 x 4096 bfloat16 values, 3 GiB (beyond the 256 MiB file cap and 2^31). */
  static final int[] BIG_EMBEDDING = {393216, 4096};

  static final long GIB = 1L << 30;

  /** One tensor of a file to write: its bytes, or null for a hole of {@code length} bytes. */
  record Part(String name, String dtype, int[] shape, byte[] bytes, long length) {}

  /** The tensors of the Llama fixture, in header order, each with its bytes. */
  static List<Part> fixture() throws Exception {
    byte[] b = Files.readAllBytes(Path.of(f("llama-checkpoint.safetensors")));
    long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    JsonNode h = JSON.readTree(new String(b, 8, (int) n, StandardCharsets.UTF_8));
    List<Part> parts = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      JsonNode v = e.getValue();
      int[] shape = new int[v.get("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = v.get("shape").get(i).asInt();
      }
      long begin = v.get("data_offsets").get(0).asLong();
      long end = v.get("data_offsets").get(1).asLong();
      byte[] data = Arrays.copyOfRange(b, (int) (8 + n + begin), (int) (8 + n + end));
      parts.add(new Part(e.getKey(), v.get("dtype").asText(), shape, data, data.length));
    }
    return parts;
  }

  /** The fixture's tensors with {@code model.embed_tokens.weight} declared 3 GiB, a hole. */
  static List<Part> bigEmbedding() throws Exception {
    List<Part> out = new ArrayList<>();
    for (Part p : fixture()) {
      out.add(p.name().equals("model.embed_tokens.weight")
          ? new Part(p.name(), "BF16", BIG_EMBEDDING, null, 2L * BIG_EMBEDDING[0] * BIG_EMBEDDING[1])
          : p);
    }
    return out;
  }

  /**
   * Writes {@code parts} as safetensors at {@code file}, tiling the data in order, holes left
   * unwritten; {@code offsets} may replace an entry's data_offsets in the header (a lying header);
   * the file is {@code lengthChange} bytes longer (negative: shorter) than the header says.
   */
  static Path write(String file, List<Part> parts, Map<String, long[]> offsets, long lengthChange) throws Exception {
    ObjectNode h = JSON.createObjectNode();
    h.putObject("__metadata__").put("format", "pt");
    Map<Part, Long> at = new LinkedHashMap<>();
    long pos = 0;
    for (Part p : parts) {
      ObjectNode e = h.putObject(p.name());
      e.put("dtype", p.dtype());
      var s = e.putArray("shape");
      for (int d : p.shape()) {
        s.add(d);
      }
      long[] o = offsets.getOrDefault(p.name(), new long[] {pos, pos + p.length()});
      e.putArray("data_offsets").add(o[0]).add(o[1]);
      at.put(p, pos);
      pos += p.length();
    }
    byte[] json = JSON.writeValueAsString(h).getBytes(StandardCharsets.UTF_8);
    Path out = tmp.resolve(file);
    try (RandomAccessFile r = new RandomAccessFile(out.toFile(), "rw")) {
      byte[] len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array();
      r.write(len);
      r.write(json);
      long start = 8 + json.length;
      for (Map.Entry<Part, Long> e : at.entrySet()) {
        if (e.getKey().bytes() != null) {
          r.seek(start + e.getValue());
          r.write(e.getKey().bytes());
        }
      }
      r.setLength(start + pos + lengthChange);
    }
    return out;
  }

  static Path sparse;

  @BeforeAll
  static void setUp() throws Exception {
    CheckpointCliExamples.dir = tmp;
    CheckpointCliExamples.setUp();
    sparse = write("big-model.safetensors", bigEmbedding(), Map.of(), 0);
  }

  @Test
  void theSparseFileIsLargerThanTheFileCapAndThan2To31Bytes() throws Exception {
    // the embedding lies before layer 1's projections: they are read beyond 3 GiB (long offsets)
    assertThat(Files.size(sparse)).isGreaterThan(3 * GIB).isGreaterThan(Integer.MAX_VALUE);
  }

  @Test
  void layerAndGradientOfTheSparseCheckpointEqualTheSmallFixture() {
    String small = ok(layer("--layout", "peft", "--base", f("llama-layer1-small.safetensors"), "--layer", "1", f("llama-adapter-qvo.safetensors")));
    assertThat(ok(layer("--layout", "peft", "--base", sparse.toString(), "--layer", "1", f("llama-adapter-qvo.safetensors"))))
        .contains("\"O\": {").isEqualTo(small);
    String[] gradient = {"gradient", "--method", "exact", "--layout", "peft", "--base"};
    String g = ok(args(gradient, f("llama-layer1-small.safetensors"), "--layer", "1", f("llama-adapter.safetensors")));
    assertThat(ok(args(gradient, sparse.toString(), "--layer", "1", f("llama-adapter.safetensors")))).contains("\"Q\": {").isEqualTo(g);
    assertThat(ok(args(gradient, sparse.toString(), "--module", "model.layers.1.self_attn", f("llama-adapter.safetensors")))).isEqualTo(g);
  }

  @Test
  void aCheckpointInShardsGivenAsItsIndexOrAsSeveralBasesReadsAsOneFile() throws Exception {
    List<Part> all = bigEmbedding();
    int half = all.size() / 2;
    Path one = write("model-00001-of-00002.safetensors", all.subList(0, half), Map.of(), 0);
    Path two = write("model-00002-of-00002.safetensors", all.subList(half, all.size()), Map.of(), 0);
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", 3 * GIB);
    ObjectNode map = index.putObject("weight_map");
    for (int i = 0; i < all.size(); i++) {
      map.put(all.get(i).name(), (i < half ? one : two).getFileName().toString());
    }
    Path idx = tmp.resolve("model.safetensors.index.json");
    Files.writeString(idx, JSON.writeValueAsString(index));
    String[] gradient = {"gradient", "--method", "exact", "--layout", "peft", "--base"};
    String g = ok(args(gradient, f("llama-layer1-small.safetensors"), "--layer", "1", f("llama-adapter.safetensors")));
    assertThat(ok(args(gradient, idx.toString(), "--layer", "1", f("llama-adapter.safetensors")))).isEqualTo(g);
    assertThat(ok(args(gradient, one.toString(), "--base", two.toString(), "--layer", "1", f("llama-adapter.safetensors")))).isEqualTo(g);
    // one shard alone lacks layer 1's q_proj (it is in the second): refused, naming it
    assertThat(refused(args(gradient, one.toString(), "--layer", "1", f("llama-adapter.safetensors"))))
        .contains("q_proj.weight").contains("missing tensor");
    // a tensor in two shards
    assertThat(refused(args(gradient, one.toString(), "--base", one.toString(), "--layer", "1", f("llama-adapter.safetensors"))))
        .startsWith(one + ": model.layers.0.self_attn.rotary_emb.inv_freq: also in " + one + " (each tensor of a checkpoint is in one shard)");
  }

  @Test
  void headersThatLieAreRefusedNamingTheFileAndTheTensor() throws Exception {
    List<Part> all = bigEmbedding();
    String[] g = {"gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base"};
    long big = 2L * BIG_EMBEDDING[0] * BIG_EMBEDDING[1];
    // an ignored tensor declared beyond the file: the header is checked whole
    Path beyond = write("beyond.safetensors", all, Map.of("model.norm.weight", new long[] {big + 8000, big + 8008}), 0);
    assertThat(refused(args(g, beyond.toString(), f("llama-adapter.safetensors"))))
        .startsWith(beyond + ": model.norm.weight: data_offsets [" + (big + 8000) + ", " + (big + 8008) + "]");
    // overlapping ranges: layer 1's q_proj declared over the embedding's bytes
    Path overlap = write("overlap.safetensors", all, Map.of("model.layers.1.self_attn.q_proj.weight", new long[] {64, 96}), 0);
    assertThat(refused(args(g, overlap.toString(), f("llama-adapter.safetensors"))))
        .startsWith(overlap + ": model.layers.1.self_attn.q_proj.weight: data_offsets [64, 96] overlap");
    // a taken tensor beyond the end of the file: the file ends 16 bytes into the last tensor
    List<Part> last = new ArrayList<>(all);
    Part q = last.stream().filter(p -> p.name().equals("model.layers.1.self_attn.q_proj.weight")).findFirst().orElseThrow();
    last.remove(q);
    last.add(q);
    Path truncated = write("truncated.safetensors", last, Map.of(), -16);
    assertThat(refused(args(g, truncated.toString(), f("llama-adapter.safetensors"))))
        .startsWith(truncated + ": model.layers.1.self_attn.q_proj.weight: data_offsets [")
        .contains("extend beyond the end of the file");
  }

  @Test
  void theElementCapCountsTheTensorsRead() throws Exception {
    // layer 1's q_proj declared 8192 x 8192 bfloat16: 2^26 elements, with the others more than 2^26
    List<Part> all = new ArrayList<>();
    for (Part p : bigEmbedding()) {
      all.add(p.name().equals("model.layers.1.self_attn.q_proj.weight") ? new Part(p.name(), "BF16", new int[] {8192, 8192}, null, 2L << 26) : p);
    }
    Path huge = write("many-q.safetensors", all, Map.of(), 0);
    assertThat(refused("gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base", huge.toString(),
        f("llama-adapter.safetensors")))
        .isEqualTo(huge + ": model.layers.1.self_attn.q_proj.weight: too large: the tensors read from the file would hold more than "
            + (1L << 26) + " elements (limit 2^26)");
  }

  @Test
  void theByteCapCountsTheBytesReadNotTheFileSize() throws Exception {
    // layer 1's q_proj declared 6000 x 6000 float64: 3.6e7 elements (within 2^26), 2.88e8 bytes
    // read (beyond the 256 MiB = 268435456 cap)
    List<Part> all = new ArrayList<>();
    for (Part p : bigEmbedding()) {
      all.add(p.name().equals("model.layers.1.self_attn.q_proj.weight") ? new Part(p.name(), "F64", new int[] {6000, 6000}, null, 8L * 6000 * 6000) : p);
    }
    Path huge = write("huge-q.safetensors", all, Map.of(), 0);
    assertThat(refused("gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base", huge.toString(),
        f("llama-adapter.safetensors")))
        .isEqualTo(huge + ": model.layers.1.self_attn.q_proj.weight: too large: the bytes read from the file would exceed "
            + (256L << 20) + " (limit 256 MiB)");
    // 8192 x 8192 float64 (2^26 elements, 512 MiB) in layer 0 is not read: layer 1 reads as from
    // the small fixture
    List<Part> other = new ArrayList<>();
    for (Part p : bigEmbedding()) {
      other.add(p.name().equals("model.layers.0.self_attn.q_proj.weight") ? new Part(p.name(), "F64", new int[] {8192, 8192}, null, 8L << 26) : p);
    }
    Path skipped = write("huge-q0.safetensors", other, Map.of(), 0);
    assertThat(ok("gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base", skipped.toString(), f("llama-adapter.safetensors")))
        .isEqualTo(ok("gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base", f("llama-layer1-small.safetensors"),
            f("llama-adapter.safetensors")));
  }

  @Test
  void anIgnoredTensorIsNotReadSoItsNanIsNotSeen() throws Exception {
    List<Part> all = new ArrayList<>();
    byte[] nan = {(byte) 0xc0, 0x7f, (byte) 0xc0, 0x7f, (byte) 0xc0, 0x7f, (byte) 0xc0, 0x7f}; // bfloat16 NaN x 4
    for (Part p : bigEmbedding()) {
      all.add(p.name().equals("model.norm.weight") ? new Part(p.name(), p.dtype(), p.shape(), nan, nan.length) : p);
    }
    Path withNan = write("nan-norm.safetensors", all, Map.of(), 0);
    assertThat(ok("gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base", withNan.toString(), f("llama-adapter.safetensors")))
        .isEqualTo(ok("gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base", f("llama-layer1-small.safetensors"),
            f("llama-adapter.safetensors")));
  }

  @Test
  void aMalformedIndexIsRefusedNamingTheIndexAndTheTensor() throws Exception {
    String[] g = {"gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base"};
    Path up = tmp.resolve("up.safetensors.index.json");
    Files.writeString(up, "{\"weight_map\": {\"lm_head.weight\": \"../model.safetensors\"}}");
    assertThat(refused(args(g, up.toString(), f("llama-adapter.safetensors"))))
        .isEqualTo(up + ": weight_map.lm_head.weight: shard ../model.safetensors is not a .safetensors file name next to the index"
            + " (no directory)");
    Path missing = tmp.resolve("missing.safetensors.index.json");
    Files.writeString(missing, "{\"weight_map\": {\"lm_head.weight\": \"absent.safetensors\"}}");
    assertThat(refused(args(g, missing.toString(), f("llama-adapter.safetensors"))))
        .isEqualTo(tmp.resolve("absent.safetensors") + ": (file): not found");
    Path empty = tmp.resolve("empty.safetensors.index.json");
    Files.writeString(empty, "{\"metadata\": {}}");
    assertThat(refused(args(g, empty.toString(), f("llama-adapter.safetensors"))))
        .startsWith(empty + ": weight_map: missing");
    assertThat(refused(args(g, sparse.toString(), "--base", f("llama-layer1-ours.npz"), f("llama-adapter.safetensors"))))
        .startsWith(f("llama-layer1-ours.npz") + ": (file): several --base files are the shards of one checkpoint");
  }

  @Test
  void aBaseOnStandardInputIsReadWholeWithinTheFileCap() throws Exception {
    String[] g = {"gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base", "-", f("llama-adapter.safetensors")};
    java.io.InputStream old = System.in;
    try {
      System.setIn(Files.newInputStream(Path.of(f("llama-checkpoint.safetensors"))));
      assertThat(ok(g)).isEqualTo(ok("gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base",
          f("llama-layer1-small.safetensors"), f("llama-adapter.safetensors")));
      // not seekable: the 3 GiB file is refused after 256 MiB, not read selectively
      System.setIn(Files.newInputStream(sparse));
      assertThat(refused(g)).isEqualTo("-: (file): too large: more than " + (256L << 20) + " bytes");
    } finally {
      System.setIn(old);
    }
    assertThat(refused("gradient", "--method", "exact", "--layout", "peft", "--layer", "1", "--base", "-", "--base", sparse.toString(),
        f("llama-adapter.safetensors"))).isEqualTo("lora-limits: --base - (standard input) cannot be one of several --base files");
  }
}
