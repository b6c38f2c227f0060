package metrics

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// Image A (3x3, 3 sources counted): two source pixels (input > 0), the rest field.
//
//	pixel      0     1     2     3     4     5     6     7     8
//	input      0     0.5   0     0     0     0     0     0     1
//	target     0.3   0.5   0.2   0.15  0.1   0.07  0.05  0.01  1
//	prediction 0.2   0.4   0.25  0.15  0.13  0.06  0.09  0     0.8
//	|error|    0.1   0.1   0.05  0     0.03  0.01  0.04  0.01  0.2
//	region     R1    src   R1    R2    R2    R3    R3    field src
var (
	imgAInput  = []float32{0, 0.5, 0, 0, 0, 0, 0, 0, 1}
	imgATarget = []float32{0.3, 0.5, 0.2, 0.15, 0.1, 0.07, 0.05, 0.01, 1}
	imgAPred   = []float32{0.2, 0.4, 0.25, 0.15, 0.13, 0.06, 0.09, 0, 0.8}
	// Image B (4 pixels, 3 sources counted, none in view): R1 errors 0, 0.2, 0; one field pixel.
	imgBInput  = []float32{0, 0, 0, 0}
	imgBTarget = []float32{0.5, 0.5, 0.5, 0.01}
	imgBPred   = []float32{0.5, 0.3, 0.5, 0.01}
	// Image C (2 pixels, 1 source counted): R1 errors 0.1, 0.
	imgCInput  = []float32{0, 0}
	imgCTarget = []float32{0.3, 0.3}
	imgCPred   = []float32{0.4, 0.3}
)

func TestRegionAccumulatorByHand(t *testing.T) {
	a, err := NewRegionAccumulator(20)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []struct {
		in, tg, pr []float32
		n          int
	}{{imgAInput, imgATarget, imgAPred, 3}, {imgBInput, imgBTarget, imgBPred, 3}, {imgCInput, imgCTarget, imgCPred, 1}} {
		if err := a.Add(img.in, img.tg, img.pr, img.n); err != nil {
			t.Fatal(err)
		}
	}
	nan := math.NaN()
	cases := []struct {
		r                   Region
		n                   int
		pixels, imagesWith  int64
		mae, imageMAE, area float64
	}{
		// 3 sources: images A and B, 13 pixels.
		{Whole, 3, 13, 2, (0.54 + 0.2) / 13, (0.54/9 + 0.2/4) / 2, 1},
		{Sources, 3, 2, 1, (0.1 + 0.2) / 2, 0.15, 2.0 / 13},
		{Field, 3, 11, 2, (0.24 + 0.2) / 11, (0.24/7 + 0.2/4) / 2, 11.0 / 13},
		{R1, 3, 5, 2, (0.1 + 0.05 + 0.2) / 5, (0.075 + 0.2/3) / 2, 5.0 / 13},
		{R2, 3, 2, 1, 0.015, 0.015, 2.0 / 13},
		{R3, 3, 2, 1, 0.025, 0.025, 2.0 / 13},
		// 1 source: image C only.
		{R1, 1, 2, 1, 0.05, 0.05, 1},
		{Sources, 1, 0, 0, nan, nan, 0},
	}
	for _, tc := range cases {
		s, err := a.Stat(tc.r, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if s.Pixels != tc.pixels || s.ImagesWithRegion != tc.imagesWith ||
			!near(s.MAE, tc.mae, 1e-7) || !near(s.ImageMAE, tc.imageMAE, 1e-7) || !near(s.AreaFraction, tc.area, 1e-12) {
			t.Errorf("%s, %d sources: got %+v\nwant pixels %d, images %d, MAE %v, image MAE %v, area %v",
				tc.r, tc.n, s, tc.pixels, tc.imagesWith, tc.mae, tc.imageMAE, tc.area)
		}
	}
	if s, _ := a.Stat(Whole, 3); s.Images != 2 {
		t.Errorf("images with 3 sources: %d, want 2", s.Images)
	}
	// Averages over numbers of sources weigh each count the same.
	for _, tc := range []struct {
		r      Region
		mean   float64
		counts int
	}{{R1, (0.07 + 0.05) / 2, 2}, {Sources, 0.15, 1}, {R2, 0.015, 1}} {
		m, n, err := a.MeanOverCounts(tc.r)
		if err != nil || n != tc.counts || !near(m, tc.mean, 1e-7) {
			t.Errorf("MeanOverCounts(%s) = %v over %d counts (%v), want %v over %d", tc.r, m, n, err, tc.mean, tc.counts)
		}
	}
	if got := len(a.Results()); got != 2*NumRegions {
		t.Errorf("Results has %d entries, want %d (2 counts x %d regions)", got, 2*NumRegions, NumRegions)
	}
}

// near compares with a relative-or-absolute tolerance; two NaNs are near.
func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

func TestRegionAccumulatorMerge(t *testing.T) {
	all, _ := NewRegionAccumulator(5)
	p1, _ := NewRegionAccumulator(5)
	p2, _ := NewRegionAccumulator(5)
	_ = all.Add(imgAInput, imgATarget, imgAPred, 3)
	_ = all.Add(imgBInput, imgBTarget, imgBPred, 3)
	_ = all.Add64(f64(imgCInput), f64(imgCTarget), f64(imgCPred), 1)
	_ = p1.Add(imgAInput, imgATarget, imgAPred, 3)
	_ = p2.Add(imgBInput, imgBTarget, imgBPred, 3)
	_ = p2.Add(imgCInput, imgCTarget, imgCPred, 1)
	if err := p1.Merge(p2); err != nil {
		t.Fatal(err)
	}
	got, want := p1.Results(), all.Results()
	if len(got) != len(want) {
		t.Fatalf("merged results: %d entries, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Region != w.Region || g.NSources != w.NSources || g.Pixels != w.Pixels || g.Images != w.Images ||
			!near(g.MAE, w.MAE, 1e-12) || !near(g.ImageMAE, w.ImageMAE, 1e-12) {
			t.Errorf("merged %+v, direct %+v", g, w)
		}
	}
	other, _ := NewRegionAccumulator(6)
	if err := p1.Merge(other); err == nil {
		t.Error("merged accumulators with different MaxSources")
	}
}

func f64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func TestRegionAccumulatorErrors(t *testing.T) {
	if _, err := NewRegionAccumulator(0); err == nil {
		t.Error("maxSources 0 accepted")
	}
	a, _ := NewRegionAccumulator(20)
	nan := float32(math.NaN())
	cases := []struct {
		name       string
		in, tg, pr []float32
		n          int
		errPart    string
	}{
		{"no sources", imgAInput, imgATarget, imgAPred, 0, "number of sources 0"},
		{"too many sources", imgAInput, imgATarget, imgAPred, 21, "number of sources 21"},
		{"short prediction", imgAInput, imgATarget, imgAPred[:3], 3, "prediction has 3 values"},
		{"NaN prediction", []float32{0}, []float32{0}, []float32{nan}, 3, "prediction[0]"},
		{"empty image", nil, nil, nil, 3, "empty image"},
	}
	for _, tc := range cases {
		err := a.Add(tc.in, tc.tg, tc.pr, tc.n)
		if err == nil || !strings.Contains(err.Error(), tc.errPart) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.errPart)
		}
	}
	if len(a.Results()) != 0 {
		t.Error("failed Add calls accumulated something")
	}
	if _, err := a.Stat(Region(9), 1); err == nil {
		t.Error("Stat accepted an unknown region")
	}
	if _, err := a.Stat(R1, 0); err == nil {
		t.Error("Stat accepted 0 sources")
	}
}

func TestMask(t *testing.T) {
	cases := []struct {
		r    Region
		want []int // indices of image A in the region
	}{
		{Whole, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{Sources, []int{1, 8}},
		{Field, []int{0, 2, 3, 4, 5, 6, 7}},
		{R1, []int{0, 2}},
		{R2, []int{3, 4}},
		{R3, []int{5, 6}},
	}
	for _, tc := range cases {
		m, err := Mask(tc.r, imgAInput, imgATarget)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for i, in := range m {
			if in {
				got = append(got, i)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Mask(%s) = %v, want %v", tc.r, got, tc.want)
		}
	}
	// Boundaries: R1 = [0.2, inf), R2 = [0.1, 0.2), R3 = [0.05, 0.1), on the target.
	for _, tc := range []struct {
		y    float64
		want Region
	}{{1, R1}, {0.2, R1}, {0.19999, R2}, {0.1, R2}, {0.09999, R3}, {0.05, R3}, {0.04999, -1}} {
		for _, r := range []Region{R1, R2, R3} {
			if got := r.Contains(0, tc.y); got != (r == tc.want) {
				t.Errorf("%s.Contains(0, %v) = %v", r, tc.y, got)
			}
			if r.Contains(0.5, tc.y) {
				t.Errorf("%s contains a source pixel", r)
			}
		}
	}
	if _, err := Mask(Region(-1), imgAInput, imgATarget); err == nil {
		t.Error("Mask accepted region -1")
	}
	if Region(7).String() != "Region(7)" || R2.String() != "R2" {
		t.Error("Region.String")
	}
}
