package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Histogram accumulates values into equal-width bins over [Min, Max] in a streaming way (Add them one
// by one, or a slice at a time; Merge partial histograms). Bins are half-open [lo, hi) except the last,
// which includes Max. It also keeps the mean and standard deviation of every finite value added
// (inside the range or not), for Gaussian overlays.
type Histogram struct {
	// Min and Max are the range of the bins.
	Min, Max float64
	// Counts holds the number of values per bin.
	Counts []int64
	// Under and Over count finite values below Min and above Max; NaN counts NaN and ±Inf values.
	Under, Over, NaN int64

	n        int64
	mean, m2 float64
}

// NewHistogram returns an empty histogram of the given number of bins over [lo, hi].
func NewHistogram(bins int, lo, hi float64) (*Histogram, error) {
	if bins <= 0 {
		return nil, fmt.Errorf("plots: histogram needs bins > 0, got %d", bins)
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(lo < hi) {
		return nil, fmt.Errorf("plots: histogram range [%g, %g] must be finite with min < max", lo, hi)
	}
	return &Histogram{Min: lo, Max: hi, Counts: make([]int64, bins)}, nil
}

// HistogramOf bins values into the given number of bins over their finite range.
func HistogramOf[T Float](values []T, bins int) (*Histogram, error) {
	var s span
	for _, v := range values {
		if f := float64(v); s.ok(f, false) {
			s.add(f)
		}
	}
	if s.n == 0 {
		return nil, errors.New("plots: histogram of no finite value")
	}
	lo, hi := s.lo, s.hi
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	h, err := NewHistogram(bins, lo, hi)
	if err != nil {
		return nil, err
	}
	for _, v := range values {
		h.Add(float64(v))
	}
	return h, nil
}

// bin returns the bin of v, or -1 below the range and len(Counts) above it.
func (h *Histogram) bin(v float64) int {
	if v < h.Min {
		return -1
	}
	if v > h.Max {
		return len(h.Counts)
	}
	i := int((v - h.Min) / (h.Max - h.Min) * float64(len(h.Counts)))
	return min(i, len(h.Counts)-1)
}

// Add counts one value.
func (h *Histogram) Add(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		h.NaN++
		return
	}
	h.n++
	d := v - h.mean
	h.mean += d / float64(h.n)
	h.m2 += d * (v - h.mean)
	switch i := h.bin(v); {
	case i < 0:
		h.Under++
	case i >= len(h.Counts):
		h.Over++
	default:
		h.Counts[i]++
	}
}

// AddSlice counts every value of vs.
func (h *Histogram) AddSlice(vs []float64) {
	for _, v := range vs {
		h.Add(v)
	}
}

// Merge adds the counts and statistics of o, which must have the same bins.
func (h *Histogram) Merge(o *Histogram) error {
	if o.Min != h.Min || o.Max != h.Max || len(o.Counts) != len(h.Counts) {
		return fmt.Errorf("plots: cannot merge histograms with bins %d×[%g, %g] and %d×[%g, %g]",
			len(h.Counts), h.Min, h.Max, len(o.Counts), o.Min, o.Max)
	}
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	h.Under += o.Under
	h.Over += o.Over
	h.NaN += o.NaN
	if o.n > 0 {
		n := h.n + o.n
		d := o.mean - h.mean
		h.m2 += o.m2 + d*d*float64(h.n)*float64(o.n)/float64(n)
		h.mean += d * float64(o.n) / float64(n)
		h.n = n
	}
	return nil
}

// Edges returns the len(Counts)+1 bin edges.
func (h *Histogram) Edges() []float64 {
	e := make([]float64, len(h.Counts)+1)
	w := (h.Max - h.Min) / float64(len(h.Counts))
	for i := range e {
		e[i] = h.Min + float64(i)*w
	}
	e[len(e)-1] = h.Max
	return e
}

// Total returns the number of values inside the range.
func (h *Histogram) Total() int64 {
	var t int64
	for _, c := range h.Counts {
		t += c
	}
	return t
}

// Density returns the counts divided by (Total × bin width): a PDF whose integral over [Min, Max] is 1
// (all zeros when the histogram is empty).
func (h *Histogram) Density() []float64 {
	d := make([]float64, len(h.Counts))
	t := h.Total()
	if t == 0 {
		return d
	}
	w := (h.Max - h.Min) / float64(len(h.Counts))
	for i, c := range h.Counts {
		d[i] = float64(c) / (float64(t) * w)
	}
	return d
}

// Mean returns the mean of all finite values added (NaN when none).
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return math.NaN()
	}
	return h.mean
}

// Std returns the population standard deviation of all finite values added (NaN when none).
func (h *Histogram) Std() float64 {
	if h.n == 0 {
		return math.NaN()
	}
	return math.Sqrt(h.m2 / float64(h.n))
}

// Gaussian returns the normal probability density with mean mu and standard deviation sigma.
func Gaussian(mu, sigma float64) func(float64) float64 {
	return func(x float64) float64 {
		z := (x - mu) / sigma
		return math.Exp(-0.5*z*z) / (sigma * math.Sqrt(2*math.Pi))
	}
}

// Hist is an Axes layer that draws a Histogram as a step outline (or filled bars).
type Hist struct {
	// Label names the histogram in the legend.
	Label string
	// H holds the binned counts.
	H *Histogram
	// Density plots the PDF (Histogram.Density) instead of raw counts.
	Density bool
	// Filled fills the bars with a translucent colour under the outline.
	Filled bool
	// Color is the outline colour; nil takes the next colour of the theme's cycle.
	Color color.Color
}

// validate checks the histogram.
func (hl *Hist) validate() error {
	if hl.H == nil {
		return errors.New("histogram layer has no Histogram")
	}
	if len(hl.H.Counts) == 0 {
		return errors.New("empty histogram (no bins)")
	}
	if !(hl.H.Min < hl.H.Max) {
		return fmt.Errorf("histogram range [%g, %g] must have min < max", hl.H.Min, hl.H.Max)
	}
	return nil
}

// heights returns the bar heights.
func (hl *Hist) heights() []float64 {
	if hl.Density {
		return hl.H.Density()
	}
	y := make([]float64, len(hl.H.Counts))
	for i, c := range hl.H.Counts {
		y[i] = float64(c)
	}
	return y
}

// extend grows the spans by the histogram's edges and heights.
func (hl *Hist) extend(sx, sy *span, logX, logY bool) {
	for _, e := range hl.H.Edges() {
		if sx.ok(e, logX) {
			sx.add(e)
		}
	}
	for _, y := range hl.heights() {
		if sy.ok(y, logY) {
			sy.add(y)
		}
	}
	if !logY {
		sy.add(0)
	}
}

// histPlotter draws a Hist layer with gonum's plotters: the step outline as a plotter.Line and,
// when filled, the area under it as one plotter.Polygon. (plotter.Histogram fills one rectangle
// per bin, and the anti-aliased edges of neighbouring translucent rectangles leave light seams
// between the bins in PNG output; it also strokes every bin's edges.)
type histPlotter struct {
	hl    *Hist
	th    *Theme
	color color.Color
	logY  bool
	floor float64 // the y axis minimum: where bars start
}

// steps returns the step outline of the histogram in data coordinates.
func (hp *histPlotter) steps() plotter.XYs {
	e := hp.hl.H.Edges()
	ys := hp.heights()
	pts := plotter.XYs{{X: e[0], Y: hp.floor}}
	for i, y := range ys {
		pts = append(pts, plotter.XY{X: e[i], Y: y}, plotter.XY{X: e[i+1], Y: y})
	}
	return append(pts, plotter.XY{X: e[len(e)-1], Y: hp.floor})
}

// outline returns the step outline of the histogram in canvas coordinates.
func (hp *histPlotter) outline(c draw.Canvas, p *plot.Plot) []vg.Point {
	xys := hp.steps()
	pts := make([]vg.Point, len(xys))
	for i, v := range xys {
		pts[i] = vg.Point{X: c.X(p.X.Norm(v.X)), Y: c.Y(p.Y.Norm(v.Y))}
	}
	return pts
}

// heights returns bar heights with empty bins at the floor (needed on log axes).
func (hp *histPlotter) heights() []float64 {
	ys := hp.hl.heights()
	for i, y := range ys {
		if hp.logY && y <= 0 {
			ys[i] = hp.floor
		}
	}
	return ys
}

// Plot implements plot.Plotter.
func (hp *histPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	if hp.hl.Filled {
		fill := &plotter.Polygon{XYs: []plotter.XYs{hp.steps()}, Color: withAlpha(hp.color, hp.th.BandAlpha+0.13)}
		fill.Plot(c, p)
	}
	(&plotter.Line{XYs: hp.steps(), LineStyle: lineStyle(hp.color, hp.th.LineWidth)}).Plot(c, p)
}

// occupied returns points along the outline (for legend placement).
func (hp *histPlotter) occupied(c draw.Canvas, p *plot.Plot) []vg.Point {
	return densify(hp.outline(c, p), true)
}
