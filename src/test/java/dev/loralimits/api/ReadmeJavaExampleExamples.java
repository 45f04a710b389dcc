package dev.loralimits.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's "From Java" block compiles against the main classes and runs on the demo instance (issue
 * 11: "the API example in README compiles in a test"). The block's import lines go to the top of
 * a class, the other lines into its {@code main}.
 */
class ReadmeJavaExampleExamples {
  @TempDir Path dir;

  /** The first ```java block after the "## From Java" heading. */
  static String block() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    int section = readme.indexOf("## From Java");
    assertThat(section).as("README has a From Java section").isNotNegative();
    int start = readme.indexOf("```java\n", section);
    int end = readme.indexOf("```", start + 8);
    assertThat(start).isGreaterThan(section);
    return readme.substring(start + 8, end);
  }

  @Test
  void theReadmeExampleCompilesAndRuns() throws Exception {
    StringBuilder imports = new StringBuilder();
    StringBuilder body = new StringBuilder();
    for (String line : block().split("\n")) {
      (line.startsWith("import ") ? imports : body).append(line).append('\n');
    }
    assertThat(body.toString().strip().split("\n")).as("five lines of code").hasSize(5);
    String source =
        imports + "public class ReadmeExample {\n  public static void main(String[] args) throws Exception {\n"
            + body + "  }\n}\n";
    Path file = dir.resolve("ReadmeExample.java");
    Files.writeString(file, source, StandardCharsets.UTF_8);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("a JDK compiler").isNotNull();
    StringWriter diagnostics = new StringWriter();
    List<String> args = new ArrayList<>(List.of("-d", dir.toString(), "-cp", classPath(), file.toString()));
    int rc = javac.run(null, null, new java.io.PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        diagnostics.write(b);
      }
    }), args.toArray(new String[0]));
    assertThat(rc).as("javac: %s", diagnostics).isZero();
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
      Method main = loader.loadClass("ReadmeExample").getMethod("main", String[].class);
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      main.invoke(null, (Object) new String[0]);
    } finally {
      System.setOut(saved);
    }
    // the demo instance's loss to 40 digits (as `lora-limits demo` prints it), then the verdict on exact's answer
    assertThat(out.toString(StandardCharsets.UTF_8).strip()).isEqualTo("0.9030792242185372464589222025316808594245 PASS");
  }

  /** The main classes and the jars of the types the example touches. */
  private static String classPath() throws URISyntaxException {
    List<String> parts = new ArrayList<>();
    for (Class<?> c : new Class<?>[] {GradientMethod.class, org.apfloat.Apfloat.class}) {
      parts.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    return String.join(java.io.File.pathSeparator, parts);
  }
}
