package fig2020

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
)

// A small vocabulary of schematic drawing on gonum/plot: the diagrams of figures 3, 4 and 6 are lists
// of shapes in a W × H coordinate space (x to the right, y up), drawn by a plot.Plotter on a plot with
// hidden axes. Node radii, line widths and text sizes are in points, so nodes stay round whatever the
// figure's aspect ratio.

// shape is one element of a diagram.
type shape interface {
	draw(c draw.Canvas, tx, ty func(float64) vg.Length)
}

// diagram is a list of shapes over [0, W] × [0, H].
type diagram struct {
	W, H   float64
	shapes []shape
}

func (d *diagram) add(s ...shape) { d.shapes = append(d.shapes, s...) }

// Plot implements plot.Plotter.
func (d *diagram) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	for _, s := range d.shapes {
		s.draw(c, tx, ty)
	}
}

// panel returns the diagram as a figure panel.
func (d *diagram) panel() *plots.PlotPanel {
	p := plot.New()
	p.HideAxes()
	p.BackgroundColor = color.Transparent
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, d.W, 0, d.H
	p.Add(d)
	return &plots.PlotPanel{Plot: p}
}

// node is a neuron: a filled circle with an outline.
type node struct {
	x, y   float64
	r      vg.Length
	fill   color.Color
	dashed bool
}

func (n node) draw(c draw.Canvas, tx, ty func(float64) vg.Length) {
	pt := vg.Point{X: tx(n.x), Y: ty(n.y)}
	var path vg.Path
	path.Move(vg.Point{X: pt.X + n.r, Y: pt.Y})
	path.Arc(pt, n.r, 0, 2*math.Pi)
	path.Close()
	c.SetColor(n.fill)
	c.Fill(path)
	c.SetColor(color.Black)
	c.SetLineWidth(0.6)
	c.SetLineDash(nil, 0)
	if n.dashed {
		c.SetLineDash([]vg.Length{2, 1.5}, 0)
	}
	c.Stroke(path)
	c.SetLineDash(nil, 0)
}

// segment is a straight line, optionally ending in an arrow head.
type segment struct {
	x0, y0, x1, y1 float64
	width          vg.Length
	color          color.Color
	arrow, dashed  bool
}

func (s segment) draw(c draw.Canvas, tx, ty func(float64) vg.Length) {
	a, b := vg.Point{X: tx(s.x0), Y: ty(s.y0)}, vg.Point{X: tx(s.x1), Y: ty(s.y1)}
	sty := draw.LineStyle{Color: s.color, Width: s.width}
	if s.dashed {
		sty.Dashes = []vg.Length{3, 2}
	}
	if s.arrow {
		// Stop the line at the base of the head.
		dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
		l := math.Hypot(dx, dy)
		if l > 0 {
			const head = 6.0
			ux, uy := dx/l, dy/l
			base := vg.Point{X: b.X - vg.Length(head*ux), Y: b.Y - vg.Length(head*uy)}
			c.StrokeLine2(sty, a.X, a.Y, base.X, base.Y)
			px, py := -uy*head*0.45, ux*head*0.45
			c.FillPolygon(s.color, []vg.Point{b, {X: base.X + vg.Length(px), Y: base.Y + vg.Length(py)}, {X: base.X - vg.Length(px), Y: base.Y - vg.Length(py)}})
			return
		}
	}
	c.StrokeLine2(sty, a.X, a.Y, b.X, b.Y)
}

// box is a rectangle with an optional fill and outline.
type box struct {
	x0, y0, x1, y1 float64
	fill, stroke   color.Color
	dashed         bool
}

func (bx box) draw(c draw.Canvas, tx, ty func(float64) vg.Length) {
	pts := []vg.Point{{X: tx(bx.x0), Y: ty(bx.y0)}, {X: tx(bx.x1), Y: ty(bx.y0)}, {X: tx(bx.x1), Y: ty(bx.y1)}, {X: tx(bx.x0), Y: ty(bx.y1)}}
	if bx.fill != nil {
		c.FillPolygon(bx.fill, pts)
	}
	if bx.stroke != nil {
		sty := draw.LineStyle{Color: bx.stroke, Width: 0.8}
		if bx.dashed {
			sty.Dashes = []vg.Length{3, 2}
		}
		c.StrokeLines(sty, append(pts, pts[0]))
	}
}

// label is text centred at (x, y) (or aligned left with left set).
type label struct {
	x, y         float64
	text         string
	size         vg.Length
	bold, italic bool
	left         bool
	color        color.Color
}

func (l label) draw(c draw.Canvas, tx, ty func(float64) vg.Length) {
	sty := figkit.TextStyle(l.size, l.bold, l.italic)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	if l.left {
		sty.XAlign = draw.XLeft
	}
	if l.color != nil {
		sty.Color = l.color
	}
	c.FillText(sty, vg.Point{X: tx(l.x), Y: ty(l.y)}, l.text)
}

// Colours of the diagrams.
var (
	inputFill  color.Color = color.NRGBA{0xBF, 0xDF, 0xF2, 0xFF} // light blue
	hiddenFill color.Color = color.NRGBA{0xEE, 0xEE, 0xEE, 0xFF} // light grey
	latentFill color.Color = color.NRGBA{0xFB, 0xD3, 0xA6, 0xFF} // light orange
	outFill    color.Color = color.NRGBA{0xC4, 0xE8, 0xC8, 0xFF} // light green
	edgeColor  color.Color = color.NRGBA{0x70, 0x70, 0x70, 0x60} // translucent grey
	encFill    color.Color = color.NRGBA{0x00, 0x72, 0xB2, 0x14} // faint blue
	decFill    color.Color = color.NRGBA{0x00, 0x9E, 0x73, 0x14} // faint green
)

// column is one layer of a network drawn as a column of nodes: all of them when width <= max, else
// max−1 nodes with a vertical ellipsis in the middle (the ellipsis stands for the rest).
type column struct {
	x      float64
	ys     []float64 // centres of the drawn nodes
	gap    float64   // y of the ellipsis, NaN when all nodes are drawn
	step   float64   // spacing of the nodes
	width  int
	fill   color.Color
	dashed bool
}

// layerColumn lays out a layer of the given width at x, centred on cy, with at most max drawn nodes
// spaced by step.
func layerColumn(x, cy float64, width, maxShown int, step float64, fill color.Color) column {
	col := column{x: x, width: width, fill: fill, gap: math.NaN(), step: step}
	shown := min(width, maxShown)
	slots := shown
	if width > maxShown {
		shown = maxShown - 1
		slots = maxShown
	}
	top := cy + step*float64(slots-1)/2
	for i := range slots {
		y := top - step*float64(i)
		if width > maxShown && i == slots/2 {
			col.gap = y
			continue
		}
		col.ys = append(col.ys, y)
	}
	return col
}

// shapes returns the nodes of the column and its ellipsis.
func (col column) shapes(r vg.Length) []shape {
	var out []shape
	for _, y := range col.ys {
		out = append(out, node{x: col.x, y: y, r: r, fill: col.fill, dashed: col.dashed})
	}
	if !math.IsNaN(col.gap) { // a vertical ellipsis: three dots
		for _, dy := range []float64{-0.28, 0, 0.28} {
			out = append(out, node{x: col.x, y: col.gap + dy*col.step, r: 1.1, fill: color.Black})
		}
	}
	return out
}

// top and bottom return the extent of the drawn nodes.
func (col column) top() float64    { return col.ys[0] }
func (col column) bottom() float64 { return col.ys[len(col.ys)-1] }

// connect returns the edges between every drawn node of a and every drawn node of b.
func connect(a, b column) []shape {
	var out []shape
	for _, ya := range a.ys {
		for _, yb := range b.ys {
			out = append(out, segment{x0: a.x, y0: ya, x1: b.x, y1: yb, width: 0.35, color: edgeColor})
		}
	}
	return out
}

// shownNodes is the number of nodes drawn for a layer of the given width: all of a narrow layer, and
// a number growing with the logarithm of the width for a wide one, so that the drawn columns keep the
// widths' order (an autoencoder's hourglass).
func shownNodes(width int) int {
	if width <= 6 {
		return width
	}
	return min(6+int(math.Round(1.5*math.Log2(float64(width)/6))), 13)
}

// unitsText describes a layer's width and activation, e.g. "500 units, ELU".
func unitsText(width int, act string) string {
	if act == "" {
		return fmt.Sprintf("%d units", width)
	}
	return fmt.Sprintf("%d units, %s", width, act)
}
