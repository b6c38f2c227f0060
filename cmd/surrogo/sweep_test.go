package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surrogo/surrogo/pkg/sweep"
)

// sweepHelperEnv names the sweep file TestSweepHelperProcess runs.
const sweepHelperEnv = "SURROGO_SWEEP_HELPER"

// runSweepCLI runs a surrogo command line in-process and returns its exit status, the sweep
// commands' output and stderr (where main reports errors).
func runSweepCLI(t *testing.T, args ...string) (code int, out, stderr string) {
	t.Helper()
	var buf bytes.Buffer
	oldOut, oldProg := sweepOutput, sweepProgress
	sweepOutput, sweepProgress = &buf, &buf
	defer func() { sweepOutput, sweepProgress = oldOut, oldProg }()
	code, _, stderr = runCaptured(t, args)
	return code, buf.String(), stderr
}

// writeSweep writes a sweep file into dir (results in dir/out, work in dir/work) and returns its path.
func writeSweep(t *testing.T, dir, name, data, runs string) string {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	body := fmt.Sprintf(`{
  "name": %q, "scale": "smoke", "out": "out", "work": "work",
  "data": {"dir": %q},
  "defaults": {"model": "edcnn", "set": {"epochs": 3}},
  "runs": [
%s
  ]
}
`, name, data, runs)
	path := filepath.Join(dir, "sweep.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// killRuns are the runs of the kill test: four smoke-scale ED-CNNs of 20 to 40 training examples,
// 3 epochs each, with several evaluations and metrics.
const killRuns = `    {"id": "80E1", "codename": "80E1"},
    {"id": "40E1-s2", "codename": "40E1", "set": {"seed": 2}},
    {"id": "4S1", "codename": "4S1", "evals": [{"split": "test", "metrics": ["regions", "residual"]}, {"split": "k05/test"}]},
    {"id": "4E1-lr", "codename": "4E1", "set": {"optimizer": {"learning_rate": 0.001}}}`

// TestSweepHelperProcess is the sweep process TestSweepKillAndResume kills; it is skipped
// otherwise.
func TestSweepHelperProcess(t *testing.T) {
	file := os.Getenv(sweepHelperEnv)
	if file == "" {
		t.Skip("the helper process of TestSweepKillAndResume")
	}
	sweepOutput, sweepProgress = io.Discard, io.Discard
	os.Exit(run([]string{"sweep", "run", file, "--quiet", "--checkpoint-interval", "100ms"}))
}

// TestSweepKillAndResume runs a sweep of four runs in one go, and the same sweep in a child
// process killed (SIGKILL) at seeded random moments and resumed each time: the result files
// must be the same bytes apart from their provenance (dates, times). It also checks the status
// of the interrupted sweep and of the finished one, as text and JSON.
func TestSweepKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	t.Setenv("GOMLX_BACKEND", "goext") // the deterministic pure-Go backend, in the children too
	start := time.Now()
	cache := smokeCache(t)
	dir := t.TempDir()
	ref := writeSweep(t, filepath.Join(dir, "ref"), "kill", cache, killRuns)
	killed := writeSweep(t, filepath.Join(dir, "killed"), "kill", cache, killRuns)

	t0 := time.Now()
	code, out, stderr := runSweepCLI(t, "sweep", "run", ref)
	if code != 0 {
		t.Fatalf("reference sweep: exit %d\n%s%s", code, out, stderr)
	}
	uninterrupted := time.Since(t0)
	t.Logf("uninterrupted sweep (%s):\n%s", uninterrupted.Round(time.Millisecond), out)

	seed := uint64(1)
	if s := os.Getenv("SURROGO_KILL_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, 13))
	kills := 0
	for round := 0; round < 6; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSweepHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), sweepHelperEnv+"="+killed)
		var childErr bytes.Buffer
		cmd.Stderr = &childErr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		delay := time.Duration(150+rng.IntN(950)) * time.Millisecond
		if round == 0 {
			// The first time, kill once the status shows the child running a run, by its pid.
			delay = waitRunning(t, killed, cmd.Process.Pid, done)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: the sweep failed: %v\n%s", round, err, childErr.String())
			}
			t.Logf("round %d: the sweep finished before its kill (%s)", round, delay)
			round = 6
			continue
		case <-time.After(delay):
			cmd.Process.Kill()
			<-done
		}
		kills++
		_, st, _ := runSweepCLI(t, "sweep", "status", killed)
		t.Logf("round %d: killed after %s; status:\n%s", round, delay, st)
		if !strings.Contains(st, "total 4:") {
			t.Errorf("status after a kill:\n%s", st)
		}
	}
	if kills == 0 {
		t.Error("no kill landed")
	}
	if code, out, stderr := runSweepCLI(t, "sweep", "run", killed, "--quiet"); code != 0 {
		t.Fatalf("finishing the killed sweep: exit %d\n%s%s", code, out, stderr)
	}

	// The same results, byte for byte apart from the provenance.
	for _, id := range []string{"80E1", "40E1-s2", "4S1", "4E1-lr"} {
		a := withoutProvenance(t, filepath.Join(dir, "ref", "out", "runs", id+".json"))
		b := withoutProvenance(t, filepath.Join(dir, "killed", "out", "runs", id+".json"))
		if a != b {
			t.Errorf("run %s: the resumed result differs from the uninterrupted one:\n%s\n%s", id, a, b)
		}
	}
	res, err := sweep.ReadResult(filepath.Join(dir, "killed", "out", "runs", "4S1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Evals["k05/test"]; m == nil || m.Data.Examples != 2 || res.Evals["test"].Residual == nil || res.KeptEpoch() < 1 ||
		res.Config.Codename != "4S1" || res.Config.Epochs != 3 || res.Provenance.Backend == "" || res.Provenance.Date == "" {
		t.Errorf("result of 4S1: %+v", res)
	}

	// Status, as text and JSON; running again does nothing.
	code, out, _ = runSweepCLI(t, "sweep", "status", killed)
	t.Logf("final status:\n%s", out)
	if code != 0 || !strings.Contains(out, "total 4: 4 done, 0 running, 0 pending, 0 failed, 0 conflict") ||
		strings.Count(out, " done ") != 4 {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	code, out, _ = runSweepCLI(t, "sweep", "status", killed, "--json")
	var st sweep.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 || st.Totals[sweep.Done] != 4 || len(st.Runs) != 4 || st.Runs[2].ID != "4S1" {
		t.Errorf("status --json: exit %d, %v\n%s", code, err, out)
	}
	code, out, _ = runSweepCLI(t, "sweep", "run", killed, "--quiet")
	if code != 0 || !strings.Contains(out, "0 trained, 4 were done") {
		t.Errorf("rerun of a finished sweep: exit %d\n%s", code, out)
	}
	t.Logf("%d kills; the uninterrupted sweep took %s, the whole test %s", kills, uninterrupted.Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond))
}

// waitRunning waits until the status of the sweep file shows a run held by the process pid and
// returns how long it took; it fails the test if the process ends first or after 20 s.
func waitRunning(t *testing.T, file string, pid int, done chan error) time.Duration {
	t.Helper()
	sw, err := sweep.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		st, err := p.Status(sweep.Shard{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range st.Runs {
			if r.State == sweep.Running {
				if r.PID != pid && r.PID != 0 {
					t.Errorf("run %s: running in pid %d, want %d", r.ID, r.PID, pid)
				}
				return time.Since(start)
			}
		}
		select {
		case err := <-done:
			t.Fatalf("the sweep ended (%v) before it was seen running", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("the sweep was never seen running")
	return 0
}

// withoutProvenance returns a result file without its provenance line.
func withoutProvenance(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, `  "provenance": `) {
			keep = append(keep, l)
		}
	}
	if len(keep) == strings.Count(string(data), "\n")+1 {
		t.Fatalf("%s has no provenance line", path)
	}
	return strings.Join(keep, "\n")
}

// shardRuns are four one-epoch runs of 20 training examples.
const shardRuns = `    {"id": "s1", "codename": "80E1", "set": {"seed": 1, "epochs": 1}},
    {"id": "s2", "codename": "80E1", "set": {"seed": 2, "epochs": 1}},
    {"id": "s3", "codename": "80E1", "set": {"seed": 3, "epochs": 1}},
    {"id": "s4", "codename": "80E1", "set": {"seed": 4, "epochs": 1}}`

// TestSweepShards: two shards run one after the other are disjoint and together the whole sweep.
func TestSweepShards(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "goext")
	dir := t.TempDir()
	file := writeSweep(t, dir, "shards", smokeCache(t), shardRuns)
	exists := func(id string) bool {
		_, err := os.Stat(filepath.Join(dir, "out", "runs", id+".json"))
		return err == nil
	}
	code, out, stderr := runSweepCLI(t, "sweep", "run", file, "--shard", "0/2", "--quiet")
	if code != 0 || !exists("s1") || exists("s2") || !exists("s3") || exists("s4") || !strings.Contains(out, "2 trained, 0 were done") {
		t.Fatalf("shard 0/2: exit %d\n%s%s", code, out, stderr)
	}
	_, st, _ := runSweepCLI(t, "sweep", "status", file, "--shard", "1/2")
	if !strings.Contains(st, "total 2: 0 done, 0 running, 2 pending") || strings.Contains(st, " s1 ") || strings.Contains(st, " s3 ") {
		t.Errorf("status of shard 1/2:\n%s", st)
	}
	code, out, stderr = runSweepCLI(t, "sweep", "run", "--shard", "1/2", file, "--quiet")
	if code != 0 || !exists("s2") || !exists("s4") || !strings.Contains(out, "2 trained, 0 were done") ||
		strings.Contains(out, "s1:") || strings.Contains(out, "s3:") {
		t.Fatalf("shard 1/2: exit %d\n%s%s", code, out, stderr)
	}
	_, st, _ = runSweepCLI(t, "sweep", "status", file)
	if !strings.Contains(st, "total 4: 4 done") {
		t.Errorf("status after both shards:\n%s", st)
	}
}

// TestSweepBadInput: every bad input exits with status 2 before any work, with one line naming it.
func TestSweepBadInput(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "goext")
	cache := smokeCache(t)
	tmp := t.TempDir()
	good := writeSweep(t, filepath.Join(tmp, "good"), "good", cache, `{"id": "a", "codename": "80E1", "set": {"epochs": 1}}`)
	if code, out, stderr := runSweepCLI(t, "sweep", "run", good, "--quiet"); code != 0 {
		t.Fatalf("good sweep: exit %d\n%s%s", code, out, stderr)
	}
	file := func(name, body string) string {
		p := filepath.Join(tmp, name+".json")
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	malformed := file("malformed", "{\"name\": \"x\",\n  \"runs\": [}\n")
	codename := writeSweep(t, filepath.Join(tmp, "codename"), "c", cache, `{"id": "a", "codename": "80Q9"}`)
	dup := writeSweep(t, filepath.Join(tmp, "dup"), "d", cache, `{"id": "a"}, {"id": "a"}`)
	unknown := file("unknown", `{"name": "x", "scale": "smoke", "out": "o", "data": {"dir": "`+cache+`"}, "runs": [{"id": "a", "bogus": 1}]}`)
	badSet := writeSweep(t, filepath.Join(tmp, "set"), "s", cache, `{"id": "a", "set": {"optimizer": {"learning_rate": -1}}}`)
	// Another sweep into good's results directory, and good with another configuration for a
	// (another seed; more epochs alone would continue the run).
	other := file("other", `{"name": "other", "scale": "smoke", "out": "good/out", "work": "good/work", "data": {"dir": "`+cache+`"}, "runs": [{"id": "a"}]}`)
	changed := file("changed", `{"name": "good", "scale": "smoke", "out": "good/out", "work": "good/work", "data": {"dir": "`+cache+`"}, "runs": [{"id": "a", "codename": "80E1", "set": {"epochs": 1, "seed": 7}}]}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "run"}, "SWEEP.json"},
		{[]string{"sweep", "run", filepath.Join(tmp, "missing.json")}, "missing.json"},
		{[]string{"sweep", "run", malformed}, "line 2"},
		{[]string{"sweep", "status", malformed}, "malformed.json"},
		{[]string{"sweep", "run", codename}, `codename "80Q9"`},
		{[]string{"sweep", "run", dup}, "duplicate run id"},
		{[]string{"sweep", "run", unknown}, "bogus"},
		{[]string{"sweep", "run", badSet}, "learning_rate"},
		{[]string{"sweep", "run", other}, `holds sweep "good"`},
		{[]string{"sweep", "status", other}, `holds sweep "good"`},
		{[]string{"sweep", "run", changed}, "another configuration"},
		{[]string{"sweep", "run", good, "--shard", "2/2"}, "--shard"},
		{[]string{"sweep", "run", good, "--shard", "x"}, "--shard"},
		{[]string{"sweep", "status", good, "--shard", "0/0"}, "--shard"},
		{[]string{"sweep", "run", good, "--max-time", "-1s"}, "--max-time"},
		{[]string{"sweep", "run", good, good}, "unexpected"},
		{[]string{"sweep", "run", good, "--bogus"}, "-bogus"},
	} {
		code, out, stderr := runSweepCLI(t, tc.args...)
		lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(stderr, tc.want) || !strings.HasPrefix(stderr, "surrogo sweep ") {
			t.Errorf("%q: exit %d, stderr %q (want 2 and one line naming %q); output %q", tc.args[1:], code, stderr, tc.want, out)
		}
	}
	// The conflicting runs changed nothing.
	code, out, _ := runSweepCLI(t, "sweep", "status", good)
	if code != 0 || !strings.Contains(out, "total 1: 1 done") {
		t.Errorf("status of good after the refusals: exit %d\n%s", code, out)
	}
	code, out, _ = runSweepCLI(t, "sweep", "status", changed)
	if code != 0 || !strings.Contains(out, "conflict") {
		t.Errorf("status of changed: exit %d\n%s", code, out)
	}
}
