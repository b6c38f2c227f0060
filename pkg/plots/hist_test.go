package plots

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestHist2DCountsExact(t *testing.T) {
	h, err := NewHist2D(2, 2, 0, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	pts := [][2]float64{
		{0, 0},       // bin (0, 0)
		{0.25, 0.75}, // bin (0, 1)
		{0.49, 0.51}, // bin (0, 1)
		{0.5, 0.5},   // bin (1, 1): lower edges are inclusive
		{1, 1},       // bin (1, 1): the maximum belongs to the last bin
		{0.75, 0.25}, // bin (1, 0)
		{-0.1, 0.5},  // outside
		{0.5, 1.01},  // outside
		{math.NaN(), 0.5},
		{0.5, math.Inf(1)},
	}
	for _, p := range pts {
		h.Add(p[0], p[1])
	}
	want := map[[2]int]int64{{0, 0}: 1, {0, 1}: 2, {1, 1}: 2, {1, 0}: 1}
	for ix := range 2 {
		for iy := range 2 {
			if got := h.Count(ix, iy); got != want[[2]int{ix, iy}] {
				t.Errorf("Count(%d, %d) = %d, want %d", ix, iy, got, want[[2]int{ix, iy}])
			}
		}
	}
	if h.Total() != 6 || h.Outside != 2 || h.NaN != 2 {
		t.Errorf("Total, Outside, NaN = %d, %d, %d; want 6, 2, 2", h.Total(), h.Outside, h.NaN)
	}
	// Merging equals adding everything to one histogram.
	a, _ := NewHist2D(2, 2, 0, 1, 0, 1)
	b, _ := NewHist2D(2, 2, 0, 1, 0, 1)
	for i, p := range pts {
		if i%2 == 0 {
			a.Add(p[0], p[1])
		} else {
			b.Add(p[0], p[1])
		}
	}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, h) {
		t.Errorf("merged %+v, want %+v", a, h)
	}
	// The heatmap: empty bins are NaN, row 0 = lowest y, drawn with y upwards.
	hm := h.Heatmap()
	if hm.Rows != 2 || hm.Cols != 2 || !hm.OriginLower || !hm.Color.Log {
		t.Errorf("heatmap shape/orientation/scale wrong: %+v", hm)
	}
	if hm.Data[0] != 1 || hm.Data[1] != 1 || hm.Data[2] != 2 || hm.Data[3] != 2 {
		t.Errorf("heatmap data = %v, want [1 1 2 2]", hm.Data)
	}
	h.Counts[0] = 0
	if hm := h.Heatmap(); !math.IsNaN(hm.Data[0]) {
		t.Errorf("empty bin = %v, want NaN", hm.Data[0])
	}
}

func TestHist2DErrors(t *testing.T) {
	for _, tc := range []struct {
		nx, ny                 int
		xmin, xmax, ymin, ymax float64
	}{
		{0, 2, 0, 1, 0, 1},
		{2, 2, 1, 0, 0, 1},
		{2, 2, 0, 1, math.NaN(), 1},
		{2, 2, 0, math.Inf(1), 0, 1},
	} {
		if _, err := NewHist2D(tc.nx, tc.ny, tc.xmin, tc.xmax, tc.ymin, tc.ymax); err == nil {
			t.Errorf("NewHist2D(%v) succeeded", tc)
		}
	}
	h, _ := NewHist2D(2, 2, 0, 1, 0, 1)
	if err := AddPoints(h, []float32{1, 2}, []float32{1}); err == nil || !strings.Contains(err.Error(), "mismatched") {
		t.Errorf("AddPoints with mismatched lengths = %v", err)
	}
	o, _ := NewHist2D(3, 2, 0, 1, 0, 1)
	if err := h.Merge(o); err == nil {
		t.Error("Merge of different bins succeeded")
	}
}

func TestHistogram(t *testing.T) {
	h, err := NewHistogram(4, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	h.AddSlice([]float64{0, 0.1, 0.25, 0.5, 0.99, 1, -1, 2, math.NaN()})
	if want := []int64{2, 1, 1, 2}; !reflect.DeepEqual(h.Counts, want) {
		t.Errorf("Counts = %v, want %v", h.Counts, want)
	}
	if h.Under != 1 || h.Over != 1 || h.NaN != 1 || h.Total() != 6 {
		t.Errorf("Under, Over, NaN, Total = %d, %d, %d, %d", h.Under, h.Over, h.NaN, h.Total())
	}
	if want := []float64{0, 0.25, 0.5, 0.75, 1}; !reflect.DeepEqual(h.Edges(), want) {
		t.Errorf("Edges = %v, want %v", h.Edges(), want)
	}
	area := 0.0
	for _, d := range h.Density() {
		area += d * 0.25
	}
	if math.Abs(area-1) > 1e-12 {
		t.Errorf("PDF integrates to %g, want 1", area)
	}
	// Mean and std of the 8 finite values.
	vals := []float64{0, 0.1, 0.25, 0.5, 0.99, 1, -1, 2}
	var m, v float64
	for _, x := range vals {
		m += x / 8
	}
	for _, x := range vals {
		v += (x - m) * (x - m) / 8
	}
	if math.Abs(h.Mean()-m) > 1e-12 || math.Abs(h.Std()-math.Sqrt(v)) > 1e-12 {
		t.Errorf("Mean, Std = %g, %g; want %g, %g", h.Mean(), h.Std(), m, math.Sqrt(v))
	}
	// Merge keeps the statistics.
	a, _ := NewHistogram(4, 0, 1)
	b, _ := NewHistogram(4, 0, 1)
	a.AddSlice(vals[:3])
	b.AddSlice(vals[3:])
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.Mean()-m) > 1e-12 || math.Abs(a.Std()-math.Sqrt(v)) > 1e-12 || !reflect.DeepEqual(a.Counts, h.Counts) {
		t.Errorf("merged histogram differs: %v mean %g std %g", a.Counts, a.Mean(), a.Std())
	}
	if _, err := NewHistogram(0, 0, 1); err == nil {
		t.Error("NewHistogram with 0 bins succeeded")
	}
	if _, err := NewHistogram(3, 1, math.NaN()); err == nil {
		t.Error("NewHistogram with a NaN range succeeded")
	}
	if _, err := HistogramOf([]float32{float32(math.NaN())}, 3); err == nil {
		t.Error("HistogramOf with no finite value succeeded")
	}
	g, err := HistogramOf([]float32{1, 2, 3, 4}, 3)
	if err != nil || g.Min != 1 || g.Max != 4 || g.Total() != 4 {
		t.Errorf("HistogramOf = %+v, %v", g, err)
	}
	if got := Gaussian(1, 2)(1); math.Abs(got-1/(2*math.Sqrt(2*math.Pi))) > 1e-15 {
		t.Errorf("Gaussian peak = %g", got)
	}
}

func TestNormalizeRowsExact(t *testing.T) {
	got, err := NormalizeRows([][]float64{{1, 2, 4}, {3, math.NaN(), 1.5}, {0.5, 0.25, 0}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{0.25, 0.5, 1}, {1, math.NaN(), 0.5}, {1, 0.5, 0}}
	for i := range want {
		for j := range want[i] {
			g, w := got[i][j], want[i][j]
			if g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
				t.Errorf("[%d][%d] = %g, want %g", i, j, g, w)
			}
		}
	}
	for name, m := range map[string][][]float64{
		"empty":    {},
		"ragged":   {{1, 2}, {1}},
		"zero row": {{1, 2}, {0, 0}},
		"NaN row":  {{math.NaN(), math.NaN()}},
		"negative": {{-1, -2}},
	} {
		if _, err := NormalizeRows(m); err == nil {
			t.Errorf("NormalizeRows(%s) succeeded", name)
		}
	}
	h, err := NewMatrix([][]float64{{1, 2, 3}, {4, 5, 6}})
	if err != nil || h.Rows != 2 || h.Cols != 3 || !reflect.DeepEqual(h.Data, []float64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("NewMatrix = %+v, %v", h, err)
	}
	if _, err := NewMatrix([][]float64{{1}, {1, 2}}); err == nil {
		t.Error("NewMatrix of a ragged matrix succeeded")
	}
}
