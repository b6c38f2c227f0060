package fig2021

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/plots"
)

// Figs. S1-S12 of the 2021 paper's supplement: for one model, the histogram of the test points
// along y = x (u = (ŷ + y)/√2, the authors' "PDF over all field values") and, in each of 20
// slices of u of width 0.05, the PDF of v = (ŷ − y)/√2 with the Gaussian of the same mean and
// standard deviation (red), over mean ± 4 std as the authors' get_slices.

// supplementModels maps S1..S12 to the models they show (the paper skips models 4 and 7).
var supplementModels = []int{1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14}

func init() {
	for i, model := range supplementModels {
		figures.Register(figures.Def[SuppResults]{
			ID:      fmt.Sprintf("2021-figS%d", i+1),
			Version: trainedVersion,
			Compute: func(run *figures.Run) (SuppResults, error) { return computeSupp(run, model) },
			Render:  renderSupp, Summary: summarySupp,
		})
	}
}

// SuppResults are the data of one supplementary figure (NewSuppResults).
type SuppResults struct {
	Protocol Protocol   `json:"protocol"`
	Model    int        `json:"model"`
	Loss     string     `json:"loss"`
	W        float64    `json:"w"`
	Supp     Supplement `json:"supplement"`
	// Points is the number of test pixels.
	Points int64 `json:"points"`
}

func computeSupp(run *figures.Run, model int) (SuppResults, error) {
	var res SuppResults
	hub, err := requireHub(run)
	if err != nil {
		return res, err
	}
	m, err := hub.model(model)
	if err != nil {
		return res, err
	}
	return SuppResults{Protocol: hub.Protocol, Model: model, Loss: m.Paper.Loss, W: m.Paper.W, Supp: m.Supp,
		Points: m.Test.Residual.N}, nil
}

// SupplementModel returns the model that supplementary figure S<k> shows (k = 1..12; the paper
// skips models 4 and 7).
func SupplementModel(k int) (int, error) {
	if k < 1 || k > len(supplementModels) {
		return 0, fmt.Errorf("the 2021 supplement has figures S1 to S%d, not S%d", len(supplementModels), k)
	}
	return supplementModels[k-1], nil
}

// NewSuppResults returns the data of the supplementary figure of model number from its
// predictions on the test examples (MeasureSupplement), as the figure saves them.
func NewSuppResults(p Protocol, number int, test *Examples, pred []float32) (SuppResults, error) {
	pm, err := Paper(number)
	if err != nil {
		return SuppResults{}, err
	}
	supp, err := MeasureSupplement(test.Targets, pred)
	if err != nil {
		return SuppResults{}, err
	}
	return SuppResults{Protocol: p, Model: number, Loss: pm.Loss, W: pm.W, Supp: supp, Points: int64(len(test.Targets))}, nil
}

func renderSupp(run *figures.Run, r SuppResults) error {
	fig, err := SuppFigure(r)
	if err != nil {
		return err
	}
	fig.Stamp = r.Protocol.Stamp()
	return saveFigure(run, fig)
}

// SuppFigure draws a supplementary figure (S1-S12): the PDF of the test points along y = x and,
// in each of the 20 slices, the PDF of the residual with its Gaussian.
func SuppFigure(r SuppResults) (*plots.Figure, error) {
	s := r.Supp
	if len(s.Slices) != suppSlices || len(s.Hists) != suppSlices || len(s.RotCounts) == 0 {
		return nil, errIncomplete
	}
	all := &plots.Axes{Title: fmt.Sprintf("all points (%s), along y = x", sciCount(r.Points)), XLabel: "(ŷ + y)/√2", YLabel: "PDF",
		LogY: true, Grid: true, Legend: plots.LegendNone}
	all.Hist("", &plots.Histogram{Min: s.RotLo, Max: s.RotHi, Counts: s.RotCounts}, true).Color = plots.Blue
	panels := []plots.Panel{all}
	for i, sl := range s.Slices {
		h := s.Hists[i]
		ax := &plots.Axes{Title: fmt.Sprintf("%.2f < u < %.2f (n = %d)", sl.Lo, sl.Hi, sl.N), XLabel: "(ŷ − y)/√2", YLabel: "PDF",
			Grid: true, Legend: plots.LegendNone}
		m, sd := float64(sl.Mean), float64(sl.Std)
		if h.Hi > h.Lo && sl.N >= 2 {
			ax.Hist("", &plots.Histogram{Min: h.Lo, Max: h.Hi, Counts: h.Counts}, true).Color = plots.Blue
			g := ax.Func(fmt.Sprintf("N(%.2g, %.2g)", m, sd), plots.Gaussian(m, sd), h.Lo, h.Hi)
			g.Color = plots.Vermillion
			ax.XRange = plots.Range{Min: h.Lo, Max: h.Hi}
		} else {
			// An empty slice: say so with an empty panel over a unit range.
			ax.Title += ": too few points"
			ax.XRange, ax.YRange = plots.Range{Min: -1, Max: 1}, plots.Range{Min: 0, Max: 1}
			ax.Line("", []float64{0}, []float64{0}).Marker = plots.MarkerNone
		}
		panels = append(panels, ax)
	}
	fig := plots.NewFigure(3, 7, panels...)
	fig.Title = fmt.Sprintf("Model %d (%s, w = %g), test set: PDF along y = x and PDF of the residual in 20 slices of width 0.05, with the Gaussian of the same mean and std (red)",
		r.Model, r.Loss, r.W)
	fig.Width, fig.Height = 22*vg.Inch, 8.4*vg.Inch
	return fig, nil
}

func summarySupp(r SuppResults) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Model %d (%s, w = %g), %d test pixels. Mean ± std of (ŷ − y)/√2 per slice of u = (ŷ + y)/√2:\n\n| slice | points | mean | std |\n| --- | --- | --- | --- |\n",
		r.Model, r.Loss, r.W, r.Points)
	for _, s := range r.Supp.Slices {
		fmt.Fprintf(&b, "| %.2f–%.2f | %d | %.3g | %.3g |\n", s.Lo, s.Hi, s.N, float64(s.Mean), float64(s.Std))
	}
	return b.String()
}
