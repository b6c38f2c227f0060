package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/predict"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

// TestPredictCommand trains a tiny model, predicts a configuration of the user's own with
// `surrogo predict`, and checks that the written prediction equals the in-process one, that
// --compare writes the solver's field and the error, and that configurations the model cannot
// take are refused with a usage error (exit status 2) on one line.
func TestPredictCommand(t *testing.T) {
	runMain := run
	cache := smokeCache(t)
	run := filepath.Join(t.TempDir(), "run")
	out := captureTrain(t)
	if err := runTrain([]string{"--model", "edcnn", "--codename", "80E1", "--data", cache, "--scale", "smoke", "--out", run,
		"--epochs", "1", "--quiet"}); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	spec, err := dataset.New(dataset.Recipe2023, scale.Smoke, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A configuration of the user's own: 3 sources on the smoke lattice (N = 32).
	// The smoke geometry's diffusion length: another one is refused (tested below).
	p := solver.NewProblem(spec.N, []solver.Source{{X: 8, Y: 9, R: 5, Value: 1}, {X: 20, Y: 22, R: 5, Value: 0.5}, {X: 24, Y: 8, R: 4, Value: 0.8}})
	p.D, p.Gamma = spec.D, spec.Gamma
	dir := t.TempDir()
	writeConfig := func(name string, p solver.Problem) string {
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cfg := writeConfig("my.json", p)

	// The in-process prediction.
	want, err := training.LoadPredictor(run, "best", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := predict.Input(p)
	if err != nil {
		t.Fatal(err)
	}
	wantPred, err := want.Predict(in, 1)
	want.Close()
	if err != nil {
		t.Fatal(err)
	}

	outDir := filepath.Join(t.TempDir(), "pred")
	out.Reset()
	if err := runPredict([]string{"--run", run, "--config", cfg, "--out", outDir}); err != nil {
		t.Fatalf("predict: %v\n%s", err, out)
	}
	t.Logf("surrogo predict output:\n%s", out)
	arr, err := npy.ReadFile(filepath.Join(outDir, predict.PredictionFile))
	if err != nil {
		t.Fatal(err)
	}
	shape, got := arr.Shape, arr.Data.([]float32)
	if len(shape) != 2 || shape[0] != spec.N || shape[1] != spec.N || len(got) != len(wantPred) {
		t.Fatalf("prediction.npy: shape %v, %d values; want [%d %d]", shape, len(got), spec.N, spec.N)
	}
	for i := range got {
		if got[i] != wantPred[i] {
			t.Fatalf("prediction.npy[%d] = %v, in-process prediction %v", i, got[i], wantPred[i])
		}
	}
	for _, f := range []string{predict.InputFile, predict.FigureFile, predict.SummaryFile} {
		if fi, err := os.Stat(filepath.Join(outDir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(outDir, predict.FieldFile)); err == nil {
		t.Errorf("field.npy written without --compare")
	}

	// --compare: the solver's field and the error beside the prediction.
	out.Reset()
	if err := runPredict([]string{"--run", run, "--config", cfg, "--out", outDir, "--compare"}); err != nil {
		t.Fatalf("predict --compare: %v\n%s", err, out)
	}
	t.Logf("surrogo predict --compare output:\n%s", out)
	if !strings.Contains(out.String(), "MAE by region: whole") {
		t.Errorf("--compare output lacks the region errors:\n%s", out)
	}
	res, err := solver.Solve(p, solver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fa, err := npy.ReadFile(filepath.Join(outDir, predict.FieldFile))
	if err != nil {
		t.Fatal(err)
	}
	ea, err := npy.ReadFile(filepath.Join(outDir, predict.ErrorFile))
	if err != nil {
		t.Fatal(err)
	}
	field, errMap := fa.Data.([]float64), ea.Data.([]float32)
	for i := range field {
		if field[i] != res.Field[i] {
			t.Fatalf("field.npy[%d] = %v, solver %v", i, field[i], res.Field[i])
		}
		if e := float32(float64(wantPred[i]) - res.Field[i]); errMap[i] != e {
			t.Fatalf("error.npy[%d] = %v, want %v", i, errMap[i], e)
		}
	}

	// Configurations the model cannot take: usage errors (exit status 2) saying why, on one line.
	big := p
	big.N = 64
	clamped := p
	clamped.Model = solver.Clamped
	longer := p
	longer.Gamma = 1.0 / 900
	for _, tc := range []struct {
		name, want string
		p          solver.Problem
	}{
		{"n64.json", "it takes 32 x 32 lattices", big},
		{"clamped.json", "source model clamped (trained on relaxation)", clamped},
		{"length.json", "diffusion length", longer},
	} {
		path := writeConfig(tc.name, tc.p)
		err := runPredict([]string{"--run", run, "--config", path, "--out", t.TempDir()})
		if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a usage error saying %q", tc.name, err, tc.want)
		}
		if code := runMain([]string{"predict", "--run", run, "--config", path, "--out", t.TempDir()}); code != 2 {
			t.Errorf("%s: exit status %d, want 2", tc.name, code)
		}
		if msg := oneLine(err.Error()); strings.Contains(msg, "\n") {
			t.Errorf("%s: message is not one line: %q", tc.name, msg)
		}
	}
	// --any-physics predicts another diffusion length anyway (not another lattice size).
	out.Reset()
	if err := runPredict([]string{"--run", run, "--config", writeConfig("length2.json", longer), "--out", t.TempDir(), "--any-physics"}); err != nil {
		t.Errorf("--any-physics: %v", err)
	} else if !strings.Contains(out.String(), "note: another recipe") {
		t.Errorf("--any-physics output lacks the note:\n%s", out)
	}
	for _, bad := range [][]string{
		{"--run", run, "--out", t.TempDir()},
		{"--run", run, "--config", filepath.Join(dir, "missing.json"), "--out", t.TempDir()},
		{"--run", filepath.Join(run, "nothing"), "--config", cfg, "--out", t.TempDir()},
		{"--run", run, "--config", writeConfig("outside.json", solver.NewProblem(32, []solver.Source{{X: 1, Y: 1, R: 5, Value: 1}})), "--out", t.TempDir()},
	} {
		if err := runPredict(bad); !errors.As(err, new(usageError)) {
			t.Errorf("predict %q: got %v, want a usage error", bad, err)
		}
	}
}
