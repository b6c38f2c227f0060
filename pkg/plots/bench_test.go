package plots

import (
	"math"
	"testing"
)

// BenchmarkHeatmap512PNG renders a 512×512 field with title, axes and colour bar to PNG.
func BenchmarkHeatmap512PNG(b *testing.B) {
	h := NewHeatmap(ramp(512))
	h.Title, h.XLabel, h.YLabel = "field", "x", "y"
	f := Single(h)
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.Render("png"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImageGrid renders a 4×5 grid of 100×100 fields with a shared colour bar to PNG.
func BenchmarkImageGrid(b *testing.B) {
	var ps []Panel
	for range 20 {
		h := NewHeatmap(ramp(100))
		h.HideAxes = true
		ps = append(ps, h)
	}
	f := &Figure{Grid: Grid{Rows: 4, Cols: 5, Panels: ps, SharedColorBar: true}}
	for b.Loop() {
		if _, err := f.Render("png"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHist2DAdd measures streaming accumulation of points (reported per point).
func BenchmarkHist2DAdd(b *testing.B) {
	h, err := NewHist2D(200, 200, 0, 1, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		x := float64(i%1000) / 1000
		h.Add(x, math.Mod(x*7.3, 1))
	}
}

// BenchmarkLinesFigure renders a 2×3 figure of MAE curves with std bands to PNG.
func BenchmarkLinesFigure(b *testing.B) {
	x := make([]float64, 20)
	m, s := make([]float64, 20), make([]float64, 20)
	for i := range x {
		x[i], m[i], s[i] = float64(i+1), 0.01*float64(i+1), 0.001*float64(i+1)
	}
	var ps []Panel
	for range 5 {
		ax := &Axes{XLabel: "sources", YLabel: "MAE"}
		for range 3 {
			ax.LineStd("g", x, m, s)
		}
		ps = append(ps, ax)
	}
	f := NewFigure(2, 3, ps...)
	for b.Loop() {
		if _, err := f.Render("png"); err != nil {
			b.Fatal(err)
		}
	}
}
