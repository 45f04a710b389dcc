package dev.loralimits.testing;

import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LayerInstance;
import dev.loralimits.model.LayerWeight;
import dev.loralimits.model.LoraScaling;
import dev.loralimits.model.Masking;
import dev.loralimits.model.Projection;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Random attention-layer instances (spec/PROBLEMS.md 7) and their jqwik generator. */
public final class LayerInstances {
  private LayerInstances() {}

  /**
   * The shape of a random layer: every width independent. Self-attention points need
   * {@code dq = dk = dv}; with a bottom-right mask every point gets at least as many keys as
   * queries.
   */
  public record Spec(
      int heads, int h, int v, int dq, int dk, int dv, Integer o, Masking masking, LoraScaling scaling,
      Map<LayerWeight, Integer> ranks, boolean cross, int points, int maxL, BigDecimal alpha, BigDecimal beta) {}

  /** Small layers: 1-3 heads, widths 1-3, lengths 1-4, 1-2 points, any mask, any adapter set. */
  public static Arbitrary<Spec> specs() {
    Arbitrary<Map<LayerWeight, Integer>> ranks = Arbitraries.of(LayerWeight.class).set().ofMinSize(1).ofMaxSize(4)
        .flatMap(set -> Arbitraries.integers().between(1, 2).list().ofSize(set.size()).map(rs -> {
          Map<LayerWeight, Integer> m = new EnumMap<>(LayerWeight.class);
          int i = 0;
          for (LayerWeight mu : EnumSet.copyOf(set)) {
            m.put(mu, rs.get(i++));
          }
          return m;
        }));
    Arbitrary<Integer> width = Arbitraries.integers().between(1, 3);
    return Combinators.combine(
            Arbitraries.integers().between(1, 3), width, width, width, width, width,
            Arbitraries.integers().between(1, 3).injectNull(0.3), Arbitraries.of(Masking.class))
        .as((heads, h, v, dq, dk, dv, o, mask) -> new Object[] {heads, h, v, dq, dk, dv, o, mask})
        .flatMap(a -> Combinators.combine(
                Arbitraries.of(LoraScaling.class), ranks, Arbitraries.of(true, false), Arbitraries.integers().between(1, 2),
                Arbitraries.of("1", "2", "-3"), Arbitraries.of("0.5", "1", "2"))
            .as((sc, rk, cross, pts, al, be) -> {
              int dq = (Integer) a[3];
              return new Spec((Integer) a[0], (Integer) a[1], (Integer) a[2], dq, cross ? (Integer) a[4] : dq,
                  cross ? (Integer) a[5] : dq, (Integer) a[6], (Masking) a[7], sc,
                  (Integer) a[6] == null ? withoutO(rk) : rk, cross, pts, 4, new BigDecimal(al), new BigDecimal(be));
            }));
  }

  private static Map<LayerWeight, Integer> withoutO(Map<LayerWeight, Integer> rk) {
    Map<LayerWeight, Integer> m = new EnumMap<>(LayerWeight.class);
    m.putAll(rk);
    m.remove(LayerWeight.O);
    if (m.isEmpty()) {
      m.put(LayerWeight.V, 1);
    }
    return m;
  }

  /** The layer of {@code s} with entries drawn from {@code seed} (as {@link Instances#matrix}). */
  public static LayerInstance random(Spec s, long seed) {
    Random rnd = new Random(seed);
    Map<LayerWeight, Projection> w = new EnumMap<>(LayerWeight.class);
    int qk = s.heads() * s.h();
    int vv = s.heads() * s.v();
    w.put(LayerWeight.Q, projection(rnd, s.dq(), qk, s.ranks().get(LayerWeight.Q)));
    w.put(LayerWeight.K, projection(rnd, s.dk(), qk, s.ranks().get(LayerWeight.K)));
    w.put(LayerWeight.V, projection(rnd, s.dv(), vv, s.ranks().get(LayerWeight.V)));
    if (s.o() != null) {
      w.put(LayerWeight.O, projection(rnd, vv, s.o(), s.ranks().get(LayerWeight.O)));
    }
    int out = s.o() == null ? vv : s.o();
    List<DataPoint> pts = new ArrayList<>();
    for (int i = 0; i < s.points(); i++) {
      int lq = 1 + rnd.nextInt(s.maxL());
      int lk = s.cross() ? 1 + rnd.nextInt(s.maxL()) : lq;
      if (s.masking() == Masking.BOTTOM_RIGHT) {
        lk = Math.max(lk, lq);
      }
      if (s.cross()) {
        pts.add(DataPoint.cross(Instances.matrix(rnd, lq, s.dq(), 1.0), Instances.matrix(rnd, lk, s.dk(), 1.0),
            Instances.matrix(rnd, lk, s.dv(), 1.0), Instances.matrix(rnd, lq, out, 1.0)));
      } else {
        pts.add(DataPoint.self(Instances.matrix(rnd, lq, s.dq(), 1.0), Instances.matrix(rnd, lq, out, 1.0)));
      }
    }
    return new LayerInstance(s.heads(), s.masking(), s.scaling(), s.alpha(), s.beta(), w, pts);
  }

  private static Projection projection(Random rnd, int rows, int cols, Integer r) {
    DecimalMatrix frozen = Instances.matrix(rnd, rows, cols, 1.0 / Math.sqrt(rows));
    return r == null
        ? Projection.frozen(frozen)
        : Projection.adapted(frozen, Instances.matrix(rnd, r, cols, 0.5), Instances.matrix(rnd, rows, r, 0.5));
  }

  /** The adapted projections of a spec. */
  public static Set<LayerWeight> adapted(Spec s) {
    return EnumSet.copyOf(s.ranks().keySet());
  }
}
