package plots

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// rendered is a figure rendered to pixels, with the layout of its panels.
type rendered struct {
	img    image.Image
	layout map[Panel]drawn
	dpi    float64
}

// renderPNG renders f as a raster image and records its layout.
func renderPNG(t *testing.T, f *Figure) rendered {
	t.Helper()
	layout := map[Panel]drawn{}
	cv, err := f.renderLayout("png", layout)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return rendered{img: cv.(vgimg.PngCanvas).Image(), layout: layout, dpi: float64(f.dpi())}
}

// at returns the pixel colour at the canvas point (x, y) in points (y up).
func (r rendered) at(x, y vg.Length) color.NRGBA {
	b := r.img.Bounds()
	px := int(math.Floor(float64(x) / 72 * r.dpi))
	py := b.Dy() - 1 - int(math.Floor(float64(y)/72*r.dpi))
	return color.NRGBAModel.Convert(r.img.At(px, py)).(color.NRGBA)
}

// cellCenter returns the canvas point at the centre of cell (row, col) of a rows×cols heatmap whose
// data area is data, with row 0 at the top.
func cellCenter(data vg.Rectangle, rows, cols, row, col int) (vg.Length, vg.Length) {
	w, h := data.Size().X, data.Size().Y
	x := data.Min.X + w*(vg.Length(col)+0.5)/vg.Length(cols)
	y := data.Max.Y - h*(vg.Length(row)+0.5)/vg.Length(rows)
	return x, y
}

// near reports whether two colours differ by at most tol in every channel.
func near(a, b color.NRGBA, tol int) bool {
	d := func(p, q uint8) int { return int(math.Abs(float64(p) - float64(q))) }
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol && d(a.A, b.A) <= tol
}

// decodePNG reads and decodes a PNG file.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

// lumaStd returns the standard deviation of the pixels' luminance (0 for a blank image).
func lumaStd(img image.Image) float64 {
	b := img.Bounds()
	var s, s2, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bb, _ := img.At(x, y).RGBA()
			l := 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bb)
			s += l
			s2 += l * l
			n++
		}
	}
	m := s / n
	return math.Sqrt(math.Max(0, s2/n-m*m))
}

// ramp returns an n×n field whose value grows along the rows: row r holds r/(n-1).
func ramp(n int) []float64 {
	d := make([]float64, n*n)
	for r := range n {
		for c := range n {
			d[r*n+c] = float64(r) / float64(n-1)
		}
	}
	return d
}
