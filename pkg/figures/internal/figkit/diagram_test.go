package figkit

import (
	"bytes"
	"image/color"
	"image/png"
	"math"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/plots"
)

func TestThousandsAndShapeText(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 3075: "3,075", 50290243: "50,290,243", -4000: "-4,000", -999: "-999"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
	if got := ShapeText([3]int{1, 128, 64}); got != "1 × 128 × 64" {
		t.Errorf("ShapeText: %q", got)
	}
}

// A block's height follows its side, its width grows with its channels, and it stays in its slot.
func TestBlockRowGeometry(t *testing.T) {
	row := BlockRow{Blocks: []Block{{Channels: 1, Side: 64}, {Channels: 8, Side: 64}, {Channels: 8, Side: 32}, {Channels: 64, Side: 1}},
		X0: 10, Slot: 5, Y: 20, H: 10}
	if s, c := Maxima(row.Blocks); s != 64 || c != 64 {
		t.Fatalf("Maxima = %d, %d", s, c)
	}
	var prevW float64
	for i, b := range row.Blocks {
		x0, y0, x1, y1 := row.Box(i)
		if cx := (x0 + x1) / 2; math.Abs(cx-row.X(i)) > 1e-12 || math.Abs(cx-(10+5*(float64(i)+0.5))) > 1e-12 {
			t.Errorf("block %d centred at %g, slot centre %g", i, cx, row.X(i))
		}
		if math.Abs((y0+y1)/2-row.Y) > 1e-12 {
			t.Errorf("block %d off the line: %g..%g", i, y0, y1)
		}
		wantH := max(row.H*float64(b.Side)/64, 0.04*row.H)
		if math.Abs(y1-y0-wantH) > 1e-12 {
			t.Errorf("block %d height %g, want %g", i, y1-y0, wantH)
		}
		w := x1 - x0
		if w <= 0 || w > 0.8*row.Slot+1e-12 || (i > 0 && b.Channels > row.Blocks[i-1].Channels && w <= prevW) {
			t.Errorf("block %d width %g (previous %g)", i, w, prevW)
		}
		prevW = w
	}
	// Common maxima scale rows alike: a row of half the side draws half as tall.
	half := row
	half.Blocks = []Block{{Channels: 1, Side: 32}}
	half.MaxSide, half.MaxChannels = 64, 64
	if _, y0, _, y1 := half.Box(0); math.Abs(y1-y0-row.H/2) > 1e-12 {
		t.Errorf("half-side block height %g, want %g", y1-y0, row.H/2)
	}
	// Numbers, labels and marks widen the row's extent.
	plain := row.Top()
	row.Numbers = true
	row.Blocks[3].Label, row.Blocks[3].Mark = "conv", "bottleneck"
	if row.Top() <= plain || row.Bottom() >= row.Y-row.H/2 {
		t.Errorf("extent %g..%g (plain top %g)", row.Bottom(), row.Top(), plain)
	}
	// Line, four blocks with channels and sides, a label, a mark; with an envelope one more.
	if n := len(row.Shapes()); n != 1+4*3+2 {
		t.Errorf("%d shapes", n)
	}
	row.Envelope = color.White
	if n := len(row.Shapes()); n != 1+1+4*3+2 {
		t.Errorf("%d shapes with the envelope", n)
	}
	if len((BlockRow{}).Shapes()) != 0 {
		t.Error("an empty row draws")
	}
}

func TestKindFillAndLabel(t *testing.T) {
	seen := map[color.Color]bool{}
	for _, k := range []models.Kind{"", models.KindConv, models.KindPool, models.KindConvT, models.KindUpsample} {
		f := KindFill(k)
		if f == color.White || seen[f] {
			t.Errorf("kind %q: fill %v", k, f)
		}
		seen[f] = true
	}
	if KindFill(models.KindBatchNorm) != color.White {
		t.Error("an undrawn kind should be white")
	}
	if KindLabel("") != "input" || KindLabel(models.KindConvT) != "convT" {
		t.Errorf("labels %q %q", KindLabel(""), KindLabel(models.KindConvT))
	}
}

// Every primitive draws: a diagram of them renders to a PNG of the figure's size.
func TestDiagramRenders(t *testing.T) {
	d := &Diagram{W: 100, H: 40}
	d.Add(Rect(1, 1, 20, 10, KindFill(""), color.Black), Rect(25, 1, 30, 10, nil, color.Black), Polygon([][2]float64{{40, 1}, {50, 1}, {45, 9}}, GreyLine),
		Line(1, 20, 30, 20, 1, color.Black, true), Line(1, 22, 1, 22, 1, color.Black, true), Circle(60, 20, 9, color.White),
		Text(60, 20, "+", Font{Size: 13, Bold: true}), Text(1, 30, "note", NoteText), Swatch(70, 30, KindFill(models.KindPool), "pool"),
		Bracket(5, 95, 35, 1, "encoder", Font{Size: 8.5, Bold: true}))
	d.Add(BlockRow{Blocks: []Block{{Channels: 1, Side: 8, Label: "input"}, {Channels: 4, Side: 4, Mark: "bottleneck"}}, X0: 70, Slot: 10, Y: 10, H: 8,
		Numbers: true, Envelope: color.NRGBA{0xEE, 0xEE, 0xEE, 0xFF}}.Shapes()...)
	fig := plots.Single(d.Panel())
	fig.Width, fig.Height = 8*vg.Inch, 4*vg.Inch
	data, err := fig.Render("png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 300 {
		t.Errorf("image %v", b)
	}
}

// A styled outline or line is drawn in its own style and leaves none behind: shapes that do not
// overlap draw the same pixels in either order, and a dashed outline differs from a solid one.
func TestStyledShapesKeepTheirStyle(t *testing.T) {
	dashed := draw.LineStyle{Color: color.Black, Width: 1, Dashes: []vg.Length{2, 1.5}}
	solid := draw.LineStyle{Color: color.Black, Width: 1}
	render := func(sh ...Shape) []byte {
		t.Helper()
		d := &Diagram{W: 100, H: 40}
		d.Add(sh...)
		fig := plots.Single(d.Panel())
		fig.Width, fig.Height = 4*vg.Inch, 2*vg.Inch
		data, err := fig.Render("png")
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	ring, line, plain := OutlinedCircle(20, 20, 12, color.White, dashed), StyledLine(5, 5, 40, 5, dashed, true), Circle(70, 20, 12, color.White)
	a, b := render(ring, line, plain), render(plain, ring, line)
	if !bytes.Equal(a, b) {
		t.Error("a Circle drawn after dashed shapes differs from one drawn before them")
	}
	if bytes.Equal(a, render(OutlinedCircle(20, 20, 12, color.White, solid), StyledLine(5, 5, 40, 5, solid, true), plain)) {
		t.Error("dashed and solid outlines draw the same")
	}
}
