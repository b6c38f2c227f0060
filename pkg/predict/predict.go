// Package predict runs a trained surrogate on a configuration of the user's own: the input image
// of a solver.Problem through the kept model of a training run, with the solver's field, the
// error map and the 2023 paper's region errors beside it on request. `surrogo predict` and
// notebooks/explore.ipynb use it.
package predict

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

// ErrIncompatible is wrapped by the error of Check (and of Predict and Compare) for a
// configuration the model cannot take: another lattice size, or, unless Options.AnyPhysics,
// another source model, normalization or diffusion length than its training data's.
var ErrIncompatible = errors.New("the model cannot take this configuration")

// Options configure Load.
type Options struct {
	// Checkpoint is "best" (default: the kept model) or "last" (the latest end-of-epoch state).
	Checkpoint string
	// Backend runs the model; nil means backend.New() ($GOMLX_BACKEND), closed by Close.
	Backend backends.Backend
}

// Model is the trained surrogate of a run directory.
type Model struct {
	// Run is the run directory.
	Run string
	// Config is the run's configuration.
	Config training.Config
	// Checkpoint describes the loaded weights.
	Checkpoint training.CheckpointInfo
	// Spec is the data set the model was trained on: read from its cache (Config.Data.Dir), or
	// recognized among the paper recipes by its ID; nil when neither works.
	Spec *dataset.Spec
	// AnyPhysics lets Check accept another source model, normalization or diffusion length than
	// the training data's (to see how the model extrapolates); the lattice size must still match.
	AnyPhysics bool

	pred *training.Predictor
}

// Load loads the model of the run in dir.
func Load(dir string, opt Options) (*Model, error) {
	cfg, err := training.ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	p, err := training.LoadPredictor(dir, opt.Checkpoint, opt.Backend, nil)
	if err != nil {
		return nil, err
	}
	m := &Model{Run: dir, Config: cfg, Checkpoint: p.Checkpoint(), pred: p}
	m.Spec = findSpec(cfg.Data)
	return m, nil
}

// Close releases the backend Load created.
func (m *Model) Close() {
	if m.pred != nil {
		m.pred.Close()
		m.pred = nil
	}
}

// N returns the lattice size the model takes.
func (m *Model) N() int { return m.Config.Model.Size }

// Describe returns one line: the run, the network, the checkpoint and the training data.
func (m *Model) Describe() string {
	data := "training data set " + m.Config.Data.ID + " (not found: physics unchecked)"
	if s := m.Spec; s != nil {
		data = fmt.Sprintf("data set %s (%s recipe, %s scale: N = %d, %d..%d sources of radius %g, D = %g, gamma = %g, %s model, normalized %v)",
			m.Config.Data.ID, s.Recipe, s.Scale, s.N, s.MinSources, s.MaxSources, s.Radius, s.D, s.Gamma, s.Model, s.Normalize)
	}
	name := m.Config.Codename
	if name == "" {
		name = m.Config.Model.Name
	}
	return fmt.Sprintf("%s: %s %s, epoch %d (%s); trained on %s", m.Run, name, m.Config.Model.Describe(),
		m.Checkpoint.Epoch, m.Checkpoint.Kind, data)
}

// findSpec returns the data set of a run: from its cache when it is there, else the paper recipe
// (2021 or 2023, any scale, seeds 0..1023, either source model and normalization) whose ID is
// the run's; nil if none.
func findSpec(dc training.DataConfig) *dataset.Spec {
	if dc.Dir != "" {
		if st, err := datastore.Open(dc.Dir); err == nil {
			spec := st.Spec()
			if dc.ID == "" || spec.ID() == dc.ID {
				return &spec
			}
		}
	}
	if dc.ID == "" {
		return nil
	}
	for _, recipe := range []dataset.Recipe{dataset.Recipe2023, dataset.Recipe2021} {
		for _, sc := range scale.All {
			for seed := uint64(0); seed < 1024; seed++ {
				spec, err := dataset.New(recipe, sc, seed)
				if err != nil {
					break
				}
				for _, model := range []solver.SourceModel{solver.Relaxation, solver.Clamped} {
					for _, norm := range []bool{true, false} {
						spec.Model, spec.Normalize = model, norm
						if spec.ID() == dc.ID {
							return &spec
						}
					}
				}
			}
		}
	}
	return nil
}

// DiffusionLength returns sqrt(D/gamma), the length in cells over which the field decays (the
// field depends on D and gamma only through it); +Inf when gamma is 0.
func DiffusionLength(d, gamma float64) float64 {
	if gamma == 0 {
		return math.Inf(1)
	}
	return math.Sqrt(d / gamma)
}

// Check reports why the model cannot take the configuration p (an error wrapping
// ErrIncompatible), or a solver validation error, or nil. Notes lists what is allowed but
// differs from the training data (source radius, number of sources).
func (m *Model) Check(p solver.Problem) (notes []string, err error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if n := m.N(); p.N != n {
		return nil, fmt.Errorf("%w: it takes %d x %d lattices (run %s), the configuration is %d x %d",
			ErrIncompatible, n, n, m.Run, p.N, p.N)
	}
	s := m.Spec
	if s == nil {
		return []string{fmt.Sprintf("the run's data set %s was not found (data cache %q): source model, normalization and diffusion length are not checked",
			m.Config.Data.ID, m.Config.Data.Dir)}, nil
	}
	var other []string
	if p.Model != s.Model {
		other = append(other, fmt.Sprintf("source model %s (trained on %s)", p.Model, s.Model))
	}
	if p.Normalize != s.Normalize {
		other = append(other, fmt.Sprintf("normalize %v (trained with %v)", p.Normalize, s.Normalize))
	}
	lp, ls := DiffusionLength(p.D, p.Gamma), DiffusionLength(s.D, s.Gamma)
	if !(lp == ls || math.Abs(lp-ls) <= 1e-9*ls) {
		other = append(other, fmt.Sprintf("diffusion length sqrt(D/gamma) = %.4g cells (trained on %.4g: D = %g, gamma = %g)", lp, ls, s.D, s.Gamma))
	}
	if len(other) > 0 {
		msg := fmt.Sprintf("another recipe than the model's training data (%s %s): %s", s.Recipe, s.Scale, strings.Join(other, ", "))
		if !m.AnyPhysics {
			return nil, fmt.Errorf("%w: %s", ErrIncompatible, msg)
		}
		notes = append(notes, msg+"; predicting anyway")
	}
	radii := map[float64]bool{}
	for _, src := range p.Sources {
		radii[src.R] = true
	}
	if len(radii) > 1 || !radii[s.Radius] {
		var rs []string
		for r := range radii {
			rs = append(rs, fmt.Sprintf("%g", r))
		}
		sort.Strings(rs)
		notes = append(notes, fmt.Sprintf("source radii %s differ from the training data's %g", strings.Join(rs, ", "), s.Radius))
	}
	if k := len(p.Sources); k < s.MinSources || k > s.MaxSources {
		notes = append(notes, fmt.Sprintf("%d sources: the training data had %d to %d", k, s.MinSources, s.MaxSources))
	}
	return notes, nil
}

// Result is the prediction for one configuration, and with Compare the solver's field beside it.
type Result struct {
	Problem solver.Problem `json:"problem"`
	// Notes lists how the configuration differs from the training data (Check).
	Notes []string `json:"notes,omitempty"`
	// Input is the input image (source values on the disks, divided by their maximum) and
	// Prediction the model's field, N*N row-major (row = y).
	Input      []float32 `json:"-"`
	Prediction []float32 `json:"-"`
	// Target is the solver's field and Error Prediction - Target (nil without Compare).
	Target []float64 `json:"-"`
	Error  []float32 `json:"-"`
	// Regions holds the MAE of each region of the 2023 paper (whole, sources, field, R1, R2, R3;
	// metrics.Regions) with its number of pixels; MAE is NaN (null) for an empty region.
	Regions []RegionError `json:"regions,omitempty"`
	// MaxError is the largest |Error| and MaxErrorAt its cell (row, col).
	MaxError   float64 `json:"max_error,omitempty"`
	MaxErrorAt [2]int  `json:"max_error_at,omitempty"`
	// PredictSeconds and SolveSeconds are the times of the model and of the solver.
	PredictSeconds float64 `json:"predict_seconds"`
	SolveSeconds   float64 `json:"solve_seconds,omitempty"`
	// SolverIterations and SolverResidual describe the solve.
	SolverIterations int     `json:"solver_iterations,omitempty"`
	SolverResidual   float64 `json:"solver_residual,omitempty"`
}

// RegionError is the mean absolute error of the prediction in one region.
type RegionError struct {
	Region string             `json:"region"`
	Pixels int64              `json:"pixels"`
	MAE    training.JSONFloat `json:"mae"`
}

// Input returns the model's input image for p: float32 of solver's Problem.Input, as the
// data-set caches store it.
func Input(p solver.Problem) ([]float32, error) {
	a, err := p.Input()
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(a))
	for i, v := range a {
		out[i] = float32(v)
	}
	return out, nil
}

// Predict checks p (Check) and returns the model's prediction for it.
func (m *Model) Predict(p solver.Problem) (*Result, error) {
	notes, err := m.Check(p)
	if err != nil {
		return nil, err
	}
	in, err := Input(p)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	pred, err := m.pred.Predict(in, 1)
	if err != nil {
		return nil, err
	}
	return &Result{Problem: p, Notes: notes, Input: in, Prediction: pred, PredictSeconds: time.Since(start).Seconds()}, nil
}

// Compare is Predict with the solver's field (solved with opt), the error map and the region
// errors.
func (m *Model) Compare(p solver.Problem, opt solver.Options) (*Result, error) {
	r, err := m.Predict(p)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := solver.Solve(p, opt)
	if err != nil {
		return nil, err
	}
	r.SolveSeconds = time.Since(start).Seconds()
	r.SolverIterations, r.SolverResidual = res.Iterations, res.Residual
	r.Target = res.Field
	if err := r.measure(); err != nil {
		return nil, err
	}
	return r, nil
}

// measure fills in Error, MaxError and Regions from Target and Prediction.
func (r *Result) measure() error {
	n := r.Problem.N
	r.Error = make([]float32, len(r.Prediction))
	target := make([]float32, len(r.Target))
	r.MaxError = -1
	for i, t := range r.Target {
		target[i] = float32(t)
		e := float64(r.Prediction[i]) - t
		r.Error[i] = float32(e)
		if a := math.Abs(e); a > r.MaxError {
			r.MaxError, r.MaxErrorAt = a, [2]int{i / n, i % n}
		}
	}
	k := max(len(r.Problem.Sources), 1)
	acc, err := metrics.NewRegionAccumulator(k)
	if err != nil {
		return err
	}
	if err := acc.Add(r.Input, target, r.Prediction, k); err != nil {
		return err
	}
	r.Regions = r.Regions[:0]
	for _, reg := range metrics.Regions {
		st, err := acc.Stat(reg, k)
		if err != nil {
			return err
		}
		r.Regions = append(r.Regions, RegionError{Region: reg.String(), Pixels: st.Pixels, MAE: training.JSONFloat(st.MAE)})
	}
	return nil
}

// RegionSummary returns the region errors on one line, e.g. "whole 0.0123, sources 0.05, ...".
func (r *Result) RegionSummary() string {
	var parts []string
	for _, e := range r.Regions {
		if e.Pixels == 0 {
			parts = append(parts, e.Region+" (empty)")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.4g", e.Region, float64(e.MAE)))
	}
	return strings.Join(parts, ", ")
}

// Figure draws the input and the prediction, and with Compare the solver's field and the error
// map (prediction - target, on a symmetric diverging scale) with the region errors in the title.
func (r *Result) Figure(title string) *plots.Figure {
	n := r.Problem.N
	in := plots.NewHeatmap(r.Input)
	in.Title = fmt.Sprintf("input (%d sources)", len(r.Problem.Sources))
	in.Color.Label = "a"
	pred := plots.NewHeatmap(r.Prediction)
	pred.Title = "prediction"
	pred.Color.Label = "c"
	panels := []plots.Panel{in}
	if r.Target != nil {
		hi := 0.0
		for i, t := range r.Target {
			hi = math.Max(hi, math.Max(t, float64(r.Prediction[i])))
		}
		if !(hi > 0) {
			hi = 1
		}
		tg := plots.NewHeatmap(r.Target)
		tg.Title = "solver (target)"
		tg.Color = tg.Color.Fixed(0, hi)
		tg.Color.Label = "c"
		pred.Color = pred.Color.Fixed(0, hi)
		pred.Color.Label = "c"
		er := plots.NewHeatmap(r.Error)
		er.Title = fmt.Sprintf("error (max |e| %.3g)", r.MaxError)
		er.Color.Symmetric = true
		er.Color.Label = "prediction - target"
		panels = append(panels, tg, pred, er)
	} else {
		panels = append(panels, pred)
	}
	for _, p := range panels {
		h := p.(*plots.Heatmap)
		h.XLabel, h.YLabel = "x (cells)", "y (cells)"
	}
	fig := plots.NewFigure(1, len(panels), panels...)
	fig.Grid.Title = title
	if fig.Grid.Title == "" {
		fig.Grid.Title = fmt.Sprintf("%dx%d lattice, diffusion length %.3g cells", n, n, DiffusionLength(r.Problem.D, r.Problem.Gamma))
	}
	if r.Target != nil {
		fig.Stamp = "MAE by region: " + r.RegionSummary()
	}
	return fig
}

// Files are the names of the files Save writes in its directory.
const (
	InputFile      = "input.npy"      // float32 [N, N]
	PredictionFile = "prediction.npy" // float32 [N, N]
	FieldFile      = "field.npy"      // float64 [N, N], the solver's field (Compare)
	ErrorFile      = "error.npy"      // float32 [N, N], prediction - field (Compare)
	FigureFile     = "prediction.png"
	SummaryFile    = "prediction.json"
)

// Save writes the result into dir, every file atomically: input.npy, prediction.npy,
// prediction.png and prediction.json (the configuration, the model, notes, region errors), with
// field.npy and error.npy after Compare. It returns the paths written.
func (r *Result) Save(dir string, m *Model) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	n := r.Problem.N
	shape := []int{n, n}
	var written []string
	write := func(name string, data any) error {
		path := filepath.Join(dir, name)
		if err := npy.WriteFile(path, shape, data); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	if err := write(InputFile, r.Input); err != nil {
		return nil, err
	}
	if err := write(PredictionFile, r.Prediction); err != nil {
		return nil, err
	}
	if r.Target != nil {
		if err := write(FieldFile, r.Target); err != nil {
			return nil, err
		}
		if err := write(ErrorFile, r.Error); err != nil {
			return nil, err
		}
	}
	title := ""
	if m != nil {
		name := m.Config.Codename
		if name == "" {
			name = m.Config.Model.Name
		}
		title = fmt.Sprintf("%s (%s, epoch %d) on a %dx%d configuration, diffusion length %.3g cells", name, filepath.Base(m.Run),
			m.Checkpoint.Epoch, n, n, DiffusionLength(r.Problem.D, r.Problem.Gamma))
	}
	png := filepath.Join(dir, FigureFile)
	if err := r.Figure(title).Save(png); err != nil {
		return nil, err
	}
	written = append(written, png)
	summary := struct {
		Run        string                  `json:"run"`
		Model      string                  `json:"model"`
		Checkpoint training.CheckpointInfo `json:"checkpoint"`
		*Result
	}{Result: r}
	if m != nil {
		summary.Run, summary.Model, summary.Checkpoint = m.Run, m.Config.Model.Describe(), m.Checkpoint
	}
	data, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		return nil, err
	}
	js := filepath.Join(dir, SummaryFile)
	if err := atomicfile.WriteFile(js, append(data, '\n'), 0o644); err != nil {
		return nil, err
	}
	return append(written, js), nil
}

// FindRuns returns the run directories (holding config.json and checkpoints/best.ckpt) under
// the given roots, at most depth levels deep, sorted. Missing roots are skipped.
func FindRuns(depth int, roots ...string) []string {
	var runs []string
	var walk func(dir string, d int)
	walk = func(dir string, d int) {
		if isFile(filepath.Join(dir, training.ConfigFile)) && isFile(filepath.Join(dir, "checkpoints", "best.ckpt")) {
			runs = append(runs, dir)
			return
		}
		if d == 0 {
			return
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				walk(filepath.Join(dir, e.Name()), d-1)
			}
		}
	}
	for _, r := range roots {
		walk(r, depth)
	}
	sort.Strings(runs)
	return runs
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
