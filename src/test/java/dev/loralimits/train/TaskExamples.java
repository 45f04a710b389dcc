package dev.loralimits.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.loralimits.fast.ExactDouble;
import dev.loralimits.fast.DoubleInstance.Point;
import dev.loralimits.model.Adapter;
import org.junit.jupiter.api.Test;

/** The synthetic tasks are what {@link Task}'s comment says. */
class TaskExamples {
  /** The bisection for kappa stops at adjacent doubles, so the level is met to rounding: 1e-12 relative. */
  static final double LEVEL_RTOL = 1e-12;
  /**
   * The teacher's own loss is rounding only: each target is its own output, recomputed by a
   * different summation order in ExactDouble, so each entry differs by ~1e-16 and the loss by
   * ~L d 1e-32; 1e-24 is far below any training loss and far above that.
   */
  static final double TEACHER_LOSS_MAX = 1e-24;

  @Test
  void theTeacherSitsAtItsRatioAndFitsItsTargets() {
    for (int length : new int[] {16, 300, 2048}) {
      for (Task t : new Task[] {Task.teacher(length, 4, 2, 2, 7), Task.large(length, 3, 1, 1, 8)}) {
        double root = Math.sqrt(Math.log(length));
        double gq = Training.gamma(t.teacher(), Adapter.Q);
        double gk = Training.gamma(t.teacher(), Adapter.K);
        assertThat(gq).isCloseTo(t.teacherRatio() * root, within(LEVEL_RTOL * gq));
        assertThat(gk).isCloseTo(t.teacherRatio() * root, within(LEVEL_RTOL * gk));
        assertThat(ExactDouble.gradient(t.teacher()).loss()).isLessThan(TEACHER_LOSS_MAX);
        // the student starts at the start ratio with B = 0, and its loss is not small
        assertThat(Training.ratio(Training.gamma(t.student(), Adapter.Q), Training.gamma(t.student(), Adapter.K), length))
            .isCloseTo(Task.START_RATIO, within(1e-15));
        for (Adapter mu : Adapter.values()) {
          for (double[] row : t.student().weight(mu).b()) {
            assertThat(row).containsOnly(0.0);
          }
        }
        assertThat(ExactDouble.gradient(t.student()).loss()).isGreaterThan(1e-4);
        // the targets are the teacher's outputs
        Point p = t.teacher().points().get(0);
        assertThat(p.y()).isDeepEqualTo(Training.output(t.teacher(), p));
      }
    }
  }

  @Test
  void theTasksAreSeeded() {
    Task a = Task.teacher(64, 4, 2, 1, 5);
    Task b = Task.teacher(64, 4, 2, 1, 5);
    Task c = Task.teacher(64, 4, 2, 1, 6);
    assertThat(a.student().points().get(0).y()).isDeepEqualTo(b.student().points().get(0).y());
    assertThat(a.student().points().get(0).xq()).isNotEqualTo(c.student().points().get(0).xq());
  }

  @Test
  void badArgumentsAreRefusedByName() {
    assertThatThrownBy(() -> Task.teacher(1, 4, 2, 1, 0)).hasMessageContaining("L (1)");
    assertThatThrownBy(() -> Task.teacher(8, 0, 2, 1, 0)).hasMessageContaining("d");
    assertThatThrownBy(() -> Task.make("x", 8, 2, 1, 1, 0.01, 0)).hasMessageContaining("ratio (0.01)");
    assertThatThrownBy(() -> Training.ratio(1, 1, 1)).hasMessageContaining("L (1) must be >= 2");
  }
}
