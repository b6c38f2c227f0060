package fig2020

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scinet"
)

// The control experiment boring_patch (ω ~ N(1.5, 0.1), γ ~ N(0.5, 0.1)), far from resonance:
// figures 5 and 13-17. Figure 14 trains it; the others read its evaluation.

func init() {
	figures.Register(figures.Def[ExperimentFigure]{ID: "2020-fig14", Compute: computeOwner("boring_patch"), Render: renderFig14, Summary: summaryFig14})
	figures.Register(figures.Def[TruthFigure]{ID: "2020-fig13", Compute: computeFig13, Render: renderFig13, Summary: summaryFig13})
	figures.Register(figures.Def[SummaryFigure]{ID: "2020-fig05", Compute: computeSummary("boring_patch"), Render: renderFig05, Summary: summaryFig05})
	figures.Register(figures.Def[SummaryFigure]{ID: "2020-fig15", Compute: computeSummary("boring_patch"), Render: renderFig15, Summary: summaryFig15})
	figures.Register(figures.Def[SummaryFigure]{ID: "2020-fig16", Compute: computeSummary("boring_patch"), Render: renderFig16, Summary: summaryFig16})
	figures.Register(figures.Def[RegionFigure]{ID: "2020-fig17", Compute: computeRegion("boring_patch", false), Render: renderFig17, Summary: summaryFig17})
}

// ExperimentFigure are the results of a figure that trains a SciNet experiment (its owner): the
// summary, and the file in the figure's directory holding the whole evaluation.
type ExperimentFigure struct {
	Summary ExperimentSummary `json:"summary"`
	File    string            `json:"file"`
}

// computeOwner returns the Compute function of the figure that trains experiment name.
func computeOwner(name string) func(*figures.Run) (ExperimentFigure, error) {
	return func(run *figures.Run) (ExperimentFigure, error) {
		r, err := trainExperiment(run, name)
		if err != nil {
			return ExperimentFigure{}, err
		}
		return ExperimentFigure{Summary: summarize(r), File: experimentFile(name)}, nil
	}
}

// SummaryFigure are the results of a figure drawn from an experiment saved by its owner: the summary
// (errors, latent statistics and histograms); the grids and samples are read from the owner's file.
type SummaryFigure struct {
	Summary ExperimentSummary `json:"summary"`
}

func computeSummary(name string) func(*figures.Run) (SummaryFigure, error) {
	return func(run *figures.Run) (SummaryFigure, error) {
		r, err := requireExperiment(run, name)
		if err != nil {
			return SummaryFigure{}, err
		}
		return SummaryFigure{Summary: summarize(r)}, nil
	}
}

// errorsRow is one row of a paper-versus-here table.
type errorsRow struct{ what, paper, here string }

// comparisonTable formats rows as a Markdown table.
func comparisonTable(scaleName string, rows []errorsRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| | paper (50000 steps × 2048) | here (scale %s) |\n| --- | --- | --- |\n", scaleName)
	esc := strings.NewReplacer("|", "\\|")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", esc.Replace(r.what), esc.Replace(r.paper), esc.Replace(r.here))
	}
	return b.String()
}

// Fig. 14: the boring_patch model's φ and A on the training window, with its errors.

func renderFig14(run *figures.Run, f ExperimentFigure) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig14Plot(r))
}

// Fig14Plot draws figure 14 from the boring_patch evaluation: the model's φ and A on the training
// window (a, b) and their errors against the ground truth (c, d).
func Fig14Plot(r *scinet.ExperimentResult) *plots.Figure {
	t := r.Training
	ps := phaseScaleOf(t.TruePhase, t.ModelPhase)
	as := sharedScale("A", t.TrueAmp, t.ModelAmp)
	pe, ae := t.PhaseError(), t.AmpError()
	perr := heat(pe, "model − true φ", plots.ColorScale{Label: "Δφ (rad)", Symmetric: true})
	aerr := heat(ae, "model − true A", plots.ColorScale{Label: "ΔA", Symmetric: true})
	fig := plots.NewFigure(2, 2, heat(t.ModelPhase, "model φ", ps), heat(t.ModelAmp, "model A", as), perr, aerr)
	fig.Title = r.Experiment.Name + ": SciNet's φ (left) and A (right) on the training window, and its errors"
	fig.Letters = true
	fig.Width, fig.Height = 9.5*vg.Inch, 7*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

func summaryFig14(f ExperimentFigure) string {
	r := f.Summary.result()
	e := r.Errors
	rows := []errorsRow{
		{"r.m.s. φ error / range of φ", "3.4%", percent(e.PhaseRMSOverRange)},
		{"r.m.s. amplitude error", "about 6.4% (of what is not said)", fmt.Sprintf("%s of the range of A; %s relative (r.m.s. of Â/A − 1)", percent(e.AmpRMSOverRange), percent(e.AmpRelRMS))},
		{"latents used", "2 (\"parameters 3 and 4\"), 3 unused", fmt.Sprintf("%d (%s)", len(r.UsedLatents), latentList(r.UsedLatents))},
	}
	return provenanceLine(r) + "\n\n" + comparisonTable(string(r.Provenance.Scale), rows) +
		"\nErrors are measured on fresh samples of the training distribution; the maps show the window mean ± 2σ.\n"
}

// TruthFigure holds ground-truth grids of an experiment's window (figure 13).
type TruthFigure struct {
	Experiment scinet.Experiment `json:"experiment"`
	Phase      scinet.Grid       `json:"phase"`
	Amp        scinet.Grid       `json:"amp"`
}

// Fig. 13: the ground truth on boring_patch's training window, computed in closed form (the same at
// every scale).

const fig13Points = 50

func computeFig13(run *figures.Run) (TruthFigure, error) { return TruthOf("boring_patch", fig13Points) }

// TruthOf returns the closed-form φ and amplitude of experiment name on its training window
// (mean ± 2σ, clipped to the damping band) on a points × points grid, rounded to 5 significant
// digits as saved: figure 13 is TruthOf("boring_patch", 50).
func TruthOf(name string, points int) (TruthFigure, error) {
	e, err := scinet.ExperimentByName(name)
	if err != nil {
		return TruthFigure{}, err
	}
	p, a := scinet.TruthGrids(e, scinet.TrainingSigmas, true, points)
	roundGrid(&p)
	roundGrid(&a)
	return TruthFigure{Experiment: e, Phase: p, Amp: a}, nil
}

func renderFig13(run *figures.Run, f TruthFigure) error {
	fig := TruthPlot(f)
	fig.Stamp = figkit.Stamp(run.Scale, "", true)
	return save(run, fig)
}

// TruthPlot draws figure 13: the ground truth φ (a) and A (b) of an experiment's training window.
func TruthPlot(f TruthFigure) *plots.Figure {
	_, _, amp := f.Experiment.Labels()
	fig := plots.NewFigure(1, 2, heat(f.Phase, "ground truth φ", phaseScaleOf(f.Phase)), heat(f.Amp, "ground truth "+amp, sharedScale(amp, f.Amp)))
	fig.Title = f.Experiment.Name + ": ground truth on the training window (mean ± 2σ), φ left, " + amp + " right"
	fig.Letters = true
	fig.Width, fig.Height = 9.5*vg.Inch, 3.6*vg.Inch
	return fig
}

func summaryFig13(f TruthFigure) string {
	plo, phi := span(f.Phase)
	alo, ahi := span(f.Amp)
	return fmt.Sprintf("The closed-form steady state of ẍ + 2γẋ + x = cos(ωt) on ω ∈ [%.2f, %.2f], γ ∈ [%.2f, %.2f] (boring_patch's mean ± 2σ): φ runs from %.3f to %.3f rad and A from %.3f to %.3f, smoothly, far from the resonance at ω = 1, γ → 0. The paper's figure shows the same surfaces (as 3-D plots). Computed on a %d × %d grid, the same at every scale.\n",
		f.Phase.X[0], f.Phase.X[len(f.Phase.X)-1], f.Phase.Y[0], f.Phase.Y[len(f.Phase.Y)-1], plo, phi, alo, ahi, len(f.Phase.X), len(f.Phase.Y))
}

// Fig. 5: a used and an unused latent of boring_patch: the histograms of μ.

func renderFig05(run *figures.Run, f SummaryFigure) error {
	fig, err := Fig05Plot(f.Summary.result())
	if err != nil {
		return err
	}
	return save(run, fig)
}

// Fig05Plot draws figure 5 from an evaluation: the histograms of μ of the latent with the largest
// SNR (a, used) and of the one with the smallest (b, unused), on one range.
func Fig05Plot(r *scinet.ExperimentResult) (*plots.Figure, error) {
	ls := bySNR(r.Latents)
	used, unused := ls[0], ls[len(ls)-1]
	lo, hi := muRange(used, unused)
	a, err := latentHistogram(used, lo, hi, fmt.Sprintf("latent %d (SNR %.2g): used", used.Index+1, used.SNR))
	if err != nil {
		return nil, err
	}
	b, err := latentHistogram(unused, lo, hi, fmt.Sprintf("latent %d (SNR %.2g): unused", unused.Index+1, unused.SNR))
	if err != nil {
		return nil, err
	}
	fig := plots.NewFigure(1, 2, a, b)
	fig.Title = r.Experiment.Name + ": histograms of the latent means μ_{i} over the training distribution"
	fig.Letters = true
	fig.Width, fig.Height = 9*vg.Inch, 3.5*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig, nil
}

func summaryFig05(f SummaryFigure) string {
	ls := bySNR(f.Summary.Latents)
	used, unused := ls[0], ls[len(ls)-1]
	verdict := "The contrast the paper describes holds: the used latent's μ spreads over the range of a unit normal, the unused one's collapses to 0 (its noise σ ≈ 1 carries no information)."
	if !used.Used || unused.Used {
		verdict = "At this scale the contrast the paper describes does not show: " +
			fmt.Sprintf("the most spread latent has SNR %.2g and the least %.2g (threshold %g).", used.SNR, unused.SNR, scinet.UsedSNR)
	}
	return fmt.Sprintf("Latent %d (std μ = %.3g, rms σ = %.3g) against latent %d (std μ = %.3g, rms σ = %.3g). %s\n\n%s",
		used.Index+1, used.MuStd, used.SigmaRMS, unused.Index+1, unused.MuStd, unused.SigmaRMS, verdict, LatentTable(f.Summary.result()))
}

// Fig. 15: the used latents of boring_patch.

func renderFig15(run *figures.Run, f SummaryFigure) error {
	fig, err := Fig15Plot(f.Summary.result())
	if err != nil {
		return err
	}
	return save(run, fig)
}

// Fig15Plot draws figure 15 from an evaluation: the histograms of μ of the used latents (at least
// the two with the largest SNR), with the unit normal of the prior.
func Fig15Plot(r *scinet.ExperimentResult) (*plots.Figure, error) {
	ls := usedOrTop(r, 2)
	lo, hi := muRange(ls...)
	var panels []plots.Panel
	for _, l := range ls {
		a, err := latentHistogram(l, lo, hi, fmt.Sprintf("latent %d", l.Index+1))
		if err != nil {
			return nil, err
		}
		panels = append(panels, a)
	}
	fig := plots.NewFigure(1, len(panels), panels...)
	fig.Title = r.Experiment.Name + ": histograms of μ of the used latents (dashed: the unit normal of the prior)"
	fig.Letters = true
	fig.Width, fig.Height = vg.Length(len(panels))*4.5*vg.Inch, 3.5*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig, nil
}

func summaryFig15(f SummaryFigure) string {
	s := f.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "Paper: two latents (\"parameters 3 and 4\") used, their μ histograms \"aren't terribly far from normal distributions\". Here (scale %s): %d used (%s).",
		s.Provenance.Scale, len(s.UsedLatents), latentList(s.UsedLatents))
	for _, l := range usedOrTop(s.result(), 2) {
		fmt.Fprintf(&b, " Latent %d: mean μ %.2f, std μ %.2f (a unit normal has 0 and 1).", l.Index+1, l.MuMean, l.MuStd)
	}
	b.WriteString("\n\n" + LatentTable(s.result()))
	return b.String()
}

// latentScatter plots an output (model prediction) against latent l's μ over the scatter samples.
func latentScatter(s scinet.Scatter, l scinet.LatentStats, ys []float64, yLabel, title string) *plots.Axes {
	a := &plots.Axes{Title: title, XLabel: fmt.Sprintf("μ_{%d}", l.Index+1), YLabel: yLabel, Legend: plots.LegendNone, Grid: true}
	p := a.Scatter("", s.Mu[l.Index], ys)
	p.Color = plots.Blue
	return a
}

// Fig. 16: how boring_patch computes φ and A from its latents.

func renderFig16(run *figures.Run, f SummaryFigure) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig16Plot(r))
}

// Fig16Plot draws figure 16 from an evaluation: the model's φ against the latent most correlated
// with the true φ (a), and A against the latent most correlated with A (b), sample by sample.
func Fig16Plot(r *scinet.ExperimentResult) *plots.Figure {
	lp, la := bestLatent(r, true), bestLatent(r, false)
	a := latentScatter(r.Scatter, lp, r.Scatter.ModelPhase, "model φ (rad)", fmt.Sprintf("φ against latent %d (corr(μ, φ) = %+.2f)", lp.Index+1, lp.CorrPhase))
	b := latentScatter(r.Scatter, la, r.Scatter.ModelAmp, "model A", fmt.Sprintf("A against latent %d (corr(μ, A) = %+.2f)", la.Index+1, la.CorrAmp))
	fig := plots.NewFigure(1, 2, a, b)
	fig.Title = fmt.Sprintf("%s: the model's φ and A against the latent each tracks (%d samples of the training distribution)", r.Experiment.Name, len(r.Scatter.Omega))
	fig.Letters = true
	fig.Width, fig.Height = 9.5*vg.Inch, 3.8*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

func summaryFig16(f SummaryFigure) string {
	r := f.Summary.result()
	lp, la := bestLatent(r, true), bestLatent(r, false)
	verdict := "As in the paper, each output is carried mostly by one latent."
	if lp.Index == la.Index {
		verdict = "Unlike the paper, one latent carries both outputs at this scale."
	} else if math.Abs(lp.CorrPhase) < 0.9 || math.Abs(la.CorrAmp) < 0.9 {
		verdict = "The latents are tied to φ and A less tightly than the paper's \"almost exactly\"."
	}
	return fmt.Sprintf("Paper: the two used latents \"don't seem to track any 'natural' quantities (like ωγ or 1 − γ²), but they do track A and ϕ, respectively, almost exactly\". Here: latent %d has correlation %+.3f with the true φ, latent %d has %+.3f with the true A. %s\n\n%s",
		lp.Index+1, lp.CorrPhase, la.Index+1, la.CorrAmp, verdict, LatentTable(r))
}

// RegionErrors are the errors of a model on one evaluation window, against the training window.
type RegionErrors struct {
	Region string  `json:"region"`
	Sigmas float64 `json:"sigmas"`
	// TrainWindow is the training window [ω0, ω1, γ0, γ1] in the experiment's coordinates.
	TrainWindow [4]float64 `json:"train_window"`
	// PhaseRMS and AmpRMS are r.m.s. errors of φ and of the amplitude (A or ln A) over the whole
	// window's grid; the Outside values over its points outside the training window.
	PhaseRMS        float64 `json:"phase_rms"`
	PhaseRMSOutside float64 `json:"phase_rms_outside"`
	AmpRMS          float64 `json:"amp_rms"`
	AmpRMSOutside   float64 `json:"amp_rms_outside"`
	// TrueAmpRange and ModelAmpRange are the smallest and largest amplitudes on the window.
	TrueAmpRange  [2]float64 `json:"true_amp_range"`
	ModelAmpRange [2]float64 `json:"model_amp_range"`
}

// MeasureRegion measures the r.m.s. errors of an evaluation on its training (training = true) or
// extrapolation window, over the whole window and outside the training window.
func MeasureRegion(r *scinet.ExperimentResult, training bool) RegionErrors {
	reg := r.Extrapolation
	if training {
		reg = r.Training
	}
	t := r.Training.TruePhase
	e := RegionErrors{Region: reg.Name, Sigmas: reg.Sigmas, TrainWindow: [4]float64{t.X[0], t.X[len(t.X)-1], t.Y[0], t.Y[len(t.Y)-1]}}
	inside := func(ix, iy int) bool {
		x, y := reg.TruePhase.X[ix], reg.TruePhase.Y[iy]
		return x >= e.TrainWindow[0] && x <= e.TrainWindow[1] && y >= e.TrainWindow[2] && y <= e.TrainWindow[3]
	}
	e.PhaseRMS, e.PhaseRMSOutside = gridRMS(reg.TruePhase, reg.ModelPhase, inside)
	e.AmpRMS, e.AmpRMSOutside = gridRMS(reg.TrueAmp, reg.ModelAmp, inside)
	e.TrueAmpRange[0], e.TrueAmpRange[1] = span(reg.TrueAmp)
	e.ModelAmpRange[0], e.ModelAmpRange[1] = span(reg.ModelAmp)
	return e
}

// gridRMS returns the r.m.s. difference of two grids over all points and over the points where inside
// is false.
func gridRMS(truth, model scinet.Grid, inside func(ix, iy int) bool) (all, outside float64) {
	var sa, so float64
	var na, no int
	for iy := range truth.Y {
		for ix := range truth.X {
			d := model.At(ix, iy) - truth.At(ix, iy)
			sa += d * d
			na++
			if !inside(ix, iy) {
				so += d * d
				no++
			}
		}
	}
	all = math.Sqrt(sa / float64(max(na, 1)))
	if no > 0 {
		outside = math.Sqrt(so / float64(no))
	}
	return all, outside
}

// windowOverlay returns the training window as an overlay line.
func (e RegionErrors) windowOverlay() *plots.Line {
	w := e.TrainWindow
	return window("training window", w[0], w[1], w[2], w[3])
}

// RegionFigure are the results of a figure showing an experiment on one window (figures 17, 21).
type RegionFigure struct {
	Summary ExperimentSummary `json:"summary"`
	Window  RegionErrors      `json:"window"`
}

// computeRegion returns the Compute function of a figure showing an experiment's extrapolation window
// (or its training window when training is set).
func computeRegion(name string, training bool) func(*figures.Run) (RegionFigure, error) {
	return func(run *figures.Run) (RegionFigure, error) {
		r, err := requireExperiment(run, name)
		if err != nil {
			return RegionFigure{}, err
		}
		return RegionFigure{Summary: summarize(r), Window: MeasureRegion(r, training)}, nil
	}
}

// Fig. 17: boring_patch's φ on the extrapolation window (mean ± 6σ).

func renderFig17(run *figures.Run, f RegionFigure) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig17Plot(r))
}

// Fig17Plot draws figure 17 from an evaluation: the ground truth φ (a) and the model's φ (b) on the
// extrapolation window (mean ± 6σ), with the training window dashed.
func Fig17Plot(r *scinet.ExperimentResult) *plots.Figure {
	return extrapolatedPhasePlot(r, MeasureRegion(r, false),
		r.Experiment.Name+": φ extrapolated to mean ± %gσ (dashed: the training window, mean ± 2σ)", 9.5*vg.Inch, 3.8*vg.Inch)
}

// extrapolatedPhasePlot draws an experiment's φ on its extrapolation window, ground truth and model
// side by side, with the training window dashed; titleFormat takes the window's half-width in σ.
func extrapolatedPhasePlot(r *scinet.ExperimentResult, window RegionErrors, titleFormat string, w, h vg.Length) *plots.Figure {
	reg := r.Extrapolation
	ps := phaseScale()
	t, m := heat(reg.TruePhase, "ground truth φ", ps), heat(reg.ModelPhase, "model φ", ps)
	t.Overlay, m.Overlay = []*plots.Line{window.windowOverlay()}, []*plots.Line{window.windowOverlay()}
	fig := plots.NewFigure(1, 2, t, m)
	fig.Title = fmt.Sprintf(titleFormat, reg.Sigmas)
	fig.Letters = true
	fig.Width, fig.Height = w, h
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

func summaryFig17(f RegionFigure) string {
	e := f.Summary.Errors
	return fmt.Sprintf("Paper: \"Even the extrapolation seems somewhat sensible (fig 17), if it doesn't capture the underlying ground truth.\" Here: r.m.s. φ error %.3f rad over the whole ±%gσ window and %.3f rad outside the training window, against %.3f rad on the training distribution (%s of φ's range there).\n",
		f.Window.PhaseRMS, f.Window.Sigmas, f.Window.PhaseRMSOutside, e.PhaseRMS, percent(e.PhaseRMSOverRange))
}
