package fig2020

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scinet"
)

// The real-space experiments near resonance: center_very_broad (figures 18, 20), peak_broad (19, 21)
// and peak_narrow (22).

func init() {
	figures.Register(figures.Def[ExperimentFigure]{ID: "2020-fig18", Compute: computeOwner("center_very_broad"), Render: renderFig18, Summary: summaryFig18})
	figures.Register(figures.Def[Fig19Results]{ID: "2020-fig19", Compute: computeFig19, Render: renderFig19, Summary: summaryFig19})
	figures.Register(figures.Def[SummaryFigure]{ID: "2020-fig20", Compute: computeSummary("center_very_broad"), Render: renderFig20, Summary: summaryFig20})
	figures.Register(figures.Def[RegionFigure]{ID: "2020-fig21", Compute: computeRegion("peak_broad", false), Render: renderFig21, Summary: summaryFig21})
	figures.Register(figures.Def[Fig22Results]{ID: "2020-fig22", Compute: computeFig22, Render: renderFig22, Summary: summaryFig22})
}

// truthModelPanels returns the truth (top) and model (bottom) heat maps of φ and the amplitude on a
// region, truth and model of each quantity sharing one colour scale.
func truthModelPanels(reg scinet.Region, ampLabel string) (tp, ta, mp, ma *plots.Heatmap) {
	ps := phaseScaleOf(reg.TruePhase, reg.ModelPhase)
	as := sharedScale(ampLabel, reg.TrueAmp, reg.ModelAmp)
	return heat(reg.TruePhase, "ground truth φ", ps), heat(reg.TrueAmp, "ground truth "+ampLabel, as),
		heat(reg.ModelPhase, "model φ", ps), heat(reg.ModelAmp, "model "+ampLabel, as)
}

// Fig. 18: center_very_broad, truth (top) and model (bottom), φ and A.

func renderFig18(run *figures.Run, f ExperimentFigure) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig18Plot(r))
}

// Fig18Plot draws figure 18 from an evaluation: ground truth (top) and SciNet (bottom) φ and A on
// the training window.
func Fig18Plot(r *scinet.ExperimentResult) *plots.Figure {
	tp, ta, mp, ma := truthModelPanels(r.Training, "A")
	fig := plots.NewFigure(2, 2, tp, ta, mp, ma)
	fig.Title = "center_very_broad: ground truth (top) and SciNet (bottom) on the training window, φ left, A right"
	fig.Letters = true
	fig.Width, fig.Height = 9.5*vg.Inch, 7*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

// ampRows are the paper-versus-here rows of the broad real-space experiments.
func ampRows(r *scinet.ExperimentResult, paperLatents string) []errorsRow {
	e := r.Errors
	return []errorsRow{
		{"mean relative amplitude error, mean |Â/A − 1|", "\"within 2.8 percent of the ground truth amplitude\"", percent(e.AmpMeanRel)},
		{"r.m.s. relative amplitude error", "—", percent(e.AmpRelRMS)},
		{"r.m.s. φ error / range of φ", "—", percent(e.PhaseRMSOverRange)},
		{"latents used", paperLatents, fmt.Sprintf("%d (%s)", len(r.UsedLatents), latentList(r.UsedLatents))},
	}
}

func summaryFig18(f ExperimentFigure) string {
	r := f.Summary.result()
	return provenanceLine(r) + "\n\n" + comparisonTable(string(r.Provenance.Scale), ampRows(r, "all 5")) +
		"\nErrors on fresh samples of the training distribution (γ folded into [0.001, 1]); the maps show mean ± 2σ with γ clipped to that band.\n\n" + LatentTable(r)
}

// PeakProfile returns, for every damping row of an amplitude grid, the largest amplitude over ω
// (the height of the resonance peak at that damping).
func PeakProfile(g scinet.Grid) []float64 {
	out := make([]float64, len(g.Y))
	for iy := range g.Y {
		m := math.Inf(-1)
		for ix := range g.X {
			m = math.Max(m, g.At(ix, iy))
		}
		out[iy] = m
	}
	return out
}

// row returns row iy of a grid (the values along ω at damping Y[iy]).
func row(g scinet.Grid, iy int) []float64 { return g.Z[iy*len(g.X) : (iy+1)*len(g.X)] }

// Fig. 19: peak_broad, truth and model, with the amplitude's peak against γ.

// Fig19Results hold peak_broad's summary (fig. 19 trains it) and the resonance peak at the lowest
// damping of the training window.
type Fig19Results struct {
	ExperimentFigure
	PeakGamma float64 `json:"peak_gamma"`
	PeakTrue  float64 `json:"peak_true"`
	PeakModel float64 `json:"peak_model"`
}

func computeFig19(run *figures.Run) (Fig19Results, error) {
	r, err := trainExperiment(run, "peak_broad")
	if err != nil {
		return Fig19Results{}, err
	}
	reg := r.Training
	return Fig19Results{ExperimentFigure: ExperimentFigure{Summary: summarize(r), File: experimentFile(r.Experiment.Name)},
		PeakGamma: reg.TrueAmp.Y[0], PeakTrue: PeakProfile(reg.TrueAmp)[0], PeakModel: PeakProfile(reg.ModelAmp)[0]}, nil
}

func renderFig19(run *figures.Run, f Fig19Results) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig19Plot(r))
}

// Fig19Plot draws figure 19 from an evaluation: ground truth and SciNet φ and A on the training
// window, A along ω at the lowest damping, and the height of the resonance peak against γ.
func Fig19Plot(r *scinet.ExperimentResult) *plots.Figure {
	reg := r.Training
	tp, ta, mp, ma := truthModelPanels(reg, "A")
	slice := &plots.Axes{Title: fmt.Sprintf("A along ω at the lowest damping, γ = %.3g", reg.TrueAmp.Y[0]), XLabel: "ω", YLabel: "A", LogY: true, Grid: true, Legend: plots.LegendTopRight}
	slice.Line("ground truth", reg.TrueAmp.X, row(reg.TrueAmp, 0)).Color = plots.Blue
	slice.Line("model", reg.ModelAmp.X, positive(row(reg.ModelAmp, 0))).Color = plots.Vermillion
	peak := &plots.Axes{Title: "height of the peak, max_{ω} A, against γ", XLabel: "γ", YLabel: "max_{ω} A", LogX: true, LogY: true, Grid: true, Legend: plots.LegendTopRight}
	peak.Line("ground truth", reg.TrueAmp.Y, PeakProfile(reg.TrueAmp)).Color = plots.Blue
	peak.Line("model", reg.ModelAmp.Y, positive(PeakProfile(reg.ModelAmp))).Color = plots.Vermillion
	fig := plots.NewFigure(2, 3, tp, ta, slice, mp, ma, peak)
	fig.Title = "peak_broad: ground truth (top) and SciNet (bottom) on the training window; right: the resonance peak, truth against model"
	fig.Letters = true
	fig.Width, fig.Height = 14*vg.Inch, 7*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

// positive replaces non-positive values by NaN (they cannot be drawn on a log axis).
func positive(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = v
		if !(v > 0) {
			out[i] = math.NaN()
		}
	}
	return out
}

func summaryFig19(f Fig19Results) string {
	r := f.Summary.result()
	return provenanceLine(r) + "\n\n" + comparisonTable(string(r.Provenance.Scale), append(ampRows(r, "all 5"),
		errorsRow{"height of the resonance peak at the lowest damping of the window", "\"the heights of the peaks are different\"",
			fmt.Sprintf("truth %.3g, model %.3g at γ = %.3g", f.PeakTrue, f.PeakModel, f.PeakGamma)})) +
		"\n" + LatentTable(r)
}

// Fig. 20: every latent of center_very_broad: its μ histogram and its graph over the training window.

func renderFig20(run *figures.Run, f SummaryFigure) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	fig, err := Fig20Plot(r)
	if err != nil {
		return err
	}
	return save(run, fig)
}

// Fig20Plot draws figure 20 from an evaluation: for every latent the histogram of μ (top) and μ
// over the training window (bottom).
func Fig20Plot(r *scinet.ExperimentResult) (*plots.Figure, error) {
	var hists, graphs []plots.Panel
	for i, l := range r.Latents {
		lo, hi := muRange(l) // each latent on its own range: their spreads differ widely
		used := "unused"
		if l.Used {
			used = "used"
		}
		a, err := latentHistogram(l, lo, hi, fmt.Sprintf("latent %d (%s)", l.Index+1, used))
		if err != nil {
			return nil, err
		}
		a.Legend = plots.LegendNone
		hists = append(hists, a)
		g := heat(r.Training.Mu[i], fmt.Sprintf("μ_{%d}(ω, γ)", l.Index+1), plots.ColorScale{Label: fmt.Sprintf("μ_{%d}", l.Index+1), Map: plots.Magma})
		graphs = append(graphs, g)
	}
	fig := plots.NewFigure(2, len(hists), append(hists, graphs...)...)
	fig.Title = "center_very_broad: histogram of μ (top; dashed: N(0, 1)) and μ over the training window (bottom), for every latent"
	fig.Letters = true
	fig.Width, fig.Height = vg.Length(len(hists))*3.6*vg.Inch, 6.4*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig, nil
}

func summaryFig20(f SummaryFigure) string {
	s := f.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "Paper: all 5 latents are used, none of their μ is distributed like a unit normal, and none corresponds cleanly to A or φ (\"Fig 20 shows ... parameter 3 ... but they are all like that\"). Here (scale %s): %d used (%s).",
		s.Provenance.Scale, len(s.UsedLatents), latentList(s.UsedLatents))
	for _, l := range s.Latents {
		if l.Used {
			fmt.Fprintf(&b, " Latent %d: mean μ %.2f, std μ %.2f, corr with φ %+.2f, with A %+.2f.", l.Index+1, l.MuMean, l.MuStd, l.CorrPhase, l.CorrAmp)
		}
	}
	b.WriteString("\n\n" + LatentTable(s.result()))
	return b.String()
}

// Fig. 21: peak_broad outside its training window.

func renderFig21(run *figures.Run, f RegionFigure) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig21Plot(r))
}

// Fig21Plot draws figure 21 from an evaluation: ground truth (top) and SciNet (bottom) φ and A on
// the extrapolation window, the training window dashed.
func Fig21Plot(r *scinet.ExperimentResult) *plots.Figure {
	reg := r.Extrapolation
	ps := phaseScale()
	tp, mp := heat(reg.TruePhase, "ground truth φ", ps), heat(reg.ModelPhase, "model φ", ps)
	ta := heat(reg.TrueAmp, "ground truth A", sharedScale("A", reg.TrueAmp))
	lo, hi := span(reg.ModelAmp)
	ma := heat(reg.ModelAmp, fmt.Sprintf("model A (its own scale: %.3g to %.3g)", lo, hi), plots.ColorScale{Label: "A", Map: plots.Magma})
	for _, h := range []*plots.Heatmap{tp, ta, mp, ma} {
		h.Overlay = []*plots.Line{MeasureRegion(r, false).windowOverlay()}
	}
	fig := plots.NewFigure(2, 2, tp, ta, mp, ma)
	fig.Title = fmt.Sprintf("peak_broad extrapolated to mean ± %gσ: ground truth (top) and SciNet (bottom); dashed: the training window", reg.Sigmas)
	fig.Letters = true
	fig.Width, fig.Height = 9.5*vg.Inch, 7*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

func summaryFig21(f RegionFigure) string {
	w, e := f.Window, f.Summary.Errors
	tlo, thi, mlo, mhi := w.TrueAmpRange[0], w.TrueAmpRange[1], w.ModelAmpRange[0], w.ModelAmpRange[1]
	return fmt.Sprintf("Paper: \"the behavior of the peak_broad network far from its training distribution is interesting to look at ... Notice the z scale.\" Here, on mean ± %gσ: the true A spans %.3g to %.3g, the model's %.3g to %.3g; r.m.s. errors outside the training window: φ %.3f rad, A %.3g (inside the training distribution: φ %.3f rad, relative A error %s).\n",
		w.Sigmas, tlo, thi, mlo, mhi, w.PhaseRMSOutside, w.AmpRMSOutside, e.PhaseRMS, percent(e.AmpRelRMS))
}

// Fig. 22: peak_narrow: learning curve, true φ and model φ.

// Fig22Results hold peak_narrow's summary (fig. 22 trains it), its window and how flat its learning
// curve ends.
type Fig22Results struct {
	ExperimentFigure
	Window RegionErrors `json:"window"`
	// Plateau is the relative change of the loss over the last fifth of training (see Plateau).
	Plateau float64 `json:"plateau"`
}

func computeFig22(run *figures.Run) (Fig22Results, error) {
	r, err := trainExperiment(run, "peak_narrow")
	if err != nil {
		return Fig22Results{}, err
	}
	return Fig22Results{ExperimentFigure: ExperimentFigure{Summary: summarize(r), File: experimentFile(r.Experiment.Name)},
		Window: MeasureRegion(r, true), Plateau: Plateau(r.Curve.Loss)}, nil
}

func renderFig22(run *figures.Run, f Fig22Results) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig22Plot(r))
}

// Fig22Plot draws figure 22 from an evaluation: the learning curve and its terms, and the ground
// truth and SciNet φ on the training window.
func Fig22Plot(r *scinet.ExperimentResult) *plots.Figure {
	c := r.Curve
	steps := make([]float64, len(c.Step))
	for i, s := range c.Step {
		steps[i] = float64(s)
	}
	lc := &plots.Axes{Title: "learning curve", XLabel: "step", YLabel: "loss (mean per recorded interval)", LogY: true, Grid: true, Legend: plots.LegendTopRight}
	rec := lc.Line("reconstruction", steps, c.Terms["reconstruction"])
	rec.Color, rec.Width = plots.Blue, 2.5
	kl := make([]float64, len(c.Terms["kl"]))
	for i, v := range c.Terms["kl"] {
		kl[i] = r.Model.Beta * v
	}
	l := lc.Line("β · KL", steps, kl)
	l.Color, l.Dashed = plots.Vermillion, true
	tot := lc.Line("loss = reconstruction + β · KL", steps, c.Loss)
	tot.Color, tot.Width = plots.Black, 0.8
	ps := phaseScale()
	fig := plots.NewFigure(1, 3, lc, heat(r.Training.TruePhase, "ground truth φ", ps), heat(r.Training.ModelPhase, "model φ", ps))
	fig.Title = "peak_narrow: learning curve, ground truth φ and SciNet's φ on the training window (mean ± 2σ)"
	fig.Letters = true
	fig.Width, fig.Height = 14*vg.Inch, 3.9*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

// Plateau returns the relative change of the loss over the last fifth of training: (mean of the last
// tenth − mean of the tenth before the last fifth) / the latter.
func Plateau(c []float64) float64 {
	n := len(c)
	if n < 10 {
		return math.NaN()
	}
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, v := range xs {
			s += v
		}
		return s / float64(len(xs))
	}
	k := n / 10
	before := mean(c[n-3*k : n-2*k])
	return (mean(c[n-k:]) - before) / before
}

func summaryFig22(f Fig22Results) string {
	r := f.Summary.result()
	e := r.Errors
	rows := []errorsRow{
		{"r.m.s. φ error / range of φ", "\"the ground truth ϕ and modeled ϕ are nothing alike\"", percent(e.PhaseRMSOverRange)},
		{"loss change over the last fifth of training", "\"it's gotten as good as it will get\"", percent(f.Plateau)},
		{"r.m.s. relative amplitude error", "—", percent(e.AmpRelRMS)},
		{"latents used", "not stated", fmt.Sprintf("%d (%s)", len(r.UsedLatents), latentList(r.UsedLatents))},
	}
	return provenanceLine(r) + "\n\n" + comparisonTable(string(r.Provenance.Scale), rows) +
		fmt.Sprintf("\nThe window ω ∈ [%.3f, %.3f], γ ∈ [%.4f, %.3f] holds the pole at ω = 1, γ → 0, where φ jumps from 0 to π and A reaches %.0f.\n",
			f.Window.TrainWindow[0], f.Window.TrainWindow[1], f.Window.TrainWindow[2], f.Window.TrainWindow[3], f.Window.TrueAmpRange[1])
}

func slicesMax(xs []float64) float64 {
	m := math.Inf(-1)
	for _, v := range xs {
		m = math.Max(m, v)
	}
	return m
}
