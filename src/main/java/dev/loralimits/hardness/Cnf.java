package dev.loralimits.hardness;

import dev.loralimits.model.Checks;
import java.util.Optional;
import java.util.Random;

/**
 * A CNF formula (the input of H1, proofs-notes/MODEL.md §5.3, and, through SETH, of Theorem 4.1): {@code variables}
 * Boolean variables numbered {@code 1..n} and clauses given as DIMACS-style literals, {@code +v}
 * for variable v and {@code -v} for its negation. An empty clause is allowed (it is never
 * satisfied).
 *
 * <p>The constructor copies the clauses; the accessor returns the internal arrays, which callers
 * must not modify.
 *
 * @param variables n, at least 1
 * @param clauses the clauses, each an array of literals in {@code ±(1..n)}
 */
public record Cnf(int variables, int[][] clauses) {
  /** Largest n that {@link #bruteForceSatisfiable()} enumerates (2^20 assignments). */
  public static final int MAX_BRUTE_FORCE_VARIABLES = 20;
  /** Literals per clause of {@link #random3Cnf}. */
  public static final int CLAUSE_WIDTH = 3;

  /**
   * @throws IllegalArgumentException when n is not positive, the clause array or a clause is
   *     missing, or a literal is 0 or names a variable outside 1..n
   */
  public Cnf {
    Checks.positive("variables", variables);
    Checks.notNull("clauses", clauses);
    int[][] c = new int[clauses.length][];
    for (int i = 0; i < clauses.length; i++) {
      c[i] = Checks.notNull("clauses[" + i + "]", clauses[i]).clone();
      for (int j = 0; j < c[i].length; j++) {
        int lit = c[i][j];
        Checks.argument(
            lit != 0 && Math.abs(lit) <= variables,
            "clauses[" + i + "][" + j + "] (" + lit + ") must be a literal in ±(1.." + variables + ")");
      }
    }
    clauses = c;
  }

  /**
   * A random 3-CNF formula: m clauses, each over {@code min(3, n)} distinct variables chosen
   * uniformly, each negated with probability 1/2 (no clause is a tautology).
   *
   * @throws IllegalArgumentException when n is not positive, m is negative or random is missing
   */
  public static Cnf random3Cnf(int n, int m, Random random) {
    Checks.positive("n", n);
    Checks.argument(m >= 0, "m (" + m + ") must be >= 0");
    Checks.notNull("random", random);
    int width = Math.min(CLAUSE_WIDTH, n);
    int[][] clauses = new int[m][width];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < width; j++) {
        int v;
        do {
          v = 1 + random.nextInt(n);
        } while (contains(clauses[i], j, v));
        clauses[i][j] = random.nextBoolean() ? v : -v;
      }
    }
    return new Cnf(n, clauses);
  }

  private static boolean contains(int[] clause, int upTo, int v) {
    for (int j = 0; j < upTo; j++) {
      if (Math.abs(clause[j]) == v) {
        return true;
      }
    }
    return false;
  }

  /** Number of clauses m. */
  public int clauseCount() {
    return clauses.length;
  }

  /**
   * Whether the assignment ({@code assignment[v - 1]} is the value of variable v) satisfies
   * every clause.
   *
   * @throws IllegalArgumentException when the assignment is missing or does not have n entries
   */
  public boolean isSatisfiedBy(boolean[] assignment) {
    Checks.notNull("assignment", assignment);
    Checks.argument(
        assignment.length == variables,
        "assignment has " + assignment.length + " entries, expected " + variables + " (one per variable)");
    for (int[] clause : clauses) {
      if (!satisfies(clause, assignment)) {
        return false;
      }
    }
    return true;
  }

  /** Whether some literal of the clause is true under the assignment. */
  static boolean satisfies(int[] clause, boolean[] assignment) {
    for (int lit : clause) {
      if (assignment[Math.abs(lit) - 1] == (lit > 0)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The first satisfying assignment in the order of the integers {@code x = 0 .. 2^n - 1} (variable
   * v is true iff bit {@code v - 1} of x is set), or empty when the formula is unsatisfiable.
   *
   * @throws IllegalArgumentException when n exceeds {@link #MAX_BRUTE_FORCE_VARIABLES}
   */
  public Optional<boolean[]> bruteForceSatisfiable() {
    Checks.inRange("variables", variables, 1, MAX_BRUTE_FORCE_VARIABLES);
    int m = clauses.length;
    int[] pos = new int[m];
    int[] neg = new int[m];
    for (int i = 0; i < m; i++) {
      for (int lit : clauses[i]) {
        if (lit > 0) {
          pos[i] |= 1 << (lit - 1);
        } else {
          neg[i] |= 1 << (-lit - 1);
        }
      }
    }
    for (int x = 0; x < (1 << variables); x++) {
      boolean all = true;
      for (int i = 0; i < m && all; i++) {
        all = (x & pos[i]) != 0 || (~x & neg[i]) != 0;
      }
      if (all) {
        boolean[] a = new boolean[variables];
        for (int v = 0; v < variables; v++) {
          a[v] = ((x >> v) & 1) != 0;
        }
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
