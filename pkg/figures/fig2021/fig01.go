package fig2021

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/solver"
)

// Fig. 1: the input and the stationary solution of the first configuration of the 2021 data
// set (100 × 100, two non-overlapping sources of radius 5). The paper's text clamps the field
// to the source values on the disks; the authors' data generator relaxes dc/dt = D lap c -
// gamma c + gamma a and divides by the maximum. Both are shown, with a profile through the two
// sources. The computation is one 100 × 100 solve per model, the same at every scale.

func init() {
	figures.Register(figures.Def[Fig01Results]{
		ID: "2021-fig01", Compute: computeFig01, Render: renderFig01, Summary: summaryFig01,
	})
}

// fig01Models are the source models shown, in the order of the fields file.
var fig01Models = []solver.SourceModel{solver.Relaxation, solver.Clamped}

// Fig01Results are the results behind Fig. 1 of the 2021 paper.
type Fig01Results struct {
	DataSet string          `json:"data_set"` // the data set the configuration comes from
	N       int             `json:"n"`
	Index   int             `json:"index"` // configuration index in the data set
	Sources []solver.Source `json:"sources"`
	// Fields is the .npy file (float32, [2, N, N]) of the stationary states of the models.
	Fields string `json:"fields"`
	// Models are the source models of the fields, in order.
	Models []Fig01Model `json:"models"`
}

// Fig01Model describes the stationary state of one source model.
type Fig01Model struct {
	Model      string  `json:"model"`
	Normalized bool    `json:"normalized"` // divided by its maximum
	Max        float64 `json:"max"`        // maximum of the field before normalization
	Iterations int     `json:"iterations"`
	Residual   float64 `json:"residual"`
	// AtCentres holds the field at the centre of each source.
	AtCentres []float64 `json:"at_centres"`
	// Midpoint is the field halfway between the two centres.
	Midpoint float64 `json:"midpoint"`
}

func computeFig01(run *figures.Run) (Fig01Results, error) {
	var res Fig01Results
	spec, err := dataset.New(dataset.Recipe2021, dataset.ScalePaper, run.Seed)
	if err != nil {
		return res, err
	}
	const idx = 0
	p, err := spec.Problem(idx)
	if err != nil {
		return res, err
	}
	res = Fig01Results{DataSet: spec.Describe(), N: spec.N, Index: idx, Sources: p.Sources, Fields: "fields.npy"}
	fields := make([]float32, 0, len(fig01Models)*spec.N*spec.N)
	for _, m := range fig01Models {
		q := p
		q.Model = m
		sol, err := solver.Solve(q, solver.Options{})
		if err != nil {
			return res, fmt.Errorf("%s model: %w", m, err)
		}
		res.Models = append(res.Models, NewFig01Model(q, sol))
		for _, v := range sol.Field {
			fields = append(fields, float32(v))
		}
	}
	if err := npy.WriteFile(run.Path(res.Fields), []int{len(fig01Models), spec.N, spec.N}, fields); err != nil {
		return res, err
	}
	return res, nil
}

// NewFig01Model describes the stationary state sol of problem p (Fig. 1): its source model,
// normalization, maximum before the division, solver iterations and residual, the field at the
// centre of each source and halfway between the first two.
func NewFig01Model(p solver.Problem, sol *solver.Result) Fig01Model {
	at := func(x, y float64) float64 { return sol.Field[int(math.Round(y))*p.N+int(math.Round(x))] }
	fm := Fig01Model{Model: string(p.Model), Normalized: p.Normalize, Max: sol.Scale, Iterations: sol.Iterations, Residual: sol.Residual}
	for _, s := range p.Sources {
		fm.AtCentres = append(fm.AtCentres, at(s.X, s.Y))
	}
	if len(p.Sources) >= 2 {
		fm.Midpoint = at((p.Sources[0].X+p.Sources[1].X)/2, (p.Sources[0].Y+p.Sources[1].Y)/2)
	}
	return fm
}

// Profile samples field (n × n) at nearest cells along the line through the centres of the
// sources a and b, from lattice edge to lattice edge, every half cell (Fig. 1d). It returns the
// signed distance from a's centre and the values.
func Profile(field []float32, n int, a, b solver.Source) (dist, val []float64) {
	dx, dy := b.X-a.X, b.Y-a.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return nil, nil
	}
	ux, uy := dx/l, dy/l
	for t := -2.0 * float64(n); t <= 2*float64(n); t += 0.5 {
		x, y := a.X+t*ux, a.Y+t*uy
		col, row := int(math.Round(x)), int(math.Round(y))
		if col < 0 || row < 0 || col >= n || row >= n {
			continue
		}
		dist = append(dist, t)
		val = append(val, float64(field[row*n+col]))
	}
	return dist, val
}

func renderFig01(run *figures.Run, r Fig01Results) error {
	if len(r.Models) != len(fig01Models) || len(r.Sources) != 2 {
		return fmt.Errorf("results hold %d models and %d sources, want %d and 2", len(r.Models), len(r.Sources), len(fig01Models))
	}
	data, shape, err := npy.ReadFileFloat32(run.Path(r.Fields))
	if err != nil {
		return err
	}
	if len(shape) != 3 || shape[0] != len(fig01Models) || shape[1] != r.N || shape[2] != r.N {
		return fmt.Errorf("%s: shape %v, want [%d %d %d]", r.Fields, shape, len(fig01Models), r.N, r.N)
	}
	nn := r.N * r.N
	fields := make([][]float32, len(fig01Models))
	for i := range fields {
		fields[i] = data[i*nn : (i+1)*nn]
	}
	fig, err := Fig01Figure(r.N, r.Sources, fields)
	if err != nil {
		return err
	}
	fig.Stamp = figkit.Stamp(run.Scale, "", true)
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

// Fig01Figure draws Fig. 1 for the two sources on the n × n lattice: (a) the input, the
// stationary states of (b) the authors' generator (solver.Relaxation) and (c) clamped sources
// (solver.Clamped), given in that order in fields, and (d) their profiles through both centres
// (Profile).
func Fig01Figure(n int, sources []solver.Source, fields [][]float32) (*plots.Figure, error) {
	if len(fields) != len(fig01Models) || len(sources) != 2 {
		return nil, fmt.Errorf("drawing Fig. 1: %d fields and %d sources, want %d and 2", len(fields), len(sources), len(fig01Models))
	}
	nn := n * n
	for i, f := range fields {
		if len(f) != nn {
			return nil, fmt.Errorf("field %d has %d values, want %d × %d", i, len(f), n, n)
		}
	}
	p := solver.NewProblem(n, sources)
	input, err := p.Input()
	if err != nil {
		return nil, err
	}
	in := plots.NewHeatmap(input)
	in.Title = "(a) initial condition (input)"
	in.Color = plots.ColorScale{Label: "source value"}.Fixed(0, 1)
	in.XLabel, in.YLabel = "x (cells)", "y (cells)"
	titles := []string{"(b) stationary state: authors' generator", "(c) stationary state: clamped sources (text)"}
	panels := []plots.Panel{in}
	for i := range fig01Models {
		h := plots.NewHeatmap(fields[i])
		h.Title = titles[i]
		h.Color = plots.ColorScale{Label: "c"}.Fixed(0, 1)
		h.XLabel, h.YLabel = "x (cells)", "y (cells)"
		panels = append(panels, h)
	}
	ax := &plots.Axes{Title: "(d) profile through both centres", XLabel: "distance from the source of value 1 (cells)",
		YLabel: "c", Grid: true, Legend: plots.LegendTopRight, YRange: plots.Range{Min: 0, Max: 1.15}}
	in32 := make([]float32, nn)
	for i, v := range input {
		in32[i] = float32(v)
	}
	d, v := Profile(in32, n, sources[0], sources[1])
	l := ax.Line("input", d, v)
	l.Color, l.Dashed = plots.Gray, true
	names := []string{"authors' generator (relaxation, ÷ max)", "clamped sources (paper's text)"}
	for i := range fig01Models {
		d, v := Profile(fields[i], n, sources[0], sources[1])
		ax.Line(names[i], d, v)
	}
	panels = append(panels, ax)
	fig := plots.NewFigure(1, 4, panels...)
	fig.Title = fmt.Sprintf("Two sources on the %d × %d lattice: input and stationary solution (D = 1, γ = 1/400, l_D = 20)", n, n)
	fig.Width, fig.Height = 15*vg.Inch, 3.7*vg.Inch
	return fig, nil
}

func summaryFig01(r Fig01Results) string {
	var b strings.Builder
	if len(r.Sources) != 2 || len(r.Models) != len(fig01Models) {
		return "results are incomplete"
	}
	s0, s1 := r.Sources[0], r.Sources[1]
	fmt.Fprintf(&b, "Configuration %d of the 2021 data set (%d × %d): sources at (x, y) = (%.0f, %.0f) with value %.3g and (%.0f, %.0f) with value %.3g, radius %.0f, %.1f cells apart.\n\n",
		r.Index, r.N, r.N, s0.X, s0.Y, s0.Value, s1.X, s1.Y, s1.Value, s0.R, math.Hypot(s1.X-s0.X, s1.Y-s0.Y))
	b.WriteString("| model | max before ÷ | c at centre 1 | c at centre 2 | c at midpoint | CG iterations | residual |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, m := range r.Models {
		fmt.Fprintf(&b, "| %s | %.4g | %.3f | %.3f | %.3f | %d | %.1e |\n", m.Model, m.Max, m.AtCentres[0], m.AtCentres[1], m.Midpoint, m.Iterations, m.Residual)
	}
	rel, cl := r.Models[0], r.Models[1]
	fmt.Fprintf(&b, "\nWith clamped sources (the paper's text: \"each source imposes a constant value on the diffusing field within the source\") "+
		"the field equals the source values on the disks (%.3f and %.3f). The authors' generator gives a smeared field whose maximum, "+
		"%.4g before the division, becomes 1; at the second source's centre it is %.3f, %s its value %.3g, and between the sources it is %.3f against %.3f clamped.\n",
		cl.AtCentres[0], cl.AtCentres[1], rel.Max, rel.AtCentres[1], relation(rel.AtCentres[1], s1.Value), s1.Value, rel.Midpoint, cl.Midpoint)
	return b.String()
}

// relation says whether a is above or below b.
func relation(a, b float64) string {
	switch {
	case a > b:
		return "above"
	case a < b:
		return "below"
	}
	return "equal to"
}
