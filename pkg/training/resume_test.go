package training

import (
	"bytes"
	stdctx "context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// The resume tests compare runs bit for bit: a run interrupted (killed, crashed at a chosen point,
// paused) and resumed must end with exactly the variables (weights, Adam's moments and step,
// the random number generator) and the history of an uninterrupted run.

const helperEnv = "SURROGO_TRAINING_HELPER_DIR"

// resumeConfig saves a partial checkpoint after every step, so that a kill can land anywhere.
func resumeConfig(epochs int) Config {
	cfg := tinyConfig(epochs)
	cfg.Checkpoint.IntervalSeconds = 1e-9
	return cfg
}

// resumeData is the data of the resume tests (the helper process rebuilds it from the seed).
func resumeData(t testing.TB) *Data { return tinyData(t, 20, 14, 3) }

// TestHelperProcess is the training process that TestKillAndResume kills: it is not a test.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process for TestKillAndResume")
	}
	opt := tinyOptions(t, resumeData(t))
	opt.hook = func(point string, r *runner) {
		if point == "step" {
			time.Sleep(2 * time.Millisecond) // give the killer time to land mid-run
		}
	}
	_, err := Run(stdctx.Background(), resumeConfig(10), dir, opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// finalState returns the variables of the last epoch checkpoint and of best.ckpt, and the
// history, of a finished run.
func finalState(t *testing.T, dir string, epochs int) (last, best *snapshot, h *History) {
	t.Helper()
	c, err := readCheckpoint(filepath.Join(dir, checkpointDir, epochFile(epochs)), false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := readCheckpoint(filepath.Join(dir, checkpointDir, bestFile), false)
	if err != nil {
		t.Fatal(err)
	}
	h, err = ReadHistory(filepath.Join(dir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	return c.snap, b.snap, h
}

// sameSnapshots reports the first difference between two snapshots, "" if identical.
func sameSnapshots(a, b *snapshot) string {
	if len(a.vars) != len(b.vars) {
		return fmt.Sprintf("%d variables vs %d", len(a.vars), len(b.vars))
	}
	for i := range a.vars {
		if a.vars[i].key() != b.vars[i].key() {
			return fmt.Sprintf("variable %d: %s vs %s", i, a.vars[i].key(), b.vars[i].key())
		}
		if !bytes.Equal(a.data[i], b.data[i]) {
			return fmt.Sprintf("variable %s differs", a.vars[i].key())
		}
	}
	return ""
}

// sameHistories compares the parts of two histories that do not depend on timing.
func sameHistories(a, b *History) string {
	switch {
	case !slices.Equal(a.Epoch, b.Epoch):
		return fmt.Sprintf("epochs %v vs %v", a.Epoch, b.Epoch)
	case !slices.Equal(a.TrainLoss, b.TrainLoss):
		return fmt.Sprintf("train losses %v vs %v", a.TrainLoss, b.TrainLoss)
	case !slices.Equal(a.TestLoss, b.TestLoss):
		return fmt.Sprintf("test losses %v vs %v", a.TestLoss, b.TestLoss)
	case !slices.Equal(a.Retries, b.Retries) || a.NumRollbacks != b.NumRollbacks || a.EpochsRun != b.EpochsRun:
		return fmt.Sprintf("roll-backs %v/%d/%d vs %v/%d/%d", a.Retries, a.NumRollbacks, a.EpochsRun, b.Retries, b.NumRollbacks, b.EpochsRun)
	case a.Best.Epoch != b.Best.Epoch || a.Best.Loss != b.Best.Loss:
		return fmt.Sprintf("best %+v vs %+v", a.Best, b.Best)
	case a.Status != b.Status:
		return fmt.Sprintf("status %q vs %q", a.Status, b.Status)
	}
	return ""
}

// reference runs cfg uninterrupted and returns its final state.
func reference(t *testing.T, cfg Config, data *Data, hook func(string, *runner)) (last, best *snapshot, h *History) {
	t.Helper()
	dir := t.TempDir()
	opt := tinyOptions(t, data)
	opt.hook = hook
	if _, err := Run(stdctx.Background(), cfg, dir, opt); err != nil {
		t.Fatal(err)
	}
	return finalState(t, dir, cfg.Epochs)
}

func compareWithReference(t *testing.T, dir string, cfg Config, refLast, refBest *snapshot, refH *History) {
	t.Helper()
	last, best, h := finalState(t, dir, cfg.Epochs)
	if d := sameSnapshots(refLast, last); d != "" {
		t.Errorf("final variables differ from the uninterrupted run: %s", d)
	}
	if d := sameSnapshots(refBest, best); d != "" {
		t.Errorf("best variables differ from the uninterrupted run: %s", d)
	}
	if d := sameHistories(refH, h); d != "" {
		t.Errorf("history differs from the uninterrupted run: %s", d)
	}
}

// TestDeterministic checks that two uninterrupted runs agree bit for bit (the premise of the
// resume tests) and that another seed gives other weights.
func TestDeterministic(t *testing.T) {
	cfg := tinyConfig(3)
	a, _, ha := reference(t, cfg, resumeData(t), nil)
	b, _, hb := reference(t, cfg, resumeData(t), nil)
	if d := sameSnapshots(a, b); d != "" {
		t.Errorf("two runs differ: %s", d)
	}
	if d := sameHistories(ha, hb); d != "" {
		t.Errorf("two runs differ: %s", d)
	}
	cfg.Seed++
	c, _, _ := reference(t, cfg, resumeData(t), nil)
	if sameSnapshots(a, c) == "" {
		t.Error("another seed gave the same weights")
	}
}

// TestKillAndResume kills a training process (SIGKILL) twice at moments it does not choose, then
// resumes the run to the end, and compares the result with an uninterrupted run bit for bit.
func TestKillAndResume(t *testing.T) {
	cfg := resumeConfig(10)
	refLast, refBest, refH := reference(t, cfg, resumeData(t), nil)
	dir := t.TempDir()
	kills := 0
	for round, after := range []string{epochFile(2), epochFile(5)} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		target := filepath.Join(dir, checkpointDir, after)
		killed := false
	poll:
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("round %d: helper failed: %v\n%s", round, err, stderr.String())
				}
				break poll
			case <-time.After(200 * time.Microsecond):
				if _, err := os.Stat(target); err == nil {
					if err := cmd.Process.Kill(); err != nil {
						t.Fatal(err)
					}
					<-done
					killed = true
					break poll
				}
			}
		}
		if killed {
			kills++
			h, err := ReadHistory(filepath.Join(dir, HistoryFile))
			if err != nil {
				t.Fatalf("round %d: after the kill: %v", round, err)
			}
			t.Logf("round %d: killed after %d kept epochs (status %q)", round, h.Len(), h.Status)
		}
	}
	if kills == 0 {
		t.Log("warning: the helper finished before it could be killed; the resume below is trivial")
	}
	if _, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, resumeData(t))); err != nil {
		t.Fatal(err)
	}
	compareWithReference(t, dir, cfg, refLast, refBest, refH)
}

// crash is the panic value of a simulated crash.
type crash struct{}

// runUntilCrash runs cfg with a hook that panics (a simulated kill: nothing else is written) at
// the n-th time the run reaches point; it reports whether the crash happened.
func runUntilCrash(t *testing.T, cfg Config, dir string, data *Data, point string, n int, extra func(string, *runner)) (crashed bool) {
	t.Helper()
	count := 0
	opt := tinyOptions(t, data)
	opt.hook = func(p string, r *runner) {
		if extra != nil {
			extra(p, r)
		}
		if p == point {
			count++
			if count == n {
				panic(crash{})
			}
		}
	}
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(crash); !ok {
				panic(v)
			}
			crashed = true
		}
	}()
	if _, err := Run(stdctx.Background(), cfg, dir, opt); err != nil {
		t.Fatalf("run before the crash at %s #%d: %v", point, n, err)
	}
	return false
}

// TestCrashBetweenWrites simulates a crash at every kind of point of a run (between a step and
// its checkpoint, between best.ckpt and the epoch state, right after a partial or an epoch state
// is written), twice in a row, and checks that resuming gives the uninterrupted result.
func TestCrashBetweenWrites(t *testing.T) {
	cfg := resumeConfig(5)
	refLast, refBest, refH := reference(t, cfg, resumeData(t), nil)
	for _, tc := range []struct {
		point string
		n     int
	}{
		{"step", 6}, {"partial-saved", 3}, {"best-saved", 2}, {"epoch-saved", 3}, {"epoch-start", 2},
	} {
		t.Run(fmt.Sprintf("%s#%d", tc.point, tc.n), func(t *testing.T) {
			dir := t.TempDir()
			for round := range 2 {
				if !runUntilCrash(t, cfg, dir, resumeData(t), tc.point, tc.n, nil) {
					t.Fatalf("round %d: the run finished without reaching %s #%d", round, tc.point, tc.n)
				}
			}
			if _, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, resumeData(t))); err != nil {
				t.Fatal(err)
			}
			compareWithReference(t, dir, cfg, refLast, refBest, refH)
		})
	}
}

// TestPauseAndResume stops runs with a cancelled context and with a time limit, and resumes them.
func TestPauseAndResume(t *testing.T) {
	cfg := tinyConfig(4) // no mid-epoch checkpoints: a pause saves the partial state itself
	refLast, refBest, refH := reference(t, cfg, resumeData(t), nil)
	dir := t.TempDir()
	ctx, cancel := stdctx.WithCancel(stdctx.Background())
	steps := 0
	opt := tinyOptions(t, resumeData(t))
	opt.hook = func(p string, r *runner) {
		if p == "step" {
			if steps++; steps == 6 {
				cancel()
			}
		}
	}
	h, err := Run(ctx, cfg, dir, opt)
	if !errors.Is(err, ErrPaused) {
		t.Fatalf("cancelled run: got %v, want ErrPaused", err)
	}
	if h.Status != "paused" {
		t.Errorf("status %q, want paused", h.Status)
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointDir, partialFile)); err != nil {
		t.Errorf("no partial checkpoint after the pause: %v", err)
	}
	// A pause right after the last step of an epoch, before its test loss.
	ctx, cancel = stdctx.WithCancel(stdctx.Background())
	opt = tinyOptions(t, resumeData(t))
	opt.hook = func(p string, r *runner) {
		if p == "step" && r.st.Step == r.stepsPerEpoch() && r.st.Epoch == 2 {
			cancel()
		}
	}
	if _, err := Run(ctx, cfg, dir, opt); !errors.Is(err, ErrPaused) {
		t.Fatalf("run cancelled at the end of an epoch: got %v, want ErrPaused", err)
	}
	c, err := readCheckpoint(filepath.Join(dir, checkpointDir, partialFile), true)
	if err != nil || c.header.State.Epoch != 2 || c.header.State.Step != 4 {
		t.Fatalf("partial state after the pause: %v, %+v", err, c.header.State)
	}
	opt = tinyOptions(t, resumeData(t))
	opt.MaxTime = time.Nanosecond // pauses after the first step of the call
	if _, err := Run(stdctx.Background(), cfg, dir, opt); !errors.Is(err, ErrPaused) {
		t.Fatalf("time-limited run: got %v, want ErrPaused", err)
	}
	if _, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, resumeData(t))); err != nil {
		t.Fatal(err)
	}
	compareWithReference(t, dir, cfg, refLast, refBest, refH)
	// A finished run is left as it is.
	h, err = Run(stdctx.Background(), cfg, dir, tinyOptions(t, resumeData(t)))
	if err != nil || h.Status != "done" || h.Len() != cfg.Epochs {
		t.Errorf("rerunning a finished run: %v, status %q, %d epochs", err, h.Status, h.Len())
	}
	compareWithReference(t, dir, cfg, refLast, refBest, refH)
}
