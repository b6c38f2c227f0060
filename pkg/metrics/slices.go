package metrics

import (
	"fmt"
	"math"
	"strconv"
)

// The 2021 paper (Fig. 8 and its text) plots prediction against target for every pixel and
// then "take[s] 10 slices of size 0.1 in the direction y = x", computing "the mean residual
// and standard deviation per slice"; Fig. 9 says "Slice i corresponds to field values in the
// interval [0.1*(i-1), 0.1*i]", and Supplement A uses 20 slices of size 0.05. The authors'
// code (get_slices in jquetzalcoatl/DiffusionSurrogateDeepLearning, DiffSolve.jl) rotates
// each pair (yhat, y) by 45 degrees,
//
//	u = (yhat + y)/sqrt(2)   (the coordinate along y = x)
//	v = (yhat - y)/sqrt(2)   (the signed distance from y = x)
//
// keeps the points with 0.1*(i-1) < u < 0.1*i (strict inequalities), and reports mean(v) and
// std(v) (sample standard deviation) per slice. Note that 10 slices of 0.1 in u cover only
// u < 1, i.e. (yhat + y)/2 < 0.707: the code's "field value" is u. SliceStats reproduces the
// code by default and offers the text's reading (AxisMean: slice on (yhat + y)/2, or
// AxisTarget: on y) and the residual in field units (ResidualSigned: yhat - y = sqrt(2)*v).

// SliceAxis is the coordinate the points are sliced on.
type SliceAxis string

const (
	// AxisRotated slices on u = (yhat + y)/sqrt(2), as the authors' code does (default).
	AxisRotated SliceAxis = "rotated"
	// AxisMean slices on (yhat + y)/2, the field value of the point's projection on y = x.
	AxisMean SliceAxis = "mean"
	// AxisTarget slices on the target y.
	AxisTarget SliceAxis = "target"
)

// SliceResidual is the residual whose statistics are taken per slice.
type SliceResidual string

const (
	// ResidualRotated is v = (yhat - y)/sqrt(2), the rotated coordinate of the code (default).
	ResidualRotated SliceResidual = "rotated"
	// ResidualSigned is yhat - y.
	ResidualSigned SliceResidual = "signed"
)

// SliceIntervals says which points on slice boundaries belong to a slice.
type SliceIntervals string

const (
	// IntervalsOpen keeps lo < s < hi, as the code does (default): points exactly on a
	// boundary belong to no slice.
	IntervalsOpen SliceIntervals = "open"
	// IntervalsHalfOpen keeps lo <= s < hi.
	IntervalsHalfOpen SliceIntervals = "half_open"
)

// SliceOptions configures SliceStats. Zero values select the defaults, which reproduce the
// authors' code for Fig. 8-10: 10 slices of width 0.1 on the rotated axis, open intervals,
// rotated residual.
type SliceOptions struct {
	Slices    int            `json:"slices,omitempty"`    // default 10 (20 in Supplement A)
	Width     float64        `json:"width,omitempty"`     // default 0.1 (0.05 in Supplement A)
	Axis      SliceAxis      `json:"axis,omitempty"`      // default AxisRotated
	Residual  SliceResidual  `json:"residual,omitempty"`  // default ResidualRotated
	Intervals SliceIntervals `json:"intervals,omitempty"` // default IntervalsOpen
}

// SliceStats accumulates the residual statistics per slice of the (target, prediction) plane.
type SliceStats struct {
	opt     SliceOptions
	edges   []float64 // Slices+1 edges: i*Width rounded to 12 significant digits
	w       []welford
	absSum  []float64
	outside int64
}

// NewSliceStats returns an empty accumulator.
func NewSliceStats(opt SliceOptions) (*SliceStats, error) {
	if opt.Slices == 0 {
		opt.Slices = 10
	}
	if opt.Width == 0 {
		opt.Width = 0.1
	}
	if opt.Axis == "" {
		opt.Axis = AxisRotated
	}
	if opt.Residual == "" {
		opt.Residual = ResidualRotated
	}
	if opt.Intervals == "" {
		opt.Intervals = IntervalsOpen
	}
	switch {
	case opt.Slices < 1:
		return nil, fmt.Errorf("metrics: SliceOptions.Slices must be >= 1 (got %d)", opt.Slices)
	case !(opt.Width > 0) || math.IsInf(opt.Width, 0):
		return nil, fmt.Errorf("metrics: SliceOptions.Width must be finite and > 0 (got %v)", opt.Width)
	case opt.Axis != AxisRotated && opt.Axis != AxisMean && opt.Axis != AxisTarget:
		return nil, fmt.Errorf("metrics: SliceOptions.Axis %q is not %q, %q or %q", opt.Axis, AxisRotated, AxisMean, AxisTarget)
	case opt.Residual != ResidualRotated && opt.Residual != ResidualSigned:
		return nil, fmt.Errorf("metrics: SliceOptions.Residual %q is not %q or %q", opt.Residual, ResidualRotated, ResidualSigned)
	case opt.Intervals != IntervalsOpen && opt.Intervals != IntervalsHalfOpen:
		return nil, fmt.Errorf("metrics: SliceOptions.Intervals %q is not %q or %q", opt.Intervals, IntervalsOpen, IntervalsHalfOpen)
	}
	s := &SliceStats{opt: opt, w: make([]welford, opt.Slices), absSum: make([]float64, opt.Slices),
		edges: make([]float64, opt.Slices+1)}
	for i := range s.edges {
		// The code's edges are round(0.1*i, sigdigits=1): decimal numbers such as 0.3, not
		// 3*0.1 = 0.30000000000000004.
		s.edges[i], _ = strconv.ParseFloat(strconv.FormatFloat(float64(i)*opt.Width, 'g', 12, 64), 64)
	}
	return s, nil
}

// Options returns the options in use, defaults filled in.
func (s *SliceStats) Options() SliceOptions { return s.opt }

// bounds returns the edges of slice i.
func (s *SliceStats) bounds(i int) (lo, hi float64) {
	return s.edges[i], s.edges[i+1]
}

// slice returns the slice holding coordinate c, or -1.
func (s *SliceStats) slice(c float64) int {
	i := int(math.Floor(c / s.opt.Width))
	for _, j := range [3]int{i, i - 1, i + 1} { // neighbours guard against rounding of c/Width
		if j < 0 || j >= s.opt.Slices {
			continue
		}
		lo, hi := s.bounds(j)
		if c < hi && (c > lo || (c == lo && s.opt.Intervals == IntervalsHalfOpen)) {
			return j
		}
	}
	return -1
}

// Add accumulates the pairs (target[i], prediction[i]).
func (s *SliceStats) Add(target, prediction []float32) error {
	return addSlices(s, target, prediction)
}

// Add64 is Add for float64 slices.
func (s *SliceStats) Add64(target, prediction []float64) error {
	return addSlices(s, target, prediction)
}

func addSlices[F float](s *SliceStats, target, prediction []F) error {
	if err := checkSlices([]string{"target", "prediction"}, target, prediction); err != nil {
		return err
	}
	for i, t := range target {
		y, yh := float64(t), float64(prediction[i])
		var c float64
		switch s.opt.Axis {
		case AxisRotated:
			c = (yh + y) / math.Sqrt2
		case AxisMean:
			c = (yh + y) / 2
		default:
			c = y
		}
		j := s.slice(c)
		if j < 0 {
			s.outside++
			continue
		}
		r := yh - y
		if s.opt.Residual == ResidualRotated {
			r /= math.Sqrt2
		}
		s.w[j].add(r)
		s.absSum[j] += math.Abs(r)
	}
	return nil
}

// Merge adds the points accumulated by o, which must have the same options.
func (s *SliceStats) Merge(o *SliceStats) error {
	if o.opt != s.opt {
		return fmt.Errorf("metrics: cannot merge slice statistics with options %+v and %+v", s.opt, o.opt)
	}
	for i := range s.w {
		s.w[i].merge(o.w[i])
		s.absSum[i] += o.absSum[i]
	}
	s.outside += o.outside
	return nil
}

// Outside returns the number of points that fell in no slice.
func (s *SliceStats) Outside() int64 { return s.outside }

// Slice is the residual statistics of one slice.
type Slice struct {
	Lo, Hi float64 // the slice's interval on the slicing axis
	N      int64   // points in the slice
	// Mean and Std are the mean and sample standard deviation (divisor N-1) of the residual;
	// MeanAbs is the mean of its absolute value. NaN when undefined (N = 0, or N < 2 for Std).
	Mean, Std, MeanAbs float64
}

// Slices returns the statistics of every slice, in order.
func (s *SliceStats) Slices() []Slice {
	out := make([]Slice, len(s.w))
	for i, w := range s.w {
		lo, hi := s.bounds(i)
		sl := Slice{Lo: lo, Hi: hi, N: w.n, Mean: math.NaN(), Std: w.std(), MeanAbs: math.NaN()}
		if w.n > 0 {
			sl.Mean = w.mean
			sl.MeanAbs = s.absSum[i] / float64(w.n)
		}
		out[i] = sl
	}
	return out
}

// SliceAggregate holds the per-model numbers of Fig. 10 of the 2021 paper: the average and
// maximum over slices of the per-slice mean residual and of the per-slice standard deviation.
// Averaging over slices weighs each slice the same, which "compensat[es] for the imbalance in
// frequency of low and high value pixels". Slices with fewer than two points are left out.
type SliceAggregate struct {
	Slices         int     `json:"slices"`            // slices that entered (N >= 2)
	MeanOfMeans    float64 `json:"mean_of_means"`     // average of the per-slice mean residuals
	MaxOfMeans     float64 `json:"max_of_means"`      // their maximum
	MeanOfStds     float64 `json:"mean_of_stds"`      // average of the per-slice standard deviations
	MaxOfStds      float64 `json:"max_of_stds"`       // their maximum
	MeanOfAbsMeans float64 `json:"mean_of_abs_means"` // average of the per-slice mean |residual|
	MaxOfAbsMeans  float64 `json:"max_of_abs_means"`  // their maximum
}

// Aggregate returns the averages and maxima over slices (NaN when no slice has two points).
func (s *SliceStats) Aggregate() SliceAggregate {
	nan := math.NaN()
	a := SliceAggregate{MeanOfMeans: nan, MaxOfMeans: nan, MeanOfStds: nan, MaxOfStds: nan,
		MeanOfAbsMeans: nan, MaxOfAbsMeans: nan}
	var sm, ss, sa float64
	for _, sl := range s.Slices() {
		if sl.N < 2 {
			continue
		}
		if a.Slices == 0 {
			a.MaxOfMeans, a.MaxOfStds, a.MaxOfAbsMeans = sl.Mean, sl.Std, sl.MeanAbs
		}
		a.Slices++
		sm += sl.Mean
		ss += sl.Std
		sa += sl.MeanAbs
		a.MaxOfMeans = math.Max(a.MaxOfMeans, sl.Mean)
		a.MaxOfStds = math.Max(a.MaxOfStds, sl.Std)
		a.MaxOfAbsMeans = math.Max(a.MaxOfAbsMeans, sl.MeanAbs)
	}
	if a.Slices > 0 {
		n := float64(a.Slices)
		a.MeanOfMeans, a.MeanOfStds, a.MeanOfAbsMeans = sm/n, ss/n, sa/n
	}
	return a
}
