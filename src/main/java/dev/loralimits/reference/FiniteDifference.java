package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.reference.ApInstance.ApProjection;
import dev.loralimits.reference.ApInstance.Factor;
import java.util.EnumMap;
import java.util.Map;
import org.apfloat.Apfloat;

/**
 * The derivation-free fourth check: the central difference
 * {@code sum_i (Loss_i(x + h) - Loss_i(x - h)) / (2h)} in every adapter entry, over the data points
 * i, evaluated with {@link LoraLoss#pointLosses} (Definition 1.2) only.
 *
 * <p>Error (proofs-notes/LEMMAS.md Section 8): truncation {@code <= h^2/6 max|Loss'''|} plus
 * rounding {@code <= 10^{1-P} |Loss| / h} at working precision P. For a target precision p we
 * take {@code P = 2p + 10} and {@code h = 10^{-(ceil(p/2) + 2)}}: truncation about
 * {@code 10^{-p-4} max|Loss'''|}, rounding about {@code 10^{-1.5p - 7} |Loss|}, both far below
 * {@code 10^{-p}} for moderate third derivatives.
 *
 * <p><b>Exact zeros</b> (proofs-notes/LEMMAS.md Section 8.1), so that a gradient that is zero by
 * structure is returned as exact 0, as the precision contract demands of an all-zero matrix:
 *
 * <ul>
 *   <li>When the entry cannot change the computed loss — it is multiplied by an exact zero (dA when
 *       B = 0, dB when A = 0, a zero row of A or column of B, a zero column of an X) or it only
 *       moves scores whose softmax row is computed as exactly constant (every key length 1, or all
 *       key rows of a point equal: the scores of a row are then bit-identical, row-maximum
 *       subtraction gives {@code exp(0) = 1}) — the two evaluations run the same operations on the
 *       same numbers, so {@code up - down} is exactly 0 and so is the quotient. Nothing to add.
 *   <li>A point whose computed loss is exactly 0 (every computed entry of {@code Z_i - Y_i} is 0,
 *       an exact fit) is at a global minimum of {@code Loss_i >= 0}, a differentiable function of
 *       the adapter entries; so every partial derivative of {@code Loss_i} is 0 (Fermat), and the
 *       point contributes exactly 0. Its difference quotient would instead be
 *       {@code h^2/6 Loss_i'''} of truncation, which no working precision removes. Exactly 0
 *       computed {@code Z_i - Y_i} is also what makes E1-E3 return an exact 0 for that point (every
 *       term carries a factor {@code c = F C3 - Y}); that the computed 0 is the exact 0 is verified
 *       the same way as every other number, by the recomputation of the precision contract.
 * </ul>
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
    Apfloat[] atX = LoraLoss.pointLosses(inst, ar);
    boolean[] fitted = new boolean[atX.length];
    for (int i = 0; i < atX.length; i++) {
      fitted[i] = atX[i].signum() == 0;
    }
    Map<Adapter, ApMatrix> ga = new EnumMap<>(Adapter.class);
    Map<Adapter, ApMatrix> gb = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      ApProjection proj = inst.projection(mu);
      if (proj.isAdapted()) {
        ga.put(mu, differentiate(inst, mu, Factor.A, proj.a(), fitted, h, twoH, ar));
        gb.put(mu, differentiate(inst, mu, Factor.B, proj.b(), fitted, h, twoH, ar));
      }
    }
    return new ApGradients(LoraLoss.loss(inst, ar), ga, gb);
  }

  /** Central differences in every entry of factor f of mu, skipping the exactly fitted points. */
  private static ApMatrix differentiate(
      ApInstance inst, Adapter mu, Factor f, ApMatrix m, boolean[] fitted, Apfloat h, Apfloat twoH, Arithmetic ar) {
    Apfloat[][] g = new Apfloat[m.rows()][m.cols()];
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        Apfloat x = m.get(i, j);
        Apfloat[] up = LoraLoss.pointLosses(inst.withEntry(mu, f, i, j, ar.add(x, h)), ar);
        Apfloat[] down = LoraLoss.pointLosses(inst.withEntry(mu, f, i, j, ar.subtract(x, h)), ar);
        Apfloat diff = Apfloat.ZERO;
        for (int k = 0; k < up.length; k++) {
          if (!fitted[k]) {
            diff = ar.add(diff, ar.subtract(up[k], down[k]));
          }
        }
        g[i][j] = ar.divide(diff, twoH);
      }
    }
    return ApMatrix.wrap(g);
  }
}
