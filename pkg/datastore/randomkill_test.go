package datastore

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// The helper process of TestKillAtRandomMoments generates into $SURROGO_DATASTORE_RANDOM_DIR,
// slowed down before every commit so that a kill at a random moment can land anywhere: in a
// solve, in a file being written, between a commit and the journal line, in the manifest.
const randomDirEnv = "SURROGO_DATASTORE_RANDOM_DIR"

func init() {
	if os.Getenv(randomDirEnv) != "" {
		testHookBeforeCommit = func(string) { time.Sleep(15 * time.Millisecond) }
	}
}

// TestRandomKillHelper is the generation that TestKillAtRandomMoments kills: it is not a test.
func TestRandomKillHelper(t *testing.T) {
	dir := os.Getenv(randomDirEnv)
	if dir == "" {
		t.Skip("helper process for TestKillAtRandomMoments")
	}
	if _, err := Generate(context.Background(), testSpec(t, 1), dir, testOptions()); err != nil {
		t.Fatal(err)
	}
}

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

// TestKillAtRandomMoments kills a generating process (SIGKILL) several times at random moments
// (seeded: the log names the seed and every delay), resuming each time, and checks that the
// final cache is the uninterrupted run's, byte for byte.
func TestKillAtRandomMoments(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ref := reference(t)
	dir := t.TempDir()
	seed := killSeed(t)
	t.Logf("seed %d (set SURROGO_KILL_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(seed, 18))
	kills := 0
	deadline := time.Now().Add(25 * time.Second)
	for round := 0; round < 8 && time.Now().Before(deadline); round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRandomKillHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), randomDirEnv+"="+dir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Kill at a random moment after the start: in the process's start-up, in a solve, in a
		// file being written, between a commit and its journal line, in the manifest.
		delay := time.Duration(rng.IntN(200)) * time.Millisecond
		finished := false
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: helper failed: %v\n%s", round, err, out.String())
			}
			finished = true
		case <-time.After(delay):
			cmd.Process.Kill()
			if err := <-done; err == nil {
				finished = true // it ended just before the kill
			}
		}
		if finished {
			t.Logf("round %d: the generation finished before its kill (delay %s)", round, delay)
			break
		}
		kills++
		t.Logf("round %d: killed %s after the start", round, delay)
	}
	if kills == 0 {
		t.Log("warning: no kill landed; the comparison below is of an uninterrupted run")
	}
	if _, err := Generate(context.Background(), testSpec(t, 1), dir, testOptions()); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, dir, ref)
}
