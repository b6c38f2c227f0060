package dataset

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/solver"
)

// geometryStats solves the first count configurations of spec and returns the mean over them of
// the fraction of source pixels (input > 0), of pixels with target >= 0.9 and of the target's mean.
func geometryStats(t *testing.T, spec Spec, count int) (sources, near1, mean float64) {
	t.Helper()
	s, err := solver.NewSolver(spec.N, spec.D, spec.Gamma, solver.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	field := make([]float64, spec.N*spec.N)
	pixels := float64(spec.N * spec.N)
	for i := range count {
		p, err := spec.Problem(i)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SolveInto(field, p); err != nil {
			t.Fatal(err)
		}
		var src, hi, sum float64
		for j, v := range field {
			if s.Input()[j] > 0 {
				src++
			}
			if v >= 0.9 {
				hi++
			}
			sum += v
		}
		sources += src / pixels
		near1 += hi / pixels
		mean += sum / pixels
	}
	c := float64(count)
	return sources / c, near1 / c, mean / c
}

// TestReduced2021Geometry is the check of issue 14 that the reduced 2021 scales keep the paper's
// problem: on 100 configurations of each data set, the fraction of source pixels and of pixels near
// 1 (target >= 0.9), against the paper's estimate 2 pi R^2 / L^2 = 1.57% ("~2%"), and the mean
// target, at the cpu scale (N = 60, R = 3, l = 12) and the smoke scale (N = 40, R = 2, l = 8) next to
// N = 100 (R = 5, l = 20). Tolerances: source fraction within 5% of N = 100's (the disks' cell counts
// differ: 29 cells = 1.026 pi R^2 at R = 3, 13 = 1.035 at R = 2, 81 = 1.031 at R = 5), pixels near 1
// within 20% and the mean target within 10% (different configurations at each N: sampling noise).
// The old reduced scale (N = 32 with R = 5, l = 20) is logged as the counter-example. Measured (seed
// 1): N = 100 sources 1.620%, c >= 0.9 0.354%, mean 0.0990; cpu 1.611%, 0.325%, 0.0994; smoke
// 1.625%, 0.350%, 0.1002; old N = 32 15.8%, 2.99%, 0.2985. In the relaxation model normalized by
// the maximum only the hottest disk reaches 0.9, so pixels near 1 are ~1/5 of the source pixels,
// not the paper's ~2 pi R^2/L^2; the source pixels are that estimate (x 1.03, the disks' cells).
func TestReduced2021Geometry(t *testing.T) {
	const count = 100
	paper, err := New(Recipe2021, ScalePaper, 1)
	if err != nil {
		t.Fatal(err)
	}
	ps, pn, pm := geometryStats(t, paper, count)
	formula := 2 * math.Pi * 25 / 10000
	t.Logf("paper N=100 R=5 l=20: sources %.3f%% (2 pi R^2/L^2 = %.3f%%), c >= 0.9 %.3f%%, mean target %.4f", 100*ps, 100*formula, 100*pn, pm)
	old, err := Custom(1, 32, 5, 2, 2, count)
	if err != nil {
		t.Fatal(err)
	}
	old.Overlap = false
	os, on, om := geometryStats(t, old, count)
	t.Logf("old N=32 R=5 l=20 (not a scale any more): sources %.3f%%, c >= 0.9 %.3f%%, mean target %.4f", 100*os, 100*on, om)
	for _, sc := range []Scale{ScaleCPU, ScaleSmoke} {
		spec, err := New(Recipe2021, sc, 1)
		if err != nil {
			t.Fatal(err)
		}
		s, n, m := geometryStats(t, spec, count)
		t.Logf("%s %s: sources %.3f%%, c >= 0.9 %.3f%%, mean target %.4f (ratios to N=100: %.3f, %.3f, %.3f)",
			sc, spec.Geometry(), 100*s, 100*n, m, s/ps, n/pn, m/pm)
		if math.Abs(s/ps-1) > 0.05 || math.Abs(n/pn-1) > 0.20 || math.Abs(m/pm-1) > 0.10 {
			t.Errorf("%s: sources %.3f%%, near 1 %.3f%%, mean %.4f; N = 100: %.3f%%, %.3f%%, %.4f", sc, 100*s, 100*n, m, 100*ps, 100*pn, pm)
		}
	}
}
