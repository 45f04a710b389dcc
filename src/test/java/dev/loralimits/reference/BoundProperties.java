package dev.loralimits.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The radius arithmetic (proofs-notes/REFERENCE-ENGINE.md §8.1-§8.3): {@link Bound}'s sums,
 * products and magnitudes are upper bounds of the exact results and within {@code 1 + 2^-50} of
 * them; the accumulator's {@link BinaryAccumulator#bound} covers its truncations.
 */
@Label("binary engine: upward-rounded radius arithmetic")
class BoundProperties {
  /**
   * Largest relative excess of one {@link Bound} operation over its exact result: one nextUp of a
   * round-to-nearest result in [1, 4) (at most {@code 1.5 2^-52}), or for far-apart addends one ulp
   * of the larger ({@code 2^-52}); {@code 2^-50} is above both.
   */
  static final BigDecimal EXCESS = BigDecimal.ONE.add(BinaryArithmeticProperties.twoTo(-50));

  @Provide
  Arbitrary<Integer> spreads() {
    return Arbitraries.of(0, 3, 40, 70, 3000); // exponent differences: aligned, close, far apart
  }

  static Bound random(Random rnd, int spread) {
    double m = 1 + rnd.nextDouble();
    long e = rnd.nextInt(2 * spread + 1) - spread - rnd.nextInt(3);
    return Bound.of(m, e);
  }

  @Property(tries = 400)
  void sumsAndProductsAreTightUpperBounds(@ForAll("spreads") int spread, @ForAll long seed) {
    Statistics.label("spread").collect(spread);
    Random rnd = new Random(seed);
    Bound a = random(rnd, spread);
    Bound b = random(rnd, spread);
    BigDecimal x = a.toBigDecimal();
    BigDecimal y = b.toBigDecimal();
    BigDecimal sum = x.add(y);
    BigDecimal product = x.multiply(y);
    assertThat(a.plus(b).toBigDecimal()).isGreaterThanOrEqualTo(sum).isLessThanOrEqualTo(sum.multiply(EXCESS));
    assertThat(a.times(b).toBigDecimal())
        .isGreaterThanOrEqualTo(product)
        .isLessThanOrEqualTo(product.multiply(EXCESS));
    assertThat(a.plus(Bound.ZERO)).isSameAs(a);
    assertThat(a.times(Bound.ZERO).isZero()).isTrue();
    assertThat(a.times(Bound.INFINITE).isFinite()).isFalse();
    assertThat(a.scaleByPowerOfTwo(-3).toBigDecimal()).isEqualByComparingTo(x.divide(BigDecimal.valueOf(8)));
  }

  /** {@link Bound#abs}: an upper bound of |x| within {@code 1 + 2^-50}, for 1..1500-bit mantissas. */
  @Property(tries = 300)
  void magnitudesAreTightUpperBounds(@ForAll long seed) {
    Random rnd = new Random(seed);
    int bits = 1 + rnd.nextInt(rnd.nextBoolean() ? 64 : 1500);
    Statistics.label("wide mantissa (> 1000 bits)").collect(bits > 1000);
    BigInteger m = new BigInteger(bits, rnd).setBit(bits - 1);
    BinaryFloat x = new BinaryFloat(rnd.nextBoolean() ? m : m.negate(), rnd.nextInt(4001) - 2000);
    BigDecimal exact = x.toBigDecimal().abs();
    assertThat(Bound.abs(x).toBigDecimal()).isGreaterThanOrEqualTo(exact).isLessThanOrEqualTo(exact.multiply(EXCESS));
    assertThat(Bound.abs(BinaryFloat.ZERO).isZero()).isTrue();
  }

  /**
   * The accumulator's bound: terms with radii (balls) spread over 10^+-400, the held sum within
   * {@code bound()} of the exact sum of the terms' exact values (midpoints moved by up to their
   * radii), and {@code bound()} exactly 0 for exact terms inside the window.
   */
  @Property(tries = 200)
  void accumulatorBoundCoversItsTruncationsAndRadii(
      @ForAll("bitsList") int bits, @ForAll long seed, @ForAll boolean exactTerms) {
    Statistics.label("exact terms").collect(exactTerms);
    Random rnd = new Random(seed);
    int n = 1 + rnd.nextInt(30);
    BinaryAccumulator acc = new BinaryAccumulator(bits);
    BigDecimal exact = BigDecimal.ZERO;
    BigDecimal radii = BigDecimal.ZERO;
    BigDecimal max = BigDecimal.ZERO;
    for (int k = 0; k < n; k++) {
      BinaryFloat mx = BinaryArithmeticProperties.random(rnd, bits);
      BinaryFloat my = BinaryArithmeticProperties.random(rnd, bits);
      Bound rx = exactTerms ? Bound.ZERO : Bound.abs(mx).scaleByPowerOfTwo(-bits - rnd.nextInt(20));
      Bound ry = exactTerms ? Bound.ZERO : Bound.abs(my).scaleByPowerOfTwo(-bits - rnd.nextInt(20));
      // an exact value at the edge of each ball: x = mid + r, y = mid - r
      BigDecimal x = mx.toBigDecimal().add(rx.toBigDecimal());
      BigDecimal y = my.toBigDecimal().subtract(ry.toBigDecimal());
      acc.addProduct(new Ball(mx, rx), new Ball(my, ry));
      exact = exact.add(x.multiply(y));
      BigDecimal ax = mx.toBigDecimal().abs();
      BigDecimal ay = my.toBigDecimal().abs();
      radii = radii.add(ax.multiply(ry.toBigDecimal())).add(ay.multiply(rx.toBigDecimal()))
          .add(rx.toBigDecimal().multiply(ry.toBigDecimal()));
      max = max.max(ax.multiply(ay));
    }
    BigDecimal held = acc.isEmpty() ? BigDecimal.ZERO : new BinaryFloat(acc.value(), acc.exponent()).toBigDecimal();
    BigDecimal bound = acc.bound().toBigDecimal();
    assertThat(held.subtract(exact).abs()).isLessThanOrEqualTo(bound);
    // not vacuous: the terms' radii (each upward-rounded operation adds at most 2^-50 relative, a
    // factor below 2 here) plus the window's truncations, 2n units of 2^-(P+96) 2 max|term| (§2)
    BigDecimal window = max.multiply(BigDecimal.valueOf(4L * n)).multiply(BinaryArithmeticProperties.twoTo(-(bits + 96)));
    assertThat(bound).isLessThanOrEqualTo(radii.multiply(BigDecimal.valueOf(2)).add(window.multiply(BigDecimal.valueOf(2))));
    if (!exactTerms) {
      assertThat(bound).isGreaterThanOrEqualTo(radii);
    }
  }

  @Provide
  Arbitrary<Integer> bitsList() {
    return Arbitraries.of(8, 24, 53, 136, 207, 400);
  }
}
