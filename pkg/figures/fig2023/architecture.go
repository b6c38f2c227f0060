package fig2023

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
)

// The ED-CNN of the 2023 paper (its Fig. 2 and Table 1) as package models builds it: the
// configuration at each scale, its cone of channels and image sizes, and the row-by-row
// comparison of its layer table with the paper's Table 1; and Fig. 2 (2023-fig02), the sketch of
// the ED-CNN as blocks, one per stage, at the run's scale and at the paper's.

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
// upsampling), with the channels and the image side after each, its kind and its parameters
// (with those of the shape-keeping layers that follow it: batch norm).
func Cone(a *models.Analysis) Fig02Net {
	n := Fig02Net{Describe: a.Config.Describe(), Params: a.Params, Ops: []string{"input"}, Channels: []int{1}, Sizes: []int{a.Config.Size},
		Kinds: []models.Kind{""}, StageParams: []int{0}}
	for _, l := range a.Layers {
		switch l.Kind {
		case models.KindConv, models.KindConvT, models.KindPool, models.KindUpsample:
			n.Ops = append(n.Ops, l.Op)
			n.Channels = append(n.Channels, l.Channels)
			n.Sizes = append(n.Sizes, l.Height)
			n.Kinds = append(n.Kinds, l.Kind)
			n.StageParams = append(n.StageParams, 0)
		}
		n.StageParams[len(n.StageParams)-1] += l.Params
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

// --- Fig. 2: the architecture sketch from the layer table ---

func init() {
	// Version 1: the stages' kinds and parameters (Fig02Net.Kinds, StageParams) and
	// Fig02Results.Params (0 before).
	figures.Register(figures.Def[Fig02Results]{ID: "2023-fig02", Version: 1, Compute: computeFig02, Render: renderFig02, Summary: summaryFig02})
}

// Fig02Results is the ED-CNN's sketch (Cone) at the run's scale and at the paper's, with the
// run's lattice side, width and parameters.
type Fig02Results struct {
	Scale Fig02Net `json:"scale"`
	Paper Fig02Net `json:"paper"`
	Width int      `json:"width"`
	Size  int      `json:"size"`
	// Params are the parameters of the run's network (0 in results saved before version 1).
	Params int `json:"params"`
}

// Fig02Net is the sketch of one ED-CNN: its stages, the input and every layer that changes the
// channels or the image side, with the operation (as the layer table names it), the channels
// and the side after each.
type Fig02Net struct {
	// Describe is the configuration (models.Config.Describe) and Params its parameters.
	Describe string   `json:"describe"`
	Ops      []string `json:"ops"`
	Channels []int    `json:"channels"`
	Sizes    []int    `json:"sizes"`
	Params   int      `json:"params"`
	// Kinds are the stages' layer kinds ("" for the input) and StageParams the parameters of
	// each stage's layer with those of the shape-keeping layers after it. Results saved before
	// version 1 have neither: Kind reads the kind off the operation's name then.
	Kinds       []models.Kind `json:"kinds,omitempty"`
	StageParams []int         `json:"stage_params,omitempty"`
}

// N returns the lattice side (the input's).
func (n Fig02Net) N() int { return n.Sizes[0] }

// Width returns the network's width: the channels of its first convolution.
func (n Fig02Net) Width() int {
	for i := range n.Ops {
		if n.Kind(i) == models.KindConv {
			return n.Channels[i]
		}
	}
	return 0
}

// Kind returns the kind of stage i: Kinds[i], or the kind its operation's name gives.
func (n Fig02Net) Kind(i int) models.Kind {
	if len(n.Kinds) == len(n.Ops) {
		return n.Kinds[i]
	}
	op := n.Ops[i]
	switch {
	case i == 0 && op == "input":
		return ""
	case strings.HasPrefix(op, "ConvT"):
		return models.KindConvT
	case strings.HasPrefix(op, "Conv"):
		return models.KindConv
	case strings.Contains(strings.ToLower(op), "pool"):
		return models.KindPool
	case strings.HasPrefix(op, "Upsample"):
		return models.KindUpsample
	}
	return models.Kind(op)
}

// Bottleneck returns the index of the stage with the smallest image and, of those, the most
// channels (the first such): the end of the encoder.
func (n Fig02Net) Bottleneck() int {
	best := 0
	for i := range n.Ops {
		if n.Sizes[i] < n.Sizes[best] || (n.Sizes[i] == n.Sizes[best] && n.Channels[i] > n.Channels[best]) {
			best = i
		}
	}
	return best
}

// shape returns stage i's output shape: channels, height, width.
func (n Fig02Net) shape(i int) [3]int { return [3]int{n.Channels[i], n.Sizes[i], n.Sizes[i]} }

// part sums a range of stages [from, to): the number of stages of each kind and the parameters
// (-1 when the sketch has no StageParams).
func (n Fig02Net) part(from, to int) (count map[models.Kind]int, params int) {
	count = map[models.Kind]int{}
	for i := from; i < to; i++ {
		count[n.Kind(i)]++
		if len(n.StageParams) == len(n.Ops) {
			params += n.StageParams[i]
		}
	}
	if len(n.StageParams) != len(n.Ops) {
		params = -1
	}
	return count, params
}

// fig02Net is the Fig. 2 sketch (Cone) of an ED-CNN configuration.
func fig02Net(c models.Config) (Fig02Net, error) {
	a, err := models.Analyze(c)
	if err != nil {
		return Fig02Net{}, err
	}
	return Cone(a), nil
}

// Fig02At returns the sketches of Fig. 2 at scale s: the ED-CNN of the scale (EDCNN: cpu N = 128,
// width 8) and the paper's (N = 512, width 64).
func Fig02At(s scale.Scale) (Fig02Results, error) {
	c, err := EDCNN(s)
	if err != nil {
		return Fig02Results{}, err
	}
	pc, err := EDCNN(scale.Paper)
	if err != nil {
		return Fig02Results{}, err
	}
	r := Fig02Results{Width: c.Width, Size: c.Size}
	if r.Scale, err = fig02Net(c); err != nil {
		return r, err
	}
	if r.Paper, err = fig02Net(pc); err != nil {
		return r, err
	}
	r.Params = r.Scale.Params
	return r, nil
}

func computeFig02(run *figures.Run) (Fig02Results, error) { return Fig02At(run.Scale) }

// Fig02Sequence is one sequence of the paper's Fig. 2 caption (e.g. the image sides of the
// encoder) next to the model's.
type Fig02Sequence struct {
	What   string `json:"what"`
	Paper  []int  `json:"paper"`
	Model  []int  `json:"model"`
	Agrees bool   `json:"agrees"`
}

// fig02Caption are the sequences of the paper's Fig. 2 caption (N = 512, width 64).
var fig02Caption = []struct {
	what  string
	paper []int
}{
	{"encoder image sides (input, after each pool, bottleneck)", []int{512, 256, 128, 64, 32, 16, 16}},
	{"encoder channels (input, after each convolution)", []int{1, 64, 128, 256, 512, 1024, 2048}},
	{"decoder channels (after each transposed convolution)", []int{1024, 512, 256, 128, 64, 32, 1}},
	{"decoder image sides (after each block: a transposed convolution and the upsampling after it)", []int{16, 32, 64, 128, 256, 512, 512}},
}

// fig02Sequence returns the model's counterpart of fig02Caption[i].
func fig02Sequence(i int, n Fig02Net) []int {
	bn := n.Bottleneck()
	var out []int
	for k := range n.Ops {
		kind := n.Kind(k)
		switch i {
		case 0:
			if k == 0 || (k <= bn && kind == models.KindPool) || k == bn {
				out = append(out, n.Sizes[k])
			}
		case 1:
			if k == 0 || (k <= bn && kind == models.KindConv) {
				out = append(out, n.Channels[k])
			}
		case 2:
			if k > bn && kind == models.KindConvT {
				out = append(out, n.Channels[k])
			}
		case 3:
			if k > bn && kind == models.KindConvT {
				j := k
				for j+1 < len(n.Ops) && n.Kind(j+1) != models.KindConvT {
					j++
				}
				out = append(out, n.Sizes[j])
			}
		}
	}
	return out
}

// CheckFig02Caption compares the sequences of the paper's Fig. 2 caption with those of a sketch
// (meaningful for the paper's network, N = 512, width 64).
func CheckFig02Caption(n Fig02Net) []Fig02Sequence {
	out := make([]Fig02Sequence, len(fig02Caption))
	for i, c := range fig02Caption {
		m := fig02Sequence(i, n)
		out[i] = Fig02Sequence{What: c.what, Paper: slices.Clone(c.paper), Model: m, Agrees: slices.Equal(m, c.paper)}
	}
	return out
}

// fig02ScaleWords describes a sketch's scale: "this scale (cpu): N = 128, width 8", or
// "paper: N = 512, width 64".
func fig02ScaleWords(sc scale.Scale, n Fig02Net) string {
	if sc == scale.Paper {
		return fmt.Sprintf("paper: N = %d, width %d", n.N(), n.Width())
	}
	return fmt.Sprintf("this scale (%s): N = %d, width %d", sc, n.N(), n.Width())
}

// fig02Kinds are the kinds of stage in the legend's order.
var fig02Kinds = []models.Kind{"", models.KindConv, models.KindPool, models.KindConvT, models.KindUpsample}

// countWords writes the stages of a part, e.g. "6 convolutions, 5 average pools".
func countWords(count map[models.Kind]int) string {
	names := map[models.Kind][2]string{
		models.KindConv: {"convolution", "convolutions"}, models.KindPool: {"average pool", "average pools"},
		models.KindConvT: {"transposed convolution", "transposed convolutions"}, models.KindUpsample: {"upsampling", "upsamplings"},
	}
	var parts []string
	for _, k := range fig02Kinds[1:] {
		if c := count[k]; c > 0 {
			w := names[k][1]
			if c == 1 {
				w = names[k][0]
			}
			parts = append(parts, fmt.Sprintf("%d %s", c, w))
		}
	}
	return strings.Join(parts, ", ")
}

// fig02Part describes the encoder (the stages after the input up to the bottleneck) or the
// decoder of a sketch: its stages in words, e.g. "6 convolutions, 5 average pools", and its
// parameters ("" when the sketch has no StageParams).
func fig02Part(n Fig02Net, encoder bool) (stages, params string) {
	bn := n.Bottleneck()
	from, to := 1, bn+1
	if !encoder {
		from, to = bn+1, len(n.Ops)
	}
	count, p := n.part(from, to)
	if p >= 0 {
		params = figkit.Thousands(p) + " parameters"
	}
	return countWords(count), params
}

// fig02PartWords labels the encoder or the decoder of a sketch, e.g. "encoder: 6 convolutions,
// 5 average pools; 393,424 parameters".
func fig02PartWords(n Fig02Net, encoder bool) string {
	name := "decoder"
	if encoder {
		name = "encoder"
	}
	stages, params := fig02Part(n, encoder)
	s := name + ": " + stages
	if params != "" {
		s += "; " + params
	}
	return s
}

// Layout of a row of Fig. 2, in diagram units: its height, the centre line below its top, the
// tallest block.
const (
	fig02RowH   = 32.5
	fig02RowY   = 19.5
	fig02BlockH = 14.0
	fig02NoteH  = 2.6
)

// fig02Row draws one sketch as a row of blocks with its top at top: a title with the scale and
// the parameters, the encoder and the decoder bracketed, the bottleneck, the input and the
// output marked, and, when legend is set, the legend of the kinds of stage.
func fig02Row(d *figkit.Diagram, top float64, sc scale.Scale, n Fig02Net, legend bool) {
	bn, last := n.Bottleneck(), len(n.Ops)-1
	d.Add(figkit.Text(1, top-1.5, fmt.Sprintf("%s: %s parameters, bottleneck %s, output %s", fig02ScaleWords(sc, n),
		figkit.Thousands(n.Params), figkit.ShapeText(n.shape(bn)), figkit.ShapeText(n.shape(last))), figkit.Font{Size: 9.5, Bold: true, XAlign: draw.XLeft}))
	if legend {
		x := 63.0
		for _, k := range fig02Kinds {
			if hasKind(n, k) {
				d.Add(figkit.Swatch(x, top-1.5, figkit.KindFill(k), figkit.KindLabel(k)))
				x += 6.8
			}
		}
	}
	blocks := make([]figkit.Block, len(n.Ops))
	for i := range n.Ops {
		blocks[i] = figkit.Block{Channels: n.Channels[i], Side: n.Sizes[i], Fill: figkit.KindFill(n.Kind(i)), Label: figkit.KindLabel(n.Kind(i))}
	}
	blocks[0].Mark, blocks[bn].Mark, blocks[last].Mark = "input x", "bottleneck", "output ŷ"
	row := figkit.BlockRow{Blocks: blocks, X0: 2, Slot: 96 / float64(len(blocks)), Y: top - fig02RowY, H: fig02BlockH, Numbers: true,
		Envelope: color.NRGBA{0xE8, 0xEF, 0xF7, 0xFF}}
	d.Add(row.Shapes()...)
	by, gap := row.Y+fig02BlockH/2+7.5, row.Slot*0.06
	bracketFont := figkit.Font{Size: 8.5, Bold: true}
	d.Add(figkit.Bracket(row.X(0)-row.Slot/2+gap, row.X(bn)+row.Slot/2-gap, by, 1, fig02PartWords(n, true), bracketFont))
	if bn < last {
		d.Add(figkit.Bracket(row.X(bn+1)-row.Slot/2+gap, row.X(last)+row.Slot/2-gap, by, 1, fig02PartWords(n, false), bracketFont))
	}
}

// hasKind reports whether a sketch has a stage of kind k.
func hasKind(n Fig02Net, k models.Kind) bool {
	for i := range n.Ops {
		if n.Kind(i) == k {
			return true
		}
	}
	return false
}

// fig02Ops lists the operations of a sketch per kind, as the layer table names them, e.g.
// "conv: Conv 3 x 3; pool: AvgPool2d".
func fig02Ops(n Fig02Net) string {
	var parts []string
	for _, k := range fig02Kinds[1:] {
		var ops []string
		for i, op := range n.Ops {
			if n.Kind(i) == k && !slices.Contains(ops, op) {
				ops = append(ops, op)
			}
		}
		if len(ops) > 0 {
			parts = append(parts, figkit.KindLabel(k)+": "+strings.Join(ops, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// intList formats integers as "1, 2, 3".
func intList(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

// fig02CaptionNote says how a sequence of the caption compares with the paper's network.
func fig02CaptionNote(c Fig02Sequence) string {
	s := fmt.Sprintf("Paper's caption, %s: %s; the model at N = 512, width 64: ", c.What, intList(c.Paper))
	if c.Agrees {
		return s + "the same."
	}
	return s + intList(c.Model) + " (differs)."
}

// fig02Notes are the notes under the figure: the caption's check, the operations and how the
// blocks are drawn.
func fig02Notes(r Fig02Results) []string {
	var notes []string
	for _, c := range CheckFig02Caption(r.Paper) {
		notes = append(notes, fig02CaptionNote(c))
	}
	return append(notes,
		"Operations (layer table): "+fig02Ops(r.Paper)+". Not drawn, as they keep the shape: the LReLU(0.02) after every convolution and the batch norm (Table 1 lists every layer; it prints the last ConvT as 4 x 4).",
		"Blocks: height in proportion to the image side (printed below, with the operation), width growing with log₂ of the channels (printed above), each row to its own largest; shaded: the cone.")
}

// Fig02Figure draws Fig. 2: the ED-CNN as blocks, one per stage (Cone), at the run's scale and
// at the paper's (one row when they are the same), with the encoder and the decoder bracketed,
// the bottleneck marked, the parameters, and the paper's caption checked against the paper's
// network.
func Fig02Figure(r Fig02Results, sc scale.Scale) (*plots.Figure, error) {
	for _, n := range []Fig02Net{r.Scale, r.Paper} {
		if len(n.Ops) < 3 || len(n.Channels) != len(n.Ops) || len(n.Sizes) != len(n.Ops) {
			return nil, fmt.Errorf("2023-fig02: a sketch of %d operations, %d channels, %d sizes", len(n.Ops), len(n.Channels), len(n.Sizes))
		}
	}
	type row struct {
		sc scale.Scale
		n  Fig02Net
	}
	rows := []row{{sc, r.Scale}, {scale.Paper, r.Paper}}
	if sc == scale.Paper {
		rows = rows[1:]
	}
	notes := fig02Notes(r)
	d := &figkit.Diagram{W: 100, H: fig02RowH*float64(len(rows)) + fig02NoteH*float64(len(notes)) + 1}
	for i, rw := range rows {
		fig02Row(d, d.H-fig02RowH*float64(i), rw.sc, rw.n, i == 0)
	}
	for i, note := range notes {
		d.Add(figkit.Text(1, fig02NoteH*(float64(len(notes)-i)-0.5)+0.5, note, figkit.NoteText))
	}
	fig := plots.Single(d.Panel())
	fig.Title = "2023 Fig. 2: the encoder-decoder CNN, stage by stage from the layer table (models.Analyze); "
	if sc == scale.Paper {
		fig.Title += fig02ScaleWords(sc, r.Paper)
	} else {
		fig.Title += fig02ScaleWords(sc, r.Scale) + "; " + fig02ScaleWords(scale.Paper, r.Paper)
	}
	fig.Width, fig.Height = 14*vg.Inch, vg.Length(1.4+0.095*d.H)*vg.Inch
	return fig, nil
}

func renderFig02(run *figures.Run, r Fig02Results) error {
	fig, err := Fig02Figure(r, run.Scale)
	if err != nil {
		return err
	}
	fig.Stamp = figkit.Stamp(run.Scale, "N=512, width 64", false)
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

func summaryFig02(r Fig02Results) string {
	var b strings.Builder
	lead := func(what string, n Fig02Net) {
		part := func(encoder bool) string {
			stages, params := fig02Part(n, encoder)
			if params != "" {
				stages += " (" + params + ")"
			}
			return stages
		}
		fmt.Fprintf(&b, "**%s.** %s parameters. Encoder: %s, from 1 × %d × %d down to a %s bottleneck; decoder: %s, back to %s.\n\n",
			what, figkit.Thousands(n.Params), part(true), n.N(), n.N(), figkit.ShapeText(n.shape(n.Bottleneck())), part(false),
			figkit.ShapeText(n.shape(len(n.Ops)-1)))
	}
	sc := scale.Scale("")
	if r.Scale.N() == r.Paper.N() && r.Scale.Width() == r.Paper.Width() {
		sc = scale.Paper
	}
	if sc != scale.Paper {
		lead(fmt.Sprintf("This scale: N = %d, width %d", r.Scale.N(), r.Scale.Width()), r.Scale)
	}
	lead("Paper: N = 512, width 64", r.Paper)
	checks := CheckFig02Caption(r.Paper)
	agree := 0
	for _, c := range checks {
		if c.Agrees {
			agree++
		} else {
			fmt.Fprintf(&b, "- The caption's %s: %s; the model's: %s.\n", c.What, intList(c.Paper), intList(c.Model))
		}
	}
	fmt.Fprintf(&b, "The paper's Fig. 2 caption against the paper-size network: %d of %d sequences agree.\n\n", agree, len(checks))
	b.WriteString("| stage | op | channels (scale) | size (scale) | channels (paper) | size (paper) |\n| --- | --- | --- | --- | --- | --- |\n")
	for i := range r.Paper.Ops {
		var cs, ss string
		if i < len(r.Scale.Ops) {
			cs, ss = fmt.Sprint(r.Scale.Channels[i]), fmt.Sprint(r.Scale.Sizes[i])
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %d | %d |\n", i, r.Paper.Ops[i], cs, ss, r.Paper.Channels[i], r.Paper.Sizes[i])
	}
	return b.String()
}
