package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// captureBench redirects the bench commands' report for the test.
func captureBench(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	old := benchOutput
	benchOutput = &buf
	t.Cleanup(func() { benchOutput = old })
	return &buf
}

// checkBenchReport checks that the report ends with "samples/s: X" and "peak_rss_mb: Y", both positive,
// and has the exact "forward_flops: F" line bench/peer.py compares with.
func checkBenchReport(t *testing.T, out string, flops int64) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		t.Fatalf("report too short:\n%s", out)
	}
	for i, prefix := range []string{"samples/s: ", "peak_rss_mb: "} {
		line := lines[len(lines)-2+i]
		v, err := strconv.ParseFloat(strings.TrimPrefix(line, prefix), 64)
		if !strings.HasPrefix(line, prefix) || err != nil || !(v > 0) {
			t.Errorf("line %q: want %q and a positive number", line, prefix)
		}
	}
	m := regexp.MustCompile(`(?m)^forward_flops: (\d+)$`).FindStringSubmatch(out)
	if m == nil || m[1] != strconv.FormatInt(flops, 10) {
		t.Errorf("forward_flops line: got %v, want %d", m, flops)
	}
}

// edcnnFlops32W2 is the forward FLOPs per sample of edcnn N=32 W=2 (2*H*W*9*Cin*Cout summed over the
// convolutions, at the input size for the transposed ones).
func edcnnFlops32W2() int64 {
	f := func(hw, cin, cout int) int64 { return 2 * int64(hw*hw) * 9 * int64(cin) * int64(cout) }
	enc := f(32, 1, 2) + f(16, 2, 4) + f(8, 4, 8) + f(4, 8, 16) + f(2, 16, 32) + f(1, 32, 64)
	dec := f(1, 64, 32) + f(1, 32, 16) + f(2, 16, 8) + f(4, 8, 4) + f(8, 4, 2) + f(16, 2, 1) + f(32, 1, 1)
	return enc + dec
}

// TestBenchInfer runs `surrogo bench infer` and `surrogo bench train` on a tiny ED-CNN.
func TestBenchInfer(t *testing.T) {
	for _, cmd := range []struct {
		name string
		run  func([]string) error
	}{{"infer", runBenchInfer}, {"train", runBenchTrain}} {
		out := captureBench(t)
		args := []string{"--model", "edcnn", "--size", "32", "--width", "2", "--batch", "2", "--steps", "2", "--warmup", "1"}
		if err := cmd.run(args); err != nil {
			t.Fatalf("bench %s: %v\n%s", cmd.name, err, out)
		}
		t.Logf("surrogo bench %s output:\n%s", cmd.name, out)
		checkBenchReport(t, out.String(), edcnnFlops32W2())
	}
}

// TestBenchUsageErrors checks that bad flags, --width 0 among them, are refused with exit status 2
// and one line naming the flag, before anything is measured.
func TestBenchUsageErrors(t *testing.T) {
	captureBench(t)
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"bench", "train", "--width", "0"}, "--width"},
		{[]string{"bench", "infer", "--width", "0"}, "--width"},
		{[]string{"bench", "train", "--width", "-4"}, "--width"},
		{[]string{"bench", "infer", "--width", "3"}, "--width"}, // edcnn needs an even width
		{[]string{"bench", "infer", "--batch", "0"}, "--batch"},
		{[]string{"bench", "infer", "--steps", "0"}, "--steps"},
		{[]string{"bench", "infer", "--model", "nope"}, "--model"},
		{[]string{"bench", "train", "--lr", "0"}, "--lr"},
	} {
		err := runBenchCommand(tc.args[1], tc.args[2:])
		if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), tc.flag) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: got %v, want a one-line usage error naming %s", tc.args, err, tc.flag)
		}
	}
	// The exit status and the message of the command line itself.
	stderr := captureStderr(t, func() {
		if rc := run([]string{"bench", "train", "--width", "0"}); rc != 2 {
			t.Errorf("bench train --width 0: exit status %d, want 2", rc)
		}
	})
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "--width") {
		t.Errorf("bench train --width 0: stderr %q, want one line naming --width", stderr)
	}
}

func runBenchCommand(name string, args []string) error {
	if name == "infer" {
		return runBenchInfer(args)
	}
	return runBenchTrain(args)
}

// captureStderr returns what f writes to os.Stderr.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	f()
	os.Stderr = old
	w.Close()
	return <-done
}
