package dev.loralimits.fast;
// TEMPORARY STUB (not committed): replaced by the exppoly branch.
public final class ExpPolynomial {
  public enum Kind { TAYLOR, CHEBYSHEV }
  public static final int MAX_DEGREE = 200;
  private final Kind kind; private final int g; private final double r; private final double[] a; private final double bound; private final double abs;
  private ExpPolynomial(Kind k, int g, double r) {
    this.kind = k; this.g = g; this.r = r; a = new double[g+1]; double f = 1; double s = 0; double term = 1;
    for (int t = 0; t <= g; t++) { if (t>0) f *= t; a[t] = 1.0/f; s += Math.pow(r,t)/f; }
    double rem = Math.exp(r); for (int t = 1; t <= g+1; t++) rem *= r / t;
    bound = (rem + 1e-15 * Math.exp(r) * s) * 1.01; abs = s * 1.01;
  }
  public static ExpPolynomial of(Kind k, int g, double r) { return new ExpPolynomial(Kind.TAYLOR, g, r); }
  public static ExpPolynomial choose(double r, double delta) { for (int g = 0; g <= MAX_DEGREE; g++) { var p = of(Kind.TAYLOR, g, r); if (p.bound <= delta) return p; } throw new IllegalArgumentException("none"); }
  public Kind kind() { return kind; } public int degree() { return g; } public double radius() { return r; }
  public double[] coefficients() { return a.clone(); } public double relativeErrorBound() { return bound; } public double absoluteCoefficientSum() { return abs; }
}
