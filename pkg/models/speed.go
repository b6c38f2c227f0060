package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style: graph ops unqualified.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/gomlx/gopjrt/dtypes/bfloat16"
)

// SpeedOptions configures MeasureTraining.
type SpeedOptions struct {
	Batch        int          // Samples per training step; 0 means 8.
	DType        dtypes.DType // Float32 (the zero value InvalidDType also means Float32) or BFloat16.
	Warmup       int          // Untimed steps first (the first compiles the graph); 0 means 3.
	Steps        int          // Timed steps; 0 means 50.
	LearningRate float64      // Adam's learning rate; 0 means 1e-3.
	Seed         uint64       // Seed of the weights and of the random batch.
	// BeforeTimed, if not nil, is called after the warm-up steps, before the timed ones (e.g. to start
	// a profile).
	BeforeTimed func()
}

// SpeedResult is the outcome of MeasureTraining.
type SpeedResult struct {
	Options       SpeedOptions  // The options, with defaults filled in.
	Analysis      *Analysis     // The model's layers, parameters and FLOPs.
	Warmup, Timed time.Duration // Wall time of the warm-up and of the timed steps.
	StepsPerSec   float64       // Timed steps per second.
	SamplesPerSec float64       // StepsPerSec * Batch.
	// ConvGFLOPs is the effective convolution throughput: 3 x the forward FLOPs per sample (forward,
	// input gradient, weight gradient) x SamplesPerSec, in GFLOP/s.
	ConvGFLOPs float64
	LastLoss   float64 // MSE of the last step, read from the device (which waits for it).
}

// MeasureTraining measures the training speed of model c on backend b: full training steps (forward,
// backward and Adam update, MSE loss, through GoMLX's train.Trainer) on one fixed batch of random
// images (uniform in [0, 1)), which stays on the device, so data loading is not measured. The first
// opt.Warmup steps are timed separately (they include the graph compilation), then opt.Steps steps are
// the measurement. With DType BFloat16 the images are fed in bfloat16 and variables and compute are
// bfloat16 (BatchNorm in float32, see the package documentation); the predictions are converted to
// float32 for the loss.
func MeasureTraining(b backends.Backend, c Config, opt SpeedOptions) (*SpeedResult, error) {
	if opt.Batch == 0 {
		opt.Batch = 8
	}
	if opt.DType == dtypes.InvalidDType {
		opt.DType = dtypes.Float32
	}
	if opt.Warmup == 0 {
		opt.Warmup = 3
	}
	if opt.Steps == 0 {
		opt.Steps = 50
	}
	if opt.LearningRate == 0 {
		opt.LearningRate = 1e-3
	}
	switch {
	case opt.Batch < 1:
		return nil, fmt.Errorf("batch: must be >= 1, got %d", opt.Batch)
	case opt.DType != dtypes.Float32 && opt.DType != dtypes.BFloat16:
		return nil, fmt.Errorf("dtype: want float32 or bfloat16, got %s", opt.DType)
	case opt.Warmup < 1:
		return nil, fmt.Errorf("warmup: must be >= 1 (the first step compiles the graph), got %d", opt.Warmup)
	case opt.Steps < 1:
		return nil, fmt.Errorf("steps: must be >= 1, got %d", opt.Steps)
	case !(opt.LearningRate > 0) || math.IsInf(opt.LearningRate, 0):
		return nil, fmt.Errorf("learning rate: must be a positive number, got %g", opt.LearningRate)
	}
	analysis, err := Analyze(c)
	if err != nil {
		return nil, err
	}
	fn, err := Build(c)
	if err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(opt.Seed))
	ctx.SetParam(optimizers.ParamLearningRate, opt.LearningRate)
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		return []*Node{ConvertDType(fn(ctx, inputs[0]), dtypes.Float32)}
	}
	trainer := train.NewTrainer(b, ctx, modelFn, losses.MeanSquaredError, optimizers.Adam().Done(), nil, nil)
	x, y := randomBatch(opt.Batch, c.Size, opt.DType, opt.Seed)
	res := &SpeedResult{Options: opt, Analysis: analysis}
	run := func(n int) (time.Duration, error) {
		start := time.Now()
		for i := range n {
			metrics, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
			if err != nil {
				return 0, fmt.Errorf("training step %d of %s: %w", i+1, c.Describe(), err)
			}
			if i == n-1 { // Reading the loss waits for the device.
				res.LastLoss = float64(tensors.ToScalar[float32](metrics[0]))
			}
		}
		return time.Since(start), nil
	}
	if res.Warmup, err = run(opt.Warmup); err != nil {
		return nil, err
	}
	if opt.BeforeTimed != nil {
		opt.BeforeTimed()
	}
	if res.Timed, err = run(opt.Steps); err != nil {
		return nil, err
	}
	if math.IsNaN(res.LastLoss) || math.IsInf(res.LastLoss, 0) {
		return nil, fmt.Errorf("%s: the loss is %g after %d steps", c.Describe(), res.LastLoss, opt.Warmup+opt.Steps)
	}
	res.StepsPerSec = float64(opt.Steps) / res.Timed.Seconds()
	res.SamplesPerSec = res.StepsPerSec * float64(opt.Batch)
	res.ConvGFLOPs = 3 * float64(analysis.FLOPs) * res.SamplesPerSec / 1e9
	return res, nil
}

// randomBatch returns inputs in dtype and float32 targets [batch, n, n, 1], uniform in [0, 1).
func randomBatch(batch, n int, dtype dtypes.DType, seed uint64) (x, y *tensors.Tensor) {
	rng := rand.New(rand.NewPCG(seed, 0xbe7c))
	in := make([]float32, batch*n*n)
	target := make([]float32, batch*n*n)
	for i := range in {
		in[i], target[i] = rng.Float32(), rng.Float32()
	}
	y = tensors.FromFlatDataAndDimensions(target, batch, n, n, 1)
	if dtype == dtypes.BFloat16 {
		half := make([]bfloat16.BFloat16, len(in))
		for i, v := range in {
			half[i] = bfloat16.FromFloat32(v)
		}
		return tensors.FromFlatDataAndDimensions(half, batch, n, n, 1), y
	}
	return tensors.FromFlatDataAndDimensions(in, batch, n, n, 1), y
}
