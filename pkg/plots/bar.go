package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bars is one series of a BarChart: one value per category.
type Bars struct {
	// Label names the series in the legend.
	Label string
	// Values holds one value per category; NaN values are not drawn.
	Values []float64
	// Color fills the bars; nil takes the next colour of the theme's cycle.
	Color color.Color
	// RightAxis plots the series against the secondary (right) y axis.
	RightAxis bool
}

// BarChart is a panel of grouped bars: one group per category, one bar per series, on a linear or
// log y axis, with an optional secondary y axis for series of another magnitude (2021 Fig. 6d:
// mean residual on the left, 99th percentile and maximum on the right).
type BarChart struct {
	// Title is written above the data area.
	Title string
	// XLabel, YLabel and Y2Label label the bottom, left and right axes.
	XLabel, YLabel, Y2Label string
	// Categories name the groups along the x axis.
	Categories []string
	// Series are the bar series, drawn side by side within each group.
	Series []*Bars
	// LogY and LogY2 make the y axes logarithmic (bars then start at the bottom of the axis).
	LogY, LogY2 bool
	// YRange and Y2Range fix the y ranges (zero value: from the data, including 0 on linear axes).
	YRange, Y2Range Range
	// Legend places the legend; LegendAuto picks the emptiest corner.
	Legend LegendPos
	// Grid draws light horizontal lines at the major y ticks.
	Grid bool
	// RotateLabels slants the category labels by 45° (for long names).
	RotateLabels bool
}

// Add appends a series and returns it for styling.
func (b *BarChart) Add(label string, values []float64) *Bars {
	s := &Bars{Label: label, Values: values}
	b.Series = append(b.Series, s)
	return s
}

// Validate implements Panel.
func (b *BarChart) Validate() error {
	if err := b.validate(); err != nil {
		return fmt.Errorf("bar chart %q: %w", b.Title, err)
	}
	return nil
}

func (b *BarChart) validate() error {
	if len(b.Categories) == 0 {
		return errors.New("no categories")
	}
	if len(b.Series) == 0 {
		return errors.New("no series")
	}
	if err := b.YRange.validate("y", b.LogY); err != nil {
		return err
	}
	if err := b.Y2Range.validate("y2", b.LogY2); err != nil {
		return err
	}
	for i, s := range b.Series {
		if s == nil {
			return fmt.Errorf("series %d is nil", i)
		}
		if len(s.Values) != len(b.Categories) {
			return fmt.Errorf("series %q: mismatched lengths: %d values for %d categories",
				s.Label, len(s.Values), len(b.Categories))
		}
	}
	return nil
}

// prefSize implements Panel.
func (b *BarChart) prefSize(th *Theme, s float64) (vg.Length, vg.Length) {
	w := 0.6*vg.Inch + max(2.5*vg.Inch, vg.Length(len(b.Categories)*max(len(b.Series), 1))*6)*vg.Length(s)
	h := 0.5*vg.Inch + 1.85*vg.Inch*vg.Length(s)
	if b.Y2Label != "" {
		w += 0.5 * vg.Inch
	}
	if b.Legend == LegendOutside {
		w += layoutLegend(th, b.legendEntries(th), 1).w + legendOutsideGap
	}
	if b.Title != "" {
		h += th.PanelTitleSize * 1.6
	}
	return w, h
}

// legendEntries implements LegendSource.
func (b *BarChart) legendEntries(th *Theme) []legendEntry {
	var out []legendEntry
	for i, s := range b.Series {
		if s.Label != "" {
			out = append(out, legendEntry{label: s.Label, color: b.colorOf(th, i), marker: MarkerNone, box: true})
		}
	}
	return out
}

// colorOf resolves the colour of series i.
func (b *BarChart) colorOf(th *Theme, i int) color.Color {
	if c := b.Series[i].Color; c != nil {
		return c
	}
	return th.cycleColor(i)
}

// draw implements Panel.
func (b *BarChart) draw(dc *drawCtx, c draw.Canvas) (drawn, error) {
	if err := b.Validate(); err != nil {
		return drawn{}, err
	}
	th := dc.th
	var sy, sy2 span
	hasRight := false
	for _, s := range b.Series {
		sp, log := &sy, b.LogY
		if s.RightAxis {
			sp, log, hasRight = &sy2, b.LogY2, true
		}
		for _, v := range s.Values {
			if sp.ok(v, log) {
				sp.add(v)
			}
		}
		if !log {
			sp.add(0)
		}
	}
	p := th.newPlot()
	n := len(b.Categories)
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = axisRange(sy, b.YRange, b.LogY, 0.05, true)
	y2lo, y2hi := axisRange(sy2, b.Y2Range, b.LogY2, 0.05, true)
	if b.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicker{}
	}
	p.X.Tick.Marker = categoryTicks(b.Categories, 1)
	p.X.Tick.Length = 0
	if b.RotateLabels {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	p.X.Label.Text, p.Y.Label.Text = b.XLabel, b.YLabel
	if b.Grid {
		p.Add(gridPlotter{color: th.GridColor, width: th.AxisWidth, y: true})
	}
	y2 := &resolvedAxis{lo: y2lo, hi: y2hi, log: b.LogY2}
	bp := &barPlotter{b: b, th: th, yNorm: func(v float64) float64 { return p.Y.Norm(v) }, y2: y2, yFloor: p.Y.Min}
	p.Add(bp)
	p.Add(framePlotter{sty: lineStyle(th.TextColor, th.AxisWidth)})

	f := frame{title: b.Title, legend: b.Legend, entries: b.legendEntries(th), y2Label: b.Y2Label,
		logY: b.LogY, logY2: b.LogY2, raiseY: !b.YRange.fixed() && sy.n > 0, raiseR: !b.Y2Range.fixed()}
	if hasRight {
		f.y2 = y2
	}
	// Thin the category labels when they would overlap.
	thin := func(inner draw.Canvas) {
		if b.RotateLabels {
			return
		}
		tick := th.textStyle(th.TickSize, false)
		var lw vg.Length
		for _, s := range b.Categories {
			lw = max(lw, tick.Width(s))
		}
		if w, _ := dataSize(p, inner); w > 0 {
			p.X.Tick.Marker = categoryTicks(b.Categories, int(math.Ceil(float64((lw+4)/(w/vg.Length(n))))))
		}
	}
	occupied := func(dc draw.Canvas) []vg.Point { return bp.occupied(dc, p) }
	return f.draw(c, th, p, thin, occupied), nil
}

// barPlotter draws the bars of a BarChart.
type barPlotter struct {
	b      *BarChart
	th     *Theme
	yNorm  func(float64) float64
	y2     *resolvedAxis
	yFloor float64
}

// rects returns the bar rectangles in canvas coordinates, per series.
func (bp *barPlotter) rects(c draw.Canvas, p *plot.Plot) [][]vg.Rectangle {
	k := len(bp.b.Series)
	w := 0.8 / float64(k)
	out := make([][]vg.Rectangle, k)
	for j, s := range bp.b.Series {
		norm, log, base := bp.yNorm, bp.b.LogY, 0.0
		if log {
			base = bp.yFloor
		}
		if s.RightAxis {
			norm, log, base = bp.y2.norm, bp.b.LogY2, 0
			if log {
				base = bp.y2.lo
			}
		}
		for i, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) || (log && v <= 0) {
				continue
			}
			x0 := float64(i) - 0.4 + float64(j)*w
			r := vg.Rectangle{
				Min: vg.Point{X: c.X(p.X.Norm(x0)), Y: c.Y(norm(math.Min(base, v)))},
				Max: vg.Point{X: c.X(p.X.Norm(x0 + w)), Y: c.Y(norm(math.Max(base, v)))},
			}
			r.Min.Y = max(r.Min.Y, c.Min.Y)
			r.Max.Y = min(r.Max.Y, c.Max.Y)
			if r.Max.Y > r.Min.Y {
				out[j] = append(out[j], r)
			}
		}
	}
	return out
}

// Plot implements plot.Plotter.
func (bp *barPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	edge := lineStyle(bp.th.TextColor, bp.th.AxisWidth*0.7)
	for j, rs := range bp.rects(c, p) {
		col := bp.b.colorOf(bp.th, j)
		for _, r := range rs {
			fillRect(c, col, r)
			strokeRect(c, edge, r)
		}
	}
}

// occupied returns points covering the bars (for legend placement).
func (bp *barPlotter) occupied(c draw.Canvas, p *plot.Plot) []vg.Point {
	var out []vg.Point
	for _, rs := range bp.rects(c, p) {
		for _, r := range rs {
			for y := r.Min.Y; y <= r.Max.Y; y += 3 {
				out = append(out, vg.Point{X: r.Min.X, Y: y}, vg.Point{X: r.Max.X, Y: y})
			}
			out = append(out, r.Max)
		}
	}
	return out
}
