package plots

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot/palette"
)

// Colors returns the colormap's table: a Colormap is a gonum palette.Palette, for
// plotter.HeatMap and the other plotters that take one.
func (m *Colormap) Colors() []color.Color {
	out := make([]color.Color, len(m.lut))
	for i, c := range m.lut {
		out[i] = c
	}
	return out
}

// ColorMap returns the colormap as a gonum palette.ColorMap over [lo, hi] (for plotter.ColorBar
// and plotter.HeatMap in a PlotPanel).
func (m *Colormap) ColorMap(lo, hi float64) palette.ColorMap {
	return &gonumColorMap{m: m, lo: lo, hi: hi, alpha: 1}
}

// gonumColorMap adapts a Colormap to palette.ColorMap.
type gonumColorMap struct {
	m             *Colormap
	lo, hi, alpha float64
}

var _ palette.ColorMap = (*gonumColorMap)(nil)

// At implements palette.ColorMap.
func (g *gonumColorMap) At(v float64) (color.Color, error) {
	if !(g.lo < g.hi) {
		return nil, fmt.Errorf("plots: colormap range [%g, %g] is empty", g.lo, g.hi)
	}
	if v < g.lo || v > g.hi {
		return nil, palette.ErrOverflow
	}
	c := g.m.At((v - g.lo) / (g.hi - g.lo))
	c.A = uint8(float64(c.A)*g.alpha + 0.5)
	return c, nil
}

func (g *gonumColorMap) Max() float64       { return g.hi }
func (g *gonumColorMap) Min() float64       { return g.lo }
func (g *gonumColorMap) SetMax(v float64)   { g.hi = v }
func (g *gonumColorMap) SetMin(v float64)   { g.lo = v }
func (g *gonumColorMap) Alpha() float64     { return g.alpha }
func (g *gonumColorMap) SetAlpha(a float64) { g.alpha = a }
func (g *gonumColorMap) Palette(n int) palette.Palette {
	cs := make([]color.Color, n)
	for i := range cs {
		cs[i] = g.m.At(float64(i) / float64(max(1, n-1)))
	}
	return palette.Palette(paletteOf(cs))
}

type paletteOf []color.Color

func (p paletteOf) Colors() []color.Color { return p }
