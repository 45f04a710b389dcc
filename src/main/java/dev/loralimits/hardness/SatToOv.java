package dev.loralimits.hardness;

import dev.loralimits.model.Checks;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * H1 of proofs-notes/MODEL.md §5.3 (split and list, Williams 2005): k-SAT to Orthogonal Vectors, the first arrow
 * under Theorem 4.1's SETH assumption.
 *
 * <p>Split the variables of a formula with n variables and m clauses into
 * {@code V1 = {1..floor(n/2)}} and {@code V2 = {floor(n/2)+1..n}}. For each assignment a of V1,
 * {@code u_a[c] = 0} iff a makes some literal of clause c over V1 true, else 1; likewise
 * {@code w_b} for V2. Then {@code <u_a, w_b>} counts the clauses that neither half satisfies, so
 * the formula is satisfiable iff some pair is orthogonal, and an orthogonal pair (a, b) is a
 * satisfying assignment (proofs-notes/HARDNESS-H1-H2-H4.md, H1). Sizes: {@code 2^|V1|} and
 * {@code 2^|V2|} vectors of dimension m.
 */
public final class SatToOv {
  /** Largest n accepted by {@link #forward} (at most 2^20 vectors per side). */
  public static final int MAX_VARIABLES = 40;

  private SatToOv() {}

  /**
   * The split: {@code V1 = 1..floor(n/2)}, {@code V2 = floor(n/2)+1..n}.
   *
   * @throws IllegalArgumentException when n is not positive
   */
  public static OvInstance.Split split(int n) {
    Checks.positive("n", n);
    int h = n / 2;
    int[] left = new int[h];
    int[] right = new int[n - h];
    for (int i = 0; i < h; i++) {
      left[i] = i + 1;
    }
    for (int i = 0; i < n - h; i++) {
      right[i] = h + i + 1;
    }
    return new OvInstance.Split(left, right);
  }

  /**
   * H1 forward: the OV instance of the formula, with its enumeration order.
   *
   * @throws IllegalArgumentException when the formula is missing or has more than
   *     {@link #MAX_VARIABLES} variables
   */
  public static OvInstance forward(Cnf formula) {
    Checks.notNull("formula", formula);
    Checks.inRange("variables", formula.variables(), 1, MAX_VARIABLES);
    OvInstance.Split split = split(formula.variables());
    return new OvInstance(
        formula.clauseCount(), side(formula, split.left()), side(formula, split.right()), split);
  }

  /** One vector per assignment of {@code vars}: entry c is 0 iff the half satisfies clause c. */
  private static int[][] side(Cnf formula, int[] vars) {
    int n = formula.variables();
    int[] bitOf = new int[n + 1];
    Arrays.fill(bitOf, -1);
    for (int i = 0; i < vars.length; i++) {
      bitOf[vars[i]] = i;
    }
    int m = formula.clauseCount();
    int[][] out = new int[1 << vars.length][m];
    for (int a = 0; a < out.length; a++) {
      for (int c = 0; c < m; c++) {
        boolean satisfied = false;
        for (int lit : formula.clauses()[c]) {
          int bit = bitOf[Math.abs(lit)];
          if (bit >= 0 && (((a >> bit) & 1) != 0) == (lit > 0)) {
            satisfied = true;
            break;
          }
        }
        out[a][c] = satisfied ? 0 : 1;
      }
    }
    return out;
  }

  /**
   * H1 decode: the full assignment ({@code result[v - 1]} is variable v) made of assignment a of
   * V1 and assignment b of V2. If {@code <u_a, w_b> = 0} it satisfies the formula.
   *
   * @throws IllegalArgumentException when the instance has no enumeration order (a plain OV
   *     instance) or a, b are out of range
   */
  public static boolean[] decode(OvInstance ov, int a, int b) {
    Checks.notNull("instance", ov);
    OvInstance.Split split =
        ov.enumeration().orElseThrow(() -> new IllegalArgumentException("instance has no enumeration order (plain OV)"));
    Checks.inRange("a", a, 0, ov.u().length - 1);
    Checks.inRange("b", b, 0, ov.w().length - 1);
    boolean[] x = new boolean[split.variables()];
    for (int i = 0; i < split.left().length; i++) {
      x[split.left()[i] - 1] = ((a >> i) & 1) != 0;
    }
    for (int i = 0; i < split.right().length; i++) {
      x[split.right()[i] - 1] = ((b >> i) & 1) != 0;
    }
    return x;
  }

  /**
   * Norms of H1: the input has none ({@code n} and {@code m} are reported as sizes); the outputs
   * {@code ||U||_inf, ||W||_inf <= 1} (0/1 vectors).
   *
   * @throws IllegalArgumentException when an argument is missing
   */
  public static NormMap normMap(Cnf formula, OvInstance ov) {
    Checks.notNull("formula", formula);
    Checks.notNull("instance", ov);
    Map<String, Double> in = new LinkedHashMap<>();
    in.put("n", (double) formula.variables());
    in.put("m", (double) formula.clauseCount());
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("U", NormMap.maxAbs(ov.u()));
    out.put("W", NormMap.maxAbs(ov.w()));
    return new NormMap("H1", in, out);
  }
}
