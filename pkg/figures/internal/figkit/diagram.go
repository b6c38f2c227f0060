package figkit

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/plots"
)

// Diagrams of networks (the network sketches of the 2020 paper, the architecture sketches of the
// 2021 and 2023 papers): boxes, lines and arrows, circles and text placed in diagram units, and
// rows of blocks, one per stage of a network, whose height follows the image side and whose
// width grows with log₂ of the channels.

// Shape is one element of a Diagram; tx and ty map diagram units to the canvas.
type Shape func(c draw.Canvas, tx, ty func(float64) vg.Length)

// Diagram is a list of shapes over [0, W] × [0, H] (diagram units, y up), drawn in order as a
// panel with hidden axes.
type Diagram struct {
	W, H   float64
	shapes []Shape
}

// Add appends shapes; later ones are drawn on top.
func (d *Diagram) Add(sh ...Shape) { d.shapes = append(d.shapes, sh...) }

// Plot implements plot.Plotter.
func (d *Diagram) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	for _, sh := range d.shapes {
		sh(c, tx, ty)
	}
}

// Panel returns the diagram as a figure panel.
func (d *Diagram) Panel() *plots.PlotPanel {
	p := plot.New()
	p.HideAxes()
	p.BackgroundColor = color.Transparent
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, d.W, 0, d.H
	p.Add(d)
	return &plots.PlotPanel{Plot: p}
}

// Rect is the rectangle [x0, x1] × [y0, y1], filled with fill and outlined with stroke (nil:
// none).
func Rect(x0, y0, x1, y1 float64, fill, stroke color.Color) Shape {
	return func(c draw.Canvas, tx, ty func(float64) vg.Length) {
		pts := []vg.Point{{X: tx(x0), Y: ty(y0)}, {X: tx(x1), Y: ty(y0)}, {X: tx(x1), Y: ty(y1)}, {X: tx(x0), Y: ty(y1)}}
		if fill != nil {
			c.FillPolygon(fill, pts)
		}
		if stroke != nil {
			c.StrokeLines(draw.LineStyle{Color: stroke, Width: 0.7}, append(pts, pts[0]))
		}
	}
}

// Polygon fills the polygon through pts (x, y pairs in diagram units), unoutlined.
func Polygon(pts [][2]float64, fill color.Color) Shape {
	return func(c draw.Canvas, tx, ty func(float64) vg.Length) {
		if len(pts) < 3 {
			return
		}
		vp := make([]vg.Point, len(pts))
		for i, p := range pts {
			vp[i] = vg.Point{X: tx(p[0]), Y: ty(p[1])}
		}
		c.FillPolygon(fill, vp)
	}
}

// Line is a straight line from (x0, y0) to (x1, y1), width points wide, ending in an arrow head
// at (x1, y1) when arrow is set.
func Line(x0, y0, x1, y1 float64, width vg.Length, clr color.Color, arrow bool) Shape {
	return StyledLine(x0, y0, x1, y1, draw.LineStyle{Color: clr, Width: width}, arrow)
}

// StyledLine is Line in any line style sty (e.g. dashed); the arrow head is filled in sty's
// colour.
func StyledLine(x0, y0, x1, y1 float64, sty draw.LineStyle, arrow bool) Shape {
	return func(c draw.Canvas, tx, ty func(float64) vg.Length) {
		a, b := vg.Point{X: tx(x0), Y: ty(y0)}, vg.Point{X: tx(x1), Y: ty(y1)}
		dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
		l := math.Hypot(dx, dy)
		if !arrow || l == 0 {
			c.StrokeLine2(sty, a.X, a.Y, b.X, b.Y)
			return
		}
		const head = 7.0
		ux, uy := dx/l, dy/l
		base := vg.Point{X: b.X - vg.Length(head*ux), Y: b.Y - vg.Length(head*uy)}
		c.StrokeLine2(sty, a.X, a.Y, base.X, base.Y)
		px, py := vg.Length(-uy*head*0.45), vg.Length(ux*head*0.45)
		c.FillPolygon(sty.Color, []vg.Point{b, {X: base.X + px, Y: base.Y + py}, {X: base.X - px, Y: base.Y - py}})
	}
}

// Circle is a circle of radius r points centred at (x, y), filled and outlined in black.
func Circle(x, y float64, r vg.Length, fill color.Color) Shape {
	return OutlinedCircle(x, y, r, fill, draw.LineStyle{Color: color.Black, Width: 0.7})
}

// OutlinedCircle is Circle with its outline drawn in line style outline (e.g. thinner, or
// dashed).
func OutlinedCircle(x, y float64, r vg.Length, fill color.Color, outline draw.LineStyle) Shape {
	return func(c draw.Canvas, tx, ty func(float64) vg.Length) {
		pt := vg.Point{X: tx(x), Y: ty(y)}
		var path vg.Path
		path.Move(vg.Point{X: pt.X + r, Y: pt.Y})
		path.Arc(pt, r, 0, 2*math.Pi)
		path.Close()
		c.SetColor(fill)
		c.Fill(path)
		c.SetLineStyle(outline)
		c.Stroke(path)
	}
}

// Font is how Text writes: Size points, bold or italic, aligned horizontally at its x by XAlign
// (and always centred vertically on its y), in Color (nil: black).
type Font struct {
	Size         vg.Length
	Bold, Italic bool
	XAlign       draw.XAlignment
	Color        color.Color
}

// Text writes txt at (x, y) in font f.
func Text(x, y float64, txt string, f Font) Shape {
	return func(c draw.Canvas, tx, ty func(float64) vg.Length) {
		sty := TextStyle(f.Size, f.Bold, f.Italic)
		sty.XAlign, sty.YAlign = f.XAlign, draw.YCenter
		if f.Color != nil {
			sty.Color = f.Color
		}
		c.FillText(sty, vg.Point{X: tx(x), Y: ty(y)}, txt)
	}
}

// The diagrams' fonts and the grey of their guide lines.
var (
	LeftText   = Font{Size: 8.5, XAlign: draw.XLeft}
	CentreText = Font{Size: 8.5, XAlign: draw.XCenter}
	SmallText  = Font{Size: 7.5, XAlign: draw.XCenter}
	NoteText   = Font{Size: 8, XAlign: draw.XLeft, Italic: true}
	HeadText   = Font{Size: 10, XAlign: draw.XLeft, Bold: true}
	MarkText   = Font{Size: 7.5, XAlign: draw.XCenter, Italic: true}
	GreyLine   = color.NRGBA{0x90, 0x90, 0x90, 0xFF}
)

// Swatch is a legend entry: a small box filled with fill, its left edge at x and centred on y,
// and label to its right.
func Swatch(x, y float64, fill color.Color, label string) Shape {
	box, txt := Rect(x, y-0.8, x+1.6, y+0.8, fill, color.Black), Text(x+2.2, y, label, LeftText)
	return func(c draw.Canvas, tx, ty func(float64) vg.Length) {
		box(c, tx, ty)
		txt(c, tx, ty)
	}
}

// Bracket is a horizontal bracket over [x0, x1] at height y with its ends turned down by tick,
// and label centred above it in font f.
func Bracket(x0, x1, y, tick float64, label string, f Font) Shape {
	return func(c draw.Canvas, tx, ty func(float64) vg.Length) {
		sty := draw.LineStyle{Color: color.Black, Width: 0.7}
		c.StrokeLines(sty, []vg.Point{{X: tx(x0), Y: ty(y - tick)}, {X: tx(x0), Y: ty(y)}, {X: tx(x1), Y: ty(y)}, {X: tx(x1), Y: ty(y - tick)}})
		sty2 := f
		sty2.XAlign = draw.XCenter
		Text((x0+x1)/2, y+tick, label, sty2)(c, tx, ty)
	}
}

// KindFill is the fill of a network stage of kind k ("" for the input; the fig2020 diagrams'
// palette): light blue input, grey convolution, orange pooling, green transposed convolution,
// purple upsampling.
func KindFill(k models.Kind) color.Color {
	if f, ok := kindFills[k]; ok {
		return f
	}
	return color.White
}

var kindFills = map[models.Kind]color.Color{
	"":                  color.NRGBA{0xBF, 0xDF, 0xF2, 0xFF},
	models.KindConv:     color.NRGBA{0xD9, 0xD9, 0xD9, 0xFF},
	models.KindPool:     color.NRGBA{0xFB, 0xD3, 0xA6, 0xFF},
	models.KindConvT:    color.NRGBA{0xC4, 0xE8, 0xC8, 0xFF},
	models.KindUpsample: color.NRGBA{0xE0, 0xCC, 0xE8, 0xFF},
}

// KindLabel is the short name of a stage of kind k under its block: "input", "conv", "pool",
// "convT", "upsample".
func KindLabel(k models.Kind) string {
	if k == "" {
		return "input"
	}
	return string(k)
}

// Block is one stage of a BlockRow: an image of Channels channels, Side × Side.
type Block struct {
	Channels, Side int
	Fill           color.Color
	// Label is written under the block's side (e.g. its operation), Mark above its channels
	// (e.g. "bottleneck"); either may be empty.
	Label, Mark string
}

// BlockRow is a network drawn as a row of blocks on a grey line at height Y, one per stage in
// slots Slot wide from X0: a block's height is H × Side / MaxSide (at least 4% of H) and its
// width grows with log₂ of its channels (up to 80% of the slot for MaxChannels).
type BlockRow struct {
	Blocks []Block
	X0     float64
	Slot   float64
	Y, H   float64
	// MaxSide and MaxChannels scale the blocks (0: the largest of Blocks), so that rows drawn
	// with the same values compare.
	MaxSide, MaxChannels int
	// Numbers writes the channels above each block and its side (e.g. "128²") and Label below.
	Numbers bool
	// LineWidth is the width of the line through the blocks (0: 0.6 points).
	LineWidth vg.Length
	// Envelope, when set, fills the outline through the blocks' corners behind them (an
	// encoder-decoder's cone).
	Envelope color.Color
}

// Maxima returns the largest side and channel count of blocks.
func Maxima(blocks []Block) (side, channels int) {
	for _, b := range blocks {
		side, channels = max(side, b.Side), max(channels, b.Channels)
	}
	return side, channels
}

// X returns the centre of the i-th slot.
func (r BlockRow) X(i int) float64 { return r.X0 + r.Slot*(float64(i)+0.5) }

// Box returns the rectangle of the i-th block.
func (r BlockRow) Box(i int) (x0, y0, x1, y1 float64) {
	side, ch := Maxima(r.Blocks)
	if r.MaxSide > 0 {
		side = r.MaxSide
	}
	if r.MaxChannels > 0 {
		ch = r.MaxChannels
	}
	b := r.Blocks[i]
	bh := max(r.H*float64(b.Side)/float64(max(side, 1)), 0.04*r.H)
	frac := 0.18 + 0.62*math.Log2(float64(b.Channels)+1)/math.Log2(float64(max(ch, 1))+1)
	bw := r.Slot * frac
	x := r.X(i)
	return x - bw/2, r.Y - bh/2, x + bw/2, r.Y + bh/2
}

// Offsets of a BlockRow's numbers from the tallest block's edges, in diagram units.
const (
	blockNumberGap = 1.6
	blockLabelGap  = 4.0
)

// Top and Bottom are the heights above and below the row's line that its blocks, numbers,
// labels and marks reach (for placing what goes around it).
func (r BlockRow) Top() float64 {
	top := r.Y + r.H/2
	if r.Numbers {
		top += blockNumberGap + 1
	}
	for _, b := range r.Blocks {
		if b.Mark != "" {
			return r.Y + r.H/2 + blockLabelGap + 1
		}
	}
	return top
}

// Bottom: see Top.
func (r BlockRow) Bottom() float64 {
	if r.Numbers {
		return r.Y - r.H/2 - blockLabelGap - 1
	}
	return r.Y - r.H/2
}

// Shapes returns the row's shapes: the envelope, the line, the blocks and their numbers.
func (r BlockRow) Shapes() []Shape {
	n := len(r.Blocks)
	if n == 0 {
		return nil
	}
	var out []Shape
	if r.Envelope != nil {
		pts := make([][2]float64, 0, 4*n)
		for i := range n {
			x0, _, x1, y1 := r.Box(i)
			pts = append(pts, [2]float64{x0, y1}, [2]float64{x1, y1})
		}
		for i := n - 1; i >= 0; i-- {
			x0, y0, x1, _ := r.Box(i)
			pts = append(pts, [2]float64{x1, y0}, [2]float64{x0, y0})
		}
		out = append(out, Polygon(pts, r.Envelope))
	}
	lw := r.LineWidth
	if lw == 0 {
		lw = 0.6
	}
	out = append(out, Line(r.X(0), r.Y, r.X(n-1), r.Y, lw, GreyLine, false))
	for i, b := range r.Blocks {
		x0, y0, x1, y1 := r.Box(i)
		fill := b.Fill
		if fill == nil {
			fill = color.White
		}
		out = append(out, Rect(x0, y0, x1, y1, fill, color.Black))
		x := r.X(i)
		if r.Numbers {
			out = append(out, Text(x, r.Y+r.H/2+blockNumberGap, fmt.Sprint(b.Channels), CentreText),
				Text(x, r.Y-r.H/2-blockNumberGap, fmt.Sprintf("%d²", b.Side), CentreText))
			if b.Label != "" {
				out = append(out, Text(x, r.Y-r.H/2-blockLabelGap, b.Label, SmallText))
			}
		}
		if b.Mark != "" {
			out = append(out, Text(x, r.Y+r.H/2+blockLabelGap, b.Mark, MarkText))
		}
	}
	return out
}

// Thousands formats n with comma separators, e.g. 1,234,567.
func Thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ShapeText formats a channels, height, width shape as "c × h × w".
func ShapeText(s [3]int) string { return fmt.Sprintf("%d × %d × %d", s[0], s[1], s[2]) }
