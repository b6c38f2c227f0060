package fig2023

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/scale"
)

// The claims the 2023 paper makes about its results (section 3 and the discussion), each with
// the figure it belongs to and a verdict computed from the sweep results: held, not held, or
// not testable (the runs it needs are not done, or the scale is too small to say), always with
// the number behind it. The paper prints no numbers for these figures, only curves and
// sentences: each test states the reading of the sentence it checks.

// Verdict statuses.
const (
	Held        = "held"
	NotHeld     = "not held"
	NotTestable = "not testable"
)

// Verdict is the outcome of a claim on the evidence.
type Verdict struct {
	ID     string `json:"id"`
	Figure string `json:"figure"`
	Claim  string `json:"claim"`
	Test   string `json:"test"`
	Status string `json:"status"`
	// Value is the number behind the verdict (or why it cannot be computed).
	Value string `json:"value"`
}

// Claim is one statement of the paper with its test.
type Claim struct {
	ID     string
	Figure string // catalogue id, e.g. "2023-fig05"
	Quote  string // the paper's words
	Test   string // how we read it
	// Eval returns held (true/false) and the number, or ok=false with why it cannot be computed.
	Eval func(ev *Evidence) (held bool, value string, ok bool)
}

// untestable is the result of a claim whose runs are missing.
func untestable(format string, args ...any) (bool, string, bool) {
	return false, fmt.Sprintf(format, args...), false
}

// Judge computes a claim's verdict. At the smoke scale (2 epochs on a few configurations) the
// numbers are computed but the verdict is "not testable at this scale" with what it would be.
func (c Claim) Judge(ev *Evidence) Verdict {
	v := Verdict{ID: c.ID, Figure: c.Figure, Claim: c.Quote, Test: c.Test}
	held, value, ok := c.Eval(ev)
	v.Value = value
	switch {
	case !ok:
		v.Status = NotTestable
	case ev.Setup.Scale == scale.Smoke:
		v.Status = NotTestable
		w := NotHeld
		if held {
			w = Held
		}
		v.Value = fmt.Sprintf("smoke scale (2 epochs, tiny data); would be %s: %s", w, value)
	case held:
		v.Status = Held
	default:
		v.Status = NotHeld
	}
	return v
}

// Verdicts judges every claim (or those of the given figures).
func Verdicts(ev *Evidence, figs ...string) []Verdict {
	var out []Verdict
	for _, c := range Claims {
		if len(figs) == 0 || slices.Contains(figs, c.Figure) {
			out = append(out, c.Judge(ev))
		}
	}
	return out
}

// VerdictsMarkdown is the table of verdicts.
func VerdictsMarkdown(vs []Verdict) string {
	var b strings.Builder
	b.WriteString("| # | Figure | The paper says | Test | Verdict | Number |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, v := range vs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | **%s** | %s |\n", v.ID, strings.TrimPrefix(v.Figure, "2023-"), md(v.Claim), md(v.Test), v.Status, md(v.Value))
	}
	return b.String()
}

func md(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// --- helpers over the evidence ---

// ladderAt returns the finished ladder runs trained on 1/divisor of the training set.
func ladderAt(ev *Evidence, divisor int) []*RunMetrics {
	var out []*RunMetrics
	if ev.Ladder == nil {
		return nil
	}
	for _, id := range ev.Ladder.Order {
		if r := ev.Ladder.Runs[id]; r != nil && r.Divisor == divisor {
			out = append(out, r)
		}
	}
	return out
}

func sortedByMean(runs []*RunMetrics, region string) []*RunMetrics {
	out := slices.Clone(runs)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Mean(region) < out[j].Mean(region) })
	return out
}

// meanCurve averages the runs' curves of a region per number of sources.
func meanCurve(runs []*RunMetrics, region string) (counts []int, mean []float64) {
	var n []int
	for _, r := range runs {
		c, m := r.Curve(region)
		if counts == nil {
			counts, mean, n = c, make([]float64, len(c)), make([]int, len(c))
		}
		for i := range m {
			if i < len(mean) && !math.IsNaN(m[i]) {
				mean[i] += m[i]
				n[i]++
			}
		}
	}
	for i := range mean {
		if n[i] == 0 {
			mean[i] = math.NaN()
		} else {
			mean[i] /= float64(n[i])
		}
	}
	return counts, mean
}

// spearman is the rank correlation of x and y (NaN pairs dropped).
func spearman(x, y []float64) float64 {
	var xs, ys []float64
	for i := range x {
		if !math.IsNaN(x[i]) && !math.IsNaN(y[i]) {
			xs, ys = append(xs, x[i]), append(ys, y[i])
		}
	}
	if len(xs) < 3 {
		return math.NaN()
	}
	rx, ry := ranks(xs), ranks(ys)
	return pearson(rx, ry)
}

func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func floats(counts []int) []float64 {
	out := make([]float64, len(counts))
	for i, k := range counts {
		out[i] = float64(k)
	}
	return out
}

func argmin(x []float64) int {
	best := -1
	for i, v := range x {
		if !math.IsNaN(v) && (best < 0 || v < x[best]) {
			best = i
		}
	}
	return best
}

// groupStats returns the mean and the standard deviation (n-1) of the runs' mean MAE in a region.
func groupStats(runs []*RunMetrics, region string) (mean, std float64) {
	var xs []float64
	for _, r := range runs {
		if v := r.Mean(region); !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}

// fluctSets returns the finished runs of the fluctuation sweep whose id starts with prefix,
// grouped by set label.
func fluctSets(ev *Evidence, prefix string) (labels []string, sets map[string][]*RunMetrics) {
	sets = map[string][]*RunMetrics{}
	if ev.Fluctuations == nil {
		return nil, sets
	}
	for _, id := range ev.Fluctuations.Order {
		if !strings.HasPrefix(id, prefix) {
			continue
		}
		label := id[len(prefix):strings.LastIndex(id, "-s")]
		if !slices.Contains(labels, label) {
			labels = append(labels, label)
		}
		if r := ev.Fluctuations.Runs[id]; r != nil {
			sets[label] = append(sets[label], r)
		}
	}
	return labels, sets
}

// pooledStd is the root mean square of the sets' standard deviations (sets of >= 2 runs).
func pooledStd(sets map[string][]*RunMetrics, region string) (float64, int) {
	var s float64
	n := 0
	for _, runs := range sets {
		if _, sd := groupStats(runs, region); !math.IsNaN(sd) {
			s += sd * sd
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return math.Sqrt(s / float64(n)), n
}

// noImprovementBetweenSets: the largest difference between set means is within two pooled
// standard deviations.
func noImprovementBetweenSets(sets map[string][]*RunMetrics, labels []string) (bool, string, bool) {
	var means []float64
	if len(labels) < 2 {
		return untestable("%d sets declared or finished", len(labels))
	}
	for _, l := range labels {
		if len(sets[l]) < 2 {
			return untestable("set %s has %d finished models (need 2)", l, len(sets[l]))
		}
		m, _ := groupStats(sets[l], "whole")
		means = append(means, m)
	}
	sd, _ := pooledStd(sets, "whole")
	spread := slices.Max(means) - slices.Min(means)
	return spread <= 2*sd, fmt.Sprintf("largest difference of set means %.3g = %.2f pooled std (%.3g)", spread, spread/sd, sd), true
}

func ids(runs []*RunMetrics) string {
	var s []string
	for _, r := range runs {
		s = append(s, r.ID)
	}
	return strings.Join(s, ", ")
}

// fixedMatrix returns the fixed-count MAE matrix of a region: mat[m][p] for test counts M
// (rows) and trained counts P (columns, those finished).
func fixedMatrix(ev *Evidence, region string) (ps []int, ms []int, mat [][]float64) {
	if ev.FixedCount == nil {
		return nil, nil, nil
	}
	var runs []*RunMetrics
	for _, id := range ev.FixedCount.Order {
		if r := ev.FixedCount.Runs[id]; r != nil {
			var p int
			fmt.Sscanf(id, "P%d", &p)
			ps = append(ps, p)
			runs = append(runs, r)
		}
	}
	for m := 1; m <= 20; m++ {
		row := make([]float64, len(runs))
		for j, r := range runs {
			row[j] = r.EvalMean(fmt.Sprintf("k%02d", m), region)
		}
		ms = append(ms, m)
		mat = append(mat, row)
	}
	return ps, ms, mat
}

// fixedAverage is Fig. 17: the mean over the test counts M of each column.
func fixedAverage(mat [][]float64, cols int) []float64 {
	out := make([]float64, cols)
	for j := range out {
		n := 0
		for _, row := range mat {
			if !math.IsNaN(row[j]) {
				out[j] += row[j]
				n++
			}
		}
		if n == 0 {
			out[j] = math.NaN()
		} else {
			out[j] /= float64(n)
		}
	}
	return out
}

// fig14Points returns, per training-set size (divisor, largest first), the best finished
// ladder model in the whole lattice, and the E1 model.
func fig14Points(ev *Evidence) (divisors []int, best, e1 []*RunMetrics) {
	for _, d := range []int{80, 40, 20, 8, 4, 2, 1} {
		runs := ladderAt(ev, d)
		if len(runs) == 0 {
			continue
		}
		divisors = append(divisors, d)
		best = append(best, sortedByMean(runs, "whole")[0])
		var e *RunMetrics
		for _, r := range runs {
			if r.Codename == fmt.Sprintf("%dE1", d) {
				e = r
			}
		}
		e1 = append(e1, e)
	}
	return divisors, best, e1
}

// LogFit is MAE = A + B ln(size in %), fitted by least squares.
type LogFit struct {
	A  float64 `json:"a"`
	B  float64 `json:"b"`
	R2 float64 `json:"r2"`
	N  int     `json:"n"`
}

// fitLog fits y = a + b ln(x).
func fitLog(x, y []float64) LogFit {
	var lx, ly []float64
	for i := range x {
		if !math.IsNaN(y[i]) && x[i] > 0 {
			lx, ly = append(lx, math.Log(x[i])), append(ly, y[i])
		}
	}
	f := LogFit{N: len(lx), A: math.NaN(), B: math.NaN(), R2: math.NaN()}
	if len(lx) < 2 {
		return f
	}
	n := float64(len(lx))
	var mx, my float64
	for i := range lx {
		mx += lx[i]
		my += ly[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range lx {
		sxy += (lx[i] - mx) * (ly[i] - my)
		sxx += (lx[i] - mx) * (lx[i] - mx)
		syy += (ly[i] - my) * (ly[i] - my)
	}
	f.B = sxy / sxx
	f.A = my - f.B*mx
	if syy > 0 {
		f.R2 = sxy * sxy / (sxx * syy)
	}
	return f
}

func pct(divisor int) float64 { return 100 / float64(divisor) }

// --- the claims ---

// Claims lists the paper's claims about Figs. 5-14, 16 and 17, in the order of the text.
var Claims = []Claim{
	{ID: "C1", Figure: "2023-fig05", Quote: "The largest absolute error occurs at the sources and decreases as one moves away from the sources.",
		Test: "1.25% models: mean MAE sources > R1 > R2 > R3 for at least 80% of them",
		Eval: func(ev *Evidence) (bool, string, bool) {
			runs := ladderAt(ev, 80)
			if len(runs) == 0 {
				return untestable("no 1.25%% model finished")
			}
			ok := 0
			for _, r := range runs {
				if r.Mean("sources") > r.Mean("R1") && r.Mean("R1") > r.Mean("R2") && r.Mean("R2") > r.Mean("R3") {
					ok++
				}
			}
			f := float64(ok) / float64(len(runs))
			return f >= 0.8, fmt.Sprintf("%d of %d models ordered", ok, len(runs)), true
		}},
	{ID: "C2", Figure: "2023-fig05", Quote: "The error increases monotonically with the number of sources.",
		Test: "1.25% models, whole-lattice MAE averaged over models: Spearman ρ(k, MAE) ≥ 0.9",
		Eval: func(ev *Evidence) (bool, string, bool) { return trendClaim(ladderAt(ev, 80), "whole", 0.9) }},
	{ID: "C3", Figure: "2023-fig05", Quote: "As the number of sources increases, the error at the sources decreases rapidly and then increases slow and steadily.",
		Test: "1.25% models, sources MAE averaged over models: minimum at 2 ≤ k ≤ 15, above it at both ends",
		Eval: func(ev *Evidence) (bool, string, bool) { return minimumClaim(ladderAt(ev, 80), 2, 15) }},
	{ID: "C4", Figure: "2023-fig05", Quote: "Most models performed quite similar, but overall model 80E1 performed best.",
		Test: "80E1 has the lowest whole-lattice MAE (mean over k) of the 1.25% models",
		Eval: func(ev *Evidence) (bool, string, bool) { return bestIs(ladderAt(ev, 80), "whole", "80E1") }},
	{ID: "C5", Figure: "2023-fig06", Quote: "There is no significant improvement between sets [A, B, C of 1.25%].",
		Test: "largest difference of the sets' mean whole MAE ≤ 2 pooled standard deviations",
		Eval: func(ev *Evidence) (bool, string, bool) {
			labels, sets := fluctSets(ev, "fig6-")
			return noImprovementBetweenSets(sets, labels)
		}},
	{ID: "C6", Figure: "2023-fig06", Quote: "The fluctuations per set are large enough to conclude that the different performances between the different models in Fig. 5 can be attributed to fluctuations.",
		Test: "spread (max − min) of the 1.25% models' whole MAE ≤ 4 pooled standard deviations of Fig. 6 (a ±2σ band)",
		Eval: func(ev *Evidence) (bool, string, bool) {
			runs := ladderAt(ev, 80)
			_, sets := fluctSets(ev, "fig6-")
			sd, n := pooledStd(sets, "whole")
			if len(runs) < 2 || n == 0 {
				return untestable("%d 1.25%% models, %d Fig. 6 sets of ≥ 2 models", len(runs), n)
			}
			s := sortedByMean(runs, "whole")
			spread := s[len(s)-1].Mean("whole") - s[0].Mean("whole")
			return spread <= 4*sd, fmt.Sprintf("spread %.3g = %.2f σ (σ = %.3g)", spread, spread/sd, sd), true
		}},
	{ID: "C7", Figure: "2023-fig07", Quote: "Model 40E1 ... performed best in all the lattice regions and for all number of sources.",
		Test: "40E1 has the lowest MAE of the 2.5% models in every (region, k)",
		Eval: func(ev *Evidence) (bool, string, bool) {
			runs := ladderAt(ev, 40)
			var e *RunMetrics
			for _, r := range runs {
				if r.Codename == "40E1" {
					e = r
				}
			}
			if e == nil || len(runs) < 2 {
				return untestable("40E1 or the other 2.5%% models not finished")
			}
			win, all := 0, 0
			for _, region := range RegionNames {
				_, mine := e.Curve(region)
				for i, v := range mine {
					if math.IsNaN(v) {
						continue
					}
					all++
					best := true
					for _, r := range runs {
						if _, c := r.Curve(region); r != e && i < len(c) && c[i] < v {
							best = false
						}
					}
					if best {
						win++
					}
				}
			}
			return win == all, fmt.Sprintf("best in %d of %d (region, k) cells", win, all), true
		}},
	{ID: "C8", Figure: "2023-fig07", Quote: "The model with the second best performance, model 40S1, was trained using the step-weighted MAE, while ... the two worst models ... were trained using MSE.",
		Test: "ranking of the 2.5% models by whole MAE: 40S1 second, 40E2 and 40S2 last",
		Eval: func(ev *Evidence) (bool, string, bool) {
			runs := ladderAt(ev, 40)
			if len(runs) < 4 {
				return untestable("%d of the 4 models of 2.5%% finished", len(runs))
			}
			s := sortedByMean(runs, "whole")
			var order []string
			for _, r := range s {
				order = append(order, r.Codename)
			}
			worst := []string{order[len(order)-1], order[len(order)-2]}
			ok := order[1] == "40S1" && slices.Contains(worst, "40E2") && slices.Contains(worst, "40S2")
			return ok, "order " + strings.Join(order, " < "), true
		}},
	{ID: "C9", Figure: "2023-fig07", Quote: "The largest difference in performance between the best and the worst model, which happens in the sources, relative to the error is ≈ 0.2.",
		Test: "2.5% models: the largest (worst − best) region mean is in the sources, and (worst − best)/best there is in [0.1, 0.3]",
		Eval: func(ev *Evidence) (bool, string, bool) {
			runs := ladderAt(ev, 40)
			if len(runs) < 2 {
				return untestable("%d models of 2.5%% finished", len(runs))
			}
			bestRegion, bestDiff, rel := "", -1.0, 0.0
			for _, region := range RegionNames[1:] {
				s := sortedByMean(runs, region)
				d := s[len(s)-1].Mean(region) - s[0].Mean(region)
				if d > bestDiff {
					bestRegion, bestDiff, rel = region, d, d/s[0].Mean(region)
				}
			}
			s := sortedByMean(runs, "sources")
			relSrc := (s[len(s)-1].Mean("sources") - s[0].Mean("sources")) / s[0].Mean("sources")
			return bestRegion == "sources" && relSrc >= 0.1 && relSrc <= 0.3,
				fmt.Sprintf("largest difference in %s (%.3g, relative %.2f); relative in the sources %.2f", bestRegion, bestDiff, rel, relSrc), true
		}},
	{ID: "C10", Figure: "2023-fig07", Quote: "In the case of the sources the performance first decreases, reaching a minimum around 5 sources and it then increases with the number of sources.",
		Test: "2.5% models, sources MAE averaged over models: minimum at 3 ≤ k ≤ 7, above it at both ends",
		Eval: func(ev *Evidence) (bool, string, bool) { return minimumClaim(ladderAt(ev, 40), 3, 7) }},
	{ID: "C11", Figure: "2023-fig08", Quote: "Models 20EIH-# performed best, which were trained using the exponential weight inverse Huber loss function.",
		Test: "the 5% model with the lowest whole MAE is a 20EIH model",
		Eval: func(ev *Evidence) (bool, string, bool) {
			runs := ladderAt(ev, 20)
			if len(runs) < 2 {
				return untestable("%d models of 5%% finished", len(runs))
			}
			s := sortedByMean(runs, "whole")
			return strings.HasPrefix(s[0].Codename, "20EIH"), "best " + s[0].Codename, true
		}},
	{ID: "C12", Figure: "2023-fig08", Quote: "Model 20E2 had the worst performance.",
		Test: "20E2 has the highest whole MAE of the 5% models",
		Eval: func(ev *Evidence) (bool, string, bool) {
			runs := ladderAt(ev, 20)
			if len(runs) < 2 || !hasCode(runs, "20E2") {
				return untestable("20E2 or the other 5%% models not finished")
			}
			s := sortedByMean(runs, "whole")
			return s[len(s)-1].Codename == "20E2", "worst " + s[len(s)-1].Codename, true
		}},
	{ID: "C13", Figure: "2023-fig09", Quote: "There is no significant improvement between sets [A, B of 5%].",
		Test: "largest difference of the Fig. 9 sets' mean whole MAE ≤ 2 pooled standard deviations",
		Eval: func(ev *Evidence) (bool, string, bool) {
			labels, sets := fluctSets(ev, "fig9-")
			return noImprovementBetweenSets(sets, labels)
		}},
	{ID: "C14", Figure: "2023-fig09", Quote: "The fluctuations per set have reduced quite substantially compared to the 1.25% case shown in Fig. 6.",
		Test: "pooled standard deviation of the whole MAE: Fig. 9 (5%) ≤ 0.5 × Fig. 6 (1.25%)",
		Eval: func(ev *Evidence) (bool, string, bool) {
			_, s6 := fluctSets(ev, "fig6-")
			_, s9 := fluctSets(ev, "fig9-")
			a, n6 := pooledStd(s6, "whole")
			b, n9 := pooledStd(s9, "whole")
			if n6 == 0 || n9 == 0 {
				return untestable("sets of ≥ 2 models: %d in Fig. 6, %d in Fig. 9", n6, n9)
			}
			return b <= 0.5*a, fmt.Sprintf("σ(5%%) / σ(1.25%%) = %.3g / %.3g = %.2f", b, a, b/a), true
		}},
	{ID: "C15", Figure: "2023-fig09", Quote: "Model 20E2 can be taken as an outlier.",
		Test: "20E2's whole MAE lies more than 2 pooled Fig. 9 standard deviations above the mean of the other 5% models",
		Eval: func(ev *Evidence) (bool, string, bool) {
			runs := ladderAt(ev, 20)
			_, s9 := fluctSets(ev, "fig9-")
			sd, n := pooledStd(s9, "whole")
			if !hasCode(runs, "20E2") || len(runs) < 2 || n == 0 {
				return untestable("20E2, the other 5%% models or the Fig. 9 sets not finished")
			}
			var others []*RunMetrics
			var e2 *RunMetrics
			for _, r := range runs {
				if r.Codename == "20E2" {
					e2 = r
				} else {
					others = append(others, r)
				}
			}
			m, _ := groupStats(others, "whole")
			z := (e2.Mean("whole") - m) / sd
			side := "above"
			if z < 0 {
				side = "below"
			}
			return z > 2, fmt.Sprintf("20E2 is %.2f σ %s the others' mean (σ = %.3g)", math.Abs(z), side, sd), true
		}},
	{ID: "C16", Figure: "2023-fig10", Quote: "A repeating feature is that the error increases with the number of sources in all cases.",
		Test: "every finished ladder model: Spearman ρ(k, whole MAE) > 0",
		Eval: func(ev *Evidence) (bool, string, bool) {
			n, ok := 0, 0
			if ev.Ladder == nil {
				return untestable("no ladder results")
			}
			for _, r := range ev.Ladder.Runs {
				c, m := r.Curve("whole")
				if rho := spearman(floats(c), m); !math.IsNaN(rho) {
					n++
					if rho > 0 {
						ok++
					}
				}
			}
			if n == 0 {
				return untestable("no finished ladder model")
			}
			return ok == n, fmt.Sprintf("%d of %d models", ok, n), true
		}},
	{ID: "C17", Figure: "2023-fig10", Quote: "Models trained using the exp prefactor typically outperform the rest.",
		Test: "at 12.5%, 25%, 50% and 100%: the best model (whole MAE) has the exp prefactor in at least 3 of the 4 sizes",
		Eval: func(ev *Evidence) (bool, string, bool) {
			n, ok := 0, 0
			var best []string
			for _, d := range []int{8, 4, 2, 1} {
				runs := ladderAt(ev, d)
				if len(runs) < 2 {
					continue
				}
				n++
				b := sortedByMean(runs, "whole")[0].Codename
				best = append(best, b)
				if strings.HasPrefix(strings.TrimLeft(b, "0123456789"), "E") {
					ok++
				}
			}
			if n < 4 {
				return untestable("%d of the 4 sizes have ≥ 2 finished models", n)
			}
			return ok >= 3, fmt.Sprintf("exp best in %d of %d (%s)", ok, n, strings.Join(best, ", ")), true
		}},
	{ID: "C18", Figure: "2023-fig11", Quote: "Notice that models 4R and 4T-5 outperform the rest, including 4E1.",
		Test: "4R and 4T-5 are the two 25% models with the lowest whole MAE",
		Eval: func(ev *Evidence) (bool, string, bool) {
			runs := ladderAt(ev, 4)
			if len(runs) < 3 || !hasCode(runs, "4R") || !hasCode(runs, "4T-5") {
				return untestable("4R, 4T-5 or the other 25%% models not finished")
			}
			s := sortedByMean(runs, "whole")
			top := []string{s[0].Codename, s[1].Codename}
			return slices.Contains(top, "4R") && slices.Contains(top, "4T-5"), "two best: " + strings.Join(top, ", "), true
		}},
	{ID: "C19", Figure: "2023-fig12", Quote: "The exponential weighing prefactor show better performance in all regions of the lattice, as shown in Figs. 12 and 13.",
		Test: "2E1 < 2S1 and 1E1 < 1S1 in the mean MAE of all six regions",
		Eval: func(ev *Evidence) (bool, string, bool) {
			n, ok := 0, 0
			for _, d := range []int{2, 1} {
				e, s := codeRun(ladderAt(ev, d), fmt.Sprintf("%dE1", d)), codeRun(ladderAt(ev, d), fmt.Sprintf("%dS1", d))
				if e == nil || s == nil {
					return untestable("%dE1 or %dS1 not finished", d, d)
				}
				for _, region := range RegionNames {
					n++
					if e.Mean(region) < s.Mean(region) {
						ok++
					}
				}
			}
			return ok == n, fmt.Sprintf("E1 better in %d of %d (size, region) pairs", ok, n), true
		}},
	{ID: "C20", Figure: "2023-fig14", Quote: "As expected the error decreases with the training set size.",
		Test: "best model per size: Spearman ρ(size, whole MAE) ≤ −0.9 over ≥ 4 sizes",
		Eval: func(ev *Evidence) (bool, string, bool) {
			d, best, _ := fig14Points(ev)
			if len(d) < 4 {
				return untestable("%d sizes with finished models", len(d))
			}
			var x, y []float64
			for i := range d {
				x, y = append(x, pct(d[i])), append(y, best[i].Mean("whole"))
			}
			rho := spearman(x, y)
			return rho <= -0.9, fmt.Sprintf("ρ = %.2f over %d sizes", rho, len(d)), true
		}},
	{ID: "C21", Figure: "2023-fig14", Quote: "Notice the performance has a logarithmic dependence on the training set size.",
		Test: "fit MAE = a + b ln(size %) to the best model per size (whole lattice): b < 0 and R² ≥ 0.9",
		Eval: func(ev *Evidence) (bool, string, bool) {
			f := Fig14Fit(ev, "whole")
			if f.N < 4 {
				return untestable("%d sizes with finished models", f.N)
			}
			sign := "+"
			if f.B < 0 {
				sign = "−"
			}
			return f.B < 0 && f.R2 >= 0.9, fmt.Sprintf("MAE = %.3g %s %.3g ln(size %%), R² = %.2f over %d sizes", f.A, sign, math.Abs(f.B), f.R2, f.N), true
		}},
	{ID: "C22", Figure: "2023-fig14", Quote: "As the training size increases the performance increases but the rate decreases.",
		Test: "best model per size: the gain from 1.25% to 5% exceeds the gain from 25% to 100% (both 4×)",
		Eval: func(ev *Evidence) (bool, string, bool) {
			d, best, _ := fig14Points(ev)
			at := map[int]float64{}
			for i := range d {
				at[d[i]] = best[i].Mean("whole")
			}
			for _, k := range []int{80, 20, 4, 1} {
				if _, ok := at[k]; !ok {
					return untestable("no finished model at %g%%", pct(k))
				}
			}
			g1, g2 := at[80]-at[20], at[4]-at[1]
			return g1 > g2 && g2 >= 0, fmt.Sprintf("gain 1.25→5%%: %.3g, 25→100%%: %.3g", g1, g2), true
		}},
	{ID: "C23", Figure: "2023-fig14", Quote: "Models trained with exponential prefactor and MAE consistently show better performance.",
		Test: "the best model per size (whole MAE) is the E1 model in at least 70% of the sizes with ≥ 2 models",
		Eval: func(ev *Evidence) (bool, string, bool) {
			n, ok := 0, 0
			var best []string
			for _, d := range []int{80, 40, 20, 8, 4, 2, 1} {
				runs := ladderAt(ev, d)
				if len(runs) < 2 {
					continue
				}
				n++
				b := sortedByMean(runs, "whole")[0].Codename
				best = append(best, b)
				if b == fmt.Sprintf("%dE1", d) {
					ok++
				}
			}
			if n < 4 {
				return untestable("%d sizes with ≥ 2 finished models", n)
			}
			return float64(ok) >= 0.7*float64(n), fmt.Sprintf("E1 best in %d of %d sizes (%s)", ok, n, strings.Join(best, ", ")), true
		}},
	{ID: "C24", Figure: "2023-fig14", Quote: "We found that the factor that contributes the most to performance is the data set size.",
		Test: "whole MAE: the spread of the E1 models across sizes exceeds the largest spread across losses within a size",
		Eval: func(ev *Evidence) (bool, string, bool) {
			_, _, e1 := fig14Points(ev)
			var ys []float64
			for _, r := range e1 {
				if r != nil {
					ys = append(ys, r.Mean("whole"))
				}
			}
			within := 0.0
			for _, d := range []int{80, 40, 20, 8, 4, 2, 1} {
				if runs := sortedByMean(ladderAt(ev, d), "whole"); len(runs) >= 2 {
					within = max(within, runs[len(runs)-1].Mean("whole")-runs[0].Mean("whole"))
				}
			}
			if len(ys) < 3 || within == 0 {
				return untestable("%d E1 models finished", len(ys))
			}
			across := slices.Max(ys) - slices.Min(ys)
			return across > within, fmt.Sprintf("across sizes %.3g, largest within a size %.3g", across, within), true
		}},
	{ID: "C25", Figure: "2023-fig16", Quote: "These plots show that there is not a model that outperforms the rest for all test sets.",
		Test: "whole MAE, models P ≥ 2: the best P differs between test counts M (more than one row winner)",
		Eval: func(ev *Evidence) (bool, string, bool) {
			w, ps := rowWinners(ev, "whole")
			if len(ps) < 3 {
				return untestable("%d fixed-count models with P ≥ 2 finished", len(ps))
			}
			distinct := map[int]bool{}
			for _, p := range w {
				distinct[p] = true
			}
			return len(distinct) > 1, fmt.Sprintf("%d distinct row winners over %d test counts", len(distinct), len(w)), true
		}},
	{ID: "C26", Figure: "2023-fig16", Quote: "Rather models trained with ~10-12 [sources] perform better.",
		Test: "whole MAE, models P ≥ 2: the most frequent row winner has 9 ≤ P ≤ 13",
		Eval: func(ev *Evidence) (bool, string, bool) {
			w, ps := rowWinners(ev, "whole")
			if len(ps) < 3 {
				return untestable("%d fixed-count models with P ≥ 2 finished", len(ps))
			}
			count := map[int]int{}
			mode := 0
			for _, p := range w {
				count[p]++
				if count[p] > count[mode] || (count[p] == count[mode] && p < mode) {
					mode = p
				}
			}
			return mode >= 9 && mode <= 13, fmt.Sprintf("P = %d wins %d of %d rows (models P = %v)", mode, count[mode], len(w), ps), true
		}},
	{ID: "C27", Figure: "2023-fig16", Quote: "We have not included the model trained using 1 source as the MAE is an order of magnitude larger.",
		Test: "whole MAE averaged over M: P = 1 ≥ 5 × the median of the models P ≥ 2",
		Eval: func(ev *Evidence) (bool, string, bool) {
			ps, _, mat := fixedMatrix(ev, "whole")
			if len(ps) < 2 || ps[0] != 1 {
				return untestable("P = 1 or the other fixed-count models not finished")
			}
			avg := fixedAverage(mat, len(ps))
			rest := slices.Clone(avg[1:])
			slices.Sort(rest)
			med := rest[len(rest)/2]
			return avg[0] >= 5*med, fmt.Sprintf("P = 1: %.3g, median P ≥ 2: %.3g (ratio %.2f)", avg[0], med, avg[0]/med), true
		}},
	{ID: "C28", Figure: "2023-fig17", Quote: "Overall the optimum lies in models trained between 10 and 13 sources.",
		Test: "whole MAE averaged over the 20 test counts: the minimum over P is at 10 ≤ P ≤ 13",
		Eval: func(ev *Evidence) (bool, string, bool) {
			ps, _, mat := fixedMatrix(ev, "whole")
			if len(ps) < 3 {
				return untestable("%d fixed-count models finished", len(ps))
			}
			avg := fixedAverage(mat, len(ps))
			p := ps[argmin(avg)]
			return p >= 10 && p <= 13, fmt.Sprintf("minimum at P = %d (MAE %.3g; models P = %v)", p, slices.Min(avg), ps), true
		}},
	{ID: "C29", Figure: "2023-fig17", Quote: "The model that yields the minimum error will depend on the region in the lattice we are considering.",
		Test: "the P of the minimum (averaged over M) differs between the six regions",
		Eval: func(ev *Evidence) (bool, string, bool) {
			var best []string
			distinct := map[int]bool{}
			for _, region := range RegionNames {
				ps, _, mat := fixedMatrix(ev, region)
				if len(ps) < 3 {
					return untestable("%d fixed-count models finished", len(ps))
				}
				p := ps[argmin(fixedAverage(mat, len(ps)))]
				distinct[p] = true
				best = append(best, fmt.Sprintf("%s %d", region, p))
			}
			return len(distinct) > 1, "argmin P: " + strings.Join(best, ", "), true
		}},
}

func hasCode(runs []*RunMetrics, code string) bool { return codeRun(runs, code) != nil }

func codeRun(runs []*RunMetrics, code string) *RunMetrics {
	for _, r := range runs {
		if r.Codename == code {
			return r
		}
	}
	return nil
}

// trendClaim: the mean curve of a region increases with k (Spearman ρ ≥ min).
func trendClaim(runs []*RunMetrics, region string, minRho float64) (bool, string, bool) {
	if len(runs) == 0 {
		return untestable("no model finished")
	}
	c, m := meanCurve(runs, region)
	rho := spearman(floats(c), m)
	if math.IsNaN(rho) {
		return untestable("fewer than 3 numbers of sources")
	}
	return rho >= minRho, fmt.Sprintf("ρ = %.2f over %d models", rho, len(runs)), true
}

// minimumClaim: the mean sources curve has its minimum at lo ≤ k ≤ hi and rises on both sides.
func minimumClaim(runs []*RunMetrics, lo, hi int) (bool, string, bool) {
	if len(runs) == 0 {
		return untestable("no model finished")
	}
	c, m := meanCurve(runs, "sources")
	i := argmin(m)
	if i < 0 {
		return untestable("no sources MAE")
	}
	k := c[i]
	ok := k >= lo && k <= hi && m[0] > m[i] && m[len(m)-1] > m[i]
	return ok, fmt.Sprintf("minimum %.3g at k = %d (k = %d: %.3g, k = %d: %.3g)", m[i], k, c[0], m[0], c[len(c)-1], m[len(m)-1]), true
}

// bestIs: the named model has the lowest mean MAE of the runs in a region.
func bestIs(runs []*RunMetrics, region, code string) (bool, string, bool) {
	if len(runs) < 2 || !hasCode(runs, code) {
		return untestable("%s or the other models not finished (%d)", code, len(runs))
	}
	s := sortedByMean(runs, region)
	rank := slices.IndexFunc(s, func(r *RunMetrics) bool { return r.Codename == code }) + 1
	return rank == 1, fmt.Sprintf("%s ranks %d of %d (best %s %.3g)", code, rank, len(s), s[0].Codename, s[0].Mean(region)), true
}

// rowWinners returns, for each test count M, the P ≥ 2 with the lowest MAE in a region.
func rowWinners(ev *Evidence, region string) (winners []int, ps []int) {
	all, _, mat := fixedMatrix(ev, region)
	var cols []int
	for j, p := range all {
		if p >= 2 {
			cols = append(cols, j)
			ps = append(ps, p)
		}
	}
	if len(cols) == 0 {
		return nil, nil
	}
	for _, row := range mat {
		best := -1
		for _, j := range cols {
			if !math.IsNaN(row[j]) && (best < 0 || row[j] < row[best]) {
				best = j
			}
		}
		if best >= 0 {
			winners = append(winners, all[best])
		}
	}
	return winners, ps
}

// Fig14Fit fits MAE = a + b ln(size %) to the best model per size in a region.
func Fig14Fit(ev *Evidence, region string) LogFit {
	d, best, _ := fig14Points(ev)
	var x, y []float64
	for i := range d {
		x, y = append(x, pct(d[i])), append(y, best[i].Mean(region))
	}
	return fitLog(x, y)
}

// Markers around the claims table in notebooks/README.md.
const (
	ClaimsBegin = "<!-- BEGIN 2023 CLAIMS TABLE (generated from the cpu sweep results: SURROGO_UPDATE=1 go test -run TestClaimsReadme ./pkg/figures/fig2023) -->"
	ClaimsEnd   = "<!-- END 2023 CLAIMS TABLE -->"
)

// ClaimsReadme returns the path of the repository's notebooks/README.md under repo, its content,
// and its content with the claims table between ClaimsBegin and ClaimsEnd computed from the cpu
// results of the 2023 sweeps under repo/figures (ClaimsTable).
func ClaimsReadme(repo string) (path, have, want string, err error) {
	path = filepath.Join(repo, "notebooks", "README.md")
	table, err := ClaimsTable(scale.CPU, filepath.Join(repo, "figures"))
	if err != nil {
		return path, "", "", err
	}
	have, want, err = figkit.ReplaceBlock(path, ClaimsBegin, ClaimsEnd, table)
	return path, have, want, err
}

// UpdateClaimsReadme rewrites the claims table of repo/notebooks/README.md from the cpu results
// of the 2023 sweeps (ClaimsReadme), atomically, and reports whether it changed. `surrogo sweep
// run` calls it after a 2023 cpu sweep, so that the committed table follows the committed runs.
func UpdateClaimsReadme(repo string) (changed bool, err error) {
	path, have, want, err := ClaimsReadme(repo)
	if err != nil || want == have {
		return false, err
	}
	return true, atomicfile.WriteFile(path, []byte(want), 0o644)
}

// ClaimsRead reports whether the claims read the results directory out: the cpu results
// directory of one of the 2023 sweeps under repo/figures.
func ClaimsRead(repo, out string) bool {
	for _, name := range SweepNames {
		if filepath.Clean(SweepOut(filepath.Join(repo, "figures"), name, scale.CPU)) == filepath.Clean(out) {
			return true
		}
	}
	return false
}

// ClaimsTable returns the verdicts of every claim at a scale from the results under the
// figures directory root, as a Markdown table.
func ClaimsTable(sc scale.Scale, root string) (string, error) {
	ev, err := LoadEvidence(sc, root)
	if err != nil {
		return "", err
	}
	done := fmt.Sprintf("Scale %s: %s %d/%d, %s %d/%d, %s %d/%d runs done.\n\n", sc, ev.Ladder.Name, ev.Ladder.Done, ev.Ladder.Total,
		ev.Fluctuations.Name, ev.Fluctuations.Done, ev.Fluctuations.Total, ev.FixedCount.Name, ev.FixedCount.Done, ev.FixedCount.Total)
	return done + VerdictsMarkdown(Verdicts(ev)), nil
}
