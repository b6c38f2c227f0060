package fig2020

import (
	"fmt"
	"strings"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/scinet"
)

// Table 1 of the review ("Experiment Summary"): the seven normal distributions SciNet is trained on,
// as printed, with the latents each experiment uses and its errors, reported in the paper and measured
// here (read from the seven figures that train them).

func init() {
	figures.Register(figures.Def[Table1Results]{ID: "2020-table1", Compute: computeTable1, Render: renderTable1, Summary: summaryTable1})
}

// Table1Results are the table and the budget its measured columns were trained with.
type Table1Results struct {
	figkit.TableResults
	Scale      scale.Scale       `json:"scale"`
	Provenance scinet.Provenance `json:"provenance"`
}

// reported holds what the paper says about each experiment: latents used and error.
var reported = map[string][2]string{
	"boring_patch":              {"2", "φ r.m.s. 3.4% of range; A r.m.s. 6.4%"},
	"center_very_broad":         {"5", "A within 2.8% on average"},
	"peak_broad":                {"5", "A within 2.8% on average"},
	"peak_narrow":               {"—", "φ \"nothing alike\" the truth"},
	"logspace_broad":            {"2", "mean |Δln A| / range ≈ 1e-3; φ < 1%"},
	"logspace_near_peak":        {"—", "same scale as logspace_broad"},
	"logspace_near_peak_narrow": {"1", "same scale as logspace_broad"},
}

// Reported returns what the paper reports about an experiment: the number of latents used and its
// error ("—" where the paper says nothing).
func Reported(name string) (latents, error string) {
	r, ok := reported[name]
	if !ok {
		return "—", "—"
	}
	return r[0], r[1]
}

// MeasuredError formats, for an evaluated experiment, the same error measure as the paper reports
// for it (Reported).
func MeasuredError(r *scinet.ExperimentResult) string {
	e := r.Errors
	switch r.Experiment.Name {
	case "boring_patch":
		return fmt.Sprintf("φ r.m.s. %s of range; A r.m.s. %s of range (%s rel.)", percent(e.PhaseRMSOverRange), percent(e.AmpRMSOverRange), percent(e.AmpRelRMS))
	case "center_very_broad", "peak_broad":
		return fmt.Sprintf("A within %s on average", percent(e.AmpMeanRel))
	case "peak_narrow":
		return fmt.Sprintf("φ r.m.s. %s of range", percent(e.PhaseRMSOverRange))
	}
	return fmt.Sprintf("mean |Δln A| / range %.2g; φ %s", e.AmpMeanAbsOverRange, percent(e.PhaseRMSOverRange))
}

func computeTable1(run *figures.Run) (Table1Results, error) {
	var rs []*scinet.ExperimentResult
	for _, e := range scinet.Experiments() {
		r, err := requireExperiment(run, e.Name)
		if err != nil {
			return Table1Results{}, err
		}
		rs = append(rs, r)
	}
	return Table1(run.Scale, rs)
}

// Table1 builds the table from the evaluations of the seven experiments (in the order of
// scinet.Experiments), all trained at scale s with one budget: the paper's rows, and next to what
// the paper reports the latents used and the error measured here.
func Table1(s scale.Scale, results []*scinet.ExperimentResult) (Table1Results, error) {
	t := figkit.Table{
		Title: "Table 1: the seven SciNet experiments (inputs drawn from normal distributions), with their latents and errors",
		Groups: []figkit.Group{{Name: "Experiment Summary (the paper's table)", Span: 6}, {Name: "Latents used", Span: 2},
			{Name: "Error on the training distribution", Span: 2}},
		Columns: append(append([]string(nil), scinet.TableHeader[:]...), "paper", "here", "paper", "here"),
	}
	res := Table1Results{Scale: s}
	if len(results) == 0 {
		return Table1Results{}, fmt.Errorf("fig2020: Table1 needs the evaluated experiments")
	}
	for _, r := range results {
		e := r.Experiment
		res.Provenance = r.Provenance
		rep := reported[e.Name]
		row := append([]string{e.Name}, e.Table[:]...)
		row = append(row, rep[0], fmt.Sprintf("%d (%s)", len(r.UsedLatents), latentList(r.UsedLatents)), rep[1], MeasuredError(r))
		t.Rows = append(t.Rows, row)
	}
	p := res.Provenance
	t.Notes = []string{
		"The paper's sentence: \"" + scinet.TableQuote + "\" (the distributions are those of the inputs ω and γ; log experiments draw ln ω and ln γ, and predict φ and ln A).",
		fmt.Sprintf("Damping is folded into [0.001, 1] by reflection. Measured columns: SciNet %s → %d latents → %s, ELU, β = %g, trained %d steps of %d samples (scale %s; the paper: 50000 × 2048). Latents are numbered from 1; \"used\" means std(μ)/rms(σ) > %g.",
			widthsList(scinet.PaperModel().Encoder), scinet.PaperModel().Latent, widthsList(scinet.PaperModel().Decoder), scinet.PaperModel().Beta, p.Steps, p.Batch, s, scinet.UsedSNR),
	}
	res.Table = t
	var b strings.Builder
	fmt.Fprintf(&b, "The left six columns are the paper's table as printed. The other columns put what the paper reports about each experiment next to the same measure here, at scale %s (%s).", s, budgetPhrase(p))
	res.Comparison = b.String()
	return res, nil
}

func renderTable1(run *figures.Run, r Table1Results) error {
	fig, err := Table1Plot(r)
	if err != nil {
		return err
	}
	return save(run, fig)
}

// Table1Plot draws the table built by Table1.
func Table1Plot(r Table1Results) (*plots.Figure, error) {
	return r.Table.Figure(sciNetStamp(r.Scale, r.Provenance))
}

func summaryTable1(r Table1Results) string { return figkit.SummaryTable(r.TableResults) }
