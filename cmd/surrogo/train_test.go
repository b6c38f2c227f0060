package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
)

// smokeCache generates the smoke-scale 2023 data-set cache (200 configurations, N = 32).
func smokeCache(t *testing.T) string {
	t.Helper()
	spec, err := dataset.New(dataset.Recipe2023, scale.Smoke, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := datastore.Generate(context.Background(), spec, dir, datastore.Options{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// captureTrain redirects the train and eval commands' output for the test.
func captureTrain(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	oldOut, oldProg := trainOutput, trainProgress
	trainOutput, trainProgress = &buf, &buf
	t.Cleanup(func() { trainOutput, trainProgress = oldOut, oldProg })
	return &buf
}

// TestTrainAndEvalCommands runs `surrogo train` and `surrogo eval` end to end on a smoke cache:
// the run directory's files, resumption by the same command, the refusal of another
// configuration, and the evaluation report.
func TestTrainAndEvalCommands(t *testing.T) {
	cache := smokeCache(t)
	run := filepath.Join(t.TempDir(), "run")
	out := captureTrain(t)
	args := []string{"--model", "edcnn", "--codename", "80E1", "--data", cache, "--scale", "smoke", "--out", run, "--epochs", "3"}
	if err := runTrain(args); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	t.Logf("surrogo train output:\n%s", out)
	h, err := training.ReadHistory(filepath.Join(run, training.HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 3 || h.Status != "done" || len(h.TrainLoss) != 3 || len(h.TestLoss) != 3 {
		t.Fatalf("history: %d epochs, status %q", h.Len(), h.Status)
	}
	cfg, err := training.ReadConfig(run)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Codename != "80E1" || cfg.Data.Train != "train/80" || cfg.Epochs != 3 || cfg.Scale != scale.Smoke || cfg.Data.ID == "" {
		t.Errorf("config.json: %s", cfg.JSON())
	}
	// The same command again: the run is complete and stays as it is.
	if err := runTrain(args); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	// Another configuration in the same directory: a usage error naming the field, unless --force.
	err = runTrain(append(args, "--lr", "0.001"))
	if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "optimizer.learning_rate") {
		t.Errorf("other configuration: got %v, want a usage error naming optimizer.learning_rate", err)
	}
	// Bad flags are usage errors.
	for _, bad := range [][]string{
		{"--data", cache, "--out", run},
		{"--model", "edcnn", "--data", cache, "--out", run, "--select", "best"},
		{"--model", "edcnn", "--data", cache, "--out", run, "--w", "2", "--prefactor", "step"},
		{"--model", "edcnn", "--data", filepath.Join(cache, "missing"), "--out", run},
		{"--model", "edcnn", "--data", cache, "--out", run, "--epochs", "0"},
	} {
		if err := runTrain(bad); !errors.As(err, new(usageError)) {
			t.Errorf("train %q: got %v, want a usage error", bad, err)
		}
	}
	// --print-config shows the loss flags applied.
	out.Reset()
	if err := runTrain([]string{"--model", "edcnn", "--codename", "80E1", "--data", cache, "--scale", "smoke", "--out", run,
		"--prefactor", "step", "--metric", "huber", "--print-config"}); err != nil {
		t.Fatal(err)
	}
	pc, err := training.ParseConfig(out.Bytes())
	if err != nil {
		t.Fatalf("--print-config output: %v\n%s", err, out)
	}
	if pc.Loss.Prefactor != "step" || pc.Loss.A != 4000 || pc.Loss.W != 0 || pc.Loss.Delta != 1 {
		t.Errorf("loss flags: %+v", pc.Loss)
	}

	// --config starts from another run's configuration; flags change single fields.
	run2 := filepath.Join(t.TempDir(), "run2")
	if err := runTrain([]string{"--config", filepath.Join(run, "config.json"), "--out", run2, "--epochs", "1", "--quiet"}); err != nil {
		t.Fatalf("train --config: %v\n%s", err, out)
	}
	cfg2, err := training.ReadConfig(run2)
	if err != nil {
		t.Fatal(err)
	}
	if cfg2.Epochs != 1 || cfg2.Codename != "80E1" || cfg2.Data.ID != cfg.Data.ID {
		t.Errorf("config from --config: %s", cfg2.JSON())
	}

	// Evaluation.
	out.Reset()
	report := filepath.Join(t.TempDir(), "eval.json")
	if err := runEval([]string{"--run", run, "--out", report, "--predictions", "2", "--quiet"}); err != nil {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	rep, err := training.ReadReport(report)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checkpoint.Epoch != h.Best.Epoch || rep.Data.Split != "test" || rep.Data.Examples != 40 || len(rep.RegionMeans) != 6 {
		t.Errorf("report: epoch %d, split %q, %d examples, %d region means", rep.Checkpoint.Epoch, rep.Data.Split,
			rep.Data.Examples, len(rep.RegionMeans))
	}
	if _, err := os.Stat(filepath.Join(run, "predictions-test", "predictions.npy")); err != nil {
		t.Errorf("predictions: %v", err)
	}
	t.Logf("surrogo eval output:\n%s", out)
	if !strings.Contains(out.String(), "MAE by region") {
		t.Errorf("eval output:\n%s", out)
	}
	if err := runEval([]string{"--run", filepath.Join(run, "nothing")}); !errors.As(err, new(usageError)) {
		t.Errorf("eval of a missing run: got %v, want a usage error", err)
	}
}
