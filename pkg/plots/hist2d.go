package plots

import (
	"fmt"
	"image/color"
	"math"
)

// Hist2D accumulates (x, y) points into NX × NY equal bins over [XMin, XMax] × [YMin, YMax] in a
// streaming way, for scatter plots of millions of points (e.g. prediction vs truth for every pixel of a
// test set). Bins are half-open [lo, hi) except the last of each axis, which includes the maximum.
// Draw it with Heatmap.
type Hist2D struct {
	// XMin, XMax, YMin and YMax are the binned ranges.
	XMin, XMax, YMin, YMax float64
	// NX and NY are the numbers of bins along x and y.
	NX, NY int
	// Counts holds NY rows of NX counts: Counts[iy*NX + ix], row iy = 0 at YMin.
	Counts []int64
	// Outside counts finite points outside the ranges; NaN counts points with a NaN or infinite
	// coordinate.
	Outside, NaN int64
}

// NewHist2D returns an empty 2-D histogram.
func NewHist2D(nx, ny int, xmin, xmax, ymin, ymax float64) (*Hist2D, error) {
	if nx <= 0 || ny <= 0 {
		return nil, fmt.Errorf("plots: 2-D histogram needs positive bin counts, got %d×%d", nx, ny)
	}
	for _, r := range [][2]float64{{xmin, xmax}, {ymin, ymax}} {
		if math.IsNaN(r[0]) || math.IsNaN(r[1]) || math.IsInf(r[0], 0) || math.IsInf(r[1], 0) || !(r[0] < r[1]) {
			return nil, fmt.Errorf("plots: 2-D histogram range [%g, %g] must be finite with min < max", r[0], r[1])
		}
	}
	return &Hist2D{XMin: xmin, XMax: xmax, YMin: ymin, YMax: ymax, NX: nx, NY: ny, Counts: make([]int64, nx*ny)}, nil
}

// binOf returns the bin of v in [lo, hi] with n bins, or -1 outside.
func binOf(v, lo, hi float64, n int) int {
	if v < lo || v > hi {
		return -1
	}
	return min(int((v-lo)/(hi-lo)*float64(n)), n-1)
}

// Add counts one point.
func (h *Hist2D) Add(x, y float64) {
	if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		h.NaN++
		return
	}
	ix, iy := binOf(x, h.XMin, h.XMax, h.NX), binOf(y, h.YMin, h.YMax, h.NY)
	if ix < 0 || iy < 0 {
		h.Outside++
		return
	}
	h.Counts[iy*h.NX+ix]++
}

// AddPoints counts the points (x[i], y[i]); x and y must have the same length.
func AddPoints[T Float](h *Hist2D, x, y []T) error {
	if len(x) != len(y) {
		return fmt.Errorf("plots: 2-D histogram: mismatched lengths len(x)=%d, len(y)=%d", len(x), len(y))
	}
	for i := range x {
		h.Add(float64(x[i]), float64(y[i]))
	}
	return nil
}

// Count returns the count of bin (ix, iy).
func (h *Hist2D) Count(ix, iy int) int64 { return h.Counts[iy*h.NX+ix] }

// Total returns the number of points inside the ranges.
func (h *Hist2D) Total() int64 {
	var t int64
	for _, c := range h.Counts {
		t += c
	}
	return t
}

// Merge adds the counts of o, which must have the same bins (for parallel accumulation).
func (h *Hist2D) Merge(o *Hist2D) error {
	if o.NX != h.NX || o.NY != h.NY || o.XMin != h.XMin || o.XMax != h.XMax || o.YMin != h.YMin || o.YMax != h.YMax {
		return fmt.Errorf("plots: cannot merge 2-D histograms with different bins")
	}
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	h.Outside += o.Outside
	h.NaN += o.NaN
	return nil
}

// Heatmap returns a panel drawing the counts on a log colour scale (viridis, labelled "count"), with
// empty bins left white, y increasing upwards and axes in data coordinates.
func (h *Hist2D) Heatmap() *Heatmap {
	data := make([]float64, len(h.Counts))
	for i, c := range h.Counts {
		if c == 0 {
			data[i] = math.NaN()
		} else {
			data[i] = float64(c)
		}
	}
	return &Heatmap{
		Data: data, Rows: h.NY, Cols: h.NX,
		Color:       ColorScale{Log: true, NaN: color.White, NoNaNKey: true, Label: "count"},
		Extent:      &Extent{XMin: h.XMin, XMax: h.XMax, YMin: h.YMin, YMax: h.YMax},
		OriginLower: true,
	}
}

// Diagonal returns a thin dashed grey line y = x over [lo, hi], to overlay on prediction-vs-truth plots.
func Diagonal(lo, hi float64) *Line {
	return &Line{X: []float64{lo, hi}, Y: []float64{lo, hi}, Color: color.NRGBA{0, 0, 0, 160}, Dashed: true,
		Width: 0.8, Marker: MarkerNone}
}
