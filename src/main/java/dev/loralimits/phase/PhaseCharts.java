package dev.loralimits.phase;

import dev.loralimits.model.Checks;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGUtils;

/**
 * The two plots of {@code lora-limits phase}, each as PNG and SVG (JFreeChart, JFreeSVG), one panel
 * per d, one colour per L:
 * <ul>
 *   <li>{@value #RANK}: the certified rank k1 (log scale) against {@code Gamma / sqrt(ln L)}
 *       (solid, with markers), the kernel-only rank (dashed) and, dotted, the default rank budget
 *       of each L (above it the exact algorithm is cheaper);
 *   <li>{@value #COST}: the predicted cost ratio fast/exact {@code k1 d / L} (log scale), certified
 *       (solid) and kernel-only (dashed), with the line 1.
 * </ul>
 * Runs headless ({@code java.awt.headless=true}).
 */
public final class PhaseCharts {
  /** Base name of the rank plot. */
  public static final String RANK = "phase-rank";
  /** Base name of the cost plot. */
  public static final String COST = "phase-cost";
  /** Image width in pixels. */
  static final int WIDTH = 1000;
  /** Image height in pixels. */
  static final int HEIGHT = 900;
  /** One colour per L, in sweep order (cycled). */
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
    new Color(0x8c564b), new Color(0xe377c2)
  };
  private static final BasicStroke SOLID = new BasicStroke(2f);
  private static final BasicStroke DASHED =
      new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
  private static final BasicStroke DOTTED =
      new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f);
  private static final Shape DOT = new Ellipse2D.Double(-3, -3, 6, 6);

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private PhaseCharts() {}

  /**
   * Writes {@value #RANK}.png/.svg and {@value #COST}.png/.svg into dir.
   *
   * @throws IOException if a file cannot be written
   */
  public static void write(List<PhasePoint> points, Path dir) throws IOException {
    Checks.notNull("points", points);
    save(rankChart(points), dir, RANK);
    save(costChart(points), dir, COST);
  }

  /** The rank plot. */
  static JFreeChart rankChart(List<PhasePoint> points) {
    return chart(
        points,
        "Lemma 3.3 rank k1 = binom(g + d, d) at epsilon = 1/L",
        "solid: certified by AlmostLinear.plan; dashed: kernel-only (truncation <= 1/L); dotted: default"
            + " rank budget (above it exact is cheaper)",
        "rank k1 (log scale)",
        p -> p.certified() ? p.rank() : Double.NaN,
        PhasePoint::kernelRank,
        true);
  }

  /** The cost plot. */
  static JFreeChart costChart(List<PhasePoint> points) {
    return chart(
        points,
        "Predicted cost ratio fast / exact = (L k1 d^2) / (L^2 d) = k1 d / L",
        "solid: certified rank; dashed: kernel-only rank; above 1 the exact quadratic algorithm is cheaper",
        "fast / exact (log scale)",
        PhasePoint::costRatio,
        PhasePoint::kernelCostRatio,
        false);
  }

  private static JFreeChart chart(
      List<PhasePoint> points, String title, String subtitle, String yLabel,
      ToDoubleFunction<PhasePoint> certified, ToDoubleFunction<PhasePoint> kernel, boolean budgets) {
    TreeSet<Integer> widths = new TreeSet<>();
    List<Integer> lengths = new ArrayList<>();
    for (PhasePoint p : points) {
      widths.add(p.width());
      if (!lengths.contains(p.length())) {
        lengths.add(p.length());
      }
    }
    NumberAxis x = new NumberAxis("Gamma / sqrt(ln L)   (Remark 4.1 / 5.2: threshold at order 1)");
    x.setAutoRangeIncludesZero(true);
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(x);
    plot.setGap(12);
    for (int d : widths) {
      plot.add(panel(points, d, lengths, yLabel, certified, kernel, budgets), 1);
    }
    LegendItemCollection legend = new LegendItemCollection();
    for (int i = 0; i < lengths.size(); i++) {
      int l = lengths.get(i);
      legend.add(new LegendItem("L = 2^" + Integer.numberOfTrailingZeros(l) + " = " + l, color(i)));
    }
    plot.setFixedLegendItems(legend);
    JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
    chart.addSubtitle(new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  private static XYPlot panel(
      List<PhasePoint> points, int d, List<Integer> lengths, String yLabel,
      ToDoubleFunction<PhasePoint> certified, ToDoubleFunction<PhasePoint> kernel, boolean budgets) {
    XYSeriesCollection cert = new XYSeriesCollection();
    XYSeriesCollection ker = new XYSeriesCollection();
    XYSeriesCollection bud = new XYSeriesCollection();
    for (int l : lengths) {
      XYSeries c = new XYSeries("certified L=" + l);
      XYSeries k = new XYSeries("kernel L=" + l);
      XYSeries b = new XYSeries("budget L=" + l);
      for (PhasePoint p : points) {
        if (p.width() != d || p.length() != l) {
          continue;
        }
        addPositive(c, p.ratio(), certified.applyAsDouble(p));
        addPositive(k, p.ratio(), kernel.applyAsDouble(p));
        addPositive(b, p.ratio(), p.defaultBudget());
      }
      cert.addSeries(c);
      ker.addSeries(k);
      bud.addSeries(b);
    }
    LogAxis y = new LogAxis(yLabel + ", d = " + d);
    y.setBase(10);
    y.setSmallestValue(1e-4);
    y.setTickUnit(new NumberTickUnit(1)); // one tick per decade (LogAxis tick units are exponents)
    y.setNumberFormatOverride(new DecimalFormat("0E0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
    XYPlot plot = new XYPlot();
    plot.setRangeAxis(y);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.setDataset(0, cert);
    plot.setRenderer(0, renderer(lengths.size(), SOLID, true));
    plot.setDataset(1, ker);
    plot.setRenderer(1, renderer(lengths.size(), DASHED, false));
    if (budgets) {
      plot.setDataset(2, bud);
      plot.setRenderer(2, renderer(lengths.size(), DOTTED, false));
    } else {
      ValueMarker one = new ValueMarker(1.0, Color.BLACK, new BasicStroke(1.5f));
      one.setLabel("fast = exact");
      one.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      one.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
      one.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
      plot.addRangeMarker(one);
    }
    return plot;
  }

  private static XYLineAndShapeRenderer renderer(int n, BasicStroke stroke, boolean shapes) {
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, shapes);
    for (int i = 0; i < n; i++) {
      r.setSeriesPaint(i, color(i));
      r.setSeriesStroke(i, stroke);
      r.setSeriesShape(i, DOT);
    }
    return r;
  }

  private static void addPositive(XYSeries s, double x, double y) {
    if (y > 0 && Double.isFinite(y)) {
      s.add(x, y);
    }
  }

  private static Color color(int i) {
    return PALETTE[i % PALETTE.length];
  }

  private static void save(JFreeChart chart, Path dir, String base) throws IOException {
    ChartUtils.saveChartAsPNG(dir.resolve(base + ".png").toFile(), chart, WIDTH, HEIGHT);
    SVGGraphics2D g2 = new SVGGraphics2D(WIDTH, HEIGHT);
    chart.draw(g2, new Rectangle(0, 0, WIDTH, HEIGHT));
    SVGUtils.writeToSVG(dir.resolve(base + ".svg").toFile(), g2.getSVGElement());
  }
}
