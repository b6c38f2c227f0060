// Command gallery renders one figure of each kind that package plots draws, from synthetic data
// shaped like the papers' (diffusion fields, MAE curves, residual statistics), into a folder, so the
// style can be checked by eye:
//
//	go run ./pkg/plots/internal/gallery -out /tmp/gallery
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/plots"
)

func main() {
	out := flag.String("out", "gallery", "output folder")
	svg := flag.Bool("svg", false, "also write SVG files")
	flag.Parse()
	rng := rand.New(rand.NewPCG(1, 2))
	stamp := plots.ScaleStamp("cpu", "512×512, 400k samples")
	figs := map[string]*plots.Figure{
		"fields":     fields(rng, stamp),
		"residuals":  residuals(rng, stamp),
		"imagegrid":  imageGrid(rng, stamp),
		"mae":        mae(rng, stamp),
		"matrix":     matrix(rng, stamp),
		"bars":       bars(rng, stamp),
		"histograms": histograms(rng, stamp),
		"hist2d":     hist2d(rng, stamp),
		"scinet":     scinet(rng, stamp),
		"loss":       loss(rng, stamp),
		"datasize":   datasize(rng, stamp),
	}
	for name, f := range figs {
		exts := []string{".png"}
		if *svg {
			exts = append(exts, ".svg")
		}
		for _, ext := range exts {
			t := time.Now()
			path := filepath.Join(*out, name+ext)
			if err := f.Save(path); err != nil {
				log.Fatalf("%s: %v", name, err)
			}
			st, _ := os.Stat(path)
			w, h := f.Size()
			fmt.Printf("%-28s %6.2f×%.2f in %8d bytes %v\n", path, w/vg.Inch, h/vg.Inch, st.Size(), time.Since(t).Round(time.Millisecond))
		}
	}
}

// source is a disk of the synthetic configurations.
type source struct{ x, y, v float64 }

// config draws k sources inside an n×n lattice.
func config(rng *rand.Rand, n, k int) []source {
	s := make([]source, k)
	for i := range s {
		s[i] = source{x: 5 + rng.Float64()*float64(n-10), y: 5 + rng.Float64()*float64(n-10), v: rng.Float64()}
	}
	s[0].v = 1
	return s
}

// render returns the input image and an approximate steady field (superposed exponentials).
func render(n int, srcs []source) (in, field []float64) {
	in, field = make([]float64, n*n), make([]float64, n*n)
	for r := range n {
		for c := range n {
			for _, s := range srcs {
				d := math.Hypot(float64(c)+0.5-s.x, float64(r)+0.5-s.y)
				if d <= 5 {
					in[r*n+c] = s.v
				}
				field[r*n+c] += s.v * math.Exp(-math.Max(d-5, 0)/20)
			}
			field[r*n+c] = math.Min(field[r*n+c], 1)
		}
	}
	return in, field
}

// predict perturbs a field like an imperfect surrogate.
func predict(rng *rand.Rand, n int, field []float64) []float64 {
	p := make([]float64, len(field))
	for i, v := range field {
		r, c := i/n, i%n
		p[i] = math.Max(0, v*(1+0.05*math.Sin(float64(r)/9)*math.Cos(float64(c)/13))+0.004*rng.NormFloat64())
	}
	return p
}

func fields(rng *rand.Rand, stamp string) *plots.Figure {
	const n = 512
	in, target := render(n, config(rng, n, 19))
	pred := predict(rng, n, target)
	mk := func(title string, d []float64) *plots.Heatmap {
		h := plots.NewHeatmap(d)
		h.Title, h.XLabel, h.YLabel = title, "x (cells)", "y (cells)"
		h.Color = plots.ColorScale{Min: 0, Max: 1, Label: "c"}
		return h
	}
	f := plots.NewFigure(1, 3, mk("input", in), mk("target", target), mk("prediction", pred))
	f.Title, f.Letters, f.Stamp = "Steady-state diffusion: input, target and surrogate prediction", true, stamp
	return f
}

func residuals(rng *rand.Rand, stamp string) *plots.Figure {
	const n = 100
	_, target := render(n, config(rng, n, 2))
	pred := predict(rng, n, target)
	res, rel := make([]float64, n*n), make([]float64, n*n)
	for i := range res {
		res[i] = pred[i] - target[i]
		rel[i] = math.Abs(res[i]) / target[i]
		if target[i] < 1e-3 {
			rel[i] = math.NaN()
		}
	}
	for r := 40; r < 50; r++ { // a block of NaN, as a masked region
		for c := 60; c < 75; c++ {
			res[r*n+c] = math.NaN()
		}
	}
	a := plots.NewHeatmap(res)
	a.Title, a.Color = "signed residual ŷ − y", plots.ColorScale{Symmetric: true, Label: "ŷ − y"}
	b := plots.NewHeatmap(rel)
	b.Title, b.Color = "relative error |ŷ − y| / y", plots.ColorScale{Log: true, Map: plots.Magma, Label: "relative error"}
	f := plots.NewFigure(1, 2, a, b)
	f.Letters, f.Stamp = true, stamp
	return f
}

func imageGrid(rng *rand.Rand, stamp string) *plots.Figure {
	const n, k = 100, 20
	var ins, tgs, prs []plots.Panel
	for range k {
		in, tg := render(n, config(rng, n, 2))
		for _, p := range []struct {
			dst *[]plots.Panel
			d   []float64
		}{{&ins, in}, {&tgs, tg}, {&prs, predict(rng, n, tg)}} {
			h := plots.NewHeatmap(p.d)
			h.HideAxes = true
			*p.dst = append(*p.dst, h)
		}
	}
	grid := func(title string, ps []plots.Panel) *plots.Grid {
		g := plots.NewGrid(2, 10, ps...)
		g.Title, g.SharedColorBar = title, true
		g.Color = &plots.ColorScale{Min: 0, Max: 1, Label: "c"}
		return g
	}
	f := plots.NewFigure(3, 1, grid("input", ins), grid("ground truth", tgs), grid("NN prediction", prs))
	f.Letters, f.Stamp, f.Width = true, stamp, 7.5*vg.Inch
	return f
}

func sourcesAxis() []float64 {
	x := make([]float64, 20)
	for i := range x {
		x[i] = float64(i + 1)
	}
	return x
}

func mae(rng *rand.Rand, stamp string) *plots.Figure {
	regions := []string{"field", "sources", "R1", "R2", "R3"}
	base := []float64{0.004, 0.02, 0.012, 0.006, 0.004}
	x := sourcesAxis()
	var panels []plots.Panel
	var first *plots.Axes
	for ri, r := range regions {
		ax := &plots.Axes{Title: r, XLabel: "number of sources", YLabel: "MAE", Legend: plots.LegendNone,
			XTicks: []float64{1, 5, 10, 15, 20}}
		for si, s := range []string{"A", "B", "C"} {
			mean, std := make([]float64, 20), make([]float64, 20)
			for i := range mean {
				mean[i] = base[ri] * (1 + 0.04*float64(i)) * (1 + 0.15*float64(si)) * (1 + 0.05*rng.NormFloat64())
				std[i] = mean[i] * (0.1 + 0.05*rng.Float64())
			}
			ax.LineStd("sample "+s+" (5 models)", x, mean, std)
		}
		if ri == 1 {
			ax.LogY = true
		}
		if first == nil {
			first = ax
		}
		panels = append(panels, ax)
	}
	panels = append(panels, &plots.Legend{Of: first, Title: "1.25% training set"})
	f := plots.NewFigure(2, 3, panels...)
	f.Title, f.Letters, f.Stamp = "MAE vs number of sources (mean ± std over seeds)", true, stamp
	return f
}

func matrix(rng *rand.Rand, stamp string) *plots.Figure {
	var panels []plots.Panel
	xl, yl := make([]string, 20), make([]string, 19)
	for i := range xl {
		xl[i] = strconv.Itoa(i + 1)
	}
	for i := range yl {
		yl[i] = strconv.Itoa(i + 1)
	}
	for _, region := range []string{"field", "R1"} {
		m := make([][]float64, 19)
		for i := range m {
			m[i] = make([]float64, 20)
			for j := range m[i] {
				d := float64(i - j)
				m[i][j] = 0.01 * (1 + 0.02*d*d) * (1 + 0.1*rng.Float64())
			}
		}
		norm, err := plots.NormalizeRows(m)
		if err != nil {
			log.Fatal(err)
		}
		h, err := plots.NewMatrix(norm)
		if err != nil {
			log.Fatal(err)
		}
		h.Title, h.XLabel, h.YLabel = region, "sources in training set P", "sources in test set M"
		h.XTickLabels, h.YTickLabels, h.OriginLower = xl, yl, true
		h.Color = plots.ColorScale{Map: plots.Magma, Label: "MAE / row maximum"}
		panels = append(panels, h)
	}
	f := plots.NewFigure(1, 2, panels...)
	f.Letters, f.Stamp = true, stamp
	return f
}

func bars(rng *rand.Rand, stamp string) *plots.Figure {
	cats := make([]string, 14)
	mean, p99, mx := make([]float64, 14), make([]float64, 14), make([]float64, 14)
	for i := range cats {
		cats[i] = strconv.Itoa(i + 1)
		mean[i] = 0.002 + 0.004*rng.Float64()
		p99[i] = 0.02 + 0.04*rng.Float64()
		mx[i] = 0.2 + 0.5*rng.Float64()
	}
	a := &plots.BarChart{Title: "two axes", XLabel: "model", YLabel: "mean residual", Y2Label: "99th percentile, max",
		Categories: cats}
	a.Add("mean", mean)
	a.Add("99th percentile", p99).RightAxis = true
	a.Add("max", mx).RightAxis = true
	b := &plots.BarChart{Title: "log scale", XLabel: "model", YLabel: "residual", Categories: cats, LogY: true, Grid: true}
	b.Add("mean", mean)
	b.Add("99th percentile", p99)
	b.Add("max", mx)
	f := plots.NewFigure(1, 2, a, b)
	f.Letters, f.Stamp = true, stamp
	return f
}

func histograms(rng *rand.Rand, stamp string) *plots.Figure {
	truth, _ := plots.NewHistogram(100, 0, 1)
	pred, _ := plots.NewHistogram(100, 0, 1)
	for range 200000 {
		v := math.Min(1, math.Exp(-3*rng.ExpFloat64()*rng.Float64()))*rng.Float64() + 0
		truth.Add(v)
		if v < 0.03 {
			v = 0
		}
		pred.Add(v + 0.003*rng.NormFloat64())
	}
	a := &plots.Axes{Title: "PDF of field values", XLabel: "c", YLabel: "PDF", LogY: true}
	a.Hist("NN prediction", pred, true).Color = plots.Blue
	a.Hist("ground truth", truth, true).Color = plots.Vermillion
	slice, _ := plots.NewHistogram(60, -0.03, 0.03)
	for range 100000 {
		slice.Add(0.002 + 0.007*rng.NormFloat64())
	}
	b := &plots.Axes{Title: "residual, slice 0.3 ≤ c < 0.4", XLabel: "ŷ − y", YLabel: "PDF"}
	b.Hist("residuals", slice, true).Filled = true
	b.Func("Gaussian (same mean, std)", plots.Gaussian(slice.Mean(), slice.Std()), -0.03, 0.03).Color = plots.Vermillion
	f := plots.NewFigure(1, 2, a, b)
	f.Letters, f.Stamp = true, stamp
	return f
}

func hist2d(rng *rand.Rand, stamp string) *plots.Figure {
	var panels []plots.Panel
	for _, set := range []struct {
		name  string
		noise float64
	}{{"test set", 0.02}, {"training set", 0.01}} {
		h, err := plots.NewHist2D(200, 200, 0, 1, 0, 1)
		if err != nil {
			log.Fatal(err)
		}
		for range 2_000_000 {
			t := math.Pow(rng.Float64(), 3)
			h.Add(t, t+set.noise*rng.NormFloat64()*(0.2+t))
		}
		hm := h.Heatmap()
		hm.Title, hm.XLabel, hm.YLabel = set.name, "ground truth", "prediction"
		hm.Overlay = []*plots.Line{plots.Diagonal(0, 1)}
		panels = append(panels, hm)
	}
	f := plots.NewFigure(1, 2, panels...)
	f.Letters, f.Stamp = true, stamp
	return f
}

func scinet(rng *rand.Rand, stamp string) *plots.Figure {
	a := &plots.Axes{Title: "fits of 10·step(x)", XLabel: "x", YLabel: "y", Legend: plots.LegendOutside}
	truth := func(x float64) float64 {
		if x < 0 {
			return 0
		}
		return 10
	}
	a.Func("ground truth", truth, -2, 2).Color = plots.Black
	a.Func("ReLU net (8 units)", func(x float64) float64 { return 10 / (1 + math.Exp(-40*x)) }, -2, 2)
	a.Func("ELU net (8 units)", func(x float64) float64 { return 10/(1+math.Exp(-12*x)) + 0.2*math.Sin(6*x) }, -2, 2).Dashed = true
	a.Func("polynomial, degree 25", func(x float64) float64 { return 5 + 6*math.Atan(3*x)/math.Pi*2*0.8 + 0.6*math.Cos(9*x) }, -2, 2)
	xs := make([]float64, 30)
	ys := make([]float64, 30)
	for i := range xs {
		xs[i] = -2 + 4*rng.Float64()
		ys[i] = truth(xs[i]) + 0.5*rng.NormFloat64()
	}
	a.Scatter("samples", xs, ys).Color = plots.Gray
	b := &plots.Axes{Title: "absolute error", XLabel: "x", YLabel: "|error|", LogY: true}
	b.Func("ReLU net", func(x float64) float64 { return math.Abs(10/(1+math.Exp(-40*x)) - truth(x)) }, -2, 2)
	b.Func("polynomial", func(x float64) float64 {
		return math.Abs(5 + 6*math.Atan(3*x)/math.Pi*2*0.8 + 0.6*math.Cos(9*x) - truth(x))
	}, -2, 2)
	const nw, ng = 200, 100
	amp := make([]float64, nw*ng)
	for r := range ng {
		g := 1e-3 + float64(r)/ng
		for c := range nw {
			w := 2 * float64(c) / nw
			amp[r*nw+c] = 1 / math.Sqrt(4*g*g*w*w+(1-w*w)*(1-w*w))
		}
	}
	m := &plots.Heatmap{Title: "amplitude A(ω, γ)", Data: amp, Rows: ng, Cols: nw, XLabel: "ω", YLabel: "γ",
		Extent: &plots.Extent{XMin: 0, XMax: 2, YMin: 0, YMax: 1}, OriginLower: true, FreeAspect: true,
		Color: plots.ColorScale{Log: true, Map: plots.Inferno, Label: "A"}}
	f := plots.NewFigure(1, 3, a, b, m)
	f.Letters, f.Stamp = true, plots.ScaleStamp("paper", "")
	return f
}

func loss(rng *rand.Rand, stamp string) *plots.Figure {
	const n = 800
	x := make([]float64, n)
	l1, l2 := make([]float64, n), make([]float64, n)
	v1, v2 := 1.0, 1.0
	for i := range x {
		x[i] = float64(i + 1)
		v1 *= 0.994 * math.Exp(0.01*rng.NormFloat64())
		v2 *= 0.994 * math.Exp(0.01*rng.NormFloat64())
		if i == 300 {
			v1 *= 40 // a jump, undone by roll-back in b
		}
		l1[i], l2[i] = v1, v2
	}
	a := &plots.Axes{Title: "without roll-back", XLabel: "epoch", YLabel: "training loss", LogY: true}
	a.Line("model 9", x, l1)
	b := &plots.Axes{Title: "with roll-back", XLabel: "epoch", YLabel: "training loss", LogY: true}
	b.Line("model 9", x, l2)
	f := plots.NewFigure(1, 2, a, b)
	f.Letters, f.Stamp = true, stamp
	return f
}

func datasize(rng *rand.Rand, stamp string) *plots.Figure {
	pct := []float64{1.25, 2.5, 5, 12.5, 25, 50, 100}
	labels := []string{"1.25", "2.5", "5", "12.5", "25", "50", "100"}
	var panels []plots.Panel
	for ri, region := range []string{"field", "sources", "R1", "R2", "R3"} {
		ax := &plots.Axes{Title: region, XLabel: "training set size (%)", YLabel: "MAE", LogX: true,
			XTicks: pct, XTickLabels: labels, Grid: true}
		for mi, model := range []string{"E1 (exp-MAE)", "S1 (step-MAE)"} {
			y := make([]float64, len(pct))
			for i, p := range pct {
				y[i] = 0.01 * float64(ri+1) * (1.2 - 0.15*math.Log10(p)) * (1 + 0.1*float64(mi)) * (1 + 0.03*rng.NormFloat64())
			}
			ax.Line(model, pct, y)
		}
		if ri > 0 {
			ax.Legend = plots.LegendNone
		}
		panels = append(panels, ax)
	}
	f := plots.NewFigure(2, 3, panels...)
	f.Title, f.Letters, f.Stamp = "MAE averaged over the number of sources vs training set size", true, stamp
	return f
}
