// Package codename parses the model codenames of the 2023 ED-CNN diffusion-surrogate paper
// (Tables 2-8) into training configurations, and writes them back.
//
// A codename is a divisor of the training set, a loss kind and optional suffixes:
//
//	codename := divisor kind { "_" suffix }
//	divisor  := 80 | 40 | 20 | 8 | 4 | 2 | 1       (1/80 = 1.25% ... 1/1 = 100% of the training set)
//	kind     := ("E" | "S") metric [ "-2" ]         exponential or step prefactor; "-2": target noise
//	          | "R"                                 per-epoch random exp/step prefactor (4R)
//	          | "T-" k                              exp/step toggled every k epochs (4T-1, 4T-5)
//	metric   := "1" (MAE) | "2" (MSE) | "H" (Huber) | "IH" (inverse Huber, Eq. 4)
//	suffix   := "a" number | "b" number             step prefactor 1 + a*tanh(b*y)
//	          | "w" number                          exponential prefactor exp(-(1-y)/w)
//	          | ("δ" | "d" | "delta") number        Huber / inverse Huber delta
//	          | "sqrt"                              train on square roots ("App Trans")
//
// Values a name leaves out come from the paper's tables: w = 1; a = 4000, b = 10 except for
// 80S2 (a = 6000, b = 10) and 80SH (a = 6000, b = 1); 100 epochs except 4E2 (89), 4R (84),
// 2E1 (64), 2S1 (81), 1E1 (56) and 1S1 (40); learning rate 1e-4 except 80S1_a6000_b1
// (2e-5, Table 2 caption). Models R and T have the metrics their Table 6 rows give (MAE for
// 4R, MSE for 4T-1 and 4T-5). Names the tables do not list but the grammar allows (8E1_w2,
// 20S1-2, 1T-3, ...) get the same defaults. The "w" suffix is an extension: the paper always
// uses w = 1. The "-2" of 4E2-2 means Gaussian noise of standard deviation 0.01 on the targets
// (Table 6 caption); it is accepted after any E or S kind. Table 6 has no row for 4E2-2: it
// gets the 4E2 row's values except the epochs, the default 100 (the 89 are the 4E2 row's).
// The caption says 4T-1 starts with exp and 4T-5 toggles every 5 epochs; both start with exp
// here. Schedules count epochs from 0 (see loss.Config.PrefactorAt). Replica tags such as the
// "20EIH-#" of Figs. 8-9 are not part of the grammar ("-2" already means noise): replicas
// differ by their training seed, not by their codename.
//
// DefaultDelta is used where a Huber or inverse-Huber name gives no delta (80EIH, 80SH,
// 80SH_sqrt, 4SH): the tables print "-" there. The authors trained in PyTorch, whose
// torch.nn.HuberLoss defaults to delta = 1, so this package takes 1. Beware that with fields
// in [0, 1] every error has |e| <= 1, so Huber with delta = 1 is e^2/2 everywhere (MSE/2) and
// inverse Huber is |e| - 1/2 everywhere (MAE shifted).
package codename

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/surrogo/surrogo/pkg/loss"
)

// Paper defaults (Tables 2-8 and the authors' training script).
const (
	// DefaultW is the exponential-prefactor width of every E model.
	DefaultW = 1.0
	// DefaultA is the step-prefactor a of the S models (Tables 3-8).
	DefaultA = 4000.0
	// DefaultB is the step-prefactor b of the S models (Tables 3-8).
	DefaultB = 10.0
	// DefaultDelta is the Huber delta used when a name gives none (see the package comment).
	DefaultDelta = 1.0
	// DefaultEpochs is the paper's "up to 100 epochs unless stated otherwise".
	DefaultEpochs = 100
	// DefaultLearningRate is the Adam learning rate of the authors' training script
	// (lr = 0.0001 in DeepDiffusionSolver's main.py); the paper states only the exception.
	DefaultLearningRate = 1e-4
	// NoiseStd is the standard deviation of the Gaussian noise on the targets of "-2" models.
	NoiseStd = 0.01
)

// Divisors are the training-set divisors of the paper, largest first: 1/80 = 1.25% to 1/1 = 100%.
var Divisors = []int{80, 40, 20, 8, 4, 2, 1}

// Kind is the loss kind of a codename.
type Kind string

const (
	KindExp    Kind = "E" // exponential prefactor
	KindStep   Kind = "S" // step prefactor
	KindRandom Kind = "R" // random exp/step prefactor per epoch
	KindToggle Kind = "T" // exp/step toggled every Period epochs
)

// Name is the parsed form of a codename: what the name says, before the defaults are applied.
// Optional suffix values are nil when the name leaves them out.
type Name struct {
	Divisor int         `json:"divisor"`          // training-set divisor: 80, 40, 20, 8, 4, 2 or 1
	Kind    Kind        `json:"kind"`             // E, S, R or T
	Metric  loss.Metric `json:"metric,omitempty"` // E and S only
	Period  int         `json:"period,omitempty"` // T only
	Noise   bool        `json:"noise,omitempty"`  // the "-2" suffix
	A       *float64    `json:"a,omitempty"`      // the "_a" suffix
	B       *float64    `json:"b,omitempty"`      // the "_b" suffix
	W       *float64    `json:"w,omitempty"`      // the "_w" suffix
	Delta   *float64    `json:"delta,omitempty"`  // the "_δ" suffix
	Sqrt    bool        `json:"sqrt,omitempty"`   // the "_sqrt" suffix
}

var metricCodes = []struct {
	code   string
	metric loss.Metric
}{{"IH", loss.InverseHuber}, {"1", loss.MAE}, {"2", loss.MSE}, {"H", loss.Huber}}

func metricCode(m loss.Metric) string {
	for _, mc := range metricCodes {
		if mc.metric == m {
			return mc.code
		}
	}
	return "?" + string(m)
}

// String returns the canonical codename: suffixes in the order a, b, w, δ, sqrt, numbers in
// their shortest form, delta spelled "δ".
func (n Name) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", n.Divisor)
	switch n.Kind {
	case KindExp, KindStep:
		b.WriteString(string(n.Kind))
		b.WriteString(metricCode(n.Metric))
		if n.Noise {
			b.WriteString("-2")
		}
	case KindRandom:
		b.WriteString("R")
	case KindToggle:
		fmt.Fprintf(&b, "T-%d", n.Period)
	default:
		b.WriteString(string(n.Kind))
	}
	for _, s := range []struct {
		key string
		v   *float64
	}{{"a", n.A}, {"b", n.B}, {"w", n.W}, {"δ", n.Delta}} {
		if s.v != nil {
			b.WriteString("_" + s.key + formatNumber(*s.v))
		}
	}
	if n.Sqrt {
		b.WriteString("_sqrt")
	}
	return b.String()
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ParseName parses a codename without applying defaults.
func ParseName(s string) (Name, error) {
	fail := func(format string, args ...any) (Name, error) {
		return Name{}, fmt.Errorf("codename %q: %s", s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return fail("empty name")
	}
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return fail("contains white space at byte %d (write e.g. 20EIH_δ0.5)", i)
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits == 0 {
		return fail("must start with the training-set divisor, one of %v", Divisors)
	}
	var n Name
	div, err := strconv.Atoi(s[:digits])
	if err != nil || !isDivisor(div) || s[0] == '0' {
		return fail("divisor %q is not one of %v", s[:digits], Divisors)
	}
	n.Divisor = div
	parts := strings.Split(s[digits:], "_")
	head := parts[0]
	switch {
	case head == "":
		return fail("missing the loss kind after divisor %d (want E<metric>, S<metric>, R or T-<k>)", div)
	case head[0] == 'E' || head[0] == 'S':
		n.Kind = Kind(head[:1])
		rest := head[1:]
		if strings.HasSuffix(rest, "-2") {
			n.Noise = true
			rest = strings.TrimSuffix(rest, "-2")
		}
		found := false
		for _, mc := range metricCodes {
			if rest == mc.code {
				n.Metric, found = mc.metric, true
				break
			}
		}
		if !found {
			return fail("unknown metric %q after %q (want 1 = MAE, 2 = MSE, H = Huber, IH = inverse Huber, optionally followed by -2 for target noise)", rest, head[:1])
		}
	case head == "R":
		n.Kind = KindRandom
	case strings.HasPrefix(head, "T-"):
		k, err := strconv.Atoi(head[2:])
		if err != nil || k < 1 || head[2] == '+' {
			return fail("toggle period %q is not a positive integer (write e.g. 4T-5)", head[2:])
		}
		n.Kind, n.Period = KindToggle, k
	default:
		return fail("unknown loss kind %q after divisor %d (want E<metric>, S<metric>, R or T-<k>)", head, div)
	}
	for _, suf := range parts[1:] {
		if err := n.parseSuffix(suf); err != nil {
			return fail("%v", err)
		}
	}
	return n, nil
}

func isDivisor(d int) bool {
	for _, v := range Divisors {
		if v == d {
			return true
		}
	}
	return false
}

// parseSuffix parses one "_"-separated suffix into n.
func (n *Name) parseSuffix(suf string) error {
	if suf == "" {
		return fmt.Errorf("empty suffix (two underscores, or a trailing underscore)")
	}
	if suf == "sqrt" {
		if n.Sqrt {
			return fmt.Errorf("suffix _sqrt given twice")
		}
		n.Sqrt = true
		return nil
	}
	var key, num string
	var dst **float64
	switch {
	case strings.HasPrefix(suf, "delta"):
		key, num, dst = "delta", suf[len("delta"):], &n.Delta
	case strings.HasPrefix(suf, "δ"):
		key, num, dst = "delta", suf[len("δ"):], &n.Delta
	case suf[0] == 'd':
		key, num, dst = "delta", suf[1:], &n.Delta
	case suf[0] == 'a':
		key, num, dst = "a", suf[1:], &n.A
	case suf[0] == 'b':
		key, num, dst = "b", suf[1:], &n.B
	case suf[0] == 'w':
		key, num, dst = "w", suf[1:], &n.W
	default:
		return fmt.Errorf("unknown suffix %q (want _a<number>, _b<number>, _w<number>, _δ<number> or _sqrt)", suf)
	}
	if *dst != nil {
		return fmt.Errorf("suffix %s given twice", key)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(num, "xXpP_") {
		return fmt.Errorf("suffix %q: %q is not a finite decimal number", suf, num)
	}
	switch key {
	case "a", "b":
		if n.Kind == KindExp {
			return fmt.Errorf("suffix %q: %s belongs to the step prefactor, but kind E uses the exponential one", suf, key)
		}
		if v < 0 {
			return fmt.Errorf("suffix %q: %s must be >= 0", suf, key)
		}
	case "w":
		if n.Kind == KindStep {
			return fmt.Errorf("suffix %q: w belongs to the exponential prefactor, but kind S uses the step one", suf)
		}
		if v <= 0 {
			return fmt.Errorf("suffix %q: w must be > 0", suf)
		}
	case "delta":
		if !n.Metric.HasDelta() {
			return fmt.Errorf("suffix %q: delta needs the Huber (H) or inverse Huber (IH) metric", suf)
		}
		if v <= 0 {
			return fmt.Errorf("suffix %q: delta must be > 0", suf)
		}
	}
	*dst = &v
	return nil
}
