package fig2023

import (
	"fmt"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
)

// The ED-CNN of the 2023 paper (its Fig. 2 and Table 1) as package models builds it: the
// configuration at each scale, its cone of channels and image sizes, and the row-by-row
// comparison of its layer table with the paper's Table 1.

// EDCNN returns the ED-CNN configuration of the 2023 figures at a scale: the lattice of the
// scale's 2023 data set and the width of the 2023 sweeps (Setup); at the paper scale the
// paper's N = 512 and width 64.
func EDCNN(s scale.Scale) (models.Config, error) {
	spec, err := dataset.New(dataset.Recipe2023, s, 1)
	if err != nil {
		return models.Config{}, err
	}
	setup, err := Setup(s)
	if err != nil {
		return models.Config{}, err
	}
	c, err := models.Default(models.EDCNN, spec.N)
	if err != nil {
		return models.Config{}, err
	}
	c.Width = setup.Width
	return c, nil
}

// Cone returns the sketch of Fig. 2 from a model's layer table: the input and every layer that
// changes the channels or the image size (convolutions, transposed convolutions, pooling and
// upsampling), with the channels and the image side after each.
func Cone(a *models.Analysis) Fig02Net {
	n := Fig02Net{Describe: a.Config.Describe(), Params: a.Params, Ops: []string{"input"}, Channels: []int{1}, Sizes: []int{a.Config.Size}}
	for _, l := range a.Layers {
		switch l.Kind {
		case models.KindConv, models.KindConvT, models.KindPool, models.KindUpsample:
			n.Ops = append(n.Ops, l.Op)
			n.Channels = append(n.Channels, l.Channels)
			n.Sizes = append(n.Sizes, l.Height)
		}
	}
	return n
}

// Table1Paper returns the rows of the paper's Table 1 as printed, operation and output shape
// (channels x height x width, "-" where the paper prints none): the encoder's and the
// decoder's.
func Table1Paper() (encoder, decoder [][2]string) {
	clone := func(rows [][2]string) [][2]string { return append([][2]string(nil), rows...) }
	return clone(table1Encoder), clone(table1Decoder)
}

// Table1Check is one row of the paper's Table 1 next to the layer of the model in its place.
type Table1Check struct {
	// Part is "encoder" or "decoder".
	Part string
	// Paper is the row as printed: operation and output shape ("-" where none is printed).
	Paper [2]string
	// Model is the model's row (models.Analysis.Rows in the 2023 paper's style: the shape is
	// "-" where it equals the previous row's).
	Model models.Row
	// Agrees reports whether the operations are the same and, where the paper prints a shape,
	// the shapes are too.
	Agrees bool
}

// CheckTable1 compares the paper's Table 1, row by row, with the layer table of the paper-size
// ED-CNN (N = 512, width 64) that package models builds (models.Analyze): the encoder's rows
// with the model's first layers, the decoder's with the rest. It fails if the numbers of rows
// differ.
func CheckTable1() ([]Table1Check, error) {
	c, err := EDCNN(scale.Paper)
	if err != nil {
		return nil, err
	}
	a, err := models.Analyze(c)
	if err != nil {
		return nil, err
	}
	rows := a.Rows(false)
	if len(rows) != len(table1Encoder)+len(table1Decoder) {
		return nil, fmt.Errorf("the model has %d layers, the paper's Table 1 %d rows", len(rows), len(table1Encoder)+len(table1Decoder))
	}
	var out []Table1Check
	for i, r := range rows {
		part, paper := "encoder", [2]string{}
		if i < len(table1Encoder) {
			paper = table1Encoder[i]
		} else {
			part, paper = "decoder", table1Decoder[i-len(table1Encoder)]
		}
		agrees := paper[0] == r.Op && (paper[1] == "-" || paper[1] == r.Shape)
		out = append(out, Table1Check{Part: part, Paper: paper, Model: r, Agrees: agrees})
	}
	return out, nil
}
