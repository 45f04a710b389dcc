package dev.loralimits.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loralimits.model.Checks;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
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

/** The training log as CSV and JSON lines, and its plot (PNG and SVG). */
public final class TrainReport {
  /** The CSV file's name. */
  public static final String CSV = "train.csv";
  /** The JSON-lines file's name (one object per step). */
  public static final String JSONL = "train.jsonl";
  /** The plot's base name ({@code .png}, {@code .svg}). */
  public static final String PLOT = "train";

  private static final int WIDTH = 900;
  private static final int HEIGHT = 900;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Color FAST = new Color(0x1f5fbf);
  private static final Color EXACT = new Color(0xc0392b);

  private TrainReport() {}

  /** {@link StepRecord#CSV_HEADER} and one line per step. */
  public static void writeCsv(List<StepRecord> steps, Path file) throws IOException {
    Checks.notNull("steps", steps);
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(StepRecord.CSV_HEADER);
      w.write('\n');
      for (StepRecord s : steps) {
        w.write(s.csv());
        w.write('\n');
      }
    }
  }

  /** One JSON object per line; NaN fields are null. */
  public static void writeJsonLines(List<StepRecord> steps, Path file) throws IOException {
    Checks.notNull("steps", steps);
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (StepRecord s : steps) {
        w.write(JSON.writeValueAsString(json(s)));
        w.write('\n');
      }
    }
  }

  static ObjectNode json(StepRecord s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("step", s.step());
    num(o, "loss", s.loss());
    num(o, "gamma_q", s.gammaQ());
    num(o, "gamma_k", s.gammaK());
    num(o, "ratio", s.ratio());
    num(o, "score_radius", s.scoreRadius());
    o.put("method", s.method());
    if (s.degree() >= 0) {
      o.put("degree", s.degree());
      o.put("rank", s.rank());
    } else {
      o.putNull("degree");
      o.putNull("rank");
    }
    num(o, "bound", s.bound());
    num(o, "loss_bound", s.lossBound());
    num(o, "control_factor", s.controlFactor());
    o.put("wall_ms", s.wallNanos() / 1e6);
    o.put("cpu_ms", s.cpuNanos() / 1e6);
    o.put("refusal", s.refusal());
    return o;
  }

  private static void num(ObjectNode o, String k, double x) {
    if (Double.isFinite(x)) {
      o.put(k, x);
    } else {
      o.putNull(k);
    }
  }

  /**
   * Three panels against the step: the loss (log scale), {@code Gamma / sqrt(ln L)} with the
   * boundary ({@link Boundary}) and, when given, the norm control's radius, and the wall time of
   * each step's gradient (log scale); fast steps and exact steps in two colours.
   *
   * @param boundary the boundary ratio, or NaN for none
   * @param controlRatio the norm control's {@code tau / sqrt(ln L)}, or NaN for none
   */
  public static void writePlot(List<StepRecord> steps, String title, double boundary, double controlRatio, Path dir)
      throws IOException {
    Checks.notNull("steps", steps);
    JFreeChart chart = chart(steps, title, boundary, controlRatio);
    ChartUtils.saveChartAsPNG(dir.resolve(PLOT + ".png").toFile(), chart, WIDTH, HEIGHT);
    SVGGraphics2D g2 = new SVGGraphics2D(WIDTH, HEIGHT);
    chart.draw(g2, new Rectangle(0, 0, WIDTH, HEIGHT));
    SVGUtils.writeToSVG(dir.resolve(PLOT + ".svg").toFile(), g2.getSVGElement());
  }

  static JFreeChart chart(List<StepRecord> steps, String title, double boundary, double controlRatio) {
    NumberAxis x = new NumberAxis("step");
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(x);
    plot.setGap(10);
    plot.add(panel(steps, "loss (log)", true, StepRecord::loss), 1);
    XYPlot ratio = panel(steps, "Gamma / sqrt(ln L)", false, StepRecord::ratio);
    if (Double.isFinite(boundary)) {
      ratio.addRangeMarker(marker(boundary, "fast answers below (phase instance, this L, d, epsilon)", Color.BLACK));
    }
    if (Double.isFinite(controlRatio)) {
      ratio.addRangeMarker(marker(controlRatio, "norm control tau / sqrt(ln L)", new Color(0x2c7a2c)));
    }
    plot.add(ratio, 1);
    plot.add(panel(steps, "gradient wall time, ms (log)", true, s -> s.wallNanos() / 1e6), 1);
    org.jfree.chart.LegendItemCollection legend = new org.jfree.chart.LegendItemCollection();
    legend.add(new org.jfree.chart.LegendItem("fast (certified almost-linear, Theorem 3.1)", FAST));
    legend.add(new org.jfree.chart.LegendItem("exact (Theorem F.1, quadratic)", EXACT));
    plot.setFixedLegendItems(legend);
    JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
    chart.addSubtitle(new TextTitle(
        "each step's gradient from the method that answered; the dashed line: where fast stops answering",
        new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  private interface Field {
    double of(StepRecord s);
  }

  private static XYPlot panel(List<StepRecord> steps, String label, boolean log, Field f) {
    XYSeries fast = new XYSeries("fast");
    XYSeries exact = new XYSeries("exact");
    for (StepRecord s : steps) {
      double y = f.of(s);
      if (!Double.isFinite(y) || (log && y <= 0)) {
        continue;
      }
      (s.method().equals("fast") ? fast : exact).add(s.step(), y);
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(fast);
    data.addSeries(exact);
    XYPlot p = new XYPlot();
    if (log) {
      LogAxis y = new LogAxis(label);
      y.setBase(10);
      y.setSmallestValue(1e-300);
      y.setNumberFormatOverride(new java.text.DecimalFormat("0.#E0", java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT)));
      p.setRangeAxis(y);
    } else {
      NumberAxis y = new NumberAxis(label);
      y.setAutoRangeIncludesZero(true);
      p.setRangeAxis(y);
    }
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
    r.setSeriesPaint(0, FAST);
    r.setSeriesPaint(1, EXACT);
    java.awt.Shape dot = new java.awt.geom.Ellipse2D.Double(-2, -2, 4, 4);
    r.setSeriesShape(0, dot);
    r.setSeriesShape(1, dot);
    p.setDataset(data);
    p.setRenderer(r);
    p.setBackgroundPaint(Color.WHITE);
    p.setDomainGridlinePaint(Color.LIGHT_GRAY);
    p.setRangeGridlinePaint(Color.LIGHT_GRAY);
    return p;
  }

  private static ValueMarker marker(double y, String label, Color c) {
    ValueMarker m = new ValueMarker(y, c, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    m.setLabel(label);
    m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
    m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
    return m;
  }
}
