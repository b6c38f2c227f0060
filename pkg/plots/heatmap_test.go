package plots

import (
	"image/color"
	"math"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg"
)

func TestHeatmapCellColors(t *testing.T) {
	// A 4×4 field with distinct values in [0, 1], a NaN, row 0 at the top.
	data := []float64{
		0, 1.0 / 3, 2.0 / 3, 1,
		0.1, 0.2, 0.3, 0.4,
		0.5, math.NaN(), 0.7, 0.8,
		0.9, 0.25, 0.75, 0.05,
	}
	for _, lower := range []bool{false, true} {
		h := &Heatmap{Data: data, Color: ColorScale{Min: 0, Max: 1}, OriginLower: lower}
		r := renderPNG(t, Single(h))
		d := r.layout[h].data
		for row := range 4 {
			for col := range 4 {
				drawRow := row
				if lower {
					drawRow = 3 - row // row 0 at the bottom
				}
				x, y := cellCenter(d, 4, 4, drawRow, col)
				got := r.at(x, y)
				v := data[row*4+col]
				want := Viridis.At(v)
				if math.IsNaN(v) {
					want = color.NRGBAModel.Convert(DefaultTheme().NaNColor).(color.NRGBA)
				}
				if got != want {
					t.Errorf("OriginLower=%v cell (%d, %d) = %v: pixel %v, want %v", lower, row, col, v, got, want)
				}
			}
		}
	}
}

func TestHeatmapScales(t *testing.T) {
	tests := []struct {
		name  string
		data  []float64
		scale ColorScale
		want  func(v float64) color.NRGBA
	}{
		{"auto range", []float64{2, 4, 6, 10}, ColorScale{}, func(v float64) color.NRGBA { return Viridis.At((v - 2) / 8) }},
		{"fixed range clamps", []float64{-1, 0.5, 2, 0.25}, ColorScale{Min: 0, Max: 1, Map: Magma},
			func(v float64) color.NRGBA { return Magma.At(math.Max(0, math.Min(1, v))) }},
		{"log", []float64{1e-3, 1e-2, 1e-1, 1}, ColorScale{Log: true},
			func(v float64) color.NRGBA { return Viridis.At((math.Log10(v) + 3) / 3) }},
		{"log fixed, non-positive is lowest", []float64{0, 1e-2, 1, -5}, ColorScale{Log: true, Min: 1e-2, Max: 1},
			func(v float64) color.NRGBA {
				if v <= 0 {
					return Viridis.At(0)
				}
				return Viridis.At(math.Log10(v)/2 + 1)
			}},
		{"symmetric diverging", []float64{-2, 0, 1, 2}, ColorScale{Symmetric: true},
			func(v float64) color.NRGBA { return BlueWhiteRed.At((v + 2) / 4) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &Heatmap{Data: tc.data, Color: tc.scale}
			r := renderPNG(t, Single(h))
			d := r.layout[h].data
			for i, v := range tc.data {
				x, y := cellCenter(d, 2, 2, i/2, i%2)
				if got, want := r.at(x, y), tc.want(v); !near(got, want, 1) {
					t.Errorf("value %g: pixel %v, want %v", v, got, want)
				}
			}
		})
	}
}

func TestColorBarMapsValues(t *testing.T) {
	th := DefaultTheme()
	for _, log := range []bool{false, true} {
		h := NewHeatmap([]float32{1, 10, 100, 1000})
		h.Color = ColorScale{Log: log, Min: 1, Max: 1000, Map: Inferno}
		r := renderPNG(t, Single(h))
		d := r.layout[h].data
		bar := snapRect(vg.Rectangle{
			Min: vg.Point{X: d.Max.X + colorBarGap, Y: d.Min.Y},
			Max: vg.Point{X: d.Max.X + colorBarGap + th.ColorBarWidth, Y: d.Max.Y},
		}, r.dpi)
		x := (bar.Min.X + bar.Max.X) / 2
		for _, v := range []float64{2, 30, 500, 900} {
			tt := (v - 1) / 999
			if log {
				tt = math.Log10(v) / 3
			}
			y := bar.Min.Y + vg.Length(tt)*(bar.Max.Y-bar.Min.Y)
			// One output pixel of the bar spans about 1/300 of the range: allow that much.
			want := Inferno.At(tt)
			if got := r.at(x, y); !near(got, want, 4) {
				t.Errorf("log=%v value %g: bar pixel %v, want %v", log, v, got, want)
			}
		}
		// Just left of the bar is background, not bar.
		if got := r.at(bar.Min.X-2, (bar.Min.Y+bar.Max.Y)/2); got != (color.NRGBA{255, 255, 255, 255}) {
			t.Errorf("gap left of colour bar is %v, want white", got)
		}
	}
}

func TestHeatmapSquareCells(t *testing.T) {
	for _, shape := range [][2]int{{8, 8}, {19, 20}, {10, 30}} {
		rows, cols := shape[0], shape[1]
		h := &Heatmap{Data: make([]float64, rows*cols), Rows: rows, Cols: cols, Title: "t", XLabel: "x", YLabel: "y"}
		r := renderPNG(t, Single(h))
		d := r.layout[h].data
		cw, ch := float64(d.Size().X)/float64(cols), float64(d.Size().Y)/float64(rows)
		if math.Abs(cw-ch) > 0.02*cw {
			t.Errorf("%d×%d: cells %.2f×%.2f pt are not square", rows, cols, cw, ch)
		}
	}
}

func TestSharedColorBarRange(t *testing.T) {
	a := &Heatmap{Data: []float64{0, 1, 2, 3}, HideAxes: true}
	b := &Heatmap{Data: []float64{4, 5, 6, 8}, HideAxes: true}
	g := &Grid{Rows: 1, Cols: 2, Panels: []Panel{a, b}, SharedColorBar: true}
	f := &Figure{Grid: Grid{Rows: 1, Cols: 1, Panels: []Panel{g}}}
	r := renderPNG(t, f)
	// The shared range is [0, 8]: value 2 (a, cell 0,2→ row 1 col 0) is at 0.25.
	x, y := cellCenter(r.layout[a].data, 2, 2, 1, 0)
	if got, want := r.at(x, y), Viridis.At(0.25); got != want {
		t.Errorf("shared scale: pixel %v, want %v", got, want)
	}
	x, y = cellCenter(r.layout[b].data, 2, 2, 0, 0)
	if got, want := r.at(x, y), Viridis.At(0.5); got != want {
		t.Errorf("shared scale: pixel %v, want %v", got, want)
	}
}

func TestHeatmap512Fast(t *testing.T) {
	h := NewHeatmap(ramp(512))
	h.Title = "512×512"
	start := time.Now()
	b, err := Single(h).Render("png")
	if err != nil {
		t.Fatal(err)
	}
	// Through one image this takes tens of milliseconds; 262k polygons would take many seconds.
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("rendering a 512×512 heatmap took %v", el)
	}
	if len(b) == 0 {
		t.Fatal("empty PNG")
	}
}

func TestHeatmapErrors(t *testing.T) {
	tests := []struct {
		name string
		h    *Heatmap
		want string
	}{
		{"empty", &Heatmap{}, "empty data"},
		{"not square", &Heatmap{Data: make([]float64, 10)}, "not square"},
		{"shape mismatch", &Heatmap{Data: make([]float64, 10), Rows: 3, Cols: 3}, "does not match"},
		{"rows do not divide", &Heatmap{Data: make([]float64, 10), Rows: 3}, "not a multiple"},
		{"NaN range", &Heatmap{Data: make([]float64, 4), Color: ColorScale{Min: math.NaN(), Max: 1}}, "NaN"},
		{"inverted range", &Heatmap{Data: make([]float64, 4), Color: ColorScale{Min: 2, Max: 1}}, "Min must be < Max"},
		{"log range", &Heatmap{Data: make([]float64, 4), Color: ColorScale{Log: true, Min: -1, Max: 1}}, "positive"},
		{"log and symmetric", &Heatmap{Data: make([]float64, 4), Color: ColorScale{Log: true, Symmetric: true}}, "Log and Symmetric"},
		{"tick labels", &Heatmap{Data: make([]float64, 4), XTickLabels: []string{"a"}}, "XTickLabels"},
		{"extent", &Heatmap{Data: make([]float64, 4), Extent: &Extent{XMin: 0, XMax: 0, YMin: 0, YMax: 1}}, "zero width"},
		{"overlay", &Heatmap{Data: make([]float64, 4), Overlay: []*Line{{X: []float64{1}, Y: []float64{1, 2}}}}, "mismatched lengths"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.want)
			}
			if _, err := Single(tc.h).Render("png"); err == nil {
				t.Fatal("Render succeeded on invalid heatmap")
			}
		})
	}
	// Data errors found only when resolving the scale.
	for _, h := range []*Heatmap{
		{Data: []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}},
		{Data: []float64{0, -1, 0, -2}, Color: ColorScale{Log: true}},
	} {
		if _, err := Single(h).Render("png"); err == nil || !strings.Contains(err.Error(), "value") {
			t.Errorf("Render(%v) = %v, want a no-finite/positive-value error", h.Data, err)
		}
	}
}

func TestColormaps(t *testing.T) {
	for _, m := range []*Colormap{Viridis, Magma, Inferno, Cividis, BlueWhiteRed} {
		if n := len(m.lut); n != 256 {
			t.Errorf("%s has %d colours, want 256", m.Name(), n)
		}
	}
	// Known end points of matplotlib's tables.
	if got := Viridis.At(0); got != (color.NRGBA{0x44, 0x01, 0x54, 0xff}) {
		t.Errorf("viridis(0) = %v", got)
	}
	if got := Viridis.At(1); got != (color.NRGBA{0xfd, 0xe7, 0x25, 0xff}) {
		t.Errorf("viridis(1) = %v", got)
	}
	if got := BlueWhiteRed.At(0.5); !near(got, color.NRGBA{0xf7, 0xf7, 0xf7, 0xff}, 2) {
		t.Errorf("bluewhitered(0.5) = %v, want near white", got)
	}
	if got := BlueWhiteRed.At(0); got.B <= got.R {
		t.Errorf("bluewhitered(0) = %v, want blue", got)
	}
	if got := Viridis.Reversed().At(0); got != Viridis.At(1) {
		t.Errorf("reversed(0) = %v, want %v", got, Viridis.At(1))
	}
	m, err := NewColormap("bw", []color.Color{color.Black, color.White}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.At(0.5); got != (color.NRGBA{128, 128, 128, 255}) {
		t.Errorf("custom map midpoint = %v", got)
	}
	if _, err := NewColormap("one", []color.Color{color.Black}, false); err == nil {
		t.Error("NewColormap with one colour succeeded")
	}
}
