package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.reference.ApInstance.ApProjection;
import dev.loralimits.reference.ApInstance.Factor;
import java.util.EnumMap;
import java.util.Map;
import org.apfloat.Apfloat;

/**
 * The derivation-free fourth check: the central difference
 * {@code (Loss(x + h) - Loss(x - h)) / (2h)} in every adapter entry, evaluated with
 * {@link LoraLoss#loss} (Definition 1.2) only.
 *
 * <p>Error (proofs-notes/LEMMAS.md Section 8): truncation {@code <= h^2/6 max|Loss'''|} plus
 * rounding {@code <= 10^{1-P} |Loss| / h} at working precision P. For a target precision p we
 * take {@code P = 2p + 10} and {@code h = 10^{-(ceil(p/2) + 2)}}: truncation about
 * {@code 10^{-p-4} max|Loss'''|}, rounding about {@code 10^{-1.5p - 7} |Loss|}, both far below
 * {@code 10^{-p}} for moderate third derivatives.
 */
public final class FiniteDifference {
  private FiniteDifference() {}

  /** The step {@code h = 10^{-(ceil(p/2) + 2)}} for target precision p. */
  public static Apfloat step(long p) {
    return new Apfloat("1e-" + ((p + 1) / 2 + 2));
  }

  /** Working precision {@code 2p + 10} for target precision p. */
  public static long workingPrecision(long p) {
    return 2 * p + 10;
  }

  /** Loss and central-difference gradients of every adapted projection at target precision p. */
  public static ApGradients compute(ApInstance inst, long p) {
    Arithmetic ar = new Arithmetic(workingPrecision(p));
    Apfloat h = step(p);
    Apfloat twoH = ar.multiply(new Apfloat(2), h);
    Map<Adapter, ApMatrix> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, ApMatrix> gb = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      ApProjection proj = inst.projection(mu);
      if (proj.isAdapted()) {
        ga.put(mu, differentiate(inst, mu, Factor.A, proj.a(), h, twoH, ar));
        gb.put(mu, differentiate(inst, mu, Factor.B, proj.b(), h, twoH, ar));
      }
    }
    return new ApGradients(LoraLoss.loss(inst, ar), ga, gb);
  }

  private static ApMatrix differentiate(
      ApInstance inst, Adapter mu, Factor f, ApMatrix m, Apfloat h, Apfloat twoH, Arithmetic ar) {
    Apfloat[][] g = new Apfloat[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        Apfloat x = m.get(i, j);
        Apfloat up = LoraLoss.loss(inst.withEntry(mu, f, i, j, ar.add(x, h)), ar);
        Apfloat down = LoraLoss.loss(inst.withEntry(mu, f, i, j, ar.subtract(x, h)), ar);
        g[i][j] = ar.divide(ar.subtract(up, down), twoH);
      }
    }
    return ApMatrix.wrap(g);
  }
}
