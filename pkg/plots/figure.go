package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Grid lays out panels in Rows × Cols equal cells, row-major. It is itself a Panel, so grids nest
// (e.g. panel "a" of a figure can be a 4×5 grid of images with one shared colour bar).
type Grid struct {
	// Rows and Cols give the number of cells.
	Rows, Cols int
	// Panels fill the cells row by row; nil leaves a cell empty.
	Panels []Panel
	// Title is written above the grid (for a Figure: the figure title).
	Title string
	// SharedColorBar replaces the colour bars of the grid's heatmaps (direct children) by one bar at
	// the right of the grid; all of them then use one colour scale: Color if set, else the first
	// heatmap's settings, with an automatic range spanning all their data.
	SharedColorBar bool
	// Color, when set, is the shared colour scale.
	Color *ColorScale
	// Letters writes bold panel letters (a, b, c, ...) at the top left of each panel (Legend panels
	// get none).
	Letters bool
	// LetterFormat formats the letters with fmt (e.g. "%s)" for "a)"); empty means "%s".
	LetterFormat string
}

// NewGrid returns a grid of the given shape holding panels row by row.
func NewGrid(rows, cols int, panels ...Panel) *Grid {
	return &Grid{Rows: rows, Cols: cols, Panels: panels}
}

// Validate implements Panel: it checks the shape and every panel.
func (g *Grid) Validate() error {
	if g.Rows <= 0 || g.Cols <= 0 {
		return fmt.Errorf("grid %q: shape %d×%d must be positive", g.Title, g.Rows, g.Cols)
	}
	if len(g.Panels) > g.Rows*g.Cols {
		return fmt.Errorf("grid %q: %d panels do not fit %d×%d cells", g.Title, len(g.Panels), g.Rows, g.Cols)
	}
	any := false
	for i, p := range g.Panels {
		if p == nil {
			continue
		}
		any = true
		if err := p.Validate(); err != nil {
			return fmt.Errorf("panel (row %d, col %d): %w", i/g.Cols, i%g.Cols, err)
		}
	}
	if !any {
		return fmt.Errorf("grid %q: no panels", g.Title)
	}
	if g.Color != nil {
		if err := g.Color.validate(); err != nil {
			return fmt.Errorf("grid %q: shared colour scale: %w", g.Title, err)
		}
	}
	return nil
}

// letterHeight is the strip reserved above each panel for its letter.
func (g *Grid) letterHeight(th *Theme) vg.Length {
	if !g.Letters {
		return 0
	}
	s := th.textStyle(th.LetterSize, true)
	return ascent(s) + 1
}

// titleHeight is the strip reserved above the grid for its title.
func (g *Grid) titleHeight(th *Theme, top bool) vg.Length {
	if g.Title == "" {
		return 0
	}
	s := g.titleStyle(th, top)
	return ascent(s) + descent(s) + 5
}

// titleStyle is the figure title (top) or a nested grid's title.
func (g *Grid) titleStyle(th *Theme, top bool) draw.TextStyle {
	if top {
		return th.textStyle(th.TitleSize, false)
	}
	return th.textStyle(th.PanelTitleSize, true)
}

// heatmaps returns the grid's direct heatmap children.
func (g *Grid) heatmaps() []*Heatmap {
	var hs []*Heatmap
	for _, p := range g.Panels {
		if h, ok := p.(*Heatmap); ok {
			hs = append(hs, h)
		}
	}
	return hs
}

// sharedScale resolves the shared colour scale (nil when the grid has none).
func (g *Grid) sharedScale(th *Theme) (*resolvedScale, error) {
	hs := g.heatmaps()
	if !g.SharedColorBar || len(hs) == 0 {
		return nil, nil
	}
	cs := hs[0].Color
	if g.Color != nil {
		cs = *g.Color
	}
	var r scaleRange
	for _, h := range hs {
		r.scan(h.Data)
	}
	sc, err := cs.resolve(r, th)
	if err != nil {
		return nil, fmt.Errorf("grid %q: shared colour bar: %w", g.Title, err)
	}
	return &sc, nil
}

const cellPad = vg.Length(3)

// tracks returns the natural width of each column and height of each row (cells included); empty
// columns and rows get the largest size.
func (g *Grid) tracks(th *Theme, s float64) (colW, rowH []vg.Length) {
	colW, rowH = make([]vg.Length, g.Cols), make([]vg.Length, g.Rows)
	var maxW, maxH vg.Length
	for i, p := range g.Panels {
		if p == nil || i >= g.Rows*g.Cols {
			continue
		}
		w, h := p.prefSize(th, s)
		if hm, ok := p.(*Heatmap); ok && g.SharedColorBar && !hm.NoColorBar {
			w -= 0.6 * vg.Inch
		}
		w += 2 * cellPad
		h += 2*cellPad + g.letterHeight(th)
		colW[i%g.Cols] = max(colW[i%g.Cols], w)
		rowH[i/g.Cols] = max(rowH[i/g.Cols], h)
		maxW, maxH = max(maxW, w), max(maxH, h)
	}
	for j := range colW {
		if colW[j] == 0 {
			colW[j] = maxW
		}
	}
	for i := range rowH {
		if rowH[i] == 0 {
			rowH[i] = maxH
		}
	}
	return colW, rowH
}

// prefSize implements Panel.
func (g *Grid) prefSize(th *Theme, s float64) (vg.Length, vg.Length) {
	colW, rowH := g.tracks(th, s)
	var w, h vg.Length
	for _, cw := range colW {
		w += cw
	}
	for _, rh := range rowH {
		h += rh
	}
	h += g.titleHeight(th, false)
	if g.SharedColorBar && len(g.heatmaps()) > 0 {
		w += 0.65 * vg.Inch
	}
	return w, h
}

// offsets splits total among tracks in proportion to their natural sizes and returns the
// len(tracks)+1 boundaries, from 0.
func offsets(tracks []vg.Length, total vg.Length) []vg.Length {
	var sum vg.Length
	for _, t := range tracks {
		sum += t
	}
	out := make([]vg.Length, len(tracks)+1)
	for i, t := range tracks {
		share := total / vg.Length(len(tracks))
		if sum > 0 {
			share = total * t / sum
		}
		out[i+1] = out[i] + share
	}
	return out
}

// draw implements Panel.
func (g *Grid) draw(dc *drawCtx, c draw.Canvas) (drawn, error) {
	return g.drawGrid(dc, c, false)
}

// drawGrid draws the grid; top marks the figure's top-level grid (larger title).
func (g *Grid) drawGrid(dc *drawCtx, c draw.Canvas, top bool) (drawn, error) {
	th := dc.th
	out := drawn{outer: c.Rectangle}
	area := c
	if g.Title != "" {
		s := g.titleStyle(th, top)
		fillBaseline(c, s, (c.Min.X+c.Max.X)/2, c.Max.Y-ascent(s)-2, draw.XCenter, g.Title)
		area.Max.Y -= g.titleHeight(th, top)
	}
	shared, err := g.sharedScale(th)
	if err != nil {
		return out, err
	}
	if shared != nil {
		area.Max.X -= colorBarWidth(th, shared)
	}
	// Columns and rows share the room in proportion to their natural sizes.
	colW, rowH := g.tracks(th, 1)
	xs := offsets(colW, area.Max.X-area.Min.X)
	ys := offsets(rowH, area.Max.Y-area.Min.Y)
	lh := g.letterHeight(th)
	letter := th.textStyle(th.LetterSize, true)
	var sharedData vg.Rectangle
	lettered := 0
	for i, p := range g.Panels {
		if p == nil {
			continue
		}
		row, col := i/g.Cols, i%g.Cols
		cell := vg.Rectangle{
			Min: vg.Point{X: area.Min.X + xs[col] + cellPad, Y: area.Max.Y - ys[row+1] + cellPad},
			Max: vg.Point{X: area.Min.X + xs[col+1] - cellPad, Y: area.Max.Y - ys[row] - cellPad - lh},
		}
		if cell.Size().X <= 0 || cell.Size().Y <= 0 {
			return out, fmt.Errorf("panel (row %d, col %d): no room (figure too small)", row, col)
		}
		child := *dc
		child.shared = nil
		_, isHeat := p.(*Heatmap)
		if isHeat && shared != nil {
			child.shared = shared
		}
		pc := c
		pc.Rectangle = cell
		d, err := p.draw(&child, pc)
		if err != nil {
			return out, fmt.Errorf("panel (row %d, col %d): %w", row, col, err)
		}
		if isHeat && shared != nil {
			sharedData = union(sharedData, d.data)
		}
		if dc.layout != nil {
			dc.layout[p] = d
		}
		if _, isLegend := p.(*Legend); g.Letters && !isLegend {
			format := g.LetterFormat
			if format == "" {
				format = "%s"
			}
			x := d.outer.Min.X
			fillBaseline(c, letter, x, cell.Max.Y+1, draw.XLeft, fmt.Sprintf(format, panelLetter(lettered)))
			lettered++
		}
	}
	if shared != nil && sharedData.Size().Y > 0 {
		drawColorBar(dc, c, shared, sharedData)
	}
	return out, nil
}

// panelLetter returns a, b, ..., z, aa, ab, ... for i = 0, 1, ...
func panelLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('a'+(i-1)%26)) + s
	}
	return s
}

// Figure is a complete figure: a grid of panels with an optional title, panel letters and scale
// stamp, rendered to PNG, SVG or PDF. The zero sizes pick a natural size from the panels. (Nest
// layouts with Grid: a Figure placed in another figure draws as its bare Grid.)
type Figure struct {
	Grid
	// Stamp is a small grey line at the bottom right, e.g. ScaleStamp("cpu", "512×512, 400k samples").
	Stamp string
	// Width and Height are the figure size; zero derives it from the panels (if only one is set the
	// other keeps the natural aspect ratio).
	Width, Height vg.Length
	// DPI is the PNG resolution in dots per inch (0: 150).
	DPI int
	// Theme is the style (nil: DefaultTheme()).
	Theme *Theme
	// EmbedFonts embeds the TrueType fonts in SVG output (larger files that render identically
	// everywhere); otherwise SVG text falls back to Arial/Helvetica, metric-compatible with the
	// Liberation Sans used for layout.
	EmbedFonts bool
}

// DefaultDPI is the PNG resolution used when Figure.DPI is zero.
const DefaultDPI = 150

// NewFigure returns a figure of rows × cols panels (filled row by row; nil leaves a cell empty).
func NewFigure(rows, cols int, panels ...Panel) *Figure {
	return &Figure{Grid: Grid{Rows: rows, Cols: cols, Panels: panels}}
}

// Single returns a figure holding one panel.
func Single(p Panel) *Figure { return NewFigure(1, 1, p) }

// ScaleStamp returns the standard stamp of a figure made at a named scale: "surrogo · scale: cpu
// (reduced; paper: 512×512, 400k samples)". At scale "paper" (or with no paper setup) the part in
// parentheses is left out.
func ScaleStamp(scale, paper string) string {
	s := "surrogo · scale: " + scale
	if scale != "paper" && paper != "" {
		s += " (reduced; paper: " + paper + ")"
	}
	return s
}

// theme returns the figure's theme.
func (f *Figure) theme() *Theme {
	if f.Theme != nil {
		return f.Theme
	}
	return DefaultTheme()
}

// dpi returns the PNG resolution.
func (f *Figure) dpi() int {
	if f.DPI > 0 {
		return f.DPI
	}
	return DefaultDPI
}

const figurePad = vg.Length(4)

// stampHeight is the strip reserved at the bottom for the stamp.
func (f *Figure) stampHeight(th *Theme) vg.Length {
	if f.Stamp == "" {
		return 0
	}
	s := th.italic(th.StampSize)
	return ascent(s) + descent(s) + 2
}

// Size returns the figure's width and height (the natural size for zero fields), rounded to whole
// pixels at the figure's DPI.
func (f *Figure) Size() (w, h vg.Length) {
	th := f.theme()
	natural := func(s float64) (vg.Length, vg.Length) {
		gw, gh := f.Grid.prefSize(th, s)
		gh += f.titleHeight(th, true) - f.Grid.titleHeight(th, false)
		if f.Stamp != "" {
			gw = max(gw, th.italic(th.StampSize).Width(f.Stamp))
		}
		return gw + 2*figurePad, gh + 2*figurePad + f.stampHeight(th)
	}
	// fit finds the scale of the data areas at which the natural size matches the given dimension.
	fit := func(dim func(s float64) vg.Length, want vg.Length) float64 {
		lo, hi := 0.02, 20.0
		for range 60 {
			mid := (lo + hi) / 2
			if dim(mid) > want {
				hi = mid
			} else {
				lo = mid
			}
		}
		return lo
	}
	w, h = f.Width, f.Height
	switch {
	case w > 0 && h > 0:
	case w > 0:
		_, h = natural(fit(func(s float64) vg.Length { w, _ := natural(s); return w }, w))
	case h > 0:
		w, _ = natural(fit(func(s float64) vg.Length { _, h := natural(s); return h }, h))
	default:
		w, h = natural(1)
	}
	dpi := float64(f.dpi())
	round := func(l vg.Length) vg.Length {
		return vg.Length(math.Max(1, math.Round(float64(l)/72*dpi)) * 72 / dpi)
	}
	return round(w), round(h)
}

// Validate checks the figure settings and every panel.
func (f *Figure) Validate() error {
	if f.Width < 0 || f.Height < 0 {
		return fmt.Errorf("figure: negative size %v×%v", f.Width, f.Height)
	}
	if f.DPI < 0 || f.DPI > 2400 {
		return fmt.Errorf("figure: DPI %d out of range [1, 2400]", f.DPI)
	}
	return f.Grid.Validate()
}

// drawOn draws the whole figure on c.
func (f *Figure) drawOn(dc *drawCtx, c draw.Canvas) error {
	th := dc.th
	if th.Background != nil {
		fillRect(c, th.Background, c.Rectangle)
	}
	area := draw.Crop(c, figurePad, -figurePad, figurePad, -figurePad)
	if f.Stamp != "" {
		s := th.italic(th.StampSize)
		s.Color = th.StampColor
		x, xa := c.Max.X-figurePad, draw.XRight
		if s.Width(f.Stamp) > c.Max.X-c.Min.X-2*figurePad {
			x, xa = c.Min.X+figurePad, draw.XLeft
		}
		fillBaseline(c, s, x, c.Min.Y+descent(s)+2, xa, f.Stamp)
		area.Min.Y += f.stampHeight(th)
	}
	_, err := f.Grid.drawGrid(dc, area, true)
	return err
}

// formatOf returns the output format named by a file extension or format name.
func formatOf(name string) (string, error) {
	f := strings.ToLower(strings.TrimPrefix(name, "."))
	switch f {
	case "png", "svg", "pdf":
		return f, nil
	}
	return "", fmt.Errorf("plots: unsupported format %q (want png, svg or pdf)", name)
}

// render draws the figure on a new canvas of the given format.
func (f *Figure) render(format string) (vg.CanvasWriterTo, error) {
	return f.renderLayout(format, nil)
}

// renderLayout is render that also records each panel's rectangles in layout (when not nil).
func (f *Figure) renderLayout(format string, layout map[Panel]drawn) (cv vg.CanvasWriterTo, err error) {
	format, err = formatOf(format)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	th := f.theme()
	w, h := f.Size()
	dc := &drawCtx{th: th, layout: layout}
	switch format {
	case "png":
		bg := th.Background
		if bg == nil {
			bg = color.Transparent
		}
		ic := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(f.dpi()), vgimg.UseBackgroundColor(bg))
		cv = vgimg.PngCanvas{Canvas: ic}
		dc.dpi = float64(f.dpi())
	case "svg":
		cv = vgsvg.NewWith(vgsvg.UseWH(w, h), vgsvg.EmbedFonts(f.EmbedFonts))
	case "pdf":
		cv = vgpdf.New(w, h)
	}
	defer func() {
		if r := recover(); r != nil {
			cv, err = nil, fmt.Errorf("plots: rendering failed: %v", r)
		}
	}()
	if err := f.drawOn(dc, draw.New(cv)); err != nil {
		return nil, err
	}
	return cv, nil
}

// Encode writes the figure to w in the given format ("png", "svg" or "pdf").
func (f *Figure) Encode(w io.Writer, format string) error {
	b, err := f.Render(format)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Render returns the figure encoded in the given format ("png", "svg" or "pdf").
func (f *Figure) Render(format string) ([]byte, error) {
	cv, err := f.render(format)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plots: encoding %s: %w", format, err)
	}
	b := buf.Bytes()
	if fm, _ := formatOf(format); fm == "svg" {
		// vgsvg labels its embedded PNG images as JPEG, which strict renderers (librsvg) refuse.
		b = bytes.ReplaceAll(b, []byte(`xlink:href="data:image/jpg;base64,`), []byte(`xlink:href="data:image/png;base64,`))
		if !f.EmbedFonts {
			b = bytes.ReplaceAll(b, []byte("font-family:Liberation Sans;"),
				[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
		}
	}
	return b, nil
}

// Image renders the figure as a raster image at its DPI.
func (f *Figure) Image() (image.Image, error) {
	cv, err := f.render("png")
	if err != nil {
		return nil, err
	}
	return cv.(vgimg.PngCanvas).Image(), nil
}

// Save writes the figure to path, in the format named by its extension (.png, .svg or .pdf). It creates
// missing directories and writes atomically: to a temporary file in the same directory, renamed over
// path once complete, so readers never see a partial figure.
func (f *Figure) Save(path string) error {
	format, err := formatOf(filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	b, err := f.Render(format)
	if err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	return writeAtomic(path, b)
}

// writeAtomic writes b to path through a temporary file in the same directory.
func writeAtomic(path string, b []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(b); err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	return nil
}
