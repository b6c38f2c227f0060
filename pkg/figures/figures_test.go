package figures

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/scale"
)

type testResults struct {
	Values []float64 `json:"values"`
	Seed   uint64    `json:"seed"`
	Scale  string    `json:"scale"`
}

var computeCalls int

// The test registers one catalogue entry that no package of this test binary implements.
func init() {
	Register(Def[testResults]{
		ID: "2020-fig02",
		Compute: func(run *Run) (testResults, error) {
			computeCalls++
			run.UsedBackend("test-backend", "test-device")
			return testResults{Values: []float64{1, 2, 3}, Seed: run.Seed, Scale: string(run.Scale)}, nil
		},
		Render: func(run *Run, r testResults) error {
			return os.WriteFile(run.Path("values.txt"), []byte(strings.Repeat("x", len(r.Values))), 0o644)
		},
		Summary: func(r testResults) string { return "three values" },
	})
}

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Catalog {
		if !ValidID(e.ID) {
			t.Errorf("catalogue identifier %q does not follow the grammar", e.ID)
		}
		if seen[e.ID] {
			t.Errorf("duplicate catalogue identifier %q", e.ID)
		}
		seen[e.ID] = true
		if !strings.HasPrefix(e.ID, e.Paper+"-") || e.Title == "" {
			t.Errorf("entry %+v: paper prefix or title wrong", e)
		}
		if _, ok := Papers[e.Paper]; !ok {
			t.Errorf("entry %s: unknown paper %s", e.ID, e.Paper)
		}
	}
	// The issues name these identifiers explicitly.
	for _, id := range []string{"2023-fig01", "2023-fig03", "2023-fig04", "2023-fig15", "2021-fig01", "2021-fig05",
		"2021-table2", "2021-fig04", "2021-figS7", "2021-speedup", "2020-fig27", "2020-table1"} {
		if !seen[id] {
			t.Errorf("catalogue misses %s", id)
		}
	}
	for _, bad := range []string{"2023-fig3", "2019-fig01", "2023-Fig01", "fig01"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
	if _, err := CatalogEntry("2023-fig99"); err == nil {
		t.Error("CatalogEntry of an unknown identifier: want an error")
	}
}

func TestEnsureComputesOnceAndRecordsProvenance(t *testing.T) {
	root := t.TempDir()
	computeCalls = 0
	opt := Options{Scale: scale.Smoke, Root: root, Log: io.Discard, Seed: 7}
	st, err := Ensure("2020-fig02", opt)
	if err != nil {
		t.Fatal(err)
	}
	if computeCalls != 1 {
		t.Fatalf("compute called %d times, want 1", computeCalls)
	}
	// The saved file has the provenance keys at its top level.
	data, err := os.ReadFile(filepath.Join(root, "2020-fig02", "smoke", ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"scale", "command", "commit", "backend", "device", "date", "elapsed", "results"} {
		if _, ok := top[k]; !ok {
			t.Errorf("results.json lacks the key %q", k)
		}
	}
	if st.Backend != "test-backend" || st.Device != "test-device" || st.Scale != scale.Smoke {
		t.Errorf("provenance: %+v", st)
	}
	if st.Command != "surrogo figure 2020-fig02 --scale smoke --seed 7" {
		t.Errorf("command = %q", st.Command)
	}
	var r testResults
	if err := json.Unmarshal(st.Results, &r); err != nil || r.Seed != 7 || r.Scale != "smoke" || len(r.Values) != 3 {
		t.Errorf("results = %+v, %v", r, err)
	}
	// Rendered at computation time.
	if _, err := os.Stat(filepath.Join(root, "2020-fig02", "smoke", "values.txt")); err != nil {
		t.Errorf("render output missing: %v", err)
	}

	// A second Ensure loads; Force recomputes.
	if _, err := Ensure("2020-fig02", opt); err != nil || computeCalls != 1 {
		t.Errorf("second Ensure: err %v, compute calls %d (want 1)", err, computeCalls)
	}
	opt.Force = true
	if _, err := Ensure("2020-fig02", opt); err != nil || computeCalls != 2 {
		t.Errorf("forced Ensure: err %v, compute calls %d (want 2)", err, computeCalls)
	}

	// Render from the saved results alone.
	os.Remove(filepath.Join(root, "2020-fig02", "smoke", "values.txt"))
	paths, err := Render("2020-fig02", Options{Scale: scale.Smoke, Root: root, Log: io.Discard})
	if err != nil || len(paths) != 1 || filepath.Base(paths[0]) != "values.txt" {
		t.Errorf("Render = %v, %v", paths, err)
	}
	if sum, err := Summary(st); err != nil || sum != "three values" {
		t.Errorf("Summary = %q, %v", sum, err)
	}
}

func TestLoadErrors(t *testing.T) {
	root := t.TempDir()
	dir := Dir(root, "2020-fig02", scale.CPU)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ResultsFile)
	for name, content := range map[string]string{
		"corrupt":     "{not json",
		"wrong id":    `{"id":"2020-fig01","scale":"cpu","results":{}}`,
		"wrong scale": `{"id":"2020-fig02","scale":"smoke","results":{}}`,
		"no results":  `{"id":"2020-fig02","scale":"cpu"}`,
	} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(root, "2020-fig02", scale.CPU); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
		// Ensure must not silently recompute over a corrupt file.
		if _, err := Ensure("2020-fig02", Options{Scale: scale.CPU, Root: root, Log: io.Discard}); err == nil {
			t.Errorf("%s: Ensure succeeded over a bad results file", name)
		}
	}
	if _, err := Render("2020-fig01", Options{Scale: scale.CPU, Root: root, Log: io.Discard}); err == nil {
		t.Error("Render of an unimplemented figure: want an error")
	}
}

func TestRegisterRejectsBadDefinitions(t *testing.T) {
	for name, def := range map[string]Def[int]{
		"unknown id": {ID: "2023-fig99", Compute: func(*Run) (int, error) { return 0, nil }, Render: func(*Run, int) error { return nil }},
		"no compute": {ID: "2023-fig01", Render: func(*Run, int) error { return nil }},
		"duplicate":  {ID: "2020-fig02", Compute: func(*Run) (int, error) { return 0, nil }, Render: func(*Run, int) error { return nil }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			Register(def)
		}()
	}
}

func TestFiguresDir(t *testing.T) {
	t.Setenv(EnvFiguresDir, "")
	t.Setenv("GONB_DIR", "")
	dir, err := FiguresDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "go.mod")); err != nil || filepath.Base(dir) != "figures" {
		t.Errorf("FiguresDir = %s", dir)
	}
	t.Setenv(EnvFiguresDir, "/tmp/somewhere")
	if dir, _ := FiguresDir(); dir != "/tmp/somewhere" {
		t.Errorf("override: %s", dir)
	}
}

func TestCacheDir(t *testing.T) {
	figs := t.TempDir()
	t.Setenv(EnvCacheDir, "")
	t.Setenv(EnvFiguresDir, figs)
	run := newRun("2020-fig02", Options{Scale: scale.Smoke, Root: figs})
	dir, err := run.CacheDir("data", "x")
	if err != nil || dir != filepath.Join(figs, ".cache", "data", "x") {
		t.Errorf("CacheDir with %s set = %q, %v", EnvFiguresDir, dir, err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Errorf("CacheDir did not create %s", dir)
	}
	other := t.TempDir()
	t.Setenv(EnvCacheDir, other)
	if dir, _ := run.CacheDir("runs"); dir != filepath.Join(other, "runs") {
		t.Errorf("CacheDir with %s set = %q", EnvCacheDir, dir)
	}
	// Without either variable the cache is .cache/ beside the figures directory.
	t.Setenv(EnvCacheDir, "")
	t.Setenv(EnvFiguresDir, "")
	repo := t.TempDir()
	run = newRun("2020-fig02", Options{Scale: scale.Smoke, Root: filepath.Join(repo, "figures")})
	if dir, err := run.CacheDir("runs"); err != nil || dir != filepath.Join(repo, ".cache", "runs") {
		t.Errorf("default CacheDir = %q, %v", dir, err)
	}
}

func TestResultsFileLayout(t *testing.T) {
	root := t.TempDir()
	if _, err := Ensure("2020-fig02", Options{Scale: scale.GPU, Root: root, Log: io.Discard, Force: true}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "2020-fig02", "gpu", ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	last := lines[len(lines)-2]
	if !strings.HasPrefix(strings.TrimSpace(last), `"results": {"values":[1,2,3]`) {
		t.Errorf("results are not on one compact line: %q", last)
	}
	if !strings.Contains(string(data), "\n  \"scale\": \"gpu\",\n") {
		t.Errorf("provenance keys are not one per line:\n%s", data)
	}
}

// The saved results are keyed by their configuration: the same seed reuses them, another seed
// or another code version recomputes, and the report says which.
func TestEnsureKeyedByConfiguration(t *testing.T) {
	root := t.TempDir()
	reportFile := filepath.Join(t.TempDir(), "report.txt")
	t.Setenv(EnvReport, reportFile)
	computeCalls = 0
	opt := Options{Scale: scale.Smoke, Root: root, Log: io.Discard}
	st, err := Ensure("2020-fig02", opt)
	if err != nil || computeCalls != 1 || st.Seed != 1 || st.Key != Key("2020-fig02", scale.Smoke, 1, 0) {
		t.Fatalf("first Ensure: err %v, calls %d, seed %d, key %q", err, computeCalls, st.Seed, st.Key)
	}
	if _, err := Ensure("2020-fig02", opt); err != nil || computeCalls != 1 {
		t.Errorf("same configuration: err %v, compute calls %d (want 1: reused)", err, computeCalls)
	}
	opt.Seed = 2
	st, err = Ensure("2020-fig02", opt)
	if err != nil || computeCalls != 2 {
		t.Fatalf("seed 2: err %v, compute calls %d (want 2: recomputed)", err, computeCalls)
	}
	var r testResults
	if err := json.Unmarshal(st.Results, &r); err != nil || r.Seed != 2 || st.Seed != 2 {
		t.Errorf("seed 2 results: %+v (stored seed %d), %v", r, st.Seed, err)
	}
	if _, err := Ensure("2020-fig02", opt); err != nil || computeCalls != 2 {
		t.Errorf("seed 2 again: err %v, compute calls %d (want 2: reused)", err, computeCalls)
	}
	// Results saved before the keys existed count as seed 1, version 0.
	path := filepath.Join(root, "2020-fig02", "smoke", ResultsFile)
	data, _ := os.ReadFile(path)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	delete(top, "seed")
	delete(top, "version")
	delete(top, "key")
	data, _ = json.Marshal(top)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opt.Seed = 1
	if _, err := Ensure("2020-fig02", opt); err != nil || computeCalls != 2 {
		t.Errorf("legacy results, seed 1: err %v, compute calls %d (want 2: reused)", err, computeCalls)
	}
	// Another code version recomputes.
	if reason := staleReason(&Stored{Seed: 1, Version: 0}, 1, 1); !strings.Contains(reason, "version 0, not 1") {
		t.Errorf("stale reason %q", reason)
	}
	rep, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(rep)), "\n")
	want := []string{"recomputed (no saved results)", "reused", "recomputed (the saved results are for seed 1, not 2)", "reused", "reused"}
	if len(lines) != len(want) {
		t.Fatalf("report has %d lines, want %d:\n%s", len(lines), len(want), rep)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], "figure 2020-fig02: "+w) {
			t.Errorf("report line %d = %q, want prefix %q", i+1, lines[i], w)
		}
	}
}

// A README status says "stale" when the saved results were made by another code version.
func TestStatusStale(t *testing.T) {
	root := t.TempDir()
	if _, err := Ensure("2020-fig02", Options{Scale: scale.CPU, Root: root, Log: io.Discard}); err != nil {
		t.Fatal(err)
	}
	status := func() Status {
		for _, st := range Statuses(root) {
			if st.ID == "2020-fig02" {
				return st
			}
		}
		t.Fatal("2020-fig02 not in the statuses")
		return Status{}
	}
	if got := status().Reproduced(); got != "reproduced at scale cpu" {
		t.Errorf("fresh results: %q", got)
	}
	path := filepath.Join(Dir(root, "2020-fig02", scale.CPU), ResultsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	top["version"] = json.RawMessage("7")
	data, _ = json.Marshal(top)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := status().Reproduced(); !strings.HasPrefix(got, "stale at scale cpu (saved by code version 7, the code is at version 0)") {
		t.Errorf("results of another version: %q", got)
	}
}
