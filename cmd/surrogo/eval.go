package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/training"
)

func init() {
	register(&command{name: "eval", summary: "evaluate a trained surrogate: predictions and the papers' metrics as JSON", run: runEval})
}

func runEval(args []string) error {
	fs := newFlags("eval", "--run RUN [--data DIR] [--split test] [--out FILE] [flags]", `
Loads the kept model of a training run (RUN/checkpoints/best.ckpt, or the latest state with
--checkpoint last), predicts a subset of the data set and writes the metrics of both papers
as JSON (default RUN/eval-<split>.json):

  loss, mae                  the training loss and the mean absolute error over the subset
  regions, region_means      2023 paper: MAE in the whole lattice, the sources, the field and
                             the regions R1, R2, R3 (target in [0.2, 1], [0.1, 0.2), [0.05, 0.1)),
                             per number of sources, and averaged over the numbers of sources
  residual                   2021 paper: mean, 99th percentile and maximum of |y - yhat| and of
                             the relative residual |y - yhat| / y
  slices, slice_aggregate    2021 paper: residual statistics in 10 slices along y = x
  pdf                        2021 paper: densities of target and predicted field values

Errors are in field units (a sqrt training transform is undone). --predictions K also writes
the inputs, targets and predictions of the first K examples as .npy files ([K, N, N] float32;
numpy.load reads them). The data set is the run's (its config.json) unless --data names
another copy of it. The backend is $GOMLX_BACKEND (default: the extended pure-Go backend).`)
	run := fs.String("run", "", "run directory written by surrogo train (required)")
	dataDir := fs.String("data", "", "data-set cache directory (default: the run's)")
	split := fs.String("split", "", "subset to evaluate: test (default: the run's test subset), train, train/80, k07/test, ...")
	out := fs.String("out", "", "report file (default RUN/eval-<split>.json)")
	which := fs.String("checkpoint", "best", "weights: best (the kept model) or last (the latest end-of-epoch state)")
	preds := fs.Int("predictions", 0, "also write the first K examples' inputs, targets and predictions as .npy")
	predDir := fs.String("predictions-dir", "", "directory of the .npy files (default RUN/predictions-<split>)")
	quiet := fs.Bool("quiet", false, "no progress report")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *run == "" {
		return badInputf("--run RUN is required (see --help)")
	}
	if *which != "best" && *which != "last" {
		return badInputf("--checkpoint: want best or last, got %q", *which)
	}
	if *preds < 0 {
		return badInputf("--predictions: must be >= 0, got %d", *preds)
	}
	if fi, err := os.Stat(*run); err != nil || !fi.IsDir() {
		return badInputf("--run: %s is not a run directory (made by surrogo train)", *run)
	}
	cfg, err := training.ReadConfig(*run)
	if err != nil {
		return badInputf("--run: %v", err)
	}
	if *split == "" {
		*split = cfg.Data.Test
	}
	path := *out
	if path == "" {
		path = filepath.Join(*run, "eval-"+strings.ReplaceAll(*split, "/", "-")+".json")
	}
	if err := checkOutFile("--out", path); err != nil {
		return err
	}
	if *predDir != "" {
		if err := checkOutDir("--predictions-dir", *predDir); err != nil {
			return err
		}
	}
	// The data: the run's data set, a subset of it, and the model's lattice.
	dc := cfg.Data
	if *dataDir != "" {
		dc.Dir = *dataDir
	}
	data, err := training.OpenData(dc)
	if err != nil {
		return badInputf("--data: %v", err)
	}
	if data.Source.N() != cfg.Model.Size {
		return badInputf("--data: the data's lattice is %d x %d, the model's %d x %d", data.Source.N(), data.Source.N(), cfg.Model.Size, cfg.Model.Size)
	}
	if sub, err := data.Subset(*split); err != nil {
		return badInputf("--split: %v", err)
	} else if len(sub.Indices) == 0 {
		return badInputf("--split: subset %q is empty", *split)
	}
	if pid, locked := datastore.LockedBy(*run); locked {
		fmt.Fprintf(os.Stderr, "surrogo eval: warning: %s is being trained now (by pid %d): evaluating its %s checkpoint as it is at this moment\n", *run, pid, *which)
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opt := training.EvalOptions{Backend: b, DataDir: *dataDir, Split: *split, Checkpoint: *which,
		Predictions: *preds, PredictionsDir: *predDir}
	if !*quiet {
		opt.Progress = os.Stderr
	}
	rep, err := training.Evaluate(ctx, *run, opt)
	switch {
	case errors.Is(err, training.ErrNoModel), errors.Is(err, training.ErrConfigMismatch), errors.Is(err, training.ErrDataMismatch):
		return badInputf("--run: %v", err)
	case err != nil:
		return err
	}
	if err := rep.WriteFile(path); err != nil {
		return err
	}
	w := trainOutput
	fmt.Fprintf(w, "%s: %s, epoch %d (%s), on %s %q: %d examples\n", *run, rep.Model, rep.Checkpoint.Epoch,
		rep.Checkpoint.Kind, rep.Data.ID, rep.Data.Split, rep.Data.Examples)
	fmt.Fprintf(w, "  loss %.6g  MAE %.6g  residual mean %.4g, p99 %.4g, max %.4g\n", float64(rep.Loss), float64(rep.MAE),
		rep.Residual.Mean, rep.Residual.P99.Estimate, rep.Residual.Max)
	var parts []string
	for _, r := range rep.RegionMeans {
		parts = append(parts, fmt.Sprintf("%s %.4g", r.Region, float64(r.MAE)))
	}
	fmt.Fprintf(w, "  MAE by region (mean over numbers of sources): %s\n", strings.Join(parts, ", "))
	if rep.Predictions != nil {
		fmt.Fprintf(w, "  predictions: %s\n", rep.Predictions.Dir)
	}
	fmt.Fprintf(w, "  report: %s (%.1f examples/s)\n", path, rep.SamplesPerSecond)
	return nil
}
