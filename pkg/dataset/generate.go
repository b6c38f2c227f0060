package dataset

import (
	"fmt"
	"math/rand/v2"

	"github.com/surrogo/surrogo/pkg/rng"
	"github.com/surrogo/surrogo/solver"
)

// streamDomain separates this package's random streams from any other use of the seed. The
// version suffix changes only if the drawing protocol does, which changes every data set.
const streamDomain = "surrogo/dataset/v1"

// newStream returns the random stream for label and the integers a, b under seed (see
// rng.Stream: SHA-256(streamDomain, 0, label, 0, seed, a, b) keys ChaCha8).
func newStream(seed uint64, label string, a, b uint64) *rand.ChaCha8 {
	return rng.Stream(streamDomain, label, seed, a, b)
}

// Placement limits for non-overlapping disks.
const (
	triesPerSource = 1000
	maxRestarts    = 100
)

// Sources returns the sources of configuration i (0 <= i < Len()): NumSources(i) disks of
// radius Radius with integer centres in [m, N-1-m], m = CentreMargin() = ceil(Radius), source 0 of value 1 and the
// others of values in (0, 1]. It depends only on Seed, N, Radius, Overlap and (k, j) =
// Locate(i); see the package documentation for the exact drawing.
func (s *Spec) Sources(i int) ([]solver.Source, error) {
	if i < 0 || i >= s.Len() {
		return nil, fmt.Errorf("dataset: configuration %d out of range [0, %d)", i, s.Len())
	}
	m := s.CentreMargin()
	if s.N < 2*m+1 || !(s.Radius >= MinRadius) {
		return nil, fmt.Errorf("dataset: radius %g does not fit the %dx%d lattice", s.Radius, s.N, s.N)
	}
	k, j := s.Locate(i)
	r := newStream(s.Seed, "config", uint64(k), uint64(j))
	span := uint64(s.N - 2*m) // number of admissible centre coordinates
	src := make([]solver.Source, k)
	minDist2 := 4 * s.Radius * s.Radius
	for restart := 0; restart < maxRestarts; restart++ {
		placed := 0
		for placed < k {
			ok := false
			for try := 0; try < triesPerSource; try++ {
				x := m + int(rng.UintN(r, span))
				y := m + int(rng.UintN(r, span))
				if !s.Overlap && tooClose(src[:placed], x, y, minDist2) {
					continue
				}
				src[placed] = solver.Source{X: float64(x), Y: float64(y), R: s.Radius}
				ok = true
				break
			}
			if !ok {
				break
			}
			placed++
		}
		if placed < k {
			continue
		}
		for n := range src {
			if n == 0 {
				src[n].Value = 1
			} else {
				src[n].Value = rng.OpenClosed(r)
			}
		}
		return src, nil
	}
	return nil, fmt.Errorf("dataset: configuration %d: could not place %d non-overlapping disks of radius %g on a %dx%d lattice in %d attempts",
		i, k, s.Radius, s.N, s.N, maxRestarts)
}

// tooClose reports whether (x, y) is within 2R (Euclidean) of the centre of a placed disk.
func tooClose(placed []solver.Source, x, y int, minDist2 float64) bool {
	for _, p := range placed {
		dx, dy := x-int(p.X), y-int(p.Y)
		if float64(dx*dx+dy*dy) <= minDist2 {
			return true
		}
	}
	return false
}

// Problem returns configuration i as a problem for the solver, with the Spec's lattice,
// physics, source model and normalization.
func (s *Spec) Problem(i int) (solver.Problem, error) {
	src, err := s.Sources(i)
	if err != nil {
		return solver.Problem{}, err
	}
	return solver.Problem{N: s.N, D: s.D, Gamma: s.Gamma, Model: s.Model, Normalize: s.Normalize, Sources: src}, nil
}
