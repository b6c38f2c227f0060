package plots

import (
	"errors"
	"fmt"
	"image"
	"math"

	xdraw "golang.org/x/image/draw"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Extent gives the data coordinates of a heatmap's edges: columns run from XMin (left edge of column 0)
// to XMax (right edge of the last column), rows from YMin (edge of row 0) to YMax (far edge of the last
// row).
type Extent struct {
	// XMin, XMax, YMin and YMax are the coordinates of the edges.
	XMin, XMax, YMin, YMax float64
}

// Heatmap draws a rows×cols field (row-major, row 0 at the top like an image unless OriginLower) as a
// raster image with square cells and a colour bar. It renders through one image, so 512×512 fields are
// fast. NaN cells get the NaN colour.
type Heatmap struct {
	// Title is written above the image.
	Title string
	// Data holds Rows*Cols values, row-major (index row*Cols + col).
	Data []float64
	// Rows and Cols give the shape; when both are 0 the field must be square (N×N, N² = len(Data)).
	// When one is 0 it is inferred from len(Data).
	Rows, Cols int
	// Color maps values to colours (range, colormap, log, label along the bar).
	Color ColorScale
	// NoColorBar suppresses this panel's colour bar (a grid's shared colour bar also replaces it).
	NoColorBar bool
	// XLabel and YLabel label the axes.
	XLabel, YLabel string
	// Extent sets the data coordinates of the edges; nil means column and row indices
	// (X from 0 to Cols, Y from 0 to Rows).
	Extent *Extent
	// OriginLower draws row 0 at the bottom with the y axis increasing upwards (for maps f(x, y)).
	OriginLower bool
	// HideAxes draws only a thin frame: no ticks, tick labels or axis labels (for image grids).
	HideAxes bool
	// XTickLabels and YTickLabels, when set, label the columns and rows at the cell centres
	// (one label per column / row; labels are thinned when they would overlap).
	XTickLabels, YTickLabels []string
	// FreeAspect lets the image fill its cell instead of keeping square cells.
	FreeAspect bool
	// Overlay lines are drawn on top of the image in data coordinates (e.g. the diagonal y = x).
	Overlay []*Line
}

// NewHeatmap returns a heatmap of a square N×N field (copied to float64).
func NewHeatmap[T Float](field []T) *Heatmap {
	return &Heatmap{Data: Float64s(field)}
}

// shape returns the field's rows and columns.
func (h *Heatmap) shape() (rows, cols int, err error) {
	n := len(h.Data)
	if n == 0 {
		return 0, 0, errors.New("empty data")
	}
	rows, cols = h.Rows, h.Cols
	if rows < 0 || cols < 0 {
		return 0, 0, fmt.Errorf("negative shape %d×%d", rows, cols)
	}
	switch {
	case rows == 0 && cols == 0:
		s := int(math.Round(math.Sqrt(float64(n))))
		if s*s != n {
			return 0, 0, fmt.Errorf("field of length %d is not square (N×N); set Rows and Cols", n)
		}
		rows, cols = s, s
	case rows == 0:
		if n%cols != 0 {
			return 0, 0, fmt.Errorf("len(Data)=%d is not a multiple of Cols=%d", n, cols)
		}
		rows = n / cols
	case cols == 0:
		if n%rows != 0 {
			return 0, 0, fmt.Errorf("len(Data)=%d is not a multiple of Rows=%d", n, rows)
		}
		cols = n / rows
	case rows*cols != n:
		return 0, 0, fmt.Errorf("len(Data)=%d does not match Rows×Cols=%d×%d", n, rows, cols)
	}
	return rows, cols, nil
}

// Validate implements Panel.
func (h *Heatmap) Validate() error {
	if err := h.validate(); err != nil {
		return fmt.Errorf("heatmap %q: %w", h.Title, err)
	}
	return nil
}

func (h *Heatmap) validate() error {
	rows, cols, err := h.shape()
	if err != nil {
		return err
	}
	if err := h.Color.validate(); err != nil {
		return err
	}
	if e := h.Extent; e != nil {
		for _, v := range []float64{e.XMin, e.XMax, e.YMin, e.YMax} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("extent %+v is not finite", *e)
			}
		}
		if e.XMin == e.XMax || e.YMin == e.YMax {
			return fmt.Errorf("extent %+v has zero width or height", *e)
		}
	}
	if h.XTickLabels != nil && len(h.XTickLabels) != cols {
		return fmt.Errorf("%d XTickLabels for %d columns", len(h.XTickLabels), cols)
	}
	if h.YTickLabels != nil && len(h.YTickLabels) != rows {
		return fmt.Errorf("%d YTickLabels for %d rows", len(h.YTickLabels), rows)
	}
	for i, l := range h.Overlay {
		if l == nil {
			return fmt.Errorf("overlay %d is nil", i)
		}
		if err := l.validate(); err != nil {
			return fmt.Errorf("overlay %d: %w", i, err)
		}
	}
	return nil
}

// scaleRange returns the data's extremes for colour scaling.
func (h *Heatmap) scaleRange() scaleRange {
	var r scaleRange
	r.scan(h.Data)
	return r
}

// extent returns the data coordinates of the image edges.
func (h *Heatmap) extent(rows, cols int) Extent {
	if h.Extent != nil {
		return *h.Extent
	}
	return Extent{XMin: 0, XMax: float64(cols), YMin: 0, YMax: float64(rows)}
}

// prefSize implements Panel.
func (h *Heatmap) prefSize(th *Theme, s float64) (vg.Length, vg.Length) {
	rows, cols, err := h.shape()
	if err != nil || h.FreeAspect {
		rows, cols = 1, 1
	}
	side := 1.9 * vg.Inch * vg.Length(s)
	if h.HideAxes {
		side = 1.35 * vg.Inch * vg.Length(s)
	}
	w, hh := side, side
	if rows > cols {
		w = side * vg.Length(cols) / vg.Length(rows)
	} else {
		hh = side * vg.Length(rows) / vg.Length(cols)
	}
	// Room for the axes, the title and the colour bar.
	if !h.HideAxes {
		w += 0.55 * vg.Inch
		hh += 0.45 * vg.Inch
	} else {
		w += 0.1 * vg.Inch
		hh += 0.1 * vg.Inch
	}
	if h.Title != "" {
		hh += th.PanelTitleSize * 1.6
	}
	if !h.NoColorBar {
		w += 0.6 * vg.Inch
	}
	return w, hh
}

// ownScale resolves the heatmap's own colour scale.
func (h *Heatmap) ownScale(th *Theme) (resolvedScale, error) {
	sc, err := h.Color.resolve(h.scaleRange(), th)
	if err != nil {
		return sc, fmt.Errorf("heatmap %q: %w", h.Title, err)
	}
	return sc, nil
}

// draw implements Panel.
func (h *Heatmap) draw(dc *drawCtx, c draw.Canvas) (drawn, error) {
	th := dc.th
	rows, cols, err := h.shape()
	if err != nil {
		return drawn{}, fmt.Errorf("heatmap %q: %w", h.Title, err)
	}
	var sc resolvedScale
	showBar := !h.NoColorBar
	if dc.shared != nil {
		sc = *dc.shared
		showBar = false
	} else if sc, err = h.ownScale(th); err != nil {
		return drawn{}, err
	}

	ext := h.extent(rows, cols)
	p := th.newPlot()
	p.X.Min, p.X.Max = min(ext.XMin, ext.XMax), max(ext.XMin, ext.XMax)
	p.Y.Min, p.Y.Max = min(ext.YMin, ext.YMax), max(ext.YMin, ext.YMax)
	if ext.XMin > ext.XMax {
		p.X.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	}
	// Row 0 at the top: the y axis grows downwards (unless OriginLower, or a reversed extent).
	if (ext.YMin < ext.YMax) != h.OriginLower {
		p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	}
	p.X.Label.Text, p.Y.Label.Text = h.XLabel, h.YLabel
	p.X.Tick.Marker = linearTicker{n: 4}
	p.Y.Tick.Marker = linearTicker{n: 4}
	dx := (ext.XMax - ext.XMin) / float64(cols)
	dy := (ext.YMax - ext.YMin) / float64(rows)
	xCat := func(step int) plot.Ticker { return shiftTicks(categoryTicks(h.XTickLabels, step), ext.XMin, dx) }
	yCat := func(step int) plot.Ticker { return shiftTicks(categoryTicks(h.YTickLabels, step), ext.YMin, dy) }
	if h.XTickLabels != nil {
		p.X.Tick.Marker = xCat(1)
	}
	if h.YTickLabels != nil {
		p.Y.Tick.Marker = yCat(1)
	}
	if h.HideAxes {
		p.HideAxes()
		p.X.Label.Text, p.Y.Label.Text = "", ""
	}
	p.Add(&rasterPlotter{h: h, rows: rows, cols: cols, sc: &sc, ext: ext, dpi: dc.dpi})
	for i, l := range h.Overlay {
		col, m := l.style(th, i)
		p.Add(&linePlotter{l: l, th: th, color: col, marker: m, yNorm: func(v float64) float64 { return p.Y.Norm(v) }})
	}
	p.Add(framePlotter{sty: lineStyle(th.TextColor, th.AxisWidth)})

	// Layout: title above, colour bar right, square cells.
	title := th.textStyle(th.PanelTitleSize, false)
	var titleH vg.Length
	if h.Title != "" {
		titleH = ascent(title) + descent(title) + vg.Points(3)
	}
	var cbW vg.Length
	if showBar {
		cbW = colorBarWidth(th, &sc)
	}
	inner := draw.Crop(c, 0, -cbW, 0, -titleH)
	fit := func() {
		if h.FreeAspect {
			return
		}
		for range 2 {
			w, hh := dataSize(p, inner)
			if w <= 0 || hh <= 0 {
				return
			}
			want := vg.Length(rows) / vg.Length(cols) // height / width
			if hh > w*want {
				d := (hh - w*want) / 2
				inner.Min.Y += d
				inner.Max.Y -= d
			} else {
				d := (w - hh/want) / 2
				inner.Min.X += d
				inner.Max.X -= d
			}
		}
	}
	fit()
	// Thin category labels that would overlap, then fit again.
	if !h.HideAxes && (h.XTickLabels != nil || h.YTickLabels != nil) {
		w, hh := dataSize(p, inner)
		tick := th.textStyle(th.TickSize, false)
		if h.XTickLabels != nil {
			var lw vg.Length
			for _, s := range h.XTickLabels {
				lw = max(lw, tick.Width(s))
			}
			p.X.Tick.Marker = xCat(int(math.Ceil(float64((lw + 3) / (w / vg.Length(cols))))))
		}
		if h.YTickLabels != nil {
			lh := ascent(tick) + descent(tick)
			p.Y.Tick.Marker = yCat(int(math.Ceil(float64((lh + 1) / (hh / vg.Length(rows))))))
		}
		inner = draw.Crop(c, 0, -cbW, 0, -titleH)
		fit()
	}
	// Centre the block (plot + colour bar) in the cell.
	if shift := (c.Max.X - (inner.Max.X + cbW)) - (inner.Min.X - c.Min.X); shift != 0 {
		inner.Min.X += shift / 2
		inner.Max.X += shift / 2
	}
	p.Draw(inner)
	data := p.DataCanvas(inner).Rectangle
	out := drawn{outer: inner.Rectangle, data: data}
	if h.Title != "" {
		fillBaseline(c, title, (data.Min.X+data.Max.X)/2, inner.Max.Y+descent(title)+vg.Points(3), draw.XCenter, h.Title)
		out.outer.Max.Y += titleH
	}
	if showBar {
		out.outer = union(out.outer, drawColorBar(dc, c, &sc, data))
	}
	return out, nil
}

// shiftTicks moves category ticks from integer positions i to the cell centres x0 + (i+0.5)*d.
func shiftTicks(ts plot.ConstantTicks, x0, d float64) plot.ConstantTicks {
	for i := range ts {
		ts[i].Value = x0 + (ts[i].Value+0.5)*d
	}
	return ts
}

// rasterPlotter draws a heatmap's field as one image, resampled to the output's pixel grid.
type rasterPlotter struct {
	h          *Heatmap
	rows, cols int
	sc         *resolvedScale
	ext        Extent
	dpi        float64
}

// Plot implements plot.Plotter.
func (r *rasterPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x0, x1 := trX(r.ext.XMin), trX(r.ext.XMax)
	y0, y1 := trY(r.ext.YMin), trY(r.ext.YMax)
	rect := snapRect(vg.Rectangle{
		Min: vg.Point{X: min(x0, x1), Y: min(y0, y1)},
		Max: vg.Point{X: max(x0, x1), Y: max(y0, y1)},
	}, r.dpi)
	// Image row 0 is drawn at the top; flip when data row 0 lands at the bottom.
	flipY := y0 < y1
	flipX := x0 > x1
	var wpx, hpx int
	if r.dpi > 0 {
		wpx = int(math.Round(float64(rect.Size().X) / 72 * r.dpi))
		hpx = int(math.Round(float64(rect.Size().Y) / 72 * r.dpi))
	} else {
		// Vector output: embed crisp cells, upsampled to at least ~600 pixels, with the aspect ratio
		// of the data area (SVG viewers letterbox images whose aspect differs).
		rw, rh := float64(rect.Size().X), float64(rect.Size().Y)
		if rw <= 0 || rh <= 0 {
			return
		}
		ppp := math.Max(math.Max(float64(r.cols)/rw, float64(r.rows)/rh), 600/math.Max(rw, rh))
		ppp = math.Min(ppp, math.Sqrt(16e6/(rw*rh)))
		wpx, hpx = int(math.Round(rw*ppp)), int(math.Round(rh*ppp))
	}
	if wpx <= 0 || hpx <= 0 {
		return
	}
	c.DrawImage(rect, rasterize(r.h.Data, r.rows, r.cols, r.sc, flipX, flipY, wpx, hpx))
}

// rasterize colours a rows×cols field and resamples it to wpx×hpx pixels: nearest neighbour when
// enlarging (crisp cells), an antialiasing bilinear filter when shrinking.
func rasterize(data []float64, rows, cols int, sc *resolvedScale, flipX, flipY bool, wpx, hpx int) *image.NRGBA {
	src := image.NewNRGBA(image.Rect(0, 0, cols, rows))
	for i := range rows {
		sr := i
		if flipY {
			sr = rows - 1 - i
		}
		for j := range cols {
			sj := j
			if flipX {
				sj = cols - 1 - j
			}
			o := src.PixOffset(j, i)
			col := sc.color(data[sr*cols+sj])
			src.Pix[o], src.Pix[o+1], src.Pix[o+2], src.Pix[o+3] = col.R, col.G, col.B, col.A
		}
	}
	if wpx == cols && hpx == rows {
		return src
	}
	dst := image.NewNRGBA(image.Rect(0, 0, wpx, hpx))
	if wpx >= cols && hpx >= rows {
		colOf := make([]int, wpx)
		for x := range wpx {
			colOf[x] = min(cols-1, int((float64(x)+0.5)*float64(cols)/float64(wpx)))
		}
		for y := range hpx {
			sy := min(rows-1, int((float64(y)+0.5)*float64(rows)/float64(hpx)))
			srow := src.Pix[sy*src.Stride:]
			drow := dst.Pix[y*dst.Stride:]
			for x, sx := range colOf {
				copy(drow[4*x:4*x+4], srow[4*sx:4*sx+4])
			}
		}
		return dst
	}
	xdraw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), xdraw.Src, nil)
	return dst
}
