package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/models"
)

func init() {
	register(&command{name: "bench train", summary: "measure surrogate training speed (samples/s) on the GOMLX_BACKEND backend", run: runBenchTrain})
	register(&command{name: "bench infer", summary: "measure surrogate inference speed (samples/s) on the GOMLX_BACKEND backend", run: runBenchInfer})
}

// benchOutput receives the bench commands' report (a variable for the tests).
var benchOutput io.Writer = os.Stdout

// benchFlags are the flags common to bench train and bench infer.
type benchFlags struct {
	model, dtype         *string
	size, width, batch   *int
	steps, warmup        *int
	noBN                 *bool
	seed                 *uint64
	profile              *int
	cfg                  models.Config // Set by parse.
	dt                   dtypes.DType  // Set by parse.
	whatStep, firstSteps string
}

// addBenchFlags defines the common flags on fs, with the default batch size.
func addBenchFlags(fs *flag.FlagSet, batch int, step string) *benchFlags {
	return &benchFlags{
		model:  fs.String("model", models.EDCNN, "model: edcnn (2023 paper) or dcnn-ae (2021 paper, as its Table 2 model 9)"),
		size:   fs.Int("size", 0, "lattice size N (0: the paper's, 512 for edcnn and 100 for dcnn-ae)"),
		width:  fs.Int("width", models.PaperWidth, "channels of the first convolution (>= 1); the others scale with it (64 in both papers)"),
		batch:  fs.Int("batch", batch, "batch size (samples per "+step+")"),
		dtype:  fs.String("dtype", "float32", "dtype of inputs, variables and computation: float32 or bfloat16"),
		steps:  fs.Int("steps", 50, "timed "+step+"s"),
		warmup: fs.Int("warmup", 3, "untimed warm-up "+step+"s before the timed ones (the first compiles the graph); >= 1"),
		noBN:   fs.Bool("no-batchnorm", false, "remove the BatchNorm layers (the GoMLX/XLA speed anchor of DESIGN.md was measured without)"),
		seed:   fs.Uint64("seed", 1, "seed of the weights and of the random batch"),
		profile: fs.Int("profile", 0, "with the fast CPU backend: time every step of the timed "+step+"s and print the N most expensive kinds\n"+
			"(matrix products, convolutions, fused element-wise steps, ops left to SimpleGo) before the results; 0: off"),
	}
}

// parse checks the common flags and sets cfg and dt.
func (f *benchFlags) parse() error {
	c, err := models.Default(*f.model, *f.size)
	if err != nil {
		return badInputf("--model/--size: %v", err)
	}
	// models.Config reads Width 0 as the papers' 64; on the command line 0 is a mistake.
	if *f.width < 1 {
		return badInputf("--width: must be >= 1, got %d", *f.width)
	}
	c.Width = *f.width
	c.NoBatchNorm = *f.noBN
	if err := c.Validate(); err != nil {
		return badInputf("--width: %v", err)
	}
	switch *f.dtype {
	case "float32":
		f.dt = dtypes.Float32
	case "bfloat16":
		f.dt = dtypes.BFloat16
	default:
		return badInputf("--dtype: want float32 or bfloat16, got %q", *f.dtype)
	}
	switch {
	case *f.batch < 1:
		return badInputf("--batch: must be >= 1, got %d", *f.batch)
	case *f.steps < 1:
		return badInputf("--steps: must be >= 1, got %d", *f.steps)
	case *f.warmup < 1:
		return badInputf("--warmup: must be >= 1 (the first step compiles the graph), got %d", *f.warmup)
	case *f.profile < 0:
		return badInputf("--profile: must be >= 0, got %d", *f.profile)
	}
	f.cfg = c
	return nil
}

// startProfile returns the function that starts the fast backend's step profile (--profile), or nil.
func (f *benchFlags) startProfile(b backends.Backend) func() {
	if _, fast := b.(*backend.FastBackend); !fast || *f.profile == 0 {
		return nil
	}
	return func() { backend.SetFastProfiling(true) }
}

// printProfile prints the profile of the timed steps (--profile) and stops profiling.
func (f *benchFlags) printProfile(w io.Writer, b backends.Backend) {
	if _, fast := b.(*backend.FastBackend); !fast || *f.profile == 0 {
		return
	}
	backend.SetFastProfiling(false)
	fmt.Fprint(w, backend.FastProfileReport(*f.profile))
}

// printModel prints the parameters and forward FLOPs, the second also as the exact integer
// "forward_flops: F" (bench/peer.py checks its PyTorch network against both).
func printModel(w io.Writer, a *models.Analysis, mult int, what string) {
	fmt.Fprintf(w, "parameters: %d; forward %.4g GFLOP/sample (convolutions), %s ~%.4g GFLOP/sample\n",
		a.Params, float64(a.FLOPs)/1e9, what, float64(mult)*float64(a.FLOPs)/1e9)
	fmt.Fprintf(w, "forward_flops: %d\n", a.FLOPs)
}

// peakRSSMiB returns the peak resident set size of this process in MiB: VmHWM of /proc/self/status,
// or else getrusage's ru_maxrss (KiB on Linux); 0 if neither is available.
func peakRSSMiB() float64 {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
				if fields := strings.Fields(rest); len(fields) >= 1 {
					if kib, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
						return float64(kib) / 1024
					}
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		return float64(ru.Maxrss) / 1024
	}
	return 0
}

func runBenchTrain(args []string) error {
	fs := newFlags("bench train", "--model edcnn|dcnn-ae [--size N] [--width W] [--batch B] [flags]", `
Measures the training speed of a surrogate model on the backend selected by $GOMLX_BACKEND
(default: the extended pure-Go backend; "stablehlo:cuda" for XLA on an NVIDIA GPU): full
training steps (forward pass, backward pass and Adam update, with an MSE loss) on a fixed
batch of random images, resident on the device, so that data loading is not measured.

The first --warmup steps (graph compilation, autotuning, first allocations) are run and
timed separately; the next --steps are the measurement. The output gives the backend and
its devices, the model (parameters, forward FLOPs per sample counted on its convolutions,
also exactly as "forward_flops: F"), the step rate, the effective convolution throughput
(3 x forward FLOPs per sample, the usual estimate of forward + both backward convolutions,
times samples/s) and, on the last two lines, "samples/s: X" and "peak_rss_mb: Y" (the
process's peak resident set size, VmHWM, in MiB). bench/peer.py measures the same networks
in PyTorch; bench/compare.sh runs both side by side.

--dtype bfloat16 feeds bfloat16 images and keeps the variables and the computation in
bfloat16, except BatchNorm and the loss, which run in float32 (see package models).
Timings on a shared machine are noisy: repeat them.`)
	f := addBenchFlags(fs, 8, "training step")
	lr := fs.Float64("lr", 1e-3, "Adam learning rate")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := f.parse(); err != nil {
		return err
	}
	if !(*lr > 0) {
		return badInputf("--lr: must be > 0, got %g", *lr)
	}
	c := f.cfg
	opt := models.SpeedOptions{Batch: *f.batch, DType: f.dt, Warmup: *f.warmup, Steps: *f.steps, LearningRate: *lr, Seed: *f.seed}
	b, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	w := benchOutput
	fmt.Fprintf(w, "backend: %s\n", backend.Describe(b))
	fmt.Fprintf(w, "model: %s\n", c.Describe())
	fmt.Fprintf(w, "batch: %d, dtype: %s, Adam lr %g, MSE loss; %d warm-up + %d timed steps\n", opt.Batch, f.dt, *lr, opt.Warmup, opt.Steps)
	opt.BeforeTimed = f.startProfile(b)
	res, err := models.MeasureTraining(b, c, opt)
	if err != nil {
		return err
	}
	f.printProfile(w, b)
	printModel(w, res.Analysis, 3, "training")
	fmt.Fprintf(w, "warm-up: %d steps in %.3g s (includes compilation)\n", opt.Warmup, res.Warmup.Seconds())
	fmt.Fprintf(w, "timed: %d steps in %.4g s: %.4g steps/s, %.4g ms/step (last loss %.4g)\n",
		opt.Steps, res.Timed.Seconds(), res.StepsPerSec, 1e3/res.StepsPerSec, res.LastLoss)
	fmt.Fprintf(w, "conv GFLOP/s (effective, 3 x forward FLOPs): %.4g\n", res.ConvGFLOPs)
	fmt.Fprintf(w, "samples/s: %.4g\n", res.SamplesPerSec)
	fmt.Fprintf(w, "peak_rss_mb: %.1f\n", peakRSSMiB())
	return nil
}
