package main

import (
	"fmt"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/models"
)

func runBenchInfer(args []string) error {
	fs := newFlags("bench infer", "--model edcnn|dcnn-ae [--size N] [--width W] [--batch B] [flags]", `
Measures the inference speed of a surrogate model on the backend selected by $GOMLX_BACKEND
(default: the extended pure-Go backend; "stablehlo:cuda" for XLA on an NVIDIA GPU): forward
passes in inference mode (dropout off, BatchNorm with its moving averages), as a trained
model predicts, on a fixed batch of random images resident on the device, with freshly
initialized weights (their values do not change the cost).

The first --warmup passes (graph compilation, first allocations) are run and timed
separately; the next --steps are the measurement. The output gives the backend, the model
(parameters, forward FLOPs per sample counted on its convolutions, also exactly as
"forward_flops: F"), the pass rate, the effective convolution throughput (forward FLOPs per
sample times samples/s) and, on the last two lines, "samples/s: X" and "peak_rss_mb: Y"
(the process's peak resident set size, VmHWM, in MiB). bench/peer.py measures the same
networks in PyTorch; bench/compare.sh runs both side by side.

--dtype bfloat16 feeds bfloat16 images and keeps the variables and the computation in
bfloat16, except BatchNorm, which runs in float32 (see package models).
Timings on a shared machine are noisy: repeat them.`)
	f := addBenchFlags(fs, 64, "forward pass")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := f.parse(); err != nil {
		return err
	}
	c := f.cfg
	opt := models.InferenceOptions{Batch: *f.batch, DType: f.dt, Warmup: *f.warmup, Steps: *f.steps, Seed: *f.seed}
	b, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	w := benchOutput
	fmt.Fprintf(w, "backend: %s\n", backend.Describe(b))
	fmt.Fprintf(w, "model: %s\n", c.Describe())
	fmt.Fprintf(w, "batch: %d, dtype: %s, inference mode; %d warm-up + %d timed passes\n", opt.Batch, f.dt, opt.Warmup, opt.Steps)
	opt.BeforeTimed = f.startProfile(b)
	res, err := models.MeasureInference(b, c, opt)
	if err != nil {
		return err
	}
	f.printProfile(w, b)
	printModel(w, res.Analysis, 1, "inference")
	fmt.Fprintf(w, "warm-up: %d passes in %.3g s (includes compilation)\n", opt.Warmup, res.Warmup.Seconds())
	fmt.Fprintf(w, "timed: %d passes in %.4g s: %.4g passes/s, %.4g ms/pass (mean prediction %.4g)\n",
		opt.Steps, res.Timed.Seconds(), res.StepsPerSec, 1e3/res.StepsPerSec, res.LastMean)
	fmt.Fprintf(w, "conv GFLOP/s (effective, 1 x forward FLOPs): %.4g\n", res.ConvGFLOPs)
	fmt.Fprintf(w, "samples/s: %.4g\n", res.SamplesPerSec)
	fmt.Fprintf(w, "peak_rss_mb: %.1f\n", peakRSSMiB())
	return nil
}
