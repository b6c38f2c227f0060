package models

import (
	"fmt"
	"math"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style: graph ops unqualified.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"
)

// InferenceOptions configures MeasureInference.
type InferenceOptions struct {
	Batch  int          // Samples per forward pass; 0 means 64.
	DType  dtypes.DType // Float32 (the zero value InvalidDType also means Float32) or BFloat16.
	Warmup int          // Untimed passes first (the first compiles the graph); 0 means 3.
	Steps  int          // Timed passes; 0 means 50.
	Seed   uint64       // Seed of the weights and of the random batch.
	// BeforeTimed, if not nil, is called after the warm-up passes, before the timed ones.
	BeforeTimed func()
}

// InferenceResult is the outcome of MeasureInference.
type InferenceResult struct {
	Options       InferenceOptions // The options, with defaults filled in.
	Analysis      *Analysis        // The model's layers, parameters and FLOPs.
	Warmup, Timed time.Duration    // Wall time of the warm-up and of the timed passes.
	StepsPerSec   float64          // Timed passes per second.
	SamplesPerSec float64          // StepsPerSec * Batch.
	// ConvGFLOPs is the effective convolution throughput: the forward FLOPs per sample x SamplesPerSec,
	// in GFLOP/s.
	ConvGFLOPs float64
	LastMean   float64 // Mean of the last pass's predictions, read from the device (which waits for it).
}

// MeasureInference measures the inference speed of model c on backend b: forward passes in inference
// mode (ctx.SetTraining false: dropout is the identity and BatchNorm uses its moving averages), as a
// trained model predicts, on one fixed batch of random images (uniform in [0, 1)), which stays on the
// device. The weights are freshly initialized from the seed (their values do not change the cost).
// Each pass's output is freed; the last one's mean is read back, which waits for the device. The first
// opt.Warmup passes are timed separately (they include the graph compilation), then opt.Steps passes
// are the measurement.
func MeasureInference(b backends.Backend, c Config, opt InferenceOptions) (*InferenceResult, error) {
	if opt.Batch == 0 {
		opt.Batch = 64
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
	switch {
	case opt.Batch < 1:
		return nil, fmt.Errorf("batch: must be >= 1, got %d", opt.Batch)
	case opt.DType != dtypes.Float32 && opt.DType != dtypes.BFloat16:
		return nil, fmt.Errorf("dtype: want float32 or bfloat16, got %s", opt.DType)
	case opt.Warmup < 1:
		return nil, fmt.Errorf("warmup: must be >= 1 (the first pass compiles the graph), got %d", opt.Warmup)
	case opt.Steps < 1:
		return nil, fmt.Errorf("steps: must be >= 1, got %d", opt.Steps)
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
	// The prediction graph: the mean is computed on the device so that only a scalar is read back.
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) (*Node, *Node) {
		ctx.SetTraining(x.Graph(), false)
		y := ConvertDType(fn(ctx, x), dtypes.Float32)
		return y, ReduceAllMean(y)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: creating the prediction: %w", c.Describe(), err)
	}
	x, _ := randomBatch(opt.Batch, c.Size, opt.DType, opt.Seed)
	res := &InferenceResult{Options: opt, Analysis: analysis}
	run := func(n int) (time.Duration, error) {
		start := time.Now()
		for i := range n {
			out, err := exec.Exec(x)
			if err != nil {
				return 0, fmt.Errorf("forward pass %d of %s: %w", i+1, c.Describe(), err)
			}
			if i == n-1 { // Reading the mean waits for the device.
				res.LastMean = float64(tensors.ToScalar[float32](out[1]))
			}
			for _, t := range out {
				t.FinalizeAll()
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
	if math.IsNaN(res.LastMean) || math.IsInf(res.LastMean, 0) {
		return nil, fmt.Errorf("%s: the mean prediction is %g", c.Describe(), res.LastMean)
	}
	res.StepsPerSec = float64(opt.Steps) / res.Timed.Seconds()
	res.SamplesPerSec = res.StepsPerSec * float64(opt.Batch)
	res.ConvGFLOPs = float64(analysis.FLOPs) * res.SamplesPerSec / 1e9
	return res, nil
}
