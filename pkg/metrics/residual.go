package metrics

import (
	"encoding/json"
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
	// Lattice, when > 0, is the side of the square images the pixels come in (row-major, one
	// image after the other): the mean relative residual is then also split between the
	// boundary ring of each image and its interior (ResidualSummary.BoundaryRelMean,
	// InteriorRelMean; the relative residual is large at the absorbing boundary, 2021 Fig. 6c).
	Lattice int `json:"lattice,omitempty"`
	// HighField, when > 0, splits the mean residual between the pixels whose target is at least
	// HighField (the sources and their surroundings) and the others (ResidualSummary.HighMean,
	// LowMean).
	HighField float64 `json:"high_field,omitempty"`
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
	// predMin and predMax are the range of the predictions.
	predMin, predMax float64
	// pixels counts every pixel added (its position in the current image, with Lattice).
	pixels int64
	// boundary and interior sum the relative residual and count the pixels of each part
	// (Lattice > 0); high and low the residual by target (HighField > 0).
	boundary, interior, high, low sumCount
}

// sumCount is a sum and the number of its terms.
type sumCount struct {
	Sum float64
	N   int64
}

func (c *sumCount) add(v float64) { c.Sum += v; c.N++ }

func (c *sumCount) merge(o sumCount) { c.Sum += o.Sum; c.N += o.N }

func (c sumCount) mean() float64 {
	if c.N == 0 {
		return math.NaN()
	}
	return c.Sum / float64(c.N)
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
	if opt.Lattice < 0 {
		return nil, fmt.Errorf("metrics: ResidualOptions.Lattice must be >= 0 (got %d)", opt.Lattice)
	}
	if !(opt.HighField >= 0) || math.IsInf(opt.HighField, 0) {
		return nil, fmt.Errorf("metrics: ResidualOptions.HighField must be finite and >= 0 (got %v)", opt.HighField)
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
	return &ResidualStats{opt: opt, abs: abs, rel: rel, predMin: math.Inf(1), predMax: math.Inf(-1)}, nil
}

// Options returns the options in use, defaults filled in.
func (s *ResidualStats) Options() ResidualOptions { return s.opt }

// Add accumulates the pixels of targets y and predictions yhat (in field units). With
// ResidualOptions.Lattice, the pixels continue the images of the previous calls: add whole
// images.
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
	eps, n, hf := s.opt.RelativeEpsilon, int64(s.opt.Lattice), s.opt.HighField
	for i, t := range target {
		y, yh := float64(t), float64(prediction[i])
		s.predMin, s.predMax = math.Min(s.predMin, yh), math.Max(s.predMax, yh)
		e := math.Abs(y - yh)
		s.abs.Add(e)
		if hf > 0 {
			if y >= hf {
				s.high.add(e)
			} else {
				s.low.add(e)
			}
		}
		d := y + eps
		if d > 0 {
			s.rel.Add(e / d)
		} else {
			s.relExcluded++
		}
		if n > 0 && d > 0 {
			k := s.pixels % (n * n)
			row, col := k/n, k%n
			if row == 0 || col == 0 || row == n-1 || col == n-1 {
				s.boundary.add(e / d)
			} else {
				s.interior.add(e / d)
			}
		}
		s.pixels++
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
	if s.opt.Lattice > 0 && s.pixels%int64(s.opt.Lattice*s.opt.Lattice) != 0 {
		return fmt.Errorf("metrics: cannot merge residual statistics after a partial image (%d pixels)", s.pixels)
	}
	s.relExcluded += o.relExcluded
	s.predMin, s.predMax = math.Min(s.predMin, o.predMin), math.Max(s.predMax, o.predMax)
	s.pixels += o.pixels
	s.boundary.merge(o.boundary)
	s.interior.merge(o.interior)
	s.high.merge(o.high)
	s.low.merge(o.low)
	return nil
}

// Absolute returns the histogram of |y - yhat|, for other quantiles or plots. Do not modify it.
func (s *ResidualStats) Absolute() *Histogram { return s.abs }

// Relative returns the histogram of the relative residual. Do not modify it.
func (s *ResidualStats) Relative() *Histogram { return s.rel }

// ResidualSummary holds the residual statistics of the 2021 paper: the mean, 99th percentile and
// maximum residual |y - yhat| (Table 2, Fig. 6d), the same for the relative residual, the range
// of the predictions, and, when ResidualOptions ask for them, the mean relative residual on the
// images' boundary ring and interior (Fig. 6c) and the mean residual near the sources and
// elsewhere. It is the one residual-statistics type of the project: training.Report, the sweep
// results and the 2021 figures all hold it. Its JSON is safe: NaN and infinities (an empty set)
// are written as null, and the splits that were not asked for (0) are left out.
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

	// PredMin and PredMax are the range of the predictions.
	PredMin float64 `json:"pred_min"`
	PredMax float64 `json:"pred_max"`
	// BoundaryRelMean and InteriorRelMean are the mean relative residual on the outermost ring
	// of cells of each image and inside it (ResidualOptions.Lattice; 0 without it, NaN for a
	// part without pixels).
	BoundaryRelMean float64 `json:"boundary_rel_mean"`
	InteriorRelMean float64 `json:"interior_rel_mean"`
	// HighMean and LowMean are the mean residual where the target is at least
	// ResidualOptions.HighField and where it is below (0 without HighField, NaN for a part
	// without pixels).
	HighMean float64 `json:"high_mean"`
	LowMean  float64 `json:"low_mean"`
}

// Summary returns the statistics accumulated so far; the fields of an empty set are NaN.
func (s *ResidualStats) Summary() ResidualSummary {
	nan := math.NaN()
	out := ResidualSummary{N: s.abs.Count(), Mean: nan, Max: nan, P99: Quantile{nan, nan, nan},
		RelN: s.rel.Count(), RelExcluded: s.relExcluded, RelMean: nan, RelMax: nan, RelP99: Quantile{nan, nan, nan},
		PredMin: nan, PredMax: nan}
	if out.N > 0 {
		out.Mean, out.Max = s.abs.Mean(), s.abs.Max()
		out.P99, _ = s.abs.Quantile(0.99)
		out.PredMin, out.PredMax = s.predMin, s.predMax
	}
	if out.RelN > 0 {
		out.RelMean, out.RelMax = s.rel.Mean(), s.rel.Max()
		out.RelP99, _ = s.rel.Quantile(0.99)
	}
	if s.opt.Lattice > 0 {
		out.BoundaryRelMean, out.InteriorRelMean = s.boundary.mean(), s.interior.mean()
	}
	if s.opt.HighField > 0 {
		out.HighMean, out.LowMean = s.high.mean(), s.low.mean()
	}
	return out
}

// JSONFloat is a float64 that encodes NaN and infinities as JSON null (JSON has no such numbers)
// and decodes null as NaN.
type JSONFloat float64

// MarshalJSON implements json.Marshaler.
func (f JSONFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *JSONFloat) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*f = JSONFloat(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*f = JSONFloat(v)
	return nil
}

// quantileJSON is the JSON form of a Quantile.
type quantileJSON struct {
	Estimate JSONFloat `json:"estimate"`
	Lo       JSONFloat `json:"lo"`
	Hi       JSONFloat `json:"hi"`
}

func toQuantileJSON(q Quantile) quantileJSON {
	return quantileJSON{JSONFloat(q.Estimate), JSONFloat(q.Lo), JSONFloat(q.Hi)}
}

func (q quantileJSON) quantile() Quantile {
	return Quantile{float64(q.Estimate), float64(q.Lo), float64(q.Hi)}
}

// residualJSON is the JSON form of a ResidualSummary (the splits left out when 0: not asked for).
type residualJSON struct {
	N               int64        `json:"n"`
	Mean            JSONFloat    `json:"mean"`
	P99             quantileJSON `json:"p99"`
	Max             JSONFloat    `json:"max"`
	RelN            int64        `json:"rel_n"`
	RelExcluded     int64        `json:"rel_excluded"`
	RelMean         JSONFloat    `json:"rel_mean"`
	RelP99          quantileJSON `json:"rel_p99"`
	RelMax          JSONFloat    `json:"rel_max"`
	PredMin         *JSONFloat   `json:"pred_min,omitempty"`
	PredMax         *JSONFloat   `json:"pred_max,omitempty"`
	BoundaryRelMean JSONFloat    `json:"boundary_rel_mean,omitempty"`
	InteriorRelMean JSONFloat    `json:"interior_rel_mean,omitempty"`
	HighMean        JSONFloat    `json:"high_mean,omitempty"`
	LowMean         JSONFloat    `json:"low_mean,omitempty"`
}

// MarshalJSON implements json.Marshaler (NaN and infinities as null).
func (s ResidualSummary) MarshalJSON() ([]byte, error) {
	pmin, pmax := JSONFloat(s.PredMin), JSONFloat(s.PredMax)
	return json.Marshal(residualJSON{N: s.N, Mean: JSONFloat(s.Mean), P99: toQuantileJSON(s.P99), Max: JSONFloat(s.Max),
		RelN: s.RelN, RelExcluded: s.RelExcluded, RelMean: JSONFloat(s.RelMean), RelP99: toQuantileJSON(s.RelP99),
		RelMax: JSONFloat(s.RelMax), PredMin: &pmin, PredMax: &pmax,
		BoundaryRelMean: JSONFloat(s.BoundaryRelMean), InteriorRelMean: JSONFloat(s.InteriorRelMean),
		HighMean: JSONFloat(s.HighMean), LowMean: JSONFloat(s.LowMean)})
}

// UnmarshalJSON implements json.Unmarshaler (null as NaN; a missing prediction range, as in
// results written before it existed, as NaN; missing splits as 0).
func (s *ResidualSummary) UnmarshalJSON(data []byte) error {
	nan := JSONFloat(math.NaN())
	q := quantileJSON{nan, nan, nan}
	pmin, pmax := nan, nan
	r := residualJSON{Mean: nan, Max: nan, RelMean: nan, RelMax: nan, P99: q, RelP99: q, PredMin: &pmin, PredMax: &pmax}
	if err := json.Unmarshal(data, &r); err != nil {
		return err
	}
	for _, p := range []**JSONFloat{&r.PredMin, &r.PredMax} {
		if *p == nil { // null
			*p = &nan
		}
	}
	*s = ResidualSummary{N: r.N, Mean: float64(r.Mean), P99: r.P99.quantile(), Max: float64(r.Max),
		RelN: r.RelN, RelExcluded: r.RelExcluded, RelMean: float64(r.RelMean), RelP99: r.RelP99.quantile(),
		RelMax: float64(r.RelMax), PredMin: float64(*r.PredMin), PredMax: float64(*r.PredMax),
		BoundaryRelMean: float64(r.BoundaryRelMean), InteriorRelMean: float64(r.InteriorRelMean),
		HighMean: float64(r.HighMean), LowMean: float64(r.LowMean)}
	return nil
}
