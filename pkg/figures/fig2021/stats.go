package fig2021

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/plots"
)

// Figs. 8-11 of the 2021 paper, drawn from the hub's results: prediction vs truth (Fig. 8),
// the residual per slice along y = x (Fig. 9), its average and maximum over slices (Fig. 10)
// and the field densities of MSE and MAE models (Fig. 11).

func init() {
	figures.Register(figures.Def[Fig08Results]{ID: "2021-fig08", Version: trainedVersion, Compute: computeFig08, Render: renderFig08, Summary: summaryFig08})
	figures.Register(figures.Def[SlicesResults]{ID: "2021-fig09", Version: trainedVersion, Compute: computeSlices, Render: renderFig09, Summary: summaryFig09})
	figures.Register(figures.Def[SlicesResults]{ID: "2021-fig10", Version: trainedVersion, Compute: computeSlices, Render: renderFig10, Summary: summaryFig10})
	figures.Register(figures.Def[Fig11Results]{ID: "2021-fig11", Version: trainedVersion, Compute: computeFig11, Render: renderFig11, Summary: summaryFig11})
}

// Fig08Results are the 2-D histograms of prediction vs truth of models 9 and 11 (the hub's
// files) and the slice statistics that quantify their dispersion.
type Fig08Results struct {
	Protocol Protocol     `json:"protocol"`
	Hist2D   []Hist2DFile `json:"hist2d"`
	// Panels summarize each panel: the model, split, mean and maximum over slices of the
	// per-slice standard deviation and the mean residual.
	Panels []Fig08Panel `json:"panels"`
}

// Fig08Panel is one panel of Fig. 8.
type Fig08Panel struct {
	Model     int     `json:"model"`
	W         float64 `json:"w"`
	Split     string  `json:"split"`
	Points    int64   `json:"points"`
	MeanStd   float64 `json:"mean_of_stds"`
	MaxStd    float64 `json:"max_of_stds"`
	MeanResid float64 `json:"mean_residual"`
}

func computeFig08(run *figures.Run) (Fig08Results, error) {
	var res Fig08Results
	hub, err := requireHub(run)
	if err != nil {
		return res, err
	}
	res = Fig08Results{Protocol: hub.Protocol, Hist2D: hub.Hist2D}
	for _, f := range hub.Hist2D {
		m, err := hub.model(f.Model)
		if err != nil {
			return res, err
		}
		sm := m.Test
		if f.Split != "test" {
			sm = m.Train
		}
		res.Panels = append(res.Panels, Fig08Panel{Model: f.Model, W: m.Paper.W, Split: f.Split, Points: f.Points,
			MeanStd: float64(sm.Aggregate.MeanOfStds), MaxStd: float64(sm.Aggregate.MaxOfStds), MeanResid: float64(sm.Residual.Mean)})
	}
	return res, nil
}

func renderFig08(run *figures.Run, r Fig08Results) error {
	if len(r.Hist2D) == 0 {
		return errIncomplete
	}
	// The paper's order: (a) test and (b) train of model 9, (c) test and (d) train of model 11.
	var panels []plots.Panel
	for _, model := range hist2DModels {
		for _, split := range []string{"test", trainSplitName} {
			var f *Hist2DFile
			for i := range r.Hist2D {
				if r.Hist2D[i].Model == model && r.Hist2D[i].Split == split {
					f = &r.Hist2D[i]
				}
			}
			if f == nil {
				return fmt.Errorf("%w: no 2-D histogram of model %d on %s", errIncomplete, model, split)
			}
			a, err := npy.ReadFile(hubPath(run, f.File))
			if err != nil {
				return fmt.Errorf("%w (compute 2021-table2 at scale %s first)", err, r.Protocol.Scale)
			}
			counts, ok := a.Data.([]int64)
			if !ok || len(counts) != f.NX*f.NY {
				return fmt.Errorf("%s: want %d int64 counts", f.File, f.NX*f.NY)
			}
			h := &plots.Hist2D{XMin: f.Lo, XMax: f.Hi, YMin: f.Lo, YMax: f.Hi, NX: f.NX, NY: f.NY, Counts: counts, Outside: f.Outside}
			panels = append(panels, Fig08Map(h, model, split))
		}
	}
	fig := Fig08Figure(panels)
	fig.Stamp = r.Protocol.Stamp()
	return saveFigure(run, fig)
}

// Fig08Map draws one panel of Fig. 8: the 2-D histogram of prediction vs truth of a model on the
// test or training set (PredictionHist2D), in log colour, with the diagonal y = x.
func Fig08Map(h *plots.Hist2D, model int, split string) *plots.Heatmap {
	hm := h.Heatmap()
	set := "test set"
	if split != "test" {
		set = "training set"
	}
	points := h.Total() + h.Outside
	hm.Title = fmt.Sprintf("model %d, %s (%s points)", model, set, sciCount(points))
	if h.Outside > 0 {
		hm.Title = fmt.Sprintf("model %d, %s (%s points, %s outside)", model, set, sciCount(points), sciCount(h.Outside))
	}
	hm.XLabel, hm.YLabel = "prediction ŷ", "ground truth y"
	hm.Overlay = append(hm.Overlay, plots.Diagonal(h.XMin, h.XMax))
	return hm
}

// Fig08Figure lays out the four panels of Fig. 8 (Fig08Map), in the paper's order: (a) test and
// (b) training set of model 9, (c) test and (d) training set of model 11.
func Fig08Figure(maps []plots.Panel) *plots.Figure {
	fig := plots.NewFigure(2, 2, maps...)
	fig.Letters = true
	fig.Title = "Ground truth vs prediction, every pixel: models 9 (w = 100) and 11 (w = 1), test and training sets"
	fig.Width, fig.Height = 10*vg.Inch, 9.4*vg.Inch
	return fig
}

// sciCount writes a count like the paper's "3.75 · 10^7".
func sciCount(n int64) string {
	if n < 10000 {
		return fmt.Sprint(n)
	}
	e := int(math.Floor(math.Log10(float64(n))))
	return fmt.Sprintf("%.3g·10^{%d}", float64(n)/math.Pow(10, float64(e)), e)
}

func summaryFig08(r Fig08Results) string {
	var b strings.Builder
	b.WriteString("| model | w | set | points | mean residual | mean of per-slice std | max of per-slice std |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, p := range r.Panels {
		fmt.Fprintf(&b, "| %d | %g | %s | %d | %.3g | %.3g | %.3g |\n", p.Model, p.W, p.Split, p.Points, p.MeanResid, p.MeanStd, p.MaxStd)
	}
	b.WriteString("\nThe paper's panels hold 3.75·10⁷ points each; the dispersion about y = x is measured by the per-slice standard deviation of (ŷ − y)/√2 (10 slices of width 0.1 along y = x).\n")
	return b.String()
}

// SlicesResults are the per-slice statistics of every model on the test and training sets
// (Figs. 9 and 10).
type SlicesResults struct {
	Protocol Protocol      `json:"protocol"`
	Models   []ModelSlices `json:"models"`
}

// ModelSlices are one model's slices and their aggregates.
type ModelSlices struct {
	Model     int          `json:"model"`
	Loss      string       `json:"loss"`
	W         float64      `json:"w"`
	Test      SplitMetrics `json:"test"`
	Train     SplitMetrics `json:"train"`
	NN1Only   bool         `json:"nn1_only"`
	NN2Only   bool         `json:"nn2_only"`
	TestMean  float64      `json:"test_mean"`
	TrainMean float64      `json:"train_mean"`
}

func computeSlices(run *figures.Run) (SlicesResults, error) {
	var res SlicesResults
	hub, err := requireHub(run)
	if err != nil {
		return res, err
	}
	res.Protocol = hub.Protocol
	for _, m := range hub.Models {
		ms, err := NewModelSlices(m.Paper.Number, m.Test, m.Train)
		if err != nil {
			return res, err
		}
		res.Models = append(res.Models, ms)
	}
	return res, nil
}

// NewModelSlices returns the slices of Figs. 9 and 10 of model number (1-14) from its metrics on
// the test and training sets (Measure).
func NewModelSlices(number int, test, train SplitMetrics) (ModelSlices, error) {
	pm, err := Paper(number)
	if err != nil {
		return ModelSlices{}, err
	}
	return ModelSlices{Model: number, Loss: pm.Loss, W: pm.W, Test: test, Train: train, NN1Only: pm.P2 == 0, NN2Only: pm.P1 == 0,
		TestMean: float64(test.Residual.Mean), TrainMean: float64(train.Residual.Mean)}, nil
}

// sliceSeries returns the slice numbers (1..10), means and stds of a split (NaN where a slice
// has too few points).
func sliceSeries(m SplitMetrics) (x, mean, std []float64) {
	for i, s := range m.Slices {
		x = append(x, float64(i+1))
		mean = append(mean, float64(s.Mean))
		std = append(std, float64(s.Std))
	}
	return x, mean, std
}

func renderFig09(run *figures.Run, r SlicesResults) error {
	fig, err := Fig09Figure(r)
	if err != nil {
		return err
	}
	fig.Stamp = r.Protocol.Stamp()
	return saveFigure(run, fig)
}

// Fig09Panel draws one model's panel of Fig. 9: the mean ± standard deviation of the residual
// (ŷ − y)/√2 in each of the 10 slices along y = x, test set (blue) and training set (red).
func Fig09Panel(m ModelSlices) *plots.Axes {
	ax := &plots.Axes{Title: fmt.Sprintf("model %d (%s, w = %g)", m.Model, m.Loss, m.W), XLabel: "slice", YLabel: "residual (ŷ − y)/√2",
		Grid: true, Legend: plots.LegendNone, XTicks: []float64{1, 4, 7, 10}, XRange: plots.Range{Min: 0.5, Max: 10.5}}
	x, mu, sd := sliceSeries(m.Test)
	l := ax.LineStd("test set", x, mu, sd)
	l.Color = plots.Blue
	x, mu, sd = sliceSeries(m.Train)
	l = ax.LineStd("training set", x, mu, sd)
	l.Color = plots.Vermillion
	return ax
}

// Fig09Figure draws Fig. 9: a panel per model (Fig09Panel) and the legend.
func Fig09Figure(r SlicesResults) (*plots.Figure, error) {
	if len(r.Models) == 0 {
		return nil, errIncomplete
	}
	var panels []plots.Panel
	var first *plots.Axes
	for _, m := range r.Models {
		ax := Fig09Panel(m)
		if first == nil {
			first = ax
		}
		panels = append(panels, ax)
	}
	panels = append(panels, &plots.Legend{Of: first, Title: "mean ± std per slice"})
	cols := 5
	rows := (len(panels) + cols - 1) / cols
	fig := plots.NewFigure(rows, cols, panels...)
	fig.Title = "Residual per slice along y = x (slice i: field values in [0.1(i−1), 0.1 i] on the diagonal): mean ± standard deviation, test and training sets"
	fig.Width, fig.Height = 16*vg.Inch, 3.2*vg.Length(rows)*vg.Inch
	return fig, nil
}

func renderFig10(run *figures.Run, r SlicesResults) error {
	fig, err := Fig10Figure(r)
	if err != nil {
		return err
	}
	fig.Stamp = r.Protocol.Stamp()
	return saveFigure(run, fig)
}

// Fig10Figure draws Fig. 10: per model, the average (solid) and maximum (dashed) over the 10
// slices of (a) the per-slice |mean residual| and (b) the per-slice standard deviation, test
// (blue) and training (red) sets.
func Fig10Figure(r SlicesResults) (*plots.Figure, error) {
	if len(r.Models) == 0 {
		return nil, errIncomplete
	}
	var x []float64
	var ticks []float64
	series := map[string][]float64{}
	for _, m := range r.Models {
		x = append(x, float64(m.Model))
		ticks = append(ticks, float64(m.Model))
		series["test avg |mean|"] = append(series["test avg |mean|"], float64(m.Test.Aggregate.MeanOfAbsMeans))
		series["test max |mean|"] = append(series["test max |mean|"], float64(m.Test.Aggregate.MaxOfAbsMeans))
		series["train avg |mean|"] = append(series["train avg |mean|"], float64(m.Train.Aggregate.MeanOfAbsMeans))
		series["train max |mean|"] = append(series["train max |mean|"], float64(m.Train.Aggregate.MaxOfAbsMeans))
		series["test avg std"] = append(series["test avg std"], float64(m.Test.Aggregate.MeanOfStds))
		series["test max std"] = append(series["test max std"], float64(m.Test.Aggregate.MaxOfStds))
		series["train avg std"] = append(series["train avg std"], float64(m.Train.Aggregate.MeanOfStds))
		series["train max std"] = append(series["train max std"], float64(m.Train.Aggregate.MaxOfStds))
	}
	panel := func(title, ylabel, kind string) *plots.Axes {
		ax := &plots.Axes{Title: title, XLabel: "model", YLabel: ylabel, LogY: true, Grid: true, XTicks: ticks, Legend: plots.LegendOutside}
		for _, set := range []string{"test", "train"} {
			for _, agg := range []string{"avg", "max"} {
				l := ax.Line(set+" "+agg, x, series[set+" "+agg+" "+kind])
				l.Dashed = agg == "max"
				l.Color = plots.Blue
				if set == "train" {
					l.Color = plots.Vermillion
				}
			}
		}
		return ax
	}
	a := panel("(a) residual mean per slice: average and maximum over slices", "|mean residual| per slice", "|mean|")
	b := panel("(b) residual standard deviation per slice: average and maximum over slices", "std per slice", "std")
	fig := plots.NewFigure(1, 2, a, b)
	fig.Title = "Average (solid) and maximum (dashed) over the 10 slices, per model, test (blue) and training (red) sets"
	fig.Width, fig.Height = 15*vg.Inch, 4.8*vg.Inch
	return fig, nil
}

func summaryFig09(r SlicesResults) string {
	var b strings.Builder
	b.WriteString("Mean ± std of the residual (ŷ − y)/√2 in the 10 slices, test / training set:\n\n| model | loss | slice 1 | slice 5 | slice 10 |\n| --- | --- | --- | --- | --- |\n")
	cell := func(m SplitMetrics, i int) string {
		if i >= len(m.Slices) || m.Slices[i].N < 2 {
			return "—"
		}
		return fmt.Sprintf("%.2g ± %.2g", float64(m.Slices[i].Mean), float64(m.Slices[i].Std))
	}
	for _, m := range r.Models {
		fmt.Fprintf(&b, "| %d | %s | %s / %s | %s / %s | %s / %s |\n", m.Model, m.Loss, cell(m.Test, 0), cell(m.Train, 0),
			cell(m.Test, 4), cell(m.Train, 4), cell(m.Test, 9), cell(m.Train, 9))
	}
	return b.String()
}

func summaryFig10(r SlicesResults) string {
	var b strings.Builder
	b.WriteString("| model | loss | test avg / max of std | train avg / max of std | test avg / max of mean | train avg / max of mean |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, m := range r.Models {
		t, tr := m.Test.Aggregate, m.Train.Aggregate
		fmt.Fprintf(&b, "| %d | %s | %.3g / %.3g | %.3g / %.3g | %.3g / %.3g | %.3g / %.3g |\n", m.Model, m.Loss,
			float64(t.MeanOfStds), float64(t.MaxOfStds), float64(tr.MeanOfStds), float64(tr.MaxOfStds),
			float64(t.MeanOfAbsMeans), float64(t.MaxOfAbsMeans), float64(tr.MeanOfAbsMeans), float64(tr.MaxOfAbsMeans))
	}
	s := AverageStds(r)
	fmt.Fprintf(&b, "\nAverage over models (NN1-only excluded) of the per-slice std averaged over slices: MSE models %.3g on the training set and %.3g on the test set; "+
		"MAE models %.3g and %.3g. The paper: with MSE the training-set std is smaller than with MAE while the test sets are comparable (\"MSE is more prone to overfitting\").\n",
		s.MSETrain, s.MSETest, s.MAETrain, s.MAETest)
	return b.String()
}

// LossStds are the per-slice standard deviations averaged over slices and then over the models
// of one loss (NN1-only models excluded), on the training and test sets: the paper's "MSE is
// more prone to overfitting" reads as MSETrain < MAETrain with comparable test sets.
type LossStds struct {
	MSETrain, MSETest, MAETrain, MAETest float64
}

// AverageStds returns the LossStds of the models of r.
func AverageStds(r SlicesResults) LossStds {
	var mseTr, mseTe, maeTr, maeTe []float64
	for _, m := range r.Models {
		if m.NN1Only {
			continue
		}
		if m.Loss == "MSE" {
			mseTr, mseTe = append(mseTr, float64(m.Train.Aggregate.MeanOfStds)), append(mseTe, float64(m.Test.Aggregate.MeanOfStds))
		} else {
			maeTr, maeTe = append(maeTr, float64(m.Train.Aggregate.MeanOfStds)), append(maeTe, float64(m.Test.Aggregate.MeanOfStds))
		}
	}
	return LossStds{MSETrain: mean(mseTr), MSETest: mean(mseTe), MAETrain: mean(maeTr), MAETest: mean(maeTe)}
}

// fig11Models are the models of Fig. 11: MSE (2, 3) and MAE (11, 12).
var fig11Models = []int{2, 3, 11, 12}

// Fig11Results are the field densities of the models of Fig. 11.
type Fig11Results struct {
	Protocol Protocol   `json:"protocol"`
	Edges    []float64  `json:"edges"`
	Models   []ModelPDF `json:"models"`
}

// ModelPDF is one model's densities.
type ModelPDF struct {
	Model int    `json:"model"`
	Loss  string `json:"loss"`
	PDF   PDF    `json:"pdf"`
}

func computeFig11(run *figures.Run) (Fig11Results, error) {
	var res Fig11Results
	hub, err := requireHub(run)
	if err != nil {
		return res, err
	}
	res.Protocol = hub.Protocol
	w := (pdfHi - pdfLo) / pdfBins
	for i := 0; i <= pdfBins; i++ {
		res.Edges = append(res.Edges, pdfLo+float64(i)*w)
	}
	for _, n := range fig11Models {
		m, err := hub.model(n)
		if err != nil {
			return res, err
		}
		res.Models = append(res.Models, ModelPDF{Model: n, Loss: m.Paper.Loss, PDF: m.PDF})
	}
	return res, nil
}

func renderFig11(run *figures.Run, r Fig11Results) error {
	if len(r.Edges) != pdfBins+1 {
		return errIncomplete
	}
	fig, err := Fig11Figure(r.Models)
	if err != nil {
		return err
	}
	fig.Stamp = r.Protocol.Stamp()
	return saveFigure(run, fig)
}

// Fig11Panel draws one model's panel of Fig. 11: the density of its predicted field values
// (blue) and of the true ones (red) over the test set (MeasurePDF), log scale.
func Fig11Panel(m ModelPDF) *plots.Axes {
	ax := &plots.Axes{Title: fmt.Sprintf("model %d (%s)", m.Model, m.Loss), XLabel: "field value", YLabel: "PDF", LogY: true, Grid: true,
		XRange: plots.Range{Min: pdfLo, Max: pdfHi}, Legend: plots.LegendTopRight}
	pred := ax.Hist("prediction (NN)", &plots.Histogram{Min: pdfLo, Max: pdfHi, Counts: densityCounts(m.PDF.Prediction)}, true)
	pred.Color = plots.Blue
	truth := ax.Hist("ground truth", &plots.Histogram{Min: pdfLo, Max: pdfHi, Counts: densityCounts(m.PDF.Target)}, true)
	truth.Color = plots.Vermillion
	return ax
}

// Fig11Figure draws Fig. 11: a panel per model (Fig11Panel), two by two; the paper's are the MSE
// models 2 and 3 (a, b) and the MAE models 11 and 12 (c, d).
func Fig11Figure(models []ModelPDF) (*plots.Figure, error) {
	if len(models) == 0 {
		return nil, errIncomplete
	}
	var panels []plots.Panel
	for _, m := range models {
		if len(m.PDF.Target) != pdfBins || len(m.PDF.Prediction) != pdfBins {
			return nil, fmt.Errorf("%w: model %d has %d and %d density bins, want %d", errIncomplete, m.Model, len(m.PDF.Target), len(m.PDF.Prediction), pdfBins)
		}
		panels = append(panels, Fig11Panel(m))
	}
	fig := plots.NewFigure((len(panels)+1)/2, 2, panels...)
	fig.Letters = true
	fig.Title = "PDF of the field over the test set: prediction (blue) and ground truth (red); MSE models (a, b), MAE models (c, d)"
	fig.Width, fig.Height = 11*vg.Inch, 4*vg.Length((len(panels)+1)/2)*vg.Inch
	return fig, nil
}

// densityCounts turns a density back into integer weights with the same shape (the plots
// histogram normalizes counts itself): densities are scaled to 1e9 per unit.
func densityCounts(d []float64) []int64 {
	c := make([]int64, len(d))
	for i, v := range d {
		c[i] = int64(math.Round(v * 1e9))
	}
	return c
}

func summaryFig11(r Fig11Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| model | loss | fraction of pixels ≤ %g: truth / prediction | in (0, %g): truth / prediction | L1 distance of the densities on [0, %g) |\n| --- | --- | --- | --- | --- |\n",
		zeroField, lowField, lowField)
	for _, m := range r.Models {
		p := m.PDF
		fmt.Fprintf(&b, "| %d | %s | %.3g / %.3g | %.3g / %.3g | %.3g |\n", m.Model, m.Loss, p.ZeroTarget, p.ZeroPrediction, p.LowTarget, p.LowPrediction, p.LowL1)
	}
	b.WriteString("\nThe paper: with MSE the network predicts zero instead of low non-zero values (a larger peak at zero and a smaller density at low values than the truth); with MAE the densities overlap.\n")
	return b.String()
}
