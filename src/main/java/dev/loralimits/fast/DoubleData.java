package dev.loralimits.fast;

import dev.loralimits.model.Adapter;
import dev.loralimits.model.LoraInstance;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link DoubleInstance} (each decimal input rounded once to the nearest double) with the merged
 * weights {@code W = W* + (alpha/r) B A} (computed by {@link ExactDouble#merged}, shared with the
 * exact algorithm) and the maxima of the absolute majorants
 * {@code |W*| + |alpha/r| |B| |A|} that the rounding bounds use ({@link FastBound#maxWeightMajorant}).
 */
final class DoubleData {
  final double alpha;
  final double beta;
  final Map<Adapter, double[][]> frozen = new EnumMap<>(Adapter.class);
  final Map<Adapter, double[][]> a = new EnumMap<>(Adapter.class);
  final Map<Adapter, double[][]> b = new EnumMap<>(Adapter.class);
  final Map<Adapter, double[][]> merged = new EnumMap<>(Adapter.class);
  final Map<Adapter, Double> maxMergedMajorant = new EnumMap<>(Adapter.class);
  final Map<Adapter, Integer> rank = new EnumMap<>(Adapter.class);
  final List<double[][][]> points = new ArrayList<>(); // {XQ, XK, XV, Y}

  DoubleData(LoraInstance inst) {
    this(DoubleInstance.of(inst));
  }

  DoubleData(DoubleInstance inst) {
    alpha = inst.alpha();
    beta = inst.beta();
    for (Adapter mu : Adapter.values()) {
      DoubleInstance.Weight p = inst.weight(mu);
      double[][] w = p.frozen();
      frozen.put(mu, w);
      double[][] m = ExactDouble.merged(inst, mu);
      int r = 0;
      if (p.isAdapted()) {
        a.put(mu, p.a());
        b.put(mu, p.b());
        r = p.a().length;
      }
      rank.put(mu, r);
      merged.put(mu, m);
      maxMergedMajorant.put(mu, FastBound.maxWeightMajorant(w, a.get(mu), b.get(mu), alpha));
    }
    for (DoubleInstance.Point p : inst.points()) {
      points.add(new double[][][] {p.xq(), p.xk(), p.xv(), p.y()});
    }
  }
}
