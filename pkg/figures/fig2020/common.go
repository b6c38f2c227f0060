package fig2020

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/scinet"
)

// The paper's training setups, for the scale stamps.
const (
	paperSciNetSetup = "50000 steps × 2048 samples"
	paperToySetup    = "50000 steps × 2048 samples at learning rate 1e-4"
)

// newBackend returns the backend selected by $GOMLX_BACKEND (package backend: the extended pure-Go
// backend by default) and records it in the run's provenance.
func newBackend(run *figures.Run) (backends.Backend, error) { return run.NewBackend() }

// owners maps each SciNet experiment to the figure that trains it and saves its evaluation.
var owners = map[string]string{
	"boring_patch":              "2020-fig14",
	"center_very_broad":         "2020-fig18",
	"peak_broad":                "2020-fig19",
	"peak_narrow":               "2020-fig22",
	"logspace_broad":            "2020-fig23",
	"logspace_near_peak":        "2020-fig25",
	"logspace_near_peak_narrow": "2020-fig26",
}

// experimentFile is the name of the file, in its owner's directory, that holds an experiment's whole
// evaluation (scinet.ExperimentResult as compact JSON): too large to repeat in results.json, which
// package figures writes indented, and read by every figure of that experiment.
func experimentFile(name string) string { return name + ".json" }

// ExperimentSummary is the part of an experiment's evaluation small enough for results.json: what
// was trained, how, and its errors and latent statistics (with the μ histograms).
type ExperimentSummary struct {
	Experiment  scinet.Experiment    `json:"experiment"`
	Model       scinet.ModelConfig   `json:"model"`
	Parameters  int                  `json:"parameters"`
	Provenance  scinet.Provenance    `json:"provenance"`
	Errors      scinet.Errors        `json:"errors"`
	Latents     []scinet.LatentStats `json:"latents"`
	UsedLatents []int                `json:"used_latents"`
}

// summarize returns the summary of an evaluation.
func summarize(r *scinet.ExperimentResult) ExperimentSummary {
	return ExperimentSummary{Experiment: r.Experiment, Model: r.Model, Parameters: r.Parameters, Provenance: r.Provenance,
		Errors: r.Errors, Latents: r.Latents, UsedLatents: r.UsedLatents}
}

// result returns the summary as an ExperimentResult without curves, grids or samples.
func (s ExperimentSummary) result() *scinet.ExperimentResult {
	return &scinet.ExperimentResult{Experiment: s.Experiment, Model: s.Model, Parameters: s.Parameters, Provenance: s.Provenance,
		Errors: s.Errors, Latents: s.Latents, UsedLatents: s.UsedLatents}
}

// ExperimentSetup returns what the figures train for the SciNet experiment name at scale s: the
// experiment (a row of the review's table), the review's model (scinet.PaperModel) and the
// training budget (scinet.SciNetBudget).
func ExperimentSetup(name string, s scale.Scale) (scinet.Experiment, scinet.ModelConfig, scinet.Budget, error) {
	e, err := scinet.ExperimentByName(name)
	if err != nil {
		return scinet.Experiment{}, scinet.ModelConfig{}, scinet.Budget{}, err
	}
	b, err := scinet.SciNetBudget(s)
	if err != nil {
		return scinet.Experiment{}, scinet.ModelConfig{}, scinet.Budget{}, err
	}
	return e, scinet.PaperModel(), b, nil
}

// trainExperiment trains and evaluates the SciNet experiment owned by the running figure, at the
// run's scale and seed (through scinet.RunExperimentCached, as the notebooks do), saves its compacted evaluation in the figure's directory (experimentFile)
// and returns it.
func trainExperiment(run *figures.Run, name string) (*scinet.ExperimentResult, error) {
	if owners[name] != run.ID {
		return nil, fmt.Errorf("experiment %s is trained by %s, not %s", name, owners[name], run.ID)
	}
	e, cfg, b, err := ExperimentSetup(name, run.Scale)
	if err != nil {
		return nil, err
	}
	be, err := newBackend(run)
	if err != nil {
		return nil, err
	}
	cache, err := run.CacheDir()
	if err != nil {
		return nil, err
	}
	run.Logf("training SciNet on %s: %d steps of %d samples", name, b.Steps, b.Batch)
	r, reused, err := scinet.RunExperimentCached(cache, be, e, cfg, b, run.Seed)
	if err != nil {
		return nil, err
	}
	run.Step(reused, "SciNet on %s", name)
	run.Logf("%s trained in %.0f s; used latents %v", name, r.Provenance.ElapsedSeconds, r.UsedLatents)
	compact(r)
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(run.Path(experimentFile(name)), data, 0o644); err != nil {
		return nil, err
	}
	return r, nil
}

// requireExperiment returns the evaluation of a SciNet experiment saved by its owner figure at the
// run's scale (training it first when needed), and records the owner's backend in the run.
func requireExperiment(run *figures.Run, name string) (*scinet.ExperimentResult, error) {
	owner, ok := owners[name]
	if !ok {
		return nil, fmt.Errorf("unknown SciNet experiment %q", name)
	}
	st, err := run.Requires(owner)
	if err != nil {
		return nil, err
	}
	run.UsedBackend(st.Backend, "")
	return loadExperiment(run, name)
}

// loadExperiment reads the evaluation of a SciNet experiment saved by its owner figure at the run's
// scale.
func loadExperiment(run *figures.Run, name string) (*scinet.ExperimentResult, error) {
	owner, ok := owners[name]
	if !ok {
		return nil, fmt.Errorf("unknown SciNet experiment %q", name)
	}
	path := filepath.Join(figures.Dir(run.Root, owner, run.Scale), experimentFile(name))
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the evaluation of %s (saved by %s at scale %s; run `surrogo figure %s --scale %s`): %w", name, owner, run.Scale, owner, run.Scale, err)
	}
	var r scinet.ExperimentResult
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Experiment.Name != name {
		return nil, fmt.Errorf("%s holds experiment %q, not %s", path, r.Experiment.Name, name)
	}
	return &r, nil
}

// compact rounds the values of an experiment's evaluation to 5 significant digits (the figures
// need no more) and drops the latent grids of the extrapolation window (no figure draws them),
// which keeps the saved results small.
func compact(r *scinet.ExperimentResult) {
	for _, reg := range []*scinet.Region{&r.Training, &r.Extrapolation} {
		for _, g := range []*scinet.Grid{&reg.TruePhase, &reg.ModelPhase, &reg.TrueAmp, &reg.ModelAmp} {
			roundGrid(g)
		}
		for i := range reg.Mu {
			roundGrid(&reg.Mu[i])
		}
	}
	r.Extrapolation.Mu = nil
	s := &r.Scatter
	for _, xs := range [][]float64{s.Omega, s.Gamma, s.TruePhase, s.TrueAmp, s.ModelPhase, s.ModelAmp} {
		round5(xs)
	}
	for _, xs := range s.Mu {
		round5(xs)
	}
	round5(r.Curve.Loss)
	for _, xs := range r.Curve.Terms {
		round5(xs)
	}
	for i := range r.Latents {
		round5(r.Latents[i].Histogram.Edges)
	}
}

func roundGrid(g *scinet.Grid) {
	round5(g.X)
	round5(g.Y)
	round5(g.Z)
}

// round5 rounds every value of xs to 5 significant digits, in place.
func round5(xs []float64) { roundTo(xs, 5) }

// roundTo rounds every value of xs to the given number of significant digits, in place.
func roundTo(xs []float64, digits int) {
	for i, v := range xs {
		if r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64); err == nil {
			xs[i] = r
		}
	}
}

// sciNetStamp is the scale stamp of a figure showing SciNet trained with the budget of p.
func sciNetStamp(s scale.Scale, p scinet.Provenance) string {
	return figkit.Stamp(s, fmt.Sprintf("%s; here %d × %d", paperSciNetSetup, p.Steps, p.Batch), false)
}

// budgetPhrase describes a SciNet training budget, e.g. "3000 steps of 256 samples (0.75% of the
// paper's 50000 × 2048)".
func budgetPhrase(p scinet.Provenance) string {
	frac := float64(p.Steps) * float64(p.Batch) / (50000 * 2048)
	return fmt.Sprintf("%d steps of %d samples (%s of the paper's 50000 × 2048 samples)", p.Steps, p.Batch, percent(frac))
}

// heat returns a heatmap panel of a grid z(x, y) (rows along y, drawn with y upwards). The colour bar
// keeps its label only when the title does not already name the quantity (in a row of panels the label
// would sit next to the neighbour's axis label).
func heat(g scinet.Grid, title string, cs plots.ColorScale) *plots.Heatmap {
	if base, _, _ := strings.Cut(cs.Label, " ("); base != "" && strings.Contains(title, base) {
		cs.Label = ""
	}
	nx, ny := len(g.X), len(g.Y)
	dx, dy := 0.0, 0.0
	if nx > 1 {
		dx = (g.X[nx-1] - g.X[0]) / float64(nx-1)
	}
	if ny > 1 {
		dy = (g.Y[ny-1] - g.Y[0]) / float64(ny-1)
	}
	return &plots.Heatmap{
		Title: title, Data: g.Z, Rows: ny, Cols: nx, XLabel: g.XLabel, YLabel: g.YLabel, Color: cs,
		Extent:      &plots.Extent{XMin: g.X[0] - dx/2, XMax: g.X[nx-1] + dx/2, YMin: g.Y[0] - dy/2, YMax: g.Y[ny-1] + dy/2},
		OriginLower: true, FreeAspect: true,
	}
}

// span returns the smallest and largest finite values of the grids.
func span(grids ...scinet.Grid) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, g := range grids {
		for _, v := range g.Z {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if !(lo < hi) {
		lo, hi = lo-0.5, hi+0.5
	}
	return lo, hi
}

// sharedScale returns one colour scale for truth and model panels of the same quantity: the range of
// the truth grids widened to the model's, log-scaled when the values are positive and span more than
// a factor of 30 (the amplitude near resonance).
func sharedScale(label string, grids ...scinet.Grid) plots.ColorScale {
	lo, hi := span(grids...)
	cs := plots.ColorScale{Label: label}.Fixed(lo, hi)
	if lo > 0 && hi/lo > 30 {
		cs.Log = true
	}
	return cs
}

// phaseScale is the colour scale of the phase over wide windows: [0, π], the whole range of φ.
func phaseScale() plots.ColorScale {
	return plots.ColorScale{Label: "φ (rad)", Map: plots.Cividis}.Fixed(0, math.Pi)
}

// phaseScaleOf is the colour scale of the phase shared by truth and model panels on a window where φ
// covers only part of [0, π]: the range of the grids.
func phaseScaleOf(grids ...scinet.Grid) plots.ColorScale {
	lo, hi := span(grids...)
	return plots.ColorScale{Label: "φ (rad)", Map: plots.Cividis}.Fixed(lo, hi)
}

// window returns a closed line around the rectangle [x0, x1] × [y0, y1], to overlay on heatmaps.
func window(label string, x0, x1, y0, y1 float64) *plots.Line {
	l := &plots.Line{Label: label, X: []float64{x0, x1, x1, x0, x0}, Y: []float64{y0, y0, y1, y1, y0},
		Color: plots.Vermillion, Dashed: true, Marker: plots.MarkerNone}
	return l
}

// trainingWindow returns the overlay marking the training window (mean ± 2σ) of an experiment, clipped
// to where the evaluation grid is.
func trainingWindow(r *scinet.ExperimentResult) *plots.Line {
	g := r.Training.TruePhase
	return window("training window (mean ± 2σ)", g.X[0], g.X[len(g.X)-1], g.Y[0], g.Y[len(g.Y)-1])
}

// save writes the figure as <id>.png and <id>.svg in the run's directory.
func save(run *figures.Run, fig *plots.Figure) error {
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

// percent formats a fraction as a percentage with 2 significant digits, e.g. 0.034 -> "3.4%".
func percent(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case math.Abs(x) >= 0.1:
		return fmt.Sprintf("%.0f%%", 100*x)
	case math.Abs(x) >= 0.01:
		return fmt.Sprintf("%.1f%%", 100*x)
	}
	return fmt.Sprintf("%.2g%%", 100*x)
}

// latentList formats latent indices 1-based, as the review numbers them ("parameters 3 and 4").
func latentList(idx []int) string {
	if len(idx) == 0 {
		return "none"
	}
	parts := make([]string, len(idx))
	for i, v := range idx {
		parts[i] = strconv.Itoa(v + 1)
	}
	return strings.Join(parts, ", ")
}

// provenanceLine is the Markdown line stating how an experiment was trained.
func provenanceLine(r *scinet.ExperimentResult) string {
	p := r.Provenance
	return fmt.Sprintf("SciNet (%d parameters: encoder %s, %d latents, decoder %s, ELU, β = %g) trained on %s with Adam at learning rate %g: %s, in %.0f s.",
		r.Parameters, widthsList(r.Model.Encoder), r.Model.Latent, widthsList(r.Model.Decoder), r.Model.Beta, r.Experiment.Name, p.LearningRate, budgetPhrase(p), p.ElapsedSeconds)
}
