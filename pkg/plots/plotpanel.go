package plots

import (
	"errors"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PlotPanel puts any gonum plot in a figure cell, for plots this package does not cover. The plot is
// drawn as is (its own fonts and styles).
type PlotPanel struct {
	// Plot is the gonum plot to draw.
	Plot *plot.Plot
}

// Validate implements Panel.
func (pp *PlotPanel) Validate() error {
	if pp.Plot == nil {
		return errors.New("plot panel: Plot is nil")
	}
	return nil
}

// prefSize implements Panel.
func (pp *PlotPanel) prefSize(_ *Theme, s float64) (vg.Length, vg.Length) {
	return 3.1 * vg.Inch * vg.Length(s), 2.35 * vg.Inch * vg.Length(s)
}

// draw implements Panel.
func (pp *PlotPanel) draw(_ *drawCtx, c draw.Canvas) (drawn, error) {
	if err := pp.Validate(); err != nil {
		return drawn{}, err
	}
	pp.Plot.Draw(c)
	return drawn{outer: c.Rectangle, data: pp.Plot.DataCanvas(c).Rectangle}, nil
}
