package training

import (
	"fmt"
	"math"
	"strings"
)

// RollbackRule is the test that decides, after an epoch, whether training goes back to an
// earlier state. The 2021 paper's text and its authors' code disagree; see Rollback.
type RollbackRule string

const (
	// RuleEq3 is Eq. (3) of the 2021 paper as printed: roll back when the ratio of the losses of
	// epochs n+1 and n exceeds C times the mean loss of the m epochs n-m+1 .. n,
	//
	//	L(n+1)/L(n) > L_thrs = C * (1/m) * sum_{ep=n-m+1}^{n} L(ep).
	//
	// The two sides are not of the same kind (a ratio against a loss), so the rule depends on the
	// loss's scale: once the mean loss is below 1/C (0.2 for C = 5) an epoch that does not lower
	// the loss by a factor 1/(C*mean) triggers. RuleLevel is the other reading of the paper.
	RuleEq3 RollbackRule = "eq3"
	// RuleLevel compares the loss itself with the threshold of Eq. (3), as the paper's prose says
	// ("we set the threshold value to 5 times the average loss function value over the previous
	// m = 20 epochs"): roll back when L(n+1) > C * (1/m) * sum_{ep=n-m+1}^{n} L(ep). It is
	// independent of the loss's scale and catches the "jumps" of the paper's Fig. 4.
	RuleLevel RollbackRule = "level"
	// RuleAuthorsCode is the test of the authors' Flux code (DiffSolve.jl, e_len = 22, e_thrs =
	// 10): roll back when the increase L(n+1) - L(n) exceeds C times the mean absolute change
	// over the previous m epochs, (1/m) * sum_{k=n-m+1}^{n} |L(k) - L(k-1)| (the code uses C = 10,
	// m = 20, and goes back to its last backup, taken every 5 epochs).
	RuleAuthorsCode RollbackRule = "authors-code"
)

// RollbackRules lists the roll-back rules.
var RollbackRules = []RollbackRule{RuleEq3, RuleLevel, RuleAuthorsCode}

// ParseRollbackRule returns the rule named s.
func ParseRollbackRule(s string) (RollbackRule, error) {
	for _, r := range RollbackRules {
		if strings.EqualFold(strings.TrimSpace(s), string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown roll-back rule %q (want one of %q)", s, RollbackRules)
}

// Rollback configures the roll-back of the 2021 paper: "if the ratio of loss value from epoch n
// to n+1 is larger than L_thrs, then the training algorithm reverts (rolls back) to the NN state
// corresponding to epoch n-s and tries again", with L_thrs of Eq. (3), C = 5, m = 20, s = 5.
//
// After epoch n+1 (n >= m epochs kept before it; m+1 for RuleAuthorsCode) Run applies Rule to the
// training losses of the kept epochs. When it triggers, the epochs n-s+1 .. n+1 are discarded and
// training continues from the state saved after epoch n-s (max(n-s, 0)): weights, Adam's moments
// and step count, and the random number generator. The states are files (CheckpointPolicy.Keep
// of them, at least s+1); when a roll-back follows another within a few epochs, the state of
// epoch n-s may have been deleted with the discarded branch or by the Keep limit, and training
// goes back to the oldest state still kept after it (the event says so). A non-finite training or test loss triggers a
// roll-back as well, whatever the window. The losses of the discarded epochs leave the history's
// per-epoch lists (they are kept in its roll-back events) and the window of later tests.
//
// Retrying must not repeat itself, nor loop for ever:
//
//   - every roll-back increments a counter that enters the order of the training examples and the
//     random numbers (dropout, target noise) of all later epochs, so the retried epochs differ
//     from the discarded ones;
//   - each epoch index may trigger at most MaxRetries roll-backs; after that its loss is accepted
//     (and the event logged), or, if it is not finite, training stops with an error. Hence a run
//     makes at most Epochs*MaxRetries roll-backs and trains at most Epochs*(1 + MaxRetries*(S+1))
//     epochs.
type Rollback struct {
	// Enabled turns roll-back on (the 2021 protocol) or off (the 2023 protocol).
	Enabled bool `json:"enabled"`
	// Rule is the test (default RuleLevel: the threshold of Eq. (3) compared with the loss, as
	// the paper's prose and the issue describe it; RuleEq3 is the equation as printed).
	Rule RollbackRule `json:"rule,omitempty"`
	// C is the threshold factor (5 in the paper).
	C float64 `json:"c,omitempty"`
	// M is the number of epochs averaged (20 in the paper).
	M int `json:"m,omitempty"`
	// S is how many epochs to go back before the last good one: a trigger after epoch n+1 goes
	// back to the state of epoch n-s (5 in the paper).
	S int `json:"s,omitempty"`
	// MaxRetries is the number of roll-backs one epoch index may trigger before its loss is
	// accepted (default 3).
	MaxRetries int `json:"max_retries,omitempty"`
}

// DefaultRollback returns the paper's roll-back (C = 5, m = 20, s = 5) with the rule RuleLevel
// and at most 3 retries per epoch, disabled. RuleLevel rather than the printed Eq. (3): the
// printed inequality compares a ratio of losses with a loss, so below a mean loss of 1/C it
// triggers on almost every epoch that is not a large improvement (typical exponential-MAE losses
// are ~0.01), while the prose ("5 times the average loss function value over the previous m =
// 20 epochs") and the jumps of Fig. 4 describe a test of the loss level.
func DefaultRollback() Rollback {
	return Rollback{Rule: RuleLevel, C: 5, M: 20, S: 5, MaxRetries: 3}
}

// Validate checks the parameters of an enabled roll-back, naming the offending field.
func (r Rollback) Validate() error {
	if !r.Enabled {
		return nil
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("training: config field rollback.%s: %s", field, fmt.Sprintf(format, args...))
	}
	if _, err := ParseRollbackRule(string(r.Rule)); err != nil {
		return bad("rule", "%v", err)
	}
	switch {
	case !finitePositive(r.C):
		return bad("c", "must be positive and finite, got %g", r.C)
	case r.M < 1:
		return bad("m", "must be at least 1, got %d", r.M)
	case r.S < 0:
		return bad("s", "must be at least 0, got %d", r.S)
	case r.MaxRetries < 0:
		return bad("max_retries", "must be at least 0, got %d", r.MaxRetries)
	}
	return nil
}

// Decision is the outcome of a roll-back test.
type Decision struct {
	// Trigger says whether to roll back.
	Trigger bool
	// Value is the tested quantity: the ratio L(n+1)/L(n) (RuleEq3), the loss L(n+1)
	// (RuleLevel) or the increase L(n+1)-L(n) (RuleAuthorsCode). NaN when the window is short.
	Value float64
	// Threshold is what Value was compared with (NaN when the window is short).
	Threshold float64
	// Reason says why in words, e.g. "L(31)/L(30) = 12.3 > 5 * mean(L(11..30)) = 0.0641".
	Reason string
}

// Check applies the rule to the training losses of the kept epochs, losses[k-1] = L(k) for
// k = 1 .. n, and the loss next = L(n+1) of the epoch just trained. It never triggers while the
// window is incomplete (n < M, or n < M+1 for RuleAuthorsCode), except for a non-finite next,
// which always triggers. A comparison with NaN (a 0/0 ratio) does not trigger.
func (r Rollback) Check(losses []float64, next float64) Decision {
	n := len(losses)
	if math.IsNaN(next) || math.IsInf(next, 0) {
		return Decision{Trigger: true, Value: next, Threshold: math.NaN(),
			Reason: fmt.Sprintf("L(%d) = %g is not finite", n+1, next)}
	}
	short := Decision{Value: math.NaN(), Threshold: math.NaN()}
	switch r.Rule {
	case RuleEq3, RuleLevel, "": // "" is the default, RuleLevel
		if r.M < 1 || n < r.M {
			short.Reason = fmt.Sprintf("window incomplete: %d of %d epochs", n, r.M)
			return short
		}
		var sum float64
		for _, l := range losses[n-r.M:] {
			sum += l
		}
		mean := sum / float64(r.M)
		d := Decision{Threshold: r.C * mean}
		window := fmt.Sprintf("%g * mean(L(%d..%d)) = %.6g", r.C, n-r.M+1, n, d.Threshold)
		if r.Rule == RuleLevel || r.Rule == "" {
			d.Value = next
			d.Trigger = d.Value > d.Threshold
			d.Reason = fmt.Sprintf("L(%d) = %.6g %s %s", n+1, next, cmpWord(d.Trigger), window)
			return d
		}
		d.Value = next / losses[n-1]
		d.Trigger = d.Value > d.Threshold
		d.Reason = fmt.Sprintf("L(%d)/L(%d) = %.6g %s %s", n+1, n, d.Value, cmpWord(d.Trigger), window)
		return d
	case RuleAuthorsCode:
		if r.M < 1 || n < r.M+1 {
			short.Reason = fmt.Sprintf("window incomplete: %d of %d epochs", n, r.M+1)
			return short
		}
		var sum float64
		for k := n - r.M; k < n; k++ { // |L(k+1) - L(k)| in 1-based terms, k+1 = n-m+1 .. n
			sum += math.Abs(losses[k] - losses[k-1])
		}
		mean := sum / float64(r.M)
		d := Decision{Value: next - losses[n-1], Threshold: r.C * mean}
		d.Trigger = d.Value > d.Threshold
		d.Reason = fmt.Sprintf("L(%d) - L(%d) = %.6g %s %g * mean|dL| over epochs %d..%d = %.6g",
			n+1, n, d.Value, cmpWord(d.Trigger), r.C, n-r.M+1, n, d.Threshold)
		return d
	}
	short.Reason = fmt.Sprintf("unknown rule %q", r.Rule)
	return short
}

func cmpWord(trigger bool) string {
	if trigger {
		return ">"
	}
	return "<="
}

// Target returns the epoch whose state a roll-back after epoch next = n+1 returns to: n-s, or 0
// (the initial state) when n-s < 0.
func (r Rollback) Target(next int) int {
	return max(next-1-r.S, 0)
}
