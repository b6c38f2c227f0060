package training

import (
	stdctx "context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gopjrt/dtypes"
)

func TestRollbackCheckExamples(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	eq3 := Rollback{Enabled: true, Rule: RuleEq3, C: 5, M: 3, S: 1}
	level := Rollback{Enabled: true, Rule: RuleLevel, C: 5, M: 3, S: 1}
	code := Rollback{Enabled: true, Rule: RuleAuthorsCode, C: 10, M: 3, S: 1}
	for _, tc := range []struct {
		name    string
		r       Rollback
		losses  []float64
		next    float64
		trigger bool
		value   float64
		thresh  float64
	}{
		// Eq. (3): ratio L(n+1)/L(n) against C * mean of the last m losses.
		{"eq3 short window", eq3, []float64{1, 1}, 100, false, nan, nan},
		{"eq3 large losses: no trigger", eq3, []float64{4, 2, 1}, 2, false, 2, 5 * 7.0 / 3},
		{"eq3 large losses: trigger", eq3, []float64{4, 2, 1}, 12, true, 12, 5 * 7.0 / 3},
		{"eq3 small losses trigger on a flat epoch", eq3, []float64{0.01, 0.01, 0.01}, 0.01, true, 1, 0.05},
		{"eq3 window is the last m", eq3, []float64{100, 1, 1, 1}, 4, false, 4, 5},
		{"eq3 ratio equal to threshold", eq3, []float64{1, 1, 1}, 5, false, 5, 5},
		{"eq3 0/0 does not trigger", eq3, []float64{0, 0, 0}, 0, false, nan, 0},
		{"eq3 non-finite", eq3, []float64{1}, nan, true, nan, nan},
		{"eq3 infinite", eq3, nil, inf, true, inf, nan},
		// The prose reading: the loss itself against the threshold.
		{"level no trigger", level, []float64{0.01, 0.01, 0.01}, 0.04, false, 0.04, 0.05},
		{"level trigger", level, []float64{0.01, 0.01, 0.01}, 0.06, true, 0.06, 0.05},
		{"level window is the last m", level, []float64{9, 0.03, 0.03, 0.03}, 0.2, true, 0.2, 0.15},
		// The authors' code: increase against C * mean absolute change.
		{"code short window", code, []float64{1, 2, 3}, 10, false, nan, nan},
		{"code no trigger", code, []float64{5, 4, 3.5, 3}, 5, false, 2, 10 * (1 + 0.5 + 0.5) / 3},
		{"code trigger", code, []float64{5, 4, 3.5, 3}, 10, true, 7, 10 * 2.0 / 3},
		{"code decrease never triggers", code, []float64{5, 4, 3.5, 3}, 0, false, -3, 10 * 2.0 / 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.r.Check(tc.losses, tc.next)
			if d.Trigger != tc.trigger {
				t.Errorf("Trigger = %v, want %v (%s)", d.Trigger, tc.trigger, d.Reason)
			}
			if !sameFloat(d.Value, tc.value) || !sameFloat(d.Threshold, tc.thresh) {
				t.Errorf("value %g threshold %g, want %g and %g", d.Value, d.Threshold, tc.value, tc.thresh)
			}
			if d.Reason == "" {
				t.Error("no reason")
			}
		})
	}
}

func sameFloat(a, b float64) bool {
	if a == b {
		return true
	}
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b))
}

// referenceTrigger is the paper's Eq. (3) and its alternatives written out with 1-based epochs.
func referenceTrigger(rule RollbackRule, c float64, m int, L func(ep int) float64, n int) bool {
	next := L(n + 1)
	if math.IsNaN(next) || math.IsInf(next, 0) {
		return true
	}
	switch rule {
	case RuleEq3, RuleLevel:
		if n < m {
			return false
		}
		sum := 0.0
		for ep := n - m + 1; ep <= n; ep++ {
			sum += L(ep)
		}
		thrs := c * (sum / float64(m)) // the order of Check's operations, so that ties agree
		if rule == RuleEq3 {
			return next/L(n) > thrs
		}
		return next > thrs
	case RuleAuthorsCode:
		if n < m+1 {
			return false
		}
		sum := 0.0
		for ep := n - m + 1; ep <= n; ep++ {
			sum += math.Abs(L(ep) - L(ep-1))
		}
		return next-L(n) > c*(sum/float64(m))
	}
	panic("unknown rule")
}

// TestRollbackCheckExhaustive compares Check with the formulas written out, on every sequence of
// up to 5 losses over a small alphabet, for every rule and window.
func TestRollbackCheckExhaustive(t *testing.T) {
	alphabet := []float64{0.001, 0.01, 0.2, 1, 3, 50}
	cases := 0
	var seq []float64
	var walk func()
	walk = func() {
		if len(seq) >= 1 {
			losses, next := seq[:len(seq)-1], seq[len(seq)-1]
			L := func(ep int) float64 { return seq[ep-1] }
			for _, rule := range RollbackRules {
				for _, c := range []float64{1, 5, 10} {
					for m := 1; m <= 4; m++ {
						r := Rollback{Enabled: true, Rule: rule, C: c, M: m, S: 1}
						got := r.Check(losses, next).Trigger
						if want := referenceTrigger(rule, c, m, L, len(losses)); got != want {
							t.Fatalf("%s C=%g m=%d losses %v next %g: Trigger %v, want %v", rule, c, m, losses, next, got, want)
						}
						cases++
					}
				}
			}
		}
		if len(seq) == 5 {
			return
		}
		for _, v := range alphabet {
			seq = append(seq, v)
			walk()
			seq = seq[:len(seq)-1]
		}
	}
	walk()
	t.Logf("%d cases", cases)
}

func TestRollbackTarget(t *testing.T) {
	r := Rollback{S: 5}
	for next, want := range map[int]int{1: 0, 6: 0, 7: 1, 31: 25} {
		if got := r.Target(next); got != want {
			t.Errorf("Target(%d) = %d, want %d", next, got, want)
		}
	}
}

// scaleModel multiplies the network's trainable variables by f (a forced jump of the loss), or
// sets them to NaN when f is NaN.
func scaleModel(t testing.TB, r *runner, f float32) {
	for v := range r.eng.ctx.IterVariables() {
		if !v.Trainable || !strings.HasPrefix(v.Scope(), "/"+modelScope) {
			continue
		}
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		c, err := val.LocalClone()
		if err != nil {
			t.Fatal(err)
		}
		tensors.MustMutableFlatData(c, func(x []float32) {
			for i := range x {
				x[i] *= f
			}
		})
		if err := v.SetValue(c); err != nil {
			t.Fatal(err)
		}
	}
}

func rollbackConfig(epochs int) Config {
	cfg := tinyConfig(epochs)
	cfg.Rollback = Rollback{Enabled: true, Rule: RuleLevel, C: 5, M: 2, S: 1, MaxRetries: 2}
	cfg.Checkpoint.Keep = 2
	return cfg
}

// jumpAt returns a hook that multiplies the weights by 30 at the start of epoch e, the first time
// only (or every time with always), which makes the epoch's loss jump.
func jumpAt(t testing.TB, e int, always bool, factor float32) func(string, *runner) {
	return func(p string, r *runner) {
		if p == "epoch-start" && r.st.Epoch == e-1 && r.st.Step == 0 && (always || r.st.Rollbacks == 0) {
			scaleModel(t, r, factor)
		}
	}
}

// TestRollbackForcedJump makes the loss of epoch 5 jump and checks the roll-back: it triggers,
// restores the state of epoch 5-1-s exactly, is counted and logged, and the run completes.
func TestRollbackForcedJump(t *testing.T) {
	cfg := rollbackConfig(8)
	dir := t.TempDir()
	var saved3, restored *snapshot
	opt := tinyOptions(t, resumeData(t))
	jump := jumpAt(t, 5, false, 30)
	opt.hook = func(p string, r *runner) {
		jump(p, r)
		switch {
		case p == "epoch-saved" && r.st.Epoch == 3 && saved3 == nil:
			s, err := takeSnapshot(r.eng.ctx)
			if err != nil {
				t.Fatal(err)
			}
			saved3 = s
		case p == "rolled-back":
			s, err := takeSnapshot(r.eng.ctx)
			if err != nil {
				t.Fatal(err)
			}
			restored = s
		}
	}
	h, err := Run(stdctx.Background(), cfg, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if h.NumRollbacks != 1 || len(h.Rollbacks) != 1 {
		t.Fatalf("%d roll-backs (%d events), want 1: %+v", h.NumRollbacks, len(h.Rollbacks), h.Rollbacks)
	}
	ev := h.Rollbacks[0]
	if ev.AfterEpoch != 5 || ev.ToEpoch != 3 || ev.Accepted || len(ev.Discarded) != 2 {
		t.Errorf("event %+v, want after epoch 5 to epoch 3 with 2 discarded losses", ev)
	}
	if !(float64(ev.Value) > float64(ev.Threshold)) || !strings.Contains(ev.Reason, "L(5)") {
		t.Errorf("event value %g threshold %g reason %q", ev.Value, ev.Threshold, ev.Reason)
	}
	if restored == nil || saved3 == nil {
		t.Fatal("the hooks did not see the roll-back")
	}
	if d := sameSnapshots(saved3, restored); d != "" {
		t.Errorf("the roll-back did not restore the state of epoch 3: %s", d)
	}
	if h.Len() != 8 || h.EpochsRun != 10 || h.Retries[4] != 1 || h.Status != "done" {
		t.Errorf("history: %d epochs, %d run, retries %v, status %q", h.Len(), h.EpochsRun, h.Retries, h.Status)
	}
	if !finiteAll(h.TrainLoss) || h.TrainLoss[4] > 5*h.TrainLoss[3] {
		t.Errorf("kept losses %v include the jump", h.TrainLoss)
	}
	// The retried epochs saw other batches: their losses differ from the discarded ones.
	if float64(ev.Discarded[0]) == h.TrainLoss[3] {
		t.Errorf("retried epoch 4 repeated the discarded loss %g", h.TrainLoss[3])
	}
	got, err := ReadHistory(filepath.Join(dir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	if d := sameHistories(h, got); d != "" || got.NumRollbacks != 1 {
		t.Errorf("history.json differs from the returned history: %s", d)
	}
}

// TestRollbackCrashAndResume crashes right after a roll-back is saved and at other points of a
// run with a roll-back, and checks that resuming gives the uninterrupted result.
func TestRollbackCrashAndResume(t *testing.T) {
	cfg := rollbackConfig(7)
	cfg.Checkpoint.IntervalSeconds = 1e-9
	jump := jumpAt(t, 5, false, 30)
	refLast, refBest, refH := reference(t, cfg, resumeData(t), jump)
	if refH.NumRollbacks != 1 {
		t.Fatalf("reference run: %d roll-backs, want 1", refH.NumRollbacks)
	}
	for _, tc := range []struct {
		point string
		n     int
	}{{"rolled-back", 1}, {"epoch-saved", 6}, {"step", 19}} {
		t.Run(tc.point, func(t *testing.T) {
			dir := t.TempDir()
			if !runUntilCrash(t, cfg, dir, resumeData(t), tc.point, tc.n, jump) {
				t.Fatal("the run finished without crashing")
			}
			opt := tinyOptions(t, resumeData(t))
			opt.hook = jump
			if _, err := Run(stdctx.Background(), cfg, dir, opt); err != nil {
				t.Fatal(err)
			}
			compareWithReference(t, dir, cfg, refLast, refBest, refH)
		})
	}
}

// TestRollbackRetryLimit makes every attempt of epoch 4 jump: after MaxRetries roll-backs the
// epoch is kept and the run goes on (no endless loop).
func TestRollbackRetryLimit(t *testing.T) {
	cfg := rollbackConfig(6)
	opt := tinyOptions(t, resumeData(t))
	opt.hook = jumpAt(t, 4, true, 30)
	h, err := Run(stdctx.Background(), cfg, t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if h.NumRollbacks != cfg.Rollback.MaxRetries || len(h.Rollbacks) != cfg.Rollback.MaxRetries+1 {
		t.Fatalf("%d roll-backs, %d events; want %d and %d", h.NumRollbacks, len(h.Rollbacks),
			cfg.Rollback.MaxRetries, cfg.Rollback.MaxRetries+1)
	}
	if last := h.Rollbacks[len(h.Rollbacks)-1]; !last.Accepted || last.AfterEpoch != 4 {
		t.Errorf("last event %+v, want epoch 4 accepted", last)
	}
	if h.Len() != 6 || h.Retries[3] != cfg.Rollback.MaxRetries || h.Status != "done" {
		t.Errorf("history: %d epochs, retries %v, status %q", h.Len(), h.Retries, h.Status)
	}
}

// TestRollbackOnNaN poisons the weights once: the NaN loss triggers a roll-back whatever the
// window, no checkpoint holds the NaN, and the run completes.
func TestRollbackOnNaN(t *testing.T) {
	cfg := rollbackConfig(5)
	cfg.Rollback.M = 20 // the window never fills: only the NaN can trigger
	cfg.Checkpoint.IntervalSeconds = 1e-9
	dir := t.TempDir()
	opt := tinyOptions(t, resumeData(t))
	opt.hook = jumpAt(t, 3, false, float32(math.NaN()))
	h, err := Run(stdctx.Background(), cfg, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if h.NumRollbacks != 1 || h.Rollbacks[0].AfterEpoch != 3 || h.Rollbacks[0].ToEpoch != 1 {
		t.Fatalf("roll-backs %+v, want one after epoch 3 to epoch 1", h.Rollbacks)
	}
	if !strings.Contains(h.Rollbacks[0].Reason, "NaN at step 1") {
		t.Errorf("reason %q does not say where the NaN was", h.Rollbacks[0].Reason)
	}
	if !finiteAll(h.TrainLoss) || !finiteAll(h.TestLoss) || h.Len() != 5 {
		t.Errorf("history %v %v", h.TrainLoss, h.TestLoss)
	}
	data, err := os.ReadFile(filepath.Join(dir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("history.json is not valid JSON: %v", err)
	}
	if ev := raw["rollbacks"].([]any)[0].(map[string]any); ev["train_loss"] != nil {
		t.Errorf("the NaN loss was written as %v, want null", ev["train_loss"])
	}
}

// TestNaNStops checks that without roll-back a NaN stops the run with an error saying where, and
// that every checkpoint left is finite.
func TestNaNStops(t *testing.T) {
	data := resumeData(t)
	src := data.Source.(*MemorySource)
	bad := data.Train.Indices[5]
	src.inputs[bad*testN*testN+100] = float32(math.NaN())
	cfg := tinyConfig(3)
	cfg.Checkpoint.IntervalSeconds = 1e-9
	// The step at which the poisoned example comes, in epoch 1's order.
	l, err := newTrainLoader(data, &cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	order := l.Order(0)
	step := 0
	for i, idx := range order {
		if idx == bad {
			step = i/cfg.BatchSize + 1
		}
	}
	dir := t.TempDir()
	h, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, data))
	var nf *NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("got %v, want a NonFiniteError", err)
	}
	if nf.Epoch != 1 || nf.Step != step || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("error %q at epoch %d step %d, want epoch 1 step %d", err, nf.Epoch, nf.Step, step)
	}
	if h.Status != "failed" || !strings.Contains(h.Message, "NaN") {
		t.Errorf("history status %q message %q", h.Status, h.Message)
	}
	files, _ := checkpointFiles(filepath.Join(dir, checkpointDir))
	if len(files) == 0 {
		t.Fatal("no checkpoint left")
	}
	for _, f := range files {
		c, err := readCheckpoint(f, false)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range c.snap.vars {
			dt, err := dtypes.DTypeString(v.DType)
			if err != nil {
				t.Fatal(err)
			}
			if !finiteBytes(dt, c.snap.data[i]) {
				t.Errorf("%s: variable %s is not finite", f, v.key())
			}
		}
		if c.header.State.Epoch != 0 || c.header.State.Step >= step {
			t.Errorf("%s: state at epoch %d step %d, after the NaN", f, c.header.State.Epoch, c.header.State.Step)
		}
	}
	// A test set with a NaN target fails after the epoch's steps.
	data = resumeData(t)
	data.Source.(*MemorySource).targets[data.Test.Indices[0]*testN*testN] = float32(math.NaN())
	_, err = Run(stdctx.Background(), tinyConfig(2), t.TempDir(), tinyOptions(t, data))
	if !errors.As(err, &nf) || nf.Step != 0 || !strings.Contains(nf.What, "test loss") {
		t.Errorf("NaN in the test set: got %v", err)
	}
}

// TestRollbackCascade makes the retried epoch after a roll-back jump too: the state it should go
// back to was deleted (Keep = s+1), so it goes back to the oldest state kept, and says so.
func TestRollbackCascade(t *testing.T) {
	cfg := rollbackConfig(7) // s = 1, Keep = 2
	opt := tinyOptions(t, resumeData(t))
	first := jumpAt(t, 5, false, 30)
	opt.hook = func(p string, r *runner) {
		first(p, r)
		if p == "epoch-start" && r.st.Epoch == 3 && r.st.Step == 0 && r.st.Rollbacks == 1 {
			scaleModel(t, r, 30) // the retried epoch 4 jumps: n = 3, n-s = 2, whose state is gone
		}
	}
	h, err := Run(stdctx.Background(), cfg, t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if h.NumRollbacks != 2 {
		t.Fatalf("%d roll-backs, want 2: %+v", h.NumRollbacks, h.Rollbacks)
	}
	ev := h.Rollbacks[1]
	if ev.AfterEpoch != 4 || ev.ToEpoch != 3 || !strings.Contains(ev.Reason, "no longer kept") {
		t.Errorf("second roll-back %+v, want after epoch 4 back to epoch 3 (epoch 2's state gone)", ev)
	}
	if h.Len() != 7 || h.Status != "done" {
		t.Errorf("history: %d epochs, status %q", h.Len(), h.Status)
	}
}
