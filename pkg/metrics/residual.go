package metrics

import (
	"fmt"
	"math"
)

// ResidualOptions configures ResidualStats. Zero values select the defaults.
type ResidualOptions struct {
	// Bins is the number of histogram bins used for percentiles (default 1<<20).
	Bins int `json:"bins,omitempty"`
	// Max is the upper end of the residual histogram, [0, Max) (default 1: fields lie in
	// [0, 1]). Larger residuals still count exactly in the mean and maximum; a percentile
	// that falls among them is bounded by [Max, maximum].
	Max float64 `json:"max,omitempty"`
	// RelativeMax is the upper end of the relative-residual histogram (default 1).
	RelativeMax float64 `json:"relative_max,omitempty"`
	// RelativeEpsilon selects how the relative residual treats small targets. 0 (default):
	// |y - yhat|/y over the pixels with y > 0 only, the others counted as excluded (the
	// relative residual is singular at the absorbing boundary, where y -> 0). > 0:
	// |y - yhat|/(y + RelativeEpsilon) over the pixels with y + RelativeEpsilon > 0, as the
	// authors' residual maps do with 1e-5.
	RelativeEpsilon float64 `json:"relative_epsilon,omitempty"`
}

// DefaultResidualBins is the default number of bins of ResidualStats' histograms: with
// Max = 1 a bin is 9.5e-7 wide, which bounds the error of a percentile.
const DefaultResidualBins = 1 << 20

// ResidualStats accumulates the residual |y - yhat| and the relative residual
// |y - yhat|/y of every pixel of a data set (2021 paper, Table 2 and Fig. 6).
type ResidualStats struct {
	opt         ResidualOptions
	abs, rel    *Histogram
	relExcluded int64
}

// NewResidualStats returns an empty accumulator.
func NewResidualStats(opt ResidualOptions) (*ResidualStats, error) {
	if opt.Bins == 0 {
		opt.Bins = DefaultResidualBins
	}
	if opt.Max == 0 {
		opt.Max = 1
	}
	if opt.RelativeMax == 0 {
		opt.RelativeMax = 1
	}
	if !(opt.RelativeEpsilon >= 0) || math.IsInf(opt.RelativeEpsilon, 0) {
		return nil, fmt.Errorf("metrics: ResidualOptions.RelativeEpsilon must be finite and >= 0 (got %v)", opt.RelativeEpsilon)
	}
	abs, err := NewHistogram(0, opt.Max, opt.Bins)
	if err != nil {
		return nil, fmt.Errorf("metrics: ResidualOptions.Max/Bins: %w", err)
	}
	rel, err := NewHistogram(0, opt.RelativeMax, opt.Bins)
	if err != nil {
		return nil, fmt.Errorf("metrics: ResidualOptions.RelativeMax/Bins: %w", err)
	}
	return &ResidualStats{opt: opt, abs: abs, rel: rel}, nil
}

// Options returns the options in use, defaults filled in.
func (s *ResidualStats) Options() ResidualOptions { return s.opt }

// Add accumulates the pixels of targets y and predictions yhat (in field units).
func (s *ResidualStats) Add(target, prediction []float32) error {
	return addResiduals(s, target, prediction)
}

// Add64 is Add for float64 slices.
func (s *ResidualStats) Add64(target, prediction []float64) error {
	return addResiduals(s, target, prediction)
}

func addResiduals[F float](s *ResidualStats, target, prediction []F) error {
	if err := checkSlices([]string{"target", "prediction"}, target, prediction); err != nil {
		return err
	}
	eps := s.opt.RelativeEpsilon
	for i, t := range target {
		y := float64(t)
		e := math.Abs(y - float64(prediction[i]))
		s.abs.Add(e)
		if d := y + eps; d > 0 {
			s.rel.Add(e / d)
		} else {
			s.relExcluded++
		}
	}
	return nil
}

// Merge adds the pixels accumulated by o, which must have the same options.
func (s *ResidualStats) Merge(o *ResidualStats) error {
	if o.opt != s.opt {
		return fmt.Errorf("metrics: cannot merge residual statistics with options %+v and %+v", s.opt, o.opt)
	}
	if err := s.abs.Merge(o.abs); err != nil {
		return err
	}
	if err := s.rel.Merge(o.rel); err != nil {
		return err
	}
	s.relExcluded += o.relExcluded
	return nil
}

// Absolute returns the histogram of |y - yhat|, for other quantiles or plots. Do not modify it.
func (s *ResidualStats) Absolute() *Histogram { return s.abs }

// Relative returns the histogram of the relative residual. Do not modify it.
func (s *ResidualStats) Relative() *Histogram { return s.rel }

// ResidualSummary holds the residual statistics of Table 2 of the 2021 paper (mean, 99th
// percentile and maximum residual) and the same for the relative residual.
type ResidualSummary struct {
	N    int64    `json:"n"`    // pixels
	Mean float64  `json:"mean"` // mean residual (exact)
	P99  Quantile `json:"p99"`  // 99th percentile of the residual, with its bound
	Max  float64  `json:"max"`  // maximum residual (exact)

	RelN        int64    `json:"rel_n"`        // pixels in the relative residual
	RelExcluded int64    `json:"rel_excluded"` // pixels left out of it (see RelativeEpsilon)
	RelMean     float64  `json:"rel_mean"`     // mean relative residual
	RelP99      Quantile `json:"rel_p99"`      // its 99th percentile
	RelMax      float64  `json:"rel_max"`      // its maximum
}

// Summary returns the statistics accumulated so far; the fields of an empty set are NaN.
func (s *ResidualStats) Summary() ResidualSummary {
	nan := math.NaN()
	out := ResidualSummary{N: s.abs.Count(), Mean: nan, Max: nan, P99: Quantile{nan, nan, nan},
		RelN: s.rel.Count(), RelExcluded: s.relExcluded, RelMean: nan, RelMax: nan, RelP99: Quantile{nan, nan, nan}}
	if out.N > 0 {
		out.Mean, out.Max = s.abs.Mean(), s.abs.Max()
		out.P99, _ = s.abs.Quantile(0.99)
	}
	if out.RelN > 0 {
		out.RelMean, out.RelMax = s.rel.Mean(), s.rel.Max()
		out.RelP99, _ = s.rel.Quantile(0.99)
	}
	return out
}
