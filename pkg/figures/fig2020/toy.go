package fig2020

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/scinet"
	"github.com/surrogo/surrogo/pkg/scinet/nn"
)

// Section 3 of the review: one-hidden-layer nets (ReLU and ELU) fitted to y = x + 10 (figures 7 and
// 8, 8 and 128 hidden units) and to 10·step(x) (figures 9 and 10, 8 units, with a degree-25
// polynomial for comparison), on x ~ N(0, 1). Figure 10 reuses figure 9's nets.

func init() {
	figures.Register(figures.Def[ToyResults]{ID: "2020-fig07", Compute: computeToy(scinet.Shift, 8), Render: renderShift, Summary: summaryShift})
	figures.Register(figures.Def[ToyResults]{ID: "2020-fig08", Compute: computeToy(scinet.Shift, 128), Render: renderShift, Summary: summaryShift})
	figures.Register(figures.Def[ToyResults]{ID: "2020-fig09", Compute: computeToy(scinet.Step, 8), Render: renderFig09, Summary: summaryFig09})
	figures.Register(figures.Def[ToyResults]{ID: "2020-fig10", Compute: computeFig10, Render: renderFig10, Summary: summaryFig10})
}

// ToyResults hold the nets of one extrapolation figure and their training budget.
type ToyResults struct {
	Figure *scinet.ExtrapolationFigure `json:"figure"`
	Budget scinet.Budget               `json:"budget"`
	// AsPaper is set when the budget is the paper's (50000 steps of 2048 at learning rate 1e-4).
	AsPaper bool `json:"as_paper"`
}

// ToyActivations are the nets of each toy figure, in the paper's order: ReLU, then ELU.
var ToyActivations = []nn.Activation{nn.ReLU, nn.ELU}

// TrainToyNets trains one 1-hidden-1 net per [ToyActivations] on target with budget b, net i
// seeded with seed + i (as scinet.Extrapolation does), each through the configuration-keyed cache
// under the directory cache (scinet.TrainToyNetCached; empty: no cache). reused[i] says whether
// net i came from the cache.
func TrainToyNets(cache string, be backends.Backend, target scinet.Target, hidden int, b scinet.Budget, seed uint64) (nets []scinet.ToyNet, reused []bool, err error) {
	for i, act := range ToyActivations {
		n, r, err := scinet.TrainToyNetCached(cache, be, target, hidden, act, b, seed+uint64(i))
		if err != nil {
			return nil, nil, err
		}
		nets, reused = append(nets, *n), append(reused, r)
	}
	return nets, reused, nil
}

// ToyFigure assembles the results of a toy figure from its trained nets (TrainToyNets with the
// same target, budget and seed): the ground truth on the target's windows, the nets and, for the
// step, the degree-25 polynomial fitted with the same seed. Values are rounded to 5 significant
// digits, as saved.
func ToyFigure(target scinet.Target, b scinet.Budget, nets []scinet.ToyNet, seed uint64) (ToyResults, error) {
	if len(nets) == 0 {
		return ToyResults{}, fmt.Errorf("fig2020: ToyFigure needs at least one net")
	}
	f := &scinet.ExtrapolationFigure{Target: target, Hidden: nets[0].Spec.Hidden[0], Nets: append([]scinet.ToyNet(nil), nets...)}
	f.TruthNear, f.TruthFar = scinet.TruthCurves(target, b.GridPoints)
	if target == scinet.Step {
		p, err := scinet.FitStepPolynomial(b.GridPoints, seed)
		if err != nil {
			return ToyResults{}, err
		}
		f.Poly = p
	}
	for _, c := range []*scinet.Curve{&f.TruthNear, &f.TruthFar} {
		round5(c.Y)
	}
	for i := range f.Nets {
		n := &f.Nets[i]
		for _, c := range []*scinet.Curve{&n.Near, &n.Far, &n.NearError} {
			c.Y = append([]float64(nil), c.Y...)
			round5(c.Y)
		}
		n.Curve.Loss = append([]float64(nil), n.Curve.Loss...)
		round5(n.Curve.Loss)
	}
	if f.Poly != nil {
		round5(f.Poly.Near.Y)
		round5(f.Poly.Far.Y)
	}
	paper, _ := scinet.ToyBudget(scale.Paper, f.Hidden)
	return ToyResults{Figure: f, Budget: b,
		AsPaper: b.Steps == paper.Steps && b.Batch == paper.Batch && b.LearningRate == paper.LearningRate}, nil
}

func computeToy(target scinet.Target, hidden int) func(*figures.Run) (ToyResults, error) {
	return func(run *figures.Run) (ToyResults, error) {
		b, err := scinet.ToyBudget(run.Scale, hidden)
		if err != nil {
			return ToyResults{}, err
		}
		be, err := newBackend(run)
		if err != nil {
			return ToyResults{}, err
		}
		cache, err := run.CacheDir()
		if err != nil {
			return ToyResults{}, err
		}
		run.Logf("training 1-%d-1 ReLU and ELU nets on %s: %d steps of %d samples at learning rate %g", hidden, target, b.Steps, b.Batch, b.LearningRate)
		nets, reused, err := TrainToyNets(cache, be, target, hidden, b, run.Seed)
		if err != nil {
			return ToyResults{}, err
		}
		for i, n := range nets {
			run.Step(reused[i], "%s net of %d units on %s", actName(n.Spec.Activation), hidden, target)
		}
		return ToyFigure(target, b, nets, run.Seed)
	}
}

// toyStamp is the scale stamp of a toy-net figure.
func toyStamp(s scale.Scale, r ToyResults) string {
	return figkit.Stamp(s, fmt.Sprintf("%s; here %d × %d at %g", paperToySetup, r.Budget.Steps, r.Budget.Batch, r.Budget.LearningRate), r.AsPaper)
}

// trainingBand returns two dotted vertical lines at x = ±2 (μ ± 2σ of the training inputs) spanning
// [lo, hi].
func trainingBand(a *plots.Axes, lo, hi float64) {
	for i, x := range []float64{-2, 2} {
		label := ""
		if i == 0 {
			label = "training data, μ ± 2σ"
		}
		l := a.Line(label, []float64{x, x}, []float64{lo, hi})
		l.Color, l.Dashed, l.Marker, l.Width = plots.Gray, true, plots.MarkerNone, 0.8
	}
}

// netStyle colours the nets: ReLU blue, ELU vermillion dashed.
func netStyle(l *plots.Line, act nn.Activation) {
	if act == nn.ELU {
		l.Color, l.Dashed = plots.Vermillion, true
		return
	}
	l.Color = plots.Blue
}

func netLabel(n scinet.ToyNet) string {
	return fmt.Sprintf("%s, %d units", actName(n.Spec.Activation), n.Spec.Hidden[0])
}

// actName spells an activation as the paper does.
func actName(a nn.Activation) string {
	switch a {
	case nn.ReLU:
		return "ReLU"
	case nn.ELU:
		return "ELU"
	}
	return string(a)
}

// Figures 7 and 8: y = x + 10 far outside the training data, and up close.

func renderShift(run *figures.Run, r ToyResults) error { return save(run, ShiftPlot(r)) }

// ShiftPlot draws figures 7 and 8: the nets against y = x + 10 far outside the training data (a)
// and where the data are (b).
func ShiftPlot(r ToyResults) *plots.Figure {
	f := r.Figure
	far := &plots.Axes{Title: "far from the training data", XLabel: "x", YLabel: "y", Grid: true, Legend: plots.LegendTopLeft}
	lo, hi := span(scinet.Grid{Z: f.TruthFar.Y})
	for _, n := range f.Nets {
		l, h := span(scinet.Grid{Z: n.Far.Y})
		lo, hi = math.Min(lo, l), math.Max(hi, h)
	}
	tl := far.Line("ground truth y = x + 10", f.TruthFar.X, f.TruthFar.Y)
	tl.Color, tl.Width = plots.Black, 2.2
	for _, n := range f.Nets {
		netStyle(far.Line(netLabel(n), n.Far.X, n.Far.Y), n.Spec.Activation)
	}
	trainingBand(far, lo, hi)
	near := &plots.Axes{Title: "where the training data are (μ ± 2σ)", XLabel: "x", YLabel: "y", Grid: true, Legend: plots.LegendTopLeft}
	tn := near.Line("ground truth", f.TruthNear.X, f.TruthNear.Y)
	tn.Color, tn.Width = plots.Black, 2.2
	for _, n := range f.Nets {
		netStyle(near.Line(netLabel(n), n.Near.X, n.Near.Y), n.Spec.Activation)
	}
	fig := plots.NewFigure(1, 2, far, near)
	fig.Title = fmt.Sprintf("y = x + 10 fitted by one-hidden-layer nets of %d units on x ~ N(0, 1)", f.Hidden)
	fig.Letters = true
	fig.Width, fig.Height = 11*vg.Inch, 4.2*vg.Inch
	fig.Stamp = toyStamp(r.Budget.Scale, r)
	return fig
}

// FarSlopes returns the slopes of a net's far curve over its leftmost and rightmost fifths (1 and
// 1 for y = x + 10).
func FarSlopes(c scinet.Curve) (left, right float64) {
	n := len(c.X)
	k := max(n/5, 1)
	left = (c.Y[k] - c.Y[0]) / (c.X[k] - c.X[0])
	right = (c.Y[n-1] - c.Y[n-1-k]) / (c.X[n-1] - c.X[n-1-k])
	return left, right
}

// budgetText describes a toy budget against the paper's.
func budgetText(r ToyResults) string {
	b := r.Budget
	s := fmt.Sprintf("Trained %d steps of %d fresh samples at learning rate %g (Adam, L2 loss)", b.Steps, b.Batch, b.LearningRate)
	if r.AsPaper {
		return s + ": the paper's budget."
	}
	return s + fmt.Sprintf("; the paper: %s.", paperToySetup)
}

func summaryShift(r ToyResults) string {
	f := r.Figure
	var b strings.Builder
	b.WriteString(budgetText(r) + "\n\n")
	b.WriteString("| net | r.m.s. error on N(0, 1) | r.m.s. error on [−2, 2] | largest error on [−50, 50] | prediction at x = −50 (truth −40) | at x = 50 (truth 60) | slope far left / far right (truth 1, 1) |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, n := range f.Nets {
		l, rt := FarSlopes(n.Far)
		fmt.Fprintf(&b, "| %s | %.3g | %.3g | %.3g | %.2f | %.2f | %.2f / %.2f |\n", netLabel(n), n.TrainRMS, n.NearRMS, n.FarMaxError, n.Far.Y[0], n.Far.Y[len(n.Far.Y)-1], l, rt)
	}
	fmt.Fprintf(&b, "\nThe paper's claim holds: the nets learn y = x + 10 where the data are and extrapolate it wrongly — nothing in training prefers the identity 10 + ReLU(x) − ReLU(−x) over, e.g., ReLU(x + 10), which agrees only for x ≥ −10.%s\n", hiddenNote(f.Hidden))
	return b.String()
}

func hiddenNote(hidden int) string {
	if hidden > 8 {
		return " With 128 units the picture is the same as with 8 (the paper's figure 8): more units allow more kinks, not extrapolation."
	}
	return ""
}

// Fig. 9: the step near the data, fits and errors.

func renderFig09(run *figures.Run, r ToyResults) error { return save(run, StepPlot(r)) }

// StepPlot draws figure 9: the nets' fits of 10·step(x) on μ ± 2σ of the training inputs (a) and
// their errors (b).
func StepPlot(r ToyResults) *plots.Figure {
	f := r.Figure
	a := &plots.Axes{Title: "fits of 10·step(x)", XLabel: "x", YLabel: "y", Grid: true, Legend: plots.LegendTopLeft}
	t := a.Line("ground truth", f.TruthNear.X, f.TruthNear.Y)
	t.Color, t.Width = plots.Black, 2.2
	e := &plots.Axes{Title: "error, net − truth", XLabel: "x", YLabel: "error", Grid: true, Legend: plots.LegendTopLeft}
	for _, n := range f.Nets {
		netStyle(a.Line(netLabel(n), n.Near.X, n.Near.Y), n.Spec.Activation)
		netStyle(e.Line(netLabel(n), n.NearError.X, n.NearError.Y), n.Spec.Activation)
	}
	fig := plots.NewFigure(1, 2, a, e)
	fig.Title = fmt.Sprintf("10·step(x) fitted by one-hidden-layer nets of %d units, on μ ± 2σ of the N(0, 1) training inputs", f.Hidden)
	fig.Letters = true
	fig.Width, fig.Height = 11*vg.Inch, 4.2*vg.Inch
	fig.Stamp = toyStamp(r.Budget.Scale, r)
	return fig
}

// AwayFromStep returns the r.m.s. of a net's error on the near window excluding |x| < 0.25 (the
// review's "away from the discontinuity").
func AwayFromStep(n scinet.ToyNet) float64 {
	s, k := 0.0, 0
	for i, x := range n.NearError.X {
		if math.Abs(x) >= 0.25 {
			s += n.NearError.Y[i] * n.NearError.Y[i]
			k++
		}
	}
	return math.Sqrt(s / float64(max(k, 1)))
}

func summaryFig09(r ToyResults) string {
	f := r.Figure
	var b strings.Builder
	b.WriteString(budgetText(r) + " The paper's \"8 hidden layers\" is one hidden layer of 8 units: its polynomial has \"the same degree as the number of free parameters in these neural nets (25)\", and a 1-8-1 net has 25.\n\n")
	b.WriteString("| net | r.m.s. error on N(0, 1) | r.m.s. error on [−2, 2] | r.m.s. error on [−2, 2] away from the jump (abs x ≥ 0.25) |\n| --- | --- | --- | --- |\n")
	for _, n := range f.Nets {
		fmt.Fprintf(&b, "| %s | %.3g | %.3g | %.3g |\n", netLabel(n), n.TrainRMS, n.NearRMS, AwayFromStep(n))
	}
	b.WriteString("\nPaper: \"Away from the discontinuity, we see that the ReLU net matches the ground truth almost perfectly. The ELU net has small ringing effects ... these errors are also very small relative to the discontinuity.\"\n")
	return b.String()
}

// Fig. 10: the nets of fig. 9 against the degree-25 polynomial.

func computeFig10(run *figures.Run) (ToyResults, error) {
	st, err := run.Requires("2020-fig09")
	if err != nil {
		return ToyResults{}, err
	}
	run.UsedBackend(st.Backend, "")
	var r ToyResults
	if err := json.Unmarshal(st.Results, &r); err != nil {
		return ToyResults{}, fmt.Errorf("reading 2020-fig09's results: %w", err)
	}
	if r.Figure == nil || r.Figure.Poly == nil {
		return ToyResults{}, fmt.Errorf("2020-fig09's results at scale %s lack the polynomial fit", run.Scale)
	}
	for i := range r.Figure.Nets { // fig. 10 draws the curves only
		r.Figure.Nets[i].Curve = nn.LearningCurve{}
		r.Figure.Nets[i].NearError = scinet.Curve{}
	}
	return r, nil
}

func renderFig10(run *figures.Run, r ToyResults) error { return save(run, StepPolynomialPlot(r)) }

// StepPolynomialPlot draws figure 10: the nets of figure 9 against the degree-25 polynomial on
// μ ± 2σ (a) and on μ ± 6σ (b).
func StepPolynomialPlot(r ToyResults) *plots.Figure {
	f := r.Figure
	p := f.Poly
	draw := func(title string, truth scinet.Curve, net func(scinet.ToyNet) scinet.Curve, poly scinet.Curve, yr plots.Range) *plots.Axes {
		a := &plots.Axes{Title: title, XLabel: "x", YLabel: "y", Grid: true, Legend: plots.LegendTopLeft, YRange: yr}
		t := a.Line("ground truth", truth.X, truth.Y)
		t.Color, t.Width = plots.Black, 2.2
		for _, n := range f.Nets {
			c := net(n)
			netStyle(a.Line(netLabel(n), c.X, c.Y), n.Spec.Activation)
		}
		l := a.Line(fmt.Sprintf("polynomial, degree %d", scinet.PolyDegree), poly.X, poly.Y)
		l.Color = plots.Green
		return a
	}
	near := draw("on μ ± 2σ", f.TruthNear, func(n scinet.ToyNet) scinet.Curve { return n.Near }, p.Near, plots.Range{Min: -3, Max: 14})
	far := draw("on μ ± 6σ (the polynomial leaves the frame)", f.TruthFar, func(n scinet.ToyNet) scinet.Curve { return n.Far }, p.Far, plots.Range{Min: -6, Max: 18})
	trainingBand(far, -6, 18)
	fig := plots.NewFigure(1, 2, near, far)
	fig.Title = fmt.Sprintf("10·step(x): nets of %d units against a degree-%d polynomial fitted to %d samples of N(0, 1)", f.Hidden, scinet.PolyDegree, scinet.PolyPoints)
	fig.Letters = true
	fig.Width, fig.Height = 11*vg.Inch, 4.2*vg.Inch
	fig.Stamp = toyStamp(r.Budget.Scale, r)
	return fig
}

func summaryFig10(r ToyResults) string {
	f := r.Figure
	p := f.Poly
	var b strings.Builder
	fmt.Fprintf(&b, "The polynomial: degree %d, least squares in the Legendre basis on %d points x ~ N(0, 1) (the paper's setup; the same at every scale). The nets are figure 9's.\n\n", scinet.PolyDegree, scinet.PolyPoints)
	b.WriteString("| fit | r.m.s. error on N(0, 1) | r.m.s. error on [−2, 2] | r.m.s. error on [−6, 6] |\n| --- | --- | --- | --- |\n")
	for _, n := range f.Nets {
		fmt.Fprintf(&b, "| %s net | %.3g | %.3g | %.3g |\n", netLabel(n), n.TrainRMS, n.NearRMS, n.FarRMS)
	}
	fmt.Fprintf(&b, "| polynomial, degree %d | %.3g | %.3g | %.3g |\n", scinet.PolyDegree, p.TrainRMS, p.NearRMS, p.FarRMS)
	verdict := "holds"
	for _, n := range f.Nets {
		if n.NearRMS >= p.NearRMS {
			verdict = "does not hold for every net"
		}
	}
	fmt.Fprintf(&b, "\nPaper: \"The neural fits are much better.\" On μ ± 2σ this %s here. Beyond the data (|x| > 4.5 holds none of the 204800 samples) the polynomial grows like x^25.\n", verdict)
	return b.String()
}
