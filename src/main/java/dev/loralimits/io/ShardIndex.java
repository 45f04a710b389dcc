package dev.loralimits.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The index of a sharded safetensors checkpoint, {@code model.safetensors.index.json} as Hugging
 * Face's {@code save_pretrained} writes it (spec/FORMATS.md 4.3): a JSON object whose
 * {@code weight_map} maps each tensor name to the file name of the shard holding it, next to the
 * index; an optional {@code metadata} object is not interpreted.
 *
 * <p>The shards are the distinct file names of {@code weight_map}, in order of first appearance,
 * resolved against the index's directory; a shard name must be a plain {@code .safetensors} file
 * name (no directory, so an index cannot reach outside its directory). Which shard
 * {@code weight_map} names for a tensor is not cross-checked against the shards' headers: each
 * shard's header is read and a tensor found in two shards is refused ({@link SelectiveRead}).
 */
final class ShardIndex {
  private ShardIndex() {}

  /** The suffix of an index file's name (any case). */
  static final String SUFFIX = ".safetensors.index.json";

  /** Largest index read, 16 MiB: a 70B model's index is under 100 kB. */
  static final long MAX_INDEX_BYTES = 16L << 20;

  private static final ObjectMapper JSON =
      new ObjectMapper(JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  /** Whether {@code file} is named as an index ({@code *.safetensors.index.json}). */
  static boolean isIndex(Path file) {
    return String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT).endsWith(SUFFIX);
  }

  /**
   * The shards the index {@code file} names.
   *
   * @throws InputException naming the index (and the field) for a missing, unreadable, too large or
   *     malformed index, a shard name with a directory or of another format, or a missing shard
   */
  static List<Path> shards(Path file) {
    String source = file.toString();
    JsonNode root;
    try {
      TensorInput.checkReadable(file);
      long size = Files.size(file);
      if (size > MAX_INDEX_BYTES) {
        throw new LimitExceededException(source, InputException.FILE, "too large: " + size + " bytes, limit " + MAX_INDEX_BYTES
            + " for a checkpoint index", LimitExceededException.Limit.TENSOR_BYTES);
      }
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw new InputException(source, InputException.DOCUMENT, "malformed JSON: " + TensorChecks.describe(e), e);
    } catch (NoSuchFileException e) {
      throw new InputException(source, InputException.FILE, "not found", e);
    } catch (IOException e) {
      throw new InputException(source, InputException.FILE, "cannot read: " + TensorChecks.describe(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new InputException(source, InputException.DOCUMENT, "expected a JSON object with weight_map (a checkpoint index)");
    }
    JsonNode map = root.get("weight_map");
    if (map == null || !map.isObject() || map.isEmpty()) {
      throw new InputException(source, "weight_map", "missing, not an object or empty (expected tensor name -> shard file name)");
    }
    Set<String> names = new LinkedHashSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String at = "weight_map." + TensorChecks.path(f.getKey());
      if (!f.getValue().isTextual()) {
        throw new InputException(source, at, "expected the shard's file name, a string");
      }
      String shard = f.getValue().asText();
      if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..")
          || !shard.toLowerCase(Locale.ROOT).endsWith(TensorFiles.Format.SAFETENSORS.extension())) {
        throw new InputException(source, at, "shard " + Npy.shorten(shard)
            + " is not a .safetensors file name next to the index (no directory)");
      }
      names.add(shard);
    }
    List<Path> shards = new ArrayList<>();
    for (String n : names) {
      Path p = file.getParent() == null ? Path.of(n) : file.getParent().resolve(n);
      TensorInput.checkReadable(p);
      shards.add(p);
    }
    return List.copyOf(shards);
  }
}
