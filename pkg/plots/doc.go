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
package plots
