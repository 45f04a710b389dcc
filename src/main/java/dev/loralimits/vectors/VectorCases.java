package dev.loralimits.vectors;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.DataPoint;
import dev.loralimits.model.DecimalMatrix;
import dev.loralimits.model.LoraInstance;
import dev.loralimits.model.Projection;
import dev.loralimits.reference.ApInstance;
import dev.loralimits.reference.ApInstance.ApPoint;
import dev.loralimits.reference.ApMatrix;
import dev.loralimits.reference.Arithmetic;
import dev.loralimits.reference.AttentionHead;
import dev.loralimits.reference.LoraWeight;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.StringJoiner;
import org.apfloat.Apfloat;

/**
 * The golden-vector test cases, drawn deterministically: every family has a fixed seed and uses
 * {@link java.util.Random}, whose sequence the Java specification fixes, so the cases are the
 * same on every JVM. Every number is a short exact decimal (2 or 3 decimals), except the targets
 * of {@link VectorFlag#TARGET_EQUALS_OUTPUT}, which have 40 significant digits.
 *
 * <p>Families: random well-conditioned cases for every square shape (d = 1..4, r = 1..d, each of
 * the 7 non-empty adapter sets, self- and cross-attention, N = 1..2 points, lengths 1..8), then the
 * edge cases of {@link VectorFlag}, then random rectangular cases ({@link #rectangular()}: widths
 * dq, dk, dv, h, o and the adapters' ranks independent). The flags of a case are those its construction claims plus
 * the structural ones read off the instance; a claim about the scores (large, tiny, one-hot) is
 * checked on the scores computed in doubles, and a case that does not meet it is an error.
 */
public final class VectorCases {
  /** Largest width (d of the square families; each of dq, dk, dv, h, o and r of the rectangular one). */
  public static final int MAX_WIDTH = 4;
  /** Largest sequence length L (and Lq, Lk). */
  public static final int MAX_LENGTH = 8;
  /** Largest number N of data points. */
  public static final int MAX_POINTS = 2;
  /** Random cases per shape (attention kind, d, r, adapter set). */
  static final int RANDOM_PER_SHAPE = 2;

  /** The 7 non-empty adapter sets, in the order the file lists them. */
  public static final List<Set<Adapter>> ADAPTER_SETS =
      List.of(
          Collections.unmodifiableSet(EnumSet.of(Adapter.Q)),
          Collections.unmodifiableSet(EnumSet.of(Adapter.K)),
          Collections.unmodifiableSet(EnumSet.of(Adapter.V)),
          Collections.unmodifiableSet(EnumSet.of(Adapter.Q, Adapter.K)),
          Collections.unmodifiableSet(EnumSet.of(Adapter.Q, Adapter.V)),
          Collections.unmodifiableSet(EnumSet.of(Adapter.K, Adapter.V)),
          Collections.unmodifiableSet(EnumSet.allOf(Adapter.class)));

  // Seeds, one per family, so that adding a family leaves the others unchanged.
  private static final long SEED_RANDOM = 0x4C6F5241_0001L;
  private static final long SEED_LENGTH_ONE = 0x4C6F5241_0002L;
  private static final long SEED_ZERO_ADAPTER = 0x4C6F5241_0003L;
  private static final long SEED_TARGET = 0x4C6F5241_0004L;
  private static final long SEED_LARGE = 0x4C6F5241_0005L;
  private static final long SEED_CROSS = 0x4C6F5241_0006L;
  private static final long SEED_UNIFORM = 0x4C6F5241_0007L;
  private static final long SEED_ONE_HOT = 0x4C6F5241_0008L;
  private static final long SEED_RECTANGULAR = 0x4C6F5241_0009L;

  /** LoRA scales alpha of the random cases; alpha / r then lies in [1/8, 4]. */
  private static final String[] ALPHAS = {"0.5", "1", "2", "4"};

  /** Digits of the output Z written as the target of {@link VectorFlag#TARGET_EQUALS_OUTPUT}. */
  static final int TARGET_DIGITS = 40;
  /** Working precision of the exact forward pass that gives those targets (2 x 40 digits). */
  private static final long TARGET_PRECISION = 2L * TARGET_DIGITS;

  /** Double's overflow edge for exp: exp(x) is infinite above ln(Double.MAX_VALUE) ~ 709.78. */
  static final double EXP_OVERFLOW = Math.log(Double.MAX_VALUE);
  /** Double's underflow edge for exp: exp(x) rounds to 0 below about -745.13. */
  static final double EXP_UNDERFLOW = -746;
  /** {@link VectorFlag#LARGE_SCORES}: every |S_ij| in this range. */
  static final double LARGE_MIN = 650;

  static final double LARGE_MAX = 800;
  /** {@link VectorFlag#NEAR_UNIFORM}: every |S_ij| at most this. */
  static final double UNIFORM_MAX = 1e-4;
  /** {@link VectorFlag#ONE_HOT}: in every row (Lk >= 2) the largest score leads by this much. */
  static final double ONE_HOT_GAP = 50;

  private VectorCases() {}

  /** Every case, in generation order (random families first, then the edge cases by flag). */
  public static List<VectorCase> all() {
    List<VectorCase> out = new ArrayList<>();
    out.addAll(random());
    out.addAll(sequenceLengthOne());
    out.addAll(zeroAdapter());
    out.addAll(targetEqualsOutput());
    out.addAll(largeScores());
    out.addAll(crossDistinctLengths());
    out.addAll(nearUniform());
    out.addAll(oneHot());
    out.addAll(rectangular());
    return List.copyOf(out);
  }

  // ---------------------------------------------------------------------------------------------
  // Families

  /** {@link #RANDOM_PER_SHAPE} random cases per shape: 2 x 10 x 7 x 2 = 280. */
  static List<VectorCase> random() {
    Draw g = new Draw(SEED_RANDOM);
    List<VectorCase> out = new ArrayList<>();
    for (boolean cross : new boolean[] {false, true}) {
      for (int d = 1; d <= MAX_WIDTH; d++) {
        for (int r = 1; r <= d; r++) {
          for (Set<Adapter> adapters : ADAPTER_SETS) {
            for (int k = 0; k < RANDOM_PER_SHAPE; k++) {
              int[][] lengths = g.lengths(g.between(1, MAX_POINTS), cross);
              out.add(make("random", Set.of(), g.parts(d, r, adapters, lengths, cross).build()));
            }
          }
        }
      }
    }
    return out;
  }

  /** Key length 1 in every point: four self-attention cases (L = 1), two cross (Lk = 1). */
  static List<VectorCase> sequenceLengthOne() {
    Draw g = new Draw(SEED_LENGTH_ONE);
    List<VectorCase> out = new ArrayList<>();
    for (int d = 1; d <= MAX_WIDTH; d++) {
      int n = g.between(1, MAX_POINTS);
      int[][] lengths = new int[n][];
      Arrays.fill(lengths, new int[] {1, 1});
      out.add(make("sequence length one", Set.of(), g.parts(d, g.between(1, d), allAdapters(), lengths, false).build()));
    }
    out.add(make("key length one", Set.of(), g.parts(2, 1, allAdapters(), new int[][] {{3, 1}}, true).build()));
    out.add(
        make("key length one", Set.of(), g.parts(3, 2, set(Adapter.Q, Adapter.K), new int[][] {{5, 1}, {1, 1}}, true).build()));
    return out;
  }

  /** Adapters with A = 0, B = 0 or both (LoRA initialisation is B = 0). */
  static List<VectorCase> zeroAdapter() {
    Draw g = new Draw(SEED_ZERO_ADAPTER);
    List<VectorCase> out = new ArrayList<>();
    int[] widths = {1, 2, 3, 4, 2, 3};
    for (int k = 0; k < widths.length; k++) {
      int d = widths[k];
      boolean cross = k >= 4;
      Parts p = g.parts(d, g.between(1, d), k % 2 == 0 ? allAdapters() : set(Adapter.Q, Adapter.V), g.lengths(g.between(1, 2), cross), cross);
      String what;
      switch (k % 3) {
        case 0:
          p.zero(false, true);
          what = "LoRA initialisation: B = 0 in every adapter (dLoss/dA = 0)";
          break;
        case 1:
          p.zero(true, false);
          what = "A = 0 in every adapter (dLoss/dB = 0)";
          break;
        default:
          p.zeroFirst();
          what = "A = B = 0 in the first adapter (its gradients are 0), the others random";
      }
      out.add(make(what, Set.of(), p.build()));
    }
    return out;
  }

  /** Y = Z rounded to 40 digits: loss about 1e-80. */
  static List<VectorCase> targetEqualsOutput() {
    Draw g = new Draw(SEED_TARGET);
    List<VectorCase> out = new ArrayList<>();
    for (int k = 0; k < 6; k++) {
      int d = 1 + k % MAX_WIDTH;
      boolean cross = k >= 4;
      Parts p = g.parts(d, g.between(1, d), ADAPTER_SETS.get(g.between(0, ADAPTER_SETS.size() - 1)), g.lengths(g.between(1, 2), cross), cross);
      out.add(
          make(
              "target Y = output Z rounded to 40 digits (loss ~ 1e-80)",
              Set.of(VectorFlag.TARGET_EQUALS_OUTPUT),
              targetsFromOutput(p.build())));
    }
    return out;
  }

  /**
   * Scores near +710 (the largest beyond exp's overflow) or near -765 (all beyond its underflow):
   * W_Q = I, W_K = +-I, tiny adapters, every row of X close to e_1, beta 710 to 776.
   */
  static List<VectorCase> largeScores() {
    Draw g = new Draw(SEED_LARGE);
    String[] positive = {"710.5", "712", "714.25", "716"};
    String[] negative = {"760", "765.5", "770", "775.25"};
    List<VectorCase> out = new ArrayList<>();
    for (int k = 0; k < 8; k++) {
      int d = 1 + k % MAX_WIDTH;
      boolean neg = k % 2 == 1;
      boolean cross = k >= 6;
      Parts p = g.parts(d, g.between(1, d), ADAPTER_SETS.get(k % ADAPTER_SETS.size()), g.lengths(g.between(1, 2), cross), cross);
      p.beta = new BigDecimal(neg ? negative[k / 2] : positive[k / 2]);
      p.w.put(Adapter.Q, identity(d, 1));
      p.w.put(Adapter.K, identity(d, neg ? -1 : 1));
      p.smallAdapters(g);
      p.replaceInputs(g::nearE1, false);
      out.add(
          make(
              neg ? "large scores near -765 (exp underflows to 0 without the row-max shift)"
                  : "large scores near +710 (exp overflows without the row-max shift)",
              Set.of(VectorFlag.LARGE_SCORES),
              p.build()));
    }
    return out;
  }

  /** Cross-attention with Lq != Lk at the extremes of the lengths. */
  static List<VectorCase> crossDistinctLengths() {
    Draw g = new Draw(SEED_CROSS);
    int[][][] lengths = {{{1, 8}}, {{8, 2}}, {{2, 7}, {6, 3}}, {{7, 4}, {4, 4}}};
    List<VectorCase> out = new ArrayList<>();
    for (int k = 0; k < lengths.length; k++) {
      int d = 1 + k;
      Parts p = g.parts(d, g.between(1, d), ADAPTER_SETS.get(2 * k % ADAPTER_SETS.size()), lengths[k], true);
      out.add(make("cross-attention, query and key lengths differ", Set.of(), p.build()));
    }
    return out;
  }

  /** beta between 1e-8 and 1e-6: scores about 1e-6 or less, attention uniform to first order. */
  static List<VectorCase> nearUniform() {
    Draw g = new Draw(SEED_UNIFORM);
    String[] betas = {"0.000001", "1E-7", "1E-8"};
    List<VectorCase> out = new ArrayList<>();
    for (int k = 0; k < 6; k++) {
      int d = 1 + (k + 1) % MAX_WIDTH;
      boolean cross = k % 3 == 2;
      int[][] lengths = g.lengths(g.between(1, 2), cross);
      for (int[] l : lengths) {
        l[1] = Math.max(l[1], 2);
        if (!cross) {
          l[0] = l[1];
        }
      }
      Parts p = g.parts(d, g.between(1, d), ADAPTER_SETS.get((k + 3) % ADAPTER_SETS.size()), lengths, cross);
      p.beta = new BigDecimal(betas[k % betas.length]);
      out.add(make("near-uniform attention, beta = " + betas[k % betas.length], Set.of(VectorFlag.NEAR_UNIFORM), p.build()));
    }
    return out;
  }

  /**
   * One-hot attention: the rows of X (or of X^K, with every query row a noisy copy of one key
   * row) are distinct signed unit vectors +-e_k plus noise of 0.01, W_Q = W_K = I, tiny
   * adapters, beta ~ 60: each row's own key leads by about beta.
   */
  static List<VectorCase> oneHot() {
    Draw g = new Draw(SEED_ONE_HOT);
    String[] betas = {"60", "62.5", "65", "70"};
    List<VectorCase> out = new ArrayList<>();
    for (int k = 0; k < 8; k++) {
      int d = 1 + k % MAX_WIDTH;
      boolean cross = k >= 5;
      int n = g.between(1, 2);
      int[][] lengths = new int[n][];
      for (int i = 0; i < n; i++) {
        int lk = g.between(2, Math.min(2 * d, MAX_LENGTH));
        lengths[i] = new int[] {cross ? g.between(1, MAX_LENGTH) : lk, lk};
      }
      Parts p = g.parts(d, g.between(1, d), ADAPTER_SETS.get((k + 1) % ADAPTER_SETS.size()), lengths, cross);
      p.beta = new BigDecimal(betas[k % betas.length]);
      p.w.put(Adapter.Q, identity(d, 1));
      p.w.put(Adapter.K, identity(d, 1));
      p.smallAdapters(g);
      p.oneHotInputs(g);
      out.add(make("one-hot attention (leading score ~ +" + betas[k % betas.length] + ")", Set.of(VectorFlag.ONE_HOT), p.build()));
    }
    return out;
  }

  /**
   * The shapes of {@link #rectangular()}: every one non-square (some width differs from another,
   * or two ranks differ), self-attention ({@code dq = dk = dv}) then cross-attention; each width
   * 1..{@value #MAX_WIDTH}, ranks 1..{@value #MAX_WIDTH} per adapter, some above
   * {@code min(rows, cols)} of their weight, every adapter set at least once.
   */
  static final List<Shape> RECTANGULAR_SHAPES =
      List.of(
          rect(2, 2, 2, 3, 1, 2, 0, 1),
          rect(3, 3, 3, 1, 2, 1, 3, 2),
          rect(1, 1, 1, 4, 3, 0, 2, 0),
          rect(4, 4, 4, 2, 3, 1, 0, 3),
          rect(3, 3, 3, 2, 2, 2, 1, 2),
          rect(2, 2, 2, 2, 2, 1, 2, 0),
          rect(2, 3, 4, 1, 2, 1, 2, 3),
          rect(3, 1, 2, 4, 3, 2, 0, 1),
          rect(1, 4, 3, 2, 1, 3, 0, 0),
          rect(4, 2, 1, 3, 4, 3, 1, 2),
          rect(2, 2, 3, 3, 2, 0, 1, 2),
          rect(3, 4, 3, 3, 3, 0, 0, 2));

  /** Self-attention shapes come first in {@link #RECTANGULAR_SHAPES}: this many. */
  static final int RECTANGULAR_SELF = 6;

  /** Random cases per rectangular shape. */
  static final int RECTANGULAR_PER_SHAPE = 3;

  /**
   * Random well-conditioned cases with every width ({@code dq, dk, dv, h, o}) and every adapter's
   * rank its own number ({@link #RECTANGULAR_SHAPES}, {@value #RECTANGULAR_PER_SHAPE} each): index
   * and transposition bugs that a square shape hides (h for o, dq for dk, one rank for all)
   * change a shape or a value here. Added after the square families so that their tcIds stay.
   */
  static List<VectorCase> rectangular() {
    Draw g = new Draw(SEED_RECTANGULAR);
    List<VectorCase> out = new ArrayList<>();
    for (int s = 0; s < RECTANGULAR_SHAPES.size(); s++) {
      Shape shape = RECTANGULAR_SHAPES.get(s);
      boolean cross = s >= RECTANGULAR_SELF;
      if (VectorCase.square(shape.dq(), shape.dk(), shape.dv(), shape.h(), shape.o(), shape.ranks().values())) {
        throw new IllegalStateException("rectangular shape " + s + " is square");
      }
      if (!cross && (shape.dk() != shape.dq() || shape.dv() != shape.dq())) {
        throw new IllegalStateException("self-attention shape " + s + " has two X widths");
      }
      for (int k = 0; k < RECTANGULAR_PER_SHAPE; k++) {
        int[][] lengths = g.lengths(g.between(1, MAX_POINTS), cross);
        out.add(make("rectangular random", Set.of(), g.parts(shape, lengths, cross).build()));
      }
    }
    return out;
  }

  /** A shape from its widths and the ranks of Q, K, V (0 = frozen). */
  private static Shape rect(int dq, int dk, int dv, int h, int o, int rq, int rk, int rv) {
    Map<Adapter, Integer> m = new EnumMap<>(Adapter.class);
    int[] r = {rq, rk, rv};
    for (Adapter mu : Adapter.values()) {
      if (r[mu.ordinal()] > 0) {
        m.put(mu, r[mu.ordinal()]);
      }
    }
    return new Shape(dq, dk, dv, h, o, m);
  }

  // ---------------------------------------------------------------------------------------------
  // Flags

  /** A case with the claimed flags (checked) plus the structural flags of the instance. */
  static VectorCase make(String what, Set<VectorFlag> claimed, LoraInstance inst) {
    EnumSet<VectorFlag> flags = structuralFlags(inst);
    for (VectorFlag f : claimed) {
      checkClaim(f, inst);
      flags.add(f);
    }
    return new VectorCase(what + "; " + shape(inst), flags, inst);
  }

  /** The flags that the instance's shapes and adapter values decide. */
  static EnumSet<VectorFlag> structuralFlags(LoraInstance inst) {
    EnumSet<VectorFlag> f = EnumSet.noneOf(VectorFlag.class);
    if (inst.data().stream().allMatch(p -> p.keyLength() == 1)) {
      f.add(VectorFlag.SEQUENCE_LENGTH_ONE);
    }
    if (inst.adapted().stream().allMatch(mu -> VectorCase.fullRank(inst.projection(mu)))) {
      f.add(VectorFlag.FULL_RANK);
    }
    for (Adapter mu : inst.adapted()) {
      Projection p = inst.projection(mu);
      if (p.a().maxAbs().signum() == 0 || p.b().maxAbs().signum() == 0) {
        f.add(VectorFlag.ZERO_ADAPTER);
      }
    }
    if (inst.data().stream().anyMatch(p -> !p.selfAttention() && p.queryLength() != p.keyLength())) {
      f.add(VectorFlag.CROSS_DISTINCT_LENGTHS);
    }
    return f;
  }

  /** @throws IllegalStateException when the scores do not have the claimed property */
  private static void checkClaim(VectorFlag flag, LoraInstance inst) {
    if (flag == VectorFlag.LARGE_SCORES) {
      double max = DoubleScores.of(inst).stream()
          .flatMap(Arrays::stream).flatMapToDouble(Arrays::stream).max().orElseThrow();
      if (!(max > EXP_OVERFLOW || max < EXP_UNDERFLOW)) {
        throw new IllegalStateException("LargeScores case neither overflows nor underflows exp: max score " + max);
      }
    }
    for (double[][] s : DoubleScores.of(inst)) {
      for (double[] row : s) {
        for (double x : row) {
          boolean ok;
          switch (flag) {
            case LARGE_SCORES:
              ok = Math.abs(x) >= LARGE_MIN && Math.abs(x) <= LARGE_MAX;
              break;
            case NEAR_UNIFORM:
              ok = Math.abs(x) <= UNIFORM_MAX;
              break;
            default:
              ok = true;
          }
          if (!ok) {
            throw new IllegalStateException(flag.id() + " case has a score " + x);
          }
        }
        if (flag == VectorFlag.ONE_HOT && row.length >= 2 && gap(row) < ONE_HOT_GAP) {
          throw new IllegalStateException("OneHot case has a row with gap " + gap(row));
        }
      }
    }
  }

  /** The largest entry minus the second largest. */
  private static double gap(double[] row) {
    double[] r = row.clone();
    Arrays.sort(r);
    return r[r.length - 1] - r[r.length - 2];
  }

  /** "self-attention, N = 2, L = 5, 3" or "cross-attention, N = 1, (Lq, Lk) = (2, 7)". */
  static String shape(LoraInstance inst) {
    boolean self = inst.data().get(0).selfAttention();
    StringJoiner lengths = new StringJoiner(", ");
    for (DataPoint p : inst.data()) {
      lengths.add(self ? Integer.toString(p.queryLength()) : "(" + p.queryLength() + ", " + p.keyLength() + ")");
    }
    return (self ? "self-attention, N = " : "cross-attention, N = ")
        + inst.data().size()
        + (self ? ", L = " : ", (Lq, Lk) = ")
        + lengths;
  }

  // ---------------------------------------------------------------------------------------------
  // Building instances

  /**
   * The instance with every target replaced by its exact output Z rounded to
   * {@value #TARGET_DIGITS} digits (half-even), Z computed at {@link #TARGET_PRECISION} digits.
   */
  static LoraInstance targetsFromOutput(LoraInstance inst) {
    ApInstance ap = ApInstance.of(inst);
    Arithmetic ar = new Arithmetic(TARGET_PRECISION);
    ApMatrix wq = LoraWeight.merged(ap.projection(Adapter.Q), ap.alpha(), ar);
    ApMatrix wk = LoraWeight.merged(ap.projection(Adapter.K), ap.alpha(), ar);
    ApMatrix wv = LoraWeight.merged(ap.projection(Adapter.V), ap.alpha(), ar);
    MathContext mc = new MathContext(TARGET_DIGITS, RoundingMode.HALF_EVEN);
    List<DataPoint> data = new ArrayList<>();
    for (int i = 0; i < inst.data().size(); i++) {
      ApPoint pt = ap.points().get(i);
      ApMatrix z = AttentionHead.forward(pt.xq(), pt.xk(), pt.xv(), wq, wk, wv, ap.beta(), ar).z();
      BigDecimal[][] y = new BigDecimal[z.rows()][z.cols()];
      for (int r = 0; r < z.rows(); r++) {
        for (int c = 0; c < z.cols(); c++) {
          Apfloat v = z.get(r, c);
          y[r][c] = ApMatrix.toBigDecimal(v).round(mc);
        }
      }
      DataPoint p = inst.data().get(i);
      DecimalMatrix ym = DecimalMatrix.of("Y", y);
      data.add(p.selfAttention() ? DataPoint.self(p.xq(), ym) : DataPoint.cross(p.xq(), p.xk(), p.xv(), ym));
    }
    return new LoraInstance(inst.alpha(), inst.beta(), inst.weights(), data);
  }

  private static Set<Adapter> allAdapters() {
    return EnumSet.allOf(Adapter.class);
  }

  private static Set<Adapter> set(Adapter... mu) {
    return EnumSet.copyOf(Arrays.asList(mu));
  }

  /** {@code sign} times the d x d identity, entries written as integers. */
  private static DecimalMatrix identity(int d, int sign) {
    BigDecimal[][] m = new BigDecimal[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        m[i][j] = BigDecimal.valueOf(i == j ? sign : 0);
      }
    }
    return DecimalMatrix.of("W", m);
  }

  /**
   * The widths and ranks of a case: {@code W_Q: dq x h}, {@code W_K: dk x h}, {@code W_V: dv x o},
   * adapter mu of rank {@code ranks[mu]} (its key set is the adapted set).
   */
  record Shape(int dq, int dk, int dv, int h, int o, Map<Adapter, Integer> ranks) {
    Shape {
      ranks = Collections.unmodifiableMap(new EnumMap<>(ranks));
    }

    /** Every width d, every adapter of rank r. */
    static Shape square(int d, int r, Set<Adapter> adapters) {
      Map<Adapter, Integer> m = new EnumMap<>(Adapter.class);
      for (Adapter mu : adapters) {
        m.put(mu, r);
      }
      return new Shape(d, d, d, d, d, m);
    }

    int rows(Adapter mu) {
      return mu == Adapter.Q ? dq : mu == Adapter.K ? dk : dv;
    }

    int cols(Adapter mu) {
      return mu == Adapter.V ? o : h;
    }

    int rank(Adapter mu) {
      return ranks.get(mu);
    }
  }

  /** The parts of an instance under construction (mutable, local to one family). */
  private static final class Parts {
    BigDecimal alpha;
    BigDecimal beta;
    /** The common width of the square families (the rectangular family does not use it). */
    final int d;
    final Shape shape;
    final Set<Adapter> adapters;
    final Map<Adapter, DecimalMatrix> w = new EnumMap<>(Adapter.class);
    final Map<Adapter, DecimalMatrix> a = new EnumMap<>(Adapter.class);
    final Map<Adapter, DecimalMatrix> b = new EnumMap<>(Adapter.class);
    final int[][] lengths;
    final boolean cross;
    // Per point: XQ, XK, XV (the same matrix for self-attention), Y.
    final List<DecimalMatrix[]> points = new ArrayList<>();

    Parts(Shape shape, int[][] lengths, boolean cross) {
      this.d = shape.dq();
      this.shape = shape;
      this.adapters = EnumSet.copyOf(shape.ranks().keySet());
      this.lengths = lengths;
      this.cross = cross;
    }

    /** Sets A (and/or B) of every adapter to zero. */
    void zero(boolean zeroA, boolean zeroB) {
      for (Adapter mu : adapters) {
        if (zeroA) {
          a.put(mu, DecimalMatrix.zeros(shape.rank(mu), shape.cols(mu)));
        }
        if (zeroB) {
          b.put(mu, DecimalMatrix.zeros(shape.rows(mu), shape.rank(mu)));
        }
      }
    }

    /** Sets A and B of the first adapter to zero. */
    void zeroFirst() {
      Adapter mu = adapters.iterator().next();
      a.put(mu, DecimalMatrix.zeros(shape.rank(mu), shape.cols(mu)));
      b.put(mu, DecimalMatrix.zeros(shape.rows(mu), shape.rank(mu)));
    }

    /** Adapters of size about 1e-3 (A entries up to 0.05, B up to 0.01, alpha = 1). */
    void smallAdapters(Draw g) {
      alpha = BigDecimal.ONE;
      for (Adapter mu : adapters) {
        a.put(mu, g.matrix(shape.rank(mu), shape.cols(mu), 50, 3));
        b.put(mu, g.matrix(shape.rows(mu), shape.rank(mu), 10, 3));
      }
    }

    /** Replaces XQ and XK (and XV when {@code values}) by fresh rows from {@code row}. */
    void replaceInputs(RowSource row, boolean values) {
      for (int i = 0; i < points.size(); i++) {
        DecimalMatrix[] pt = points.get(i);
        DecimalMatrix xq = rows(row, lengths[i][0]);
        if (!cross) {
          pt[0] = xq;
          pt[1] = xq;
          pt[2] = xq;
        } else {
          pt[0] = xq;
          pt[1] = rows(row, lengths[i][1]);
          if (values) {
            pt[2] = rows(row, lengths[i][1]);
          }
        }
      }
    }

    /**
     * Keys: distinct signed unit vectors +-e_k plus noise; self-attention queries are the keys,
     * cross-attention queries are noisy copies of randomly chosen key directions.
     */
    void oneHotInputs(Draw g) {
      for (int i = 0; i < points.size(); i++) {
        DecimalMatrix[] pt = points.get(i);
        int lk = lengths[i][1];
        List<Integer> dirs = new ArrayList<>();
        for (int k = 0; k < 2 * d; k++) {
          dirs.add(k);
        }
        Collections.shuffle(dirs, g.rng);
        BigDecimal[][] keys = new BigDecimal[lk][];
        for (int j = 0; j < lk; j++) {
          keys[j] = g.signedUnit(d, dirs.get(j));
        }
        DecimalMatrix xk = DecimalMatrix.of("XK", keys);
        if (!cross) {
          pt[0] = xk;
          pt[1] = xk;
          pt[2] = xk;
        } else {
          BigDecimal[][] queries = new BigDecimal[lengths[i][0]][];
          for (int j = 0; j < queries.length; j++) {
            queries[j] = g.signedUnit(d, dirs.get(g.between(0, lk - 1)));
          }
          pt[0] = DecimalMatrix.of("XQ", queries);
          pt[1] = xk;
        }
      }
    }

    private DecimalMatrix rows(RowSource row, int n) {
      BigDecimal[][] m = new BigDecimal[n][];
      for (int i = 0; i < n; i++) {
        m[i] = row.next(d);
      }
      return DecimalMatrix.of("X", m);
    }

    LoraInstance build() {
      Map<Adapter, Projection> weights = new EnumMap<>(Adapter.class);
      for (Adapter mu : Adapter.values()) {
        weights.put(
            mu,
            adapters.contains(mu)
                ? Projection.adapted(w.get(mu), a.get(mu), b.get(mu))
                : Projection.frozen(w.get(mu)));
      }
      List<DataPoint> data = new ArrayList<>();
      for (DecimalMatrix[] pt : points) {
        data.add(cross ? DataPoint.cross(pt[0], pt[1], pt[2], pt[3]) : DataPoint.self(pt[0], pt[3]));
      }
      return new LoraInstance(alpha, beta, weights, data);
    }
  }

  /** A source of rows of width d. */
  @FunctionalInterface
  private interface RowSource {
    BigDecimal[] next(int d);
  }

  /** Seeded draws of short decimals. */
  private static final class Draw {
    final Random rng;

    Draw(long seed) {
      rng = new Random(seed);
    }

    /** A uniform integer in [lo, hi]. */
    int between(int lo, int hi) {
      return lo + rng.nextInt(hi - lo + 1);
    }

    /** A uniform decimal in [-units, units] * 10^-scale. */
    BigDecimal decimal(int units, int scale) {
      return BigDecimal.valueOf(between(-units, units), scale);
    }

    DecimalMatrix matrix(int rows, int cols, int units, int scale) {
      BigDecimal[][] m = new BigDecimal[rows][cols];
      for (BigDecimal[] row : m) {
        for (int j = 0; j < cols; j++) {
          row[j] = decimal(units, scale);
        }
      }
      return DecimalMatrix.of("M", m);
    }

    /** N points' lengths {Lq, Lk}, each in [1, MAX_LENGTH]; equal for self-attention. */
    int[][] lengths(int n, boolean cross) {
      int[][] l = new int[n][];
      for (int i = 0; i < n; i++) {
        int lk = between(1, MAX_LENGTH);
        l[i] = new int[] {cross ? between(1, MAX_LENGTH) : lk, lk};
      }
      return l;
    }

    /**
     * A well-conditioned random case: W entries in [-1, 1] (3 decimals), A and B in
     * [-0.5, 0.5] (3 decimals), inputs and targets in [-1, 1] (2 decimals), alpha from
     * {@link #ALPHAS}, beta in [0.1, 1] (2 decimals).
     */
    Parts parts(int d, int r, Set<Adapter> adapters, int[][] lengths, boolean cross) {
      return parts(Shape.square(d, r, adapters), lengths, cross);
    }

    /**
     * As {@link #parts(int, int, Set, int[][], boolean)} for any shape; for a square shape the
     * draws are the same, in the same order.
     */
    Parts parts(Shape shape, int[][] lengths, boolean cross) {
      Parts p = new Parts(shape, lengths, cross);
      p.alpha = new BigDecimal(ALPHAS[between(0, ALPHAS.length - 1)]);
      p.beta = BigDecimal.valueOf(between(10, 100), 2);
      for (Adapter mu : Adapter.values()) {
        p.w.put(mu, matrix(shape.rows(mu), shape.cols(mu), 1000, 3));
        if (shape.ranks().containsKey(mu)) {
          p.a.put(mu, matrix(shape.rank(mu), shape.cols(mu), 500, 3));
          p.b.put(mu, matrix(shape.rows(mu), shape.rank(mu), 500, 3));
        }
      }
      for (int[] l : lengths) {
        DecimalMatrix xq = matrix(l[0], shape.dq(), 100, 2);
        DecimalMatrix xk = cross ? matrix(l[1], shape.dk(), 100, 2) : xq;
        DecimalMatrix xv = cross ? matrix(l[1], shape.dv(), 100, 2) : xq;
        p.points.add(new DecimalMatrix[] {xq, xk, xv, matrix(l[0], shape.o(), 100, 2)});
      }
      return p;
    }

    /** A row close to e_1: 1 + [-0.003, 0.003] first, [-0.02, 0.02] elsewhere (3 decimals). */
    BigDecimal[] nearE1(int d) {
      BigDecimal[] row = new BigDecimal[d];
      row[0] = BigDecimal.ONE.add(decimal(3, 3));
      for (int j = 1; j < d; j++) {
        row[j] = decimal(20, 3);
      }
      return row;
    }

    /** Direction k of the 2d signed unit vectors (+e_{k/2} or -e_{k/2}), plus noise of 0.01. */
    BigDecimal[] signedUnit(int d, int k) {
      BigDecimal[] row = new BigDecimal[d];
      for (int j = 0; j < d; j++) {
        BigDecimal unit = j == k / 2 ? BigDecimal.valueOf(k % 2 == 0 ? 1 : -1) : BigDecimal.ZERO;
        row[j] = unit.add(decimal(10, 3));
      }
      return row;
    }
  }
}
