package dev.loralimits.fast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.model.LayerWeight;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * Every term of FAST-BOUND.md §12 (L2) and (L4)-(L7) that {@link LayerFastBound#point} returns,
 * recomputed in BigDecimal (60 digits) from the formula of the note, on the code's own upstream
 * terms (as {@code FastBoundFormulaProperties} does for §3-5): {@code formula <= returned <= (1 +
 * 1e-12) formula}. The lower inequality is the claim of §7 (each returned term bounds its
 * formula); the upper one catches a term the code inflates or takes from a wrong input.
 */
@Label("LayerFastBound: FAST-BOUND §12 formulas")
class LayerFastBoundFormulaProperties {
  /**
   * Allowed excess of a returned term over its formula: §7 bounds it by {@code 1 + 386u}
   * (below {@code 4.3e-14}) per formula; the gammas add at most {@code n u} with n below 1e3 here.
   */
  static final double EXCESS = 1e-12;

  private static final MathContext MC = new MathContext(60);
  private static final BigDecimal U = new BigDecimal(FastBound.U);

  private static BigDecimal b(double x) {
    return new BigDecimal(x);
  }

  private static BigDecimal gamma(double n) {
    BigDecimal nu = b(n).multiply(U);
    return nu.divide(BigDecimal.ONE.subtract(nu), MC);
  }

  private static BigDecimal compose(BigDecimal a, BigDecimal c) {
    return a.add(c.multiply(BigDecimal.ONE.add(a)));
  }

  /** Log-uniform in [1e-8, 1e2]. */
  private static double size(Random r) {
    return Math.pow(10, -8 + 10 * r.nextDouble());
  }

  @Property(tries = 300)
  void everyReturnedTermBoundsItsFormula(@ForAll long seed) {
    Random r = new Random(seed);
    int heads = 1 + r.nextInt(3);
    int h = 1 + r.nextInt(4);
    int v = 1 + r.nextInt(4);
    boolean withO = r.nextBoolean();
    Statistics.label("with O").collect(withO);
    Statistics.label("with O").coverage(c -> c.check(true).percentage(p -> p >= 25));
    Map<LayerWeight, LayerFastBound.Weight> w = new EnumMap<>(LayerWeight.class);
    for (LayerWeight mu : LayerWeight.values()) {
      if (mu == LayerWeight.O && !withO) {
        continue;
      }
      int rank = r.nextInt(3);
      double wMaj = size(r);
      w.put(mu, new LayerFastBound.Weight(rank, wMaj, FastBound.up(FastBound.gamma(rank + 8.0) * wMaj), size(r), size(r),
          size(r), size(r), size(r), 1 + r.nextInt(5), 1 + r.nextInt(5), r.nextInt(2)));
    }
    LayerFastBound.Layer ly = new LayerFastBound.Layer(heads, h, v, 1 + r.nextInt(5), 1 + r.nextInt(5), 1 + r.nextInt(5),
        size(r), w);
    List<LayerFastBound.Head> hs = new ArrayList<>();
    for (int t = 0; t < heads; t++) {
      hs.add(new LayerFastBound.Head(size(r) * 1e-2, size(r) * 1e-2, size(r), 0, 0));
    }
    int lq = 1 + r.nextInt(30);
    int n = 1 + r.nextInt(30);
    LayerFastBound.Point p = new LayerFastBound.Point(lq, n, withO ? 1 + r.nextInt(4) : heads * v, size(r), size(r), size(r),
        size(r), size(r), size(r), size(r), size(r), size(r), hs);
    double delta = Math.pow(10, -16 + 14 * r.nextDouble());
    LayerFastBound.PointBound got = LayerFastBound.point(ly, p, delta, 1 + r.nextDouble(), 0.5 * r.nextDouble(), 1 + r.nextInt(50), r.nextInt(8));

    // (L2)
    LayerFastBound.Weight wq = w.get(LayerWeight.Q);
    LayerFastBound.Weight wk = w.get(LayerWeight.K);
    LayerFastBound.Weight wv = w.get(LayerWeight.V);
    check("eQ", gamma(ly.dq() + wq.rank() + 12.0).multiply(b(Math.abs(ly.beta()))).multiply(b(p.xqRowSum())).multiply(b(wq.wMaj())),
        LayerFastBound.queryError(ly, p));
    check("eK", gamma(ly.dk() + wk.rank() + 9.0).multiply(b(p.xkRowSum())).multiply(b(wk.wMaj()))
        .add(U.multiply(b(p.kmMax()).add(b(p.kbarMax())))), LayerFastBound.keyError(ly, p));
    check("eV", gamma(ly.dv() + wv.rank() + 9.0).multiply(b(p.xvRowSum())).multiply(b(wv.wMaj())), LayerFastBound.valueError(ly, p));
    BigDecimal eQ = b(LayerFastBound.queryError(ly, p));
    BigDecimal eK = b(LayerFastBound.keyError(ly, p));
    BigDecimal eV = b(LayerFastBound.valueError(ly, p));
    BigDecimal g1 = gamma(1);
    BigDecimal yMax = b(p.yMax()).multiply(BigDecimal.ONE.add(g1));
    BigDecimal bMax = b(Math.abs(ly.beta())).multiply(BigDecimal.ONE.add(g1));
    BigDecimal nuP = BigDecimal.ZERO;
    BigDecimal ezP = BigDecimal.ZERO;
    BigDecimal zMajP = BigDecimal.ZERO;
    for (int t = 0; t < heads; t++) {
      LayerFastBound.HeadTerms ht = got.heads().get(t);
      LayerFastBound.Head hd = hs.get(t);
      // (3.1), (3.3) on the returned sigma, deltaS, tau
      check("sigma", b(h).multiply(eQ.multiply(b(hd.kMax())).add(b(hd.qMax()).multiply(eK)).add(eQ.multiply(eK))), ht.sigma());
      BigDecimal dTot = compose(compose(compose(b(delta), b(ht.deltaS())), b(ht.tau())), U.multiply(b(3)));
      check("deltaTot", dTot, ht.deltaTot());
      if (!(ht.deltaTot() < 0.5)) {
        assertThat(ht.deltaF()).isInfinite();
        continue;
      }
      BigDecimal dF = b(ht.deltaTot()).multiply(b(2)).divide(BigDecimal.ONE.subtract(b(ht.deltaTot())), MC);
      check("deltaF", dF, ht.deltaF());
      BigDecimal deltaF = b(ht.deltaF());
      check("nu", b(hd.vMax()).add(eV), ht.nu());
      BigDecimal nu = b(ht.nu());
      // (L5)
      check("ez", deltaF.multiply(nu).add(eV), ht.ez());
      check("zMaj", BigDecimal.ONE.add(deltaF).multiply(nu), ht.zMaj());
      nuP = nuP.max(nu);
      ezP = ezP.max(b(ht.ez()));
      zMajP = zMajP.max(b(ht.zMaj()));
    }
    // (L6) on the returned per-head terms
    LayerFastBound.Weight o = w.get(LayerWeight.O);
    boolean finite = got.heads().stream().allMatch(t -> t.deltaTot() < 0.5);
    Statistics.label("every deltaTot < 1/2").collect(finite);
    Statistics.label("every deltaTot < 1/2").coverage(c -> c.check(true).percentage(x -> x >= 50));
    if (finite) {
      BigDecimal eR;
      BigDecimal gR;
      if (o == null) {
        eR = ezP.add(gamma(2).multiply(zMajP.add(yMax)));
        gR = nuP.add(yMax);
      } else {
        BigDecimal zw = b(heads * v);
        eR = ezP.multiply(b(o.colSum())).add(nuP.multiply(zw).multiply(b(o.eW())))
            .add(gamma(heads * v + 2.0).multiply(zMajP.multiply(b(o.colSum())).add(yMax)));
        gR = nuP.multiply(b(o.colSum()).add(zw.multiply(b(o.eW())))).add(yMax);
      }
      check("eR", eR, got.eR());
      check("gR", gR, got.gR());
      BigDecimal eRr = b(got.eR());
      BigDecimal gRr = b(got.gR());
      if (o == null) {
        assertThat(got.eG()).isEqualTo(got.eR());
        assertThat(got.gG()).isEqualTo(got.gR());
      } else {
        BigDecimal out = b(p.out());
        check("eG", eRr.multiply(b(o.rowSum())).add(gRr.multiply(out).multiply(b(o.eW())))
            .add(gamma(p.out()).multiply(gRr.add(eRr)).multiply(b(o.rowSum()))), got.eG());
        check("gG", gRr.multiply(b(o.rowSum()).add(out.multiply(b(o.eW())))), got.gG());
      }
      // (L7) per head on the returned upstream terms
      BigDecimal eG = b(got.eG());
      BigDecimal gG = b(got.gG());
      BigDecimal bv = b(v);
      BigDecimal gq = BigDecimal.ZERO;
      BigDecimal gk = BigDecimal.ZERO;
      BigDecimal gv = BigDecimal.ZERO;
      BigDecimal xk = b(p.xkMax()).multiply(BigDecimal.ONE.add(g1));
      BigDecimal xv = b(p.xvMax()).multiply(BigDecimal.ONE.add(g1));
      BigDecimal lqB = b(p.lq());
      for (int t = 0; t < heads; t++) {
        LayerFastBound.HeadTerms ht = got.heads().get(t);
        LayerFastBound.Head hd = hs.get(t);
        BigDecimal nu = b(ht.nu());
        BigDecimal ez = b(ht.ez());
        BigDecimal zMaj = b(ht.zMaj());
        BigDecimal dF = b(ht.deltaF());
        check("dt", bv.multiply(eV.multiply(gG.add(eG)).add(nu.multiply(eG))), ht.dt());
        check("tMaj", bv.multiply(nu).multiply(gG.add(eG)), ht.tMaj());
        check("ds", bv.multiply(eG.multiply(zMaj).add(gG.multiply(ez)))
            .add(gamma(v).multiply(bv).multiply(gG.add(eG)).multiply(zMaj)), ht.ds());
        check("sMaj", bv.multiply(gG.add(eG)).multiply(zMaj).multiply(BigDecimal.ONE.add(gamma(v))), ht.sMaj());
        BigDecimal ts = b(ht.tMaj()).add(b(ht.sMaj()));
        BigDecimal dtds = b(ht.dt()).add(b(ht.ds()));
        BigDecimal kE = b(hd.kMax()).add(eK);
        BigDecimal qE = b(hd.qMax()).add(eQ);
        check("eDQ", bMax.multiply(dF.multiply(b(hd.kMax())).multiply(ts).add(eK.multiply(ts)).add(kE.multiply(dtds))
            .add(g1.multiply(kE).multiply(ts))), ht.eDQ());
        check("mDQ", bMax.multiply(kE).multiply(ts), ht.mDQ());
        check("eDK", dF.multiply(b(hd.qMax())).multiply(ts).add(eQ.multiply(ts)).add(qE.multiply(dtds)), ht.eDK());
        check("mDK", qE.multiply(ts), ht.mDK());
        check("eDV", dF.multiply(gG.add(eG)).add(eG), ht.eDV());
        BigDecimal eDQ = b(ht.eDQ());
        BigDecimal eDK = b(ht.eDK());
        BigDecimal eDV = b(ht.eDV());
        gq = gq.max(b(p.xqColSum()).multiply(eDQ.add(gamma(p.lq() + 1.0).multiply(b(ht.mDQ()).add(eDQ)))));
        gk = gk.max(xk.multiply(lqB).multiply(eDK.add(gamma(p.n() + 1.0).multiply(b(ht.mDK()).add(eDK)))));
        gv = gv.max(xv.multiply(lqB).multiply(eDV.add(gamma(p.n() + 1.0).multiply(gG.add(eDV)))));
      }
      check("gQ", gq, got.err().get(LayerWeight.Q));
      check("gK", gk, got.err().get(LayerWeight.K));
      check("gV", gv, got.err().get(LayerWeight.V));
      BigDecimal rr = gRr.add(eRr);
      if (o != null) {
        check("gO", lqB.multiply(ezP.multiply(rr).add(nuP.multiply(eRr)).add(gamma(p.lq()).multiply(zMajP).multiply(rr))),
            got.err().get(LayerWeight.O));
      }
      BigDecimal cells = lqB.multiply(b(p.out()));
      check("lossErr", cells.multiply(gRr.multiply(eRr).add(eRr.multiply(eRr).divide(b(2), MC)))
          .add(gamma(cells.doubleValue() + 2).multiply(cells).multiply(rr).multiply(rr).divide(b(2), MC)), got.lossErr());
    }
  }

  /** {@code formula <= returned <= (1 + EXCESS) formula}. */
  private static void check(String what, BigDecimal formula, double returned) {
    assertThat(b(returned)).as("%s: returned %s below its formula %s", what, returned, formula).isGreaterThanOrEqualTo(formula);
    assertThat(b(returned)).as("%s: returned %s above (1 + %s) x formula %s", what, returned, EXCESS, formula)
        .isLessThanOrEqualTo(formula.multiply(BigDecimal.ONE.add(b(EXCESS)), MC));
  }
}
