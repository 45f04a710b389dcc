package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StderrProgressExamples {
  private final StringWriter text = new StringWriter();
  private final PrintWriter err = new PrintWriter(text, true);
  private final AtomicLong now = new AtomicLong(1_000_000);

  @Test
  void silentDuringTheQuietPeriod() {
    StderrProgress p = new StderrProgress(err, "reference", true, now::get);
    now.addAndGet(StderrProgress.QUIET_MILLIS - 1);
    p.advance(5, 10);
    p.finish();
    assertThat(text.toString()).isEmpty();
  }

  @Test
  void drawsAfterTheQuietPeriodAndErasesItsLineOnFinish() {
    StderrProgress p = new StderrProgress(err, "reference", true, now::get);
    now.addAndGet(StderrProgress.QUIET_MILLIS);
    p.advance(3, 4);
    p.finish();
    String s = text.toString();
    assertThat(s).startsWith("\rreference").contains("75%");
    // the last redraw is followed by blanks over the whole line and a carriage return
    String tail = s.substring(s.lastIndexOf('\r', s.length() - 2));
    assertThat(tail).matches("\r +\r");
    assertThat(tail.length() - 2).isGreaterThanOrEqualTo(s.substring(1, s.indexOf('\r', 1)).strip().length());
  }

  /** check raises the reference's digits and reruns it: later runs continue the bar. */
  @Test
  void laterRunsContinueTheBar() {
    StderrProgress p = new StderrProgress(err, "reference", true, now::get);
    now.addAndGet(StderrProgress.QUIET_MILLIS);
    var first = p.nextRun();
    first.advance(10, 10);
    var second = p.nextRun();
    second.advance(5, 20);
    p.finish();
    // the second run's 5 of 20 is shown as 15 of 30
    assertThat(text.toString()).contains("15/30");
  }

  @Test
  void progressModesAreParsedAndBadOnesNamed() {
    assertThat(ProgressOption.parse("auto")).isEqualTo(StderrProgress.Mode.AUTO);
    assertThat(ProgressOption.parse("Always")).isEqualTo(StderrProgress.Mode.ALWAYS);
    assertThat(ProgressOption.parse("never")).isEqualTo(StderrProgress.Mode.NEVER);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProgressOption.parse("yes"))
        .hasMessage("--progress (yes) must be auto, always or never");
  }

  @Test
  void disabledDrawsNothing() {
    StderrProgress p = new StderrProgress(err, "reference", false, now::get);
    now.addAndGet(10 * StderrProgress.QUIET_MILLIS);
    p.advance(1, 2);
    p.finish();
    assertThat(text.toString()).isEmpty();
  }

  @Test
  void autoFollowsTheLaunchersProperty() {
    String old = System.getProperty(StderrProgress.TTY_PROPERTY);
    try {
      System.setProperty(StderrProgress.TTY_PROPERTY, "1");
      assertThat(StderrProgress.enabled(StderrProgress.Mode.AUTO)).isTrue();
      System.setProperty(StderrProgress.TTY_PROPERTY, "0");
      assertThat(StderrProgress.enabled(StderrProgress.Mode.AUTO)).isFalse();
      assertThat(StderrProgress.enabled(StderrProgress.Mode.ALWAYS)).isTrue();
      assertThat(StderrProgress.enabled(StderrProgress.Mode.NEVER)).isFalse();
    } finally {
      if (old == null) {
        System.clearProperty(StderrProgress.TTY_PROPERTY);
      } else {
        System.setProperty(StderrProgress.TTY_PROPERTY, old);
      }
    }
  }
}
