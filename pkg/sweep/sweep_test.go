package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/training"
)

// TestParseErrors: every invalid declaration is an error wrapping ErrInvalid that names the
// problem.
func TestParseErrors(t *testing.T) {
	const data = `"data": {"recipe": "2023", "seed": 1}`
	ok := `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a", "codename": "80E1"}]}`
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatalf("valid sweep: %v", err)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"syntax", "{\"name\": \"s\",\n \"runs\": [}", "line 2"},
		{"type", `{"name": 3}`, "line 1"},
		{"trailing", ok + ` {}`, "trailing"},
		{"unknown field", `{"name": "s", "bogus": 1}`, "bogus"},
		{"no name", `{"scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a"}]}`, "name"},
		{"bad name", `{"name": "a b", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a"}]}`, "name"},
		{"no out", `{"name": "s", "scale": "smoke", ` + data + `, "runs": [{"id": "a"}]}`, "out"},
		{"scale", `{"name": "s", "scale": "huge", "out": "o", ` + data + `, "runs": [{"id": "a"}]}`, "scale"},
		{"no data", `{"name": "s", "scale": "smoke", "out": "o", "runs": [{"id": "a"}]}`, "data"},
		{"dir and recipe", `{"name": "s", "scale": "smoke", "out": "o", "data": {"dir": "d", "recipe": "2023"}, "runs": [{"id": "a"}]}`, "data"},
		{"recipe", `{"name": "s", "scale": "smoke", "out": "o", "data": {"recipe": "custom"}, "runs": [{"id": "a"}]}`, "data.recipe"},
		{"source model", `{"name": "s", "scale": "smoke", "out": "o", "data": {"recipe": "2023", "source_model": "soft"}, "runs": [{"id": "a"}]}`, "source_model"},
		{"no runs", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": []}`, "no runs"},
		{"no id", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"codename": "80E1"}]}`, "runs[0]: an id"},
		{"bad id", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "../x"}]}`, "id"},
		{"duplicate id", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a"}, {"id": "A"}]}`, "duplicate run id"},
		{"codename", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a", "codename": "80Q9"}]}`, `codename "80Q9"`},
		{"default codename", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "defaults": {"codename": "nope"}, "runs": [{"id": "a"}]}`, "defaults: codename"},
		{"defaults id", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "defaults": {"id": "x"}, "runs": [{"id": "a"}]}`, "defaults.id"},
		{"model", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a", "model": "resnet"}]}`, "resnet"},
		{"config and codename", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a", "codename": "80E1", "config": {}}]}`, "exclude"},
		{"set scale", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a", "set": {"scale": "cpu"}}]}`, "set.scale"},
		{"set data dir", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a", "set": {"data": {"dir": "x"}}}]}`, "set.data.dir"},
		{"metric", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a", "evals": [{"metrics": ["rmse"]}]}]}`, "rmse"},
		{"checkpoint", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a", "evals": [{"checkpoint": "worst"}]}]}`, "worst"},
		{"eval names", `{"name": "s", "scale": "smoke", "out": "o", ` + data + `, "runs": [{"id": "a", "evals": [{"split": "test"}, {"split": "test"}]}]}`, "two evaluations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an ErrInvalid naming %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message of several lines: %q", err)
			}
		})
	}
}

// TestPlanErrors: problems found when resolving the configurations against the data set.
func TestPlanErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		edit func(*Sweep)
		want string
	}{
		{"unknown config field", func(s *Sweep) { s.Runs[0].Set = map[string]any{"bogus": 1} }, "bogus"},
		{"epochs", func(s *Sweep) { s.Runs[0].Set = map[string]any{"epochs": 0} }, "epochs"},
		{"train subset", func(s *Sweep) { s.Runs[0].Set = map[string]any{"data": map[string]any{"train": "bogus"}} }, "data.train"},
		{"eval split", func(s *Sweep) { s.Runs[0].Evals = []Eval{{Split: "k99/test"}} }, "evals[0]"},
		{"model of the other paper", func(s *Sweep) { s.Defaults.Codename = ""; s.Runs[0].Model = "dcnn-ae" }, "2021 paper"},
		{"missing data", func(s *Sweep) { s.Data.Dir = filepath.Join(dir, "nothing") }, "data.dir"},
		{"config of another scale", func(s *Sweep) {
			c, _ := training.NewConfig("edcnn", "cpu", 32, "80E1")
			s.Runs[0].Config = &c
		}, "scale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sw := tinySweep(t, dir, "a")
			tc.edit(sw)
			_, err := sw.Plan()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an ErrInvalid naming %q", err, tc.want)
			}
		})
	}
}

// TestShards: the shards of a sweep are disjoint and together the whole sweep.
func TestShards(t *testing.T) {
	for _, bad := range []string{"2/2", "-1/2", "0/0", "1", "a/b", "1/2/3"} {
		if _, err := ParseShard(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseShard(%q): got %v, want ErrInvalid", bad, err)
		}
	}
	sw := tinySweep(t, t.TempDir(), "a", "b", "c", "d", "e")
	p, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 6; n++ {
		seen := map[string]int{}
		for i := range n {
			sh, err := ParseShard(strings.Join([]string{itoa(i), itoa(n)}, "/"))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Select(sh) {
				seen[r.ID]++
				if r.Index%n != i {
					t.Errorf("shard %s holds run %d", sh, r.Index)
				}
			}
		}
		if len(seen) != len(sw.Runs) {
			t.Errorf("n=%d: the shards hold %d of %d runs", n, len(seen), len(sw.Runs))
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("n=%d: run %s in %d shards", n, id, c)
			}
		}
	}
	if got := len(p.Select(Shard{})); got != len(sw.Runs) {
		t.Errorf("the zero shard holds %d runs", got)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestHash: the hashes do not depend on where the sweep and its data live, and change with what
// is computed.
func TestHash(t *testing.T) {
	a := tinySweep(t, t.TempDir(), "a")
	b := tinySweep(t, t.TempDir(), "a")
	pa, err := a.Plan()
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if pa.Hash != pb.Hash || pa.Runs[0].Hash != pb.Runs[0].Hash {
		t.Errorf("hashes depend on the paths: %s %s, %s %s", pa.Hash, pb.Hash, pa.Runs[0].Hash, pb.Runs[0].Hash)
	}
	b.Runs[0].Set["epochs"] = 3
	pb, err = b.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if pa.Runs[0].Hash == pb.Runs[0].Hash || pa.Hash == pb.Hash {
		t.Error("the hashes do not change with the epochs")
	}
	if pb.Runs[0].Config.Epochs != 3 || pb.Runs[0].Config.Codename != "80E1" || pb.Runs[0].Config.Data.Train != "train/80" {
		t.Errorf("resolved config: %s", pb.Runs[0].Config.JSON())
	}
	// A seed beyond float64's integers survives the merge patch of a parsed file.
	sw, err := Parse([]byte(`{"name": "s", "scale": "smoke", "out": "o", "data": {"dir": "` + smokeCache(t) +
		`"}, "runs": [{"id": "a", "set": {"seed": 18446744073709551615}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if p.Runs[0].Config.Seed != 18446744073709551615 {
		t.Errorf("seed %d", p.Runs[0].Config.Seed)
	}
}

// TestRunStatus runs a sweep of three tiny runs through failure, retry, re-evaluation, a
// concurrent holder and conflicts, checking the status at each point.
func TestRunStatus(t *testing.T) {
	dir := t.TempDir()
	sw := tinySweep(t, dir, "a", "b", "c")
	ctx := context.Background()
	state := func(p *Plan) string {
		t.Helper()
		st, err := p.Status(Shard{})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, r := range st.Runs {
			s = append(s, string(r.State))
		}
		return strings.Join(s, " ")
	}
	p, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if got := state(p); got != "pending pending pending" {
		t.Fatalf("fresh: %s", got)
	}
	// Run b fails; a and c finish.
	testHookBeforeTrain = func(id string) error {
		if id == "b" {
			return errors.New("injected failure")
		}
		return nil
	}
	sum, err := p.Run(ctx, tinyOptions(t))
	testHookBeforeTrain = nil
	if !errors.Is(err, ErrFailed) || len(sum.Trained) != 2 || sum.Failed["b"] == "" {
		t.Fatalf("run with a failure: %v, %+v", err, sum)
	}
	st, _ := p.Status(Shard{})
	if got := state(p); got != "done failed done" || !strings.Contains(st.Runs[1].Error, "injected failure") {
		t.Fatalf("after a failure: %s (%+v)", got, st.Runs[1])
	}
	t.Logf("status:\n%s", st.Table())
	if st.Runs[0].KeptEpoch < 1 || st.Runs[0].EpochsDone != 2 || st.Totals[Done] != 2 || st.Totals[Failed] != 1 {
		t.Errorf("status: %+v", st)
	}
	resultA, _ := os.ReadFile(p.Runs[0].Result)

	// A process holding b's slot: running; Run leaves it alone.
	unlock, err := datastore.LockDir(p.Runs[1].Slot)
	if err != nil {
		t.Fatal(err)
	}
	if got := state(p); got != "done running done" {
		t.Errorf("with b held: %s", got)
	}
	sum, err = p.Run(ctx, tinyOptions(t))
	if err != nil || len(sum.Busy) != 1 || len(sum.Trained) != 0 {
		t.Errorf("run with b held: %v, %+v", err, sum)
	}
	unlock()

	// Retry: b finishes, a and c are not touched.
	sum, err = p.Run(ctx, tinyOptions(t))
	if err != nil || strings.Join(sum.Trained, ",") != "b" || len(sum.Skipped) != 2 {
		t.Fatalf("retry: %v, %+v", err, sum)
	}
	if got := state(p); got != "done done done" {
		t.Fatalf("after the retry: %s", got)
	}
	if again, _ := os.ReadFile(p.Runs[0].Result); string(again) != string(resultA) {
		t.Error("a finished result was rewritten")
	}

	// A new evaluation of a: re-evaluated from its checkpoint, not retrained; the old one kept.
	sw.Runs[0].Evals = []Eval{{}, {Name: "k3", Split: "k03/test", Metrics: []string{MetricResidual}}}
	p2, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if got := state(p2); got != "pending done done" {
		t.Fatalf("with a new evaluation: %s", got)
	}
	var log strings.Builder
	opt := tinyOptions(t)
	opt.TrainLog = &log
	if _, err := p2.Run(ctx, opt); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "epoch 1/") {
		t.Errorf("re-evaluation retrained:\n%s", log.String())
	}
	res, err := ReadResult(p2.Runs[0].Result)
	if err != nil {
		t.Fatal(err)
	}
	if res.Evals["k3"] == nil || res.Evals["k3"].Residual == nil || res.Evals["test"] == nil || len(res.Evals["test"].RegionMeans) != 6 {
		t.Errorf("evaluations: %v", res.Evals)
	}

	// Another configuration for a: its result file is in conflict, and Run refuses before any work.
	sw.Runs[0].Set = map[string]any{"seed": 99}
	p3, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if got := state(p3); got != "conflict done done" {
		t.Errorf("with a changed: %s", got)
	}
	if _, err := p3.Run(ctx, tinyOptions(t)); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), `run "a"`) {
		t.Errorf("run with a conflict: %v", err)
	}

	// Another sweep into the same results directory is refused.
	other := tinySweep(t, dir, "a")
	other.Name = "other"
	po, err := other.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := po.Status(Shard{}); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), `"tiny"`) {
		t.Errorf("status of another sweep: %v", err)
	}
	if _, err := po.Run(ctx, tinyOptions(t)); !errors.Is(err, ErrConflict) {
		t.Errorf("run of another sweep: %v", err)
	}
}

// TestMaxTime: a sweep paused by its time limit says so and continues on the next call.
func TestMaxTime(t *testing.T) {
	sw := tinySweep(t, t.TempDir(), "a", "b")
	p, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	opt := tinyOptions(t)
	opt.MaxTime = 1 // a nanosecond: the first run pauses at once
	sum, err := p.Run(context.Background(), opt)
	if !errors.Is(err, training.ErrPaused) || !sum.Paused || sum.Left != 2 {
		t.Fatalf("paused run: %v, %+v", err, sum)
	}
	if sum, err = p.Run(context.Background(), tinyOptions(t)); err != nil || len(sum.Trained) != 2 {
		t.Fatalf("continued: %v, %+v", err, sum)
	}
}

// TestNewMachine: with only the committed results (the work directory with the checkpoints and
// the generated data set is gone), a sweep trains only the runs without a result, regenerating
// its data set.
func TestNewMachine(t *testing.T) {
	dir := t.TempDir()
	sw := tinySweep(t, dir, "a", "b")
	sw.Data = Data{Recipe: "2023", Seed: 1}
	p, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	opt := tinyOptions(t)
	opt.Shard = Shard{I: 0, N: 2}
	if sum, err := p.Run(context.Background(), opt); err != nil || strings.Join(sum.Trained, ",") != "a" {
		t.Fatalf("first machine: %v, %+v", err, sum)
	}
	before, _ := os.ReadFile(p.Runs[0].Result)
	if err := os.RemoveAll(p.Work); err != nil {
		t.Fatal(err)
	}
	sum, err := p.Run(context.Background(), tinyOptions(t))
	if err != nil || strings.Join(sum.Trained, ",") != "b" || strings.Join(sum.Skipped, ",") != "a" {
		t.Fatalf("second machine: %v, %+v", err, sum)
	}
	if after, _ := os.ReadFile(p.Runs[0].Result); string(after) != string(before) {
		t.Error("the committed result of a changed")
	}
	if _, err := os.Stat(filepath.Join(p.DataDir, "manifest.json")); err != nil {
		t.Errorf("data set not regenerated: %v", err)
	}
}

// TestExtendEpochs: a run declared again with more epochs and nothing else changed continues the
// finished shorter run from its checkpoints (its first epochs are not trained again), and its
// result replaces the shorter one's.
func TestExtendEpochs(t *testing.T) {
	dir := t.TempDir()
	sw := tinySweep(t, dir, "a")
	ctx := context.Background()
	p, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(ctx, tinyOptions(t)); err != nil {
		t.Fatal(err)
	}
	short, err := ReadResult(p.Runs[0].Result)
	if err != nil {
		t.Fatal(err)
	}

	sw.Runs[0].Set = map[string]any{"seed": 1, "epochs": 3}
	p2, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	st, err := p2.Status(Shard{})
	if err != nil {
		t.Fatal(err)
	}
	if r := st.Runs[0]; r.State != Pending || r.EpochsDone != 2 || r.Note != "extend from 2 epochs" {
		t.Fatalf("status of the extended run: %+v", r)
	}
	// Code training in the slots itself (the 2021 figures) adopts the shorter training first.
	if err := p2.AdoptShorter(&p2.Runs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(p2.Runs[0].RunDir, training.HistoryFile)); err != nil {
		t.Fatalf("the shorter training is not in the new slot: %v", err)
	}
	var log strings.Builder
	opt := tinyOptions(t)
	opt.TrainLog = &log
	if _, err := p2.Run(ctx, opt); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "epoch 1/") || !strings.Contains(log.String(), "epoch 3/3") {
		t.Errorf("the extension did not continue after epoch 2:\n%s", log.String())
	}
	long, err := ReadResult(p2.Runs[0].Result)
	if err != nil {
		t.Fatal(err)
	}
	if long.ConfigHash != p2.Runs[0].Hash || long.Training.Epochs != 3 {
		t.Fatalf("extended result: hash %.12s (want %.12s), %d epochs", long.ConfigHash, p2.Runs[0].Hash, long.Training.Epochs)
	}
	for i, v := range short.Training.TrainLoss {
		if long.Training.TrainLoss[i] != v {
			t.Errorf("epoch %d: training loss %v after the extension, %v before", i+1, long.Training.TrainLoss[i], v)
		}
	}
	if _, err := os.Stat(p.Runs[0].Slot); !os.IsNotExist(err) {
		t.Errorf("the shorter run's slot is still there: %v", err)
	}

	// Without a result file (a sweep stopped before the run finished), a longer declaration
	// continues the longest shorter training of the work directory.
	if err := os.Remove(p2.Runs[0].Result); err != nil {
		t.Fatal(err)
	}
	sw.Runs[0].Set = map[string]any{"seed": 1, "epochs": 4}
	p4, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := p4.Status(Shard{}); err != nil || st.Runs[0].State != Pending || st.Runs[0].EpochsDone != 3 {
		t.Fatalf("status with a 3-epoch training in the work directory: %v, %+v", err, st)
	}
	log.Reset()
	if _, err := p4.Run(ctx, opt); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "epoch 3/") || !strings.Contains(log.String(), "epoch 4/4") {
		t.Errorf("the 4-epoch run did not continue after epoch 3:\n%s", log.String())
	}

	// Fewer epochs than the result: another configuration, a conflict.
	sw.Runs[0].Set = map[string]any{"seed": 1, "epochs": 2}
	p3, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := p3.Status(Shard{}); err != nil || st.Runs[0].State != Conflict {
		t.Errorf("fewer epochs: %v, %+v", err, st)
	}
}
