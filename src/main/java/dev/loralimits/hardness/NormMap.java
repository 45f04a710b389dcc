package dev.loralimits.hardness;

import dev.loralimits.model.Checks;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Max-entry norms ({@code ||M||_inf = max_ij |M_ij|}, proofs-notes/MODEL.md §0.2) of the inputs and outputs
 * of one reduction arrow of proofs-notes/MODEL.md §5.3: the bookkeeping that places the end-to-end LoRA instance
 * at the norm bound {@code Gamma ~ sqrt(log L)} of Theorem 4.1. Names are the matrices' names in
 * proofs-notes/HARDNESS-H1-H2-H4.md ("U", "Q", "C1 B_Q A_Q", ...); iteration follows insertion order.
 *
 * @param arrow the arrow ("H1", "H2", "H4")
 * @param inputs norms of the arrow's input matrices, by name
 * @param outputs norms of the arrow's output matrices (and scalars such as B), by name
 */
public record NormMap(String arrow, Map<String, Double> inputs, Map<String, Double> outputs) {
  /** @throws IllegalArgumentException when a field is missing */
  public NormMap {
    Checks.notNull("arrow", arrow);
    inputs = Collections.unmodifiableMap(new LinkedHashMap<>(Checks.notNull("inputs", inputs)));
    outputs = Collections.unmodifiableMap(new LinkedHashMap<>(Checks.notNull("outputs", outputs)));
  }

  /**
   * The input norm called {@code name}.
   *
   * @throws IllegalArgumentException when there is no such input
   */
  public double input(String name) {
    return Checks.notNull(arrow + " input " + name, inputs.get(name));
  }

  /**
   * The output norm called {@code name}.
   *
   * @throws IllegalArgumentException when there is no such output
   */
  public double output(String name) {
    return Checks.notNull(arrow + " output " + name, outputs.get(name));
  }

  /** {@code max_ij |m_ij|} of a 0/1 (or any int) matrix; 0 for zero-width rows. */
  static double maxAbs(int[][] m) {
    int r = 0;
    for (int[] row : m) {
      for (int x : row) {
        r = Math.max(r, Math.abs(x));
      }
    }
    return r;
  }
}
