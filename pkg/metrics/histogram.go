package metrics

import (
	"fmt"
	"math"
	"slices"
)

// Histogram counts values in equal-width bins over [Lo, Hi), with separate counts of values
// below Lo and at or above Hi, and keeps the exact count, sum, minimum and maximum of all
// values added. NaN values are counted apart and take no other part.
type Histogram struct {
	lo, hi   float64
	invWidth float64
	counts   []int64
	under    int64
	over     int64
	n        int64
	nan      int64
	sum      float64
	min, max float64
}

// NewHistogram returns an empty histogram of bins equal bins over [lo, hi).
func NewHistogram(lo, hi float64, bins int) (*Histogram, error) {
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil, fmt.Errorf("metrics: histogram range [%v, %v) is empty or not finite", lo, hi)
	}
	if bins < 1 {
		return nil, fmt.Errorf("metrics: histogram needs at least one bin (got %d)", bins)
	}
	return &Histogram{
		lo: lo, hi: hi,
		invWidth: float64(bins) / (hi - lo),
		counts:   make([]int64, bins),
		min:      math.Inf(1), max: math.Inf(-1),
	}, nil
}

// Add counts one value.
func (h *Histogram) Add(v float64) {
	if math.IsNaN(v) {
		h.nan++
		return
	}
	h.n++
	h.sum += v
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	switch {
	case v < h.lo:
		h.under++
	case v >= h.hi:
		h.over++
	default:
		i := int((v - h.lo) * h.invWidth)
		if i >= len(h.counts) { // rounding just below hi
			i = len(h.counts) - 1
		}
		h.counts[i]++
	}
}

// Merge adds the counts of o, which must have the same range and bins.
func (h *Histogram) Merge(o *Histogram) error {
	if o.lo != h.lo || o.hi != h.hi || len(o.counts) != len(h.counts) {
		return fmt.Errorf("metrics: cannot merge histograms over [%v, %v) x %d and [%v, %v) x %d",
			h.lo, h.hi, len(h.counts), o.lo, o.hi, len(o.counts))
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.under += o.under
	h.over += o.over
	h.n += o.n
	h.nan += o.nan
	h.sum += o.sum
	h.min = math.Min(h.min, o.min)
	h.max = math.Max(h.max, o.max)
	return nil
}

// Count returns the number of (non-NaN) values added, in range or not.
func (h *Histogram) Count() int64 { return h.n }

// NaNs returns the number of NaN values added.
func (h *Histogram) NaNs() int64 { return h.nan }

// Under and Over return the numbers of values below Lo and at or above Hi.
func (h *Histogram) Under() int64 { return h.under }

// Over returns the number of values at or above Hi.
func (h *Histogram) Over() int64 { return h.over }

// Range returns the histogram range [lo, hi).
func (h *Histogram) Range() (lo, hi float64) { return h.lo, h.hi }

// Bins returns the number of bins.
func (h *Histogram) Bins() int { return len(h.counts) }

// Width returns the bin width.
func (h *Histogram) Width() float64 { return (h.hi - h.lo) / float64(len(h.counts)) }

// Counts returns a copy of the bin counts.
func (h *Histogram) Counts() []int64 { return slices.Clone(h.counts) }

// edge returns the left edge of bin i (i = Bins() gives Hi).
func (h *Histogram) edge(i int) float64 {
	if i == len(h.counts) {
		return h.hi
	}
	return h.lo + float64(i)*(h.hi-h.lo)/float64(len(h.counts))
}

// Edges returns the Bins()+1 bin edges, from Lo to Hi.
func (h *Histogram) Edges() []float64 {
	e := make([]float64, len(h.counts)+1)
	for i := range e {
		e[i] = h.edge(i)
	}
	return e
}

// Centers returns the bin centres.
func (h *Histogram) Centers() []float64 {
	c := make([]float64, len(h.counts))
	for i := range c {
		c[i] = (h.edge(i) + h.edge(i+1)) / 2
	}
	return c
}

// Density returns the histogram as a probability density: count / (Count() * width). It is
// normalized by all values added, so it integrates over [Lo, Hi) to the fraction of values in
// range (1 when none fell outside). All zeros when nothing was added.
func (h *Histogram) Density() []float64 {
	d := make([]float64, len(h.counts))
	if h.n == 0 {
		return d
	}
	scale := h.invWidth / float64(h.n)
	for i, c := range h.counts {
		d[i] = float64(c) * scale
	}
	return d
}

// Mean returns the exact mean of the values added (NaN when there are none).
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return math.NaN()
	}
	return h.sum / float64(h.n)
}

// Min returns the smallest value added (+Inf when there are none).
func (h *Histogram) Min() float64 { return h.min }

// Max returns the largest value added (-Inf when there are none).
func (h *Histogram) Max() float64 { return h.max }

// Quantile is a quantile estimated from a histogram: the exact quantile lies in [Lo, Hi]
// (up to the rounding of bin edges), and Estimate, in that interval, interpolates linearly
// within bins.
type Quantile struct {
	Estimate float64 `json:"estimate"` // the estimate, in [Lo, Hi]
	Lo       float64 `json:"lo"`       // lower bound of the exact quantile
	Hi       float64 `json:"hi"`       // upper bound of the exact quantile
}

// ErrorBound returns Hi - Lo, a bound on |Estimate - exact quantile|.
func (q Quantile) ErrorBound() float64 { return q.Hi - q.Lo }

// Quantile returns the p-quantile (0 <= p <= 1) in the definition of ExactQuantile:
// Q = (1-f)*x_(k) + f*x_(k+1) with k + f = p*(n-1). The histogram knows the bins [a1, b1] and
// [a2, b2] (clipped to the exact Min and Max) that hold the order statistics x_(k) and
// x_(k+1), so the exact Q lies in [Lo, Hi] = [(1-f)*a1 + f*a2, (1-f)*b1 + f*b2]: the error
// bound Hi - Lo is at most one bin width when both statistics fall inside [Lo, Hi) of the
// histogram (and 0 at p = 0 or 1). A statistic among the values below or above the range is
// only bounded by Min or Max. Estimate spreads each bin's values evenly over the bin.
func (h *Histogram) Quantile(p float64) (Quantile, error) {
	if !(p >= 0 && p <= 1) {
		return Quantile{}, fmt.Errorf("metrics: quantile probability %v is not in [0, 1]", p)
	}
	if h.n == 0 {
		return Quantile{}, fmt.Errorf("metrics: quantile of an empty histogram")
	}
	if p == 0 {
		return Quantile{h.min, h.min, h.min}, nil
	}
	if p == 1 {
		return Quantile{h.max, h.max, h.max}, nil
	}
	rank := p * float64(h.n-1)
	k := int64(math.Floor(rank))
	frac := rank - float64(k)
	loK, hiK, estK := h.orderStat(k)
	loK1, hiK1, estK1 := loK, hiK, estK
	if frac > 0 && k+1 < h.n {
		loK1, hiK1, estK1 = h.orderStat(k + 1)
	}
	// Q = (1-frac)*x_(k) + frac*x_(k+1) is increasing in both order statistics.
	q := Quantile{
		Lo:       (1-frac)*loK + frac*loK1,
		Hi:       (1-frac)*hiK + frac*hiK1,
		Estimate: (1-frac)*estK + frac*estK1,
	}
	q.Estimate = math.Max(q.Lo, math.Min(q.Hi, q.Estimate))
	return q, nil
}

// orderStat returns an interval holding the order statistic of 0-based rank r and an
// estimate that spreads the values of its bin uniformly.
func (h *Histogram) orderStat(r int64) (lo, hi, est float64) {
	clip := func(lo, hi float64) (float64, float64) {
		return math.Max(lo, h.min), math.Min(hi, h.max)
	}
	if r < h.under {
		lo, hi = clip(h.min, h.lo)
		return lo, hi, lo + (hi-lo)*(float64(r)+0.5)/float64(h.under)
	}
	cum := h.under
	for i, c := range h.counts {
		if r < cum+c {
			lo, hi = clip(h.edge(i), h.edge(i+1))
			return lo, hi, lo + (hi-lo)*(float64(r-cum)+0.5)/float64(c)
		}
		cum += c
	}
	lo, hi = clip(h.hi, h.max)
	return lo, hi, lo + (hi-lo)*(float64(r-cum)+0.5)/float64(h.over)
}

// ExactQuantile returns the p-quantile of values by sorting a copy: with the 0-based order
// statistics x_(0) <= ... <= x_(n-1) and h = p*(n-1), it is x_(k) + (h-k)*(x_(k+1) - x_(k))
// for k = floor(h) (Hyndman and Fan's type 7: numpy.quantile, Julia's quantile/percentile).
func ExactQuantile(values []float64, p float64) (float64, error) {
	if !(p >= 0 && p <= 1) {
		return 0, fmt.Errorf("metrics: quantile probability %v is not in [0, 1]", p)
	}
	if len(values) == 0 {
		return 0, fmt.Errorf("metrics: quantile of no values")
	}
	s := slices.Clone(values)
	for i, v := range s {
		if math.IsNaN(v) {
			return 0, fmt.Errorf("metrics: value %d is NaN", i)
		}
	}
	slices.Sort(s)
	h := p * float64(len(s)-1)
	k := int(math.Floor(h))
	if k >= len(s)-1 {
		return s[len(s)-1], nil
	}
	return s[k] + (h-float64(k))*(s[k+1]-s[k]), nil
}
