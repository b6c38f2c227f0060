package fig2021

import (
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
)

// Table 1 of the 2021 paper: the operations of NN 1 (a DCNN keeping 100 × 100) and NN 2 (an
// autoencoder down to 2048 × 1 × 1 and back), typed in from the paper. The same at every scale.

func init() {
	figures.Register(figures.Def[figkit.TableResults]{
		ID: "2021-table1", Compute: func(*figures.Run) (figkit.TableResults, error) { return table1(), nil },
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

func table1() figkit.TableResults {
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
				"p1 NN1(x) + p2 NN2(x) with p1, p2 in {0, 1}; LReLU slopes 0.02; dropout rates D1-D4 per model (Table 2).",
			"The authors' Flux code pads the second mean pool (50 -> 26), so NN 2's encoder runs 100, 50, 26, 13, 6, 3, 1 " +
				"where the table prints 25 and 12; the last 3 x 3 convolution is unpadded (3 -> 1). The ConvT path " +
				"1, 3, 7, 13, 25, 51, 100 (stride 2; the last 4 x 4 with padding 2) agrees with the code.",
		},
	}
	return figkit.TableResults{Table: t, Comparison: "Typed in from the paper's Table 1. What does not agree: the encoder " +
		"sizes of NN 2 after the second mean pool (the table: 25, 12; the authors' code: 26, 13, see DESIGN.md section 2). " +
		"The text describes the encoder as {100², 50², 25², 12², 6², 3², 1²}, like the table."}
}
