package dev.loralimits.hardness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * H1 of proofs-notes/MODEL.md §5.3 (Williams 2005): the formula is satisfiable iff the split-and-list OV instance
 * has an orthogonal pair, and a pair's inner product counts the clauses its assignment falsifies.
 */
@Label("H1: k-SAT -> OV (split and list)")
class SatToOvProperties {
  /** The satisfiability threshold of random 3-SAT, clauses per variable. */
  static final double THRESHOLD_RATIO = 4.26;

  /** Random 3-CNF with n <= 16: near the threshold (m ~ 4.26 n) or under-constrained (m <= 2n). */
  @Provide
  Arbitrary<Cnf> formulas() {
    return Combinators.combine(
            Arbitraries.integers().between(1, 16),
            Arbitraries.of(true, false),
            Arbitraries.doubles().between(-0.25, 0.25),
            Arbitraries.longs())
        .as((n, nearThreshold, jitter, seed) -> {
          Random r = new Random(seed);
          int m = nearThreshold
              ? (int) Math.round((THRESHOLD_RATIO + 4 * jitter) * n)
              : r.nextInt(2 * n + 1);
          return Cnf.random3Cnf(n, m, r);
        });
  }

  @Property(tries = 150)
  @Label("orthogonal pair exists <=> brute-force satisfiable; the first pair decodes to a model")
  void orthogonalPairIffSatisfiable(@ForAll("formulas") Cnf f) {
    OvInstance ov = SatToOv.forward(f);
    Optional<boolean[]> model = f.bruteForceSatisfiable();
    Optional<int[]> pair = ov.bruteForcePair();
    Statistics.label("formula").collect(model.isPresent() ? "satisfiable" : "unsatisfiable");
    Statistics.label("formula").coverage(c -> {
      c.check("satisfiable").percentage(p -> p >= 10);
      c.check("unsatisfiable").percentage(p -> p >= 10);
    });
    assertThat(pair.isPresent()).as("orthogonal pair exists").isEqualTo(model.isPresent());
    pair.ifPresent(ab -> assertThat(f.isSatisfiedBy(SatToOv.decode(ov, ab[0], ab[1]))).isTrue());
  }

  @Provide
  Arbitrary<Cnf> smallFormulas() {
    return formulas().filter(f -> f.variables() <= 12);
  }

  @Property(tries = 80)
  @Label("<u_a, w_b> = number of clauses falsified by decode(a, b), for every pair")
  void innerProductCountsFalsifiedClauses(@ForAll("smallFormulas") Cnf f) {
    OvInstance ov = SatToOv.forward(f);
    int n = f.variables();
    assertThat(ov.u()).hasNumberOfRows(1 << (n / 2));
    assertThat(ov.w()).hasNumberOfRows(1 << (n - n / 2));
    assertThat(ov.dimension()).isEqualTo(f.clauseCount());
    boolean any = false;
    for (int a = 0; a < ov.u().length; a++) {
      for (int b = 0; b < ov.w().length; b++) {
        boolean[] x = SatToOv.decode(ov, a, b);
        int falsified = 0;
        for (int[] clause : f.clauses()) {
          falsified += Cnf.satisfies(clause, x) ? 0 : 1;
        }
        assertThat(ov.inner(a, b)).as("pair (%d, %d)", a, b).isEqualTo(falsified);
        if (falsified == 0) {
          assertThat(f.isSatisfiedBy(x)).isTrue();
          any = true;
        }
      }
    }
    assertThat(any).isEqualTo(f.bruteForceSatisfiable().isPresent());
    NormMap norms = SatToOv.normMap(f, ov);
    assertThat(norms.output("U")).isBetween(0.0, 1.0);
    assertThat(norms.output("W")).isBetween(0.0, 1.0);
  }

  @Property(tries = 40)
  @Label("decode covers every assignment exactly once (a bijection onto {0,1}^n)")
  void decodeIsABijection(@ForAll("smallFormulas") Cnf f) {
    OvInstance ov = SatToOv.forward(f);
    int n = f.variables();
    boolean[] seen = new boolean[1 << n];
    for (int a = 0; a < ov.u().length; a++) {
      for (int b = 0; b < ov.w().length; b++) {
        boolean[] x = SatToOv.decode(ov, a, b);
        int code = 0;
        for (int v = 0; v < n; v++) {
          code |= (x[v] ? 1 : 0) << v;
        }
        assertThat(seen[code]).isFalse();
        seen[code] = true;
      }
    }
  }

  @Example
  void decodeNeedsAFormulaInstance() {
    OvInstance plain = OvInstance.plain(new int[][] {{0}}, new int[][] {{1}});
    assertThatThrownBy(() -> SatToOv.decode(plain, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("instance has no enumeration order (plain OV)");
    OvInstance one = SatToOv.forward(new Cnf(1, new int[][] {{1}, {-1}}));
    assertThat(one.u()).hasNumberOfRows(1);
    assertThat(one.w()).hasNumberOfRows(2);
    assertThat(one.bruteForcePair()).isEmpty();
  }
}
