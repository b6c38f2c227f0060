// Package figkit holds what the figure packages of surrogo (fig2023, fig2021, ...) share and
// package plots does not draw: typeset tables (the papers' tables as PNG/SVG figures and as
// Markdown), a parallel loop with progress reports for computations over many
// configurations, and the scale stamp of figures whose content does not depend on the scale.
package figkit

import (
	"errors"
	"fmt"
	"image/color"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/surrogo/surrogo/pkg/plots"
)

// Group is a header spanning Span consecutive columns of a Table (e.g. "Encoder" over the
// encoder's two columns).
type Group struct {
	Name string `json:"name"`
	Span int    `json:"span"`
}

// Table is a table of text in the style of a paper's table: a top rule, bold column
// headers (optionally under group headers), a rule, the rows and a bottom rule, followed by
// notes in a smaller font. Cells are plain text; an empty cell is left blank.
type Table struct {
	// Title is the figure title, e.g. "Table 2: models trained with 1.25% of the training set".
	Title string `json:"title"`
	// Groups, when set, span the columns from left to right; their spans must add up to the
	// number of columns. Markdown writes one table per group.
	Groups []Group `json:"groups,omitempty"`
	// Columns are the column headers.
	Columns []string `json:"columns"`
	// Rows hold one cell per column.
	Rows [][]string `json:"rows"`
	// Notes are written below the table, one paragraph each.
	Notes []string `json:"notes,omitempty"`
}

// Validate reports the first problem with the table's shape.
func (t *Table) Validate() error {
	if len(t.Columns) == 0 {
		return errors.New("table: no columns")
	}
	if len(t.Rows) == 0 {
		return fmt.Errorf("table %q: no rows", t.Title)
	}
	for i, r := range t.Rows {
		if len(r) != len(t.Columns) {
			return fmt.Errorf("table %q: row %d has %d cells, want %d", t.Title, i, len(r), len(t.Columns))
		}
	}
	if len(t.Groups) > 0 {
		n := 0
		for _, g := range t.Groups {
			if g.Span <= 0 {
				return fmt.Errorf("table %q: group %q spans %d columns", t.Title, g.Name, g.Span)
			}
			n += g.Span
		}
		if n != len(t.Columns) {
			return fmt.Errorf("table %q: groups span %d columns, the table has %d", t.Title, n, len(t.Columns))
		}
	}
	return nil
}

// Markdown returns the table in GitHub Markdown: one table (or one per group, each headed by
// the group's name in bold and without the rows that are blank in it), then the notes.
func (t *Table) Markdown() string {
	var b strings.Builder
	groups := t.Groups
	if len(groups) == 0 {
		groups = []Group{{Span: len(t.Columns)}}
	}
	col := 0
	for _, g := range groups {
		if g.Name != "" {
			fmt.Fprintf(&b, "**%s**\n\n", mdEscape(g.Name))
		}
		cols := t.Columns[col : col+g.Span]
		b.WriteString("|")
		for _, c := range cols {
			fmt.Fprintf(&b, " %s |", mdEscape(c))
		}
		b.WriteString("\n|")
		for range cols {
			b.WriteString(" --- |")
		}
		b.WriteString("\n")
		for _, r := range t.Rows {
			cells := r[col : col+g.Span]
			if allBlank(cells) {
				continue
			}
			b.WriteString("|")
			for _, c := range cells {
				fmt.Fprintf(&b, " %s |", mdEscape(c))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
		col += g.Span
	}
	for _, n := range t.Notes {
		b.WriteString(n)
		b.WriteString("\n\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func allBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// mdEscape escapes the characters that would break a Markdown table cell.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// Text sizes and spacing of typeset tables, in points.
const (
	cellSize   = 8.5
	noteSize   = 7.5
	cellPadX   = 9
	rowPad     = 3.2
	ruleThick  = 0.9
	ruleThin   = 0.5
	groupGap   = 14
	tableInset = 6
)

// tableLayout holds the measured geometry of a typeset table.
type tableLayout struct {
	colW      []vg.Length
	gapBefore []vg.Length // extra space before each column (between groups)
	rowH      vg.Length
	width     vg.Length
	height    vg.Length
	noteLines []string
	noteH     vg.Length
}

// TextStyle returns a text style of the figures' typeface (plots.DefaultTheme's) at the given
// size in points, for drawing on a gonum canvas, aligned left on the baseline's bottom.
func TextStyle(size vg.Length, bold, italic bool) text.Style {
	f := plots.DefaultTheme().Font
	f.Size = size
	if bold {
		f.Weight = xfont.WeightBold
	}
	if italic {
		f.Style = xfont.StyleItalic
	}
	return text.Style{Color: color.Black, Font: f, Handler: text.Plain{Fonts: font.DefaultCache},
		XAlign: draw.XLeft, YAlign: draw.YBottom}
}

func (t *Table) styles() (cell, head, note text.Style) {
	cell = TextStyle(cellSize, false, false)
	head = TextStyle(cellSize, true, false)
	note = TextStyle(noteSize, false, true)
	note.Color = color.NRGBA{0x30, 0x30, 0x30, 0xFF}
	return cell, head, note
}

// layout measures the table; notes are wrapped to the table's width (at least minNoteWidth).
func (t *Table) layout() tableLayout {
	cell, head, note := t.styles()
	var l tableLayout
	l.colW = make([]vg.Length, len(t.Columns))
	l.gapBefore = make([]vg.Length, len(t.Columns))
	for j, c := range t.Columns {
		l.colW[j] = head.Width(c)
		for _, r := range t.Rows {
			l.colW[j] = max(l.colW[j], cell.Width(r[j]))
		}
		l.colW[j] += 2 * cellPadX
	}
	col := 0
	for i, g := range t.Groups {
		if i > 0 {
			l.gapBefore[col] = groupGap
		}
		// A group's name may be wider than its columns: widen its last column.
		var w vg.Length
		for j := col; j < col+g.Span; j++ {
			w += l.colW[j]
		}
		if need := head.Width(g.Name) + 2*cellPadX; need > w {
			l.colW[col+g.Span-1] += need - w
		}
		col += g.Span
	}
	for j := range l.colW {
		l.width += l.colW[j] + l.gapBefore[j]
	}
	l.rowH = cell.Height("Mg") + 2*rowPad
	nRows := len(t.Rows) + 1
	if len(t.Groups) > 0 {
		nRows++
	}
	l.height = vg.Length(nRows)*l.rowH + 4*ruleThick
	noteWidth := max(l.width, 5.5*vg.Inch)
	lineH := note.Height("Mg") + 1.5
	for i, n := range t.Notes {
		if i > 0 {
			l.noteLines = append(l.noteLines, "") // a half-line gap between notes
			l.noteH += lineH / 2
		}
		lines := wrap(note, n, noteWidth)
		l.noteLines = append(l.noteLines, lines...)
		l.noteH += vg.Length(len(lines)) * lineH
	}
	if len(l.noteLines) > 0 {
		l.noteH += 6
		l.width = max(l.width, noteWidth)
	}
	l.height += l.noteH
	return l
}

// wrap breaks s into lines no wider than w in style sty.
func wrap(sty text.Style, s string, w vg.Length) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line != "" && sty.Width(try) > w {
			lines = append(lines, line)
			line = word
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// Figure returns the table typeset as a figure with the given stamp (see plots.ScaleStamp),
// sized to fit its content.
func (t *Table) Figure(stamp string) (*plots.Figure, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	l := t.layout()
	p := plot.New()
	p.HideAxes()
	p.BackgroundColor = color.Transparent
	p.Add(tablePlotter{t: t, l: l})
	fig := plots.Single(&plots.PlotPanel{Plot: p})
	fig.Title = t.Title
	fig.Stamp = stamp
	fig.Width = l.width + 2*tableInset + 12
	fig.Height = l.height + 2*tableInset + 44
	if t.Title != "" {
		title := TextStyle(plots.DefaultTheme().TitleSize, false, false)
		fig.Width = max(fig.Width, title.Width(t.Title)+40)
	}
	return fig, nil
}

// tablePlotter draws a Table on a gonum plot whose axes are hidden.
type tablePlotter struct {
	t *Table
	l tableLayout
}

// Plot implements plot.Plotter: it draws the table centred horizontally at the top of the
// canvas.
func (tp tablePlotter) Plot(c draw.Canvas, _ *plot.Plot) {
	t, l := tp.t, tp.l
	cell, head, note := t.styles()
	x0 := c.Min.X + (c.Max.X-c.Min.X-l.width)/2
	tableW := l.width
	if len(l.noteLines) > 0 {
		// Notes may be wider than the columns: centre the columns over the notes' width.
		var cw vg.Length
		for j := range l.colW {
			cw += l.colW[j] + l.gapBefore[j]
		}
		tableW = cw
		x0 += (l.width - cw) / 2
	}
	colX := make([]vg.Length, len(l.colW)+1)
	colX[0] = x0
	for j := range l.colW {
		colX[j] += l.gapBefore[j]
		colX[j+1] = colX[j] + l.colW[j]
	}
	y := c.Max.Y - tableInset
	rule := func(width vg.Length, from, to vg.Length) {
		c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: width}, from, y, to, y)
	}
	rule(ruleThick, x0, x0+tableW)
	y -= ruleThick
	baseline := func() vg.Length { return y - l.rowH + rowPad + cell.FontExtents().Descent }
	if len(t.Groups) > 0 {
		col := 0
		for _, g := range t.Groups {
			left, right := colX[col], colX[col+g.Span]
			sty := head
			sty.XAlign = draw.XCenter
			c.FillText(sty, vg.Point{X: (left + right) / 2, Y: baseline()}, g.Name)
			if g.Name != "" {
				c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: ruleThin}, left+3, y-l.rowH+1, right-3, y-l.rowH+1)
			}
			col += g.Span
		}
		y -= l.rowH
	}
	for j, h := range t.Columns {
		c.FillText(head, vg.Point{X: colX[j] + cellPadX, Y: baseline()}, h)
	}
	y -= l.rowH
	rule(ruleThin, x0, x0+tableW)
	y -= ruleThick
	for _, r := range t.Rows {
		for j, s := range r {
			c.FillText(cell, vg.Point{X: colX[j] + cellPadX, Y: baseline()}, s)
		}
		y -= l.rowH
	}
	y -= ruleThick
	rule(ruleThick, x0, x0+tableW)
	y -= 6
	lineH := note.Height("Mg") + 1.5
	for _, s := range l.noteLines {
		if s == "" {
			y -= lineH / 2
			continue
		}
		y -= lineH
		c.FillText(note, vg.Point{X: c.Min.X + (c.Max.X-c.Min.X-l.width)/2, Y: y + note.FontExtents().Descent}, s)
	}
}
