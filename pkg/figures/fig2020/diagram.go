package fig2020

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
)

// The diagrams of figures 3, 4 and 6 are figkit.Diagrams of networks: each layer a column of
// nodes (circles of a radius in points, so that they stay round whatever the figure's aspect
// ratio), thin translucent edges between the nodes of adjacent layers, faint boxes behind the
// encoder and the decoder, and centred labels.

// nodeOutline outlines a node (dashedOutline one that is absent), edge draws a connection
// (dashedEdge one to an absent node).
var (
	nodeOutline   = draw.LineStyle{Color: color.Black, Width: 0.6}
	dashedOutline = draw.LineStyle{Color: color.Black, Width: 0.6, Dashes: []vg.Length{2, 1.5}}
	edge          = draw.LineStyle{Color: edgeColor, Width: 0.35}
	dashedEdge    = draw.LineStyle{Color: edgeColor, Width: 0.35, Dashes: []vg.Length{3, 2}}
)

// font is the diagrams' label font, size points, centred on the label's x; bold and italic are
// its variants.
func font(size vg.Length) figkit.Font { return figkit.Font{Size: size, XAlign: draw.XCenter} }

func bold(size vg.Length) figkit.Font {
	f := font(size)
	f.Bold = true
	return f
}

func italic(size vg.Length) figkit.Font {
	f := font(size)
	f.Italic = true
	return f
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
func (col column) shapes(r vg.Length) []figkit.Shape {
	outline := nodeOutline
	if col.dashed {
		outline = dashedOutline
	}
	var out []figkit.Shape
	for _, y := range col.ys {
		out = append(out, figkit.OutlinedCircle(col.x, y, r, col.fill, outline))
	}
	if !math.IsNaN(col.gap) { // a vertical ellipsis: three dots
		for _, dy := range []float64{-0.28, 0, 0.28} {
			out = append(out, figkit.OutlinedCircle(col.x, col.gap+dy*col.step, 1.1, color.Black, nodeOutline))
		}
	}
	return out
}

// top and bottom return the extent of the drawn nodes.
func (col column) top() float64    { return col.ys[0] }
func (col column) bottom() float64 { return col.ys[len(col.ys)-1] }

// connect returns the edges between every drawn node of a and every drawn node of b.
func connect(a, b column) []figkit.Shape {
	var out []figkit.Shape
	for _, ya := range a.ys {
		for _, yb := range b.ys {
			out = append(out, figkit.StyledLine(a.x, ya, b.x, yb, edge, false))
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
