package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// captureData redirects the data commands' output to buffers for the test.
func captureData(t *testing.T) (stdout, stderr *bytes.Buffer) {
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	oldOut, oldErr := dataStdout, dataStderr
	dataStdout, dataStderr = stdout, stderr
	t.Cleanup(func() { dataStdout, dataStderr = oldOut, oldErr })
	return stdout, stderr
}

func TestDataCommands(t *testing.T) {
	stdout, stderr := captureData(t)
	dir := filepath.Join(t.TempDir(), "smoke")
	gen := []string{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--seed", "3", "--out", dir, "--shard-size", "64"}
	if code := run(gen); code != 0 {
		t.Fatalf("data gen: exit %d; stderr %s", code, stderr)
	}
	if !strings.Contains(stdout.String(), "200 configurations in 4 shards (0 reused, 4 generated") ||
		!strings.Contains(stderr.String(), "200/200 solves") {
		t.Errorf("data gen output:\n%s\nprogress:\n%s", stdout, stderr)
	}
	stdout.Reset()
	if code := run(gen); code != 0 || !strings.Contains(stdout.String(), "(4 reused, 0 generated") {
		t.Errorf("data gen on a finished cache: exit %d, output %s", code, stdout)
	}

	stdout.Reset()
	if code := run([]string{"data", "info", dir, "--json"}); code != 0 {
		t.Fatalf("data info --json: exit %d", code)
	}
	var info dataInfo
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		t.Fatalf("data info --json: %v\n%s", err, stdout)
	}
	c := info.Manifest.Counts
	if info.Manifest.Seed != 3 || c.Configurations != 200 || c.Train != 160 || len(c.BySources) != 20 || info.Verify != nil || info.Bytes <= 0 {
		t.Errorf("data info --json: %+v", info)
	}

	stdout.Reset()
	if code := run([]string{"data", "info", "--verify", dir}); code != 0 ||
		!strings.Contains(stdout.String(), "configurations: 200 (train 160, test 40)") ||
		!strings.Contains(stdout.String(), "verified: all 4 shards") {
		t.Errorf("data info --verify: exit %d\n%s", code, stdout)
	}

	png := filepath.Join(t.TempDir(), "show", "example.png")
	if code := run([]string{"data", "show", dir, "--index", "123", "--out", png}); code != 0 {
		t.Fatalf("data show: exit %d", code)
	}
	if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("data show wrote no PNG: %v", err)
	}

	// A corrupt shard: --verify fails (exit 1) and names the file; so does data show.
	bad := filepath.Join(dir, "shard-00001.targets.npy")
	b, _ := os.ReadFile(bad)
	b[len(b)-1] ^= 1
	os.WriteFile(bad, b, 0o644)
	if code := run([]string{"data", "info", dir, "--verify"}); code != 1 {
		t.Errorf("data info --verify on a corrupt cache: exit %d, want 1", code)
	}
	err := runDataInfo([]string{dir, "--verify"})
	if err == nil || !strings.Contains(err.Error(), "shard-00001.targets.npy") || !strings.Contains(err.Error(), "1 of 4 shards") {
		t.Errorf("data info --verify error: %v", err)
	}
	stdout.Reset()
	if err := runDataInfo([]string{"--json", "--verify", dir}); err == nil {
		t.Error("data info --json --verify on a corrupt cache: no error")
	}
	json.Unmarshal(stdout.Bytes(), &info)
	if info.Verify == nil || info.Verify.OK || len(info.Verify.Bad) != 1 || info.Verify.Bad[0].File != "shard-00001.targets.npy" {
		t.Errorf("data info --json --verify report: %+v", info.Verify)
	}
	if err := runDataShow([]string{dir, "--index", "70", "--out", png}); err == nil || !strings.Contains(err.Error(), "shard-00001.targets.npy") {
		t.Errorf("data show from the corrupt shard: %v", err)
	}
	os.Remove(bad)
	if err := runDataInfo([]string{dir, "--verify"}); err == nil || !strings.Contains(err.Error(), "shard-00001.targets.npy: file missing") {
		t.Errorf("data info --verify with a missing shard: %v", err)
	}

	// Another seed into the same directory is refused, and the cache is left alone.
	other := slices.Clone(gen)
	other[7] = "4"
	if err := runDataGen(other[2:]); err == nil || !strings.Contains(err.Error(), "data set") {
		t.Errorf("data gen with another seed over a cache: %v", err)
	}
}

func TestDataUsageErrors(t *testing.T) {
	captureData(t)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"data", "gen", "--scale", "smoke", "--out", dir},
		{"data", "gen", "--recipe", "2023", "--scale", "smoke"},
		{"data", "gen", "--recipe", "2022", "--scale", "smoke", "--out", dir},
		{"data", "gen", "--recipe", "custom", "--scale", "smoke", "--out", dir},
		{"data", "gen", "--recipe", "2023", "--scale", "huge", "--out", dir},
		{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", dir, "--targets", "gpu"},
		{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", dir, "--dtype", "int8"},
		{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", dir, "--tol", "0"},
		{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", dir, "--method", "spectral"},
		{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", dir, "--model", "soft"},
		{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", dir, "extra"},
		{"data", "info"},
		{"data", "info", dir, dir},
		{"data", "show", dir},
		{"data", "show", dir, "--index", "1", "--out", "x.gif"},
	} {
		if code := run(args); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	// Not a cache: a failure, not a usage error.
	if code := run([]string{"data", "info", dir}); code != 1 {
		t.Errorf("data info on an empty directory: exit %d, want 1", code)
	}
}

func TestInterleaveFlags(t *testing.T) {
	fs := newFlags("x", "", "")
	fs.Bool("json", false, "")
	fs.Int("index", 0, "")
	for _, tc := range []struct{ in, want []string }{
		{[]string{"DIR", "--json"}, []string{"--json", "DIR"}},
		{[]string{"DIR", "--index", "3", "--json"}, []string{"--index", "3", "--json", "DIR"}},
		{[]string{"--index=3", "DIR"}, []string{"--index=3", "DIR"}},
		{[]string{"--json", "--", "-DIR"}, []string{"--json", "-DIR"}},
		{[]string{"DIR", "--nope", "x"}, []string{"--nope", "DIR", "x"}},
	} {
		if got := interleaveFlags(fs, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("interleaveFlags(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
