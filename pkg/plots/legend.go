package plots

import (
	"errors"
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LegendPos places a panel's legend.
type LegendPos int

// Legend positions. LegendAuto picks the corner that covers the fewest drawn points (making room at
// the top of the y axis when every corner covers data); LegendOutside puts the legend right of the
// data area, outside it.
const (
	LegendAuto LegendPos = iota
	LegendNone
	LegendTopRight
	LegendTopLeft
	LegendBottomRight
	LegendBottomLeft
	LegendOutside
)

// legendOutsideGap separates an outside legend from the axes.
const legendOutsideGap = vg.Length(6)

// legendEntry describes one legend row.
type legendEntry struct {
	label  string
	color  color.Color
	line   *draw.LineStyle // nil: no line sample
	marker Marker
	band   bool // a translucent band behind the sample
	box    bool // a filled box (bars)
}

// legendLayout holds the measured geometry of a legend.
type legendLayout struct {
	entries    []legendEntry
	cols, rows int
	colW       []vg.Length
	rowH       vg.Length
	w, h       vg.Length
}

const (
	legendPad    = vg.Length(4)  // inside the frame
	legendSample = vg.Length(16) // width of the line sample
	legendGap    = vg.Length(4)  // between sample and label
	legendColGap = vg.Length(10) // between columns
	legendMargin = vg.Length(4)  // between the frame and the data area's edge
)

// layoutLegend measures a legend of the given number of columns.
func layoutLegend(th *Theme, entries []legendEntry, cols int) legendLayout {
	cols = max(1, min(cols, len(entries)))
	rows := (len(entries) + cols - 1) / cols
	sty := th.textStyle(th.LegendSize, false)
	ll := legendLayout{entries: entries, cols: cols, rows: rows, colW: make([]vg.Length, cols)}
	ll.rowH = (ascent(sty) + descent(sty)) * 1.2
	for i, e := range entries {
		c := i / rows
		ll.colW[c] = max(ll.colW[c], legendSample+legendGap+sty.Width(e.label))
	}
	ll.w = 2 * legendPad
	for i, w := range ll.colW {
		ll.w += w
		if i > 0 {
			ll.w += legendColGap
		}
	}
	ll.h = 2*legendPad + vg.Length(rows)*ll.rowH
	return ll
}

// draw draws the legend with its lower-left corner at origin; framed draws a white box behind it.
func (ll legendLayout) draw(c draw.Canvas, th *Theme, origin vg.Point, framed bool) {
	if framed {
		r := vg.Rectangle{Min: origin, Max: vg.Point{X: origin.X + ll.w, Y: origin.Y + ll.h}}
		fillRect(c, color.NRGBA{255, 255, 255, 230}, r)
		strokeRect(c, lineStyle(color.NRGBA{0xC8, 0xC8, 0xC8, 0xFF}, th.AxisWidth), r)
	}
	sty := th.textStyle(th.LegendSize, false)
	x := origin.X + legendPad
	for col := range ll.cols {
		for row := range ll.rows {
			i := col*ll.rows + row
			if i >= len(ll.entries) {
				break
			}
			e := ll.entries[i]
			top := origin.Y + ll.h - legendPad - vg.Length(row)*ll.rowH
			mid := top - ll.rowH/2
			if e.band {
				fillRect(c, withAlpha(e.color, th.BandAlpha), vg.Rectangle{
					Min: vg.Point{X: x, Y: mid - ll.rowH*0.35}, Max: vg.Point{X: x + legendSample, Y: mid + ll.rowH*0.35}})
			}
			if e.box {
				r := vg.Rectangle{Min: vg.Point{X: x + 3, Y: mid - ll.rowH*0.32}, Max: vg.Point{X: x + legendSample - 3, Y: mid + ll.rowH*0.32}}
				fillRect(c, e.color, r)
				strokeRect(c, lineStyle(th.TextColor, th.AxisWidth*0.7), r)
			}
			if e.line != nil {
				c.StrokeLine2(*e.line, x, mid, x+legendSample, mid)
			}
			if g := e.marker.glyph(); g != nil {
				c.DrawGlyphNoClip(draw.GlyphStyle{Color: e.color, Radius: th.MarkerRadius, Shape: g},
					vg.Point{X: x + legendSample/2, Y: mid})
			}
			fillBaseline(c, sty, x+legendSample+legendGap, mid-ascent(sty)/2+descent(sty)/3, draw.XLeft, e.label)
		}
		x += ll.colW[col] + legendColGap
	}
}

// corner returns the lower-left corner of the legend placed at pos inside data.
func (ll legendLayout) corner(data vg.Rectangle, pos LegendPos) vg.Point {
	left := data.Min.X + legendMargin
	right := data.Max.X - legendMargin - ll.w
	bottom := data.Min.Y + legendMargin
	top := data.Max.Y - legendMargin - ll.h
	switch pos {
	case LegendTopLeft:
		return vg.Point{X: left, Y: top}
	case LegendBottomRight:
		return vg.Point{X: right, Y: bottom}
	case LegendBottomLeft:
		return vg.Point{X: left, Y: bottom}
	}
	return vg.Point{X: right, Y: top}
}

// bestCorner returns the corner whose legend box covers the fewest occupied points, and that number.
// Top corners win ties.
func (ll legendLayout) bestCorner(data vg.Rectangle, occupied []vg.Point) (LegendPos, int) {
	best, bestN := LegendTopRight, math.MaxInt
	for _, p := range []LegendPos{LegendTopRight, LegendTopLeft, LegendBottomRight, LegendBottomLeft} {
		o := ll.corner(data, p)
		n := 0
		for _, q := range occupied {
			if q.X >= o.X-2 && q.X <= o.X+ll.w+2 && q.Y >= o.Y-2 && q.Y <= o.Y+ll.h+2 {
				n++
			}
		}
		if n < bestN {
			best, bestN = p, n
		}
	}
	return best, bestN
}

// headroom returns the new top of an axis [lo, hi] such that the old top sits at 1-frac of the axis.
func headroom(lo, hi float64, log bool, frac float64) float64 {
	if log {
		return lo * math.Pow(hi/lo, 1/(1-frac))
	}
	return lo + (hi-lo)/(1-frac)
}

// placeLegend resolves a legend position. For LegendAuto it takes the corner covering the fewest
// occupied points; when every corner covers data it first calls raiseTop to make headroom at the
// top of the y axes (which returns false when the ranges are fixed) and looks again.
func placeLegend(ll legendLayout, pos LegendPos, dataC func() draw.Canvas,
	occupied func(draw.Canvas) []vg.Point, raiseTop func(frac float64) bool) LegendPos {
	if pos != LegendAuto {
		return pos
	}
	dc := dataC()
	best, n := ll.bestCorner(dc.Rectangle, occupied(dc))
	if n > 0 {
		frac := float64((ll.h + 2*legendMargin) / (dc.Max.Y - dc.Min.Y))
		if frac < 0.6 && raiseTop(frac) {
			dc = dataC()
			best, _ = ll.bestCorner(dc.Rectangle, occupied(dc))
		}
	}
	return best
}

// LegendSource is a panel whose legend entries a Legend panel can show (Axes and BarChart).
type LegendSource interface {
	Panel
	legendEntries(th *Theme) []legendEntry
}

// Legend is a panel that shows the legend of another panel on its own, e.g. the sixth cell of a 2×3
// figure whose five panels share their curves. Set the source panel's Legend to LegendNone to avoid
// drawing it twice.
type Legend struct {
	// Of is the panel whose entries are shown.
	Of LegendSource
	// Title is written above the entries.
	Title string
	// Columns is the number of columns; 0 picks as few as fit the cell's height.
	Columns int
}

// Validate implements Panel.
func (l *Legend) Validate() error {
	if l.Of == nil {
		return errors.New("legend panel: Of is nil")
	}
	return nil
}

// prefSize implements Panel.
func (l *Legend) prefSize(th *Theme, _ float64) (vg.Length, vg.Length) {
	if l.Of == nil {
		return 0, 0
	}
	cols := max(l.Columns, 1)
	ll := layoutLegend(th, l.Of.legendEntries(th), cols)
	return ll.w + 0.4*vg.Inch, ll.h + 0.4*vg.Inch
}

// draw implements Panel.
func (l *Legend) draw(dc *drawCtx, c draw.Canvas) (drawn, error) {
	if err := l.Validate(); err != nil {
		return drawn{}, err
	}
	th := dc.th
	entries := l.Of.legendEntries(th)
	if len(entries) == 0 {
		return drawn{}, nil
	}
	avail := c.Rectangle
	title := th.textStyle(th.LabelSize, true)
	var titleH vg.Length
	if l.Title != "" {
		titleH = ascent(title) + descent(title) + 3
	}
	cols := l.Columns
	if cols <= 0 {
		cols = 1
		for cols < len(entries) && layoutLegend(th, entries, cols).h+titleH > avail.Size().Y {
			cols++
		}
	}
	ll := layoutLegend(th, entries, cols)
	w, h := ll.w, ll.h+titleH
	origin := vg.Point{X: avail.Min.X + (avail.Size().X-w)/2, Y: avail.Min.Y + (avail.Size().Y-h)/2}
	ll.draw(c, th, origin, false)
	if l.Title != "" {
		fillBaseline(c, title, origin.X+legendPad, origin.Y+ll.h+descent(title), draw.XLeft, l.Title)
	}
	r := vg.Rectangle{Min: origin, Max: vg.Point{X: origin.X + w, Y: origin.Y + h}}
	return drawn{outer: r, data: r}, nil
}
