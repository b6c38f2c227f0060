package plots

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Panel is one cell of a figure: a Heatmap, an Axes, a BarChart, a Legend, a nested Grid or a
// PlotPanel wrapping any gonum plot. Panels are plain structs: set their fields, then add them to a
// Figure; Figure.Render validates every panel before drawing.
type Panel interface {
	// Validate reports the first problem with the panel's data or settings.
	Validate() error
	// prefSize returns the panel's natural size with its scalable parts (data areas) multiplied
	// by s; text and padding keep their size.
	prefSize(th *Theme, s float64) (w, h vg.Length)
	// draw draws the panel inside c and reports what it covered.
	draw(dc *drawCtx, c draw.Canvas) (drawn, error)
}

// Float is the element type of the data slices accepted by the generic helpers.
type Float interface{ ~float32 | ~float64 }

// Float64s returns a float64 copy of s (so that float32 tensors plot directly).
func Float64s[T Float](s []T) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// drawCtx carries what every panel needs while drawing.
type drawCtx struct {
	th *Theme
	// dpi is the raster resolution of the output (0 for vector formats).
	dpi float64
	// shared overrides a heatmap's own colour scale when its grid has a shared colour bar.
	shared *resolvedScale
	// layout, when not nil, records what each panel covered (used by tests to find pixels).
	layout map[Panel]drawn
}

// drawn reports the rectangles a panel covered: everything it drew, and its data area (for
// aligning shared colour bars and panel letters).
type drawn struct {
	outer, data vg.Rectangle
}

// newPlot returns a gonum plot in the theme's style: thin axes touching the data area, short ticks,
// nice linear tick marks.
func (th *Theme) newPlot() *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil
	styleAxis(&p.X, th)
	styleAxis(&p.Y, th)
	return p
}

// styleAxis applies the theme to a gonum axis.
func styleAxis(a *plot.Axis, th *Theme) {
	a.Padding = 0
	a.LineStyle = lineStyle(th.TextColor, th.AxisWidth)
	a.Tick.LineStyle = lineStyle(th.TextColor, th.AxisWidth)
	a.Tick.Length = th.TickLength
	a.Tick.Marker = linearTicker{n: 5}
	tick := th.textStyle(th.TickSize, false)
	a.Tick.Label.Font = tick.Font
	a.Tick.Label.Color = th.TextColor
	a.Tick.Label.Handler = tick.Handler
	label := th.textStyle(th.LabelSize, false)
	a.Label.TextStyle.Font = label.Font
	a.Label.TextStyle.Color = th.TextColor
	a.Label.TextStyle.Handler = label.Handler
	a.Label.Padding = vg.Points(2)
}

// framePlotter strokes a closed rectangle around the data area.
type framePlotter struct{ sty draw.LineStyle }

// Plot implements plot.Plotter.
func (f framePlotter) Plot(c draw.Canvas, _ *plot.Plot) {
	strokeRect(c, f.sty, c.Rectangle)
}

// strokeRect strokes a closed rectangle.
func strokeRect(c draw.Canvas, sty draw.LineStyle, r vg.Rectangle) {
	c.SetLineStyle(sty)
	var p vg.Path
	p.Move(r.Min)
	p.Line(vg.Point{X: r.Max.X, Y: r.Min.Y})
	p.Line(r.Max)
	p.Line(vg.Point{X: r.Min.X, Y: r.Max.Y})
	p.Close()
	c.Stroke(p)
}

// fillRect fills a rectangle.
func fillRect(c draw.Canvas, clr interface{ RGBA() (r, g, b, a uint32) }, r vg.Rectangle) {
	c.SetColor(clr)
	c.Fill(r.Path())
}

// dataSize returns the size of the data area a plot would get inside c.
func dataSize(p *plot.Plot, c draw.Canvas) (w, h vg.Length) {
	d := p.DataCanvas(c)
	return d.Max.X - d.Min.X, d.Max.Y - d.Min.Y
}

// snap rounds a length to whole output pixels (no-op for vector output).
func snap(l vg.Length, dpi float64) vg.Length {
	if dpi <= 0 {
		return l
	}
	return vg.Length(math.Round(float64(l)/72*dpi) * 72 / dpi)
}

// snapRect rounds a rectangle's corners to whole output pixels.
func snapRect(r vg.Rectangle, dpi float64) vg.Rectangle {
	return vg.Rectangle{
		Min: vg.Point{X: snap(r.Min.X, dpi), Y: snap(r.Min.Y, dpi)},
		Max: vg.Point{X: snap(r.Max.X, dpi), Y: snap(r.Max.Y, dpi)},
	}
}

// union returns the smallest rectangle holding a and b (an empty a is ignored).
func union(a, b vg.Rectangle) vg.Rectangle {
	if a.Size().X <= 0 && a.Size().Y <= 0 {
		return b
	}
	return vg.Rectangle{
		Min: vg.Point{X: min(a.Min.X, b.Min.X), Y: min(a.Min.Y, b.Min.Y)},
		Max: vg.Point{X: max(a.Max.X, b.Max.X), Y: max(a.Max.Y, b.Max.Y)},
	}
}

// fillBaseline writes one line of text with its baseline at y, aligned horizontally at x by xa.
func fillBaseline(c draw.Canvas, sty draw.TextStyle, x, y vg.Length, xa draw.XAlignment, txt string) {
	sty.XAlign = xa
	sty.YAlign = draw.YBottom
	sty.Rotation = 0
	c.FillText(sty, vg.Point{X: x, Y: y - (sty.Font.Size - sty.FontExtents().Ascent)}, txt)
}

// ascent returns the height above the baseline of the style's font.
func ascent(sty draw.TextStyle) vg.Length { return sty.FontExtents().Ascent }

// descent returns the depth below the baseline of the style's font.
func descent(sty draw.TextStyle) vg.Length { return sty.FontExtents().Descent }
