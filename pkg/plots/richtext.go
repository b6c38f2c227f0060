package plots

import (
	"math"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// richText is a text handler that draws plain text plus superscripts written ^{...} and subscripts
// written _{...} (only with braces, so names like 80S1_a6000_b1 stay as they are). Tick labels use it
// for powers of ten (10^{−3}) since the fonts lack some Unicode superscript digits; titles and labels
// may use it too ("γ = 10^{−3}", "R_{1}").
type richText struct {
	fonts *font.Cache
}

var _ text.Handler = richText{}

// Script sizes relative to the base font.
const (
	scriptScale = 0.72
	supRaise    = 0.40
	subLower    = 0.16
)

// segment is a run of text at one script level (0 normal, +1 superscript, -1 subscript).
type segment struct {
	s     string
	level int
}

// parseRich splits a line into segments.
func parseRich(line string) []segment {
	var segs []segment
	for len(line) > 0 {
		i := strings.IndexAny(line, "^_")
		if i < 0 || i+1 >= len(line) || line[i+1] != '{' {
			if i < 0 {
				segs = appendPlain(segs, line)
				break
			}
			// Not a script: keep the marker literally.
			segs = appendPlain(segs, line[:i+1])
			line = line[i+1:]
			continue
		}
		end := strings.IndexByte(line[i+2:], '}')
		if end < 0 {
			segs = appendPlain(segs, line)
			break
		}
		if i > 0 {
			segs = appendPlain(segs, line[:i])
		}
		level := 1
		if line[i] == '_' {
			level = -1
		}
		segs = append(segs, segment{s: line[i+2 : i+2+end], level: level})
		line = line[i+3+end:]
	}
	return segs
}

// appendPlain appends normal text, merging with a previous normal segment.
func appendPlain(segs []segment, s string) []segment {
	if n := len(segs); n > 0 && segs[n-1].level == 0 {
		segs[n-1].s += s
		return segs
	}
	return append(segs, segment{s: s})
}

// Cache implements text.Handler.
func (h richText) Cache() *font.Cache { return h.fonts }

// Extents implements text.Handler.
func (h richText) Extents(fnt font.Font) font.Extents {
	f := h.fonts.Lookup(fnt, fnt.Size)
	return f.Extents()
}

// Lines implements text.Handler.
func (h richText) Lines(txt string) []string {
	return strings.Split(strings.TrimRight(txt, "\n"), "\n")
}

// faceFor returns the face of a segment level.
func (h richText) faceFor(fnt font.Font, level int) font.Face {
	if level == 0 {
		return h.fonts.Lookup(fnt, fnt.Size)
	}
	return h.fonts.Lookup(fnt, fnt.Size*scriptScale)
}

// Box implements text.Handler.
func (h richText) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	ext := h.Extents(fnt)
	height, depth = ext.Ascent, ext.Descent
	for _, seg := range parseRich(txt) {
		f := h.faceFor(fnt, seg.level)
		width += f.Width(seg.s)
		switch seg.level {
		case 1:
			height = max(height, fnt.Size*supRaise+f.Extents().Ascent)
		case -1:
			depth = max(depth, fnt.Size*subLower+f.Extents().Descent)
		}
	}
	return width, height, depth
}

// Draw implements text.Handler, mirroring text.Plain.Draw.
func (h richText) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	txt = strings.TrimRight(txt, "\n")
	if txt == "" {
		return
	}
	base := h.fonts.Lookup(sty.Font, sty.Font.Size)
	c.SetColor(sty.Color)
	if sty.Rotation != 0 {
		c.Push()
		c.Rotate(sty.Rotation)
	}
	sin64, cos64 := math.Sincos(sty.Rotation)
	cos, sin := vg.Length(cos64), vg.Length(sin64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin

	lines := h.Lines(txt)
	ht := sty.Height(txt)
	pt.Y += ht*vg.Length(sty.YAlign) - base.Extents().Ascent
	for i, line := range lines {
		w, _, _ := h.Box(line, sty.Font)
		x := pt.X + vg.Length(sty.XAlign)*w
		y := pt.Y + vg.Length(len(lines)-i)*sty.Font.Size
		for _, seg := range parseRich(line) {
			f := h.faceFor(sty.Font, seg.level)
			dy := vg.Length(0)
			switch seg.level {
			case 1:
				dy = sty.Font.Size * supRaise
			case -1:
				dy = -sty.Font.Size * subLower
			}
			c.FillString(f, vg.Point{X: x, Y: y + dy}, seg.s)
			x += f.Width(seg.s)
		}
	}
	if sty.Rotation != 0 {
		c.Pop()
	}
}
