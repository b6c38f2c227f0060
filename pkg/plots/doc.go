// Package plots draws the figures of the surrogo project in one consistent, publication-quality style,
// on top of gonum.org/v1/plot.
//
// A Figure is a grid of panels:
//
//   - Heatmap: an N×N (or rows×cols) field as a raster image with square cells, a colour bar
//     (viridis by default, BlueWhiteRed for signed residuals, linear or log, fixed or automatic range)
//     and NaN cells in a distinct colour. NewMatrix and NormalizeRows build density matrices;
//     Hist2D accumulates millions of (x, y) points and draws them as a log-count heatmap.
//   - Axes: lines with markers, mean ± std bands, scatter plots, histograms (Histogram, Hist) and
//     function curves such as Gaussian overlays, on linear or log axes, with an optional right axis.
//   - BarChart: grouped bars, linear or log, with an optional right axis.
//   - Legend: the legend of another panel in a cell of its own.
//   - Grid: a nested grid, optionally with one colour bar shared by its heatmaps.
//   - PlotPanel: any gonum plot.
//
// Figures carry a title, panel letters (a, b, c, ...) and a scale stamp (ScaleStamp) saying at which
// reduced scale a figure was reproduced. Save writes PNG, SVG or PDF (by extension) atomically;
// Display shows the figure inline in a GoNB notebook and does nothing elsewhere.
//
// Fields follow the solver's convention: []float64 (or []float32 through NewHeatmap / Float64s) of
// length N*N, row-major, index row*N + col; row 0 is drawn at the top like an image unless
// Heatmap.OriginLower is set.
//
// Panels are plain structs: fill their fields, add them to a figure, and let Figure.Render (or Save)
// validate them; invalid input (mismatched lengths, empty data, a non-square field, a NaN range, ...)
// is reported as an error naming the panel and the field. A typical notebook cell:
//
//	in, target, pred := plots.NewHeatmap(x), plots.NewHeatmap(y), plots.NewHeatmap(yhat) // []float32 fields
//	in.Title, target.Title, pred.Title = "input", "target", "prediction"
//	fig := plots.NewFigure(1, 3, in, target, pred)
//	fig.Letters = true
//	fig.Stamp = plots.ScaleStamp("cpu", "512×512, 400k samples")
//	must(fig.Save("figures/2023/fig1.png")) // or fig.Display() in GoNB
//
// Text in titles and labels may use ^{...} and _{...} for superscripts and subscripts ("10^{−3}",
// "R_{1}"); other carets and underscores are written as they are. The command internal/gallery draws
// one figure of each kind from synthetic data.
//
// # What gonum/plot draws, and what this package keeps
//
// Curves, scatter plots, mean ± std bands, function curves and heatmap overlays are gonum's
// plotter.Line, plotter.Scatter and plotter.Polygon (one per run of drawable points, since gonum
// plotters do not break a curve at NaN; lines on the right axis are mapped into the left axis's
// coordinates); histogram layers are a plotter.Line step outline over a plotter.Polygon fill. The
// axes, their scales and tick drawing are gonum's plot.Plot. The colormaps implement
// palette.Palette, and Colormap.ColorMap gives a palette.ColorMap, for plotter.HeatMap and
// plotter.ColorBar in a PlotPanel. What is kept, and why:
//
//   - The heatmap raster. plotter.HeatMap's raster mode draws a cols×rows image that the canvas
//     enlarges with bilinear interpolation (gg's default interpolator), blurring the cells of a
//     32×32 field over 300 output pixels; its vector mode fills one path per cell (65 536 for a
//     256×256 field) with anti-aliasing seams between them. Here the field is resampled to the
//     output's pixel grid: nearest neighbour when enlarging, antialiased when shrinking.
//   - Colour bars. plotter.ColorBar draws a linear gradient inside a plot of its own, with
//     neither log scales, nor a NaN swatch, nor a bar shared by a grid of heatmaps and aligned to
//     their data areas.
//   - Histogram fills. plotter.Histogram fills one rectangle per bin: neighbouring translucent
//     rectangles leave light seams between the bins in PNG output (tried on 2020-fig05) and it
//     strokes every bin's edges.
//   - Bars. plotter.BarChart starts every bar at 0, which plot.LogScale refuses (it panics), takes
//     bar widths as canvas lengths fixed before the layout, and has no gaps for NaN values and no
//     right axis; the grouped bars here are rectangles on the same plot.Plot.
//   - Legends. plot.Legend sits at a fixed corner with offsets; here the legend goes to the corner
//     where it hides the least data, raising the y range when every corner is covered, or into a
//     cell of its own.
//   - Ticks. plot.LogTicks labels 1e-03 where the figures write 10⁻³ (with ^{...} rich text), and
//     plot.DefaultTicks picks other steps: replacing them would relabel every committed figure.
//   - The figure grid. plot.Align tiles plots of equal standing; a Figure mixes heatmaps with
//     square cells, colour bars shared by sub-grids, legend cells, panel letters and the scale
//     stamp, and aligns the data areas across them.
package plots
