package dev.loralimits.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writing a result file ({@code --out}) so that it never clobbers what it should not (issue 10).
 *
 * <ul>
 *   <li>A symbolic link is followed: the file it points to is replaced, the link stays a link.
 *   <li>An existing regular file is replaced atomically: the bytes go to a temporary file in the
 *       same directory, which is then renamed over it, so a failure leaves the old file intact
 *       and no half-written one. It keeps the old file's permissions.
 *   <li>A new file gets the permissions the umask gives (the temporary file is created without
 *       explicit permissions, so the operating system applies the umask).
 *   <li>A directory, a FIFO, a socket or a device node is refused: renaming over it would
 *       replace it by a regular file (as root, {@code --out /dev/full} replaced the device node).
 * </ul>
 *
 * Every failure is an {@link OutputException} whose one-line message names the file.
 */
final class OutputFile {
  /** Longest chain of symbolic links followed. */
  static final int MAX_LINKS = 40;

  private OutputFile() {}

  /** Signals that an output file was not written; exit 1 with its message. */
  static final class OutputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OutputException(String message) {
      super(message);
    }
  }

  /**
   * Creates the output directory {@code --out} (and its parents) if missing.
   *
   * @throws OutputException naming the directory when its name is empty or it cannot be created
   */
  static void directory(Path dir) {
    if (dir.toString().isEmpty()) {
      throw new OutputException("--out: the directory name is empty");
    }
    try {
      java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new OutputException("cannot create the output directory " + dir + ": " + describe(e));
    }
  }

  /** Writes {@code bytes} to {@code file} under the rules above. */
  static void write(Path file, byte[] bytes) {
    if (file.toString().isEmpty()) {
      throw new OutputException("--out: the file name is empty");
    }
    Path target = followLinks(file);
    BasicFileAttributes attrs = attributes(file, target);
    Set<PosixFilePermission> keep = null;
    if (attrs != null) {
      if (attrs.isDirectory()) {
        throw new OutputException("cannot write " + file + ": it is a directory");
      }
      if (!attrs.isRegularFile()) {
        throw new OutputException(
            "cannot write " + file + ": not a regular file (a FIFO, socket or device); write to a regular file");
      }
      keep = permissions(target);
    }
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    try {
      Files.createFile(tmp);
      if (keep != null) {
        Files.getFileAttributeView(tmp, PosixFileAttributeView.class).setPermissions(keep);
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      deleteQuietly(tmp);
      throw new OutputException("cannot write " + file + ": " + describe(e));
    }
  }

  /** The file a chain of symbolic links ends at (possibly not existing yet). */
  static Path followLinks(Path file) {
    Path p = file;
    for (int i = 0; i < MAX_LINKS && Files.isSymbolicLink(p); i++) {
      try {
        Path link = Files.readSymbolicLink(p);
        Path parent = p.toAbsolutePath().getParent();
        p = parent == null ? link : parent.resolve(link);
      } catch (IOException e) {
        throw new OutputException("cannot write " + file + ": cannot read the symbolic link (" + describe(e) + ")");
      }
    }
    if (Files.isSymbolicLink(p)) {
      throw new OutputException("cannot write " + file + ": more than " + MAX_LINKS + " symbolic links");
    }
    return p;
  }

  private static BasicFileAttributes attributes(Path file, Path target) {
    try {
      return Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new OutputException("cannot write " + file + ": " + describe(e));
    }
  }

  private static Set<PosixFilePermission> permissions(Path target) {
    try {
      return Files.getPosixFilePermissions(target, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort: the message about the original failure matters more
    }
  }

  /** The failure in words, without Java class names. */
  static String describe(Exception e) {
    if (e instanceof NoSuchFileException) {
      return "no such directory";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "a file of that name exists and is not a directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? "input/output error" : Main.oneLine(m);
  }
}
