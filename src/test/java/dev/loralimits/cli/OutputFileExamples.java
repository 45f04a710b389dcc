package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10: {@code --out} never replaces what is not a regular file, and honours the umask. */
class OutputFileExamples {
  @TempDir Path dir;

  private static final byte[] BYTES = "{\"x\": 1}\n".getBytes(StandardCharsets.UTF_8);

  @Test
  void newFileGetsTheUmasksPermissions() throws IOException {
    // a file created without explicit permissions shows what the umask gives here
    Path probe = Files.createFile(dir.resolve("probe"));
    Path out = dir.resolve("grad.json");
    OutputFile.write(out, BYTES);
    assertThat(Files.readAllBytes(out)).isEqualTo(BYTES);
    assertThat(Files.getPosixFilePermissions(out)).isEqualTo(Files.getPosixFilePermissions(probe));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isNotEqualTo("rw-------");
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("probe", "grad.json");
    }
  }

  @Test
  void existingFileIsReplacedKeepingItsPermissions() throws IOException {
    Path out = Files.writeString(dir.resolve("grad.json"), "old");
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r-----"));
    OutputFile.write(out, BYTES);
    assertThat(Files.readAllBytes(out)).isEqualTo(BYTES);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-r-----");
  }

  @Test
  void symlinkIsFollowedAndStaysALink() throws IOException {
    Path real = Files.writeString(dir.resolve("real.json"), "old");
    Path link = Files.createSymbolicLink(dir.resolve("link.json"), Path.of("real.json"));
    OutputFile.write(link, BYTES);
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readAllBytes(real)).isEqualTo(BYTES);
  }

  @Test
  void danglingSymlinkCreatesItsTarget() throws IOException {
    Path link = Files.createSymbolicLink(dir.resolve("link.json"), Path.of("new.json"));
    OutputFile.write(link, BYTES);
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readAllBytes(dir.resolve("new.json"))).isEqualTo(BYTES);
  }

  @Test
  void fifoIsRefusedAndLeftInPlace() throws IOException, InterruptedException {
    Path fifo = dir.resolve("pipe");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo is available");
    assertThatThrownBy(() -> OutputFile.write(fifo, BYTES))
        .isInstanceOf(OutputFile.OutputException.class)
        .hasMessage("cannot write " + fifo + ": not a regular file (a FIFO, socket or device); write to a regular file");
    assertThat(Files.isRegularFile(fifo, LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)).isTrue();
    // and through a symlink to it
    Path link = Files.createSymbolicLink(dir.resolve("to-pipe"), fifo);
    assertThatThrownBy(() -> OutputFile.write(link, BYTES)).hasMessageContaining("not a regular file");
    assertThat(Files.isSymbolicLink(link)).isTrue();
  }

  @Test
  void directoryIsRefused() {
    assertThatThrownBy(() -> OutputFile.write(dir, BYTES))
        .isInstanceOf(OutputFile.OutputException.class)
        .hasMessage("cannot write " + dir + ": it is a directory");
  }

  @Test
  void emptyNameIsRefused() {
    assertThatThrownBy(() -> OutputFile.write(Path.of(""), BYTES)).hasMessage("--out: the file name is empty");
  }

  @Test
  void missingDirectoryIsNamedWithoutClassNames() {
    Path out = dir.resolve("no-such-dir").resolve("g.json");
    assertThatThrownBy(() -> OutputFile.write(out, BYTES))
        .hasMessage("cannot write " + out + ": no such directory");
  }

  private static String[] run(String... args) {
    CliRun r = CliRun.of(args);
    return new String[] {"" + r.code, r.err};
  }

  /** Issue 10: vectors --out '' wrote into the current directory; Java class names leaked. */
  @Test
  void directoryOutputsOfVectorsAndPhase() throws IOException {
    String nl = System.lineSeparator();
    assertThat(run("vectors", "--out", "")).containsExactly("1", "lora-limits: --out: the directory name is empty" + nl);
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertThat(run("vectors", "--out", file.toString()))
        .containsExactly("1", "lora-limits: --out " + file + ": cannot write (a file of that name exists and is not a directory)" + nl);
    assertThat(run("phase", "--quick", "--out", file.toString()))
        .containsExactly("1", "lora-limits: cannot create the output directory " + file
            + ": a file of that name exists and is not a directory" + nl);
    assertThat(run("phase", "--quick", "--out", "")).containsExactly("1", "lora-limits: --out: the directory name is empty" + nl);
  }
}
