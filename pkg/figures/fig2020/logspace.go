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

// The log-space experiments (inputs ln ω, ln γ; outputs φ, ln A): logspace_broad (figures 23, 24),
// logspace_near_peak (25, 26) and logspace_near_peak_narrow (26, 27).

func init() {
	figures.Register(figures.Def[ExperimentFigure]{ID: "2020-fig23", Compute: computeOwner("logspace_broad"), Render: renderFig23, Summary: summaryFig23})
	figures.Register(figures.Def[Fig24Results]{ID: "2020-fig24", Compute: computeFig24, Render: renderFig24, Summary: summaryFig24})
	figures.Register(figures.Def[Fig25Results]{ID: "2020-fig25", Compute: computeFig25, Render: renderFig25, Summary: summaryFig25})
	figures.Register(figures.Def[Fig26Results]{ID: "2020-fig26", Compute: computeFig26, Render: renderFig26, Summary: summaryFig26})
	figures.Register(figures.Def[Fig27Results]{ID: "2020-fig27", Compute: computeFig27, Render: renderFig27, Summary: summaryFig27})
}

// logRows are the paper-versus-here rows of a log-space experiment.
func logRows(r *scinet.ExperimentResult, paperAmp, paperPhase, paperLatents string) []errorsRow {
	e := r.Errors
	return []errorsRow{
		{"mean |ln Â − ln A| / range of ln A", paperAmp, fmt.Sprintf("%.2g", e.AmpMeanAbsOverRange)},
		{"r.m.s. φ error / range of φ", paperPhase, percent(e.PhaseRMSOverRange)},
		{"r.m.s. relative amplitude error, Â/A − 1", "—", percent(e.AmpRelRMS)},
		{"latents used", paperLatents, fmt.Sprintf("%d (%s)", len(r.UsedLatents), latentList(r.UsedLatents))},
	}
}

// Fig. 23: logspace_broad, truth (top) and model (bottom), φ and ln A.

func renderFig23(run *figures.Run, f ExperimentFigure) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig23Plot(r))
}

// Fig23Plot draws figure 23 from an evaluation: ground truth (top) and SciNet (bottom) φ and ln A on
// the training window.
func Fig23Plot(r *scinet.ExperimentResult) *plots.Figure {
	tp, ta, mp, ma := truthModelPanels(r.Training, "ln A")
	fig := plots.NewFigure(2, 2, tp, ta, mp, ma)
	fig.Title = "logspace_broad: ground truth (top) and SciNet (bottom) on the training window, φ left, ln A right"
	fig.Letters = true
	fig.Width, fig.Height = 9.5*vg.Inch, 7*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

func summaryFig23(f ExperimentFigure) string {
	r := f.Summary.result()
	return provenanceLine(r) + "\n\n" + comparisonTable(string(r.Provenance.Scale), logRows(r, "\"around one part in one thousand\"", "\"less than 1 percent\"", "2")) +
		"\nErrors on fresh samples of the training distribution (ln γ folded into [ln 0.001, 0]). The paper: the model \"captures practically all important features except for the asymptotically linear ridge\" (the resonance ridge at ln ω ≈ 0, where ln A = −ln 2γ rises linearly as ln γ falls).\n\n" + LatentTable(r)
}

// Fig24Results hold logspace_broad's errors on its training and extrapolation windows.
type Fig24Results struct {
	Summary       ExperimentSummary `json:"summary"`
	Training      RegionErrors      `json:"training"`
	Extrapolation RegionErrors      `json:"extrapolation"`
}

func computeFig24(run *figures.Run) (Fig24Results, error) {
	r, err := requireExperiment(run, "logspace_broad")
	if err != nil {
		return Fig24Results{}, err
	}
	return Fig24Results{Summary: summarize(r), Training: MeasureRegion(r, true), Extrapolation: MeasureRegion(r, false)}, nil
}

// squaredError returns (model − truth)² on a region's amplitude grid.
func squaredError(reg scinet.Region) scinet.Grid {
	d := reg.AmpError()
	for i, v := range d.Z {
		d.Z[i] = v * v
	}
	return d
}

// Fig. 24: logspace_broad's squared error in ln A inside and outside its training window.

func renderFig24(run *figures.Run, f Fig24Results) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig24Plot(r))
}

// Fig24Plot draws figure 24 from an evaluation: the squared error of ln A on the training window and
// on the extrapolation window (the training window dashed).
func Fig24Plot(r *scinet.ExperimentResult) *plots.Figure {
	tr, ex := squaredError(r.Training), squaredError(r.Extrapolation)
	lo, hi := span(tr, ex)
	cs := plots.ColorScale{Label: "(ln Â − ln A)^{2}", Log: true, Map: plots.Inferno}.Fixed(math.Max(lo, hi*1e-8), hi)
	a := heat(tr, "training window, mean ± 2σ", cs)
	b := heat(ex, fmt.Sprintf("further out, mean ± %gσ", r.Extrapolation.Sigmas), cs)
	b.Overlay = []*plots.Line{MeasureRegion(r, false).windowOverlay()}
	fig := plots.NewFigure(1, 2, a, b)
	fig.Title = "logspace_broad: squared error of ln A inside the training window (left) and further out (right)"
	fig.Letters = true
	fig.Width, fig.Height = 10*vg.Inch, 3.9*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

func summaryFig24(f Fig24Results) string {
	x := f.Extrapolation
	return fmt.Sprintf("Paper: \"The ridge is not well captured by this model\", and it \"does not extend under extrapolation\". Here: r.m.s. error of ln A %.3g on the training window (mean ± 2σ) and %.3g on mean ± %gσ outside the training window (the true ln A there spans %.3g to %.3g, the model's %.3g to %.3g).\n",
		f.Training.AmpRMS, x.AmpRMSOutside, x.Sigmas, x.TrueAmpRange[0], x.TrueAmpRange[1], x.ModelAmpRange[0], x.ModelAmpRange[1])
}

func minOf(xs []float64) float64 {
	m := math.Inf(1)
	for _, v := range xs {
		m = math.Min(m, v)
	}
	return m
}

// Fig25Results hold logspace_near_peak's summary (fig. 25 trains it) and its errors at 6σ.
type Fig25Results struct {
	ExperimentFigure
	Window RegionErrors `json:"window"`
}

func computeFig25(run *figures.Run) (Fig25Results, error) {
	r, err := trainExperiment(run, "logspace_near_peak")
	if err != nil {
		return Fig25Results{}, err
	}
	return Fig25Results{ExperimentFigure: ExperimentFigure{Summary: summarize(r), File: experimentFile(r.Experiment.Name)},
		Window: MeasureRegion(r, false)}, nil
}

// Fig. 25: logspace_near_peak's φ at 6σ.

func renderFig25(run *figures.Run, f Fig25Results) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig25Plot(r))
}

// Fig25Plot draws figure 25 from an evaluation: the ground truth φ (a) and SciNet's φ (b) at
// mean ± 6σ, with the training window dashed.
func Fig25Plot(r *scinet.ExperimentResult) *plots.Figure {
	return extrapolatedPhasePlot(r, MeasureRegion(r, false),
		r.Experiment.Name+": φ at mean ± %gσ, ground truth (left) and SciNet (right); dashed: the training window", 10*vg.Inch, 3.9*vg.Inch)
}

func summaryFig25(f Fig25Results) string {
	r := f.Summary.result()
	return provenanceLine(r) + "\n\n" + comparisonTable(string(r.Provenance.Scale), logRows(r, "\"errors on the same scale\" as logspace_broad (≈ 1e-3)", "same scale as logspace_broad (< 1%)", "not stated")) +
		fmt.Sprintf("\nAt mean ± %gσ the paper sees that \"none of the smoother portions of the ϕ function are matched\". Here: r.m.s. φ error %.3f rad outside the training window, against %.3f rad on the training distribution.\n\n%s",
			f.Window.Sigmas, f.Window.PhaseRMSOutside, r.Errors.PhaseRMS, LatentTable(r))
}

// LatentFit is a least-squares fit μ ≈ A·u + B·v + C of one latent's mean against the inputs u, v
// (ln ω, ln γ in log space) over the evaluation samples.
type LatentFit struct {
	Latent int     `json:"latent"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	C      float64 `json:"c"`
	// R2 is the fraction of the variance of μ the fit explains.
	R2 float64 `json:"r2"`
}

// FitLatent fits the mean of latent i linearly in the scatter's inputs, μ_i ≈ A·u + B·v + C (u, v:
// ln ω, ln γ in log space), by least squares over the scatter's samples.
func FitLatent(s scinet.Scatter, i int) LatentFit {
	u, v, y := s.Omega, s.Gamma, s.Mu[i]
	n := float64(len(y))
	var su, sv, sy, suu, svv, suv, suy, svy float64
	for k := range y {
		su, sv, sy = su+u[k], sv+v[k], sy+y[k]
		suu, svv, suv = suu+u[k]*u[k], svv+v[k]*v[k], suv+u[k]*v[k]
		suy, svy = suy+u[k]*y[k], svy+v[k]*y[k]
	}
	// Centred normal equations for (A, B).
	cuu, cvv, cuv := suu-su*su/n, svv-sv*sv/n, suv-su*sv/n
	cuy, cvy := suy-su*sy/n, svy-sv*sy/n
	det := cuu*cvv - cuv*cuv
	f := LatentFit{Latent: i}
	if det != 0 {
		f.A = (cuy*cvv - cvy*cuv) / det
		f.B = (cvy*cuu - cuy*cuv) / det
	}
	f.C = (sy - f.A*su - f.B*sv) / n
	var ss, sr float64
	for k := range y {
		d := y[k] - sy/n
		r := y[k] - (f.A*u[k] + f.B*v[k] + f.C)
		ss, sr = ss+d*d, sr+r*r
	}
	if ss > 0 {
		f.R2 = 1 - sr/ss
	}
	return f
}

// Fig26Results hold logspace_near_peak_narrow's summary (fig. 26 trains it), the summary of
// logspace_near_peak (the experiment the paper's caption names), and linear fits of each one's most
// used latent.
type Fig26Results struct {
	ExperimentFigure
	NearPeak ExperimentSummary `json:"near_peak"`
	// NarrowFit and NearPeakFit fit the most used latent of each linearly in (ln ω, ln γ).
	NarrowFit   LatentFit `json:"narrow_fit"`
	NearPeakFit LatentFit `json:"near_peak_fit"`
}

func computeFig26(run *figures.Run) (Fig26Results, error) {
	r, err := trainExperiment(run, "logspace_near_peak_narrow")
	if err != nil {
		return Fig26Results{}, err
	}
	np, err := requireExperiment(run, "logspace_near_peak")
	if err != nil {
		return Fig26Results{}, err
	}
	return Fig26Results{
		ExperimentFigure: ExperimentFigure{Summary: summarize(r), File: experimentFile(r.Experiment.Name)},
		NearPeak:         summarize(np),
		NarrowFit:        FitLatent(r.Scatter, TopLatent(r).Index),
		NearPeakFit:      FitLatent(np.Scatter, TopLatent(np).Index),
	}, nil
}

// TopLatent returns the latent of highest SNR (the most used one).
func TopLatent(r *scinet.ExperimentResult) scinet.LatentStats { return bySNR(r.Latents)[0] }

// latentRow returns the three panels of one experiment in fig. 26: the top latent's μ over the
// training window, and the model's ln A and φ against it.
func latentRow(r *scinet.ExperimentResult) []plots.Panel {
	l := TopLatent(r)
	name := r.Experiment.Name
	g := heat(r.Training.Mu[l.Index], fmt.Sprintf("%s: μ_{%d}(ln ω, ln γ)", name, l.Index+1), plots.ColorScale{Label: fmt.Sprintf("μ_{%d}", l.Index+1), Map: plots.Magma})
	a := latentScatter(r.Scatter, l, r.Scatter.ModelAmp, "model ln A", fmt.Sprintf("ln A against μ_{%d}", l.Index+1))
	p := latentScatter(r.Scatter, l, r.Scatter.ModelPhase, "model φ (rad)", fmt.Sprintf("φ against μ_{%d}", l.Index+1))
	return []plots.Panel{g, a, p}
}

// Fig. 26: the most used latent of logspace_near_peak_narrow (top) and, as the paper's caption names
// it, of logspace_near_peak (bottom).

func renderFig26(run *figures.Run, f Fig26Results) error {
	narrow, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	np, err := loadExperiment(run, f.NearPeak.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig26Plot(narrow, np))
}

// Fig26Plot draws figure 26 from the evaluations of logspace_near_peak_narrow (top row) and
// logspace_near_peak (bottom row): the most used latent's μ over the training window, and the
// model's ln A and φ against it.
func Fig26Plot(narrow, nearPeak *scinet.ExperimentResult) *plots.Figure {
	fig := plots.NewFigure(2, 3, append(latentRow(narrow), latentRow(nearPeak)...)...)
	fig.Title = "The most used latent: its graph over the training window (left), and the model's ln A (centre) and φ (right) against it"
	fig.Letters = true
	fig.Width, fig.Height = 14*vg.Inch, 7.2*vg.Inch
	fig.Stamp = sciNetStamp(narrow.Provenance.Scale, narrow.Provenance)
	return fig
}

func summaryFig26(f Fig26Results) string {
	r := f.Summary.result()
	var b strings.Builder
	b.WriteString(provenanceLine(r) + "\n\n")
	b.WriteString("The paper's text (section \"Losing Small Effects\") says logspace_near_peak_narrow \"ended up using just a single latent-space parameter, parameter 2, which was almost proxy for ω depending very slightly on γ (see fig. 26)\"; the caption of figure 26 names logspace_near_peak. Both are shown: top row logspace_near_peak_narrow, bottom row logspace_near_peak.\n\n")
	b.WriteString("| experiment | latents used (paper) | latents used (here) | most used latent: fit μ ≈ a·ln ω + b·ln γ + c | R² |\n| --- | --- | --- | --- | --- |\n")
	row := func(e scinet.Experiment, paper string, used []int, fit LatentFit) {
		fmt.Fprintf(&b, "| %s | %s | %d (%s) | latent %d: a = %.3g, b = %.3g; over one σ of the inputs a·σ = %.3g, b·σ = %.3g | %.3f |\n",
			e.Name, paper, len(used), latentList(used), fit.Latent+1, fit.A, fit.B, fit.A*e.OmegaSigma, fit.B*e.GammaSigma, fit.R2)
	}
	row(r.Experiment, "1 (parameter 2), \"an almost linear function of log ω, with little log γ dependence\"", r.UsedLatents, f.NarrowFit)
	row(f.NearPeak.Experiment, "not stated", f.NearPeak.UsedLatents, f.NearPeakFit)
	fmt.Fprintf(&b, "\nlogspace_near_peak_narrow errors: mean |ln Â − ln A| / range of ln A = %.2g, r.m.s. φ error / range of φ = %s (paper: \"on the same scale as the other logspace models\").\n\n%s",
		r.Errors.AmpMeanAbsOverRange, percent(r.Errors.PhaseRMSOverRange), LatentTable(r))
	return b.String()
}

// Fig27Results hold logspace_near_peak_narrow's errors on its training window and its resonance ridge.
type Fig27Results struct {
	Summary ExperimentSummary `json:"summary"`
	Window  RegionErrors      `json:"window"`
	// LnGamma are the ln γ of the window's grid rows; RidgeTrue and RidgeModel the largest ln A over
	// ln ω in each row.
	LnGamma    []float64 `json:"ln_gamma"`
	RidgeTrue  []float64 `json:"ridge_true"`
	RidgeModel []float64 `json:"ridge_model"`
	// SlopeTrue and SlopeModel are least-squares slopes of the ridge against ln γ (truth: about −1,
	// as ln A(1, γ) = −ln 2γ).
	SlopeTrue  float64 `json:"slope_true"`
	SlopeModel float64 `json:"slope_model"`
}

func computeFig27(run *figures.Run) (Fig27Results, error) {
	r, err := requireExperiment(run, "logspace_near_peak_narrow")
	if err != nil {
		return Fig27Results{}, err
	}
	return Fig27Measure(r), nil
}

// Fig27Measure measures figure 27 on an evaluation: the errors on the training window and the
// resonance ridge (the largest ln A over ln ω in each row of the grid against ln γ), truth and
// model, with their least-squares slopes.
func Fig27Measure(r *scinet.ExperimentResult) Fig27Results {
	reg := r.Training
	f := Fig27Results{Summary: summarize(r), Window: MeasureRegion(r, true), LnGamma: reg.TrueAmp.Y,
		RidgeTrue: PeakProfile(reg.TrueAmp), RidgeModel: PeakProfile(reg.ModelAmp)}
	round5(f.RidgeTrue)
	round5(f.RidgeModel)
	f.SlopeTrue, f.SlopeModel = slope(f.LnGamma, f.RidgeTrue), slope(f.LnGamma, f.RidgeModel)
	return f
}

// slope returns the least-squares slope of y against x.
func slope(x, y []float64) float64 {
	n := float64(len(x))
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx, sy, sxx, sxy = sx+x[i], sy+y[i], sxx+x[i]*x[i], sxy+x[i]*y[i]
	}
	d := sxx - sx*sx/n
	if d == 0 {
		return math.NaN()
	}
	return (sxy - sx*sy/n) / d
}

// Fig. 27: logspace_near_peak_narrow's ln A: truth, model and the ridge.

func renderFig27(run *figures.Run, f Fig27Results) error {
	r, err := loadExperiment(run, f.Summary.Experiment.Name)
	if err != nil {
		return err
	}
	return save(run, Fig27Plot(r, f))
}

// Fig27Plot draws figure 27 from an evaluation and its measures (Fig27Measure): ground truth and
// SciNet ln A on the training window, and the ridge against ln γ.
func Fig27Plot(r *scinet.ExperimentResult, f Fig27Results) *plots.Figure {
	reg := r.Training
	cs := sharedScale("ln A", reg.TrueAmp, reg.ModelAmp)
	ridge := &plots.Axes{Title: "the ridge: max_{ln ω} ln A against ln γ", XLabel: "ln γ", YLabel: "max_{ln ω} ln A", Grid: true, Legend: plots.LegendTopRight}
	ridge.Line(fmt.Sprintf("ground truth (slope %.2f)", f.SlopeTrue), f.LnGamma, f.RidgeTrue).Color = plots.Blue
	ridge.Line(fmt.Sprintf("model (slope %.2f)", f.SlopeModel), f.LnGamma, f.RidgeModel).Color = plots.Vermillion
	fig := plots.NewFigure(1, 3, heat(reg.TrueAmp, "ground truth ln A", cs), heat(reg.ModelAmp, "model ln A", cs), ridge)
	fig.Title = r.Experiment.Name + ": ln A on the training window; right: the height of the resonance ridge"
	fig.Letters = true
	fig.Width, fig.Height = 14*vg.Inch, 3.9*vg.Inch
	fig.Stamp = sciNetStamp(r.Provenance.Scale, r.Provenance)
	return fig
}

func summaryFig27(f Fig27Results) string {
	return fmt.Sprintf("Paper: with a single latent the model misses the γ dependence: \"the ridge is not sloped at all in the model prediction, unlike the ground truth\". Here: on the window's grid the ridge max over ln ω of ln A falls with ln γ at slope %.3f in the ground truth (−1 exactly at ω = 1, where ln A = −ln 2γ; the grid's nearest points lie on the flanks of the peak, of width ≈ γ) and at slope %.3f in the model; r.m.s. error of ln A on the window %.3g.\n",
		f.SlopeTrue, f.SlopeModel, f.Window.AmpRMS)
}
