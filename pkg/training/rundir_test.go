package training

import (
	stdctx "context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/datastore"
)

// TestRunDirLocked: a second Run on a directory that another writer holds is refused at once
// with an error naming the holder, and writes nothing there.
func TestRunDirLocked(t *testing.T) {
	dir := t.TempDir()
	unlock, err := datastore.LockDir(dir) // the first writer
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(stdctx.Background(), tinyConfig(1), dir, tinyOptions(t, resumeData(t)))
	var le *datastore.LockedError
	if !errors.Is(err, ErrRunDir) || !errors.As(err, &le) || le.PID != os.Getpid() && le.PID != 0 {
		t.Fatalf("Run on a locked directory: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refused Run wrote %d entries", len(entries))
	}
	unlock()
	if _, err := Run(stdctx.Background(), tinyConfig(1), dir, tinyOptions(t, resumeData(t))); err != nil {
		t.Fatalf("after the unlock: %v", err)
	}
	// A file where the directory should be.
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	if _, err := Run(stdctx.Background(), tinyConfig(1), file, tinyOptions(t, resumeData(t))); !errors.Is(err, ErrRunDir) {
		t.Errorf("Run into a file: %v", err)
	}
}

// TestExtendRun: more epochs on a finished run continue it, to the weights of a run that had
// the larger number from the start; fewer than it has trained are refused.
func TestExtendRun(t *testing.T) {
	cfg := tinyConfig(5)
	refLast, refBest, refH := reference(t, cfg, resumeData(t), nil)
	dir := t.TempDir()
	short := tinyConfig(3)
	if _, err := Run(stdctx.Background(), short, dir, tinyOptions(t, resumeData(t))); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, resumeData(t))); err != nil {
		t.Fatalf("extending 3 to 5 epochs: %v", err)
	}
	compareWithReference(t, dir, cfg, refLast, refBest, refH)
	got, err := ReadConfig(dir)
	if err != nil || got.Epochs != 5 {
		t.Errorf("config.json after the extension: epochs %d, %v", got.Epochs, err)
	}
	_, err = Run(stdctx.Background(), short, dir, tinyOptions(t, resumeData(t)))
	if !errors.Is(err, ErrConfigMismatch) || !strings.Contains(err.Error(), "already trained 5 epochs") {
		t.Errorf("shortening a 5-epoch run to 3: %v", err)
	}
}

// TestDamagedConfigRepaired: a damaged config.json with intact checkpoints is rewritten from
// the configuration the checkpoints agree with, and the run continues; a configuration the
// checkpoints do not agree with is refused with the way to continue the old run.
func TestDamagedConfigRepaired(t *testing.T) {
	cfg := tinyConfig(4)
	refLast, refBest, refH := reference(t, cfg, resumeData(t), nil)
	dir := t.TempDir()
	if _, err := Run(stdctx.Background(), tinyConfig(2), dir, tinyOptions(t, resumeData(t))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ConfigFile)
	os.WriteFile(path, []byte(`{"model": garb`), 0o644)
	other := tinyConfig(4)
	other.Optimizer.LearningRate /= 2
	_, err := Run(stdctx.Background(), other, dir, tinyOptions(t, resumeData(t)))
	if !errors.Is(err, ErrConfigMismatch) || !strings.Contains(err.Error(), "--config "+filepath.Join(dir, checkpointDir)) {
		t.Errorf("another configuration over a damaged config.json: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"model": garb` {
		t.Errorf("the refused run rewrote config.json: %s", b)
	}
	if _, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, resumeData(t))); err != nil {
		t.Fatalf("the same configuration over a damaged config.json: %v", err)
	}
	compareWithReference(t, dir, cfg, refLast, refBest, refH)
	if _, err := ReadConfig(dir); err != nil {
		t.Errorf("config.json not repaired: %v", err)
	}
	// The configuration of a checkpoint, to continue a run whose config.json is lost.
	c, err := CheckpointConfig(filepath.Join(dir, checkpointDir, bestFile))
	if err != nil || len(Diff(c, cfg)) != 0 {
		t.Errorf("CheckpointConfig: %v, %v", Diff(c, cfg), err)
	}
}

// TestForceRemovesOnlyKnownFiles: --force discards the files Run and Evaluate write, and
// leaves every other file.
func TestForceRemovesOnlyKnownFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Run(stdctx.Background(), tinyConfig(2), dir, tinyOptions(t, resumeData(t))); err != nil {
		t.Fatal(err)
	}
	foreign := []string{"notes.txt", filepath.Join(checkpointDir, "mine.ckpt.bak"), filepath.Join("predictions-test", "mine.npy")}
	os.MkdirAll(filepath.Join(dir, "predictions-test"), 0o755)
	for _, f := range append(foreign, "eval-test.json", filepath.Join("predictions-test", "predictions.npy")) {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	other := tinyConfig(1)
	other.Seed++
	opt := tinyOptions(t, resumeData(t))
	opt.Force = true
	h, err := Run(stdctx.Background(), other, dir, opt)
	if err != nil || h.Len() != 1 {
		t.Fatalf("forced run: %v", err)
	}
	for _, f := range foreign {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("--force removed a file it did not write: %v", err)
		}
	}
	for _, f := range []string{"eval-test.json", filepath.Join("predictions-test", "predictions.npy"), filepath.Join(checkpointDir, epochFile(2))} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s of the discarded run is still there (%v)", f, err)
		}
	}
}

func TestNonFiniteAdvice(t *testing.T) {
	off := (&NonFiniteError{Epoch: 2, What: "training loss NaN"}).Error()
	on := (&NonFiniteError{Epoch: 2, What: "training loss NaN", Rollback: true}).Error()
	if !strings.Contains(off, "enable roll-back") || strings.Contains(on, "enable roll-back") || !strings.Contains(on, "roll-back is on") {
		t.Errorf("advice:\n off: %s\n on: %s", off, on)
	}
}

// TestPauseWording: a pause says the epoch and the step out of their totals.
func TestPauseWording(t *testing.T) {
	ctx, cancel := stdctx.WithCancel(stdctx.Background())
	defer cancel()
	opt := tinyOptions(t, resumeData(t))
	steps := 0
	opt.hook = func(point string, r *runner) {
		if point == "step" {
			if steps++; steps == 5 {
				cancel()
			}
		}
	}
	_, err := Run(ctx, tinyConfig(3), t.TempDir(), opt)
	// 14 training examples in batches of 4: 4 steps per epoch, so step 5 is step 1 of epoch 2.
	if !errors.Is(err, ErrPaused) || !strings.Contains(err.Error(), "in epoch 2 of 3 after step 1 of 4") {
		t.Errorf("pause: %v", err)
	}
}
