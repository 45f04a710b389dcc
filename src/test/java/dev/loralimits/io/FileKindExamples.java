package dev.loralimits.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10: a file named with the wrong extension is reported as what it looks like. */
class FileKindExamples {
  @TempDir Path dir;

  private static byte[] zip() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(b)) {
      z.putNextEntry(new ZipEntry("x.npy"));
      z.write(new byte[] {1, 2, 3});
      z.closeEntry();
    }
    return b.toByteArray();
  }

  private static byte[] safetensors() {
    byte[] header = "{\"__metadata__\": {}}".getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header);
    return b.array();
  }

  @Test
  void kindsAreToldApartByTheirFirstBytes() throws IOException {
    assertThat(FileKind.of(zip())).contains(FileKind.NPZ);
    assertThat(FileKind.of(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0})).contains(FileKind.NPY);
    assertThat(FileKind.of(safetensors())).contains(FileKind.SAFETENSORS);
    assertThat(FileKind.of("  \n{\"format\"".getBytes(StandardCharsets.UTF_8))).contains(FileKind.JSON);
    assertThat(FileKind.of(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '['})).contains(FileKind.JSON);
    assertThat(FileKind.of("hello".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(FileKind.of(new byte[0])).isEmpty();
    assertThat(FileKind.mismatch(zip(), FileKind.NPZ)).isEmpty();
  }

  @Test
  void npzNamedJsonIsNamedAsSuch() throws IOException {
    Path f = Files.write(dir.resolve("inst.json"), zip());
    assertThatThrownBy(() -> InstanceJson.read(f))
        .isInstanceOf(InputException.class)
        .hasMessage(f + ": (file): the file looks like a .npz archive (ZIP), not a JSON document; name it .npz");
  }

  @Test
  void jsonNamedSafetensorsIsNamedAsSuch() throws IOException {
    Path f = Files.writeString(dir.resolve("inst.safetensors"), "{\"format\": \"lora-attention-instance/1\"}");
    assertThatThrownBy(() -> TensorFiles.readInstance(f, TensorLayout.OURS))
        .isInstanceOf(InputException.class)
        .hasMessage(f + ": (file): the file looks like a JSON document, not a safetensors file; name it .json");
  }

  @Test
  void safetensorsNamedNpzIsNamedAsSuch() throws IOException {
    Path f = Files.write(dir.resolve("inst.npz"), safetensors());
    assertThatThrownBy(() -> TensorFiles.readInstance(f, TensorLayout.OURS))
        .hasMessage(f + ": (file): the file looks like a safetensors file, not a .npz archive (ZIP); name it .safetensors");
  }

  @Test
  void parserMessagesCarryNoInternals() {
    assertThat(JsonSource.plainParserMessage(
            "Unexpected character (',' (code 44)): was expecting double-quote to start field name"))
        .isEqualTo("unexpected character ',': was expecting double-quote to start field name");
    // found by ReaderFuzzProperties: non-ASCII characters carry a hex code as well
    assertThat(JsonSource.plainParserMessage(
            "Unexpected character ('\u2266' (code 8806 / 0x2266)): was expecting double-quote to start field name"))
        .isEqualTo("unexpected character '\u2266': was expecting double-quote to start field name");
    assertThat(JsonSource.plainParserMessage(
            "Unrecognized token 'tru': was expecting (JSON String, Number (or 'NaN'/'+INF'/'-INF'), Array, Object or token 'null', 'true' or 'false')"))
        .isEqualTo("unrecognized token 'tru': was expecting a JSON value");
    assertThat(JsonSource.plainParserMessage(
            "Unexpected end-of-input: expected close marker for Object (start marker at [Source: REDACTED"
                + " (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])"))
        .isEqualTo("unexpected end of the file: a '}' is missing (the object opens at line 1, column 1)");
  }
}
