package scinet

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/scale"
)

// Curve is a sampled function y(x), one line of a figure.
type Curve struct {
	Label string    `json:"label"`
	X     []float64 `json:"x"`
	Y     []float64 `json:"y"`
}

// Grid is a function z(x, y) sampled on a rectangular grid, one surface or heat map of a figure.
// Z is row-major with rows along Y: Z[iy*len(X)+ix] = z(X[ix], Y[iy]) (the solver's field convention).
type Grid struct {
	Label  string    `json:"label"`
	XLabel string    `json:"x_label"`
	YLabel string    `json:"y_label"`
	X      []float64 `json:"x"`
	Y      []float64 `json:"y"`
	Z      []float64 `json:"z"`
}

// At returns z(X[ix], Y[iy]).
func (g *Grid) At(ix, iy int) float64 { return g.Z[iy*len(g.X)+ix] }

// newGrid returns a grid over the given axes with Z filled by f.
func newGrid(label, xLabel, yLabel string, xs, ys []float64, f func(x, y float64) float64) Grid {
	g := Grid{Label: label, XLabel: xLabel, YLabel: yLabel, X: xs, Y: ys, Z: make([]float64, len(xs)*len(ys))}
	for iy, y := range ys {
		for ix, x := range xs {
			g.Z[iy*len(xs)+ix] = f(x, y)
		}
	}
	return g
}

// Histogram counts values in equal-width bins: Counts[i] counts values in [Edges[i], Edges[i+1]) (the
// last bin includes its upper edge).
type Histogram struct {
	Label  string    `json:"label"`
	Edges  []float64 `json:"edges"`
	Counts []int     `json:"counts"`
}

// NewHistogram bins values into bins equal-width bins spanning [min, max] of the values (a degenerate
// range is widened by ±0.5). NaN values are skipped.
func NewHistogram(label string, values []float64, bins int) (Histogram, error) {
	if bins < 1 {
		return Histogram{}, fmt.Errorf("scinet: histogram %q needs bins >= 1, got %d", label, bins)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return Histogram{}, fmt.Errorf("scinet: histogram %q has no finite values", label)
	}
	if hi-lo < 1e-12*math.Max(1, math.Abs(lo)) {
		lo, hi = lo-0.5, hi+0.5
	}
	h := Histogram{Label: label, Edges: linspace(lo, hi, bins+1), Counts: make([]int, bins)}
	w := (hi - lo) / float64(bins)
	for _, v := range values {
		if math.IsNaN(v) {
			continue
		}
		i := min(int((v-lo)/w), bins-1)
		h.Counts[i]++
	}
	return h, nil
}

// linspace returns n evenly spaced values from a to b inclusive (a single value a for n == 1).
func linspace(a, b float64, n int) []float64 {
	if n <= 0 {
		return nil
	}
	if n == 1 {
		return []float64{a}
	}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	xs[n-1] = b
	return xs
}

// Provenance records how a result was produced.
type Provenance struct {
	// Scale is the named scale of the run.
	Scale scale.Scale `json:"scale"`
	// Steps and Batch are the optimisation steps taken and the fresh samples drawn per step.
	Steps int `json:"steps"`
	Batch int `json:"batch"`
	// LearningRate of Adam.
	LearningRate float64 `json:"learning_rate"`
	// Seed of the weights, the training samples and the evaluation samples.
	Seed uint64 `json:"seed"`
	// Backend is the GoMLX backend's name and description.
	Backend string `json:"backend"`
	// ElapsedSeconds is the wall time of training and evaluation.
	ElapsedSeconds float64 `json:"elapsed_seconds"`
}

// backendName describes a backend for provenance records: its name, description and devices.
func backendName(b backends.Backend) string {
	if b == nil {
		return ""
	}
	return backend.Describe(b).String()
}
