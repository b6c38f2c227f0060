package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Range fixes an axis range when Min < Max; the zero Range means "from the data" (with a small margin).
type Range struct {
	// Min and Max are the axis limits.
	Min, Max float64
}

// fixed reports whether the range is set.
func (r Range) fixed() bool { return r.Min != 0 || r.Max != 0 }

// validate checks a range for an axis (log: must be positive).
func (r Range) validate(axis string, log bool) error {
	if math.IsNaN(r.Min) || math.IsNaN(r.Max) {
		return fmt.Errorf("%s range [%g, %g] contains NaN", axis, r.Min, r.Max)
	}
	if math.IsInf(r.Min, 0) || math.IsInf(r.Max, 0) {
		return fmt.Errorf("%s range [%g, %g] is not finite", axis, r.Min, r.Max)
	}
	if r.fixed() && !(r.Min < r.Max) {
		return fmt.Errorf("%s range [%g, %g]: Min must be < Max (or both 0 for automatic)", axis, r.Min, r.Max)
	}
	if r.fixed() && log && r.Min <= 0 {
		return fmt.Errorf("%s range [%g, %g] must be positive on a log axis", axis, r.Min, r.Max)
	}
	return nil
}

// axisRange returns the axis limits for the data span s: the fixed range if set, else the data's
// range widened by margin (a fraction of the span, in log space on log axes). With sticky0, a linear
// range whose data start at 0 gets no margin below 0 (histograms and bars).
func axisRange(s span, fixed Range, log bool, margin float64, sticky0 bool) (lo, hi float64) {
	if fixed.fixed() {
		return fixed.Min, fixed.Max
	}
	if s.n == 0 {
		if log {
			return 1, 10
		}
		return 0, 1
	}
	lo, hi = s.lo, s.hi
	if log {
		if lo == hi {
			return lo / 2, hi * 2
		}
		f := math.Pow(hi/lo, margin)
		return lo / f, hi * f
	}
	if lo == hi {
		d := math.Max(math.Abs(lo)*0.1, 0.5)
		return lo - d, hi + d
	}
	d := (hi - lo) * margin
	if !(sticky0 && lo == 0) {
		lo -= d
	}
	return lo, hi + d
}

// Layer is something drawn in an Axes: a *Line (also scatter and function plots) or a *Hist.
type Layer interface {
	validate() error
}

// Axes is a panel of x–y data: lines with markers, mean ± std bands, scatter plots, histograms and
// function curves, on linear or log axes, with an optional secondary y axis on the right.
type Axes struct {
	// Title is written above the data area.
	Title string
	// XLabel, YLabel and Y2Label label the bottom, left and right axes.
	XLabel, YLabel, Y2Label string
	// LogX, LogY and LogY2 make the axes logarithmic (non-positive values are not drawn).
	LogX, LogY, LogY2 bool
	// XRange, YRange and Y2Range fix the axis ranges (zero value: from the data).
	XRange, YRange, Y2Range Range
	// XTicks, when set, are the labelled x tick positions (e.g. 1, 5, 10, 15, 20 sources).
	XTicks []float64
	// XTickLabels, when set, label the XTicks (one label each, e.g. "1.25%").
	XTickLabels []string
	// Legend places the legend; LegendAuto picks the emptiest corner.
	Legend LegendPos
	// Grid draws light grid lines at the major ticks.
	Grid bool
	// Layers are drawn in order; each takes the next colour and marker of the theme's cycles.
	Layers []Layer
}

// Add appends layers.
func (a *Axes) Add(layers ...Layer) { a.Layers = append(a.Layers, layers...) }

// Line adds a line (with markers when it has at most 40 points) and returns it for styling.
func (a *Axes) Line(label string, x, y []float64) *Line {
	l := &Line{Label: label, X: x, Y: y}
	a.Add(l)
	return l
}

// LineStd adds a mean curve with a shaded mean ± std band and returns it for styling.
func (a *Axes) LineStd(label string, x, mean, std []float64) *Line {
	l := &Line{Label: label, X: x, Y: mean, Std: std}
	a.Add(l)
	return l
}

// Scatter adds a scatter plot (markers only) and returns it for styling.
func (a *Axes) Scatter(label string, x, y []float64) *Line {
	l := &Line{Label: label, X: x, Y: y, NoLine: true}
	a.Add(l)
	return l
}

// Func adds the curve of f sampled at 400 points over [lo, hi] (geometrically spaced when LogX is
// already set) and returns it for styling.
func (a *Axes) Func(label string, f func(float64) float64, lo, hi float64) *Line {
	const n = 400
	x, y := make([]float64, n), make([]float64, n)
	for i := range n {
		t := float64(i) / (n - 1)
		if a.LogX && lo > 0 && hi > 0 {
			x[i] = lo * math.Pow(hi/lo, t)
		} else {
			x[i] = lo + t*(hi-lo)
		}
		y[i] = f(x[i])
	}
	l := &Line{Label: label, X: x, Y: y, Marker: MarkerNone}
	a.Add(l)
	return l
}

// Hist adds a histogram (as counts, or as a PDF when density is set) and returns it for styling.
func (a *Axes) Hist(label string, h *Histogram, density bool) *Hist {
	hl := &Hist{Label: label, H: h, Density: density}
	a.Add(hl)
	return hl
}

// Validate implements Panel.
func (a *Axes) Validate() error {
	if err := a.validate(); err != nil {
		return fmt.Errorf("axes %q: %w", a.Title, err)
	}
	return nil
}

func (a *Axes) validate() error {
	if len(a.Layers) == 0 {
		return errors.New("no data (no layers)")
	}
	for _, r := range []struct {
		name string
		r    Range
		log  bool
	}{{"x", a.XRange, a.LogX}, {"y", a.YRange, a.LogY}, {"y2", a.Y2Range, a.LogY2}} {
		if err := r.r.validate(r.name, r.log); err != nil {
			return err
		}
	}
	for i, l := range a.Layers {
		if l == nil {
			return fmt.Errorf("layer %d is nil", i)
		}
		if err := l.validate(); err != nil {
			return fmt.Errorf("layer %d %q: %w", i, layerLabel(l), err)
		}
	}
	for _, t := range a.XTicks {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return fmt.Errorf("x tick %g is not finite", t)
		}
	}
	if a.XTickLabels != nil && len(a.XTickLabels) != len(a.XTicks) {
		return fmt.Errorf("mismatched lengths: %d XTickLabels for %d XTicks", len(a.XTickLabels), len(a.XTicks))
	}
	return nil
}

// layerLabel returns a layer's legend label (for error messages).
func layerLabel(l Layer) string {
	switch l := l.(type) {
	case *Line:
		return l.Label
	case *Hist:
		return l.Label
	}
	return ""
}

// prefSize implements Panel.
func (a *Axes) prefSize(th *Theme, s float64) (vg.Length, vg.Length) {
	w, h := 0.6*vg.Inch+2.5*vg.Inch*vg.Length(s), 0.5*vg.Inch+1.85*vg.Inch*vg.Length(s)
	if a.Title != "" {
		h += th.PanelTitleSize * 1.6
	}
	if a.Y2Label != "" {
		w += 0.5 * vg.Inch
	}
	if a.Legend == LegendOutside {
		w += layoutLegend(th, a.legendEntries(th), 1).w + legendOutsideGap
	}
	return w, h
}

// occupier is a plotter that can list the canvas points it covers (for legend placement).
type occupier interface {
	occupied(c draw.Canvas, p *plot.Plot) []vg.Point
}

// legendEntries implements LegendSource.
func (a *Axes) legendEntries(th *Theme) []legendEntry {
	var out []legendEntry
	for i, layer := range a.Layers {
		switch l := layer.(type) {
		case *Line:
			if l.Label == "" {
				continue
			}
			c, m := l.style(th, i)
			e := legendEntry{label: l.Label, color: c, marker: m, band: l.Std != nil || l.Lower != nil}
			if !l.NoLine {
				s := l.lineStyleOf(th, c)
				e.line = &s
			}
			out = append(out, e)
		case *Hist:
			if l.Label == "" {
				continue
			}
			c := l.colorOf(th, i)
			s := lineStyle(c, th.LineWidth)
			out = append(out, legendEntry{label: l.Label, color: c, line: &s, band: l.Filled})
		}
	}
	return out
}

// colorOf resolves the histogram's colour for cycle position i.
func (hl *Hist) colorOf(th *Theme, i int) color.Color {
	if hl.Color != nil {
		return hl.Color
	}
	return th.cycleColor(i)
}

// draw implements Panel.
func (a *Axes) draw(dc *drawCtx, c draw.Canvas) (drawn, error) {
	if err := a.Validate(); err != nil {
		return drawn{}, err
	}
	th := dc.th
	var sx, sy, sy2 span
	hasRight, onlyHist, anyHist := false, true, false
	for _, layer := range a.Layers {
		switch l := layer.(type) {
		case *Line:
			onlyHist = false
			if l.RightAxis {
				hasRight = true
				l.extend(&sx, &sy2, a.LogX, a.LogY2)
			} else {
				l.extend(&sx, &sy, a.LogX, a.LogY)
			}
		case *Hist:
			anyHist = true
			l.extend(&sx, &sy, a.LogX, a.LogY)
		}
	}
	if (sy.n == 0 && !onlyRight(a.Layers)) || (hasRight && sy2.n == 0) {
		axis := "left"
		if sy.n > 0 || onlyRight(a.Layers) {
			axis = "right"
		}
		return drawn{}, fmt.Errorf("axes %q: no point to draw against the %s axis: every point has a NaN "+
			"or infinite coordinate, or a non-positive one on a log axis", a.Title, axis)
	}
	xMargin := 0.04
	if onlyHist {
		xMargin = 0
	}
	p := th.newPlot()
	p.X.Min, p.X.Max = axisRange(sx, a.XRange, a.LogX, xMargin, false)
	// Histograms stand on y = 0 without a margin below; lines keep their margins.
	p.Y.Min, p.Y.Max = axisRange(sy, a.YRange, a.LogY, 0.05, anyHist)
	y2lo, y2hi := axisRange(sy2, a.Y2Range, a.LogY2, 0.05, false)
	if a.LogX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicker{}
	}
	if a.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicker{}
	}
	if a.XTicks != nil {
		ts := explicitTicks(a.XTicks)
		for i := range a.XTickLabels {
			ts[i].Label = a.XTickLabels[i]
		}
		p.X.Tick.Marker = ts
	}
	p.X.Label.Text, p.Y.Label.Text = a.XLabel, a.YLabel
	if a.Grid {
		p.Add(gridPlotter{color: th.GridColor, width: th.AxisWidth, x: true, y: true})
	}
	y2 := &resolvedAxis{lo: y2lo, hi: y2hi, log: a.LogY2}
	var occ []occupier
	for i, layer := range a.Layers {
		switch l := layer.(type) {
		case *Line:
			col, m := l.style(th, i)
			lp := &linePlotter{l: l, th: th, color: col, marker: m, yNorm: func(v float64) float64 { return p.Y.Norm(v) },
				logX: a.LogX, logY: a.LogY, yFloor: p.Y.Min}
			if l.RightAxis {
				lp.yNorm, lp.right, lp.logY, lp.yFloor = y2.norm, true, a.LogY2, y2lo
			}
			p.Add(lp)
			occ = append(occ, lp)
		case *Hist:
			hp := &histPlotter{hl: l, th: th, color: l.colorOf(th, i), logY: a.LogY, floor: p.Y.Min}
			p.Add(hp)
			occ = append(occ, hp)
		}
	}
	p.Add(framePlotter{sty: lineStyle(th.TextColor, th.AxisWidth)})

	f := frame{title: a.Title, legend: a.Legend, entries: a.legendEntries(th), y2Label: a.Y2Label,
		logY: a.LogY, logY2: a.LogY2, raiseY: !a.YRange.fixed() && sy.n > 0, raiseR: !a.Y2Range.fixed()}
	if hasRight {
		f.y2 = y2
	}
	occupied := func(dataC draw.Canvas) []vg.Point {
		var pts []vg.Point
		for _, o := range occ {
			pts = append(pts, o.occupied(dataC, p)...)
		}
		return pts
	}
	return f.draw(c, th, p, nil, occupied), nil
}

// onlyRight reports whether every layer is a line on the right axis.
func onlyRight(layers []Layer) bool {
	for _, l := range layers {
		if line, ok := l.(*Line); !ok || !line.RightAxis {
			return false
		}
	}
	return true
}

// explicitTicks labels the given positions: evenly spaced ones with a common number of decimals,
// others each in its shortest form (1.25, 2.5, 5, 12.5), very large or small ones as m×10^{k}.
func explicitTicks(vs []float64) plot.ConstantTicks {
	ts := make(plot.ConstantTicks, len(vs))
	maxAbs := 0.0
	for _, v := range vs {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	even := len(vs) > 2
	for i := 2; i < len(vs); i++ {
		if math.Abs((vs[i]-vs[i-1])-(vs[1]-vs[0])) > 1e-9*math.Max(maxAbs, 1e-300) {
			even = false
		}
	}
	dec := -1 // shortest form per value
	if even {
		for dec = 0; dec < 6; dec++ {
			p := math.Pow(10, float64(dec))
			exact := true
			for _, v := range vs {
				if math.Abs(math.Round(v*p)/p-v) > 1e-9*math.Max(maxAbs, 1e-300) {
					exact = false
					break
				}
			}
			if exact {
				break
			}
		}
	}
	for i, v := range vs {
		label := minus(strconv.FormatFloat(v, 'f', dec, 64))
		if maxAbs >= 1e5 || (maxAbs > 0 && maxAbs < 1e-3) {
			label = sciLabel(v)
		}
		ts[i] = plot.Tick{Value: v, Label: label}
	}
	return ts
}

// sciLabel writes v as m×10^{k} with up to 3 significant digits.
func sciLabel(v float64) string {
	if v == 0 {
		return "0"
	}
	k := int(math.Floor(math.Log10(math.Abs(v))))
	m := v / math.Pow(10, float64(k))
	return minus(strconv.FormatFloat(m, 'g', 3, 64)) + "×10" + superscript(k)
}

// gridPlotter draws light lines at the major ticks of both axes.
type gridPlotter struct {
	color color.Color
	width vg.Length
	x, y  bool // which lines to draw: vertical (x) and horizontal (y)
}

// Plot implements plot.Plotter.
func (g gridPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	sty := draw.LineStyle{Color: g.color, Width: g.width}
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if !g.x || t.IsMinor() || t.Value < p.X.Min || t.Value > p.X.Max {
			continue
		}
		x := c.X(p.X.Norm(t.Value))
		c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
	}
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if !g.y || t.IsMinor() || t.Value < p.Y.Min || t.Value > p.Y.Max {
			continue
		}
		y := c.Y(p.Y.Norm(t.Value))
		c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
	}
}

// resolvedAxis is a secondary y axis drawn by hand on the right of the data area.
type resolvedAxis struct {
	lo, hi float64
	log    bool
}

// norm maps v to [0, 1] along the axis.
func (r *resolvedAxis) norm(v float64) float64 {
	if r.log {
		return (math.Log(v) - math.Log(r.lo)) / (math.Log(r.hi) - math.Log(r.lo))
	}
	return (v - r.lo) / (r.hi - r.lo)
}

// ticks returns the axis ticks.
func (r *resolvedAxis) ticks() []plot.Tick {
	if r.log {
		return logTicks(r.lo, r.hi)
	}
	return linearTicks(r.lo, r.hi, 5, false)
}

// width returns the space the axis takes right of the data area.
func (r *resolvedAxis) width(th *Theme, label string) vg.Length {
	tick := th.textStyle(th.TickSize, false)
	var lw vg.Length
	for _, t := range r.ticks() {
		if t.Label != "" {
			lw = max(lw, tick.Width(t.Label))
		}
	}
	w := th.TickLength + colorBarLabelPad + lw
	if label != "" {
		ls := th.textStyle(th.LabelSize, false)
		w += 2*colorBarLabelPad + ascent(ls) + descent(ls)
	}
	return w
}

// draw draws tick marks, labels and the axis label along the right edge of data.
func (r *resolvedAxis) draw(c draw.Canvas, th *Theme, data vg.Rectangle, label string) {
	tick := th.textStyle(th.TickSize, false)
	axis := lineStyle(th.TextColor, th.AxisWidth)
	var lw vg.Length
	x := data.Max.X
	for _, t := range r.ticks() {
		if t.Value < r.lo || t.Value > r.hi {
			continue
		}
		y := data.Min.Y + vg.Length(r.norm(t.Value))*(data.Max.Y-data.Min.Y)
		l := th.TickLength
		if t.Label == "" {
			l /= 2
		}
		c.StrokeLine2(axis, x, y, x+l, y)
		if t.Label != "" {
			fillBaseline(c, tick, x+th.TickLength+colorBarLabelPad, y-ascent(tick)/2+descent(tick)/3, draw.XLeft, t.Label)
			lw = max(lw, tick.Width(t.Label))
		}
	}
	if label != "" {
		ls := th.textStyle(th.LabelSize, false)
		ls.Rotation = math.Pi / 2
		ls.XAlign = draw.XCenter
		ls.YAlign = draw.YTop
		c.FillText(ls, vg.Point{X: x + th.TickLength + 2*colorBarLabelPad + lw, Y: (data.Min.Y + data.Max.Y) / 2}, label)
	}
}
