package fig2020

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"os"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scinet"
	"github.com/surrogo/surrogo/pkg/scinet/oscillator"
)

// Figures that need no training, the same at every scale: arcsin and its polynomial approximations
// (fig. 1), the nonlinearities (fig. 2), and the oscillator's response in real (fig. 11) and log
// space (fig. 12).

func init() {
	figures.Register(figures.Def[Fig01Results]{ID: "2020-fig01", Compute: computeFig01, Render: renderFig01, Summary: summaryFig01})
	figures.Register(figures.Def[Fig02Results]{ID: "2020-fig02", Compute: computeFig02, Render: renderFig02, Summary: summaryFig02})
	figures.Register(figures.Def[OscillatorResults]{ID: "2020-fig11", Compute: computeOscillator(scinet.Real), Render: renderFig11, Summary: summaryOscillator})
	figures.Register(figures.Def[OscillatorResults]{ID: "2020-fig12", Compute: computeOscillator(scinet.Log), Render: renderFig12, Summary: summaryOscillator})
}

// Fig01Results are arcsin and its approximations (scinet.ArcsinApproximations).
type Fig01Results struct {
	Figure *scinet.ArcsinFigure `json:"figure"`
}

// Degrees of the polynomials of fig. 1 (the paper does not give them): Taylor polynomials at 0
// and least-squares fits on [−1, 1].
var (
	Fig01Taylor = []int{1, 3, 7, 25}
	Fig01LSQ    = []int{3, 7, 25}
)

// Fig01Points is the number of points of figure 1's curves on [−1, 1].
const Fig01Points = 201

func computeFig01(*figures.Run) (Fig01Results, error) { return Fig01() }

// Fig01 computes figure 1: arcsin and its polynomial approximations of degrees Fig01Taylor and
// Fig01LSQ on Fig01Points points (scinet.ArcsinApproximations), rounded to 10 significant digits
// as saved.
func Fig01() (Fig01Results, error) {
	f, err := scinet.ArcsinApproximations(Fig01Points, Fig01Taylor, Fig01LSQ)
	if err != nil {
		return Fig01Results{}, err
	}
	// 10 significant digits: panel c draws errors down to 1e-8.
	for _, cs := range [][]scinet.Curve{{f.Arcsin}, f.Taylor, f.LeastSquares} {
		for _, c := range cs {
			roundTo(c.Y, 10)
		}
	}
	return Fig01Results{Figure: f}, nil
}

func renderFig01(run *figures.Run, r Fig01Results) error {
	fig := Fig01Plot(r)
	fig.Stamp = figkit.Stamp(run.Scale, "", true)
	return save(run, fig)
}

// Fig01Plot draws figure 1: arcsin with its Taylor polynomials (a), its least-squares fits (b), and
// the absolute errors of all (c).
func Fig01Plot(r Fig01Results) *plots.Figure {
	f := r.Figure
	taylorColors := []color.Color{plots.Blue, plots.Vermillion, plots.Green, plots.Purple}
	lsqColors := []color.Color{plots.Orange, plots.SkyBlue, plots.Gray}
	newAxes := func(title string) *plots.Axes {
		a := &plots.Axes{Title: title, XLabel: "x", YLabel: "y", Grid: true, Legend: plots.LegendTopLeft, YRange: plots.Range{Min: -1.75, Max: 1.75}}
		l := a.Line("arcsin x", f.Arcsin.X, f.Arcsin.Y)
		l.Color, l.Width = plots.Black, 2.2
		return a
	}
	a := newAxes("Taylor polynomials at 0")
	b := newAxes("least-squares fits on [−1, 1]")
	e := &plots.Axes{Title: "absolute error", XLabel: "x", YLabel: "|p(x) − arcsin x|", LogY: true, Grid: true, Legend: plots.LegendOutside,
		YRange: plots.Range{Min: 1e-8, Max: 3}}
	for i, c := range f.Taylor {
		l := a.Line(strings.Replace(c.Label, "Taylor degree", "degree", 1), c.X, c.Y)
		l.Color, l.Dashed = taylorColors[i%len(taylorColors)], true
		el := e.Line("Taylor "+strings.TrimPrefix(c.Label, "Taylor "), c.X, absErr(c.Y, f.Arcsin.Y))
		el.Color = taylorColors[i%len(taylorColors)]
	}
	for i, c := range f.LeastSquares {
		l := b.Line(strings.Replace(c.Label, "least squares degree", "degree", 1), c.X, c.Y)
		l.Color, l.Dashed = lsqColors[i%len(lsqColors)], true
		el := e.Line("least squares "+strings.TrimPrefix(c.Label, "least squares "), c.X, absErr(c.Y, f.Arcsin.Y))
		el.Color, el.Dashed = lsqColors[i%len(lsqColors)], true
	}
	fig := plots.NewFigure(1, 3, a, b, e)
	fig.Title = "arcsin and polynomial approximations: they break away near x = ±1, where arcsin's slope diverges"
	fig.Letters = true
	fig.Width, fig.Height = 15*vg.Inch, 4*vg.Inch
	return fig
}

// absErr returns |a − b| elementwise (0 becomes NaN, not drawable on a log axis).
func absErr(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = math.Abs(a[i] - b[i])
		if out[i] == 0 {
			out[i] = math.NaN()
		}
	}
	return out
}

func summaryFig01(r Fig01Results) string {
	f := r.Figure
	var b strings.Builder
	b.WriteString("The paper's figure shows arcsin with \"several polynomial approximations\" (degrees not given) that break away near x = ±1. Largest deviation on [−1, 1]:\n\n| polynomial | max abs(p − arcsin) on [−1, 1] |\n| --- | --- |\n")
	for i, c := range f.Taylor {
		fmt.Fprintf(&b, "| %s | %.3g |\n", c.Label, f.MaxErrorTaylor[i])
	}
	for i, c := range f.LeastSquares {
		fmt.Fprintf(&b, "| %s | %.3g |\n", c.Label, f.MaxErrorLeastSquares[i])
	}
	b.WriteString("\nEvery approximation is worst at the ends: arcsin′(x) = 1/√(1 − x²) diverges at ±1 (the Taylor series converges there only like n^(−1/2) in the number of terms n, so even degree 25 misses arcsin(1) = π/2 by the amount above).\n")
	return b.String()
}

// Fig02Results are the nonlinearities sampled on [−4, 4].
type Fig02Results struct {
	Curves []scinet.Curve `json:"curves"`
}

func computeFig02(*figures.Run) (Fig02Results, error) { return Fig02() }

// Fig02 computes figure 2: the sigmoid, ReLU and ELU on [−4, 4] at 401 points
// (scinet.ActivationCurves).
func Fig02() (Fig02Results, error) {
	c, err := scinet.ActivationCurves(-4, 4, 401)
	return Fig02Results{Curves: c}, err
}

func renderFig02(run *figures.Run, r Fig02Results) error {
	fig := Fig02Plot(r)
	fig.Stamp = figkit.Stamp(run.Scale, "", true)
	return save(run, fig)
}

// Fig02Plot draws figure 2: one panel per nonlinearity.
func Fig02Plot(r Fig02Results) *plots.Figure {
	names := map[string]string{"sigmoid": "sigmoid(x) = 1 / (1 + e^{−x})", "relu": "ReLU(x) = max(x, 0)", "elu": "ELU(x) = x for x > 0, e^{x} − 1 otherwise"}
	colors := []color.Color{plots.Blue, plots.Vermillion, plots.Green}
	var panels []plots.Panel
	for i, c := range r.Curves {
		a := &plots.Axes{Title: names[c.Label], XLabel: "x", YLabel: "y", Grid: true, Legend: plots.LegendNone}
		l := a.Line(c.Label, c.X, c.Y)
		l.Color, l.Width = colors[i%len(colors)], 2
		panels = append(panels, a)
	}
	fig := plots.NewFigure(1, len(panels), panels...)
	fig.Title = "Three nonlinearities: sigmoid, ReLU and ELU (note the different y scales)"
	fig.Letters = true
	fig.Width, fig.Height = 12*vg.Inch, 3.4*vg.Inch
	return fig
}

func summaryFig02(r Fig02Results) string {
	return "The three nonlinearities of the paper's figure 2 on x ∈ [−4, 4], evaluated in float64 by the same code the nets use on the host (nn.Activation.Eval; the graphs use nn.Activation.Apply, checked against it by the tests). As in the paper the y ranges differ: the sigmoid saturates in (0, 1), ReLU is unbounded above and 0 below, ELU is unbounded above and tends to −1 below, with a continuous first derivative at 0 (ReLU's jumps from 0 to 1). Iten et al.'s SciNet and the review's implementation of it use ELU.\n"
}

// OscillatorResults describe the response surfaces of figures 11 (real space) and 12 (log space),
// saved in File (scinet.OscillatorFigure as compact JSON) in the figure's directory.
type OscillatorResults struct {
	Space scinet.Space `json:"space"`
	File  string       `json:"file"`
	// AmpMin, AmpMax are the range of A (ln A) on the main grid; Peak the largest on the resonance zoom.
	AmpMin float64 `json:"amp_min"`
	AmpMax float64 `json:"amp_max"`
	Peak   float64 `json:"peak"`
	// OmegaMin, OmegaMax are the range of the frequency axis (ω or ln ω).
	OmegaMin float64 `json:"omega_min"`
	OmegaMax float64 `json:"omega_max"`
	Points   int     `json:"points"`
}

const (
	oscillatorPoints = 101
	oscillatorFile   = "surfaces.json"
)

// OscillatorPoints is the resolution of the surfaces of figures 11 and 12 (points per axis).
const OscillatorPoints = oscillatorPoints

// Oscillator returns the surfaces of figure 11 (space scinet.Real) or 12 (scinet.Log):
// scinet.OscillatorSurfaces on OscillatorPoints × OscillatorPoints, rounded to 5 significant
// digits as saved.
func Oscillator(space scinet.Space) (*scinet.OscillatorFigure, error) {
	f, err := scinet.OscillatorSurfaces(space, oscillatorPoints)
	if err != nil {
		return nil, err
	}
	for _, g := range []*scinet.Grid{&f.Phase, &f.Amplitude, &f.Peak} {
		roundGrid(g)
	}
	for _, cs := range [][]scinet.Curve{f.PhaseSlices, f.AmplitudeSlices} {
		for _, c := range cs {
			round5(c.Y)
		}
	}
	return f, nil
}

func computeOscillator(space scinet.Space) func(*figures.Run) (OscillatorResults, error) {
	return func(run *figures.Run) (OscillatorResults, error) {
		f, err := Oscillator(space)
		if err != nil {
			return OscillatorResults{}, err
		}
		data, err := json.Marshal(f)
		if err != nil {
			return OscillatorResults{}, err
		}
		if err := atomicfile.WriteFile(run.Path(oscillatorFile), data, 0o644); err != nil {
			return OscillatorResults{}, err
		}
		r := OscillatorResults{Space: space, File: oscillatorFile, Peak: slicesMax(f.Peak.Z), Points: oscillatorPoints,
			OmegaMin: f.Phase.X[0], OmegaMax: f.Phase.X[len(f.Phase.X)-1]}
		r.AmpMin, r.AmpMax = span(f.Amplitude)
		return r, nil
	}
}

// load reads the surfaces saved by Compute.
func (r OscillatorResults) load(run *figures.Run) (*scinet.OscillatorFigure, error) {
	data, err := os.ReadFile(run.Path(r.File))
	if err != nil {
		return nil, err
	}
	var f scinet.OscillatorFigure
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", run.Path(r.File), err)
	}
	return &f, nil
}

// columnSlices returns φ against the damping axis at the grid columns nearest to the given inputs.
func columnSlices(g scinet.Grid, at []float64, label func(float64) string) *plots.Axes {
	a := &plots.Axes{Title: fmt.Sprintf("φ against %s at fixed %s", g.YLabel, g.XLabel), XLabel: g.YLabel, YLabel: "φ (rad)", Grid: true, Legend: plots.LegendOutside}
	for _, w := range at {
		ix := 0
		for i, x := range g.X {
			if math.Abs(x-w) < math.Abs(g.X[ix]-w) {
				ix = i
			}
		}
		ys := make([]float64, len(g.Y))
		for iy := range g.Y {
			ys[iy] = g.At(ix, iy)
		}
		a.Line(label(g.X[ix]), g.Y, ys)
	}
	return a
}

// sliceAxes draws curves against the input axis.
func sliceAxes(title, xLabel, yLabel string, cs []scinet.Curve, logY bool) *plots.Axes {
	a := &plots.Axes{Title: title, XLabel: xLabel, YLabel: yLabel, Grid: true, LogY: logY, Legend: plots.LegendOutside}
	for _, c := range cs {
		a.Line(c.Label, c.X, c.Y)
	}
	return a
}

func renderFig11(run *figures.Run, r OscillatorResults) error {
	f, err := r.load(run)
	if err != nil {
		return err
	}
	fig := Fig11Plot(f)
	fig.Stamp = figkit.Stamp(run.Scale, "", true)
	return save(run, fig)
}

// Fig11Plot draws figure 11 from the real-space surfaces (Oscillator(scinet.Real)): φ and A over
// (ω, γ), the resonance zoom, and slices at fixed γ and fixed ω.
func Fig11Plot(f *scinet.OscillatorFigure) *plots.Figure {
	ph := heat(f.Phase, "φ(ω, γ)", phaseScale())
	amp := heat(f.Amplitude, "A(ω, γ)", plots.ColorScale{Label: "A", Log: true, Map: plots.Inferno})
	peak := heat(f.Peak, "A near the resonance", plots.ColorScale{Label: "A", Log: true, Map: plots.Inferno})
	cols := columnSlices(f.Phase, []float64{0.5, 0.9, 1.1, 1.5}, func(w float64) string { return fmt.Sprintf("ω = %.2f", w) })
	fig := plots.NewFigure(2, 3,
		ph, sliceAxes("φ against ω at fixed γ", "ω", "φ (rad)", f.PhaseSlices, false), cols,
		amp, peak, sliceAxes("A against ω at fixed γ", "ω", "A", f.AmplitudeSlices, true))
	fig.Title = "Driven damped oscillator ẍ + 2γẋ + x = cos ωt: phase φ (top) and amplitude A (bottom) of the steady state"
	fig.Letters = true
	fig.Width, fig.Height = 15*vg.Inch, 7.5*vg.Inch
	return fig
}

func renderFig12(run *figures.Run, r OscillatorResults) error {
	f, err := r.load(run)
	if err != nil {
		return err
	}
	fig := Fig12Plot(f)
	fig.Stamp = figkit.Stamp(run.Scale, "", true)
	return save(run, fig)
}

// Fig12Plot draws figure 12 from the log-space surfaces (Oscillator(scinet.Log)): φ and ln A over
// (ln ω, ln γ), the resonance ridge, and slices.
func Fig12Plot(f *scinet.OscillatorFigure) *plots.Figure {
	ph := heat(f.Phase, "φ(ln ω, ln γ)", phaseScale())
	amp := heat(f.Amplitude, "ln A(ln ω, ln γ)", plots.ColorScale{Label: "ln A", Map: plots.Inferno})
	peak := heat(f.Peak, "ln A near the resonance", plots.ColorScale{Label: "ln A", Map: plots.Inferno})
	cols := columnSlices(f.Phase, []float64{-1, -0.1, 0.1, 1}, func(w float64) string { return fmt.Sprintf("ln ω = %.2f", w) })
	fig := plots.NewFigure(2, 3,
		ph, sliceAxes("φ against ln ω at fixed γ", "ln ω", "φ (rad)", f.PhaseSlices, false), cols,
		amp, peak, sliceAxes("ln A against ln ω at fixed γ", "ln ω", "ln A", f.AmplitudeSlices, false))
	fig.Title = "The same in log space: φ (top) and ln A (bottom) against ln ω and ln γ"
	fig.Letters = true
	fig.Width, fig.Height = 15*vg.Inch, 7.5*vg.Inch
	return fig
}

func summaryOscillator(r OscillatorResults) string {
	peak, alo, ahi := r.Peak, r.AmpMin, r.AmpMax
	if r.Space == scinet.Log {
		return fmt.Sprintf("In log space (ln ω ∈ [%.0f, %.0f], ln γ ∈ [ln 0.001, 0]) ln A spans %.2f to %.2f: the pole becomes a ridge along ln ω ≈ 0 whose height −ln 2γ grows linearly as ln γ falls, reaching %.2f = ln 500 at γ = 0.001; away from it ln A is asymptotically linear in ln ω (−2 ln ω for ω ≫ 1). The paper: \"The functions maintain some interesting features, but we no longer need to contend with very large errors on any part of the domain.\" Exact closed forms on a %d × %d grid, the same at every scale.\n",
			r.OmegaMin, r.OmegaMax, alo, ahi, peak, r.Points, r.Points)
	}
	return fmt.Sprintf("A = 1/√(4γ²ω² + (1 − ω²)²), tan φ = 2γω/(1 − ω²), 0 ≤ φ ≤ π, on ω ∈ [0, 2], γ ∈ [0.001, 1] (the underdamped band the review trains on). A spans %.3g to %.3g; at the training floor γ = 0.001 the peak reaches A(1, γ) = 1/(2γ) = %.0f (checked: %.4g), and φ jumps from 0 to π across ω = 1 as γ → 0: the pole at ω = 1, γ = 0 that the paper singles out as SciNet's main difficulty. Exact closed forms (package oscillator; A(1, 0.5) = %.3f) on a %d × %d grid, the same at every scale.\n",
		alo, ahi, 1/(2*scinet.GammaMin), peak, oscillator.Amplitude(1, 0.5), r.Points, r.Points)
}
