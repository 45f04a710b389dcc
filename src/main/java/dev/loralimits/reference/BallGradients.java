package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * One run of the binary engine with radii: the midpoints ({@link #mid}, exact decimals of the
 * engine's binary values) and, entry by entry, an upper bound of the distance from each midpoint
 * to the exact value (proofs-notes/REFERENCE-ENGINE.md §8).
 *
 * @param mid the loss and gradients as computed
 * @param lossRadius {@code >= |mid.loss - loss|}
 * @param radiusA {@code radiusA[mu][i][j] >= |mid.gradA[mu][i][j] - dLoss/dA_mu[i][j]|}
 * @param radiusB the same for {@code dLoss/dB_mu}
 */
record BallGradients(
    ApGradients mid, Bound lossRadius, Map<Adapter, Bound[][]> radiusA, Map<Adapter, Bound[][]> radiusB) {
  BallGradients {
    radiusA = Collections.unmodifiableMap(new EnumMap<>(radiusA));
    radiusB = Collections.unmodifiableMap(new EnumMap<>(radiusB));
  }

  /** Splits balls into midpoints and radii. */
  static BallGradients of(Ball loss, Map<Adapter, Ball[][]> ga, Map<Adapter, Ball[][]> gb) {
    Map<Adapter, ApMatrix> ma = new EnumMap<>(Adapter.class);
    Map<Adapter, ApMatrix> mb = new EnumMap<>(Adapter.class);
    Map<Adapter, Bound[][]> ra = new EnumMap<>(Adapter.class);
    Map<Adapter, Bound[][]> rb = new EnumMap<>(Adapter.class);
    for (Adapter mu : ga.keySet()) {
      ma.put(mu, mids(ga.get(mu)));
      mb.put(mu, mids(gb.get(mu)));
      ra.put(mu, radii(ga.get(mu)));
      rb.put(mu, radii(gb.get(mu)));
    }
    return new BallGradients(new ApGradients(ApMatrix.exact(loss.mid.toBigDecimal()), ma, mb), loss.rad, ra, rb);
  }

  private static ApMatrix mids(Ball[][] m) {
    org.apfloat.Apfloat[][] a = new org.apfloat.Apfloat[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        a[i][j] = ApMatrix.exact(m[i][j].mid.toBigDecimal());
      }
    }
    return ApMatrix.wrap(a);
  }

  private static Bound[][] radii(Ball[][] m) {
    Bound[][] r = new Bound[m.length][m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        r[i][j] = m[i][j].rad;
      }
    }
    return r;
  }
}
