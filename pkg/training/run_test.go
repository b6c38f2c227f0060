package training

import (
	"bytes"
	stdctx "context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/loss"
)

func TestRunReducesLoss(t *testing.T) {
	data := tinyData(t, 24, 16, 1)
	dir := t.TempDir()
	var log bytes.Buffer
	opt := tinyOptions(t, data)
	opt.Log = &log
	h, err := Run(stdctx.Background(), tinyConfig(6), dir, opt)
	if err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, log.String())
	}
	t.Logf("log:\n%s", log.String())
	if h.Len() != 6 || h.Status != "done" {
		t.Fatalf("history has %d epochs, status %q", h.Len(), h.Status)
	}
	if !(h.TrainLoss[5] < h.TrainLoss[0]/2) || !(h.TestLoss[5] < h.TestLoss[0]/2) {
		t.Errorf("losses did not fall by half: train %v, test %v", h.TrainLoss, h.TestLoss)
	}
	for _, f := range []string{ConfigFile, HistoryFile, filepath.Join(checkpointDir, bestFile), filepath.Join(checkpointDir, epochFile(6))} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
}

// TestBestSelection checks that best.ckpt holds the weights of the epoch with the lowest value of
// the selection criterion, for both criteria.
func TestBestSelection(t *testing.T) {
	for _, sel := range Selections {
		t.Run(string(sel), func(t *testing.T) {
			cfg := tinyConfig(5)
			cfg.Select = sel
			cfg.Optimizer.LearningRate = 0.05 // noisy enough that the last epoch need not be the best
			cfg.Checkpoint.Keep = cfg.Epochs + 1
			dir := t.TempDir()
			h, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, tinyData(t, 24, 16, 5)))
			if err != nil {
				t.Fatal(err)
			}
			crit := h.TestLoss
			if sel == SelectTrainLoss {
				crit = h.TrainLoss
			}
			want := 0
			for i, v := range crit {
				if want == 0 || v < crit[want-1] {
					want = i + 1
				}
			}
			t.Logf("%s %v: best epoch %d", sel, crit, want)
			if h.Best.Epoch != want || float64(h.Best.Loss) != crit[want-1] || h.Best.Criterion != sel {
				t.Fatalf("best %+v, want epoch %d of %v", h.Best, want, crit)
			}
			best, err := readCheckpoint(filepath.Join(dir, checkpointDir, bestFile), false)
			if err != nil {
				t.Fatal(err)
			}
			ep, err := readCheckpoint(filepath.Join(dir, checkpointDir, epochFile(want)), false)
			if err != nil {
				t.Fatal(err)
			}
			if d := sameSnapshots(ep.snap, best.snap); d != "" {
				t.Errorf("best.ckpt is not epoch %d's state: %s", want, d)
			}
			if best.header.Kind != kindBest || best.header.State.Epoch != want {
				t.Errorf("best.ckpt header: kind %q epoch %d", best.header.Kind, best.header.State.Epoch)
			}
		})
	}
}

// TestHistoryFile checks history.json against the returned history and its invariants.
func TestHistoryFile(t *testing.T) {
	cfg := rollbackConfig(7)
	dir := t.TempDir()
	opt := tinyOptions(t, resumeData(t))
	opt.hook = jumpAt(t, 5, false, 30)
	h, err := Run(stdctx.Background(), cfg, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"epoch", "train_loss", "test_loss", "prefactor", "retries", "elapsed_s", "samples_per_s"} {
		l, ok := raw[key].([]any)
		if !ok || len(l) != cfg.Epochs {
			t.Errorf("history.json %s: %v, want a list of %d", key, raw[key], cfg.Epochs)
		}
	}
	got, err := ReadHistory(filepath.Join(dir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	if d := sameHistories(h, got); d != "" {
		t.Errorf("history.json differs: %s", d)
	}
	retries := 0
	for i := range h.Epoch {
		retries += h.Retries[i]
		if i > 0 && !(h.Elapsed[i] >= h.Elapsed[i-1]) {
			t.Errorf("elapsed %v decreases", h.Elapsed)
		}
		if !(h.SamplesPerSecond[i] > 0) || h.Prefactor[i] != string(loss.PrefactorNone) {
			t.Errorf("epoch %d: %g samples/s, prefactor %q", i+1, h.SamplesPerSecond[i], h.Prefactor[i])
		}
	}
	if retries != h.NumRollbacks || h.NumRollbacks != 1 || h.EpochsRun != cfg.Epochs+2 {
		t.Errorf("retries %v, %d roll-backs, %d epochs run", h.Retries, h.NumRollbacks, h.EpochsRun)
	}
}

// TestRunDirectoryConflicts checks that a run directory refuses another configuration unless
// forced, and accepts a changed data directory or checkpoint interval.
func TestRunDirectoryConflicts(t *testing.T) {
	data := tinyData(t, 20, 12, 9)
	dir := t.TempDir()
	cfg := tinyConfig(2)
	if _, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, data)); err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Optimizer.LearningRate /= 2
	_, err := Run(stdctx.Background(), other, dir, tinyOptions(t, data))
	if err == nil || !strings.Contains(err.Error(), "optimizer.learning_rate") {
		t.Fatalf("another configuration: got %v, want an error naming optimizer.learning_rate", err)
	}
	same := cfg
	same.Checkpoint.IntervalSeconds = 30
	same.Data.Dir = "/moved"
	if h, err := Run(stdctx.Background(), same, dir, tinyOptions(t, data)); err != nil || h.Status != "done" {
		t.Fatalf("same computation, other directory fields: %v", err)
	}
	opt := tinyOptions(t, data)
	opt.Force = true
	h, err := Run(stdctx.Background(), other, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 2 || h.EpochsRun != 2 {
		t.Errorf("forced run: %d epochs, %d run", h.Len(), h.EpochsRun)
	}
	got, err := ReadConfig(dir)
	if err != nil || got.Optimizer.LearningRate != other.Optimizer.LearningRate {
		t.Errorf("config.json after --force: %v %+v", err, got.Optimizer)
	}
	// The data must match the model.
	bad := cfg
	bad.Model.Size = 64
	if _, err := Run(stdctx.Background(), bad, t.TempDir(), tinyOptions(t, data)); err == nil || !strings.Contains(err.Error(), "model.size") {
		t.Errorf("64 x 64 model on 32 x 32 data: %v", err)
	}
}
