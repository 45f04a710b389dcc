package dev.loralimits.reference;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apfloat.Apfloat;

/**
 * The exact apfloat image of a {@link LoraInstance} (no rounding: inputs are decimals and apfloat
 * works in radix 10). Perturbed copies serve the finite-difference check.
 *
 * @param alpha LoRA scale
 * @param beta inverse temperature
 * @param weights projections keyed Q, K, V
 * @param points data points
 */
public record ApInstance(
    Apfloat alpha, Apfloat beta, Map<Adapter, ApProjection> weights, List<ApPoint> points) {

  /** One projection {@code W* + (alpha/r) B A}; {@code a} and {@code b} are null when frozen. */
  public record ApProjection(ApMatrix frozen, ApMatrix a, ApMatrix b) {
    public boolean isAdapted() {
      return a != null;
    }

    /** The LoRA rank r = rows(A). */
    public int rank() {
      return a.rows();
    }
  }

  /** One data point {@code (X^Q, X^K, X^V, Y)}. */
  public record ApPoint(ApMatrix xq, ApMatrix xk, ApMatrix xv, ApMatrix y) {}

  /** Which factor of an adapter. */
  public enum Factor {
    A,
    B
  }

  /** The exact image of a validated instance. */
  public static ApInstance of(LoraInstance inst) {
    EnumMap<Adapter, ApProjection> w = new EnumMap<>(Adapter.class);
    for (Adapter mu : Adapter.values()) {
      Projection p = inst.projection(mu);
      w.put(
          mu,
          new ApProjection(
              ApMatrix.exact(p.frozen()),
              p.isAdapted() ? ApMatrix.exact(p.a()) : null,
              p.isAdapted() ? ApMatrix.exact(p.b()) : null));
    }
    List<ApPoint> pts = new ArrayList<>();
    for (DataPoint d : inst.data()) {
      ApMatrix xq = ApMatrix.exact(d.xq());
      ApMatrix xk = d.xk() == d.xq() ? xq : ApMatrix.exact(d.xk());
      ApMatrix xv = d.xv() == d.xk() ? xk : ApMatrix.exact(d.xv());
      pts.add(new ApPoint(xq, xk, xv, ApMatrix.exact(d.y())));
    }
    return new ApInstance(
        ApMatrix.exact(inst.alpha()),
        ApMatrix.exact(inst.beta()),
        Collections.unmodifiableMap(w),
        List.copyOf(pts));
  }

  public ApProjection projection(Adapter mu) {
    return weights.get(mu);
  }

  /** A copy in which entry (i, j) of factor {@code f} of adapter {@code mu} is {@code value}. */
  public ApInstance withEntry(Adapter mu, Factor f, int i, int j, Apfloat value) {
    EnumMap<Adapter, ApProjection> w = new EnumMap<>(weights);
    ApProjection p = w.get(mu);
    w.put(
        mu,
        f == Factor.A
            ? new ApProjection(p.frozen(), p.a().with(i, j, value), p.b())
            : new ApProjection(p.frozen(), p.a(), p.b().with(i, j, value)));
    return new ApInstance(alpha, beta, Collections.unmodifiableMap(w), points);
  }
}
