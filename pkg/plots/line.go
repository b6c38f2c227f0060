package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Line is a curve through the points (X[i], Y[i]) with optional markers and an optional shaded band
// (Y ± Std, or Lower..Upper). Points with a NaN coordinate (or a non-positive one on a log axis)
// break the curve. With NoLine it is a scatter plot.
type Line struct {
	// Label names the line in the legend; empty labels are left out of the legend.
	Label string
	// X and Y are the coordinates; a nil X means 0, 1, ..., len(Y)-1.
	X, Y []float64
	// Std, when set, shades the band Y ± Std (mean ± standard deviation).
	Std []float64
	// Lower and Upper, when set (both), shade the band between them.
	Lower, Upper []float64
	// Color is the line colour; nil takes the next colour of the theme's cycle.
	Color color.Color
	// Marker is the point marker; MarkerAuto draws the cycle's next marker when there are at most 40
	// points (always for scatter plots).
	Marker Marker
	// Dashed draws a dashed line.
	Dashed bool
	// Width is the line width; 0 means the theme's LineWidth.
	Width vg.Length
	// NoLine draws markers only (a scatter plot).
	NoLine bool
	// RightAxis plots the line against the secondary (right) y axis.
	RightAxis bool
}

// xs returns X, or 0..n-1 when X is nil.
func (l *Line) xs() []float64 {
	if l.X != nil {
		return l.X
	}
	x := make([]float64, len(l.Y))
	for i := range x {
		x[i] = float64(i)
	}
	return x
}

// validate checks the lengths of the line's slices.
func (l *Line) validate() error {
	if len(l.Y) == 0 {
		return errors.New("empty data (len(Y) = 0)")
	}
	if l.X != nil && len(l.X) != len(l.Y) {
		return fmt.Errorf("mismatched lengths: len(X)=%d, len(Y)=%d", len(l.X), len(l.Y))
	}
	if l.Std != nil && len(l.Std) != len(l.Y) {
		return fmt.Errorf("mismatched lengths: len(Std)=%d, len(Y)=%d", len(l.Std), len(l.Y))
	}
	if (l.Lower == nil) != (l.Upper == nil) {
		return errors.New("band needs both Lower and Upper")
	}
	if l.Lower != nil && (len(l.Lower) != len(l.Y) || len(l.Upper) != len(l.Y)) {
		return fmt.Errorf("mismatched lengths: len(Lower)=%d, len(Upper)=%d, len(Y)=%d",
			len(l.Lower), len(l.Upper), len(l.Y))
	}
	if l.Std != nil && l.Lower != nil {
		return errors.New("set either Std or Lower/Upper, not both")
	}
	return nil
}

// band returns the band limits at i (ok=false when the line has no band).
func (l *Line) band(i int) (lo, hi float64, ok bool) {
	switch {
	case l.Std != nil:
		return l.Y[i] - l.Std[i], l.Y[i] + l.Std[i], true
	case l.Lower != nil:
		return l.Lower[i], l.Upper[i], true
	}
	return 0, 0, false
}

// extend grows the spans sx and sy by the line's finite data (positive only on log axes).
func (l *Line) extend(sx, sy *span, logX, logY bool) {
	x := l.xs()
	for i, y := range l.Y {
		if !sx.ok(x[i], logX) {
			continue
		}
		if sy.ok(y, logY) {
			sx.add(x[i])
			sy.add(y)
		}
		if lo, hi, ok := l.band(i); ok {
			if sy.ok(lo, logY) {
				sx.add(x[i])
				sy.add(lo)
			}
			if sy.ok(hi, logY) {
				sx.add(x[i])
				sy.add(hi)
			}
		}
	}
}

// style resolves the line's colour and marker for cycle position i.
func (l *Line) style(th *Theme, i int) (color.Color, Marker) {
	c := l.Color
	if c == nil {
		c = th.cycleColor(i)
	}
	m := l.Marker
	if m == MarkerAuto {
		if l.NoLine || len(l.Y) <= 40 {
			m = th.cycleMarker(i)
		} else {
			m = MarkerNone
		}
	}
	return c, m
}

// lineStyleOf returns the stroke style of the line.
func (l *Line) lineStyleOf(th *Theme, c color.Color) draw.LineStyle {
	w := l.Width
	if w == 0 {
		w = th.LineWidth
	}
	s := lineStyle(c, w)
	if l.Dashed {
		s.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	}
	return s
}

// span accumulates the extremes of values along one axis.
type span struct {
	lo, hi float64
	n      int
}

// ok reports whether v can be shown on the axis (finite; positive on a log axis).
func (*span) ok(v float64, log bool) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!log || v > 0)
}

// add includes v.
func (s *span) add(v float64) {
	if s.n == 0 {
		s.lo, s.hi = v, v
	} else {
		s.lo, s.hi = min(s.lo, v), max(s.hi, v)
	}
	s.n++
}

// linePlotter draws a Line inside a gonum plot with gonum's plotters: plotter.Polygon for the
// band, plotter.Line for the curve and plotter.Scatter for the markers, one of each per run of
// drawable points (gonum's plotters do not break a curve at NaN). yNorm maps y values to [0, 1]
// along the y axis the line belongs to (the left axis, or the secondary right axis, whose values
// are mapped into the left axis's coordinates since gonum plotters know one y axis).
type linePlotter struct {
	l      *Line
	th     *Theme
	color  color.Color
	marker Marker
	yNorm  func(float64) float64
	right  bool // against the secondary right axis
	logX   bool
	logY   bool
	yFloor float64 // replaces non-positive band limits on a log axis
}

// runs returns the indices of the runs of consecutive drawable points.
func (lp *linePlotter) runs() (idx [][]int) {
	x := lp.l.xs()
	var cur []int
	var s span
	for i, y := range lp.l.Y {
		if !s.ok(x[i], lp.logX) || !s.ok(y, lp.logY) {
			if len(cur) > 0 {
				idx, cur = append(idx, cur), nil
			}
			continue
		}
		cur = append(cur, i)
	}
	if len(cur) > 0 {
		idx = append(idx, cur)
	}
	return idx
}

// leftY returns the value on p's y axis at the height of y on the line's own axis.
func (lp *linePlotter) leftY(p *plot.Plot, y float64) float64 {
	if !lp.right {
		return y
	}
	t := lp.yNorm(y)
	if _, ok := p.Y.Scale.(plot.LogScale); ok {
		return p.Y.Min * math.Pow(p.Y.Max/p.Y.Min, t)
	}
	return p.Y.Min + t*(p.Y.Max-p.Y.Min)
}

// Plot implements plot.Plotter.
func (lp *linePlotter) Plot(c draw.Canvas, p *plot.Plot) {
	l, x := lp.l, lp.l.xs()
	runs := lp.runs()
	if l.Std != nil || l.Lower != nil {
		for _, run := range runs {
			var upper, lower plotter.XYs
			for _, i := range run {
				lo, hi, _ := l.band(i)
				if lp.logY {
					lo, hi = math.Max(lo, lp.yFloor), math.Max(hi, lp.yFloor)
				}
				if math.IsNaN(lo) || math.IsNaN(hi) {
					continue
				}
				upper = append(upper, plotter.XY{X: x[i], Y: lp.leftY(p, hi)})
				lower = append(lower, plotter.XY{X: x[i], Y: lp.leftY(p, lo)})
			}
			slices.Reverse(lower)
			if len(upper)+len(lower) >= 3 {
				band := &plotter.Polygon{XYs: []plotter.XYs{append(upper, lower...)}, Color: withAlpha(lp.color, lp.th.BandAlpha)}
				band.Plot(c, p)
			}
		}
	}
	for _, run := range runs {
		xys := make(plotter.XYs, len(run))
		for k, i := range run {
			xys[k] = plotter.XY{X: x[i], Y: lp.leftY(p, l.Y[i])}
		}
		if !l.NoLine && len(xys) > 1 {
			(&plotter.Line{XYs: xys, LineStyle: l.lineStyleOf(lp.th, lp.color)}).Plot(c, p)
		}
		if g := lp.marker.glyph(); g != nil {
			(&plotter.Scatter{XYs: xys, GlyphStyle: draw.GlyphStyle{Color: lp.color, Radius: lp.th.MarkerRadius, Shape: g}}).Plot(c, p)
		}
	}
}

// occupied returns points along the drawn curve, spaced at most 3 pt apart (for legend placement).
func (lp *linePlotter) occupied(c draw.Canvas, p *plot.Plot) []vg.Point {
	x := lp.l.xs()
	var out []vg.Point
	for _, run := range lp.runs() {
		pts := make([]vg.Point, len(run))
		for k, i := range run {
			pts[k] = vg.Point{X: c.X(p.X.Norm(x[i])), Y: c.Y(lp.yNorm(lp.l.Y[i]))}
		}
		out = append(out, densify(pts, !lp.l.NoLine)...)
	}
	return out
}

// densify returns the points of a polyline plus, when connect is set, intermediate points every 3 pt.
func densify(run []vg.Point, connect bool) []vg.Point {
	out := append([]vg.Point(nil), run...)
	if !connect {
		return out
	}
	for i := 1; i < len(run); i++ {
		a, b := run[i-1], run[i]
		d := math.Hypot(float64(b.X-a.X), float64(b.Y-a.Y))
		n := int(d / 3)
		for k := 1; k < n; k++ {
			t := vg.Length(float64(k) / float64(n))
			out = append(out, vg.Point{X: a.X + t*(b.X-a.X), Y: a.Y + t*(b.Y-a.Y)})
		}
	}
	return out
}
