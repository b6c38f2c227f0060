package plots

import (
	"image/color"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func TestAxesErrors(t *testing.T) {
	x := []float64{1, 2, 3}
	tests := []struct {
		name  string
		panel Panel
		want  string
	}{
		{"no layers", &Axes{}, "no layers"},
		{"mismatched x/y", &Axes{Layers: []Layer{&Line{X: x, Y: []float64{1, 2}}}}, "mismatched lengths: len(X)=3, len(Y)=2"},
		{"empty line", &Axes{Layers: []Layer{&Line{Label: "m", X: nil, Y: nil}}}, "empty data"},
		{"mismatched std", &Axes{Layers: []Layer{&Line{X: x, Y: x, Std: []float64{1}}}}, "len(Std)=1"},
		{"half band", &Axes{Layers: []Layer{&Line{X: x, Y: x, Lower: x}}}, "both Lower and Upper"},
		{"std and band", &Axes{Layers: []Layer{&Line{X: x, Y: x, Std: x, Lower: x, Upper: x}}}, "not both"},
		{"NaN range", &Axes{YRange: Range{Min: math.NaN(), Max: 1}, Layers: []Layer{&Line{Y: x}}}, "y range"},
		{"inverted range", &Axes{XRange: Range{Min: 3, Max: 1}, Layers: []Layer{&Line{Y: x}}}, "Min must be < Max"},
		{"log range", &Axes{LogY: true, YRange: Range{Min: 0, Max: 1}, Layers: []Layer{&Line{Y: x}}}, "positive"},
		{"nil layer", &Axes{Layers: []Layer{nil}}, "layer 0 is nil"},
		{"tick labels", &Axes{XTicks: []float64{1, 2}, XTickLabels: []string{"a"}, Layers: []Layer{&Line{Y: x}}}, "1 XTickLabels for 2 XTicks"},
		{"empty histogram", &Axes{Layers: []Layer{&Hist{}}}, "no Histogram"},
		{"bars mismatch", &BarChart{Categories: []string{"a", "b"}, Series: []*Bars{{Label: "s", Values: []float64{1}}}}, "1 values for 2 categories"},
		{"bars empty", &BarChart{}, "no categories"},
		{"bars no series", &BarChart{Categories: []string{"a"}}, "no series"},
		{"bars log range", &BarChart{Categories: []string{"a"}, Series: []*Bars{{Values: []float64{1}}}, LogY: true,
			YRange: Range{Min: -1, Max: 1}}, "positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.panel.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.want)
			}
			if _, err := Single(tc.panel).Render("svg"); err == nil {
				t.Fatal("Render succeeded on an invalid panel")
			}
		})
	}
}

func TestLineDrawnWhereExpected(t *testing.T) {
	// A thick horizontal red line at y = 0.5 over x in [0, 1] with fixed ranges: the pixel at the
	// middle of the data area is red, a pixel a quarter up is background.
	ax := &Axes{XRange: Range{Min: 0, Max: 1}, YRange: Range{Min: 0, Max: 1}, Legend: LegendNone}
	l := ax.Line("", []float64{0, 1}, []float64{0.5, 0.5})
	l.Color, l.Width, l.Marker = color.NRGBA{255, 0, 0, 255}, 4, MarkerNone
	r := renderPNG(t, Single(ax))
	d := r.layout[ax].data
	mid := vg.Point{X: (d.Min.X + d.Max.X) / 2, Y: (d.Min.Y + d.Max.Y) / 2}
	if got := r.at(mid.X, mid.Y); got != (color.NRGBA{255, 0, 0, 255}) {
		t.Errorf("line pixel = %v, want red", got)
	}
	if got := r.at(mid.X, d.Min.Y+d.Size().Y/4); got != (color.NRGBA{255, 255, 255, 255}) {
		t.Errorf("background pixel = %v, want white", got)
	}
}

func TestStdBandShaded(t *testing.T) {
	ax := &Axes{XRange: Range{Min: 0, Max: 1}, YRange: Range{Min: 0, Max: 4}, Legend: LegendNone}
	l := ax.LineStd("m", []float64{0, 1}, []float64{2, 2}, []float64{1, 1})
	l.Color = color.NRGBA{0, 0, 255, 255}
	r := renderPNG(t, Single(ax))
	d := r.layout[ax].data
	x := (d.Min.X + d.Max.X) / 2
	inBand := r.at(x, d.Min.Y+d.Size().Y*0.375)  // y = 1.5: inside 2 ± 1
	outBand := r.at(x, d.Min.Y+d.Size().Y*0.125) // y = 0.5: outside
	if inBand.B != 255 || inBand.R == 255 || inBand.R < 150 {
		t.Errorf("band pixel = %v, want translucent blue", inBand)
	}
	if outBand != (color.NRGBA{255, 255, 255, 255}) {
		t.Errorf("pixel outside the band = %v, want white", outBand)
	}
}

func TestLegendPlacement(t *testing.T) {
	th := DefaultTheme()
	ll := layoutLegend(th, []legendEntry{{label: "a rather long label", color: Blue, marker: MarkerCircle}}, 1)
	data := vg.Rectangle{Max: vg.Point{X: 200, Y: 150}}
	// Points filling the upper right quadrant push the legend to another corner.
	var pts []vg.Point
	for x := vg.Length(100); x <= 200; x += 2 {
		for y := vg.Length(75); y <= 150; y += 2 {
			pts = append(pts, vg.Point{X: x, Y: y})
		}
	}
	if pos, n := ll.bestCorner(data, pts); pos != LegendTopLeft || n != 0 {
		t.Errorf("bestCorner = %v covering %d points, want top left covering 0", pos, n)
	}
	// With data everywhere, placeLegend asks for headroom once, then picks a top corner.
	raised := 0
	everywhere := func(draw.Canvas) []vg.Point {
		return []vg.Point{{X: 5, Y: 5}, {X: 195, Y: 5}, {X: 5, Y: 145}, {X: 195, Y: 145}}
	}
	pos := placeLegend(ll, LegendAuto, func() draw.Canvas { return draw.Canvas{Rectangle: data} }, everywhere,
		func(frac float64) bool { raised++; return true })
	if raised != 1 || (pos != LegendTopRight && pos != LegendTopLeft) {
		t.Errorf("placeLegend raised %d times and chose %v", raised, pos)
	}
	// A fixed position is kept.
	if pos := placeLegend(ll, LegendBottomLeft, nil, nil, nil); pos != LegendBottomLeft {
		t.Errorf("fixed position became %v", pos)
	}
	// Headroom puts the old top at 1-frac of the axis.
	if got := headroom(0, 10, false, 0.5); got != 20 {
		t.Errorf("headroom linear = %g, want 20", got)
	}
	if got := headroom(1, 100, true, 0.5); math.Abs(got-1e4) > 1e-9 {
		t.Errorf("headroom log = %g, want 1e4", got)
	}
}

func TestBarsAndRightAxis(t *testing.T) {
	b := &BarChart{Categories: []string{"a", "b"}, YRange: Range{Min: 0, Max: 1}, Y2Range: Range{Min: 0, Max: 100},
		Legend: LegendNone}
	b.Add("left", []float64{0.5, 1}).Color = color.NRGBA{255, 0, 0, 255}
	right := b.Add("right", []float64{50, 100})
	right.Color, right.RightAxis = color.NRGBA{0, 0, 255, 255}, true
	r := renderPNG(t, Single(b))
	d := r.layout[b].data
	// Category a spans x in [-0.5, 0.5]; its left bar covers [-0.4, 0], its right bar [0, 0.4].
	xAt := func(v float64) vg.Length { return d.Min.X + vg.Length((v+0.5)/2)*d.Size().X }
	yAt := func(frac float64) vg.Length { return d.Min.Y + vg.Length(frac)*d.Size().Y }
	if got := r.at(xAt(-0.2), yAt(0.25)); got != (color.NRGBA{255, 0, 0, 255}) {
		t.Errorf("left bar pixel = %v, want red", got)
	}
	if got := r.at(xAt(-0.2), yAt(0.75)); got != (color.NRGBA{255, 255, 255, 255}) {
		t.Errorf("above the left bar (0.5 of 1) = %v, want white", got)
	}
	// The right series is scaled on its own axis: 50 of 100 reaches half the height.
	if got := r.at(xAt(0.2), yAt(0.45)); got != (color.NRGBA{0, 0, 255, 255}) {
		t.Errorf("right bar pixel = %v, want blue", got)
	}
	if got := r.at(xAt(0.2), yAt(0.55)); got != (color.NRGBA{255, 255, 255, 255}) {
		t.Errorf("above the right bar = %v, want white", got)
	}
}

func TestAxisRange(t *testing.T) {
	tests := []struct {
		name           string
		s              span
		fixed          Range
		log, sticky    bool
		wantLo, wantHi float64
	}{
		{"fixed", span{lo: 1, hi: 2, n: 2}, Range{Min: -1, Max: 5}, false, false, -1, 5},
		{"margin", span{lo: 0, hi: 10, n: 2}, Range{}, false, false, -0.5, 10.5},
		{"sticky zero", span{lo: 0, hi: 10, n: 2}, Range{}, false, true, 0, 10.5},
		{"log margin", span{lo: 1, hi: 100, n: 2}, Range{}, true, false, math.Pow(10, -0.1), math.Pow(10, 2.1)},
		{"constant", span{lo: 3, hi: 3, n: 1}, Range{}, false, false, 2.5, 3.5},
		{"no data", span{}, Range{}, false, false, 0, 1},
	}
	for _, tc := range tests {
		lo, hi := axisRange(tc.s, tc.fixed, tc.log, 0.05, tc.sticky)
		if math.Abs(lo-tc.wantLo) > 1e-12 || math.Abs(hi-tc.wantHi) > 1e-12 {
			t.Errorf("%s: axisRange = [%g, %g], want [%g, %g]", tc.name, lo, hi, tc.wantLo, tc.wantHi)
		}
	}
}

func TestAxesNothingToDraw(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		ax   *Axes
		want string
	}{
		{"log y, no positive value", &Axes{LogY: true, Layers: []Layer{&Line{Y: []float64{0, -1}}}}, "left axis"},
		{"log x, no positive value", &Axes{LogX: true, Layers: []Layer{&Line{X: []float64{-1, 0}, Y: []float64{1, 2}}}}, "left axis"},
		{"all NaN", &Axes{Layers: []Layer{&Line{Y: []float64{nan, nan}}}}, "no point to draw"},
		{"right axis", &Axes{LogY2: true, Layers: []Layer{&Line{Y: []float64{1}}, &Line{Y: []float64{-1}, RightAxis: true}}}, "right axis"},
	}
	for _, tc := range tests {
		if _, err := Single(tc.ax).Render("png"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Render() = %v, want error containing %q", tc.name, err, tc.want)
		}
	}
	// Some points dropped on a log axis is fine.
	ok := &Axes{LogY: true, Layers: []Layer{&Line{Y: []float64{0, 1, 10}}}}
	if _, err := Single(ok).Render("png"); err != nil {
		t.Errorf("log axis with one non-positive point: %v", err)
	}
}
