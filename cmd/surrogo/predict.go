package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/predict"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

func init() {
	register(&command{name: "predict", summary: "a trained surrogate's prediction for your own configuration (JSON), with the solver's field beside it", run: runPredict})
}

func runPredict(args []string) error {
	fs := newFlags("predict", "--run RUN --config FILE.json --out DIR [--compare] [flags]", `
Runs the kept model of a training run (RUN/checkpoints/best.ckpt, or the latest state with
--checkpoint last) on one configuration of disk sources given in the JSON format of
surrogo solve (see surrogo solve --help):

  {"n":64,"d":1,"gamma":0.0025,"model":"relaxation","normalize":true,
   "sources":[{"x":20,"y":30,"r":5,"value":1}, ...]}

and writes, each file atomically, DIR/input.npy and DIR/prediction.npy (float32, [n][n],
row = y), DIR/prediction.png and DIR/prediction.json (the configuration, the model, notes).
With --compare it also solves the configuration and writes DIR/field.npy (float64, the solver's
field) and DIR/error.npy (float32, prediction - field), draws them beside the prediction, and
reports the mean absolute error in the regions of the 2023 paper (whole lattice, sources,
field, R1, R2, R3).

The configuration must be one the model can take: the lattice size of its training data, and
the same source model, normalization and diffusion length sqrt(D/gamma) (the physics it learnt;
--any-physics predicts anyway, to see how it extrapolates). Otherwise surrogo predict exits with
status 2 and says why. The backend is $GOMLX_BACKEND (default: the pure-Go backend).`)
	run := fs.String("run", "", "run directory written by surrogo train, or a figure's run (required)")
	config := fs.String("config", "", "JSON configuration file, as for surrogo solve (required)")
	out := fs.String("out", "", "output directory (created if needed; required)")
	compare := fs.Bool("compare", false, "also solve the configuration: write the solver's field and the error, and report region errors")
	which := fs.String("checkpoint", "best", "weights: best (the kept model) or last (the latest end-of-epoch state)")
	anyPhysics := fs.Bool("any-physics", false, "accept another source model, normalization or diffusion length than the training data's")
	tol := fs.Float64("tol", solver.DefaultTol, "solver tolerance for --compare (relative residual)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	switch {
	case *run == "":
		return badInputf("--run RUN is required (see --help)")
	case *config == "":
		return badInputf("--config FILE.json is required (see --help)")
	case *out == "":
		return badInputf("--out DIR is required (see --help)")
	case *which != "best" && *which != "last":
		return badInputf("--checkpoint: want best or last, got %q", *which)
	case math.IsNaN(*tol) || *tol < 0 || *tol >= 1:
		return badInputf("--tol: want a relative residual in (0, 1), got %g", *tol)
	}
	if err := checkOutDir("--out", *out); err != nil {
		return err
	}
	if fi, err := os.Stat(*run); err != nil || !fi.IsDir() {
		return badInputf("--run: %s is not a run directory (made by surrogo train)", *run)
	}
	if _, err := training.ReadConfig(*run); err != nil {
		return badInputf("--run: %v", err)
	}
	data, err := os.ReadFile(*config)
	if err != nil {
		return badInputf("--config: %v", err)
	}
	p, err := solver.ParseProblem(data)
	if err != nil {
		return badInputf("--config %s: %v", *config, err)
	}
	if *compare {
		if err := checkSolveMemory("--config "+*config+": n", p.N, solver.Multigrid); err != nil {
			return err
		}
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	defer b.Finalize()
	m, err := predict.Load(*run, predict.Options{Checkpoint: *which, Backend: b})
	if err != nil {
		if errors.Is(err, training.ErrNoModel) || errors.Is(err, training.ErrConfigMismatch) {
			return badInputf("--run: %v", err)
		}
		return err
	}
	defer m.Close()
	m.AnyPhysics = *anyPhysics
	notes, err := m.Check(p)
	switch {
	case errors.Is(err, predict.ErrIncompatible):
		return badInputf("--config %s: %v", *config, err)
	case err != nil:
		return badInputf("--config %s: %v", *config, err)
	}
	var res *predict.Result
	if *compare {
		res, err = m.Compare(p, solver.Options{Tol: *tol})
	} else {
		res, err = m.Predict(p)
	}
	if err != nil {
		return err
	}
	files, err := res.Save(*out, m)
	if err != nil {
		return err
	}
	w := trainOutput
	fmt.Fprintln(w, m.Describe())
	for _, n := range notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "  predicted %dx%d, %d sources in %.1f ms\n", p.N, p.N, len(p.Sources), res.PredictSeconds*1000)
	if *compare {
		fmt.Fprintf(w, "  solved in %.1f ms (%d iterations); max |prediction - field| %.4g at (row %d, col %d)\n",
			res.SolveSeconds*1000, res.SolverIterations, res.MaxError, res.MaxErrorAt[0], res.MaxErrorAt[1])
		fmt.Fprintf(w, "  MAE by region: %s\n", res.RegionSummary())
	}
	fmt.Fprintf(w, "  wrote %s\n", strings.Join(files, ", "))
	return nil
}
