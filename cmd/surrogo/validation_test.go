package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/training"
)

// runCaptured runs a surrogo command line in-process, as main does, and returns its exit status
// and what it wrote on stdout and stderr (the process's and the commands' replaceable writers).
func runCaptured(t *testing.T, args []string) (code int, stdout, stderr string) {
	t.Helper()
	var outBuf, errBuf bytes.Buffer
	restore := redirect(t, &outBuf, &errBuf)
	code = run(args)
	restore()
	return code, outBuf.String(), errBuf.String()
}

// redirect points os.Stdout, os.Stderr and the commands' writers at the buffers until the
// returned function is called.
func redirect(t *testing.T, stdout, stderr *bytes.Buffer) func() {
	t.Helper()
	oldOut, oldErr := os.Stdout, os.Stderr
	oldTO, oldTP, oldDO, oldDE := trainOutput, trainProgress, dataStdout, dataStderr
	ro, wo, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	re, we, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); io.Copy(stdout, ro) }()
	go func() { defer wg.Done(); io.Copy(stderr, re) }()
	os.Stdout, os.Stderr = wo, we
	trainOutput, trainProgress, dataStdout, dataStderr = wo, we, wo, we
	return func() {
		os.Stdout, os.Stderr = oldOut, oldErr
		trainOutput, trainProgress, dataStdout, dataStderr = oldTO, oldTP, oldDO, oldDE
		wo.Close()
		we.Close()
		wg.Wait()
		ro.Close()
		re.Close()
	}
}

// smokeCache2021 generates the smoke-scale 2021 data-set cache (N = 32).
func smokeCache2021(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "d21")
	if code, _, stderr := runCaptured(t, []string{"data", "gen", "--recipe", "2021", "--scale", "smoke", "--out", dir, "--quiet"}); code != 0 {
		t.Fatalf("data gen 2021: exit %d: %s", code, stderr)
	}
	return dir
}

// TestBadInputs runs every command with bad inputs: each must exit with status 2 before doing any
// work, with one line on stderr that names the command once and the input.
func TestBadInputs(t *testing.T) {
	t.Setenv("SURROGO_SCALE", "")
	t.Setenv("SURROGO_FIGURES_DIR", "")
	tmp := t.TempDir()
	d23 := smokeCache(t)
	d21 := smokeCache2021(t)
	file := filepath.Join(tmp, "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	aDir := filepath.Join(tmp, "a-dir.png")
	os.Mkdir(aDir, 0o755)
	problem := func(name, body string) string {
		p := filepath.Join(tmp, name+".json")
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	const src = `"sources":[{"x":30,"y":30,"r":5,"value":1}]`
	bigGamma := problem("gamma", `{"n":64,"d":1,"gamma":1e200,"normalize":false,`+src+`}`)
	bigD := problem("d", `{"n":64,"d":1e308,"gamma":0.0025,`+src+`}`)
	zero := problem("zero", `{"n":64,"d":1,"gamma":0.0025,"sources":[{"x":30,"y":30,"r":5,"value":0}]}`)
	malformed := problem("malformed", `{"n":64,`)

	// A finished one-epoch run, a run without a finished epoch, and a configuration of another lattice.
	runDir := filepath.Join(tmp, "run")
	trainArgs := []string{"train", "--model", "edcnn", "--data", d23, "--scale", "smoke", "--epochs", "1", "--quiet"}
	if code, out, stderr := runCaptured(t, append(trainArgs, "--out", runDir)); code != 0 {
		t.Fatalf("train: exit %d: %s%s", code, out, stderr)
	}
	noModel := filepath.Join(tmp, "no-model")
	os.Mkdir(noModel, 0o755)
	cfgData, _ := os.ReadFile(filepath.Join(runDir, training.ConfigFile))
	os.WriteFile(filepath.Join(noModel, training.ConfigFile), cfgData, 0o644)
	var m map[string]any
	json.Unmarshal(cfgData, &m)
	m["model"].(map[string]any)["size"] = 64
	m["data"].(map[string]any)["id"] = ""
	b, _ := json.Marshal(m)
	cfg64 := filepath.Join(tmp, "config64.json")
	os.WriteFile(cfg64, b, 0o644)

	out := filepath.Join(tmp, "out")
	tr := func(extra ...string) []string {
		return append([]string{"train", "--model", "edcnn", "--data", d23, "--scale", "smoke", "--out", out}, extra...)
	}
	gen := func(extra ...string) []string {
		return append([]string{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", out}, extra...)
	}
	cases := []struct {
		args []string
		env  string // NAME=value set for the case
		want string // in the message
	}{
		{args: []string{"solve", "--config", bigGamma, "--out", out}, want: "gamma"},
		{args: []string{"solve", "--config", bigD, "--out", out}, want: "d: diffusion constant"},
		{args: []string{"solve", "--config", zero, "--out", out}, want: "sources"},
		{args: []string{"solve", "--config", malformed, "--out", out}, want: "--config"},
		{args: []string{"solve", "--config", filepath.Join(tmp, "missing.json"), "--out", out}, want: "--config"},
		{args: []string{"solve", "--config", bigGamma, "--n", "64", "--out", out}, want: "--n"},
		{args: []string{"solve", "--n", "32", "--out", file}, want: "--out"},
		{args: []string{"solve", "--n", "32", "--out", filepath.Join(file, "sub")}, want: "--out"},
		{args: []string{"solve", "--n", "32", "--out", out, "--tol", "-1"}, want: "--tol"},
		{args: []string{"solve", "--n", "32", "--out", out, "--tol", "NaN"}, want: "--tol"},
		{args: []string{"solve", "--n", "32", "--out", out, "--workers", "-4"}, want: "--workers"},
		{args: []string{"solve", "--n", "32", "--out", out, "--method", "newton"}, want: "--method"},
		{args: []string{"solve", "--n", "4", "--out", out}, want: "--n"},
		{args: []string{"solve", "--n", "100000000", "--out", out}, want: "--n"},
		{args: []string{"solve", "--n", "32", "--out", out, "--sources", "0"}, want: "--sources"},
		{args: []string{"solve", "--n", "32", "--out", out, "--model", "soft"}, want: "model"},
		{args: []string{"solve", "--n", "32"}, want: "--out"},
		{args: []string{"solve", "--n", "32", "--out", out, "--bogus"}, want: "-bogus"},
		{args: gen("--tol", "-1"), want: "--tol"},
		{args: gen("--workers", "-4"), want: "--workers"},
		{args: gen("--batch", "0"), want: "--batch"},
		{args: gen("--shard-size", "-1"), want: "--shard-size"},
		{args: []string{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", file}, want: "--out"},
		{args: []string{"data", "gen", "--recipe", "2022", "--scale", "smoke", "--out", out}, want: "--recipe"},
		{args: []string{"data", "gen", "--recipe", "2023", "--out", out}, env: "SURROGO_SCALE=bogus", want: "SURROGO_SCALE"},
		{args: []string{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--seed", "9", "--out", d23}, want: "--out"},
		{args: []string{"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", runDir}, want: "--out"},
		{args: []string{"data", "info"}, want: "DIR"},
		{args: []string{"data", "info", d23, d21}, want: "unexpected"},
		{args: []string{"data", "show", d23, "--index", "1", "--out", filepath.Join(tmp, "x.gif")}, want: "--out"},
		{args: []string{"data", "show", d23, "--index", "1", "--out", aDir}, want: "--out"},
		{args: []string{"data", "show", d23, "--index", "100000", "--out", filepath.Join(tmp, "x.png")}, want: "--index"},
		{args: tr("--lr", "1e39"), want: "--lr"},
		{args: tr("--lr", "0"), want: "learning_rate"},
		{args: tr("--lr", "5"), want: "learning_rate"},
		{args: tr("--max-time", "-5s"), want: "--max-time"},
		{args: tr("--checkpoint-interval", "-1s"), want: "--checkpoint-interval"},
		{args: tr("--width", "0"), want: "--width"},
		{args: tr("--leaky-slope", "0"), want: "--leaky-slope"},
		{args: tr("--epochs", "0"), want: "epochs"},
		{args: tr("--epochs", "100000000"), want: "epochs"},
		{args: tr("--batch", "0"), want: "batch_size"},
		{args: tr("--w", "1e300"), want: "--w"},
		{args: tr("--noise", "NaN"), want: "--noise"},
		{args: tr("--train", "nope"), want: "--train"},
		{args: tr("--select", "best"), want: "--select"},
		{args: []string{"train", "--model", "edcnn", "--data", d21, "--scale", "smoke", "--out", out}, want: "2021"},
		{args: []string{"train", "--model", "dcnn-ae", "--data", d23, "--scale", "smoke", "--out", out}, want: "2023"},
		{args: []string{"train", "--model", "edcnn", "--data", filepath.Join(tmp, "missing"), "--scale", "smoke", "--out", out}, want: "--data"},
		{args: []string{"train", "--model", "edcnn", "--data", d23, "--scale", "smoke", "--out", file}, want: "--out"},
		{args: []string{"train", "--model", "edcnn", "--data", d23, "--out", out}, env: "SURROGO_SCALE=bogus", want: "SURROGO_SCALE"},
		{args: []string{"train", "--model", "resnet", "--data", d23, "--scale", "smoke", "--out", out}, want: "--model"},
		{args: []string{"train", "--config", cfg64, "--data", d23, "--out", out}, want: "lattice"},
		{args: []string{"train", "--config", filepath.Join(runDir, training.ConfigFile), "--data", d21, "--out", out}, want: "--data"},
		{args: append(trainArgs, "--out", runDir, "--lr", "0.001"), want: "learning_rate"},
		{args: []string{"eval", "--run", filepath.Join(tmp, "missing")}, want: "--run"},
		{args: []string{"eval", "--run", file}, want: "--run"},
		{args: []string{"eval", "--run", noModel}, want: "no finished epoch"},
		{args: []string{"eval", "--run", noModel, "--checkpoint", "last"}, want: "no finished epoch"},
		{args: []string{"eval", "--run", runDir, "--data", d21}, want: "--data"},
		{args: []string{"eval", "--run", runDir, "--split", "nope"}, want: "--split"},
		{args: []string{"eval", "--run", runDir, "--checkpoint", "worst"}, want: "--checkpoint"},
		{args: []string{"eval", "--run", runDir, "--predictions", "-1"}, want: "--predictions"},
		{args: []string{"eval", "--run", runDir, "--out", aDir}, want: "--out"},
		{args: []string{"eval", "--run", runDir, "--predictions-dir", file}, want: "--predictions-dir"},
		{args: []string{"figure", "2023-fig03"}, env: "SURROGO_SCALE=bogus", want: "SURROGO_SCALE"},
		{args: []string{"figure", "2023-fig03", "--scale", "bogus"}, want: "--scale"},
		{args: []string{"figure", "2023-fig99"}, want: "2023-fig99"},
		{args: []string{"figure"}, want: "identifier"},
		{args: []string{"figure", "2023-fig03", "--force", "--render-only"}, want: "--render-only"},
		{args: []string{"figure", "2023-fig03", "--figures-dir", file}, want: "--figures-dir"},
		{args: []string{"figures", "extra"}, want: "unexpected"},
		{args: []string{"notebooks", "run", "--cell-timeout", "-1s"}, want: "--cell-timeout"},
		{args: []string{"notebooks", "run", "--scale", "bogus"}, want: "--scale"},
		{args: []string{"notebooks", "run", "--dir", file}, want: "--dir"},
		{args: []string{"notebooks", "table", "extra"}, want: "unexpected"},
		{args: []string{"sweep", "run", filepath.Join(tmp, "missing.json")}, want: "missing.json"}, // more in sweep_test.go
		{args: []string{"sweep", "status", file}, want: "a-file"},
		{args: []string{"sweep", "submit", file}, want: "--slurm"}, // more in sweep_submit_test.go
		{args: []string{"predict", "--config", file, "--out", aDir}, want: "--run"},
		{args: []string{"predict", "--run", filepath.Join(tmp, "missing"), "--config", file, "--out", aDir}, want: "--run"},
		{args: []string{"predict", "--run", runDir, "--config", filepath.Join(tmp, "missing.json"), "--out", aDir}, want: "--config"},
		{args: []string{"predict", "--run", runDir, "--config", file, "--out", aDir, "--checkpoint", "worst"}, want: "--checkpoint"},
		{args: []string{"gpu", "extra"}, want: "unexpected"},
		{args: []string{"gpu", "--bogus"}, want: "-bogus"},
		{args: []string{"bench", "train", "--bogus"}, want: "-bogus"},
		{args: []string{"bench", "train", "--profile", "-1"}, want: "--profile"},
		{args: []string{"bench", "infer", "--bogus"}, want: "-bogus"},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		name := strings.Join(tc.args, " ")
		if tc.env != "" {
			k, v, _ := strings.Cut(tc.env, "=")
			t.Setenv(k, v)
			name = tc.env + " " + name
		}
		code, stdout, stderr := runCaptured(t, tc.args)
		if tc.env != "" {
			k, _, _ := strings.Cut(tc.env, "=")
			os.Setenv(k, "")
		}
		cmd := ""
		for n := min(len(tc.args), 3); n >= 1; n-- {
			if c, ok := commands[strings.Join(tc.args[:n], " ")]; ok {
				cmd = c.name
				break
			}
		}
		covered[cmd] = true
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		switch {
		case code != 2:
			t.Errorf("%s: exit %d, want 2\nstderr: %s", name, code, stderr)
		case len(lines) != 1 || !strings.HasSuffix(stderr, "\n"):
			t.Errorf("%s: want one line on stderr, got %d:\n%s", name, len(lines), stderr)
		case !strings.HasPrefix(stderr, "surrogo "+cmd+": ") || strings.Count(stderr, "surrogo "+cmd+":") != 1:
			t.Errorf("%s: the message should start with %q once: %s", name, "surrogo "+cmd+": ", stderr)
		case !strings.Contains(stderr, tc.want):
			t.Errorf("%s: the message does not name %q: %s", name, tc.want, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: wrote %s although the input was refused", name, out)
			os.RemoveAll(out)
		}
		if strings.Contains(stdout, "Usage:") {
			t.Errorf("%s: printed the usage on a bad input", name)
		}
	}
	for name := range commands {
		if !covered[name] {
			t.Errorf("command %q has no bad-input case", name)
		}
	}
}

// TestHelperCommand runs the surrogo command line in $SURROGO_CMD_HELPER (arguments separated by
// newlines) and exits with its status: the first writer of TestConcurrentWriters. Not a test.
func TestHelperCommand(t *testing.T) {
	args := os.Getenv("SURROGO_CMD_HELPER")
	if args == "" {
		t.Skip("helper process for TestConcurrentWriters")
	}
	os.Exit(run(strings.Split(args, "\n")))
}

// startWriter starts a surrogo command line in a child process and waits until it holds the lock
// of dir; it returns the process and a channel of its end.
func startWriter(t *testing.T, dir string, args []string) (*exec.Cmd, chan error, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCommand$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SURROGO_CMD_HELPER="+strings.Join(args, "\n"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, locked := datastore.LockedBy(dir); locked {
			return cmd, done, &out
		}
		select {
		case err := <-done:
			t.Fatalf("the first writer ended before it was seen holding %s: %v\n%s", dir, err, out.String())
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the first writer never locked %s\n%s", dir, out.String())
		}
	}
}

// TestConcurrentWriters: for every command that writes a directory, a second writer is refused
// (exit 2, one line naming the directory and the first writer's pid) while the first works, and
// the first one's result is intact.
func TestConcurrentWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	t.Setenv("SURROGO_SCALE", "")
	t.Run("data gen", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "cache")
		// About 4 s on one core: 2000 solves of the 2021 recipe at scale cpu, in 10 shards.
		args := []string{"data", "gen", "--recipe", "2021", "--scale", "cpu", "--workers", "1", "--shard-size", "200", "--quiet", "--out", dir}
		cmd, done, out := startWriter(t, dir, args)
		for _, second := range [][]string{args, {"data", "gen", "--recipe", "2023", "--scale", "smoke", "--out", dir}} {
			code, _, stderr := runCaptured(t, second)
			want := fmt.Sprintf("in use by pid %d", cmd.Process.Pid)
			if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "--out") {
				t.Errorf("second writer %q: exit %d, stderr %q; want 2 and one line with %q", second, code, stderr, want)
			}
		}
		if err := <-done; err != nil {
			t.Fatalf("the first writer: %v\n%s", err, out)
		}
		if code, _, stderr := runCaptured(t, []string{"data", "info", "--verify", dir}); code != 0 {
			t.Errorf("the first writer's cache: data info --verify: exit %d: %s", code, stderr)
		}
		st, err := datastore.Open(dir)
		if err != nil || st.Spec().Recipe != "2021" || st.Len() != 2000 {
			t.Errorf("the first writer's cache: %v", err)
		}
	})
	t.Run("train", func(t *testing.T) {
		cache := smokeCache(t)
		dir := filepath.Join(t.TempDir(), "run")
		args := []string{"train", "--model", "edcnn", "--data", cache, "--scale", "smoke", "--epochs", "4", "--quiet", "--out", dir}
		cmd, done, out := startWriter(t, dir, args)
		want := fmt.Sprintf("in use by pid %d", cmd.Process.Pid)
		for _, second := range [][]string{append(args, "--lr", "0.001"), args, append(args, "--force", "--seed", "2")} {
			code, stdout, stderr := runCaptured(t, second)
			if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, want) || stdout != "" {
				t.Errorf("second writer %q: exit %d, stderr %q, stdout %q; want 2 and one line with %q", second[len(second)-2:], code, stderr, stdout, want)
			}
		}
		if err := <-done; err != nil {
			t.Fatalf("the first writer: %v\n%s", err, out)
		}
		cfg, err := training.ReadConfig(dir)
		if err != nil || cfg.Optimizer.LearningRate != 1e-4 || cfg.Seed != 1 || cfg.Epochs != 4 {
			t.Fatalf("the first writer's config.json: %v %+v", err, cfg.Optimizer)
		}
		h, err := training.ReadHistory(filepath.Join(dir, training.HistoryFile))
		if err != nil || h.Status != "done" || h.Len() != 4 {
			t.Fatalf("the first writer's history: %v", err)
		}
		best, err := training.CheckpointConfig(filepath.Join(dir, "checkpoints", "best.ckpt"))
		if err != nil || len(training.Diff(best, cfg)) != 0 {
			t.Errorf("best.ckpt and config.json differ: %v %v", training.Diff(best, cfg), err)
		}
		// The run can be evaluated once the writer is done, without a warning.
		code, _, stderr := runCaptured(t, []string{"eval", "--run", dir, "--quiet", "--out", filepath.Join(t.TempDir(), "e.json")})
		if code != 0 || strings.Contains(stderr, "warning") {
			t.Errorf("eval: exit %d: %s", code, stderr)
		}
	})
}
