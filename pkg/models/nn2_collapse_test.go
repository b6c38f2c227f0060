package models_test

import (
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/solver"
)

// reducedBatch solves configurations first..first+count-1 of the 2021 recipe's smoke data set
// (N = 40, two disks of radius 2, l = 8: the paper's R/N and l/N): inputs and targets [count, N, N, 1].
func reducedBatch(t testing.TB, first, count int) (x, y *tensors.Tensor, targets [][]float32) {
	t.Helper()
	spec, err := dataset.New(dataset.Recipe2021, dataset.ScaleSmoke, 1)
	if err != nil {
		t.Fatal(err)
	}
	n := spec.N
	inputs := make([]float32, 0, count*n*n)
	flat := make([]float32, 0, count*n*n)
	for i := first; i < first+count; i++ {
		p, err := spec.Problem(i)
		if err != nil {
			t.Fatal(err)
		}
		res, err := solver.Solve(p, solver.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		img := make([]float32, n*n)
		for j := range res.Field {
			inputs = append(inputs, float32(res.Input[j]))
			img[j] = float32(res.Field[j])
		}
		flat = append(flat, img...)
		targets = append(targets, img)
	}
	return tensors.FromFlatDataAndDimensions(inputs, count, n, n, 1), tensors.FromFlatDataAndDimensions(flat, count, n, n, 1), targets
}

// acrossImages returns the mean over pixels of the standard deviation over images: 0 when every
// image is the same.
func acrossImages(imgs [][]float32) float64 {
	n := len(imgs[0])
	total := 0.0
	for p := range n {
		var s, s2 float64
		for _, img := range imgs {
			v := float64(img[p])
			s += v
			s2 += v * v
		}
		m := s / float64(len(imgs))
		total += math.Sqrt(max(s2/float64(len(imgs))-m*m, 0))
	}
	return total / float64(n)
}

// TestNN2NotCollapsed is the check of issue 14 on the NN2-only models (Table 2's 4, 5, 12-14), whose
// output collapsed to one constant: the NN2-only model 5 (D3 = D4 = 0.1, slope 0.01), width 4, trains
// at the paper's batch 25 with Adam (learning rate 1e-3, MSE) for 200 steps on 25 configurations of
// the reduced 2021 geometry (N = 40), then predicts 10 other configurations in inference mode
// (BatchNorm's moving averages): the predictions must differ across the test images (their spread
// across images at least 25% of the targets'), and follow them (correlation over all pixels at least
// 0.5). A collapsed model gives a spread of 0 and a correlation near 0.
//
// The cause (measured 2026-12-06 with this test; 600 steps unless said): NN2 ends in ReLU then a
// one-channel BatchNorm whose scale starts at 1, so the output's standard deviation starts at 1,
// about 7 times the targets' (0.145). Adam moves the scale by about the learning rate per step; it is
// faster to shrink the signal entering the BatchNorm below its epsilon (1e-5), where the output is
// BatchNorm's offset, a constant, and that state's MSE (0.021-0.026, the targets' variance) is lower
// than the non-collapsed one for hundreds of steps. Batch 1 is not needed for it (the first
// guess): it happens at batch 25, at learning rates 1e-3 to 1e-5 (1,000 steps at 3e-5 and 1e-5), at
// widths 4, 8 and 16; nor a dead ReLU: with the last bias started at 0.1 or 1 (every pixel active)
// the output still ends constant (spread 0.14, correlation 0.04). Other initializations of the
// decoder (He on the taps that reach an output; Glorot, Flux's default) collapse too at 1e-3 and
// 1e-4; a decoder signal started far below epsilon learns in 3 of 4 seeds only. What removes the
// collapse is the output BatchNorm's scale started at the targets' deviation (Config.OutputScale,
// models.OutputScale2021 = 0.145, which Model2021 sets): at 1e-3 for 200 steps, seeds 1-3: spread
// 0.59-0.73 of the targets', correlation 0.67-0.71 (100 steps: 0.26-0.53, 0.31-0.61, still
// learning); at 1e-4 for 600 steps, seeds 1-2: 0.56-0.62, 0.60-0.62 (with 0.1, seeds 1-4: 0.41-0.63,
// 0.57-0.67). With the authors' 1 (SURROGO_NN2_SCALE=1) this test fails: spread 0.
//
// SURROGO_NN2_STEPS, SURROGO_NN2_LR, SURROGO_NN2_WIDTH, SURROGO_NN2_SEED, SURROGO_NN2_SCALE (the
// output scale; 1: the authors') and SURROGO_NN2_DEBUG (print the small variables) are measurement
// knobs.
func TestNN2NotCollapsed(t *testing.T) {
	start := time.Now()
	steps := 200
	if v, err := strconv.Atoi(os.Getenv("SURROGO_NN2_STEPS")); err == nil && v > 0 {
		steps = v // a measurement knob, not a test setting
	}
	x, y, _ := reducedBatch(t, 0, 25)
	xt, _, targets := reducedBatch(t, 100, 10)
	c, err := models.Model2021(5, 40)
	if err != nil {
		t.Fatal(err)
	}
	c.Width = 4
	if v, err := strconv.Atoi(os.Getenv("SURROGO_NN2_WIDTH")); err == nil && v > 0 {
		c.Width = v
	}
	if v, err := strconv.ParseFloat(os.Getenv("SURROGO_NN2_SCALE"), 64); err == nil && v > 0 {
		c.OutputScale = v
	}
	if c.P1 != 0 || c.P2 != 1 || c.LeakySlope != 0.01 || c.OutputScale <= 0 {
		t.Fatalf("model 5 is %s", c.Describe())
	}
	lr := 1e-3
	if v, err := strconv.ParseFloat(os.Getenv("SURROGO_NN2_LR"), 64); err == nil && v > 0 {
		lr = v
	}
	seed := int64(1)
	if v, err := strconv.Atoi(os.Getenv("SURROGO_NN2_SEED")); err == nil {
		seed = int64(v)
	}
	trainer, ctx := newTrainer(t, c, lr, seed)
	first, last := trainSteps(t, trainer, x, y, steps)

	fn, err := models.Build(c)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := context.NewExec(testBackend(t), ctx.Reuse(), func(ctx *context.Context, x *Node) *Node {
		ctx.SetTraining(x.Graph(), false)
		return fn(ctx, x)
	})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SURROGO_NN2_DEBUG") != "" {
		ctx.EnumerateVariables(func(v *context.Variable) {
			if v.Shape().Size() <= 4 {
				t.Logf("%s %s = %v", v.Scope(), v.Name(), v.MustValue())
			}
		})
	}
	out, err := exec.Exec(xt)
	if err != nil {
		t.Fatal(err)
	}
	flat := tensors.MustCopyFlatData[float32](out[0])
	n := 40 * 40
	var preds [][]float32
	for i := range len(targets) {
		preds = append(preds, flat[i*n:(i+1)*n])
	}
	spreadP, spreadT := acrossImages(preds), acrossImages(targets)
	var sp, st, spp, stt, spt float64
	for i := range targets {
		for j := range targets[i] {
			p, q := float64(preds[i][j]), float64(targets[i][j])
			sp, st, spp, stt, spt = sp+p, st+q, spp+p*p, stt+q*q, spt+p*q
		}
	}
	m := float64(len(targets) * n)
	corr := (spt/m - sp/m*st/m) / math.Sqrt(max(spp/m-sp*sp/m/m, 1e-30)*max(stt/m-st*st/m/m, 1e-30))
	t.Logf("lr %g %s, batch 25, %d steps: training MSE %.4g -> %.4g; test spread across images %.4g (targets %.4g, ratio %.2f), correlation %.3f; %v",
		lr, c.Describe(), steps, first, last, spreadP, spreadT, spreadP/spreadT, corr, time.Since(start).Round(time.Millisecond))
	if !(spreadP >= 0.25*spreadT) {
		t.Errorf("collapse: the predictions' spread across test images is %.4g, %.2f of the targets' %.4g (want >= 0.25)", spreadP, spreadP/spreadT, spreadT)
	}
	if !(corr >= 0.5) {
		t.Errorf("the predictions do not follow the targets: correlation %.3f (want >= 0.5)", corr)
	}
}
