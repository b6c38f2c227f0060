package main

import (
	"fmt"

	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/models"
)

func init() {
	register(&command{name: "bench train", summary: "measure surrogate training speed (samples/s) on the GOMLX_BACKEND backend", run: runBenchTrain})
}

func runBenchTrain(args []string) error {
	fs := newFlags("bench train", "--model edcnn|dcnn-ae [--size N] [--width W] [--batch B] [flags]", `
Measures the training speed of a surrogate model on the backend selected by $GOMLX_BACKEND
(default: the extended pure-Go backend; "stablehlo:cuda" for XLA on an NVIDIA GPU): full
training steps (forward pass, backward pass and Adam update, with an MSE loss) on a fixed
batch of random images, resident on the device, so that data loading is not measured.

The first --warmup steps (graph compilation, autotuning, first allocations) are run and
timed separately; the next --steps are the measurement. The output gives the backend and
its devices, the model (parameters, forward FLOPs per sample counted on its convolutions),
the step rate, the effective convolution throughput (3 x forward FLOPs per sample, the usual
estimate of forward + both backward convolutions, times samples/s) and, on the last line,
"samples/s: X".

--dtype bfloat16 feeds bfloat16 images and keeps the variables and the computation in
bfloat16, except BatchNorm and the loss, which run in float32 (see package models).
Timings on a shared machine are noisy: repeat them.`)
	model := fs.String("model", models.EDCNN, "model: edcnn (2023 paper) or dcnn-ae (2021 paper, as its Table 2 model 9)")
	size := fs.Int("size", 0, "lattice size N (0: the paper's, 512 for edcnn and 100 for dcnn-ae)")
	width := fs.Int("width", models.PaperWidth, "channels of the first convolution; the others scale with it (64 in both papers)")
	batch := fs.Int("batch", 8, "batch size (samples per training step)")
	dtype := fs.String("dtype", "float32", "dtype of inputs, variables and computation: float32 or bfloat16")
	steps := fs.Int("steps", 50, "timed training steps")
	warmup := fs.Int("warmup", 3, "untimed warm-up steps before the timed ones (the first compiles the graph); >= 1")
	noBN := fs.Bool("no-batchnorm", false, "remove the BatchNorm layers (the GoMLX/XLA speed anchor of DESIGN.md was measured without)")
	lr := fs.Float64("lr", 1e-3, "Adam learning rate")
	seed := fs.Uint64("seed", 1, "seed of the weights and of the random batch")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	c, err := models.Default(*model, *size)
	if err != nil {
		return badInputf("--model/--size: %v", err)
	}
	c.Width = *width
	c.NoBatchNorm = *noBN
	if err := c.Validate(); err != nil {
		return badInputf("--width: %v", err)
	}
	var dt dtypes.DType
	switch *dtype {
	case "float32":
		dt = dtypes.Float32
	case "bfloat16":
		dt = dtypes.BFloat16
	default:
		return badInputf("--dtype: want float32 or bfloat16, got %q", *dtype)
	}
	opt := models.SpeedOptions{Batch: *batch, DType: dt, Warmup: *warmup, Steps: *steps, LearningRate: *lr, Seed: *seed}
	switch {
	case *batch < 1:
		return badInputf("--batch: must be >= 1, got %d", *batch)
	case *steps < 1:
		return badInputf("--steps: must be >= 1, got %d", *steps)
	case *warmup < 1:
		return badInputf("--warmup: must be >= 1 (the first step compiles the graph), got %d", *warmup)
	case !(*lr > 0):
		return badInputf("--lr: must be > 0, got %g", *lr)
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	fmt.Printf("backend: %s\n", backend.Describe(b))
	fmt.Printf("model: %s\n", c.Describe())
	fmt.Printf("batch: %d, dtype: %s, Adam lr %g, MSE loss; %d warm-up + %d timed steps\n", *batch, dt, *lr, *warmup, *steps)
	res, err := models.MeasureTraining(b, c, opt)
	if err != nil {
		return err
	}
	a := res.Analysis
	fmt.Printf("parameters: %d; forward %.4g GFLOP/sample (convolutions), training ~%.4g GFLOP/sample\n",
		a.Params, float64(a.FLOPs)/1e9, 3*float64(a.FLOPs)/1e9)
	fmt.Printf("warm-up: %d steps in %.3g s (includes compilation)\n", *warmup, res.Warmup.Seconds())
	fmt.Printf("timed: %d steps in %.4g s: %.4g steps/s, %.4g ms/step (last loss %.4g)\n",
		*steps, res.Timed.Seconds(), res.StepsPerSec, 1e3/res.StepsPerSec, res.LastLoss)
	fmt.Printf("conv GFLOP/s (effective, 3 x forward FLOPs): %.4g\n", res.ConvGFLOPs)
	fmt.Printf("samples/s: %.4g\n", res.SamplesPerSec)
	return nil
}
