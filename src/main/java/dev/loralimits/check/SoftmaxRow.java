package dev.loralimits.check;

/**
 * The error bounds of one softmax row, forward and backward (proofs-notes/CHECK-TOLERANCE.md
 * Sections 3.4 and 3.8), shared by the paper's single-head rule ({@link PrecisionTolerance}) and
 * every head of a layer ({@link LayerPrecisionTolerance}, Section 7.3: a masked row is this row
 * over its attended keys, the masked entries exact zeros that carry no error).
 *
 * <pre>
 *   eps_l = e(S_l) + u |S_l - m| + 2u,   tau = (n + 1) u + u (|m| + 4 ln n + 2)           (3.4a, 3.4c)
 *   e(F_l) = F_l ((1 - F_l) eps_l + sum_{m != l} F_m eps_m + tau) + (n + 1) eta             (3.4d)
 *   e(D_l) = e(G_l) + a2 + fromF + max(centred, pivoted, p1p2)                              (3.8a)
 *   e(P_l) = e(F_l) |D_l| + F_l e(D_l) + u |P^_l| + u F_l (|G_l| + |s|)                     (3.8b)
 * </pre>
 *
 * @param tau the row-common relative error of Section 3.4 (3.4c)
 * @param star the first key of largest score (the pivot g0 of the pivoted backward)
 */
record SoftmaxRow(double tau, int star) {

  /**
   * Section 3.4 on keys {@code 0 .. n-1}. On entry {@code s} holds the computed scores and
   * {@code eps} their bounds {@code e(S_l)}; on exit {@code f} holds the softmax, {@code eps} the
   * relative error bounds {@code eps_l} of {@code E_l = exp(S_l - m)} (3.4a) and {@code ef} the
   * bounds {@code e(F_l)} (3.4d). Entries from n on are not touched.
   */
  static SoftmaxRow forward(double[] s, double[] eps, int n, double u, double eta, double[] f, double[] ef) {
    double m = Double.NEGATIVE_INFINITY;
    int star = 0;
    for (int l = 0; l < n; l++) {
      if (s[l] > m) {
        m = s[l];
        star = l;
      }
    }
    double sum = 0;
    for (int l = 0; l < n; l++) {
      f[l] = Math.exp(s[l] - m);
      sum += f[l];
    }
    double epsBar = 0;
    for (int l = 0; l < n; l++) {
      f[l] /= sum;
      eps[l] += u * Math.abs(s[l] - m) + 2 * u;
      epsBar += f[l] * eps[l];
    }
    // the row-common relative error: the sum and division (or log-sum-exp) roundings (3.4c)
    double tau = (n + 1) * u + u * (Math.abs(m) + 4 * Math.log(n) + 2);
    double efFloor = (n + 1) * eta;
    for (int l = 0; l < n; l++) {
      // (3.4d): |delta_l - sum_m F_m delta_m| <= (1 - F_l) eps_l + sum_{m != l} F_m eps_m
      ef[l] = f[l] * ((1 - f[l]) * eps[l] + Math.max(0, epsBar - f[l] * eps[l]) + tau) + efFloor;
    }
    return new SoftmaxRow(tau, star);
  }

  /**
   * Sections 3.7-3.8 on keys {@code 0 .. n-1}: from the row's {@code f, ef, eps} (after
   * {@link #forward}) and {@code G_l = dLoss/dF_l} with its bound {@code eg}, writes
   * {@code P_l = F_l D_l} to {@code pv}, its bound {@code e(P_l)} (3.8b) to {@code ep} and
   * {@code |P_l| + e(P_l)} to {@code pMag}.
   */
  void backward(
      double[] f, double[] ef, double[] eps, double[] g, double[] eg, int n, double u,
      double[] pv, double[] ep, double[] pMag) {
    // Section 3.7: s = sum F G, a1 = sum F |G|, a2 = sum F e(G)
    double srow = 0;
    double a1 = 0;
    double a2 = 0;
    for (int l = 0; l < n; l++) {
      srow += f[l] * g[l];
      a1 += f[l] * Math.abs(g[l]);
      a2 += f[l] * eg[l];
    }
    double g0 = g[star];
    double aD = 0;
    double aEpsD = 0;
    double aPiv = 0;
    for (int l = 0; l < n; l++) {
      double dv = g[l] - srow;
      aD += f[l] * Math.abs(dv);
      aEpsD += f[l] * eps[l] * Math.abs(dv);
      aPiv += f[l] * Math.abs(g[l] - g0);
    }
    double sPiv = Math.abs(srow - g0);
    double absS = Math.abs(srow);
    for (int l = 0; l < n; l++) {
      double dv = g[l] - srow;
      double d = Math.abs(dv);
      // errors propagated from G (all forms), from F (Section 3.8, the union over forms)
      double fromG = eg[l] + a2;
      double fromF = aEpsD + tau * Math.max(absS, Math.max(d, sPiv))
          + 2 * u * Math.max(a1, Math.max(d + aD, aPiv));
      // the roundings of each form: centred, pivoted, p1 - p2; the uncentred form's
      // n u a1 + u |D_l| is below p1 - p2's, as |D_l| <= |G_l| + |s| (Section 3.8)
      double centred = (n + 1) * u * (d + aD);
      double pivoted = (n + 1) * u * aPiv + u * Math.abs(g[l] - g0) + u * d;
      double p1p2 = n * u * a1 + u * (Math.abs(g[l]) + absS);
      double ed = fromG + fromF + Math.max(centred, Math.max(pivoted, p1p2));
      pv[l] = f[l] * dv;
      ep[l] = ef[l] * d + f[l] * ed + u * Math.abs(pv[l]) + u * f[l] * (Math.abs(g[l]) + absS);
      pMag[l] = Math.abs(pv[l]) + ep[l];
    }
  }
}
