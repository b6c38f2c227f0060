package fig2020

import (
	"fmt"
	"strings"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
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

// measured formats the same error measure as the paper's for an experiment.
func measured(r *scinet.ExperimentResult) string {
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
	t := figkit.Table{
		Title: "Table 1: the seven SciNet experiments (inputs drawn from normal distributions), with their latents and errors",
		Groups: []figkit.Group{{Name: "Experiment Summary (the paper's table)", Span: 6}, {Name: "Latents used", Span: 2},
			{Name: "Error on the training distribution", Span: 2}},
		Columns: append(append([]string(nil), scinet.TableHeader[:]...), "paper", "here", "paper", "here"),
	}
	res := Table1Results{Scale: run.Scale}
	for _, e := range scinet.Experiments() {
		r, err := requireExperiment(run, e.Name)
		if err != nil {
			return Table1Results{}, err
		}
		res.Provenance = r.Provenance
		rep := reported[e.Name]
		row := append([]string{e.Name}, e.Table[:]...)
		row = append(row, rep[0], fmt.Sprintf("%d (%s)", len(r.UsedLatents), latentList(r.UsedLatents)), rep[1], measured(r))
		t.Rows = append(t.Rows, row)
	}
	p := res.Provenance
	t.Notes = []string{
		"The paper's sentence: \"" + scinet.TableQuote + "\" (the distributions are those of the inputs ω and γ; log experiments draw ln ω and ln γ, and predict φ and ln A).",
		fmt.Sprintf("Damping is folded into [0.001, 1] by reflection. Measured columns: SciNet %s → %d latents → %s, ELU, β = %g, trained %d steps of %d samples (scale %s; the paper: 50000 × 2048). Latents are numbered from 1; \"used\" means std(μ)/rms(σ) > %g.",
			widthsList(scinet.PaperModel().Encoder), scinet.PaperModel().Latent, widthsList(scinet.PaperModel().Decoder), scinet.PaperModel().Beta, p.Steps, p.Batch, run.Scale, scinet.UsedSNR),
	}
	res.Table = t
	var b strings.Builder
	fmt.Fprintf(&b, "The left six columns are the paper's table as printed. The other columns put what the paper reports about each experiment next to the same measure here, at scale %s (%s).", run.Scale, budgetPhrase(p))
	res.Comparison = b.String()
	return res, nil
}

func renderTable1(run *figures.Run, r Table1Results) error {
	fig, err := r.Table.Figure(sciNetStamp(run.Scale, r.Provenance))
	if err != nil {
		return err
	}
	return save(run, fig)
}

func summaryTable1(r Table1Results) string { return figkit.SummaryTable(r.TableResults) }
