package plots_test

import (
	"fmt"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/surrogo/surrogo/pkg/plots"
)

// field returns an n×n field with one exponentially decaying source, like a steady diffusion field.
func field(n int, cx, cy float64) []float32 {
	f := make([]float32, n*n)
	for r := range n {
		for c := range n {
			f[r*n+c] = float32(math.Exp(-math.Hypot(float64(c)-cx, float64(r)-cy) / 10))
		}
	}
	return f
}

// Input, target and prediction side by side (Fig. 1 of both diffusion papers), with panel letters
// and the scale stamp of a reduced reproduction.
func ExampleFigure_Save() {
	dir, err := os.MkdirTemp("", "plots-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	const n = 64
	target := field(n, 20, 30)
	input := make([]float32, n*n)
	prediction := make([]float32, n*n)
	for i, v := range target {
		if v > 0.6 {
			input[i] = 1
		}
		prediction[i] = v * 0.97
	}
	var panels []plots.Panel
	for _, p := range []struct {
		title string
		data  []float32
	}{{"input", input}, {"target", target}, {"prediction", prediction}} {
		h := plots.NewHeatmap(p.data)
		h.Title = p.title
		h.Color = plots.ColorScale{Min: 0, Max: 1, Label: "c"}
		panels = append(panels, h)
	}
	fig := plots.NewFigure(1, 3, panels...)
	fig.Letters = true
	fig.Stamp = plots.ScaleStamp("smoke", "512×512, 400k samples")
	fig.DPI = 100

	path := filepath.Join(dir, "figures", "fig1.png")
	if err := fig.Save(path); err != nil {
		log.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer file.Close()
	cfg, err := png.DecodeConfig(file)
	if err != nil {
		log.Fatal(err)
	}
	w, h := fig.Size()
	fmt.Println(cfg.Width == int(math.Round(float64(w)/72*100)), cfg.Height == int(math.Round(float64(h)/72*100)))
	// Output: true true
}

// MAE against the number of sources for three groups of seeds (mean ± std bands), five regions in a
// 2×3 figure whose sixth cell holds the shared legend (2023 Figs. 6 and 9).
func ExampleAxes_LineStd() {
	sources := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	var panels []plots.Panel
	var first *plots.Axes
	for r, region := range []string{"field", "sources", "R1", "R2", "R3"} {
		ax := &plots.Axes{Title: region, XLabel: "number of sources", YLabel: "MAE", Legend: plots.LegendNone}
		for g, group := range []string{"A", "B", "C"} {
			mean, std := make([]float64, len(sources)), make([]float64, len(sources))
			for i, s := range sources {
				mean[i] = 0.01 * float64(r+1) * (1 + 0.05*s) * (1 + 0.2*float64(g))
				std[i] = 0.1 * mean[i]
			}
			ax.LineStd("sample "+group, sources, mean, std)
		}
		if first == nil {
			first = ax
		}
		panels = append(panels, ax)
	}
	panels = append(panels, &plots.Legend{Of: first, Title: "5 models each"})
	fig := plots.NewFigure(2, 3, panels...)
	fig.Title, fig.Letters = "MAE vs number of sources", true

	svg, err := fig.Render("svg")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(svg) > 0)
	// Output: true
}

// Prediction against truth for every pixel: accumulate points in a streaming 2-D histogram, then draw
// it as a log-count heatmap with the diagonal.
func ExampleHist2D() {
	h, err := plots.NewHist2D(2, 2, 0, 1, 0, 1)
	if err != nil {
		log.Fatal(err)
	}
	truth := []float32{0.1, 0.2, 0.7, 0.9, 1.0}
	pred := []float32{0.1, 0.6, 0.8, 0.9, 1.2}
	if err := plots.AddPoints(h, truth, pred); err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.Count(0, 0), h.Count(0, 1), h.Count(1, 1), h.Outside)

	hm := h.Heatmap()
	hm.XLabel, hm.YLabel = "ground truth", "prediction"
	hm.Overlay = []*plots.Line{plots.Diagonal(0, 1)}
	if _, err := plots.Single(hm).Render("png"); err != nil {
		log.Fatal(err)
	}
	// Output: 1 1 2 1
}

// A row-normalised density matrix (2023 Fig. 16).
func ExampleNormalizeRows() {
	m, err := plots.NormalizeRows([][]float64{{2, 4, 8}, {3, 1.5, 0.75}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m)
	h, err := plots.NewMatrix(m)
	if err != nil {
		log.Fatal(err)
	}
	h.XTickLabels, h.YTickLabels = []string{"1", "2", "3"}, []string{"1", "2"}
	h.XLabel, h.YLabel = "sources in training set P", "sources in test set M"
	h.Color.Label = "MAE / row maximum"
	if _, err := plots.Single(h).Render("png"); err != nil {
		log.Fatal(err)
	}
	// Output: [[0.25 0.5 1] [1 0.5 0.25]]
}

// Grouped bars with a second axis: mean residual on the left, 99th percentile and maximum on the
// right (2021 Fig. 6d).
func ExampleBarChart() {
	b := &plots.BarChart{XLabel: "model", YLabel: "mean residual", Y2Label: "99th percentile, max",
		Categories: []string{"1", "2", "3"}}
	b.Add("mean", []float64{0.002, 0.004, 0.003})
	b.Add("99th percentile", []float64{0.03, 0.05, 0.04}).RightAxis = true
	b.Add("max", []float64{0.3, 0.5, 0.4}).RightAxis = true
	_, err := plots.Single(b).Render("png")
	fmt.Println(err)
	// Output: <nil>
}

// Invalid input is reported when the figure is rendered, naming the panel and the field.
func ExampleFigure_Validate() {
	ax := &plots.Axes{Title: "R1"}
	ax.Line("80E1", []float64{1, 2, 3}, []float64{0.1, 0.2})
	fmt.Println(plots.NewFigure(1, 2, plots.NewHeatmap([]float64{1, 2, 3}), ax).Validate())
	fmt.Println(plots.NewFigure(1, 2, nil, ax).Validate())
	// Output:
	// panel (row 0, col 0): heatmap "": field of length 3 is not square (N×N); set Rows and Cols
	// panel (row 0, col 1): axes "R1": layer 0 "80E1": mismatched lengths: len(X)=3, len(Y)=2
}

func ExampleScaleStamp() {
	fmt.Println(plots.ScaleStamp("cpu", "512×512, 400k samples"))
	fmt.Println(plots.ScaleStamp("paper", "512×512, 400k samples"))
	// Output:
	// surrogo · scale: cpu (reduced; paper: 512×512, 400k samples)
	// surrogo · scale: paper
}
