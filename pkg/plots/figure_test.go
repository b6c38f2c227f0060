package plots

import (
	"bytes"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// samplePanels returns one panel of every kind, with small data.
func samplePanels(t *testing.T) map[string]Panel {
	t.Helper()
	x := []float64{1, 2, 3, 4, 5}
	ax := &Axes{Title: "MAE", XLabel: "sources", YLabel: "MAE", LogY: true}
	ax.LineStd("A", x, []float64{0.01, 0.012, 0.015, 0.02, 0.03}, []float64{0.001, 0.002, 0.002, 0.003, 0.004})
	ax.Line("B", x, []float64{0.02, 0.021, 0.025, 0.03, 0.04}).Dashed = true
	ax.Line("C", x, []float64{1, 2, 3, 4, 5}).RightAxis = true
	ax.Y2Label = "other"

	h, err := NewHistogram(20, -3, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		h.Add(3 * math.Sin(float64(i)*0.7))
	}
	hist := &Axes{Title: "PDF", XLabel: "v", YLabel: "PDF", LogY: true}
	hist.Hist("values", h, true).Filled = true
	hist.Func("Gaussian", Gaussian(h.Mean(), h.Std()), -3, 3)

	bars := &BarChart{Title: "residuals", Categories: []string{"1", "2", "3"}, LogY: true}
	bars.Add("mean", []float64{0.001, 0.002, 0.003})
	bars.Add("max", []float64{0.1, 0.3, 0.2})

	h2, err := NewHist2D(30, 30, 0, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		v := float64(i%1000) / 1000
		h2.Add(v, v+0.05*math.Sin(float64(i)))
	}
	dens := h2.Heatmap()
	dens.Overlay = []*Line{Diagonal(0, 1)}

	m, err := NormalizeRows([][]float64{{1, 2, 3}, {4, 2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	mat, err := NewMatrix(m)
	if err != nil {
		t.Fatal(err)
	}
	mat.XTickLabels, mat.YTickLabels = []string{"1", "2", "3"}, []string{"a", "b"}

	sc := &Axes{Title: "scatter"}
	sc.Scatter("pts", []float64{0, 1, 2}, []float64{2, 0, 1})

	gp := plot.New()
	pts, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	gp.Add(pts)

	field := NewHeatmap(ramp(16))
	field.Title, field.XLabel, field.YLabel = "field", "x", "y"
	return map[string]Panel{
		"heatmap": field,
		"lines":   ax,
		"legend":  &Legend{Of: ax, Title: "models"},
		"hist":    hist,
		"bars":    bars,
		"hist2d":  dens,
		"matrix":  mat,
		"scatter": sc,
		"grid":    &Grid{Rows: 1, Cols: 2, Panels: []Panel{NewHeatmap(ramp(4)), NewHeatmap(ramp(4))}, SharedColorBar: true},
		"gonum":   &PlotPanel{Plot: gp},
	}
}

func TestSaveEveryPanelKind(t *testing.T) {
	dir := t.TempDir()
	for name, p := range samplePanels(t) {
		t.Run(name, func(t *testing.T) {
			f := Single(p)
			f.Stamp = ScaleStamp("smoke", "100×100")
			f.DPI = 100
			png := filepath.Join(dir, "sub", name+".png")
			if err := f.Save(png); err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, png)
			w, h := f.Size()
			if got, want := img.Bounds().Dx(), int(math.Round(float64(w)/72*100)); got != want {
				t.Errorf("width %d px, want %d", got, want)
			}
			if got, want := img.Bounds().Dy(), int(math.Round(float64(h)/72*100)); got != want {
				t.Errorf("height %d px, want %d", got, want)
			}
			if s := lumaStd(img); s < 1000 {
				t.Errorf("image looks blank (luminance std %.0f)", s)
			}
			svg := filepath.Join(dir, name+".svg")
			if err := f.Save(svg); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(svg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("surrogo · scale: smoke")) {
				t.Errorf("SVG lacks the svg element or the stamp")
			}
		})
	}
}

func TestFigureLayout(t *testing.T) {
	p := samplePanels(t)
	f := NewFigure(2, 3, p["heatmap"], p["lines"], p["bars"], p["hist"], nil, p["legend"])
	f.Title, f.Letters, f.Stamp = "A figure", true, ScaleStamp("cpu", "512×512, 400k samples")
	r := renderPNG(t, f)
	if len(r.layout) != 5 {
		t.Fatalf("layout has %d panels, want 5", len(r.layout))
	}
	// Panels stay inside the figure and do not overlap.
	w, h := f.Size()
	var rects []vg.Rectangle
	for _, d := range r.layout {
		o := d.outer
		if o.Min.X < 0 || o.Min.Y < 0 || o.Max.X > w || o.Max.Y > h {
			t.Errorf("panel %+v outside the %v×%v figure", o, w, h)
		}
		for _, q := range rects {
			if o.Min.X < q.Max.X-0.01 && q.Min.X < o.Max.X-0.01 && o.Min.Y < q.Max.Y-0.01 && q.Min.Y < o.Max.Y-0.01 {
				t.Errorf("panels %+v and %+v overlap", o, q)
			}
		}
		rects = append(rects, o)
	}
	// Fixed width: the height follows.
	f.Width = 6 * vg.Inch
	if gw, gh := f.Size(); math.Abs(float64(gw-6*vg.Inch)) > 1 || gh <= 0 {
		t.Errorf("Size() with Width=6in = %v×%v", gw, gh)
	}
}

func TestScaleStamp(t *testing.T) {
	tests := []struct{ scale, paper, want string }{
		{"cpu", "512×512, 400k samples", "surrogo · scale: cpu (reduced; paper: 512×512, 400k samples)"},
		{"paper", "512×512, 400k samples", "surrogo · scale: paper"},
		{"smoke", "", "surrogo · scale: smoke"},
	}
	for _, tc := range tests {
		if got := ScaleStamp(tc.scale, tc.paper); got != tc.want {
			t.Errorf("ScaleStamp(%q, %q) = %q, want %q", tc.scale, tc.paper, got, tc.want)
		}
	}
	// The stamp is drawn: the bottom strip of a stamped figure has grey text pixels.
	f := Single(NewHeatmap(ramp(8)))
	f.Stamp = ScaleStamp("cpu", "paper setup")
	r := renderPNG(t, f)
	b := r.img.Bounds()
	dark := 0
	for y := b.Max.Y - int(8*r.dpi/72); y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := color.GrayModel.Convert(r.img.At(x, y)).(color.Gray); c.Y < 200 {
				dark++
			}
		}
	}
	if dark < 50 {
		t.Errorf("stamp strip has %d dark pixels; the stamp was not drawn", dark)
	}
}

func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "fig.png")
	f := Single(NewHeatmap(ramp(8)))
	for range 2 { // the second save replaces the first
		if err := f.Save(path); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "fig.png" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only fig.png", names)
	}
	// A failed save writes nothing.
	bad := Single(&Heatmap{Data: make([]float64, 3)})
	if err := bad.Save(filepath.Join(dir, "bad", "x.png")); err == nil {
		t.Fatal("saving an invalid figure succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(filepath.Join(dir, "bad"))
		if len(entries) != 0 {
			t.Errorf("failed save left %d files", len(entries))
		}
	}
}

func TestFigureErrors(t *testing.T) {
	good := NewHeatmap(ramp(4))
	tests := []struct {
		name string
		f    *Figure
		want string
	}{
		{"zero shape", &Figure{Grid: Grid{Rows: 0, Cols: 1}}, "must be positive"},
		{"too many panels", NewFigure(1, 1, good, good), "do not fit"},
		{"no panels", NewFigure(1, 2), "no panels"},
		{"negative size", &Figure{Grid: Grid{Rows: 1, Cols: 1, Panels: []Panel{good}}, Width: -1}, "negative size"},
		{"bad DPI", &Figure{Grid: Grid{Rows: 1, Cols: 1, Panels: []Panel{good}}, DPI: 100000}, "DPI"},
		{"panel position", NewFigure(1, 2, good, &Heatmap{}), "panel (row 0, col 1)"},
		{"legend of nothing", Single(&Legend{}), "Of is nil"},
		{"nil gonum plot", Single(&PlotPanel{}), "Plot is nil"},
		{"shared NaN range", &Figure{Grid: Grid{Rows: 1, Cols: 1, Panels: []Panel{good}, SharedColorBar: true,
			Color: &ColorScale{Min: 0, Max: math.NaN()}}}, "NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.f.Render("png")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Render() = %v, want error containing %q", err, tc.want)
			}
		})
	}
	if err := Single(good).Save(filepath.Join(t.TempDir(), "fig.gif")); err == nil || !strings.Contains(err.Error(), "unsupported format") {
		t.Errorf("Save(.gif) = %v, want unsupported format", err)
	}
}

func TestFormats(t *testing.T) {
	f := Single(NewHeatmap(ramp(8)))
	for _, format := range []string{"png", "svg", "pdf", ".PNG"} {
		b, err := f.Render(format)
		if err != nil {
			t.Fatalf("Render(%q): %v", format, err)
		}
		magic := map[string]string{"png": "\x89PNG", "svg": "<?xml", "pdf": "%PDF", ".PNG": "\x89PNG"}[format]
		if !bytes.HasPrefix(b, []byte(magic)) {
			t.Errorf("Render(%q) starts with %q", format, b[:min(8, len(b))])
		}
	}
	// SVG embeds the heatmap as a PNG image, labelled as such.
	b, _ := f.Render("svg")
	if !bytes.Contains(b, []byte(`xlink:href="data:image/png;base64,`)) {
		t.Error("SVG heatmap image is not a PNG data URI")
	}
}

func TestDisplayOutsideNotebook(t *testing.T) {
	if err := Display(NewHeatmap(ramp(8))); err != nil {
		t.Fatal(err)
	}
	if err := Single(NewHeatmap(ramp(8))).DisplaySVG(); err != nil {
		t.Fatal(err)
	}
	if err := Display(&Heatmap{}); err == nil {
		t.Fatal("Display of an invalid panel succeeded")
	}
}

func TestPanelLetter(t *testing.T) {
	for i, want := range map[int]string{0: "a", 1: "b", 25: "z", 26: "aa", 27: "ab", 51: "az", 52: "ba"} {
		if got := panelLetter(i); got != want {
			t.Errorf("panelLetter(%d) = %q, want %q", i, got, want)
		}
	}
}

// TestWriteSamples writes one figure per panel kind to $SURROGO_PLOTS_OUT (skipped when unset), for
// looking at the style; the gallery command (internal/gallery) draws paper-like figures.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("SURROGO_PLOTS_OUT")
	if dir == "" {
		t.Skip("set SURROGO_PLOTS_OUT to a folder to write sample figures")
	}
	for name, p := range samplePanels(t) {
		f := Single(p)
		f.Stamp = ScaleStamp("smoke", "100×100")
		if err := f.Save(filepath.Join(dir, name+".png")); err != nil {
			t.Fatal(err)
		}
	}
}
