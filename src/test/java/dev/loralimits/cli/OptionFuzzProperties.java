package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;

/**
 * Issue 10: random command lines of {@code gradient} and {@code check} (options, values at the
 * edges, missing and misplaced arguments; every file named does not exist or is standard input
 * holding nothing) end in a usage error or a file refusal, exit 2, with one message line (plus
 * picocli's one-line hint for usage errors), no Java class name, and nothing on standard output
 * unless help or the version was asked for. No computation can start: no readable instance
 * is ever named.
 */
class OptionFuzzProperties {
  /**
   * Tries in {@code mvn verify}: 2000, not the 10^4 of the issue, because every try builds
   * picocli's command model afresh (6-16 ms per run measured on the 2-core machine, so 10^4 tries
   * took 91 s, a sixth of the verify budget). A run of 10^4 tries (this class with TRIES = 10000)
   * passed on 2026-12-01 and is reported in the issue note.
   */
  static final int TRIES = 2_000;

  static final List<String> TOKENS = List.of(
      "--method", "exact", "reference", "fast", "auto", "Exact", "--digits", "0", "5", "-3", "1e9", "2001",
      "\uFF15", "--epsilon", "1e-400", "NaN", "1e-6", "--threads", "100000", "2", "--out", "/nonexistent/dir/g.json",
      "--form", "E1", "E4", "FD", "--layout", "peft", "ours", "--progress", "yes", "never", "--precision",
      "float32", "float8", "--rtol", "1e-9", "--atol", "-1", "--json", "--instance", "--candidate", "-",
      "/nonexistent/inst.json", "/nonexistent/c.npz", "", " ", "--", "-x", "--method=exact", "--digits=", "=",
      "--help", "-V", "\u0000", "--unknown", "--max-json-bytes", "--max-json-entries", "1073741825", "99999999999999999999");

  private InputStream savedIn;

  @BeforeProperty
  void emptyStandardInput() {
    savedIn = System.in;
    System.setIn(new ByteArrayInputStream(new byte[0]));
  }

  @AfterProperty
  void restoreStandardInput() {
    System.setIn(savedIn);
  }

  @Provide
  Arbitrary<List<String>> commandLines() {
    Arbitrary<String> command = Arbitraries.of("gradient", "check");
    Arbitrary<List<String>> rest = Arbitraries.of(TOKENS).list().ofMaxSize(8);
    return command.flatMap(c -> rest.map(r -> {
      List<String> all = new ArrayList<>();
      all.add(c);
      all.addAll(r);
      return all;
    }));
  }

  @Property(tries = TRIES)
  @Label("random command lines end in one documented line, exit 2 (or 0 for help/version)")
  void commandLinesFailCleanly(@ForAll("commandLines") List<String> args) {
    CliRun r = CliRun.of(args.toArray(new String[0]));
    int code = r.code;
    String stderr = r.err;
    String stdout = r.out;
    boolean helpOrVersion = code == Main.OK;
    Statistics.label("exit").collect(code).coverage(c -> c.check(Main.UNUSABLE_INPUT).percentage(p -> p > 50));
    if (helpOrVersion) {
      assertThat(args).containsAnyOf("--help", "-V");
      assertThat(stdout).isNotEmpty();
      assertThat(stderr).isEmpty();
      return;
    }
    assertThat(code).as(String.join(" | ", args) + " -> " + stderr).isEqualTo(Main.UNUSABLE_INPUT);
    assertThat(stdout).isEmpty();
    String[] lines = stderr.split("\\R");
    assertThat(lines.length).as(stderr).isBetween(1, 2);
    if (lines.length == 2) {
      assertThat(lines[1]).startsWith("Try 'lora-limits").endsWith("--help' for usage.");
    }
    assertThat(stderr).doesNotContain("Exception", "java.", "internal error", "picocli");
  }
}
