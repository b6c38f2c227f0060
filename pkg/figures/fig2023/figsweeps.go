package fig2023

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
)

// Figs. 5-14, 16 and 17 of the 2023 paper, drawn from the results of the 2023 sweeps (sweeps.go;
// Fig. 2, the architecture sketch, is in architecture.go). Each figure's results
// hold the finished runs it draws (with their per-region, per-count errors, kept epochs and
// training times), how much of each sweep is done, and the verdicts on the paper's claims
// about it. At the smoke scale Compute runs the sweeps first (seconds per run); at the other
// scales it reads what `surrogo sweep run figures/sweeps/NAME-SCALE.json` has finished.

// SweepFigResults are the results of a figure drawn from the 2023 sweeps.
type SweepFigResults struct {
	Figure   string    `json:"figure"`
	Evidence *Evidence `json:"evidence"`
	Verdicts []Verdict `json:"verdicts"`
	// Fits are Fig. 14's logarithmic fits per region.
	Fits map[string]LogFit `json:"fits,omitempty"`
}

// sweepFigure describes one sweep-based figure.
type sweepFigure struct {
	id     string
	sweeps []string
	title  string
	render func(r *SweepFigResults) ([]plots.Panel, error)
}

var ladderFigs = map[string]int{"2023-fig05": 80, "2023-fig07": 40, "2023-fig08": 20, "2023-fig10": 8, "2023-fig11": 4, "2023-fig12": 2, "2023-fig13": 1}

func init() {
	var figs []sweepFigure
	for id, d := range ladderFigs {
		d := d
		figs = append(figs, sweepFigure{id: id, sweeps: []string{SweepLadder, SweepFluctuations},
			title:  fmt.Sprintf("MAE vs number of sources, models trained on %g%% of the training set", pct(d)),
			render: func(r *SweepFigResults) ([]plots.Panel, error) { return ladderPanels(r.Evidence, d) }})
	}
	figs = append(figs,
		sweepFigure{id: "2023-fig06", sweeps: []string{SweepLadder, SweepFluctuations},
			title:  "Fluctuations: mean ± std of 80E1 models on three disjoint 1.25% training sets",
			render: func(r *SweepFigResults) ([]plots.Panel, error) { return fluctPanels(r.Evidence, "fig6-") }},
		sweepFigure{id: "2023-fig09", sweeps: []string{SweepLadder, SweepFluctuations},
			title:  "Fluctuations: mean ± std of inverse-Huber models on two disjoint 5% training sets",
			render: func(r *SweepFigResults) ([]plots.Panel, error) { return fluctPanels(r.Evidence, "fig9-") }},
		sweepFigure{id: "2023-fig14", sweeps: []string{SweepLadder},
			title: "MAE averaged over numbers of sources vs training-set size (best model per size; E1 models)", render: fig14Panels},
		sweepFigure{id: "2023-fig16", sweeps: []string{SweepFixedCount},
			title: "Row-normalized MAE of models trained on P sources (x), tested on M sources (y)", render: fig16Panels},
		sweepFigure{id: "2023-fig17", sweeps: []string{SweepFixedCount},
			title: "MAE on all numbers of sources (mean over M) of models trained on P sources", render: fig17Panels},
	)
	for _, f := range figs {
		f := f
		figures.Register(figures.Def[SweepFigResults]{ID: f.id,
			Compute: func(run *figures.Run) (SweepFigResults, error) { return computeSweepFig(run, f) },
			Render:  func(run *figures.Run, r SweepFigResults) error { return renderSweepFig(run, f, &r) },
			Summary: summarySweepFig,
			Stale: func(sc scale.Scale, root string, r SweepFigResults) string {
				return sweepFigStale(sc, root, r, f.sweeps)
			},
		})
	}
}

func computeSweepFig(run *figures.Run, f sweepFigure) (SweepFigResults, error) {
	ev, err := evidenceFor(run, f.sweeps...)
	if err != nil {
		return SweepFigResults{}, err
	}
	r := SweepFigResults{Figure: f.id, Evidence: ev, Verdicts: Verdicts(ev, f.id)}
	if f.id == "2023-fig14" {
		r.Fits = map[string]LogFit{}
		for _, region := range RegionNames {
			if fit := Fig14Fit(ev, region); fit.N >= 2 {
				r.Fits[region] = fit
			}
		}
	}
	// Keep only the sweeps the figure draws (and those its claims read).
	need := map[string]bool{}
	for _, s := range f.sweeps {
		need[s] = true
	}
	if !need[SweepLadder] {
		ev.Ladder = nil
	}
	if !need[SweepFluctuations] {
		ev.Fluctuations = nil
	}
	if !need[SweepFixedCount] {
		ev.FixedCount = nil
	}
	return r, nil
}

// sweepStamp is the scale stamp of a sweep figure: scale, geometry, width, epochs, sweep progress.
func sweepStamp(r *SweepFigResults) string {
	ev := r.Evidence
	s := ev.Setup
	epochs := "the paper's table epochs (≤ 100)"
	if s.Epochs > 0 {
		epochs = fmt.Sprintf("%d epochs", s.Epochs)
	}
	var prog []string
	for _, d := range []*SweepData{ev.Ladder, ev.Fluctuations, ev.FixedCount} {
		if d != nil {
			prog = append(prog, fmt.Sprintf("%s %d/%d runs", d.Name, d.Done, d.Total))
		}
	}
	st := figkit.Stamp(s.Scale, "N=512, R=5, l=20, width 64, 320k training configurations", false) +
		fmt.Sprintf(" · %s, width %d, %s · %s", ev.Geometry, s.Width, epochs, strings.Join(prog, ", "))
	if s.Note != "" {
		st += " · " + s.Note
	}
	return st
}

func renderSweepFig(run *figures.Run, f sweepFigure, r *SweepFigResults) error {
	panels, err := f.render(r)
	var none *noRunsError
	if errors.As(err, &none) {
		return renderSweepStatus(run, f, r, none.what)
	}
	if err != nil {
		return err
	}
	cols := 3
	rows := (len(panels) + cols - 1) / cols
	fig := plots.NewFigure(rows, cols, panels...)
	fig.Title = f.title
	fig.Width, fig.Height = 13*vg.Inch, vg.Length(rows)*3.8*vg.Inch+0.8*vg.Inch
	fig.Stamp = sweepStamp(r)
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

// sweepFigStale says why saved results are out of date: the sweeps the figure reads (names)
// have finished runs since.
func sweepFigStale(sc scale.Scale, root string, r SweepFigResults, names []string) string {
	if r.Evidence == nil {
		return "no evidence saved"
	}
	now, err := LoadEvidence(sc, root)
	if err != nil {
		return ""
	}
	saved := []*SweepData{r.Evidence.Ladder, r.Evidence.Fluctuations, r.Evidence.FixedCount}
	for i, d := range []*SweepData{now.Ladder, now.Fluctuations, now.FixedCount} {
		if d != nil && saved[i] != nil && slices.Contains(names, d.Name) && d.Done != saved[i].Done {
			return fmt.Sprintf("sweep %s has %d finished runs, the saved results %d", d.Name, d.Done, saved[i].Done)
		}
	}
	return ""
}

func summarySweepFig(r SweepFigResults) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", sweepStamp(&r))
	b.WriteString(VerdictsMarkdown(r.Verdicts))
	return b.String()
}

var countTicks = []float64{1, 5, 10, 15, 20}

func regionTitle(region string) string {
	if t, ok := fig03Titles[region]; ok {
		return t
	}
	return "whole lattice"
}

// noRunsError says that a figure has no finished run to draw yet.
type noRunsError struct{ what string }

func (e *noRunsError) Error() string {
	return fmt.Sprintf("no finished runs for %s: run the sweep (surrogo sweep run figures/sweeps/...)", e.what)
}

func nonEmpty(p []plots.Panel, what string) error {
	if len(p) == 0 {
		return &noRunsError{what}
	}
	return nil
}

// renderSweepStatus draws, in place of a figure whose sweeps have no finished run for it yet, the
// state of its sweeps and the command that computes them, so that rendering every figure (make
// figures) works before the hours of training have been spent, and says what is missing.
func renderSweepStatus(run *figures.Run, f sweepFigure, r *SweepFigResults, what string) error {
	t := figkit.Table{
		Title:   f.title + " — not computed yet at this scale",
		Columns: []string{"sweep", "runs finished", "command (resumable; commit figures/sweeps/NAME/SCALE/runs/)"},
	}
	for _, d := range []*SweepData{r.Evidence.Ladder, r.Evidence.Fluctuations, r.Evidence.FixedCount} {
		if d == nil || !slices.Contains(f.sweeps, d.Name) {
			continue
		}
		file := fmt.Sprintf("figures/sweeps/%s-%s.json", d.Name, r.Evidence.Setup.Scale)
		t.Rows = append(t.Rows, []string{d.Name, fmt.Sprintf("%d of %d", d.Done, d.Total), "surrogo sweep run " + file})
	}
	if len(t.Rows) == 0 {
		return &noRunsError{what}
	}
	t.Notes = []string{fmt.Sprintf("No finished run for %s yet: the figure and the verdicts on the paper's claims appear as the sweeps finish.", what)}
	fig, err := t.Figure(sweepStamp(r))
	if err != nil {
		return err
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

// finite replaces NaN values by nothing the plot draws (log axes skip non-positive values).
func finite(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		if math.IsNaN(v) {
			out[i] = 0
		} else {
			out[i] = v
		}
	}
	return out
}

// ladderPanels: one panel per region, one line per model of the size (Figs. 5, 7, 8, 10-13).
func ladderPanels(ev *Evidence, divisor int) ([]plots.Panel, error) {
	runs := ladderAt(ev, divisor)
	if len(runs) == 0 {
		return nil, nonEmpty(nil, fmt.Sprintf("the %g%% models", pct(divisor)))
	}
	var out []plots.Panel
	for _, region := range RegionNames {
		ax := &plots.Axes{Title: regionTitle(region), XLabel: "number of sources", YLabel: "MAE", LogY: true,
			XTicks: countTicks, Grid: true, Legend: plots.LegendTopLeft}
		for _, r := range runs {
			c, m := r.Curve(region)
			ax.Line(r.Codename, floats(c), finite(m))
		}
		out = append(out, ax)
	}
	return out, nil
}

// fluctPanels: mean ± std over the models of each set (Figs. 6 and 9).
func fluctPanels(ev *Evidence, prefix string) ([]plots.Panel, error) {
	labels, sets := fluctSets(ev, prefix)
	var out []plots.Panel
	for _, region := range RegionNames {
		ax := &plots.Axes{Title: regionTitle(region), XLabel: "number of sources", YLabel: "MAE", LogY: true,
			XTicks: countTicks, Grid: true, Legend: plots.LegendTopLeft}
		n := 0
		for _, l := range labels {
			runs := sets[l]
			if len(runs) == 0 {
				continue
			}
			c, mean := meanCurve(runs, region)
			std := make([]float64, len(mean))
			for _, r := range runs {
				_, m := r.Curve(region)
				for i := range m {
					if i < len(std) && !math.IsNaN(m[i]) {
						std[i] += (m[i] - mean[i]) * (m[i] - mean[i])
					}
				}
			}
			for i := range std {
				if len(runs) > 1 {
					std[i] = math.Sqrt(std[i] / float64(len(runs)-1))
				} else {
					std[i] = 0
				}
			}
			ax.LineStd(fmt.Sprintf("%s (%d models)", strings.ReplaceAll(strings.TrimSuffix(l, "-"), "-d", " δ="), len(runs)), floats(c), finite(mean), std)
			n++
		}
		if n == 0 {
			return nil, nonEmpty(nil, "the fluctuation sets")
		}
		out = append(out, ax)
	}
	return out, nil
}

func fig14Panels(r *SweepFigResults) ([]plots.Panel, error) {
	ev := r.Evidence
	d, best, e1 := fig14Points(ev)
	if len(d) == 0 {
		return nil, nonEmpty(nil, "the ladder")
	}
	var out []plots.Panel
	for _, region := range RegionNames {
		ax := &plots.Axes{Title: regionTitle(region), XLabel: "training-set size (%)", YLabel: "MAE (mean over k)", LogX: true,
			Grid: true, Legend: plots.LegendTopRight}
		var x, y, xe, ye []float64
		var names []string
		for i := range d {
			x, y = append(x, pct(d[i])), append(y, best[i].Mean(region))
			names = append(names, best[i].Codename)
			if e1[i] != nil {
				xe, ye = append(xe, pct(d[i])), append(ye, e1[i].Mean(region))
			}
		}
		ax.Scatter("best: "+strings.Join(names, ", "), x, finite(y))
		if len(xe) > 0 {
			l := ax.Line("E1 models", xe, finite(ye))
			l.Dashed = true
		}
		if f, ok := r.Fits[region]; ok && !math.IsNaN(f.B) {
			fn := ax.Func(fmt.Sprintf("%.3g %+.3g ln(size), R²=%.2f", f.A, f.B, f.R2), func(s float64) float64 { return f.A + f.B*math.Log(s) }, x[0], x[len(x)-1])
			fn.Color = plots.Black
		}
		out = append(out, ax)
	}
	return out, nil
}

func fig16Panels(r *SweepFigResults) ([]plots.Panel, error) {
	var out []plots.Panel
	for _, region := range RegionNames {
		ps, ms, mat := fixedMatrix(r.Evidence, region)
		// The paper leaves out P = 1 ("the MAE is an order of magnitude larger").
		start := 0
		if len(ps) > 1 && ps[0] == 1 {
			start = 1
		}
		if len(ps)-start == 0 {
			return nil, nonEmpty(nil, "the fixed-count models")
		}
		var sub [][]float64
		var ylab []string
		for i, row := range mat {
			ok := false
			for _, v := range row[start:] {
				if !math.IsNaN(v) && v > 0 {
					ok = true
				}
			}
			if ok {
				sub = append(sub, row[start:])
				ylab = append(ylab, fmt.Sprint(ms[i]))
			}
		}
		if len(sub) == 0 {
			continue
		}
		norm, err := plots.NormalizeRows(sub)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", region, err)
		}
		h, err := plots.NewMatrix(norm)
		if err != nil {
			return nil, err
		}
		var xl []string
		for _, p := range ps[start:] {
			xl = append(xl, fmt.Sprint(p))
		}
		h.Title, h.XTickLabels, h.YTickLabels = regionTitle(region)+" (x: P, y: M)", xl, ylab
		out = append(out, h)
	}
	return out, nonEmpty(out, "the fixed-count models")
}

func fig17Panels(r *SweepFigResults) ([]plots.Panel, error) {
	var out []plots.Panel
	for _, region := range RegionNames {
		ps, _, mat := fixedMatrix(r.Evidence, region)
		if len(ps) == 0 {
			return nil, nonEmpty(nil, "the fixed-count models")
		}
		ax := &plots.Axes{Title: regionTitle(region), XLabel: "number of sources trained on, P", YLabel: "MAE (mean over M = 1..20)",
			LogY: true, XTicks: countTicks, Grid: true, Legend: plots.LegendNone}
		ax.Line("", floats(ps), finite(fixedAverage(mat, len(ps))))
		out = append(out, ax)
	}
	return out, nil
}
