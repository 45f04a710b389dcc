package dev.loralimits.hardness;

import java.util.Random;

/**
 * Local stand-in for the H2 construction (H2 of proofs-notes/MODEL.md §5.3), enough to test the H3 decision:
 * {@code q_0 = 0, q_a = sqrt(B) u_a}, {@code k_0 = 0, k_b = -sqrt(B) w_b}, {@code v_0 = 0,
 * v_b = e_1}, {@code B = 2 ln N + ln 8}, put into AAttLGC as {@code A1 = m Q}, {@code A2 = K},
 * {@code A3 = V} (so that at lambda = 1 the scores are {@code -B <u_a, w_b>}).
 */
record H2LikeInstances(int[][] u, int[][] w, double[][] a1, double[][] a2, double[][] a3) {
  /** The loss gap: at least 1/8 with an orthogonal pair, at most 1/(128 N) without. */
  static final double SATISFIABLE_LOSS = 1.0 / 8;

  /** Decision threshold between 1/8 and 1/(128 N) <= 1/256: their midpoint is near 1/16. */
  static final double THRESHOLD = 1.0 / 16;

  static double scale(int n) {
    return 2 * Math.log(n) + Math.log(8);
  }

  /** Random 0/1 vectors, N per side, m coordinates, each 1 with probability density. */
  static H2LikeInstances random(int n, int m, double density, Random random) {
    int[][] u = new int[n][m];
    int[][] w = new int[n][m];
    for (int a = 0; a < n; a++) {
      for (int c = 0; c < m; c++) {
        u[a][c] = random.nextDouble() < density ? 1 : 0;
        w[a][c] = random.nextDouble() < density ? 1 : 0;
      }
    }
    return of(u, w);
  }

  static H2LikeInstances of(int[][] u, int[][] w) {
    int n = u.length;
    int m = u[0].length;
    double root = Math.sqrt(scale(n));
    double[][] a1 = new double[n + 1][m];
    double[][] a2 = new double[n + 1][m];
    double[][] a3 = new double[n + 1][m];
    for (int a = 0; a < n; a++) {
      for (int c = 0; c < m; c++) {
        a1[a + 1][c] = m * root * u[a][c];
        a2[a + 1][c] = -root * w[a][c];
      }
      a3[a + 1][0] = 1;
    }
    return new H2LikeInstances(u, w, a1, a2, a3);
  }

  int vectors() {
    return u.length;
  }

  int clauses() {
    return u[0].length;
  }

  /** Row 0 (the zero query) attends uniformly: output N/(N+1) e_1, loss 1/2 (N/(N+1))^2. */
  double rowZeroLoss() {
    double n = vectors();
    return 0.5 * (n / (n + 1)) * (n / (n + 1));
  }

  /** Brute force: some {@code <u_a, w_b> = 0}. */
  boolean hasOrthogonalPair() {
    for (int[] ua : u) {
      for (int[] wb : w) {
        int dot = 0;
        for (int c = 0; c < ua.length; c++) {
          dot += ua[c] * wb[c];
        }
        if (dot == 0) {
          return true;
        }
      }
    }
    return false;
  }
}
