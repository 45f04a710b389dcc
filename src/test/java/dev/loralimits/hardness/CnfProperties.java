package dev.loralimits.hardness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/** The formula model of H1: random 3-CNF, evaluation and brute force agree with each other. */
@Label("Cnf: random 3-CNF, evaluation, brute force")
class CnfProperties {

  @Property(tries = 120)
  @Label("brute force returns a satisfying assignment, or no assignment satisfies the formula")
  void bruteForceIsExhaustive(
      @ForAll @IntRange(min = 1, max = 9) int n, @ForAll @IntRange(min = 0, max = 45) int m, @ForAll long seed) {
    Cnf f = Cnf.random3Cnf(n, m, new Random(seed));
    Optional<boolean[]> found = f.bruteForceSatisfiable();
    Statistics.label("formula").collect(found.isPresent() ? "satisfiable" : "unsatisfiable");
    Statistics.label("formula").coverage(c -> {
      c.check("satisfiable").count(k -> k > 0);
      c.check("unsatisfiable").count(k -> k > 0);
    });
    if (found.isPresent()) {
      assertThat(f.isSatisfiedBy(found.get())).isTrue();
    } else {
      for (int x = 0; x < 1 << n; x++) {
        boolean[] a = new boolean[n];
        for (int v = 0; v < n; v++) {
          a[v] = ((x >> v) & 1) != 0;
        }
        assertThat(f.isSatisfiedBy(a)).as("assignment %d", x).isFalse();
      }
    }
  }

  @Property(tries = 50)
  @Label("random3Cnf: min(3, n) distinct variables per clause, literals in ±(1..n)")
  void randomClausesAreWellFormed(
      @ForAll @IntRange(min = 1, max = 16) int n, @ForAll @IntRange(min = 0, max = 70) int m, @ForAll long seed) {
    Cnf f = Cnf.random3Cnf(n, m, new Random(seed));
    assertThat(f.clauseCount()).isEqualTo(m);
    for (int[] clause : f.clauses()) {
      assertThat(clause).hasSize(Math.min(3, n));
      assertThat(java.util.Arrays.stream(clause).map(Math::abs).distinct().count()).isEqualTo(clause.length);
      for (int lit : clause) {
        assertThat(Math.abs(lit)).isBetween(1, n);
      }
    }
  }

  @Example
  void messagesNameTheArgument() {
    assertThatThrownBy(() -> new Cnf(2, new int[][] {{1, 3}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clauses[0][1] (3) must be a literal in ±(1..2)");
    assertThatThrownBy(() -> new Cnf(0, new int[0][]))
        .hasMessage("variables (0) must be > 0");
    assertThatThrownBy(() -> new Cnf(2, new int[][] {{1}}).isSatisfiedBy(new boolean[3]))
        .hasMessage("assignment has 3 entries, expected 2 (one per variable)");
    assertThatThrownBy(() -> new Cnf(21, new int[0][]).bruteForceSatisfiable())
        .hasMessage("variables (21) must be in [1, 20]");
  }

  @Example
  void emptyClauseIsUnsatisfiableAndNoClausesIsSatisfiable() {
    assertThat(new Cnf(1, new int[][] {{}}).bruteForceSatisfiable()).isEmpty();
    assertThat(new Cnf(1, new int[0][]).bruteForceSatisfiable()).isPresent();
  }
}
