package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarExamples {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong now = new AtomicLong(1_000_000);

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void silentDuringTheQuietPeriod() {
    ProgressBar bar = new ProgressBar(err, "reference", true, now::get);
    now.addAndGet(ProgressBar.QUIET_MILLIS - 1);
    bar.advance(5, 10);
    bar.finish();
    assertThat(printed()).isEmpty();
  }

  @Test
  void drawsAfterTheQuietPeriodAndErasesOnFinish() {
    ProgressBar bar = new ProgressBar(err, "reference", true, now::get);
    now.addAndGet(ProgressBar.QUIET_MILLIS + 500);
    bar.advance(3, 4);
    assertThat(printed()).isEqualTo("\r" + ProgressBar.line("reference", 3, 4, 2.5));
    assertThat(printed()).contains(" 75% ").contains("3 s");
    bar.finish();
    assertThat(printed()).endsWith("\r");
    String erase = printed().substring(printed().lastIndexOf('\r', printed().length() - 2));
    assertThat(erase.trim()).isEmpty();
  }

  @Test
  void redrawsAtMostEveryRedrawInterval() {
    ProgressBar bar = new ProgressBar(err, "r", true, now::get);
    now.addAndGet(ProgressBar.QUIET_MILLIS);
    bar.advance(1, 10);
    now.addAndGet(ProgressBar.REDRAW_MILLIS - 1);
    bar.advance(2, 10);
    assertThat(printed().chars().filter(c -> c == '\r').count()).isEqualTo(1);
    now.addAndGet(1);
    bar.advance(3, 10);
    assertThat(printed().chars().filter(c -> c == '\r').count()).isEqualTo(2);
  }

  @Test
  void disabledPrintsNothing() {
    ProgressBar bar = new ProgressBar(err, "reference", false, now::get);
    now.addAndGet(10 * ProgressBar.QUIET_MILLIS);
    bar.advance(1, 2);
    bar.finish();
    assertThat(printed()).isEmpty();
  }

  @Test
  void lineShowsFractionRoundedDown() {
    assertThat(ProgressBar.line("x", 0, 3, 0)).isEqualTo("x [" + ".".repeat(30) + "]   0% 0 s");
    assertThat(ProgressBar.line("x", 2, 3, 61.4)).isEqualTo("x [" + "#".repeat(20) + ".".repeat(10) + "]  66% 61 s");
    assertThat(ProgressBar.line("x", 3, 3, 1)).contains("100%").contains("#".repeat(30));
  }

  @Test
  void autoFollowsTheLaunchersProperty() {
    String old = System.getProperty(ProgressBar.TTY_PROPERTY);
    try {
      System.setProperty(ProgressBar.TTY_PROPERTY, "1");
      assertThat(ProgressBar.enabled(ProgressBar.Mode.AUTO)).isTrue();
      System.setProperty(ProgressBar.TTY_PROPERTY, "0");
      assertThat(ProgressBar.enabled(ProgressBar.Mode.AUTO)).isFalse();
      assertThat(ProgressBar.enabled(ProgressBar.Mode.ALWAYS)).isTrue();
      assertThat(ProgressBar.enabled(ProgressBar.Mode.NEVER)).isFalse();
    } finally {
      if (old == null) {
        System.clearProperty(ProgressBar.TTY_PROPERTY);
      } else {
        System.setProperty(ProgressBar.TTY_PROPERTY, old);
      }
    }
  }
}
