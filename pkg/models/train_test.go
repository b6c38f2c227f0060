package models_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/solver"
)

var (
	backendOnce   sync.Once
	sharedBackend backends.Backend
	backendErr    error
)

// testBackend returns the backend the tests share ($GOMLX_BACKEND, by default the extended pure-Go
// one): tensors cannot move between backend instances.
func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	backendOnce.Do(func() { sharedBackend, backendErr = backend.New() })
	if backendErr != nil {
		t.Fatal(backendErr)
	}
	return sharedBackend
}

// solvedBatch draws count random configurations on an n x n lattice the papers' way (1 to 4 disks of
// radius 5 with integer centres fully inside, one of value 1, the others uniform in (0, 1]) and solves
// them with the papers' physics (relaxation model, normalized): inputs and targets [count, n, n, 1].
func solvedBatch(t testing.TB, n, count int, seed uint64) (x, y *tensors.Tensor) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	r := int(solver.PaperRadius)
	inputs := make([]float32, 0, count*n*n)
	targets := make([]float32, 0, count*n*n)
	for range count {
		k := 1 + rng.IntN(4)
		sources := make([]solver.Source, k)
		for i := range sources {
			value := 1.0
			if i > 0 {
				value = 1 - rng.Float64() // (0, 1]
			}
			sources[i] = solver.Source{X: float64(r + rng.IntN(n-2*r)), Y: float64(r + rng.IntN(n-2*r)), R: float64(r), Value: value}
		}
		res, err := solver.Solve(solver.NewProblem(n, sources), solver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.Field {
			inputs = append(inputs, float32(res.Input[i]))
			targets = append(targets, float32(res.Field[i]))
		}
	}
	return tensors.FromFlatDataAndDimensions(inputs, count, n, n, 1), tensors.FromFlatDataAndDimensions(targets, count, n, n, 1)
}

// newTrainer returns a GoMLX trainer of model c with MSE and Adam at learning rate lr.
func newTrainer(t testing.TB, c models.Config, lr float64, seed int64) (*train.Trainer, *context.Context) {
	t.Helper()
	return newTrainerDType(t, c, lr, seed, dtypes.Float32)
}

// newTrainerDType is newTrainer for a model computing in dtype: the inputs are converted to dtype in
// the graph and the predictions back to float32, so that inputs, labels and the loss stay float32.
func newTrainerDType(t testing.TB, c models.Config, lr float64, seed int64, dtype dtypes.DType) (*train.Trainer, *context.Context) {
	t.Helper()
	b := testBackend(t)
	fn, err := models.Build(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, seed)
	ctx.SetParam(optimizers.ParamLearningRate, lr)
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		return []*Node{ConvertDType(fn(ctx, ConvertDType(inputs[0], dtype)), dtypes.Float32)}
	}
	return train.NewTrainer(b, ctx, modelFn, losses.MeanSquaredError, optimizers.Adam().Done(), nil, nil), ctx
}

// trainSteps runs steps training steps on (x, y) and returns the first and the last loss.
func trainSteps(t testing.TB, trainer *train.Trainer, x, y *tensors.Tensor, steps int) (first, last float64) {
	t.Helper()
	for step := range steps {
		metrics, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		loss := float64(tensors.ToScalar[float32](metrics[0]))
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			t.Fatalf("step %d: loss %g", step, loss)
		}
		if step == 0 {
			first = loss
		}
		last = loss
	}
	return first, last
}

// TestOverfitEDCNN is the acceptance test of the training stack: a tiny ED-CNN (32 x 32, width 4)
// overfits 16 solved configurations with Adam, the MSE falling at least 10x, in under 2 minutes on the
// default (pure-Go) backend.
func TestOverfitEDCNN(t *testing.T) {
	const (
		n, count, steps = 32, 16, 150
		maxTime         = 2 * time.Minute
	)
	start := time.Now()
	x, y := solvedBatch(t, n, count, 1)
	c, err := models.Default(models.EDCNN, n)
	if err != nil {
		t.Fatal(err)
	}
	c.Width = 4
	trainer, _ := newTrainer(t, c, 3e-3, 1)
	first, last := trainSteps(t, trainer, x, y, steps)
	elapsed := time.Since(start)
	metrics, err := trainer.EvalStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
	if err != nil {
		t.Fatal(err)
	}
	eval := float64(tensors.ToScalar[float32](metrics[0]))
	t.Logf("%s: training MSE %.4g -> %.4g (ratio %.1f) in %d steps, %v; inference MSE (BatchNorm averages) %.4g",
		c.Describe(), first, last, first/last, steps, elapsed, eval)
	if !(last <= first/10) {
		t.Errorf("the loss fell %.2fx (%.4g -> %.4g), want >= 10x", first/last, first, last)
	}
	if elapsed > maxTime {
		t.Errorf("took %v, want < %v", elapsed, maxTime)
	}
}

// TestTrainDCNNAE is a smoke test of the 2021 model's training at reduced width: model 9 of the
// paper (both branches, dropout 0.4/0.4/0.1/0.1) at N = 32 (4 levels), width 4, on 8 solved
// configurations; the loss must fall by at least 3x in 40 Adam steps (learning rate 0.01).
func TestTrainDCNNAE(t *testing.T) {
	x, y := solvedBatch(t, 32, 8, 2)
	c, err := models.Model2021(9, 32)
	if err != nil {
		t.Fatal(err)
	}
	c.Width = 4
	trainer, _ := newTrainer(t, c, 1e-2, 1)
	first, last := trainSteps(t, trainer, x, y, 40)
	t.Logf("%s: MSE %.4g -> %.4g (ratio %.1f)", c.Describe(), first, last, first/last)
	if !(last <= first/3) {
		t.Errorf("the loss fell %.2fx (%.4g -> %.4g), want >= 3x", first/last, first, last)
	}
}

// TestTrainBFloat16 trains the tiny ED-CNN in bfloat16 (inputs converted in the graph, bfloat16
// variables and compute, BatchNorm and the loss in float32) on the default backend: the loss must
// fall by at least 3x in 60 steps.
func TestTrainBFloat16(t *testing.T) {
	x, y := solvedBatch(t, 32, 16, 1)
	c, _ := models.Default(models.EDCNN, 32)
	c.Width = 4
	trainer, _ := newTrainerDType(t, c, 3e-3, 1, dtypes.BFloat16)
	first, last := trainSteps(t, trainer, x, y, 60)
	t.Logf("%s in bfloat16: MSE %.4g -> %.4g (ratio %.1f)", c.Describe(), first, last, first/last)
	if !(last <= first/3) {
		t.Errorf("the loss fell %.2fx (%.4g -> %.4g), want >= 3x", first/last, first, last)
	}
}

// TestMeasureTraining runs the speed measurement on a tiny model and checks its bookkeeping and its
// option errors.
func TestMeasureTraining(t *testing.T) {
	c, _ := models.Default(models.EDCNN, 32)
	c.Width = 2
	for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.BFloat16} {
		res, err := models.MeasureTraining(testBackend(t), c, models.SpeedOptions{Batch: 2, DType: dtype, Warmup: 1, Steps: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Timed <= 0 || res.Warmup <= 0 || res.SamplesPerSec <= 0 {
			t.Fatalf("%s: %+v", dtype, res)
		}
		if got := res.StepsPerSec * 2; math.Abs(got-res.SamplesPerSec) > 1e-9*got {
			t.Errorf("%s: samples/s %g, steps/s %g at batch 2", dtype, res.SamplesPerSec, res.StepsPerSec)
		}
		if want := 3 * float64(res.Analysis.FLOPs) * res.SamplesPerSec / 1e9; math.Abs(res.ConvGFLOPs-want) > 1e-9*want {
			t.Errorf("%s: %g conv GFLOP/s, want %g", dtype, res.ConvGFLOPs, want)
		}
		t.Logf("%s %s: %.3g samples/s (noisy: shared machine)", c.Describe(), dtype, res.SamplesPerSec)
	}
	for _, tc := range []struct {
		opt   models.SpeedOptions
		field string
	}{
		{models.SpeedOptions{Batch: -1}, "batch"},
		{models.SpeedOptions{DType: dtypes.Float64}, "dtype"},
		{models.SpeedOptions{Warmup: -1}, "warmup"},
		{models.SpeedOptions{Steps: -2}, "steps"},
		{models.SpeedOptions{LearningRate: -1}, "learning rate"},
	} {
		if _, err := models.MeasureTraining(testBackend(t), c, tc.opt); err == nil || !strings.HasPrefix(err.Error(), tc.field+":") {
			t.Errorf("%+v: error %v, want one starting with %q", tc.opt, err, tc.field)
		}
	}
}
