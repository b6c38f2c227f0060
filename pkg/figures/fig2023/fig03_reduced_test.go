package fig2023

import (
	"context"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/scale"
)

// TestFig03hReducedScales is the check of issue 13 that the reduced scales keep the paper's
// geometry, with the paper's own Fig. 3h: the area fractions of the sources and of R1, R2, R3
// versus the number of sources on the 2023 data sets of the cpu scale (N = 128, R = 1.25, l = 5)
// and the gpu scale (N = 256, R = 2.5, l = 10) must match those at N = 512 (R = 5, l = 20).
//
// Tolerance (20 configurations per number of sources, the same seed; different configurations at
// each N, so the differences include sampling noise): pooled over the 20 numbers of sources (the
// sum of the mean fractions), each region within 8% of N = 512's; per number of sources within
// 20% (R1-R3) and 6% (sources, whose fraction is nearly deterministic). Measured (seed 1, 20 per
// count): cpu sources 1.2%, R1 4.9% (a systematic deficit: one source's R1 is 0.428% of the
// lattice at N = 128, 0.449% at 512, the coarse disk's discretization), R2 1.2%, R3 0.1%; gpu
// sources 3.7% (a disk of radius 2.5 holds 21 cells, 1.070 pi R^2, against 81 = 1.031 pi R^2 at
// R = 5), R1-R3 under 1%. The smoke scale (N = 32,
// 4x the paper's R/N and l/N) is shown as the counter-example: its R1 fraction is far off.
// SURROGO_FIG03H_PER_COUNT overrides the 20 (a measurement, not a test setting).
func TestFig03hReducedScales(t *testing.T) {
	if testing.Short() {
		t.Skip("solves 20 x 20 configurations at N = 512")
	}
	perCount := 20
	if v, err := strconv.Atoi(os.Getenv("SURROGO_FIG03H_PER_COUNT")); err == nil && v > 0 {
		perCount = v
	}
	ctx, logf := context.Background(), func(string, ...any) {}
	paper, err := dataset.New(dataset.Recipe2023, dataset.ScalePaper, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, _, err := areaFractions(ctx, logf, paper, perCount)
	if err != nil {
		t.Fatal(err)
	}
	res := Fig03Results{N: paper.N, Radius: paper.Radius, Regions: ref}
	for _, sc := range []scale.Scale{scale.CPU, scale.GPU, scale.Smoke} {
		spec, err := Fig03ReducedSpec(sc, 1, perCount) // the preset's configurations first, then more of the same stream
		if err != nil {
			t.Fatal(err)
		}
		regs, _, err := areaFractions(ctx, logf, spec, perCount)
		if err != nil {
			t.Fatal(err)
		}
		x := Fig03Scale{Scale: sc, N: spec.N, Radius: spec.Radius, L: spec.DiffusionLength(), Regions: regs}
		perK, err := fig03ReducedDiff(&res, &x)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"sources", "R1", "R2", "R3"} {
			a, _ := res.region(name)
			b, _ := x.region(name)
			sa, sb := 0.0, 0.0
			for i := range a.Mean {
				sa += a.Mean[i]
				sb += b.Mean[i]
			}
			pooled := math.Abs(sb/sa - 1)
			t.Logf("%-5s %s N=%3d R=%-4g l=%-3g: %% at 1/10/20 sources %.3f/%.3f/%.3f (512: %.3f/%.3f/%.3f); pooled diff %.1f%%, worst per count %.1f%%",
				sc, name, spec.N, spec.Radius, x.L, 100*b.Mean[0], 100*b.Mean[9], 100*b.Mean[19], 100*a.Mean[0], 100*a.Mean[9], 100*a.Mean[19], 100*pooled, 100*perK[name])
			if sc == scale.Smoke {
				continue
			}
			perTol := 0.20
			if name == "sources" {
				perTol = 0.06
			}
			if pooled > 0.08 || perK[name] > perTol {
				t.Errorf("scale %s, %s: pooled difference %.1f%% (tolerance 8%%), worst per count %.1f%% (tolerance %.0f%%)", sc, name, 100*pooled, 100*perK[name], 100*perTol)
			}
		}
	}
}
