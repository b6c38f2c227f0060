package training

import (
	"bytes"
	stdctx "context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// killSeed is the seed of the random kill moments: $SURROGO_KILL_SEED, or 1.
func killSeed(t *testing.T) uint64 {
	s := os.Getenv("SURROGO_KILL_SEED")
	if s == "" {
		return 1
	}
	seed, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("SURROGO_KILL_SEED: %v", err)
	}
	return seed
}

// TestKillAtRandomMoments kills the training process of TestHelperProcess (SIGKILL) several
// times at seeded random moments (in start-up, in a step, in a checkpoint being written, between
// the checkpoint and the history), resuming each time, then finishes the run and compares it
// with an uninterrupted run bit for bit.
func TestKillAtRandomMoments(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	cfg := resumeConfig(10)
	refLast, refBest, refH := reference(t, cfg, resumeData(t), nil)
	dir := t.TempDir()
	seed := killSeed(t)
	t.Logf("seed %d (set SURROGO_KILL_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(seed, 18))
	kills := 0
	deadline := time.Now().Add(20 * time.Second)
	for round := 0; round < 6 && time.Now().Before(deadline); round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		delay := time.Duration(30+rng.IntN(220)) * time.Millisecond
		finished := false
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: helper failed: %v\n%s", round, err, stderr.String())
			}
			finished = true
		case <-time.After(delay):
			cmd.Process.Kill()
			if err := <-done; err == nil {
				finished = true
			}
		}
		if finished {
			t.Logf("round %d: the run finished before its kill (delay %s)", round, delay)
			break
		}
		kills++
		epochs := 0
		if h, err := ReadHistory(filepath.Join(dir, HistoryFile)); err == nil {
			epochs = h.Len()
		}
		t.Logf("round %d: killed %s after the start, %d epochs in history.json", round, delay, epochs)
	}
	if kills == 0 {
		t.Log("warning: no kill landed; the comparison below is of an uninterrupted run")
	}
	if _, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, resumeData(t))); err != nil {
		t.Fatal(err)
	}
	compareWithReference(t, dir, cfg, refLast, refBest, refH)
}
