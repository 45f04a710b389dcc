package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

/**
 * The error bound of every operation of {@link BinaryArithmetic} (proofs-notes/REFERENCE-ENGINE.md
 * §1-§3), against exact BigDecimal results (and apfloat's exp at far higher precision), on operands
 * with exponents from about {@code 10^-400} to {@code 10^400}.
 */
@Label("binary engine arithmetic: error per operation")
class BinaryArithmeticProperties {
  /**
   * Decimal digits of the apfloat exp stand-in beyond the binary precision's digits: its error
   * (about 10^-(digits-1) relative) is then below 2^-(P+90), invisible next to the bound 2^-P.
   */
  static final int EXP_STAND_IN_EXTRA_DIGITS = 30;
  /** A bound is not vacuous: at least this share of the tries shows an error above a quarter of it. */
  static final double NON_VACUOUS_PERCENT = 5;

  @Provide
  Arbitrary<Integer> precisions() {
    return Arbitraries.of(8, 24, 53, 136, 207, 400, 1700); // 1700: X 2^-F overflows a double (a hang once)
  }

  /** A random non-zero number of 1..P+20 bits with a binary exponent in [-1400, 1400] (about 10^+-420). */
  static BinaryFloat random(Random rnd, int bits) {
    int n = 1 + rnd.nextInt(bits + 20);
    BigInteger m = new BigInteger(n, rnd).setBit(n - 1);
    if (rnd.nextBoolean()) {
      m = m.negate();
    }
    return new BinaryFloat(m, rnd.nextInt(2801) - 1400 - n);
  }

  static BigDecimal relativeError(BigDecimal got, BigDecimal exact) {
    return got.subtract(exact).abs().divide(exact.abs(), new MathContext(20));
  }

  static BigDecimal twoTo(int n) {
    return n >= 0 ? new BigDecimal(BigInteger.ONE.shiftLeft(n)) : BigDecimal.ONE.divide(new BigDecimal(BigInteger.ONE.shiftLeft(-n)));
  }

  /** add, subtract, multiply, divide: {@code |x~ - x| <= 2^-P |x|} (correct rounding). */
  @Property(tries = 300)
  void basicOperationsAreCorrectlyRounded(@ForAll("precisions") int bits, @ForAll long seed, @ForAll @IntRange(max = 3) int op) {
    Statistics.label("op").collect(op);
    Statistics.label("error above a quarter of the bound").collect("checked");
    BinaryArithmetic ar = new BinaryArithmetic(bits);
    Random rnd = new Random(seed);
    BinaryFloat x = random(rnd, bits);
    BinaryFloat y = rnd.nextInt(8) == 0 ? new BinaryFloat(BigInteger.ONE, x.e + x.m.bitLength() - bits - 300) : random(rnd, bits);
    BigDecimal a = x.toBigDecimal();
    BigDecimal b = y.toBigDecimal();
    BinaryFloat got;
    BigDecimal exact;
    switch (op) {
      case 0: got = ar.add(x, y); exact = a.add(b); break;
      case 1: got = ar.subtract(x, y); exact = a.subtract(b); break;
      case 2: got = ar.multiply(x, y); exact = a.multiply(b); break;
      default:
        got = ar.divide(x, y);
        exact = a.divide(b, new MathContext(bits + 200, RoundingMode.HALF_EVEN)); // exact to far below 2^-P
    }
    assertThat(got.m.abs().bitLength()).as("mantissa bits").isLessThanOrEqualTo(bits);
    if (exact.signum() == 0) {
      assertThat(got.signum()).isZero();
      return;
    }
    BigDecimal rel = relativeError(got.toBigDecimal(), exact);
    assertThat(rel).isLessThanOrEqualTo(twoTo(-bits));
    if (rel.compareTo(twoTo(-bits - 2)) > 0) {
      Statistics.label("error above a quarter of the bound").collect("yes");
    }
  }

  /** fromDecimal rounds a decimal with any exponent in [-400, 400] correctly. */
  @Property(tries = 200)
  void decimalsAreRoundedOnce(@ForAll("precisions") int bits, @ForAll long seed) {
    Random rnd = new Random(seed);
    BigDecimal d = new BigDecimal(new BigInteger(1 + rnd.nextInt(200), rnd).add(BigInteger.ONE), rnd.nextInt(801) - 400);
    BinaryFloat got = new BinaryArithmetic(bits).fromDecimal(d);
    assertThat(relativeError(got.toBigDecimal(), d)).isLessThanOrEqualTo(twoTo(-bits));
    // a P-bit value goes there and back exactly
    BinaryFloat x = new BinaryArithmetic(bits).round(random(rnd, bits));
    assertThat(new BinaryArithmetic(bits).fromDecimal(x.toBigDecimal()).compareTo(x)).isZero();
  }

  /**
   * exp within {@code 2^-P (1 + 2^-27)} relative, for arguments from -2000 to 50 and tiny ones,
   * against apfloat's exp at P log10(2) + 30 digits; exp(0) = 1 exactly.
   */
  @Property(tries = 150)
  void expIsWithinItsBound(@ForAll("precisions") int bits, @ForAll long seed) {
    Statistics.label("error above a quarter of the bound").collect("checked");
    Statistics.label("error above a quarter of the bound")
        .coverage(c -> c.check("yes").percentage(p -> p >= NON_VACUOUS_PERCENT));
    BinaryArithmetic ar = new BinaryArithmetic(bits);
    Random rnd = new Random(seed);
    BinaryFloat x;
    switch (rnd.nextInt(3)) {
      case 0: x = new BinaryFloat(new BigInteger(bits, rnd).negate(), -bits + 11); break; // [-2048, 0]
      case 1: x = new BinaryFloat(new BigInteger(bits, rnd), -bits + 5); break; // [0, 32]
      default: x = new BinaryFloat(new BigInteger(bits, rnd).negate(), -bits - 40 - rnd.nextInt(300)); // tiny
    }
    BinaryFloat got = ar.exp(x);
    long digits = (long) Math.ceil(bits * Math.log10(2)) + EXP_STAND_IN_EXTRA_DIGITS;
    Apfloat exact = ApfloatMath.exp(new Apfloat(x.toBigDecimal(), digits));
    BigDecimal e = new BigDecimal(exact.toString(true));
    BigDecimal rel = relativeError(got.toBigDecimal(), e);
    assertThat(rel).isLessThanOrEqualTo(twoTo(-bits).multiply(BigDecimal.ONE.add(twoTo(-27))));
    if (rel.compareTo(twoTo(-bits - 2)) > 0) {
      Statistics.label("error above a quarter of the bound").collect("yes");
    }
    assertThat(ar.exp(BinaryFloat.ZERO).compareTo(BinaryFloat.ONE)).isZero();
  }

  /**
   * The accumulator: within {@code 4 n 2^-(P+96) max|term|} of the exact sum before its one
   * rounding, exact when every term lies within the window, for terms spread over 10^+-400.
   */
  @Property(tries = 150)
  void accumulatorStaysWithinItsBound(@ForAll("precisions") int bits, @ForAll long seed, @ForAll boolean narrow) {
    Statistics.label("narrow (exact)").collect(narrow);
    Random rnd = new Random(seed);
    int n = 1 + rnd.nextInt(40);
    BinaryAccumulator acc = new BinaryAccumulator(bits);
    BigDecimal exact = BigDecimal.ZERO;
    BigDecimal max = BigDecimal.ZERO;
    long base = rnd.nextInt(2001) - 1000;
    for (int k = 0; k < n; k++) {
      BinaryFloat x = random(rnd, bits);
      BinaryFloat y = random(rnd, bits);
      if (narrow) {
        x = new BinaryFloat(x.m, base - x.m.bitLength());
        y = new BinaryFloat(y.m, -y.m.bitLength() - rnd.nextInt(8));
      }
      acc.addProduct(x, y);
      BigDecimal t = x.toBigDecimal().multiply(y.toBigDecimal());
      exact = exact.add(t);
      max = max.max(t.abs());
    }
    BigDecimal held = acc.isEmpty() ? BigDecimal.ZERO : new BinaryFloat(acc.value(), acc.exponent()).toBigDecimal();
    BigDecimal err = held.subtract(exact).abs();
    if (narrow && bits >= 24) {
      // every product has at most 2(bits + 20) bits and lies within 2^16 of the others: the window
      // P + 96 covers them when 2 (P + 20) + 8 <= P + 96, i.e. P <= 48; beyond that only the bound holds
      if (2 * (bits + 20) + 8 <= bits + BinaryAccumulator.WINDOW_GUARD) {
        assertThat(err.signum()).as("exact inside the window").isZero();
      }
    }
    assertThat(err).isLessThanOrEqualTo(max.multiply(BigDecimal.valueOf(4L * n)).multiply(twoTo(-(bits + 96))));
  }
}
