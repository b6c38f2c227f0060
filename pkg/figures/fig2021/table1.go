package fig2021

import (
	"fmt"
	"strings"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/models"
)

// Table 1 of the 2021 paper: the operations of NN 1 (a DCNN keeping 100 × 100) and NN 2 (an
// autoencoder down to 2048 × 1 × 1 and back), typed in from the paper and checked row by row
// against the model that package models builds (CheckTable1). The same at every scale.

func init() {
	figures.Register(figures.Def[figkit.TableResults]{
		ID: "2021-table1", Version: 1, Compute: func(*figures.Run) (figkit.TableResults, error) { return table1() },
		Render: figkit.RenderTable, Summary: figkit.SummaryTable,
	})
}

// nn1Rows and nn2Rows are the two panels of the paper's Table 1: operation, activation and
// output shape (channels × height × width), as printed.
var (
	nn1Rows = [][3]string{
		{"Conv 3 x 3", "LReLU", "4 x 100 x 100"}, {"Dropout 1 (D1)", "-", "-"}, {"BatchNorm", "Identity", "-"},
		{"Conv 3 x 3", "LReLU", "8 x 100 x 100"}, {"BatchNorm", "Identity", "-"},
		{"Conv 3 x 3", "LReLU", "16 x 100 x 100"}, {"BatchNorm", "Identity", "-"},
		{"Conv 3 x 3", "LReLU", "8 x 100 x 100"}, {"BatchNorm", "Identity", "-"},
		{"Conv 3 x 3", "LReLU", "4 x 100 x 100"}, {"BatchNorm", "Identity", "-"},
		{"Conv 3 x 3", "ReLU", "1 x 100 x 100"}, {"Dropout 2 (D2)", "-", "-"}, {"BatchNorm", "Identity", "-"},
	}
	nn2Rows = [][3]string{
		{"Conv 3 x 3", "LReLU", "64 x 100 x 100"}, {"BatchNorm", "Identity", "-"}, {"Dropout 3 (D3)", "-", "-"},
		{"Meanpool", "Identity", "64 x 50 x 50"}, {"Conv 3 x 3", "LReLU", "128 x 50 x 50"},
		{"Meanpool", "Identity", "128 x 25 x 25"}, {"Conv 3 x 3", "LReLU", "256 x 25 x 25"},
		{"Meanpool", "Identity", "256 x 12 x 12"}, {"Conv 3 x 3", "LReLU", "512 x 12 x 12"},
		{"Meanpool", "Identity", "512 x 6 x 6"}, {"Conv 3 x 3", "LReLU", "1024 x 6 x 6"},
		{"Meanpool", "Identity", "1024 x 3 x 3"}, {"Conv 3 x 3", "LReLU", "2048 x 1 x 1"},
		{"ConvT 3 x 3", "LReLU", "1024 x 3 x 3"}, {"ConvT 3 x 3", "LReLU", "512 x 7 x 7"},
		{"ConvT 3 x 3", "LReLU", "256 x 13 x 13"}, {"ConvT 3 x 3", "LReLU", "128 x 25 x 25"},
		{"ConvT 3 x 3", "LReLU", "64 x 51 x 51"}, {"Dropout 4 (D4)", "-", "-"},
		{"ConvT 4 x 4", "ReLU", "1 x 100 x 100"}, {"BatchNorm", "Identity", "-"},
	}
)

// Table1Paper returns the two panels of the paper's Table 1 as printed: the rows of NN 1 and of
// NN 2, each operation, activation and output shape (channels x height x width; "-" where the
// paper prints none).
func Table1Paper() (nn1, nn2 [][3]string) {
	clone := func(rows [][3]string) [][3]string { return append([][3]string(nil), rows...) }
	return clone(nn1Rows), clone(nn2Rows)
}

// Table1Check is one row of the paper's Table 1 next to the layer of the model in its place.
type Table1Check struct {
	// Branch is "NN1" or "NN2".
	Branch string
	// Paper is the row as printed: operation, activation and output shape.
	Paper [3]string
	// Model is the model's row (models.Analysis.Rows in the 2021 paper's style, activations
	// folded into the row before; the shape is "-" where it equals the previous row's).
	Model models.Row
	// Agrees reports whether the operations and the activations are the same (the paper writes
	// "D1" for the model's "D_1" and "LReLU" without its slope) and, where the paper prints a
	// shape, the shapes are too.
	Agrees bool
}

// Table1Model returns the network that Table 1 describes at the paper's size: model 9 of Table 2
// (both branches; models.Model2021) at N = 100 with NN 2's width 64.
func Table1Model() (models.Config, error) {
	c, err := models.Model2021(9, 100)
	if err != nil {
		return c, err
	}
	c.Width = models.PaperWidth
	return c, nil
}

// CheckTable1 compares the paper's Table 1, row by row, with the layer table of the paper-size
// model (model 9 of Table 2, both branches, at N = 100 and width 64) that package models builds
// (models.Analyze): NN 1's rows with the model's NN1 layers, NN 2's with its NN2 layers. It
// fails if the numbers of rows differ.
func CheckTable1() ([]Table1Check, error) {
	c, err := Table1Model()
	if err != nil {
		return nil, err
	}
	a, err := models.Analyze(c)
	if err != nil {
		return nil, err
	}
	var out []Table1Check
	for _, branch := range []struct {
		name  string
		paper [][3]string
	}{{"NN1", nn1Rows}, {"NN2", nn2Rows}} {
		var rows []models.Row
		for _, r := range a.Rows(true) {
			if r.Branch == branch.name {
				rows = append(rows, r)
			}
		}
		if len(rows) != len(branch.paper) {
			return nil, fmt.Errorf("%s: the model has %d rows, the paper's Table 1 %d", branch.name, len(rows), len(branch.paper))
		}
		for i, r := range rows {
			pr := branch.paper[i]
			agrees := sameOp(pr[0], r.Op) && sameAct(pr[1], r.Act) && (pr[2] == "-" || pr[2] == r.Shape)
			out = append(out, Table1Check{Branch: branch.name, Paper: pr, Model: r, Agrees: agrees})
		}
	}
	return out, nil
}

// sameOp compares a printed operation with the model's ("Dropout 1 (D1)" is "Dropout 1 (D_1)").
func sameOp(paper, model string) bool {
	return strings.ReplaceAll(paper, "_", "") == strings.ReplaceAll(model, "_", "")
}

// sameAct compares a printed activation with the model's, without its parameters ("LReLU" is
// "LReLU(0.01)").
func sameAct(paper, model string) bool {
	if i := strings.Index(model, "("); i > 0 {
		model = model[:i]
	}
	return paper == model
}

func table1() (figkit.TableResults, error) {
	checks, err := CheckTable1()
	if err != nil {
		return figkit.TableResults{}, err
	}
	var differ []string
	for _, c := range checks {
		if !c.Agrees {
			differ = append(differ, fmt.Sprintf("%s %s %s (model: %s)", c.Branch, c.Paper[0], c.Paper[2], c.Model.Shape))
		}
	}
	check := fmt.Sprintf("Checked row by row against the model of package models at N = 100, width 64 (CheckTable1): %d of %d rows agree in operation, activation and printed shape",
		len(checks)-len(differ), len(checks))
	if len(differ) > 0 {
		check += "; differing: " + strings.Join(differ, "; ")
	}
	check += "."
	n := max(len(nn1Rows), len(nn2Rows))
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = make([]string, 6)
		if i < len(nn1Rows) {
			copy(rows[i][:3], nn1Rows[i][:])
		}
		if i < len(nn2Rows) {
			copy(rows[i][3:], nn2Rows[i][:])
		}
	}
	t := figkit.Table{
		Title:   "Table 1: the architectures of NN 1 and NN 2 (2021), layer by layer",
		Groups:  []figkit.Group{{Name: "(a) NN 1", Span: 3}, {Name: "(b) NN 2", Span: 3}},
		Columns: []string{"Operation", "Act", "Output shape", "Operation", "Act", "Output shape"},
		Rows:    rows,
		Notes: []string{
			"As printed in the paper (shapes are channels x height x width; input 1 x 100 x 100). The model's output is " +
				"p1 NN1(x) + p2 NN2(x) with p1, p2 in {0, 1}; dropout rates D1-D4 per model (Table 2). The paper does not print the " +
				"LReLU slope; the authors' Flux code uses Flux's default, 0.01, as the model does.",
			"The authors' Flux code pads the second mean pool (50 -> 26), so NN 2's encoder runs 100, 50, 26, 13, 6, 3, 1 " +
				"where the table prints 25 and 12; the last 3 x 3 convolution is unpadded (3 -> 1). The ConvT path " +
				"1, 3, 7, 13, 25, 51, 100 (stride 2; the last 4 x 4 with padding 2) agrees with the code.",
			check,
		},
	}
	return figkit.TableResults{Table: t, Comparison: "Typed in from the paper's Table 1. What does not agree: the encoder " +
		"sizes of NN 2 after the second mean pool (the table: 25, 12; the authors' code: 26, 13, see DESIGN.md section 2). " +
		"The text describes the encoder as {100², 50², 25², 12², 6², 3², 1²}, like the table. " + check}, nil
}
