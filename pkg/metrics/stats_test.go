package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestExactQuantile(t *testing.T) {
	cases := []struct {
		v    []float64
		p    float64
		want float64
	}{
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},
		{[]float64{4, 1, 3, 2}, 0.25, 1.75},
		{[]float64{0.5, 0, 0.2, 0.1}, 0.99, 0.2 + 0.97*0.3}, // h = 2.97
		{[]float64{0.5, 0, 0.2, 0.1}, 0, 0},
		{[]float64{0.5, 0, 0.2, 0.1}, 1, 0.5},
		{[]float64{7}, 0.3, 7},
	}
	for _, tc := range cases {
		got, err := ExactQuantile(tc.v, tc.p)
		if err != nil || !near(got, tc.want, 1e-15) {
			t.Errorf("ExactQuantile(%v, %v) = %v, %v; want %v", tc.v, tc.p, got, err, tc.want)
		}
	}
	for _, bad := range []struct {
		v []float64
		p float64
	}{{nil, 0.5}, {[]float64{1}, 1.5}, {[]float64{1}, math.NaN()}, {[]float64{math.NaN()}, 0.5}} {
		if _, err := ExactQuantile(bad.v, bad.p); err == nil {
			t.Errorf("ExactQuantile(%v, %v) accepted", bad.v, bad.p)
		}
	}
}

func TestHistogramByHand(t *testing.T) {
	h, err := NewHistogram(0, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{0.05, 0.15, 0.15, 0.95, 1.2, -0.1, math.NaN()} {
		h.Add(v)
	}
	want := []int64{1, 2, 0, 0, 0, 0, 0, 0, 0, 1}
	for i, c := range h.Counts() {
		if c != want[i] {
			t.Errorf("bin %d: %d, want %d", i, c, want[i])
		}
	}
	if h.Count() != 6 || h.NaNs() != 1 || h.Under() != 1 || h.Over() != 1 || h.Min() != -0.1 || h.Max() != 1.2 {
		t.Errorf("count %d NaN %d under %d over %d min %v max %v", h.Count(), h.NaNs(), h.Under(), h.Over(), h.Min(), h.Max())
	}
	if !near(h.Mean(), (0.05+0.15+0.15+0.95+1.2-0.1)/6, 1e-15) {
		t.Errorf("mean %v", h.Mean())
	}
	// Density: count / (6 values * 0.1 width); it integrates to the 4/6 in range.
	d := h.Density()
	if !near(d[0], 1/0.6, 1e-12) || !near(d[1], 2/0.6, 1e-12) || d[2] != 0 || !near(d[9], 1/0.6, 1e-12) {
		t.Errorf("density %v", d)
	}
	if e := h.Edges(); len(e) != 11 || e[0] != 0 || e[10] != 1 || !near(e[3], 0.3, 1e-15) {
		t.Errorf("edges %v", e)
	}
	if c := h.Centers(); !near(c[0], 0.05, 1e-15) || !near(c[9], 0.95, 1e-15) {
		t.Errorf("centers %v", c)
	}
	for _, bad := range []struct {
		lo, hi float64
		bins   int
	}{{1, 0, 10}, {0, 0, 10}, {0, math.Inf(1), 10}, {0, 1, 0}} {
		if _, err := NewHistogram(bad.lo, bad.hi, bad.bins); err == nil {
			t.Errorf("NewHistogram(%v, %v, %d) accepted", bad.lo, bad.hi, bad.bins)
		}
	}
}

// TestHistogramQuantileBound checks that the exact quantile always lies in [Lo, Hi], that the
// bound is at most a bin width inside the range, and that the estimate is good.
func TestHistogramQuantileBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 100000
	vals := make([]float64, n)
	h, _ := NewHistogram(0, 1, 1000)
	for i := range vals {
		u := rng.Float64()
		vals[i] = u * u * u * 1.1 // 1/1.1^(1/3) = 3% of the values are >= 1 (overflow)
		h.Add(vals[i])
	}
	for _, p := range []float64{0, 0.001, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1} {
		exact, _ := ExactQuantile(vals, p)
		q, err := h.Quantile(p)
		if err != nil {
			t.Fatal(err)
		}
		if exact < q.Lo-1e-12 || exact > q.Hi+1e-12 || q.Estimate < q.Lo || q.Estimate > q.Hi {
			t.Errorf("p=%v: exact %v outside [%v, %v] (estimate %v)", p, exact, q.Lo, q.Hi, q.Estimate)
		}
		if exact < 1 && q.ErrorBound() > h.Width()*(1+1e-9) {
			t.Errorf("p=%v: bound %v wider than a bin %v", p, q.ErrorBound(), h.Width())
		}
	}
	// 99.9% lies in the overflow: bounded by [1, max] only.
	if q, _ := h.Quantile(0.999); q.Lo != 1 || q.Hi > h.Max() {
		t.Errorf("overflow quantile %+v", q)
	}
	empty, _ := NewHistogram(0, 1, 4)
	if _, err := empty.Quantile(0.5); err == nil {
		t.Error("quantile of an empty histogram")
	}
	if _, err := h.Quantile(-0.1); err == nil {
		t.Error("quantile p = -0.1 accepted")
	}
}

func TestResidualStatsByHand(t *testing.T) {
	// Residuals |y - yhat| = [0.1, 0.2, 0.5, 0]; relative (y > 0) = [0.4, 0.5, 0].
	y := []float32{0, 0.5, 1, 0.2}
	yh := []float32{0.1, 0.3, 1.5, 0.2}
	s, err := NewResidualStats(ResidualOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(y, yh); err != nil {
		t.Fatal(err)
	}
	sum := s.Summary()
	p99 := 0.2 + 0.97*0.3 // sorted [0, 0.1, 0.2, 0.5], h = 2.97
	if sum.N != 4 || !near(sum.Mean, 0.2, 1e-7) || !near(sum.Max, 0.5, 1e-7) ||
		math.Abs(sum.P99.Estimate-p99) > sum.P99.ErrorBound() || sum.P99.ErrorBound() > 1.0/DefaultResidualBins {
		t.Errorf("residual summary %+v, want mean 0.2, max 0.5, p99 %v", sum, p99)
	}
	if sum.RelN != 3 || sum.RelExcluded != 1 || !near(sum.RelMean, 0.3, 1e-7) || !near(sum.RelMax, 0.5, 1e-7) {
		t.Errorf("relative summary %+v, want 3 pixels (1 excluded), mean 0.3, max 0.5", sum)
	}
	// With epsilon (the authors' maps), y = 0 enters as 0.1/1e-5 = 1e4.
	se, _ := NewResidualStats(ResidualOptions{RelativeEpsilon: 1e-5, Bins: 1000})
	_ = se.Add64(f64(y), f64(yh))
	rel := (float64(float32(0.1))/1e-5 + float64(0.5-float32(0.3))/(0.5+1e-5) + 0.5/(1+1e-5)) / 4
	if es := se.Summary(); es.RelN != 4 || es.RelExcluded != 0 || !near(es.RelMean, rel, 1e-9) {
		t.Errorf("relative with epsilon %+v, want mean %v", es, rel)
	}
	// Merge of two halves equals the whole.
	a, _ := NewResidualStats(ResidualOptions{})
	b, _ := NewResidualStats(ResidualOptions{})
	_ = a.Add(y[:2], yh[:2])
	_ = b.Add(y[2:], yh[2:])
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if m := a.Summary(); m != sum {
		t.Errorf("merged summary %+v, want %+v", m, sum)
	}
	if err := a.Merge(se); err == nil {
		t.Error("merged residual statistics with different options")
	}
	if err := s.Add(y, yh[:2]); err == nil {
		t.Error("length mismatch accepted")
	}
	if err := s.Add([]float32{float32(math.Inf(1))}, []float32{0}); err == nil || !strings.Contains(err.Error(), "target[0]") {
		t.Errorf("infinite target: %v", err)
	}
	if s.Summary().N != 4 {
		t.Error("failed Add accumulated values")
	}
	if _, err := NewResidualStats(ResidualOptions{RelativeEpsilon: -1}); err == nil {
		t.Error("negative epsilon accepted")
	}
	if _, err := NewResidualStats(ResidualOptions{Max: -1}); err == nil {
		t.Error("negative Max accepted")
	}
	empty, _ := NewResidualStats(ResidualOptions{Bins: 10})
	if e := empty.Summary(); !math.IsNaN(e.Mean) || !math.IsNaN(e.P99.Estimate) {
		t.Errorf("empty summary %+v", e)
	}
}

func TestSliceStatsByHand(t *testing.T) {
	// (y, yhat) pairs.
	y := []float64{0, 0.1, 0.05, 0.3, 0.9, 0}
	yh := []float64{0.1, 0.05, 0.05, 0.2, 0.9, 0}
	r2 := math.Sqrt2
	nan := math.NaN()
	type want struct {
		slice         int
		n             int64
		mean, std, ma float64
	}
	cases := []struct {
		name    string
		opt     SliceOptions
		outside int64
		slices  []want
	}{
		{
			// u = (yhat+y)/sqrt2 = [0.0707, 0.106, 0.0707, 0.354, 1.27, 0]; the last two fall
			// outside (u >= 1; u = 0 on the open boundary). v = (yhat-y)/sqrt2.
			name: "authors' code", opt: SliceOptions{}, outside: 2,
			slices: []want{
				{0, 2, 0.05 / r2, 0.1 / r2 / r2, 0.05 / r2},
				{1, 1, -0.05 / r2, nan, 0.05 / r2},
				{2, 0, nan, nan, nan},
				{3, 1, -0.1 / r2, nan, 0.1 / r2},
			},
		},
		{
			name: "half-open intervals", opt: SliceOptions{Intervals: IntervalsHalfOpen}, outside: 1,
			slices: []want{{0, 3, (0.1 / r2) / 3, 0.1 / r2 / math.Sqrt(3), (0.1 / r2) / 3}},
		},
		{
			// (yhat+y)/2 = [0.05, 0.075, 0.05, 0.25, 0.9, 0]; residual yhat - y. 0.9 and 0 sit
			// on open boundaries.
			name: "mean axis, signed residual", opt: SliceOptions{Axis: AxisMean, Residual: ResidualSigned}, outside: 2,
			slices: []want{
				{0, 3, 0.05 / 3, math.Sqrt((sq(0.1-0.05/3) + sq(-0.05-0.05/3) + sq(0.05/3)) / 2), 0.05},
				{2, 1, -0.1, nan, 0.1},
				{9, 0, nan, nan, nan},
			},
		},
		{
			// On the target only y = 0.05 is inside a slice: 0, 0.1, 0.9 and 0.3 sit on open
			// boundaries (the code's edges are the decimals 0.1*i, so 0.3 is slice 2's edge).
			name: "target axis", opt: SliceOptions{Axis: AxisTarget, Residual: ResidualSigned}, outside: 5,
			slices: []want{{0, 1, 0, nan, 0}, {1, 0, nan, nan, nan}, {2, 0, nan, nan, nan}, {9, 0, nan, nan, nan}},
		},
		{
			name: "20 slices of 0.05", opt: SliceOptions{Slices: 20, Width: 0.05}, outside: 2,
			slices: []want{{1, 2, 0.05 / r2, 0.1 / r2 / r2, 0.05 / r2}, {2, 1, -0.05 / r2, nan, 0.05 / r2}, {7, 1, -0.1 / r2, nan, 0.1 / r2}},
		},
	}
	for _, tc := range cases {
		s, err := NewSliceStats(tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add64(y, yh); err != nil {
			t.Fatal(err)
		}
		if s.Outside() != tc.outside {
			t.Errorf("%s: %d points outside, want %d", tc.name, s.Outside(), tc.outside)
		}
		sl := s.Slices()
		for _, w := range tc.slices {
			g := sl[w.slice]
			if g.N != w.n || !near(g.Mean, w.mean, 1e-12) || !near(g.Std, w.std, 1e-12) || !near(g.MeanAbs, w.ma, 1e-12) {
				t.Errorf("%s: slice %d = %+v, want N %d mean %v std %v mean|r| %v", tc.name, w.slice, g, w.n, w.mean, w.std, w.ma)
			}
		}
	}
	s, _ := NewSliceStats(SliceOptions{})
	_ = s.Add64(y, yh)
	if sl := s.Slices(); sl[3].Lo != 0.3 || sl[3].Hi != 0.4 {
		t.Errorf("slice 3 bounds [%v, %v], want the decimals [0.3, 0.4]", sl[3].Lo, sl[3].Hi)
	}
	// Only slice 0 has two points.
	agg := s.Aggregate()
	if agg.Slices != 1 || !near(agg.MeanOfMeans, 0.05/r2, 1e-12) || !near(agg.MaxOfStds, 0.05, 1e-12) {
		t.Errorf("aggregate %+v", agg)
	}
}

func sq(x float64) float64 { return x * x }

// TestSliceStatsStreaming compares streamed, merged statistics with a direct two-pass
// computation on random pairs.
func TestSliceStatsStreaming(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 50000
	y, yh := make([]float32, n), make([]float32, n)
	for i := range y {
		y[i] = float32(rng.Float64())
		yh[i] = y[i] + float32(0.02*rng.NormFloat64())
	}
	a, _ := NewSliceStats(SliceOptions{})
	b, _ := NewSliceStats(SliceOptions{})
	for start := 0; start < n; start += 999 { // uneven batches into two accumulators
		end := min(start+999, n)
		acc := a
		if (start/999)%2 == 1 {
			acc = b
		}
		if err := acc.Add(y[start:end], yh[start:end]); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	// Direct computation.
	groups := make([][]float64, 10)
	var outside int64
	for i := range y {
		u := (float64(yh[i]) + float64(y[i])) / math.Sqrt2
		j := int(math.Floor(u * 10))
		if u <= 0 || j >= 10 || u == float64(j)/10 {
			outside++
			continue
		}
		groups[j] = append(groups[j], (float64(yh[i])-float64(y[i]))/math.Sqrt2)
	}
	if a.Outside() != outside {
		t.Errorf("outside %d, direct %d", a.Outside(), outside)
	}
	for j, g := range a.Slices() {
		var m, v float64
		for _, r := range groups[j] {
			m += r
		}
		m /= float64(len(groups[j]))
		for _, r := range groups[j] {
			v += (r - m) * (r - m)
		}
		std := math.Sqrt(v / float64(len(groups[j])-1))
		if g.N != int64(len(groups[j])) || !near(g.Mean, m, 1e-12) || !near(g.Std, std, 1e-10) {
			t.Errorf("slice %d: N %d mean %v std %v; direct N %d mean %v std %v", j, g.N, g.Mean, g.Std, len(groups[j]), m, std)
		}
	}
}

func TestSliceOptionsErrors(t *testing.T) {
	for _, opt := range []SliceOptions{
		{Slices: -1}, {Width: -0.1}, {Width: math.Inf(1)}, {Axis: "diag"}, {Residual: "abs"}, {Intervals: "closed"},
	} {
		if _, err := NewSliceStats(opt); err == nil {
			t.Errorf("NewSliceStats(%+v) accepted", opt)
		}
	}
	a, _ := NewSliceStats(SliceOptions{})
	b, _ := NewSliceStats(SliceOptions{Slices: 20, Width: 0.05})
	if err := a.Merge(b); err == nil {
		t.Error("merged slice statistics with different options")
	}
	if err := a.Add([]float32{0.1}, []float32{float32(math.NaN())}); err == nil {
		t.Error("NaN accepted")
	}
}

func TestFieldPDF(t *testing.T) {
	p, err := NewFieldPDF(0, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Add([]float32{0.05, 0.15, 0.15, 0.95, 1.2}, []float32{0, 0, 0.15, 0.95, 0.5}); err != nil {
		t.Fatal(err)
	}
	dt, dp := p.Target.Density(), p.Prediction.Density()
	// Targets: bins 0, 1, 1, 9 and one above 1: density count/(5*0.1).
	if !near(dt[0], 2, 1e-12) || !near(dt[1], 4, 1e-12) || !near(dt[9], 2, 1e-12) || p.Target.Over() != 1 {
		t.Errorf("target density %v", dt)
	}
	// Predictions: two zeros in bin 0, then bins 1, 9 and 5.
	if !near(dp[0], 4, 1e-12) || !near(dp[1], 2, 1e-12) || !near(dp[5], 2, 1e-12) || !near(dp[9], 2, 1e-12) {
		t.Errorf("prediction density %v", dp)
	}
	var integral float64
	for _, d := range dp {
		integral += d * 0.1
	}
	if !near(integral, 1, 1e-12) {
		t.Errorf("prediction density integrates to %v", integral)
	}
	q, _ := NewFieldPDF(0, 1, 10)
	_ = q.Add64([]float64{0.5}, []float64{0.5})
	if err := p.Merge(q); err != nil || p.Target.Count() != 6 {
		t.Errorf("merge: %v, count %d", err, p.Target.Count())
	}
	r, _ := NewFieldPDF(-0.1, 1.1, 10)
	if err := p.Merge(r); err == nil {
		t.Error("merged densities over different ranges")
	}
	if _, err := NewFieldPDF(1, 0, 10); err == nil {
		t.Error("empty range accepted")
	}
	if err := p.Add([]float32{1}, nil); err == nil {
		t.Error("length mismatch accepted")
	}
}
