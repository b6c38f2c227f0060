package fig2021

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/plots"
)

// Figs. 5, 6 and 7: fields of 20 test configurations. Fig. 5: inputs, targets and the
// predictions of model 12; Fig. 6: targets, the residual |y − ŷ| and the relative residual
// |y − ŷ|/(y + 1e-5) of model 12, and the mean, 99th-percentile and maximum residual of every
// model; Fig. 7: the predictions of model 7 (NN1 only) and model 5 (NN2 only). The fields are
// the hub's (.npy files in figures/2021-table2/<scale>/); the inputs are recomputed from the
// configurations.

func init() {
	figures.Register(figures.Def[FieldsResults]{ID: "2021-fig05", Version: trainedVersion, Compute: computeFields, Render: renderFig05, Summary: summaryFig05})
	figures.Register(figures.Def[FieldsResults]{ID: "2021-fig06", Version: trainedVersion, Compute: computeFields, Render: renderFig06, Summary: summaryFig06})
	figures.Register(figures.Def[FieldsResults]{ID: "2021-fig07", Version: trainedVersion, Compute: computeFields, Render: renderFig07, Summary: summaryFig07})
}

// FieldsResults are what Figs. 5-7 draw: the hub's sample files, the residual statistics of each
// saved model on the sample fields, and (Fig. 6d) the test residuals of all models.
type FieldsResults struct {
	Protocol      Protocol     `json:"protocol"`
	SampleIndices []int        `json:"sample_indices"`
	Targets       string       `json:"targets"` // file of the hub
	Predictions   []SampleFile `json:"predictions"`
	// Samples holds the residual statistics of each saved model on the sample fields
	// (SampleResidualOptions), by model number.
	Samples map[int]metrics.ResidualSummary `json:"samples"`
	// Models holds the test residuals of models 1-14, in order (Fig. 6d).
	Models []metrics.ResidualSummary `json:"models"`
}

// relEps is the authors' regularization of the relative residual maps: |y − ŷ|/(y + 1e-5).
const relEps = 1e-5

// highField separates the "high" field values near the sources from the rest in the residual
// statistics of the sample fields.
const highField = 0.3

// SampleResidualOptions are the options of the residual statistics of the sample fields of Figs.
// 5-7 on an n × n lattice: the authors' relative residual |y − ŷ|/(y + 10⁻⁵), split between the
// boundary ring and the interior, and the residual split at the target 0.3 (near the sources and
// elsewhere); the histograms reach residuals of 2 and relative residuals of 100.
func SampleResidualOptions(n int) metrics.ResidualOptions {
	return metrics.ResidualOptions{Max: 2, RelativeMax: 100, RelativeEpsilon: relEps, Lattice: n, HighField: highField}
}

// SampleResiduals returns the residual statistics (SampleResidualOptions) of a model's
// predictions on the fields.
func SampleResiduals(f *Fields, model int) (metrics.ResidualSummary, error) {
	pred, err := f.predictions(model)
	if err != nil {
		return metrics.ResidualSummary{}, err
	}
	rs, err := metrics.NewResidualStats(SampleResidualOptions(f.N))
	if err != nil {
		return metrics.ResidualSummary{}, err
	}
	if err := rs.Add(f.Targets, pred); err != nil {
		return metrics.ResidualSummary{}, err
	}
	return rs.Summary(), nil
}

func computeFields(run *figures.Run) (FieldsResults, error) {
	var res FieldsResults
	hub, err := requireHub(run)
	if err != nil {
		return res, err
	}
	res = FieldsResults{Protocol: hub.Protocol, SampleIndices: hub.SampleIndices, Targets: hub.SampleTargets, Predictions: hub.SamplePredictions,
		Samples: map[int]metrics.ResidualSummary{}}
	f, err := loadFields(run, res)
	if err != nil {
		return res, err
	}
	for model := range f.Predictions {
		if res.Samples[model], err = SampleResiduals(f, model); err != nil {
			return res, err
		}
	}
	for _, m := range hub.Models {
		res.Models = append(res.Models, m.Test.Residual)
	}
	return res, nil
}

// Fields are the fields of Figs. 5-7: the inputs and targets of the sample configurations (the
// first Protocol.Samples of the test set) and the predictions of some models.
type Fields struct {
	// N is the lattice side and Indices the configurations.
	N       int
	Indices []int
	// Inputs and Targets hold len(Indices) N × N images, row-major, one after the other.
	Inputs, Targets []float32
	// Predictions holds the predicted fields of each model, by model number (1-14).
	Predictions map[int][]float32
}

// NewFields returns the fields of the examples e, without predictions (set Predictions[model]).
func NewFields(e *Examples) *Fields {
	return &Fields{N: e.N, Indices: e.Indices, Inputs: e.Inputs, Targets: e.Targets, Predictions: map[int][]float32{}}
}

// Len returns the number of configurations.
func (f *Fields) Len() int { return len(f.Indices) }

// field returns image k of a stack of fields.
func (f *Fields) field(stack []float32, k int) []float32 {
	nn := f.N * f.N
	return stack[k*nn : (k+1)*nn]
}

// loadFields reads the hub's sample files and recomputes the inputs of the configurations.
func loadFields(run *figures.Run, r FieldsResults) (*Fields, error) {
	p := r.Protocol
	if p.N == 0 || p.Samples == 0 || len(r.SampleIndices) != p.Samples {
		return nil, errIncomplete
	}
	d := &Fields{N: p.N, Indices: r.SampleIndices, Predictions: map[int][]float32{}}
	var err error
	if d.Targets, err = readSamples(hubPath(run, r.Targets), p.Samples, p.N); err != nil {
		return nil, fmt.Errorf("%w (compute 2021-table2 at scale %s first)", err, p.Scale)
	}
	for _, f := range r.Predictions {
		if d.Predictions[f.Model], err = readSamples(hubPath(run, f.File), p.Samples, p.N); err != nil {
			return nil, err
		}
	}
	spec, err := p.DataSet(run.Seed)
	if err != nil {
		return nil, err
	}
	for _, i := range r.SampleIndices {
		prob, err := spec.Problem(i)
		if err != nil {
			return nil, err
		}
		in, err := prob.Input()
		if err != nil {
			return nil, err
		}
		for _, v := range in {
			d.Inputs = append(d.Inputs, float32(v))
		}
	}
	return d, nil
}

// imageGrid returns a 4 × 5 grid of the 20 fields f(k) with one colour bar.
func imageGrid(title string, count int, f func(k int) []float64, color plots.ColorScale) *plots.Grid {
	cols := 5
	rows := (count + cols - 1) / cols
	panels := make([]plots.Panel, rows*cols)
	for k := 0; k < count; k++ {
		h := plots.NewHeatmap(f(k))
		h.HideAxes = true
		panels[k] = h
	}
	g := plots.NewGrid(rows, cols, panels...)
	g.Title = title
	g.SharedColorBar = true
	g.Color = &color
	return g
}

func to64(x []float32) []float64 { return plots.Float64s(x) }

func saveFigure(run *figures.Run, fig *plots.Figure) error {
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

// predictions returns the predictions of model, or an error naming it.
func (f *Fields) predictions(model int) ([]float32, error) {
	p, ok := f.Predictions[model]
	if !ok {
		return nil, fmt.Errorf("%w: no predictions of model %d", errIncomplete, model)
	}
	return p, nil
}

// Fig05Figure draws Fig. 5: (a) the inputs, (b) the targets and (c) the predictions of model 12.
func Fig05Figure(f *Fields) (*plots.Figure, error) {
	pred, err := f.predictions(12)
	if err != nil {
		return nil, err
	}
	a := imageGrid("(a) input", f.Len(), func(k int) []float64 { return to64(f.field(f.Inputs, k)) }, plots.ColorScale{Label: "source value"}.Fixed(0, 1))
	b := imageGrid("(b) ground truth (target)", f.Len(), func(k int) []float64 { return to64(f.field(f.Targets, k)) }, plots.ColorScale{Label: "c"}.Fixed(0, 1))
	c := imageGrid("(c) prediction of model 12", f.Len(), func(k int) []float64 { return to64(f.field(pred, k)) }, plots.ColorScale{Label: "ĉ"}.Fixed(0, 1))
	fig := plots.NewFigure(1, 3, a, b, c)
	fig.Title = fmt.Sprintf("Twenty test configurations: input, target and prediction of model 12 (%d × %d)", f.N, f.N)
	fig.Width, fig.Height = 16*vg.Inch, 4.4*vg.Inch
	return fig, nil
}

// ResidualMap returns the residual |y − ŷ| of image k of a model's predictions; relative
// divides it by y + 10⁻⁵, the authors' relative residual.
func (f *Fields) ResidualMap(model, k int, relative bool) ([]float64, error) {
	pred, err := f.predictions(model)
	if err != nil {
		return nil, err
	}
	t, y := f.field(f.Targets, k), f.field(pred, k)
	out := make([]float64, len(t))
	for i := range t {
		out[i] = math.Abs(float64(t[i]) - float64(y[i]))
		if relative {
			out[i] /= float64(t[i]) + relEps
		}
	}
	return out, nil
}

// Fig06Maps draws Fig. 6a-c: (a) the targets, (b) the residual and (c) the relative residual of a
// model (the paper: model 12).
func Fig06Maps(f *Fields, model int) ([]plots.Panel, error) {
	if _, err := f.predictions(model); err != nil {
		return nil, err
	}
	a := imageGrid("(a) ground truth (target)", f.Len(), func(k int) []float64 { return to64(f.field(f.Targets, k)) }, plots.ColorScale{Label: "c"}.Fixed(0, 1))
	res := func(rel bool) func(k int) []float64 {
		return func(k int) []float64 { r, _ := f.ResidualMap(model, k, rel); return r }
	}
	b := imageGrid(fmt.Sprintf("(b) residual |y − ŷ|, model %d", model), f.Len(), res(false), plots.ColorScale{Label: "|y − ŷ|", Map: plots.Magma})
	c := imageGrid(fmt.Sprintf("(c) relative residual |y − ŷ|/(y + 10^{−5}), model %d", model), f.Len(), res(true),
		plots.ColorScale{Label: "relative residual", Map: plots.Magma}.Fixed(0, 1))
	return []plots.Panel{a, b, c}, nil
}

// Fig06Bars draws Fig. 6d: the mean (left axis), 99th-percentile and maximum (right axis) test
// residual of models 1, 2, ... (test[i] is model i+1's).
func Fig06Bars(test []metrics.ResidualSummary) *plots.BarChart {
	bars := &plots.BarChart{Title: "(d) test residuals per model", XLabel: "model", YLabel: "mean residual",
		Y2Label: "99th percentile and maximum residual", Grid: true, Legend: plots.LegendTopLeft}
	var meanV, p99V, maxV []float64
	for i, m := range test {
		bars.Categories = append(bars.Categories, fmt.Sprint(i+1))
		meanV, p99V, maxV = append(meanV, m.Mean), append(p99V, m.P99.Estimate), append(maxV, m.Max)
	}
	bars.Add("mean (left)", meanV).Color = plots.Blue
	s := bars.Add("99th percentile (right)", p99V)
	s.Color, s.RightAxis = plots.Orange, true
	s = bars.Add("maximum (right)", maxV)
	s.Color, s.RightAxis = plots.Vermillion, true
	return bars
}

// Fig06Figure draws Fig. 6: the maps of model 12 (Fig06Maps) and the residuals of every model
// (Fig06Bars).
func Fig06Figure(f *Fields, models []metrics.ResidualSummary) (*plots.Figure, error) {
	if len(models) == 0 {
		return nil, fmt.Errorf("%w: no models", errIncomplete)
	}
	maps, err := Fig06Maps(f, 12)
	if err != nil {
		return nil, err
	}
	fig := plots.NewFigure(2, 2, maps[0], maps[1], maps[2], Fig06Bars(models))
	fig.Title = "Residuals: maps of model 12 on twenty test configurations, and the mean, 99th percentile and maximum of every model"
	fig.Width, fig.Height = 14*vg.Inch, 8.5*vg.Inch
	return fig, nil
}

// Fig07Figure draws Fig. 7: the predictions of (a) model 7 (NN 1 only) and (b) model 5 (NN 2
// only), each with its own colour scale.
func Fig07Figure(f *Fields) (*plots.Figure, error) {
	p7, err := f.predictions(7)
	if err != nil {
		return nil, err
	}
	p5, err := f.predictions(5)
	if err != nil {
		return nil, err
	}
	a := imageGrid("(a) prediction of model 7 (NN 1 only)", f.Len(), func(k int) []float64 { return to64(f.field(p7, k)) }, plots.ColorScale{Label: "ĉ (own scale)"})
	b := imageGrid("(b) prediction of model 5 (NN 2 only)", f.Len(), func(k int) []float64 { return to64(f.field(p5, k)) }, plots.ColorScale{Label: "ĉ (own scale)"})
	fig := plots.NewFigure(1, 2, a, b)
	fig.Title = "Twenty test configurations: an NN 1-only and an NN 2-only model (note the different colour scales)"
	fig.Width, fig.Height = 12*vg.Inch, 4.8*vg.Inch
	return fig, nil
}

// renderFields loads the hub's fields, draws them with draw and saves the figure.
func renderFields(run *figures.Run, r FieldsResults, draw func(*Fields) (*plots.Figure, error)) error {
	d, err := loadFields(run, r)
	if err != nil {
		return err
	}
	fig, err := draw(d)
	if err != nil {
		return err
	}
	fig.Stamp = r.Protocol.Stamp()
	return saveFigure(run, fig)
}

func renderFig05(run *figures.Run, r FieldsResults) error { return renderFields(run, r, Fig05Figure) }

func renderFig06(run *figures.Run, r FieldsResults) error {
	return renderFields(run, r, func(f *Fields) (*plots.Figure, error) { return Fig06Figure(f, r.Models) })
}

func renderFig07(run *figures.Run, r FieldsResults) error { return renderFields(run, r, Fig07Figure) }

func (r FieldsResults) sample(model int) (metrics.ResidualSummary, bool) {
	s, ok := r.Samples[model]
	return s, ok
}

func summaryFig05(r FieldsResults) string {
	s, ok := r.sample(12)
	if !ok {
		return "results are incomplete"
	}
	return fmt.Sprintf("Model 12 on the %d test configurations shown (configurations %s): predictions in [%.3g, %.3g]; mean residual %.3g, "+
		"maximum %.3g; mean residual %.3g where the target is ≥ %g (near the sources) and %.3g elsewhere.\n",
		len(r.SampleIndices), intList(r.SampleIndices), s.PredMin, s.PredMax, s.Mean, s.Max, s.HighMean, highField, s.LowMean)
}

func summaryFig06(r FieldsResults) string {
	var b strings.Builder
	if s, ok := r.sample(12); ok {
		fmt.Fprintf(&b, "Model 12 on the %d configurations of (a)-(c): mean residual %.3g, maximum %.3g; mean residual %.3g where the target is ≥ %g and %.3g elsewhere; "+
			"mean relative residual %.3g on the outermost ring of cells (the absorbing boundary, where y → 0) and %.3g inside.\n\n",
			len(r.SampleIndices), s.Mean, s.Max, s.HighMean, highField, s.LowMean, s.BoundaryRelMean, s.InteriorRelMean)
	}
	b.WriteString("| model | mean (ours) | mean (paper) | 99P (ours) | 99P (paper) | max (ours) | max (paper) |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for i, m := range r.Models {
		pm, err := Paper(i + 1)
		if err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "| %d | %.3g | %.3g | %.3g | %.3g | %.3g | %.3g |\n", i+1, m.Mean, pm.Mean, m.P99.Estimate, pm.P99, m.Max, pm.Max)
	}
	return b.String()
}

func summaryFig07(r FieldsResults) string {
	s7, ok7 := r.sample(7)
	s5, ok5 := r.sample(5)
	if !ok7 || !ok5 {
		return "results are incomplete"
	}
	return fmt.Sprintf("| model | predictions in | mean residual | residual where y ≥ %g | elsewhere |\n| --- | --- | --- | --- | --- |\n"+
		"| 7 (NN 1 only) | [%.3g, %.3g] | %.3g | %.3g | %.3g |\n| 5 (NN 2 only) | [%.3g, %.3g] | %.3g | %.3g | %.3g |\n",
		highField, s7.PredMin, s7.PredMax, s7.Mean, s7.HighMean, s7.LowMean,
		s5.PredMin, s5.PredMax, s5.Mean, s5.HighMean, s5.LowMean)
}

func intList(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
