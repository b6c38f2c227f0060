package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"

	"github.com/surrogo/surrogo/solver"
)

// streamDomain separates this package's random streams from any other use of the seed. The
// version suffix changes only if the drawing protocol does, which changes every data set.
const streamDomain = "surrogo/dataset/v1"

// newStream returns the random stream for label and the integers a, b under seed: ChaCha8
// seeded with SHA-256(streamDomain, 0, label, 0, seed, a, b), the integers as 8 bytes
// little-endian.
func newStream(seed uint64, label string, a, b uint64) *rand.ChaCha8 {
	h := sha256.New()
	h.Write([]byte(streamDomain))
	h.Write([]byte{0})
	h.Write([]byte(label))
	h.Write([]byte{0})
	var buf [24]byte
	binary.LittleEndian.PutUint64(buf[0:], seed)
	binary.LittleEndian.PutUint64(buf[8:], a)
	binary.LittleEndian.PutUint64(buf[16:], b)
	h.Write(buf[:])
	var key [32]byte
	h.Sum(key[:0])
	return rand.NewChaCha8(key)
}

// uintN returns a uniform integer in [0, n) from r, without bias (Lemire's multiply-and-reject
// method). It uses only r.Uint64, so its output does not depend on the Go release.
func uintN(r *rand.ChaCha8, n uint64) uint64 {
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// unitOpenClosed returns a uniform float64 in (0, 1]: (u+1)/2^53 for a uniform 53-bit u.
func unitOpenClosed(r *rand.ChaCha8) float64 { return openClosed(r.Uint64()) }

// openClosed maps the top 53 bits u of x to (u+1)/2^53, exactly representable in (0, 1].
func openClosed(x uint64) float64 { return float64(x>>11+1) * 0x1p-53 }

// shuffle permutes x uniformly at random (Fisher-Yates, from the last element down).
func shuffle(r *rand.ChaCha8, x []int) {
	for i := len(x) - 1; i > 0; i-- {
		j := int(uintN(r, uint64(i+1)))
		x[i], x[j] = x[j], x[i]
	}
}

// Placement limits for non-overlapping disks.
const (
	triesPerSource = 1000
	maxRestarts    = 100
)

// Sources returns the sources of configuration i (0 <= i < Len()): NumSources(i) disks of
// radius Radius with integer centres in [Radius, N-1-Radius], source 0 of value 1 and the
// others of values in (0, 1]. It depends only on Seed, N, Radius, Overlap and (k, j) =
// Locate(i); see the package documentation for the exact drawing.
func (s *Spec) Sources(i int) ([]solver.Source, error) {
	if i < 0 || i >= s.Len() {
		return nil, fmt.Errorf("dataset: configuration %d out of range [0, %d)", i, s.Len())
	}
	if s.N < 2*s.Radius+1 || s.Radius < 1 {
		return nil, fmt.Errorf("dataset: radius %d does not fit the %dx%d lattice", s.Radius, s.N, s.N)
	}
	k, j := s.Locate(i)
	r := newStream(s.Seed, "config", uint64(k), uint64(j))
	span := uint64(s.N - 2*s.Radius) // number of admissible centre coordinates
	src := make([]solver.Source, k)
	minDist2 := 4 * s.Radius * s.Radius
	for restart := 0; restart < maxRestarts; restart++ {
		placed := 0
		for placed < k {
			ok := false
			for try := 0; try < triesPerSource; try++ {
				x := s.Radius + int(uintN(r, span))
				y := s.Radius + int(uintN(r, span))
				if !s.Overlap && tooClose(src[:placed], x, y, minDist2) {
					continue
				}
				src[placed] = solver.Source{X: float64(x), Y: float64(y), R: float64(s.Radius)}
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
				src[n].Value = unitOpenClosed(r)
			}
		}
		return src, nil
	}
	return nil, fmt.Errorf("dataset: configuration %d: could not place %d non-overlapping disks of radius %d on a %dx%d lattice in %d attempts",
		i, k, s.Radius, s.N, s.N, maxRestarts)
}

// tooClose reports whether (x, y) is within 2R (Euclidean) of the centre of a placed disk.
func tooClose(placed []solver.Source, x, y, minDist2 int) bool {
	for _, p := range placed {
		dx, dy := x-int(p.X), y-int(p.Y)
		if dx*dx+dy*dy <= minDist2 {
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
