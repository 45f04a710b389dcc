package dev.loralimits.phase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lora-limits phase --quick} end to end, and the properties of the sweep that Remark 4.1 /
 * 5.2 and Theorem 4.1 predict: the certified degree grows with Gamma, a fast regime exists for small
 * Gamma and large L, and it is gone at {@code Gamma = 2 sqrt(ln L)}.
 */
class PhaseExamples {
  /** PNG signature (RFC 2083, 3.1). */
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private static List<PhasePoint> quick;

  @BeforeAll
  static void sweep() {
    quick = PhaseSweep.run(PhaseSweep.Config.quick(), p -> {});
  }

  @Test
  void quickRunWritesCsvAndPlots(@TempDir Path dir) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(new String[] {"phase", "--quick", "--out", dir.toString()}, o, e);
    }
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String stdout = out.toString(StandardCharsets.UTF_8);
    assertThat(stdout).contains("Boundary").doesNotContain("phase sweep"); // the bar goes to stderr
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("phase sweep");

    List<String> csv = Files.readAllLines(dir.resolve("phase.csv"));
    assertThat(csv.get(0)).isEqualTo(PhaseReport.CSV_HEADER);
    assertThat(csv).hasSize(1 + PhaseSweep.Config.quick().size());
    assertThat(Files.readAllLines(dir.resolve("phase-summary.csv")).get(0)).isEqualTo(PhaseReport.SUMMARY_HEADER);
    for (String base : List.of("phase-rank", "phase-cost")) {
      byte[] png = Files.readAllBytes(dir.resolve(base + ".png"));
      assertThat(png.length).isGreaterThan(PNG_MAGIC.length);
      assertThat(java.util.Arrays.copyOf(png, PNG_MAGIC.length)).isEqualTo(PNG_MAGIC);
      assertThat(Files.readString(dir.resolve(base + ".svg"))).contains("<svg");
    }
  }

  @Test
  void certifiedDegreeIsNonDecreasingInGamma() {
    for (int d : PhaseSweep.Config.quick().widths()) {
      for (int l : PhaseSweep.Config.quick().lengths()) {
        List<PhasePoint> row = row(d, l);
        for (int i = 1; i < row.size(); i++) {
          PhasePoint a = row.get(i - 1);
          PhasePoint b = row.get(i);
          assertThat(b.radius()).as("R at d=%d L=%d", d, l).isGreaterThan(a.radius());
          // a refusal (no certificate) counts as an infinite degree
          assertThat(degreeOrInfinity(b)).as("certified degree at d=%d L=%d ratio %s -> %s", d, l, a.ratio(), b.ratio())
              .isGreaterThanOrEqualTo(degreeOrInfinity(a));
          assertThat(b.kernelDegree()).as("kernel degree at d=%d L=%d", d, l).isGreaterThanOrEqualTo(a.kernelDegree());
        }
      }
    }
  }

  @Test
  void fastRegimeExistsForSmallGammaAndLargeL() {
    PhasePoint p = find(4, 1 << 12, 0.1);
    assertThat(p.fastAnswers()).isTrue();
    assertThat(p.certified()).isTrue();
    assertThat(p.rank()).isLessThanOrEqualTo(p.defaultBudget());
    assertThat(p.costRatio()).isLessThan(1);
  }

  @Test
  void refusesAtRatioTwoAndSmallL() {
    for (int d : PhaseSweep.Config.quick().widths()) {
      PhasePoint p = find(d, 1 << 8, 2.0);
      assertThat(p.fastAnswers()).as("d = %d", d).isFalse();
      assertThat(p.certified()).as("d = %d", d).isFalse();
    }
  }

  @Test
  void instanceAttainsGammaAndRadiusIsAboutDGammaSquared() {
    PhasePoint p = find(4, 1 << 10, 0.5);
    // ||X W||_inf = Gamma (1 + O(1e-6)); R = ||Qh_0|| ||Kc_1|| (1 + O(u)) = d Gamma^2 (1 + O(1e-6))
    assertThat(p.radius() / (p.width() * p.gamma() * p.gamma())).isBetween(1 - 1e-4, 1 + 1e-4);
  }

  private static double degreeOrInfinity(PhasePoint p) {
    return p.certified() ? p.degree() : Double.POSITIVE_INFINITY;
  }

  private static List<PhasePoint> row(int d, int l) {
    List<PhasePoint> r = new ArrayList<>();
    for (PhasePoint p : quick) {
      if (p.width() == d && p.length() == l) {
        r.add(p);
      }
    }
    r.sort((a, b) -> Double.compare(a.gamma(), b.gamma()));
    return r;
  }

  private static PhasePoint find(int d, int l, double ratio) {
    for (PhasePoint p : quick) {
      if (p.width() == d && p.length() == l && p.ratio() == ratio) {
        return p;
      }
    }
    throw new AssertionError("no point d=" + d + " L=" + l + " ratio=" + ratio);
  }
}
