package fig2023

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/solver"
)

// Fig. 3: the regions of the lattice for a 19-source configuration (panels a-g) and the area
// fractions of R1, R2, R3 and the sources versus the number of sources (panel h), averaged
// over the first PerCount configurations of every count of the 2023 data set at N = 512.
// Panel i is the check of the reduced scales (issue 13): the same area fractions on the data
// sets of the smoke, cpu and gpu scales (N = 32, 128, 256 with R and l scaled with N, the
// smoke one at 4x the paper's R/N and l/N) next to those at N = 512.

func init() {
	figures.Register(figures.Def[Fig03Results]{
		ID: "2023-fig03", Compute: computeFig03, Render: renderFig03, Summary: summaryFig03,
	})
}

// fig03ExampleSources is the number of sources of the configuration of panels a-g.
const fig03ExampleSources = 19

// fig03Regions are the regions whose area fractions Fig. 3h shows, with the field (which
// covers the rest of the lattice).
var fig03Regions = []metrics.Region{metrics.Sources, metrics.Field, metrics.R1, metrics.R2, metrics.R3}

// fig03Near1 is the threshold of the pixels "with values near 1" of the paper's estimate of
// their fraction (~ pi R^2/L^2), counted over the whole lattice, sources included.
const fig03Near1 = 0.9

// fig03Near1Name names that pixel class in the results.
const fig03Near1Name = "c ≥ 0.9"

// fig03Classes is the number of pixel classes counted: the regions and the pixels near 1.
const fig03Classes = 6

// Fig03Results are the results behind Fig. 3.
type Fig03Results struct {
	DataSet  string  `json:"data_set"`  // the data set the configurations come from
	N        int     `json:"n"`         // lattice size
	Radius   float64 `json:"radius"`    // source radius
	L        float64 `json:"l"`         // diffusion length sqrt(D/gamma)
	Model    string  `json:"model"`     // source model of the steady states
	Tol      float64 `json:"tol"`       // relative residual of the solves
	PerCount int     `json:"per_count"` // configurations averaged per number of sources
	// Counts are the numbers of sources, 1 to 20.
	Counts []int `json:"counts"`
	// Regions hold the area fractions per number of sources of the regions sources, field, R1,
	// R2, R3 and of the pixels with values near 1 ("c ≥ 0.9", sources included).
	Regions []Fig03Region `json:"regions"`
	// Example is the 19-source configuration of panels a-g.
	Example Fig03Example `json:"example"`
	// Solver describes the solves.
	Solver SolveStats `json:"solver"`
	// Reduced are the area fractions of the same regions on the data sets of the reduced scales
	// (Fig. 3h at smoke, cpu and gpu scale), to compare with Regions at N = 512.
	Reduced []Fig03Scale `json:"reduced"`
}

// Fig03Scale holds the area fractions of one reduced scale's data set.
type Fig03Scale struct {
	Scale    scale.Scale   `json:"scale"`     // the scale whose 2023 data set this is
	DataSet  string        `json:"data_set"`  // its description
	N        int           `json:"n"`         // lattice size
	Radius   float64       `json:"radius"`    // source radius
	L        float64       `json:"l"`         // diffusion length
	PerCount int           `json:"per_count"` // configurations averaged per number of sources
	Regions  []Fig03Region `json:"regions"`   // as Fig03Results.Regions
	Solver   SolveStats    `json:"solver"`
}

// fig03ReducedScales are the scales whose 2023 data sets panel i compares with N = 512.
var fig03ReducedScales = []scale.Scale{scale.Smoke, scale.CPU, scale.GPU}

// Fig03Region holds the area fraction of one region for every number of sources: the mean
// over the configurations (the paper's "average area fraction") and the standard deviation
// between configurations.
type Fig03Region struct {
	Name string    `json:"name"` // metrics.Region name: sources, field, R1, R2, R3
	Mean []float64 `json:"mean"` // fraction of the lattice, one per number of sources
	Std  []float64 `json:"std"`  // standard deviation over configurations
}

// Fig03Example is the configuration of panels a-g.
type Fig03Example struct {
	Index    int             `json:"index"`     // configuration index in the data set
	NSources int             `json:"n_sources"` // number of sources
	Sources  []solver.Source `json:"sources"`
	// Target is the .npy file (float32, shape [1, N, N]) of the normalized steady state, in the
	// figure's directory.
	Target string `json:"target"`
	// Max is the maximum of the unnormalized steady state (the target is divided by it).
	Max float64 `json:"max"`
	// Fractions are the area fractions of the regions in this configuration.
	Fractions map[string]float64 `json:"fractions"`
}

// SolveStats summarizes the steady-state solves behind a figure.
type SolveStats struct {
	Solves         int     `json:"solves"`
	MeanIterations float64 `json:"mean_iterations"`
	MaxIterations  int     `json:"max_iterations"`
	MaxResidual    float64 `json:"max_residual"` // largest final relative residual
	CPUSeconds     float64 `json:"cpu_seconds"`  // sum of the solve times (one worker each)
}

// Fig03PerCount returns the number of configurations per number of sources that Fig. 3h
// averages at a scale (5 at smoke, 1,000 at cpu, 5,000 at gpu, all 20,000 at paper scale).
func Fig03PerCount(s scale.Scale) (int, error) { return perScale(s, 5, 1000, 5000, 20000) }

// Fig03ReducedScales returns the scales whose 2023 data sets panel i compares with N = 512.
func Fig03ReducedScales() []scale.Scale { return slices.Clone(fig03ReducedScales) }

// Fig03ReducedSpec returns the 2023 data set of a reduced scale for panel i, grown to at least
// perCount configurations per number of sources: configurations are functions of (k, j) alone,
// so the data set's own configurations come first.
func Fig03ReducedSpec(s scale.Scale, seed uint64, perCount int) (dataset.Spec, error) {
	spec, err := dataset.New(dataset.Recipe2023, s, seed)
	if err != nil {
		return spec, err
	}
	spec.PerCount = max(spec.PerCount, perCount)
	return spec, nil
}

// SourceAreaEstimate is the paper's estimate of the area fraction of k sources of radius r on
// an n x n lattice, k*pi*r^2/n^2 (its "~ pi R^2/L^2 = 0.03 - 0.6%", also its estimate of the
// fraction of pixels with values near 1).
func SourceAreaEstimate(k int, r float64, n int) float64 {
	return float64(k) * math.Pi * r * r / float64(n*n)
}

// regionCounts classifies the pixels of one configuration as the metrics package defines the
// regions (see metrics.Region): sources where the input is > 0, field elsewhere, and among the
// field pixels R1, R2 and R3 by the target's value. The order is that of fig03Regions; the last
// count is that of the pixels with target >= fig03Near1 anywhere.
func regionCounts(input, target []float64) [fig03Classes]int64 {
	var c [fig03Classes]int64
	for i, a := range input {
		if target[i] >= fig03Near1 {
			c[5]++
		}
		if a > 0 {
			c[0]++
			continue
		}
		c[1]++
		switch t := target[i]; {
		case t >= metrics.R1Min:
			c[2]++
		case t >= metrics.R2Min:
			c[3]++
		case t >= metrics.R3Min:
			c[4]++
		}
	}
	return c
}

// fig03Acc accumulates integer pixel counts, so that the result does not depend on the order
// in which workers finish.
type fig03Acc struct {
	sum, sumSq [][fig03Classes]int64 // per number of sources
	iterations int64
	maxIter    int
	maxRes     float64
	elapsed    time.Duration
	solves     int
}

func newFig03Acc(counts int) *fig03Acc {
	return &fig03Acc{sum: make([][fig03Classes]int64, counts), sumSq: make([][fig03Classes]int64, counts)}
}

func (a *fig03Acc) add(k int, c [fig03Classes]int64, st solver.Stats) {
	for r := range c {
		a.sum[k-1][r] += c[r]
		a.sumSq[k-1][r] += c[r] * c[r]
	}
	a.iterations += int64(st.Iterations)
	a.maxIter = max(a.maxIter, st.Iterations)
	a.maxRes = max(a.maxRes, st.Residual)
	a.elapsed += st.Elapsed
	a.solves++
}

func (a *fig03Acc) merge(o *fig03Acc) {
	for k := range a.sum {
		for r := range a.sum[k] {
			a.sum[k][r] += o.sum[k][r]
			a.sumSq[k][r] += o.sumSq[k][r]
		}
	}
	a.iterations += o.iterations
	a.maxIter = max(a.maxIter, o.maxIter)
	a.maxRes = max(a.maxRes, o.maxRes)
	a.elapsed += o.elapsed
	a.solves += o.solves
}

func (a *fig03Acc) stats() SolveStats {
	return SolveStats{Solves: a.solves, MeanIterations: float64(a.iterations) / float64(max(a.solves, 1)),
		MaxIterations: a.maxIter, MaxResidual: a.maxRes, CPUSeconds: a.elapsed.Seconds()}
}

// newSolvers returns one single-threaded solver per worker for the lattice of spec.
func newSolvers(spec dataset.Spec, workers int) ([]*solver.Solver, error) {
	out := make([]*solver.Solver, workers)
	for w := range out {
		s, err := solver.NewSolver(spec.N, spec.D, spec.Gamma, solver.Options{Workers: 1})
		if err != nil {
			return nil, err
		}
		out[w] = s
	}
	return out, nil
}

// areaFractions solves the first perCount configurations of every number of sources of spec
// and returns the mean and standard deviation of the area fraction of each pixel class (in the
// order of the names: sources, field, R1, R2, R3, c >= 0.9) and the solve statistics.
func areaFractions(ctx context.Context, logf func(string, ...any), spec dataset.Spec, perCount int) ([]Fig03Region, SolveStats, error) {
	if perCount < 1 || perCount > spec.PerCount {
		return nil, SolveStats{}, fmt.Errorf("%d configurations per number of sources, the data set has %d", perCount, spec.PerCount)
	}
	nCounts := spec.NumCounts()
	workers := runtime.GOMAXPROCS(0)
	solvers, err := newSolvers(spec, workers)
	if err != nil {
		return nil, SolveStats{}, err
	}
	fields := make([][]float64, workers)
	accs := make([]*fig03Acc, workers)
	for w := range fields {
		fields[w] = make([]float64, spec.N*spec.N)
		accs[w] = newFig03Acc(nCounts)
	}
	total := nCounts * perCount
	logf("solving %d configurations (%d per number of sources, %s) on %d workers", total, perCount, spec.Geometry(), workers)
	err = figkit.Parallel(ctx, total, workers, func(w, i int) error {
		k, j := spec.MinSources+i/perCount, i%perCount
		p, err := spec.Problem(spec.Index(k, j))
		if err != nil {
			return err
		}
		st, err := solvers[w].SolveInto(fields[w], p)
		if err != nil {
			return fmt.Errorf("configuration (%d sources, #%d): %w", k, j, err)
		}
		accs[w].add(k, regionCounts(solvers[w].Input(), fields[w]), st)
		return nil
	}, func(done, total int, elapsed time.Duration) {
		logf("%d/%d solved in %.0f s", done, total, elapsed.Seconds())
	})
	if err != nil {
		return nil, SolveStats{}, err
	}
	acc := newFig03Acc(nCounts)
	for _, a := range accs {
		acc.merge(a)
	}
	pixels := float64(spec.N * spec.N)
	names := []string{fig03Near1Name}
	for _, region := range fig03Regions {
		names = append(names, region.String())
	}
	names = append(names[1:], names[0])
	var regions []Fig03Region
	for r, name := range names {
		reg := Fig03Region{Name: name}
		for k := range nCounts {
			n := float64(perCount)
			mean := float64(acc.sum[k][r]) / n
			variance := max(float64(acc.sumSq[k][r])/n-mean*mean, 0)
			reg.Mean = append(reg.Mean, mean/pixels)
			reg.Std = append(reg.Std, math.Sqrt(variance)/pixels)
		}
		regions = append(regions, reg)
	}
	return regions, acc.stats(), nil
}

// Fig03Areas are the area fractions of Fig. 3h on one data set.
type Fig03Areas struct {
	// DataSet is the ID of the data set (dataset.Spec.ID: it fingerprints the whole Spec).
	DataSet string `json:"data_set"`
	// PerCount is the number of configurations averaged per number of sources: the first ones.
	PerCount int `json:"per_count"`
	// Regions hold the area fractions of sources, field, R1, R2, R3 and c >= 0.9, in this order.
	Regions []Fig03Region `json:"regions"`
	// Solver describes the solves.
	Solver SolveStats `json:"solver"`
	// Reused reports whether the fractions were read from the cache.
	Reused bool `json:"-"`
}

// Region returns the area fractions of the named region ("sources", "R1", ..., "c ≥ 0.9").
func (a *Fig03Areas) Region(name string) (Fig03Region, error) {
	for _, reg := range a.Regions {
		if reg.Name == name {
			return reg, nil
		}
	}
	return Fig03Region{}, fmt.Errorf("area fractions of %s have no region %q", a.DataSet, name)
}

// fig03AreasVersion is the version of the code that computes the area fractions (the solver's
// settings and the pixel classes included): bump it when they change, so that cached fractions
// are recomputed.
const fig03AreasVersion = 1

// AreaFractions solves the first perCount configurations of every number of sources of spec
// (in parallel, one solver per core) and returns the mean and standard deviation over them of
// the area fraction of each region of Fig. 3 (sources, field, R1, R2, R3 as package metrics
// defines them, and the pixels with c ≥ 0.9). With a cache directory (e.g.
// surrogate.DefaultCache()) the result is saved as
// cache/fig2023/area-fractions/<data set ID>-<perCount>-v<code version>.json and read back by
// any later call with the same data set, count and code; logf, when not nil, reports progress.
func AreaFractions(ctx context.Context, spec dataset.Spec, perCount int, cache string, logf func(string, ...any)) (Fig03Areas, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	out := Fig03Areas{DataSet: spec.ID(), PerCount: perCount}
	var path string
	if cache != "" {
		dir := filepath.Join(cache, "fig2023", "area-fractions")
		path = filepath.Join(dir, fmt.Sprintf("%s-%d-v%d.json", out.DataSet, perCount, fig03AreasVersion))
		if data, err := os.ReadFile(path); err == nil {
			var got Fig03Areas
			if err := json.Unmarshal(data, &got); err == nil && got.DataSet == out.DataSet && got.PerCount == perCount && len(got.Regions) == fig03Classes {
				got.Reused = true
				logf("area fractions of %s (%d per number of sources) reused from %s", out.DataSet, perCount, path)
				return got, nil
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return out, err
		}
	}
	var err error
	if out.Regions, out.Solver, err = areaFractions(ctx, logf, spec, perCount); err != nil {
		return out, err
	}
	if path != "" {
		data, err := json.MarshalIndent(out, "", " ")
		if err != nil {
			return out, err
		}
		if err := atomicfile.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Fig03Configuration solves the first configuration with k sources of spec and returns it
// with its area fractions (Target is left empty), its input and normalized steady state
// (float32, N x N), and the solve's statistics.
func Fig03Configuration(spec dataset.Spec, k int) (ex Fig03Example, input, target []float32, st solver.Stats, err error) {
	idx := spec.Index(k, 0)
	p, err := spec.Problem(idx)
	if err != nil {
		return ex, nil, nil, st, err
	}
	s, err := solver.NewSolver(spec.N, spec.D, spec.Gamma, solver.Options{Workers: 1})
	if err != nil {
		return ex, nil, nil, st, err
	}
	field := make([]float64, spec.N*spec.N)
	if st, err = s.SolveInto(field, p); err != nil {
		return ex, nil, nil, st, fmt.Errorf("configuration %d: %w", idx, err)
	}
	target, input = float32s(field), float32s(s.Input())
	pixels := float64(spec.N * spec.N)
	ex = Fig03Example{Index: idx, NSources: len(p.Sources), Sources: p.Sources, Max: st.Scale, Fractions: map[string]float64{}}
	for _, region := range fig03Regions {
		mask, err := metrics.Mask(region, input, target)
		if err != nil {
			return ex, nil, nil, st, err
		}
		ex.Fractions[region.String()] = float64(countTrue(mask)) / pixels
	}
	near1 := 0
	for _, v := range target {
		if v >= fig03Near1 {
			near1++
		}
	}
	ex.Fractions[fig03Near1Name] = float64(near1) / pixels
	return ex, input, target, st, nil
}

func computeFig03(run *figures.Run) (Fig03Results, error) {
	var res Fig03Results
	spec, err := paperSpec(run.Seed)
	if err != nil {
		return res, err
	}
	perCount, err := Fig03PerCount(run.Scale)
	if err != nil {
		return res, err
	}
	cache, err := run.CacheDir()
	if err != nil {
		return res, err
	}
	areas := func(spec dataset.Spec) (Fig03Areas, error) {
		a, err := AreaFractions(run.Context(), spec, perCount, cache, run.Logf)
		if err == nil {
			run.Step(a.Reused, "area fractions of %s (%d per number of sources)", a.DataSet, perCount)
		}
		return a, err
	}
	paper, err := areas(spec)
	if err != nil {
		return res, err
	}
	res = Fig03Results{
		DataSet: spec.Describe(), N: spec.N, Radius: spec.Radius, L: spec.DiffusionLength(), Model: string(spec.Model),
		Tol: solver.DefaultTol, PerCount: perCount, Regions: paper.Regions, Solver: paper.Solver,
	}
	for k := spec.MinSources; k <= spec.MaxSources; k++ {
		res.Counts = append(res.Counts, k)
	}
	for _, sc := range fig03ReducedScales {
		rspec, err := Fig03ReducedSpec(sc, run.Seed, perCount)
		if err != nil {
			return res, err
		}
		ra, err := areas(rspec)
		if err != nil {
			return res, fmt.Errorf("scale %s: %w", sc, err)
		}
		rs, err := dataset.New(dataset.Recipe2023, sc, run.Seed)
		if err != nil {
			return res, err
		}
		res.Reduced = append(res.Reduced, Fig03Scale{Scale: sc, DataSet: rs.Describe(), N: rspec.N, Radius: rspec.Radius,
			L: rspec.DiffusionLength(), PerCount: perCount, Regions: ra.Regions, Solver: ra.Solver})
	}

	// The configuration of panels a-g: the first with 19 sources.
	ex, _, target, st, err := Fig03Configuration(spec, fig03ExampleSources)
	if err != nil {
		return res, err
	}
	res.Solver.add(st)
	ex.Target = "example-target.npy"
	res.Example = ex
	if err := npy.WriteFile(run.Path(res.Example.Target), []int{1, spec.N, spec.N}, target); err != nil {
		return res, err
	}
	run.Logf("%d solves, %.1f iterations on average, largest residual %.2g, %.1f CPU-seconds",
		res.Solver.Solves, res.Solver.MeanIterations, res.Solver.MaxResidual, res.Solver.CPUSeconds)
	return res, nil
}

// add counts one more solve in the statistics.
func (s *SolveStats) add(st solver.Stats) {
	s.MeanIterations = (s.MeanIterations*float64(s.Solves) + float64(st.Iterations)) / float64(s.Solves+1)
	s.Solves++
	s.MaxIterations = max(s.MaxIterations, st.Iterations)
	s.MaxResidual = max(s.MaxResidual, st.Residual)
	s.CPUSeconds += st.Elapsed.Seconds()
}

func countTrue(mask []bool) int {
	n := 0
	for _, m := range mask {
		if m {
			n++
		}
	}
	return n
}

// region returns the results of the named region.
func (r *Fig03Results) region(name string) (Fig03Region, error) {
	for _, reg := range r.Regions {
		if reg.Name == name {
			return reg, nil
		}
	}
	return Fig03Region{}, fmt.Errorf("results have no region %q", name)
}

// paperEstimate is the paper's estimate of the fraction of pixels near 1 for k sources:
// k*pi*R^2/L^2 ("~ pi R^2/L^2 = 0.03 - 0.6%").
func (r *Fig03Results) paperEstimate(k int) float64 { return SourceAreaEstimate(k, r.Radius, r.N) }

// region returns the results of the named region at a reduced scale.
func (r *Fig03Scale) region(name string) (Fig03Region, error) {
	for _, reg := range r.Regions {
		if reg.Name == name {
			return reg, nil
		}
	}
	return Fig03Region{}, fmt.Errorf("results at scale %s have no region %q", r.Scale, name)
}

// fig03Stamp is the scale stamp of Fig. 3: panels a-h are at N = 512 (R = 5, l = 20) at every
// scale, with fewer configurations below paper scale; panel i adds the reduced scales' data sets.
func fig03Stamp(s scale.Scale, r Fig03Results) string {
	st := figkit.Stamp(s, "512×512, 20k configurations per number of sources", false) +
		fmt.Sprintf(" · a–h: N=%d, R=%g, l=%.4g, %s configurations per number of sources", r.N, r.Radius, r.L, thousands(r.PerCount))
	if len(r.Reduced) > 0 {
		var parts []string
		for _, x := range r.Reduced {
			parts = append(parts, fmt.Sprintf("%s N=%d R=%g l=%.4g", x.Scale, x.N, x.Radius, x.L))
		}
		st += " · i: " + strings.Join(parts, ", ")
	}
	return st
}

// fig03ReducedDiff returns, for each region compared in panel i (sources, R1, R2, R3), the
// largest relative difference over the numbers of sources between the reduced scale's mean
// area fraction and the one at N = 512: |f_reduced/f_512 - 1|.
func fig03ReducedDiff(r *Fig03Results, x *Fig03Scale) (map[string]float64, error) {
	d, err := Fig03MaxRelDiff(r.Regions, x.Regions)
	if err != nil {
		return nil, fmt.Errorf("scale %s: %w", x.Scale, err)
	}
	return d, nil
}

// Fig03MaxRelDiff returns, for each region of panel i (sources, R1, R2, R3), the largest
// relative difference over the numbers of sources between the mean area fractions got (a
// reduced scale's) and ref (N = 512's): max |got/ref - 1|.
func Fig03MaxRelDiff(ref, got []Fig03Region) (map[string]float64, error) {
	find := func(regs []Fig03Region, name string) (Fig03Region, error) {
		for _, r := range regs {
			if r.Name == name {
				return r, nil
			}
		}
		return Fig03Region{}, fmt.Errorf("no region %q", name)
	}
	out := map[string]float64{}
	for _, name := range []string{"sources", "R1", "R2", "R3"} {
		ref, err := find(ref, name)
		if err != nil {
			return nil, err
		}
		got, err := find(got, name)
		if err != nil {
			return nil, err
		}
		if len(got.Mean) != len(ref.Mean) {
			return nil, fmt.Errorf("%s: %d counts, want %d", name, len(got.Mean), len(ref.Mean))
		}
		worst := 0.0
		for i := range ref.Mean {
			worst = max(worst, math.Abs(got.Mean[i]/ref.Mean[i]-1))
		}
		out[name] = worst
	}
	return out, nil
}

var fig03Titles = map[string]string{
	"field": "field", "sources": "sources",
	"R1": "R1: 0.2 ≤ c ≤ 1", "R2": "R2: 0.1 ≤ c < 0.2", "R3": "R3: 0.05 ≤ c < 0.1",
}

func renderFig03(run *figures.Run, r Fig03Results) error {
	target, err := readFields(run.Path(r.Example.Target), 1, r.N)
	if err != nil {
		return err
	}
	p := solver.NewProblem(r.N, r.Example.Sources)
	in64, err := p.Input()
	if err != nil {
		return err
	}
	input := float32s(in64)
	// Panel letters are written in the titles: the two rows are grids of different shapes.
	var masks []plots.Panel
	for i, region := range []metrics.Region{metrics.Field, metrics.Sources, metrics.R1, metrics.R2, metrics.R3} {
		mask, err := metrics.Mask(region, input, target)
		if err != nil {
			return err
		}
		img := make([]float64, len(mask))
		for i, m := range mask {
			if m {
				img[i] = 1
			}
		}
		h := plots.NewHeatmap(img)
		h.Title = fmt.Sprintf("(%c) %s", 'a'+i, fig03Titles[region.String()])
		h.Color = plots.ColorScale{Map: plots.Grays}.Fixed(0, 1)
		h.NoColorBar, h.HideAxes = true, true
		masks = append(masks, h)
	}
	in := plots.NewHeatmap(input)
	in.Title = fmt.Sprintf("(f) input: %d sources", r.Example.NSources)
	in.Color = plots.ColorScale{Label: "source value"}.Fixed(0, 1)
	in.HideAxes = true
	out := plots.NewHeatmap(target)
	out.Title = "(g) stationary state"
	out.Color = plots.ColorScale{Label: "c"}.Fixed(0, 1)
	out.HideAxes = true

	ax := &plots.Axes{Title: "(h) average area fraction", XLabel: "number of sources", YLabel: "area fraction (%)",
		LogY: true, XTicks: []float64{1, 5, 10, 15, 20}, Legend: plots.LegendTopLeft, Grid: true,
		YRange: plots.Range{Min: 0.005, Max: 300}}
	x := make([]float64, len(r.Counts))
	for i, k := range r.Counts {
		x[i] = float64(k)
	}
	percent := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i := range v {
			out[i] = 100 * v[i]
		}
		return out
	}
	for _, name := range []string{"R1", "R2", "R3", "sources"} {
		reg, err := r.region(name)
		if err != nil {
			return err
		}
		ax.LineStd(name, x, percent(reg.Mean), percent(reg.Std))
	}
	est := make([]float64, len(r.Counts))
	for i, k := range r.Counts {
		est[i] = 100 * r.paperEstimate(k)
	}
	ref := ax.Line("k·πR²/L² (paper's estimate)", x, est)
	ref.Dashed, ref.Color, ref.Marker, ref.Width = true, plots.Black, plots.MarkerNone, 0.8
	high, err := r.region(fig03Near1Name)
	if err != nil {
		return err
	}
	hl := ax.Line("c ≥ 0.9 (values near 1)", x, percent(high.Mean))
	hl.Color, hl.Marker, hl.Width = plots.Gray, plots.MarkerCross, 0.8

	bottom := []plots.Panel{in, out, ax}
	if len(r.Reduced) > 0 {
		axi, err := fig03ReducedPanel(&r, x, percent)
		if err != nil {
			return err
		}
		bottom = append(bottom, axi)
	}
	fig := plots.NewFigure(2, 1, plots.NewGrid(1, 5, masks...), plots.NewGrid(1, len(bottom), bottom...))
	fig.Title = fmt.Sprintf("Regions of the lattice (white) for %d sources and their area fractions, N = %d, R = %g, l = %.4g", r.Example.NSources, r.N, r.Radius, r.L)
	fig.Width, fig.Height = 12.5*vg.Inch, 6.6*vg.Inch
	if len(bottom) > 3 {
		fig.Width = 15 * vg.Inch
	}
	fig.Stamp = fig03Stamp(run.Scale, r)
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

// fig03ReducedPanel draws panel i: the area fractions of sources, R1, R2 and R3 at N = 512 (lines)
// and on the reduced scales' data sets (markers, one shape per scale, the region's colour).
func fig03ReducedPanel(r *Fig03Results, x []float64, percent func([]float64) []float64) (*plots.Axes, error) {
	ax := &plots.Axes{Title: "(i) reduced scales (markers) vs N = 512 (lines)", XLabel: "number of sources", YLabel: "area fraction (%)",
		LogY: true, XTicks: []float64{1, 5, 10, 15, 20}, Legend: plots.LegendBottomRight, Grid: true,
		YRange: plots.Range{Min: 0.005, Max: 300}}
	colors := plots.DefaultTheme().Colors
	markers := []plots.Marker{plots.MarkerCross, plots.MarkerCircle, plots.MarkerTriangle, plots.MarkerSquare}
	for i, name := range []string{"R1", "R2", "R3", "sources"} {
		reg, err := r.region(name)
		if err != nil {
			return nil, err
		}
		l := ax.Line(name+" (512)", x, percent(reg.Mean))
		l.Color, l.Marker, l.Width = colors[i%len(colors)], plots.MarkerNone, 1
		for j := range r.Reduced {
			red := &r.Reduced[j]
			rg, err := red.region(name)
			if err != nil {
				return nil, err
			}
			label := ""
			if i == 0 {
				label = fmt.Sprintf("%s: N=%d, R=%g, l=%.4g", red.Scale, red.N, red.Radius, red.L)
			}
			p := ax.Line(label, x, percent(rg.Mean))
			p.NoLine, p.Color, p.Marker = true, colors[i%len(colors)], markers[j%len(markers)]
		}
	}
	return ax, nil
}

func summaryFig03(r Fig03Results) string {
	var b strings.Builder
	get := func(name string) Fig03Region {
		reg, _ := r.region(name)
		return reg
	}
	src, field, r1, r2, r3, high := get("sources"), get("field"), get("R1"), get("R2"), get("R3"), get(fig03Near1Name)
	n := len(r.Counts)
	for _, reg := range []Fig03Region{src, field, r1, r2, r3, high} {
		if n == 0 || len(reg.Mean) != n || len(reg.Std) != n {
			return "results are incomplete"
		}
	}
	fmt.Fprintf(&b, "Average area fraction (%%, mean ± std over %s configurations per number of sources, N = %d, %s model):\n\n",
		thousands(r.PerCount), r.N, r.Model)
	b.WriteString("| sources | sources % | paper k·πR²/L² % | c ≥ 0.9 % | R1 % | R2 % | R3 % | field % |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, k := range r.Counts {
		fmt.Fprintf(&b, "| %d | %.3f ± %.3f | %.3f | %.3f ± %.3f | %.2f ± %.2f | %.2f ± %.2f | %.2f ± %.2f | %.2f |\n", k,
			100*src.Mean[i], 100*src.Std[i], 100*r.paperEstimate(k), 100*high.Mean[i], 100*high.Std[i],
			100*r1.Mean[i], 100*r1.Std[i], 100*r2.Mean[i], 100*r2.Std[i], 100*r3.Mean[i], 100*r3.Std[i], 100*field.Mean[i])
	}
	last := n - 1
	k0, k1 := r.Counts[0], r.Counts[last]
	disk := src.Mean[0] * float64(r.N*r.N)
	fmt.Fprintf(&b, "\n**Sources.** They cover %.3f%% of the lattice with %d source and %.3f%% with %d; the paper's estimate "+
		"πR²/L² gives %.3f%% and %.3f%% (\"≈ 0.03 – 0.6%%\"). A disk of radius %g holds %.0f cells on the lattice, not "+
		"π·%g = %.1f; overlapping disks share cells, which makes the %d-source value %.2f%% smaller than %d separate disks.\n",
		100*src.Mean[0], k0, 100*src.Mean[last], k1, 100*r.paperEstimate(k0), 100*r.paperEstimate(k1),
		r.Radius, disk, r.Radius*r.Radius, math.Pi*r.Radius*r.Radius, k1,
		100*(1-src.Mean[last]/(float64(k1)*src.Mean[0])), k1)
	fmt.Fprintf(&b, "\n**Values near 1.** The paper equates the source area with the pixels \"with values near 1\". In the %s "+
		"model normalized by the maximum, pixels with c ≥ %.1f cover %.3f%% with %d source and %.3f%% with %d "+
		"(%.1f-fold, while the source area grows %.1f-fold): only the hottest spot of each configuration reaches values near 1.\n",
		r.Model, fig03Near1, 100*high.Mean[0], k0, 100*high.Mean[last], k1, high.Mean[last]/high.Mean[0], src.Mean[last]/src.Mean[0])
	fmt.Fprintf(&b, "\n**R1, R2, R3.** R1 (c ≥ 0.2 outside the sources) covers %.2f%% → %.2f%%, R2 %.2f%% → %.2f%%, R3 %.2f%% → %.2f%% "+
		"from %d to %d sources: pixels with values ≥ 0.2 outnumber the source pixels %.1f to %.1f times.\n",
		100*r1.Mean[0], 100*r1.Mean[last], 100*r2.Mean[0], 100*r2.Mean[last], 100*r3.Mean[0], 100*r3.Mean[last],
		k0, k1, r1.Mean[0]/src.Mean[0], r1.Mean[last]/src.Mean[last])
	fmt.Fprintf(&b, "\nPanels a–g: configuration %d (%d sources); regions there: ", r.Example.Index, r.Example.NSources)
	var parts []string
	for _, name := range []string{"sources", "R1", "R2", "R3", "field", fig03Near1Name} {
		parts = append(parts, fmt.Sprintf("%s %.2f%%", name, 100*r.Example.Fractions[name]))
	}
	b.WriteString(strings.Join(parts, ", "))
	fmt.Fprintf(&b, ". Solver: %s solves, %.1f multigrid-CG iterations on average (at most %d), largest relative residual %.1e (tolerance %.0e), %.0f CPU-seconds.\n",
		thousands(r.Solver.Solves), r.Solver.MeanIterations, r.Solver.MaxIterations, r.Solver.MaxResidual, r.Tol, r.Solver.CPUSeconds)
	if len(r.Reduced) > 0 {
		fmt.Fprintf(&b, "\n**Reduced scales (panel i).** The 2023 data sets of the reduced scales keep R/N = 5/512 and l/N = 20/512 "+
			"(smoke: 4x both). Area fractions (%%, mean over %s configurations per number of sources) at 1, 10 and 20 sources, and the "+
			"largest relative difference from N = 512 over 1..20 sources:\n\n", thousands(r.PerCount))
		b.WriteString("| data set | sources 1/10/20 | R1 1/10/20 | R2 1/10/20 | R3 1/10/20 | max rel. diff. sources, R1, R2, R3 |\n| --- | --- | --- | --- | --- | --- |\n")
		row := func(label string, get func(string) (Fig03Region, error), diff map[string]float64) {
			fmt.Fprintf(&b, "| %s |", label)
			for _, name := range []string{"sources", "R1", "R2", "R3"} {
				reg, err := get(name)
				if err != nil || len(reg.Mean) < 20 {
					b.WriteString(" ? |")
					continue
				}
				fmt.Fprintf(&b, " %.3g / %.3g / %.3g |", 100*reg.Mean[0], 100*reg.Mean[9], 100*reg.Mean[19])
			}
			if diff == nil {
				b.WriteString(" — |\n")
				return
			}
			fmt.Fprintf(&b, " %.1f%%, %.1f%%, %.1f%%, %.1f%% |\n", 100*diff["sources"], 100*diff["R1"], 100*diff["R2"], 100*diff["R3"])
		}
		row(fmt.Sprintf("paper N=%d, R=%g, l=%.4g", r.N, r.Radius, r.L), r.region, nil)
		for i := range r.Reduced {
			x := &r.Reduced[i]
			d, _ := fig03ReducedDiff(&r, x)
			row(fmt.Sprintf("%s N=%d, R=%g, l=%.4g", x.Scale, x.N, x.Radius, x.L), x.region, d)
		}
	}
	return b.String()
}
