package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// frame is what Axes and BarChart draw around their plot: the title above the data area, the
// optional right y axis, and the legend, placed automatically where it hides the least data (raising
// the tops of the y ranges that are not fixed when every corner covers data).
type frame struct {
	title          string
	legend         LegendPos
	entries        []legendEntry
	y2             *resolvedAxis // The right axis, or nil.
	y2Label        string
	logY, logY2    bool
	raiseY, raiseR bool // Whether the left and right ranges may be raised for the legend.
}

// draw lays out the frame on c, draws p in it and the frame's decorations around it. prepare, when
// not nil, is called with the plot's canvas before the legend is placed; occupied lists the data
// points the legend should avoid.
func (f *frame) draw(c draw.Canvas, th *Theme, p *plot.Plot, prepare func(inner draw.Canvas),
	occupied func(draw.Canvas) []vg.Point) drawn {
	title := th.textStyle(th.PanelTitleSize, false)
	var titleH, rightW vg.Length
	if f.title != "" {
		titleH = ascent(title) + descent(title) + 3
	}
	if f.y2 != nil {
		rightW = f.y2.width(th, f.y2Label)
	}
	showLegend := f.legend != LegendNone && len(f.entries) > 0
	var ll legendLayout
	var legendW vg.Length
	if showLegend {
		ll = layoutLegend(th, f.entries, 1)
		if f.legend == LegendOutside {
			legendW = ll.w + legendOutsideGap
		}
	}
	inner := draw.Crop(c, 0, -(rightW + legendW), 0, -titleH)
	if prepare != nil {
		prepare(inner)
	}
	var pos LegendPos
	if showLegend {
		raise := func(frac float64) bool {
			raised := false
			if f.raiseY {
				p.Y.Max, raised = headroom(p.Y.Min, p.Y.Max, f.logY, frac), true
			}
			if f.y2 != nil && f.raiseR {
				f.y2.hi, raised = headroom(f.y2.lo, f.y2.hi, f.logY2, frac), true
			}
			if raised && f.y2 != nil {
				rightW = f.y2.width(th, f.y2Label)
				inner = draw.Crop(c, 0, -(rightW + legendW), 0, -titleH)
			}
			return raised
		}
		pos = placeLegend(ll, f.legend, func() draw.Canvas { return p.DataCanvas(inner) }, occupied, raise)
	}
	p.Draw(inner)
	data := p.DataCanvas(inner).Rectangle
	if f.y2 != nil {
		f.y2.draw(c, th, data, f.y2Label)
	}
	switch {
	case showLegend && pos == LegendOutside:
		ll.draw(c, th, vg.Point{X: c.Max.X - ll.w, Y: data.Max.Y - ll.h}, false)
	case showLegend:
		ll.draw(c, th, ll.corner(data, pos), true)
	}
	if f.title != "" {
		fillBaseline(c, title, (data.Min.X+data.Max.X)/2, inner.Max.Y+descent(title)+3, draw.XCenter, f.title)
	}
	return drawn{outer: c.Rectangle, data: data}
}
