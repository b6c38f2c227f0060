package plots

import (
	"image/color"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colour-blind-safe colours of the Okabe–Ito palette, the default colour cycle (in this order).
var (
	Blue       color.Color = color.NRGBA{0x00, 0x72, 0xB2, 0xFF} // Blue is Okabe–Ito blue.
	Vermillion color.Color = color.NRGBA{0xD5, 0x5E, 0x00, 0xFF} // Vermillion is Okabe–Ito vermillion (a red).
	Green      color.Color = color.NRGBA{0x00, 0x9E, 0x73, 0xFF} // Green is Okabe–Ito bluish green.
	Purple     color.Color = color.NRGBA{0xCC, 0x79, 0xA7, 0xFF} // Purple is Okabe–Ito reddish purple.
	Orange     color.Color = color.NRGBA{0xE6, 0x9F, 0x00, 0xFF} // Orange is Okabe–Ito orange.
	SkyBlue    color.Color = color.NRGBA{0x56, 0xB4, 0xE9, 0xFF} // SkyBlue is Okabe–Ito sky blue.
	Black      color.Color = color.NRGBA{0x00, 0x00, 0x00, 0xFF} // Black is black.
	Yellow     color.Color = color.NRGBA{0xF0, 0xE4, 0x42, 0xFF} // Yellow is Okabe–Ito yellow (weak on white: last in the cycle).
	Gray       color.Color = color.NRGBA{0x80, 0x80, 0x80, 0xFF} // Gray is a neutral mid grey.
)

// Marker is the shape drawn at each data point of a line or scatter layer.
type Marker int

// Marker shapes. MarkerAuto picks the next shape of the theme's marker cycle for lines with at most
// 40 points and no marker for longer lines; scatter layers always get a marker.
const (
	MarkerAuto Marker = iota
	MarkerNone
	MarkerCircle
	MarkerSquare
	MarkerTriangle
	MarkerDiamond
	MarkerTriangleDown
	MarkerCross
	MarkerPlus
	MarkerRing
)

// glyph returns the gonum glyph drawer of a concrete marker (nil for MarkerNone).
func (m Marker) glyph() draw.GlyphDrawer {
	switch m {
	case MarkerCircle:
		return draw.CircleGlyph{}
	case MarkerSquare:
		return draw.BoxGlyph{}
	case MarkerTriangle:
		return draw.PyramidGlyph{}
	case MarkerDiamond:
		return diamondGlyph{}
	case MarkerTriangleDown:
		return triangleDownGlyph{}
	case MarkerCross:
		return draw.CrossGlyph{}
	case MarkerPlus:
		return draw.PlusGlyph{}
	case MarkerRing:
		return draw.RingGlyph{}
	}
	return nil
}

// Theme holds the fonts, sizes and colours shared by every panel of a figure. DefaultTheme returns the
// project's style; figures use it when Figure.Theme is nil.
type Theme struct {
	Font           font.Font     // Font is the typeface of all text (its Size is ignored).
	TitleSize      vg.Length     // TitleSize is the size of the figure title.
	PanelTitleSize vg.Length     // PanelTitleSize is the size of panel and grid titles.
	LabelSize      vg.Length     // LabelSize is the size of axis and colour-bar labels.
	TickSize       vg.Length     // TickSize is the size of tick labels.
	LegendSize     vg.Length     // LegendSize is the size of legend entries.
	LetterSize     vg.Length     // LetterSize is the size of the bold panel letters (a, b, c, ...).
	StampSize      vg.Length     // StampSize is the size of the scale stamp.
	LineWidth      vg.Length     // LineWidth is the width of data lines.
	AxisWidth      vg.Length     // AxisWidth is the width of frames, axes and tick marks.
	TickLength     vg.Length     // TickLength is the length of major tick marks.
	MarkerRadius   vg.Length     // MarkerRadius is the radius of point markers.
	ColorBarWidth  vg.Length     // ColorBarWidth is the width of the colour-bar strip.
	BandAlpha      float64       // BandAlpha is the opacity of standard-deviation bands and filled histograms.
	Colors         []color.Color // Colors is the colour cycle of lines, bars and histograms.
	Markers        []Marker      // Markers is the marker cycle of lines with MarkerAuto.
	NaNColor       color.Color   // NaNColor is the colour of NaN cells in heatmaps.
	TextColor      color.Color   // TextColor is the colour of all text and axes.
	StampColor     color.Color   // StampColor is the colour of the scale stamp.
	GridColor      color.Color   // GridColor is the colour of grid lines of axes with Grid set.
	Background     color.Color   // Background fills the whole figure (nil: transparent).
}

// DefaultTheme returns the project's figure style: Liberation Sans (metric-compatible with Arial), 8 pt
// ticks, 9 pt labels, thin black frames, the Okabe–Ito colour cycle and grey NaN cells.
func DefaultTheme() *Theme {
	return &Theme{
		Font:           font.Font{Typeface: "Liberation", Variant: "Sans"},
		TitleSize:      11,
		PanelTitleSize: 9.5,
		LabelSize:      9,
		TickSize:       8,
		LegendSize:     8,
		LetterSize:     11,
		StampSize:      6.5,
		LineWidth:      1.25,
		AxisWidth:      0.6,
		TickLength:     3.5,
		MarkerRadius:   2.2,
		ColorBarWidth:  9,
		BandAlpha:      0.22,
		Colors:         []color.Color{Blue, Vermillion, Green, Purple, Orange, SkyBlue, Black, Yellow},
		Markers: []Marker{MarkerCircle, MarkerSquare, MarkerTriangle, MarkerDiamond, MarkerTriangleDown,
			MarkerCross, MarkerPlus},
		NaNColor:   color.NRGBA{0xB0, 0xB0, 0xB0, 0xFF},
		TextColor:  color.Black,
		StampColor: color.NRGBA{0x70, 0x70, 0x70, 0xFF},
		GridColor:  color.NRGBA{0xE0, 0xE0, 0xE0, 0xFF},
		Background: color.White,
	}
}

// textStyle returns a plain text style of the theme font at the given size.
func (th *Theme) textStyle(size vg.Length, bold bool) text.Style {
	f := th.Font
	f.Size = size
	if bold {
		f.Weight = xfont.WeightBold
	}
	return text.Style{
		Color:   th.TextColor,
		Font:    f,
		XAlign:  draw.XLeft,
		YAlign:  draw.YBottom,
		Handler: richText{fonts: font.DefaultCache},
	}
}

// italic returns an italic text style of the theme font.
func (th *Theme) italic(size vg.Length) text.Style {
	s := th.textStyle(size, false)
	s.Font.Style = xfont.StyleItalic
	return s
}

// lineStyle returns a solid line style of the given width and colour.
func lineStyle(c color.Color, w vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: w}
}

// cycleColor returns the i-th colour of the colour cycle.
func (th *Theme) cycleColor(i int) color.Color {
	if len(th.Colors) == 0 {
		return Black
	}
	return th.Colors[i%len(th.Colors)]
}

// cycleMarker returns the i-th marker of the marker cycle.
func (th *Theme) cycleMarker(i int) Marker {
	if len(th.Markers) == 0 {
		return MarkerCircle
	}
	return th.Markers[i%len(th.Markers)]
}

// withAlpha returns c with its opacity multiplied by a.
func withAlpha(c color.Color, a float64) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = uint8(float64(n.A)*a + 0.5)
	return n
}

// diamondGlyph is a filled diamond marker.
type diamondGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(0.5)})
	r := sty.Radius * 1.15
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.Fill(p)
}

// triangleDownGlyph is a filled downward triangle marker.
type triangleDownGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (triangleDownGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(0.5)})
	r := sty.Radius * 1.15
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X + r*0.866, Y: pt.Y + r/2})
	p.Line(vg.Point{X: pt.X - r*0.866, Y: pt.Y + r/2})
	p.Close()
	c.Fill(p)
}
