package fig2021

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/surrogate"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

// The speed-up analysis of the 2021 paper's section 4. A direct solve takes delta seconds, a
// surrogate evaluation epsilon; the surrogate needs M training solves and E seconds of training,
// so it pays off after N_min = (M + E/delta) / (1 − epsilon/delta) uses (Eq. 4), and never when
// epsilon >= delta. The paper: delta = 1.16 s (Julia, 20000 solves in 6.5 h), delta/epsilon ≈ 1000
// (Quadro RTX 6000), E = 12 h, N_min ≈ 57300.
//
// Here delta is measured with package solver (multigrid-preconditioned CG, one core, the
// tolerance of the data sets) on configurations of the paper's data set at 100 × 100, and at the
// lattice of the trained models; epsilon with batched inference on the CPU (pure-Go backend)
// of the trained model 9 and of the architecture at 100 × 100 with the scale's width and the
// paper's (weights do not change the cost); M and E are the hub's data set and training times.

func init() {
	figures.Register(figures.Def[SpeedupResults]{ID: "2021-speedup", Version: trainedVersion, Compute: computeSpeedup, Render: renderSpeedup, Summary: summarySpeedup})
}

// Paper values of section 4.
const (
	paperDelta = 1.16        // s per 100 × 100 solve (6.5 h for 20000)
	paperRatio = 1000.0      // delta/epsilon on a Quadro RTX 6000
	paperM     = 20000       // training solves
	paperE     = 12 * 3600.0 // s of training
	paperNMin  = 57300       // as printed
)

// SpeedupResults are the measured times and Eq. (4).
type SpeedupResults struct {
	Protocol Protocol `json:"protocol"`
	// Delta holds the solver's time per solution at 100 × 100 and at the models' lattice.
	Delta []DeltaRow `json:"delta"`
	// Epsilon holds the networks' inference time per solution.
	Epsilon []EpsilonRow `json:"epsilon"`
	// M is the number of configurations of the data set (solves to generate it) and
	// GenerationSeconds the wall time its generation took (parallel over the cores; from the
	// cache's provenance); MDelta is M times delta at the models' lattice.
	M                 int     `json:"m"`
	GenerationSeconds float64 `json:"generation_seconds"`
	GenerationWorkers int     `json:"generation_workers"`
	MDelta            float64 `json:"m_delta"`
	// E is the training time of model 9 and EMean the mean over the 14 models (s).
	E     float64 `json:"e"`
	EMean float64 `json:"e_mean"`
	// Cases apply Eq. (4) to the measured numbers, and to the paper's.
	Cases []NMinCase `json:"cases"`
	// Backend is the inference backend and CPUs the cores it had.
	Backend string `json:"backend"`
}

// DeltaRow is the solver's time per solution on one lattice.
type DeltaRow struct {
	N          int     `json:"n"`
	Solves     int     `json:"solves"`
	Mean       float64 `json:"mean_s"`
	Std        float64 `json:"std_s"`
	Iterations float64 `json:"mean_iterations"`
	Tol        float64 `json:"tol"`
}

// EpsilonRow is a network's inference time per solution at one batch size.
type EpsilonRow struct {
	Network     string  `json:"network"`
	N           int     `json:"n"`
	Width       int     `json:"width"`
	Trained     bool    `json:"trained"`
	GFLOP       float64 `json:"gflop"` // forward FLOPs per sample, 1e9
	Batch       int     `json:"batch"`
	Calls       int     `json:"calls"`
	PerSolution float64 `json:"per_solution_s"`
}

// NMinCase is Eq. (4) for one pairing of solver and network.
type NMinCase struct {
	Name    string  `json:"name"`
	Delta   float64 `json:"delta_s"`
	Epsilon float64 `json:"epsilon_s"`
	M       int     `json:"m"`
	E       float64 `json:"e_s"`
	// Ratio is delta/epsilon; NMin is Eq. (4), +Inf (null in JSON) when epsilon >= delta;
	// NMinApprox is M + E/delta, the paper's approximation.
	Ratio      float64            `json:"ratio"`
	NMin       training.JSONFloat `json:"n_min"`
	NMinApprox float64            `json:"n_min_approx"`
}

// nMin is Eq. (4), metrics.BreakEven: (M + E/delta) / (1 − epsilon/delta), +Inf when the
// surrogate is not faster.
func nMin(m int, e, delta, eps float64) float64 { return metrics.BreakEven(float64(m), e, delta, eps) }

// SpeedupSizes are the sizes of the speed-up measurements at one scale.
type SpeedupSizes struct {
	// Solves is the number of timed solves per lattice.
	Solves int
	// Reps is the number of timed inference calls of the trained network and of the scale-width
	// architecture, PaperReps those of the paper-size network.
	Reps, PaperReps int
	// Large is the large batch of the trained network and of the scale-width architecture (both
	// are also timed at batch 1); PaperBatch that of the paper-size network (0: batch 1 only; its
	// batch of 64 would take minutes on 2 cores).
	Large, PaperBatch int
	// Lattice is the lattice of the architecture measurements (100, the paper's, except at the
	// smoke scale, which only exercises the code).
	Lattice int
}

// NewSpeedupSizes returns the sizes of the speed-up measurements at scale s.
func NewSpeedupSizes(s scale.Scale) SpeedupSizes {
	if s == scale.Smoke {
		return SpeedupSizes{Solves: 20, Reps: 2, PaperReps: 1, Large: 16, PaperBatch: 0, Lattice: 32}
	}
	return SpeedupSizes{Solves: 200, Reps: 10, PaperReps: 2, Large: 64, PaperBatch: 8, Lattice: 100}
}

func computeSpeedup(run *figures.Run) (SpeedupResults, error) {
	var res SpeedupResults
	hub, err := requireHub(run)
	if err != nil {
		return res, err
	}
	p := hub.Protocol
	res.Protocol = p
	sz := NewSpeedupSizes(run.Scale)
	// delta at 100 × 100 on the paper's configurations, and at the models' lattice.
	paperSpec, err := dataset.New(dataset.Recipe2021, dataset.ScalePaper, run.Seed)
	if err != nil {
		return res, err
	}
	lattices := []dataset.Spec{paperSpec}
	if p.N != paperSpec.N {
		s, err := specOf(&hub, run.Seed)
		if err != nil {
			return res, err
		}
		lattices = append(lattices, s)
	}
	for _, s := range lattices {
		d, err := MeasureDelta(s, sz.Solves)
		if err != nil {
			return res, err
		}
		run.Logf("delta at %d × %d: %.3g ms per solve (%d solves, %.1f iterations)", d.N, d.N, d.Mean*1e3, d.Solves, d.Iterations)
		res.Delta = append(res.Delta, d)
	}
	// epsilon: the trained model 9, and the architecture at 100 × 100 (scale width and paper width).
	b, err := newBackend(run)
	if err != nil {
		return res, err
	}
	defer b.Finalize()
	spec, err := specOf(&hub, run.Seed)
	if err != nil {
		return res, err
	}
	store, _, err := openData(run, spec)
	if err != nil {
		return res, err
	}
	dir, _, err := trainModel(run, &p, store, b, 9, true) // the hub's run: found, not retrained
	if err != nil {
		return res, err
	}
	data, err := surrogate.OpenData(store.Dir())
	if err != nil {
		return res, err
	}
	test, err := LoadExamples(data, p.Test)
	if err != nil {
		return res, err
	}
	m, err := surrogate.Load(dir, b)
	if err != nil {
		return res, err
	}
	for _, batch := range []int{1, sz.Large} {
		e, err := MeasureTrained(m, test, batch, sz.Reps)
		if err != nil {
			m.Close()
			return res, err
		}
		res.Epsilon = append(res.Epsilon, e)
	}
	m.Close()
	arch, err := MeasureArchitectures(b, p.Width, sz)
	if err != nil {
		return res, err
	}
	res.Epsilon = append(res.Epsilon, arch...)
	for _, e := range res.Epsilon {
		run.Logf("epsilon %s, batch %d: %.3g ms per solution", e.Network, e.Batch, e.PerSolution*1e3)
	}
	// M and E.
	res.M = hub.Generation.Configurations
	res.GenerationSeconds, res.GenerationWorkers = hub.Generation.Recorded, hub.Generation.Workers
	m9, err := hub.model(9)
	if err != nil {
		return res, err
	}
	res.E = m9.Training.Seconds
	var es []float64
	for _, m := range hub.Models {
		es = append(es, m.Training.Seconds)
	}
	res.EMean = mean(es)
	dModels := res.Delta[len(res.Delta)-1]
	res.MDelta = float64(res.M) * dModels.Mean
	res.Cases = SpeedupCases(res)
	return res, nil
}

// MeasureArchitectures times the inference of model 9's architecture with fresh weights on the
// lattice sz.Lattice (MeasureFresh): at the scale's width at batch 1 and sz.Large, and at the
// paper's width (64) at batch 1 and sz.PaperBatch.
func MeasureArchitectures(b backends.Backend, width int, sz SpeedupSizes) ([]EpsilonRow, error) {
	var rows []EpsilonRow
	for _, w := range []int{width, models.PaperWidth} {
		batches, reps := []int{1, sz.Large}, sz.Reps
		if w == models.PaperWidth {
			batches, reps = []int{1}, sz.PaperReps
			if sz.PaperBatch > 1 {
				batches = append(batches, sz.PaperBatch)
			}
		}
		for _, batch := range batches {
			e, err := MeasureFresh(b, sz.Lattice, w, batch, reps)
			if err != nil {
				return rows, err
			}
			rows = append(rows, e)
		}
		if w == width && width == models.PaperWidth {
			break
		}
	}
	return rows, nil
}

// SpeedupCases applies Eq. (4) to the paper's numbers and to the measured ones of r (its Delta,
// Epsilon, M and E): the paper's case, each network at its largest batch against the solver at
// its lattice, the paper's M and E with the paper-size network on this CPU, and the paper's GPU
// surrogate against this solver at 100 × 100.
func SpeedupCases(r SpeedupResults) []NMinCase {
	mk := func(name string, delta, eps float64, m int, e float64) NMinCase {
		return NMinCase{Name: name, Delta: delta, Epsilon: eps, M: m, E: e, Ratio: delta / eps,
			NMin: jf(nMin(m, e, delta, eps)), NMinApprox: float64(m) + e/delta}
	}
	cases := []NMinCase{mk("paper (Julia solver, Quadro RTX 6000)", paperDelta, paperDelta/paperRatio, paperM, paperE)}
	deltaAt := func(n int) (float64, bool) {
		for _, d := range r.Delta {
			if d.N == n {
				return d.Mean, true
			}
		}
		return 0, false
	}
	for i, e := range r.Epsilon {
		// The largest batch of each network: the surrogate's best case, as the paper's.
		if i+1 < len(r.Epsilon) && r.Epsilon[i+1].Network == e.Network {
			continue
		}
		delta, ok := deltaAt(e.N)
		if !ok {
			continue
		}
		name := fmt.Sprintf("ours: %s, batch %d, vs our solver at %d × %d", e.Network, e.Batch, e.N, e.N)
		cases = append(cases, mk(name, delta, e.PerSolution, r.M, r.E))
		if e.Trained || e.Width != models.PaperWidth {
			continue
		}
		// The paper's network and training cost with our solver: what a fast solver does.
		cases = append(cases, mk(fmt.Sprintf("paper's M and E, paper-size network on our CPU (batch %d), our solver at %d × %d", e.Batch, e.N, e.N),
			delta, e.PerSolution, paperM, paperE))
	}
	if d100, ok := deltaAt(100); ok {
		cases = append(cases, mk("paper's M, E and δ/ε ≈ 1000 GPU surrogate, our solver at 100 × 100", d100, paperDelta/paperRatio, paperM, paperE))
	}
	return cases
}

// MeasureDelta times solves of the first configurations of spec with one core (three untimed
// warm-up solves first): the paper's δ on spec's lattice.
func MeasureDelta(spec dataset.Spec, solves int) (DeltaRow, error) {
	row := DeltaRow{N: spec.N, Solves: solves, Tol: datastore.DefaultTol}
	s, err := solver.NewSolver(spec.N, spec.D, spec.Gamma, solver.Options{Tol: datastore.DefaultTol, Workers: 1})
	if err != nil {
		return row, err
	}
	field := make([]float64, spec.N*spec.N)
	times := make([]float64, 0, solves)
	iters := 0
	for i := -3; i < solves; i++ { // three untimed warm-up solves
		prob, err := spec.Problem(max(i, 0) % spec.Len())
		if err != nil {
			return row, err
		}
		start := time.Now()
		st, err := s.SolveInto(field, prob)
		if err != nil {
			return row, err
		}
		if i >= 0 {
			times = append(times, time.Since(start).Seconds())
			iters += st.Iterations
		}
	}
	row.Mean = mean(times)
	var ss float64
	for _, t := range times {
		ss += (t - row.Mean) * (t - row.Mean)
	}
	row.Std = math.Sqrt(ss / float64(max(len(times)-1, 1)))
	row.Iterations = float64(iters) / float64(solves)
	return row, nil
}

// MeasureTrained times the inference of a trained model on batches of batch examples of ex (the
// first ones, repeated if there are fewer), reps calls after an untimed one that compiles: the
// paper's ε of the trained network on this machine. The batch must not exceed the run's
// evaluation batch.
func MeasureTrained(m *surrogate.Model, ex *Examples, batch, reps int) (EpsilonRow, error) {
	cfg := m.Config
	if batch > cfg.EvalBatchSize {
		return EpsilonRow{}, fmt.Errorf("batch %d exceeds the run's evaluation batch %d", batch, cfg.EvalBatchSize)
	}
	if ex.Len() == 0 || ex.N != cfg.Model.Size {
		return EpsilonRow{}, fmt.Errorf("%d examples of %d × %d for a model of %d × %d", ex.Len(), ex.N, ex.N, cfg.Model.Size, cfg.Model.Size)
	}
	n := cfg.Model.Size
	inputs := make([]float32, 0, batch*n*n)
	for i := range batch {
		inputs = append(inputs, ex.Image(ex.Inputs, i%ex.Len())...)
	}
	a, err := models.Analyze(cfg.Model)
	if err != nil {
		return EpsilonRow{}, err
	}
	if _, err := m.Predict(inputs); err != nil { // compiles
		return EpsilonRow{}, err
	}
	start := time.Now()
	for range reps {
		if _, err := m.Predict(inputs); err != nil {
			return EpsilonRow{}, err
		}
	}
	return EpsilonRow{Network: fmt.Sprintf("trained model 9 (%d × %d, W = %d)", n, n, cfg.Model.Width), N: n, Width: cfg.Model.Width, Trained: true,
		GFLOP: float64(a.FLOPs) / 1e9, Batch: batch, Calls: reps, PerSolution: time.Since(start).Seconds() / float64(reps*batch)}, nil
}

// MeasureFresh times the inference of model 9's architecture at lattice n and width w with
// freshly initialized weights (the cost does not depend on their values).
func MeasureFresh(b backends.Backend, n, w, batch, reps int) (EpsilonRow, error) {
	c, err := models.Model2021(9, n)
	if err != nil {
		return EpsilonRow{}, err
	}
	c.Width = w
	a, err := models.Analyze(c)
	if err != nil {
		return EpsilonRow{}, err
	}
	fn, err := models.Build(c)
	if err != nil {
		return EpsilonRow{}, err
	}
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(1))
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) *Node { return fn(ctx, x) })
	if err != nil {
		return EpsilonRow{}, err
	}
	defer exec.Finalize()
	x := tensors.FromFlatDataAndDimensions(make([]float32, batch*n*n), batch, n, n, 1)
	call := func() error {
		out, err := exec.Exec(x)
		if err != nil {
			return err
		}
		for _, t := range out {
			t.FinalizeAll()
		}
		return nil
	}
	if err := call(); err != nil { // compiles and initializes the weights
		return EpsilonRow{}, fmt.Errorf("inference of %s: %w", c.Describe(), err)
	}
	start := time.Now()
	for range reps {
		if err := call(); err != nil {
			return EpsilonRow{}, err
		}
	}
	name := fmt.Sprintf("architecture at %d × %d, W = %d", n, n, w)
	if w == models.PaperWidth {
		name = fmt.Sprintf("paper-size network (%d × %d, W = 64)", n, n)
	}
	return EpsilonRow{Network: name, N: n, Width: w, GFLOP: float64(a.FLOPs) / 1e9, Batch: batch, Calls: reps,
		PerSolution: time.Since(start).Seconds() / float64(reps*batch)}, nil
}

func renderSpeedup(run *figures.Run, r SpeedupResults) error {
	fig, err := SpeedupFigure(r)
	if err != nil {
		return err
	}
	return saveFigure(run, fig)
}

// SpeedupFigure draws the speed-up analysis: (a) the time per solution of the solvers and the
// networks, (b) the total time of direct solves and of the surrogate (M·δ + E + N·ε) against the
// number of uses N, which cross at N_min (Eq. 4).
func SpeedupFigure(r SpeedupResults) (*plots.Figure, error) {
	if len(r.Delta) == 0 || len(r.Epsilon) == 0 || len(r.Cases) == 0 {
		return nil, errIncomplete
	}
	// (a) time per solution: the solvers and the networks, log scale.
	bars := &plots.BarChart{Title: "(a) time per solution (CPU unless noted; b = batch)", YLabel: "seconds per solution", LogY: true, Grid: true,
		RotateLabels: true, Legend: plots.LegendNone}
	var vals []float64
	bars.Categories = append(bars.Categories, "paper: Julia 100²")
	vals = append(vals, paperDelta)
	bars.Categories = append(bars.Categories, "paper: NN GPU 100²")
	vals = append(vals, paperDelta/paperRatio)
	for _, d := range r.Delta {
		bars.Categories = append(bars.Categories, fmt.Sprintf("solver %d²", d.N))
		vals = append(vals, d.Mean)
	}
	for _, e := range r.Epsilon {
		label := fmt.Sprintf("NN %d² W%d b%d", e.N, e.Width, e.Batch)
		if e.Trained {
			label = fmt.Sprintf("trained %d² W%d b%d", e.N, e.Width, e.Batch)
		}
		bars.Categories = append(bars.Categories, label)
		vals = append(vals, e.PerSolution)
	}
	bars.Add("time per solution", vals).Color = plots.Blue
	// (b) total time against the number of uses N: direct N·δ, surrogate M·δ + E + N·ε; they cross
	// at N_min (Eq. 4), or never when ε >= δ.
	nb := &plots.Axes{Title: "(b) total time vs number of uses N (crossing: N_{min}, Eq. 4)", XLabel: "number of solutions N",
		YLabel: "total time (s)", LogX: true, LogY: true, Grid: true, Legend: plots.LegendTopLeft,
		XRange: plots.Range{Min: 1, Max: 1e9}}
	ns := make([]float64, 0, 181)
	for e := 0.0; e <= 9.0001; e += 0.05 {
		ns = append(ns, math.Pow(10, e))
	}
	line := func(label string, f func(n float64) float64, c any, dashed bool) {
		y := make([]float64, len(ns))
		for i, n := range ns {
			y[i] = f(n)
		}
		l := nb.Line(label, ns, y)
		l.Marker, l.Dashed = plots.MarkerNone, dashed
		if col, ok := c.(interface{ RGBA() (r, g, b, a uint32) }); ok {
			l.Color = col
		}
	}
	d100 := r.Delta[0].Mean
	paperEps := paperDelta / paperRatio
	line("paper: direct (Julia, δ = 1.16 s)", func(n float64) float64 { return n * paperDelta }, plots.Gray, false)
	line("paper: surrogate (M = 20k, E = 12 h, GPU ε)", func(n float64) float64 { return paperM*paperDelta + paperE + n*paperEps }, plots.Gray, true)
	line(fmt.Sprintf("ours: direct (δ = %.2g ms)", d100*1e3), func(n float64) float64 { return n * d100 }, plots.Blue, false)
	var epsPaperCPU float64
	for _, e := range r.Epsilon {
		if e.Width == models.PaperWidth && !e.Trained && e.N == r.Delta[0].N {
			epsPaperCPU = e.PerSolution // the largest batch measured comes last
		}
	}
	if epsPaperCPU > 0 {
		line(fmt.Sprintf("surrogate: paper's M, E, paper-size net on our CPU (ε = %.2g s)", epsPaperCPU),
			func(n float64) float64 { return paperM*d100 + paperE + n*epsPaperCPU }, plots.Vermillion, true)
	}
	line(fmt.Sprintf("surrogate: paper's M, E, GPU ε = %.2g ms", paperEps*1e3),
		func(n float64) float64 { return paperM*d100 + paperE + n*paperEps }, plots.Orange, true)
	if n := nMin(paperM, paperE, paperDelta, paperEps); finite(n) {
		pt := nb.Scatter(fmt.Sprintf("paper's N_{min} ≈ %.3g", n), []float64{n}, []float64{n * paperDelta})
		pt.Color, pt.Marker = plots.Green, plots.MarkerCircle
	}
	fig := plots.NewFigure(1, 2, bars, nb)
	fig.Title = "Speed-up analysis (section 4): direct solves vs surrogate, and when the surrogate pays off"
	fig.Width, fig.Height = 14*vg.Inch, 6*vg.Inch
	fig.Stamp = r.Protocol.Stamp()
	return fig, nil
}

func summarySpeedup(r SpeedupResults) string {
	var b strings.Builder
	if len(r.Delta) == 0 || len(r.Cases) == 0 {
		return "results are incomplete"
	}
	b.WriteString("| quantity | paper | ours |\n| --- | --- | --- |\n")
	d100 := r.Delta[0]
	fmt.Fprintf(&b, "| δ, one 100 × 100 solution | %.3g s (Julia, 20k in 6.5 h) | %.3g ms ± %.2g (package solver, multigrid CG, 1 core, tol %.0e, %d solves, %.1f iterations) |\n",
		paperDelta, d100.Mean*1e3, d100.Std*1e3, d100.Tol, d100.Solves, d100.Iterations)
	for _, d := range r.Delta[1:] {
		fmt.Fprintf(&b, "| δ at the models' lattice %d × %d | — | %.3g ms |\n", d.N, d.N, d.Mean*1e3)
	}
	for _, e := range r.Epsilon {
		fmt.Fprintf(&b, "| ε, %s, batch %d (%.3g GFLOP/sample) | — | %.3g ms (%d calls, pure-Go backend) |\n", e.Network, e.Batch, e.GFLOP, e.PerSolution*1e3, e.Calls)
	}
	fmt.Fprintf(&b, "| δ/ε | ≈ %g (Quadro RTX 6000) | see the cases below |\n", paperRatio)
	fmt.Fprintf(&b, "| M (solves for the data set) | %d | %d (M·δ = %.3g s; generated in %.3g s wall on %d workers) |\n", paperM, r.M, r.MDelta, r.GenerationSeconds, r.GenerationWorkers)
	fmt.Fprintf(&b, "| E (training time) | 12 h | %.0f s for model 9 (mean over the 14 models %.0f s) |\n", r.E, r.EMean)
	fmt.Fprintf(&b, "| N_min, Eq. (4) | ≈ %d | see below |\n\n", paperNMin)
	b.WriteString("| case | δ | ε | δ/ε | M | E | N_min (Eq. 4) | M + E/δ |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, c := range r.Cases {
		n := "never (ε ≥ δ)"
		if v := float64(c.NMin); finite(v) {
			n = fmt.Sprintf("%.3g", v)
		}
		fmt.Fprintf(&b, "| %d. %s | %.3g s | %.3g s | %.3g | %d | %.3g s | %s | %.3g |\n", i+1, c.Name, c.Delta, c.Epsilon, c.Ratio, c.M, c.E, n, c.NMinApprox)
	}
	return b.String()
}
