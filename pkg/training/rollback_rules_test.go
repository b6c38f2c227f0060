package training

import (
	"math"
	"slices"
	"testing"
)

// triggers replays a loss sequence epoch by epoch through the roll-back test of r (no roll-back is
// acted on: each epoch's window is the sequence before it) and returns the epochs (1-based) at
// which the test fires.
func triggers(r Rollback, losses []float64) []int {
	var out []int
	for n := 1; n < len(losses); n++ {
		if r.Check(losses[:n], losses[n]).Trigger {
			out = append(out, n+1)
		}
	}
	return out
}

// TestRollbackRulesOnConstructedSequence runs both readings of the 2021 paper's roll-back on a
// constructed training-loss sequence like its Fig. 4: 60 epochs of a loss decaying from 0.02 to
// ~0.01 (the scale of the exponential-weight MAE) with one jump to 10x at epoch 40, and the same
// sequence times 1000. With C = 5, m = 20:
//
//   - the level rule (L(n+1) > C * mean of the last m losses; training.RuleLevel, the default) fires
//     exactly at the jump, on both sequences: it does not depend on the loss's scale;
//   - Eq. (3) as printed (L(n+1)/L(n) > C * mean; training.RuleEq3) fires on every epoch once the
//     window is full when the losses are small (a ratio ~1 against 5 * 0.015), and never on the
//     large-loss sequence (a ratio of 10 against 5 * 15), the jump included.
func TestRollbackRulesOnConstructedSequence(t *testing.T) {
	const jump = 40
	small := make([]float64, 60)
	for i := range small {
		small[i] = 0.01 + 0.01*math.Exp(-float64(i)/15)
	}
	small[jump-1] *= 10
	large := make([]float64, len(small))
	for i, v := range small {
		large[i] = 1000 * v
	}
	level := DefaultRollback()
	level.Enabled = true
	eq3 := level
	eq3.Rule = RuleEq3
	if err := eq3.Validate(); err != nil {
		t.Fatal(err)
	}
	if level.Rule != RuleLevel || level.C != 5 || level.M != 20 {
		t.Fatalf("default roll-back %+v, want the level rule with C = 5, m = 20", level)
	}
	every := []int{}
	for ep := level.M + 1; ep <= len(small); ep++ {
		every = append(every, ep)
	}
	for _, tc := range []struct {
		name   string
		r      Rollback
		losses []float64
		want   []int
	}{
		{"level, small losses", level, small, []int{jump}},
		{"level, large losses", level, large, []int{jump}},
		{"eq3, small losses", eq3, small, every},
		{"eq3, large losses", eq3, large, []int{}},
	} {
		got := triggers(tc.r, tc.losses)
		if got == nil {
			got = []int{}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: fires at epochs %v, want %v", tc.name, got, tc.want)
		}
	}
	// The rule is selectable by name (the training configuration's rollback.rule).
	for _, name := range []string{"eq3", "level"} {
		if r, err := ParseRollbackRule(name); err != nil || string(r) != name {
			t.Errorf("ParseRollbackRule(%q) = %q, %v", name, r, err)
		}
	}
}
