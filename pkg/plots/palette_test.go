package plots

import (
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
)

// TestGonumPalette draws a plotter.HeatMap and a plotter.ColorBar with the package's colormaps.
func TestGonumPalette(t *testing.T) {
	var _ palette.Palette = Viridis
	if n := len(Viridis.Colors()); n != 256 {
		t.Errorf("viridis has %d colours, want 256", n)
	}
	cm := Magma.ColorMap(0, 10)
	if c, err := cm.At(10); err != nil || c != Magma.At(1) {
		t.Errorf("At(max) = %v, %v", c, err)
	}
	if _, err := cm.At(11); err != palette.ErrOverflow {
		t.Errorf("At(11): %v, want ErrOverflow", err)
	}
	if got := len(cm.Palette(5).Colors()); got != 5 {
		t.Errorf("Palette(5) has %d colours", got)
	}
	p := plot.New()
	p.Add(plotter.NewHeatMap(testGrid{}, Viridis), &plotter.ColorBar{ColorMap: cm})
	if _, err := Single(&PlotPanel{Plot: p}).Render("png"); err != nil {
		t.Fatal(err)
	}
}

type testGrid struct{}

func (testGrid) Dims() (int, int)   { return 3, 4 }
func (testGrid) Z(c, r int) float64 { return float64(c + r) }
func (testGrid) X(c int) float64    { return float64(c) }
func (testGrid) Y(r int) float64    { return float64(r) }
