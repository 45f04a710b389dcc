package dev.loralimits.hardness;

import dev.loralimits.model.Checks;
import java.util.Optional;

/**
 * An Orthogonal Vectors instance (H1/H2 of proofs-notes/MODEL.md §5.3; Williams 2005): vectors
 * {@code u_0..u_{N1-1}} and {@code w_0..w_{N2-1}} in {@code {0,1}^m}; the question is whether some
 * pair has {@code <u_a, w_b> = 0}.
 *
 * <p>When the instance comes from a formula ({@link SatToOv#forward}), {@code split} records the
 * assignment enumeration order: {@code u[a]} belongs to the assignment of {@code split.left()} in
 * which variable {@code split.left()[i]} is true iff bit i of a is set, and likewise
 * {@code w[b]} with {@code split.right()}. For a plain OV instance {@code split} is null.
 *
 * <p>The constructor copies every array; the accessors return the internal arrays, which callers
 * must not modify. (Array components make {@code equals} reference-based.)
 *
 * @param dimension m, at least 0
 * @param u the left vectors, at least one, each of length m with entries 0 or 1
 * @param w the right vectors, likewise
 * @param split the variable halves, or null for a plain instance
 */
public record OvInstance(int dimension, int[][] u, int[][] w, Split split) {

  /**
   * The two halves V1, V2 of the variables (numbers 1..n), in the bit order of the vector index.
   *
   * @param left V1
   * @param right V2
   */
  public record Split(int[] left, int[] right) {
    /** @throws IllegalArgumentException when a half is missing */
    public Split {
      left = Checks.notNull("left", left).clone();
      right = Checks.notNull("right", right).clone();
    }

    /** n = |V1| + |V2|. */
    public int variables() {
      return left.length + right.length;
    }
  }

  /**
   * @throws IllegalArgumentException when m is negative, a side is empty, a vector has the wrong
   *     length or an entry other than 0 and 1, or the side sizes do not match {@code 2^|V1|},
   *     {@code 2^|V2|}
   */
  public OvInstance {
    Checks.argument(dimension >= 0, "dimension (" + dimension + ") must be >= 0");
    u = copy("u", u, dimension);
    w = copy("w", w, dimension);
    if (split != null) {
      Checks.argument(split.left().length < 31 && split.right().length < 31, "a half has more than 30 variables");
      Checks.argument(
          u.length == 1 << split.left().length,
          "u has " + u.length + " vectors, expected 2^" + split.left().length + " (one per assignment of V1)");
      Checks.argument(
          w.length == 1 << split.right().length,
          "w has " + w.length + " vectors, expected 2^" + split.right().length + " (one per assignment of V2)");
    }
  }

  /**
   * A plain OV instance (no formula behind it); m is the length of {@code u[0]}.
   *
   * @throws IllegalArgumentException as the constructor
   */
  public static OvInstance plain(int[][] u, int[][] w) {
    Checks.notNull("u", u);
    Checks.argument(u.length > 0, "u must hold at least one vector");
    return new OvInstance(Checks.notNull("u[0]", u[0]).length, u, w, null);
  }

  private static int[][] copy(String name, int[][] v, int m) {
    Checks.notNull(name, v);
    Checks.argument(v.length > 0, name + " must hold at least one vector");
    int[][] c = new int[v.length][];
    for (int i = 0; i < v.length; i++) {
      c[i] = Checks.notNull(name + "[" + i + "]", v[i]).clone();
      Checks.argument(c[i].length == m, name + "[" + i + "] has " + c[i].length + " entries, expected " + m);
      for (int j = 0; j < m; j++) {
        Checks.argument(c[i][j] == 0 || c[i][j] == 1, name + "[" + i + "][" + j + "] (" + c[i][j] + ") must be 0 or 1");
      }
    }
    return c;
  }

  /** The enumeration order, when the instance comes from a formula. */
  public Optional<Split> enumeration() {
    return Optional.ofNullable(split);
  }

  /**
   * {@code <u_a, w_b>}.
   *
   * @throws IllegalArgumentException when a or b is out of range
   */
  public int inner(int a, int b) {
    Checks.inRange("a", a, 0, u.length - 1);
    Checks.inRange("b", b, 0, w.length - 1);
    int s = 0;
    for (int c = 0; c < dimension; c++) {
      s += u[a][c] * w[b][c];
    }
    return s;
  }

  /** The first orthogonal pair {@code {a, b}} in lexicographic order, or empty; O(N1 N2 m). */
  public Optional<int[]> bruteForcePair() {
    for (int a = 0; a < u.length; a++) {
      for (int b = 0; b < w.length; b++) {
        if (inner(a, b) == 0) {
          return Optional.of(new int[] {a, b});
        }
      }
    }
    return Optional.empty();
  }
}
