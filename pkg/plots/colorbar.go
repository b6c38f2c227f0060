package plots

import (
	"image"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const (
	colorBarGap      = vg.Length(6) // between the data area and the bar
	colorBarLabelPad = vg.Length(2.5)
)

// colorBarTicks returns the labelled ticks of a resolved scale.
func colorBarTicks(sc *resolvedScale) []plot.Tick {
	var ticks []plot.Tick
	if sc.log {
		ticks = logTicks(sc.lo, sc.hi)
	} else {
		ticks = linearTicks(sc.lo, sc.hi, 5, false)
	}
	return ticks
}

// colorBarWidth returns the horizontal space a colour bar for sc takes right of the data area.
func colorBarWidth(th *Theme, sc *resolvedScale) vg.Length {
	tick := th.textStyle(th.TickSize, false)
	w := colorBarGap + th.ColorBarWidth + th.TickLength + colorBarLabelPad
	var lw vg.Length
	for _, t := range colorBarTicks(sc) {
		if t.Label != "" {
			lw = max(lw, tick.Width(t.Label))
		}
	}
	if sc.hasNaN {
		lw = max(lw, tick.Width("NaN")+th.TickLength)
	}
	w += lw
	if sc.label != "" {
		label := th.textStyle(th.LabelSize, false)
		w += colorBarLabelPad + ascent(label) + descent(label)
	}
	return w
}

// drawColorBar draws a vertical colour bar whose strip spans the height of dataRect, starting
// colorBarGap to the right of it. It returns the rectangle it covered.
func drawColorBar(dc *drawCtx, c draw.Canvas, sc *resolvedScale, dataRect vg.Rectangle) vg.Rectangle {
	th := dc.th
	tick := th.textStyle(th.TickSize, false)
	x0 := dataRect.Max.X + colorBarGap
	bar := vg.Rectangle{
		Min: vg.Point{X: x0, Y: dataRect.Min.Y},
		Max: vg.Point{X: x0 + th.ColorBarWidth, Y: dataRect.Max.Y},
	}
	covered := bar
	if sc.hasNaN {
		// A NaN swatch below the gradient, as tall as the bar is wide.
		sw := vg.Rectangle{Min: bar.Min, Max: vg.Point{X: bar.Max.X, Y: bar.Min.Y + th.ColorBarWidth}}
		sw = snapRect(sw, dc.dpi)
		fillRect(c, sc.nan, sw)
		strokeRect(c, lineStyle(th.TextColor, th.AxisWidth), sw)
		fillBaseline(c, tick, sw.Max.X+colorBarLabelPad, (sw.Min.Y+sw.Max.Y)/2-ascent(tick)/2+descent(tick)/3,
			draw.XLeft, "NaN")
		bar.Min.Y += th.ColorBarWidth + th.ColorBarWidth/2
	}
	bar = snapRect(bar, dc.dpi)
	if bar.Size().Y <= 0 || bar.Size().X <= 0 {
		return covered
	}
	c.DrawImage(bar, gradientImage(sc, bar, dc.dpi))
	strokeRect(c, lineStyle(th.TextColor, th.AxisWidth), bar)

	// Ticks and labels.
	axis := lineStyle(th.TextColor, th.AxisWidth)
	pos := func(v float64) vg.Length {
		return bar.Min.Y + vg.Length(sc.norm(v))*(bar.Max.Y-bar.Min.Y)
	}
	var labelW vg.Length
	for _, t := range colorBarTicks(sc) {
		if t.Value < sc.lo-1e-9*math.Abs(sc.hi-sc.lo) || t.Value > sc.hi+1e-9*math.Abs(sc.hi-sc.lo) {
			continue
		}
		y := pos(t.Value)
		l := th.TickLength
		if t.Label == "" {
			l /= 2
		}
		c.StrokeLine2(axis, bar.Max.X, y, bar.Max.X+l, y)
		if t.Label != "" {
			fillBaseline(c, tick, bar.Max.X+th.TickLength+colorBarLabelPad, y-ascent(tick)/2+descent(tick)/3,
				draw.XLeft, t.Label)
			labelW = max(labelW, tick.Width(t.Label))
		}
	}
	right := bar.Max.X + th.TickLength + colorBarLabelPad + labelW
	if sc.hasNaN {
		right = max(right, bar.Max.X+colorBarLabelPad+tick.Width("NaN"))
	}
	if sc.label != "" {
		label := th.textStyle(th.LabelSize, false)
		label.Rotation = math.Pi / 2
		label.XAlign = draw.XCenter
		label.YAlign = draw.YTop
		c.FillText(label, vg.Point{X: right + colorBarLabelPad, Y: (bar.Min.Y + bar.Max.Y) / 2}, sc.label)
		right += colorBarLabelPad + ascent(label) + descent(label)
	}
	covered.Max.X = right
	return covered
}

// gradientImage renders the colour strip of a bar occupying rect: one pixel per output row when the
// output is raster, 256 rows otherwise.
func gradientImage(sc *resolvedScale, rect vg.Rectangle, dpi float64) image.Image {
	w, h := 1, 256
	if rw, rh := float64(rect.Size().X), float64(rect.Size().Y); rh > 0 {
		// Keep the strip's aspect ratio: SVG viewers letterbox images whose aspect differs.
		w = max(1, int(math.Round(256*rw/rh)))
	}
	if dpi > 0 {
		w = max(1, int(math.Round(float64(rect.Size().X)/72*dpi)))
		h = max(1, int(math.Round(float64(rect.Size().Y)/72*dpi)))
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		col := sc.cmap.At(1 - (float64(y)+0.5)/float64(h))
		for x := range w {
			img.SetNRGBA(x, y, col)
		}
	}
	return img
}
