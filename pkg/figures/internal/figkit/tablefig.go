package figkit

import "github.com/surrogo/surrogo/pkg/figures"

// TableResults are the results of a figure that is a table: the table and what the text
// under it says about how it compares with the paper.
type TableResults struct {
	Table Table `json:"table"`
	// Comparison is Markdown on what agrees with the paper and what does not.
	Comparison string `json:"comparison"`
}

// RenderTable draws the table of r as <id>.png and <id>.svg in the run's directory. A table
// of the papers' configuration is the same at every scale, and its stamp says so.
func RenderTable(run *figures.Run, r TableResults) error {
	fig, err := r.Table.Figure(Stamp(run.Scale, "", true))
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

// SummaryTable returns the table of r in Markdown followed by the comparison with the paper.
func SummaryTable(r TableResults) string {
	s := r.Table.Markdown()
	if r.Comparison != "" {
		s += "\n" + r.Comparison + "\n"
	}
	return s
}
