package dev.loralimits.reference;

import org.apfloat.Apfloat;

/**
 * The three exact forms of {@code G_W := dLoss/dW} for a {@link ReducedForm} (proofs-notes/MODEL.md §3),
 * computed independently so that their agreement is evidence, and the value-weight gradient in two
 * forms. Derivations: proofs-notes/LEMMAS.md Sections 2-6; agreement checked by
 * {@code ExactGradientsProperties}.
 */
public final class ExactGradients {
  private ExactGradients() {}

  /**
   * Lemma 3.1 (tensor-trick gradient):
   * {@code dLoss/dw = sum_j sum_i c_{j,i} C_j^T (diag(f_j) - f_j f_j^T) C3[:, i]}, returned as
   * {@code mat} of that vector (shape of W). Built from the literal Kronecker blocks {@code C_j};
   * cubic time, for checking only (Remark F.1).
   */
  public static ApMatrix lemma31(TensorTrickObjects t, Arithmetic ar) {
    ReducedForm rf = t.reducedForm();
    Apfloat[] g = zeros(rf.w().rows() * rf.w().cols());
    for (int j = 0; j < t.length(); j++) {
      Apfloat[] fj = t.f(j);
      ApMatrix jac = softmaxJacobian(fj, ar);
      ApMatrix cj = t.block(j);
      for (int i = 0; i < rf.c3().cols(); i++) {
        Apfloat[] v = TensorTrick.matVec(jac, rf.c3().column(i), ar);
        Apfloat[] term = TensorTrick.transposeTimes(cj, v, ar);
        Apfloat cji = t.c(j, i);
        for (int k = 0; k < g.length; k++) {
          g[k] = ar.add(g[k], ar.multiply(cji, term[k]));
        }
      }
    }
    return TensorTrick.mat(g, rf.w().rows(), rf.w().cols());
  }

  /**
   * Lemma 3.2 (p-form): {@code dLoss/dW = C1^T p C2} where row j of p is
   * {@code p_j = (diag(f_j) - f_j f_j^T) q_j} and {@code q_j} is column j of {@code q = C3 c^T}.
   */
  public static ApMatrix lemma32(TensorTrickObjects t, Arithmetic ar) {
    ReducedForm rf = t.reducedForm();
    return ar.multiply(ar.multiply(rf.c1().transpose(), pLemma32(t, ar)), rf.c2());
  }

  /** The matrix p of Lemma 3.2, row by row from {@code q = C3 c^T} and the softmax Jacobians. */
  public static ApMatrix pLemma32(TensorTrickObjects t, Arithmetic ar) {
    ReducedForm rf = t.reducedForm();
    ApMatrix q = ar.multiply(rf.c3(), t.cMatrix().transpose());
    Apfloat[][] p = new Apfloat[t.length()][];
    for (int j = 0; j < t.length(); j++) {
      p[j] = TensorTrick.matVec(softmaxJacobian(t.f(j), ar), q.column(j), ar);
    }
    return ApMatrix.wrap(p);
  }

  /** Definition 3.6: {@code p1 = F (.) (c C3^T)}. */
  public static ApMatrix p1(ApMatrix f, ApMatrix c, ApMatrix c3, Arithmetic ar) {
    return ar.hadamard(f, ar.multiply(c, c3.transpose()));
  }

  /** Definition 3.6: {@code p2 = diag(p1 1) F}. */
  public static ApMatrix p2(ApMatrix p1, ApMatrix f, Arithmetic ar) {
    return ar.diagTimes(ar.rowSums(p1), f);
  }

  /**
   * Everything Theorem F.1 computes for one reduced form.
   *
   * @param gradient {@code G_W = C1^T p C2}
   * @param f the attention matrix F
   * @param c {@code F C3 - Y}
   * @param p {@code p1 - p2 = dLoss/dS}
   */
  public record Quadratic(ApMatrix gradient, ApMatrix f, ApMatrix c, ApMatrix p) {}

  /**
   * Theorem F.1 (quadratic exact algorithm): {@code exp(C1 W C2^T)}, D, F, {@code c = F C3 - Y},
   * {@code p = p1 - p2} (Definition 3.6), then {@code G_W = (C1^T p) C2}; never forms the
   * Kronecker product.
   */
  public static Quadratic theoremF1(ReducedForm rf, Arithmetic ar) {
    ApMatrix s = rf.scores(ar);
    ApMatrix f = AttentionHead.softmaxRows(s, ar);
    ApMatrix c = ar.subtract(ar.multiply(f, rf.c3()), rf.y());
    ApMatrix p = pivotedP(s, f, ar.multiply(c, rf.c3().transpose()), ar);
    return new Quadratic(ar.multiply(ar.multiply(rf.c1().transpose(), p), rf.c2()), f, c, p);
  }

  /**
   * Definition 3.6's {@code p = p1 - p2} evaluated without cancellation: with {@code q = c C3^T}
   * and, per row j, the pivot {@code l* = argmax_l S[j,l]} and {@code g0 = q[j,l*]},
   *
   * <pre>
   *   p[j,l] = F[j,l] ((q[j,l] - g0) - sum_m F[j,m] (q[j,m] - g0))
   * </pre>
   *
   * Equal to {@code F[j,l] (q[j,l] - sum_m F[j,m] q[j,m]) = (p1 - p2)[j,l]} because
   * {@code sum_m F[j,m] = 1} (proofs-notes/LEMMAS.md Section 3, Step 3.1). Why: on a nearly one-hot row,
   * {@code F[j,l*]} rounds to 1 at every working precision once {@code 1 - F[j,l*]} is below it,
   * and {@code p1 - p2} at {@code l*} is then a difference of two equal numbers, exactly 0 at
   * both precisions of the contract's check (which therefore cannot see it), while the exact
   * value is {@code -F[j,l*] sum_{m != l*} F[j,m] (q[j,m] - g0)}, what this form computes, each
   * term to full relative precision. Checked by {@code PrecisionContractProperties}'
   * one-hot example.
   */
  public static ApMatrix pivotedP(ApMatrix s, ApMatrix f, ApMatrix q, Arithmetic ar) {
    Apfloat[][] p = new Apfloat[f.rows()][f.cols()];
    for (int j = 0; j < f.rows(); j++) {
      int star = 0;
      for (int l = 1; l < f.cols(); l++) {
        if (s.get(j, l).compareTo(s.get(j, star)) > 0) {
          star = l;
        }
      }
      Apfloat g0 = q.get(j, star);
      Apfloat[] centred = new Apfloat[f.cols()];
      Apfloat[] weighted = new Apfloat[f.cols()];
      for (int l = 0; l < f.cols(); l++) {
        centred[l] = ar.subtract(q.get(j, l), g0);
        weighted[l] = ar.multiply(f.get(j, l), centred[l]);
      }
      Apfloat shift = ar.sum(weighted);
      for (int l = 0; l < f.cols(); l++) {
        p[j][l] = ar.multiply(f.get(j, l), ar.subtract(centred[l], shift));
      }
    }
    return ApMatrix.wrap(p);
  }

  /**
   * Value weight, tensor-trick form: {@code vec(F X^V W_V) = ((F X^V) (x) I_o) vec(W_V)} by Lemma 2.1,
   * so {@code dLoss/dvec(W_V) = ((F X^V) (x) I_o)^T vec(c)}; returned as a {@code dv x o} matrix.
   */
  public static ApMatrix valueTensorForm(ApMatrix f, ApMatrix xv, ApMatrix c, Arithmetic ar) {
    ApMatrix fx = ar.multiply(f, xv);
    ApMatrix kron = TensorTrick.kronecker(fx, ApMatrix.identity(c.cols()), ar);
    return TensorTrick.mat(
        TensorTrick.transposeTimes(kron, TensorTrick.vec(c), ar), xv.cols(), c.cols());
  }

  /** Value weight, direct form: {@code dLoss/dW_V = (X^V)^T (F^T c)}. */
  public static ApMatrix valueDirect(ApMatrix f, ApMatrix xv, ApMatrix c, Arithmetic ar) {
    return ar.multiply(xv.transpose(), ar.multiply(f.transpose(), c));
  }

  /** The softmax Jacobian {@code diag(f) - f f^T}. */
  public static ApMatrix softmaxJacobian(Apfloat[] f, Arithmetic ar) {
    Apfloat[][] m = new Apfloat[f.length][f.length];
    for (int a = 0; a < f.length; a++) {
      for (int b = 0; b < f.length; b++) {
        Apfloat outer = ar.multiply(f[a], f[b]);
        m[a][b] = a == b ? ar.subtract(f[a], outer) : outer.negate();
      }
    }
    return ApMatrix.wrap(m);
  }

  private static Apfloat[] zeros(int n) {
    Apfloat[] z = new Apfloat[n];
    java.util.Arrays.fill(z, Apfloat.ZERO);
    return z;
  }
}
