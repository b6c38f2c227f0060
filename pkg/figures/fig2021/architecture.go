package fig2021

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
)

// Figs. 2 and 3 of the 2021 paper, drawn from the model's own layer table (models.Analyze):
//
//   - 2021-fig02, the network: the input x goes through NN 1 (the DCNN) and NN 2 (the
//     autoencoder), whose outputs ŷ1 and ŷ2 are weighted by p1 and p2 and summed into the
//     prediction ŷ; each branch with its number of layers, parameters and output shape;
//   - 2021-fig03, the architectures of NN 1 and NN 2: channels and image side after every layer
//     that changes them (the 2023 Fig. 2's cone, as blocks).
//
// Both at the run's scale (the 2021 protocol's N and NN 2 width, NewProtocol) and at the paper's
// (N = 100, width 64). Nothing is trained: the same in seconds at every scale.

func init() {
	figures.Register(figures.Def[Fig02Results]{ID: "2021-fig02", Compute: computeFig02, Render: renderFig02, Summary: summaryFig02})
	figures.Register(figures.Def[Fig03Results]{ID: "2021-fig03", Compute: computeFig03, Render: renderFig03, Summary: summaryFig03})
}

// ArchitectureModelNumber is the model of Table 2 the architecture figures draw: model 9, both
// branches on (p1 = p2 = 1), as Table1Model.
const ArchitectureModelNumber = 9

// ArchitectureModel returns the network that Figs. 2 and 3 draw at scale s: model 9 of Table 2
// (both branches; models.Model2021) on the lattice of the scale's protocol with its NN 2 width
// (NewProtocol: smoke N = 40, width 2; cpu 60, 8; gpu 100, 32; paper 100, 64, which is
// Table1Model).
func ArchitectureModel(s scale.Scale) (models.Config, error) {
	p, err := NewProtocol(s)
	if err != nil {
		return models.Config{}, err
	}
	c, err := models.Model2021(ArchitectureModelNumber, p.N)
	if err != nil {
		return c, err
	}
	c.Width = p.Width
	return c, nil
}

// Stage is one step of a branch's sketch: the input, or a layer that changes the channels or the
// image side (a convolution, a transposed convolution, a pooling or an upsampling), with the
// shape after it.
type Stage struct {
	// Op is the operation as the layer table names it ("Conv 3 x 3", "Meanpool", "ConvT 4 x 4"),
	// or "input".
	Op string `json:"op"`
	// Kind is the layer's kind ("" for the input).
	Kind models.Kind `json:"kind,omitempty"`
	// Detail gives the settings the name leaves out, e.g. "stride 2, pad 1", "valid".
	Detail string `json:"detail,omitempty"`
	// Channels and Side are the output shape (channels × side × side).
	Channels int `json:"channels"`
	Side     int `json:"side"`
}

// Shape returns the stage's output shape as the paper prints it, e.g. "64 x 100 x 100".
func (s Stage) Shape() string { return fmt.Sprintf("%d x %d x %d", s.Channels, s.Side, s.Side) }

// Branch is one of the two networks of the 2021 model, as the layer table lists it.
type Branch struct {
	// Name is "NN1" or "NN2", Kind "DCNN" or "autoencoder".
	Name string `json:"name"`
	Kind string `json:"kind"`
	// P is the branch's weight in the sum (p1 or p2).
	P float64 `json:"p"`
	// Rows is the number of rows of the branch in the paper's Table 1 style (models.Analysis.Rows
	// with the activations folded: 14 for NN 1, 21 for NN 2 at N = 100), Ops the number of
	// operations (activations included) and Convs the number of convolutions and transposed
	// convolutions.
	Rows  int `json:"rows"`
	Ops   int `json:"ops"`
	Convs int `json:"convs"`
	// Params and FLOPs are the branch's trainable parameters and forward cost per sample.
	Params int   `json:"params"`
	FLOPs  int64 `json:"flops"`
	// Stages are the input and every layer that changes the channels or the side.
	Stages []Stage `json:"stages"`
	// Bottleneck is the index in Stages of the narrowest image (the smallest side; of those, the
	// most channels): NN 2's 1 × 1 code, NN 1's widest layer (it keeps N × N).
	Bottleneck int `json:"bottleneck"`
	// Output is the branch's output shape: channels, height, width of its last layer.
	Output [3]int `json:"output"`
}

// Network is the 2021 model at one lattice size and width: y = p1 NN1(x) + p2 NN2(x), from its
// layer table.
type Network struct {
	// Scale names the scale whose protocol gave N and Width ("paper" for N = 100, width 64).
	Scale string `json:"scale"`
	// N is the lattice side, Width NN 2's first channel count (NN 1's channels are fixed).
	N     int `json:"n"`
	Width int `json:"width"`
	// Model is the Table 2 model analysed and Describe its configuration (models.Config.Describe).
	Model    int    `json:"model"`
	Describe string `json:"describe"`
	// P1 and P2 weigh the branches.
	P1 float64 `json:"p1"`
	P2 float64 `json:"p2"`
	// Params and FLOPs are the whole model's.
	Params int   `json:"params"`
	FLOPs  int64 `json:"flops"`
	// Branches are the branches built (those whose weight is not 0), NN1 first.
	Branches []Branch `json:"branches"`
	// Output is the shape of the weighted sum, the prediction: channels, height, width.
	Output [3]int `json:"output"`
}

// Branch returns the branch named name ("NN1" or "NN2") and whether the network has it.
func (n Network) Branch(name string) (Branch, bool) {
	for _, b := range n.Branches {
		if b.Name == name {
			return b, true
		}
	}
	return Branch{}, false
}

// branchKinds names the two networks as the paper does.
var branchKinds = map[string]string{"NN1": "DCNN", "NN2": "autoencoder"}

// NewNetwork reads the sketch of the 2021 model off its layer table: for each branch its rows,
// convolutions, parameters, stages (Stages) and output shape, and the shape of the sum.
func NewNetwork(a *models.Analysis, sc scale.Scale, model int) (Network, error) {
	c := a.Config
	if c.Name != models.DCNNAE || len(a.Layers) == 0 {
		return Network{}, fmt.Errorf("the 2021 network sketch needs a dcnn-ae analysis, got %s", c.Describe())
	}
	last := a.Layers[len(a.Layers)-1]
	n := Network{Scale: string(sc), N: c.Size, Width: c.Width, Model: model, Describe: c.Describe(), P1: c.P1, P2: c.P2,
		Params: a.Params, FLOPs: a.FLOPs, Output: [3]int{last.Channels, last.Height, last.Width}}
	rows := a.Rows(true)
	for _, name := range []string{"NN1", "NN2"} {
		b := Branch{Name: name, Kind: branchKinds[name], P: c.P1, Stages: Stages(a, name)}
		if name == "NN2" {
			b.P = c.P2
		}
		for _, l := range a.Layers {
			if l.Branch != name {
				continue
			}
			b.Ops++
			b.Params += l.Params
			b.FLOPs += l.FLOPs
			b.Output = [3]int{l.Channels, l.Height, l.Width}
			if l.Kind == models.KindConv || l.Kind == models.KindConvT {
				b.Convs++
			}
		}
		if b.Ops == 0 {
			continue // a branch with weight 0 is not built
		}
		for _, r := range rows {
			if r.Branch == name {
				b.Rows++
			}
		}
		b.Bottleneck = bottleneckStage(b.Stages)
		n.Branches = append(n.Branches, b)
	}
	return n, nil
}

// NetworkAt analyses ArchitectureModel(s) and returns its sketch.
func NetworkAt(s scale.Scale) (Network, error) {
	c, err := ArchitectureModel(s)
	if err != nil {
		return Network{}, err
	}
	a, err := models.Analyze(c)
	if err != nil {
		return Network{}, err
	}
	return NewNetwork(a, s, ArchitectureModelNumber)
}

// Stages returns the sketch of one branch ("NN1" or "NN2") from a layer table, in the manner of
// the 2023 Fig. 2's cone: the input (1 × N × N) and every layer of the branch that changes the
// channels or the image side (convolutions, transposed convolutions, poolings, upsamplings), with
// its output shape.
func Stages(a *models.Analysis, branch string) []Stage {
	out := []Stage{{Op: "input", Channels: 1, Side: a.Config.Size}}
	for _, l := range a.Layers {
		if l.Branch != branch {
			continue
		}
		switch l.Kind {
		case models.KindConv, models.KindConvT, models.KindPool, models.KindUpsample:
			out = append(out, Stage{Op: l.Op, Kind: l.Kind, Detail: l.Detail, Channels: l.Channels, Side: l.Height})
		}
	}
	return out
}

// bottleneckStage returns the index of the stage with the smallest side and, among those, the
// most channels (the first such).
func bottleneckStage(st []Stage) int {
	best := 0
	for i, s := range st {
		if s.Side < st[best].Side || (s.Side == st[best].Side && s.Channels > st[best].Channels) {
			best = i
		}
	}
	return best
}

// Switch is the (p1, p2) of one model of Table 2.
type Switch struct {
	Model int     `json:"model"`
	P1    float64 `json:"p1"`
	P2    float64 `json:"p2"`
}

// Switches returns p1 and p2 of the 14 models of Table 2 (models.Model2021).
func Switches() ([]Switch, error) {
	var out []Switch
	for m := 1; m <= len(paperTable2); m++ {
		c, err := models.Model2021(m, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, Switch{Model: m, P1: c.P1, P2: c.P2})
	}
	return out, nil
}

// SequenceCheck is one sequence of the paper's Fig. 3 caption (e.g. NN 2's image sides after each
// mean pool) next to the model's.
type SequenceCheck struct {
	Branch string `json:"branch"`
	What   string `json:"what"`
	Paper  []int  `json:"paper"`
	Model  []int  `json:"model"`
	Agrees bool   `json:"agrees"`
}

// captionSequences are the sequences of the paper's Fig. 3 caption (and section 2's text) at
// N = 100: NN 1's channels; NN 2's encoder sides and channels, and its decoder channels and sides.
var captionSequences = []struct {
	branch, what string
	paper        []int
}{
	{"NN1", "channels after each convolution (all N × N)", []int{4, 8, 16, 8, 4, 1}},
	{"NN2", "encoder: image sides, input, after each mean pool, bottleneck", []int{100, 50, 25, 12, 6, 3, 1}},
	{"NN2", "encoder: channels, input and after each convolution", []int{1, 64, 128, 256, 512, 1024, 2048}},
	{"NN2", "decoder: channels after each transposed convolution", []int{1024, 512, 256, 128, 64, 1}},
	{"NN2", "decoder: image sides, bottleneck and after each transposed convolution", []int{1, 3, 7, 13, 25, 51, 100}},
}

// modelSequence returns the model's counterpart of captionSequences[i] from a branch's stages.
func modelSequence(i int, b Branch) []int {
	var out []int
	bn := b.Bottleneck
	for k, s := range b.Stages {
		switch i {
		case 0: // NN 1's convolutions (only convolutions there)
			if s.Kind == models.KindConv && s.Side == b.Stages[0].Side {
				out = append(out, s.Channels)
			}
		case 1:
			if k == 0 || (k <= bn && s.Kind == models.KindPool) || k == bn {
				out = append(out, s.Side)
			}
		case 2:
			if k == 0 || (k <= bn && s.Kind == models.KindConv) {
				out = append(out, s.Channels)
			}
		case 3:
			if k > bn && s.Kind == models.KindConvT {
				out = append(out, s.Channels)
			}
		case 4:
			if k == bn || (k > bn && s.Kind == models.KindConvT) {
				out = append(out, s.Side)
			}
		}
	}
	return out
}

// CheckCaption compares the sequences of the paper's Fig. 3 caption with those of a network's
// layer table (meaningful at N = 100, width 64: the paper's network).
func CheckCaption(n Network) []SequenceCheck {
	var out []SequenceCheck
	for i, cs := range captionSequences {
		b, ok := n.Branch(cs.branch)
		if !ok {
			continue
		}
		m := modelSequence(i, b)
		out = append(out, SequenceCheck{Branch: cs.branch, What: cs.what, Paper: append([]int(nil), cs.paper...), Model: m,
			Agrees: fmt.Sprint(m) == fmt.Sprint(cs.paper)})
	}
	return out
}

// Fig02Results is the network of Fig. 2 at the run's scale and at the paper's, with the (p1, p2)
// of every model of Table 2.
type Fig02Results struct {
	Scale    Network  `json:"scale"`
	Paper    Network  `json:"paper"`
	Switches []Switch `json:"switches"`
}

// Fig03Results are the architectures of Fig. 3 at the run's scale and at the paper's, and the
// paper-size network checked against the caption's sequences.
type Fig03Results struct {
	Scale   Network         `json:"scale"`
	Paper   Network         `json:"paper"`
	Caption []SequenceCheck `json:"caption"`
}

// networks returns the network at the run's scale and at the paper's.
func archNetworks(s scale.Scale) (run, paper Network, err error) {
	if run, err = NetworkAt(s); err != nil {
		return run, paper, err
	}
	paper, err = NetworkAt(scale.Paper)
	return run, paper, err
}

func computeFig02(run *figures.Run) (Fig02Results, error) {
	sn, pn, err := archNetworks(run.Scale)
	if err != nil {
		return Fig02Results{}, err
	}
	sw, err := Switches()
	return Fig02Results{Scale: sn, Paper: pn, Switches: sw}, err
}

func computeFig03(run *figures.Run) (Fig03Results, error) {
	sn, pn, err := archNetworks(run.Scale)
	if err != nil {
		return Fig03Results{}, err
	}
	return Fig03Results{Scale: sn, Paper: pn, Caption: CheckCaption(pn)}, nil
}

// archPaperSetup is the paper's setup the stamps of the two figures compare with.
const archPaperSetup = "N=100, NN 2 width 64"

// archScaleWords describes a network's scale, e.g. "this scale (cpu): N = 60, width 8".
func archScaleWords(n Network) string {
	if n.Scale == string(scale.Paper) {
		return fmt.Sprintf("paper: N = %d, width %d", n.N, n.Width)
	}
	return fmt.Sprintf("this scale (%s): N = %d, width %d", n.Scale, n.N, n.Width)
}

// archColumnHead heads the column of a network's numbers: "this scale (cpu)", or "paper".
func archColumnHead(n Network) string {
	if n.Scale == string(scale.Paper) {
		return "paper"
	}
	return fmt.Sprintf("this scale (%s)", n.Scale)
}

// archTitleScales is the part of a title that states both scales.
func archTitleScales(sn, pn Network) string {
	if sn.Scale == pn.Scale {
		return archScaleWords(pn)
	}
	return archScaleWords(sn) + "; " + archScaleWords(pn)
}

// --- drawing: figkit's diagram primitives ---

// archThousands and shapeText format parameter counts and shapes.
var (
	archThousands = figkit.Thousands
	shapeText     = figkit.ShapeText
)

// stageBlocks returns a branch's stages as blocks (figkit.KindFill): with labels, each block's
// short name below it (stageLabel) and "bottleneck" above the stage of index bottleneck (-1:
// none).
func stageBlocks(st []Stage, labels bool, bottleneck int) []figkit.Block {
	out := make([]figkit.Block, len(st))
	for i, s := range st {
		out[i] = figkit.Block{Channels: s.Channels, Side: s.Side, Fill: figkit.KindFill(s.Kind)}
		if labels {
			out[i].Label = stageLabel(s)
		}
		if i == bottleneck {
			out[i].Mark = "bottleneck"
		}
	}
	return out
}

// ranges formats sorted model numbers with runs, e.g. "1–3, 8–11".
func archRanges(v []int) string {
	var parts []string
	for i := 0; i < len(v); {
		j := i
		for j+1 < len(v) && v[j+1] == v[j]+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, fmt.Sprint(v[i]))
		case j == i+1:
			parts = append(parts, fmt.Sprint(v[i]), fmt.Sprint(v[j]))
		default:
			parts = append(parts, fmt.Sprintf("%d–%d", v[i], v[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// switchGroups returns the models with both branches, NN 1 only and NN 2 only.
func switchGroups(sw []Switch) (both, nn1, nn2 []int) {
	for _, s := range sw {
		switch {
		case s.P1 != 0 && s.P2 != 0:
			both = append(both, s.Model)
		case s.P1 != 0:
			nn1 = append(nn1, s.Model)
		default:
			nn2 = append(nn2, s.Model)
		}
	}
	return both, nn1, nn2
}

// --- Fig. 2: the network ---

// Fig02Figure draws the network: the input, the two branches (a small sketch of each, from the
// run's layer table, and its rows, convolutions, parameters, output and, for NN 2, bottleneck at
// both scales), the weights p1 and p2, the sum and the prediction.
func Fig02Figure(r Fig02Results) (*plots.Figure, error) {
	sn, pn := r.Scale, r.Paper
	d := &figkit.Diagram{W: 100, H: 66}
	const cy = 34.0
	// The input and the prediction.
	ioBox := func(x0, x1 float64, title, what string, shape [3]int, paper [3]int, fill color.Color) {
		d.Add(figkit.Rect(x0, cy-9, x1, cy+9, fill, color.Black))
		xc := (x0 + x1) / 2
		d.Add(figkit.Text(xc, cy+5.5, title, figkit.Font{Size: 9.5, Bold: true, XAlign: draw.XCenter}))
		d.Add(figkit.Text(xc, cy+2, what, figkit.SmallText))
		d.Add(figkit.Text(xc, cy-2, shapeText(shape), figkit.CentreText))
		if sn.Scale != pn.Scale {
			d.Add(figkit.Text(xc, cy-5.5, "paper: "+shapeText(paper), figkit.SmallText))
		}
	}
	ioBox(0.5, 12.5, "input x", "source image", [3]int{1, sn.N, sn.N}, [3]int{1, pn.N, pn.N}, figkit.KindFill(""))
	ioBox(89, 99.5, "prediction ŷ", "p₁ŷ₁ + p₂ŷ₂", sn.Output, pn.Output, figkit.KindFill(models.KindConvT))
	// The branches.
	type placed struct {
		name, sub, p string
		y0, y1       float64
	}
	for _, br := range []placed{{"NN1", "₁", "p₁", 38, 61}, {"NN2", "₂", "p₂", 7, 30}} {
		b, okS := sn.Branch(br.name)
		bp, okP := pn.Branch(br.name)
		if !okS || !okP {
			return nil, fmt.Errorf("2021-fig02: the network lacks %s", br.name)
		}
		x0, x1 := 18.0, 72.0
		ym := (br.y0 + br.y1) / 2
		d.Add(figkit.Rect(x0, br.y0, x1, br.y1, color.NRGBA{0xF6, 0xF6, 0xF6, 0xFF}, color.Black))
		title := "NN 1: deep convolutional network (DCNN)"
		if br.name == "NN2" {
			title = "NN 2: convolutional autoencoder"
		}
		d.Add(figkit.Text(x0+1, br.y1-2, title, figkit.HeadText))
		// The sketch of the branch at the run's scale.
		sx0, sx1 := x0+1.5, x0+24.0
		sh := br.y1 - br.y0 - 9
		d.Add(figkit.BlockRow{Blocks: stageBlocks(b.Stages, false, -1), X0: sx0, Slot: (sx1 - sx0) / float64(len(b.Stages)),
			Y: br.y0 + 3 + sh/2, H: sh, LineWidth: 0.5}.Shapes()...)
		d.Add(figkit.Text((sx0+sx1)/2, br.y0+1.6, fmt.Sprintf("layers at N = %d (blocks: side, log channels)", sn.N), figkit.Font{Size: 7, XAlign: draw.XCenter, Italic: true}))
		// Its numbers at both scales.
		lx, c1, c2 := x0+27, x0+40.5, x0+49.5
		rows := [][3]string{
			{"", archColumnHead(sn), "paper"},
			{"N, width", fmt.Sprintf("%d, %d", sn.N, sn.Width), fmt.Sprintf("%d, %d", pn.N, pn.Width)},
			{"layers (Table 1 rows)", fmt.Sprint(b.Rows), fmt.Sprint(bp.Rows)},
			{"convolutions", fmt.Sprint(b.Convs), fmt.Sprint(bp.Convs)},
			{"parameters", archThousands(b.Params), archThousands(bp.Params)},
		}
		if br.name == "NN2" {
			rows = append(rows, [3]string{"bottleneck", b.Stages[b.Bottleneck].Shape(), bp.Stages[bp.Bottleneck].Shape()})
		}
		rows = append(rows, [3]string{"output ŷ" + br.sub, shapeText(b.Output), shapeText(bp.Output)})
		rows2 := rows
		step := (br.y1 - br.y0 - 5.5) / float64(len(rows2))
		for i, row := range rows2 {
			y := br.y1 - 5.5 - step*float64(i)
			st := figkit.CentreText
			if i == 0 {
				st.Bold = true
			}
			d.Add(figkit.Text(lx, y, row[0], figkit.LeftText), figkit.Text(c1, y, strings.ReplaceAll(row[1], " x ", " × "), st))
			if sn.Scale != pn.Scale {
				d.Add(figkit.Text(c2, y, strings.ReplaceAll(row[2], " x ", " × "), st))
			}
		}
		// Input -> branch -> weight -> sum.
		d.Add(figkit.Line(12.5, cy, x0, ym, 1, color.Black, true))
		wx := 79.0
		d.Add(figkit.Line(x1, ym, wx-2.2, ym, 1, color.Black, true))
		d.Add(figkit.Text((x1+wx-2.2)/2, ym+2, "ŷ"+br.sub, figkit.Font{Size: 10, XAlign: draw.XCenter, Italic: true}))
		d.Add(figkit.Circle(wx, ym, 11, color.White), figkit.Text(wx, ym, "× "+br.p, figkit.Font{Size: 9, XAlign: draw.XCenter}))
		d.Add(figkit.Line(wx+1.6, ym+(cy-ym)*0.12, 82.6, cy+(ym-cy)*0.12, 1, color.Black, true))
	}
	d.Add(figkit.Circle(84, cy, 9, color.White), figkit.Text(84, cy, "+", figkit.Font{Size: 13, XAlign: draw.XCenter, Bold: true}))
	d.Add(figkit.Line(85.6, cy, 89, cy, 1, color.Black, true))
	// The weights of the models of Table 2.
	both, nn1, nn2 := switchGroups(r.Switches)
	d.Add(figkit.Text(0.5, 2.2, fmt.Sprintf("p₁ and p₂, 0 or 1, are fixed per model (Table 2): both branches in models %s; NN 1 only (p₂ = 0) in %s; NN 2 only (p₁ = 0) in %s. "+
		"A branch with p = 0 is not built. Drawn: model %d (p₁ = %g, p₂ = %g).", archRanges(both), archRanges(nn1), archRanges(nn2), sn.Model, sn.P1, sn.P2), figkit.NoteText))
	whole := fmt.Sprintf("Whole model: %s parameters at %s", archThousands(sn.Params), archScaleWords(sn))
	if sn.Scale != pn.Scale {
		whole += fmt.Sprintf("; %s at the paper's N = %d, width %d", archThousands(pn.Params), pn.N, pn.Width)
	}
	d.Add(figkit.Text(0.5, 64.5, whole+".", figkit.LeftText))
	fig := plots.Single(d.Panel())
	fig.Title = "2021 Fig. 2: the network ŷ = p₁ NN 1(x) + p₂ NN 2(x), from the layer table (models.Analyze); " + archTitleScales(sn, pn)
	fig.Width, fig.Height = 13*vg.Inch, 6.4*vg.Inch
	return fig, nil
}

func renderFig02(run *figures.Run, r Fig02Results) error {
	fig, err := Fig02Figure(r)
	if err != nil {
		return err
	}
	fig.Stamp = figkit.Stamp(run.Scale, archPaperSetup, false)
	return saveFigure(run, fig)
}

func branchLine(name string, b, bp Branch, sn, pn Network) string {
	s := fmt.Sprintf("%s (%s): %d rows of Table 1, %d convolutions, %s parameters, output %s", name, b.Kind, b.Rows, b.Convs,
		archThousands(b.Params), shapeText(b.Output))
	if name == "NN 2" {
		s += fmt.Sprintf(", bottleneck %s", strings.ReplaceAll(b.Stages[b.Bottleneck].Shape(), " x ", " × "))
	}
	if sn.Scale == pn.Scale {
		return s
	}
	s += fmt.Sprintf(" (paper: %d rows, %d convolutions, %s parameters, output %s", bp.Rows, bp.Convs, archThousands(bp.Params), shapeText(bp.Output))
	if name == "NN 2" {
		s += fmt.Sprintf(", bottleneck %s", strings.ReplaceAll(bp.Stages[bp.Bottleneck].Shape(), " x ", " × "))
	}
	return s + ")"
}

func summaryFig02(r Fig02Results) string {
	sn, pn := r.Scale, r.Paper
	var b strings.Builder
	fmt.Fprintf(&b, "The network of model %d, ŷ = %g·NN1(x) + %g·NN2(x), read off its layer table (models.Analyze) at %s: %s parameters", sn.Model, sn.P1, sn.P2, archScaleWords(sn), archThousands(sn.Params))
	if sn.Scale != pn.Scale {
		fmt.Fprintf(&b, " (the paper's N = %d, width %d: %s)", pn.N, pn.Width, archThousands(pn.Params))
	}
	b.WriteString(".\n\n")
	for _, name := range []string{"NN1", "NN2"} {
		bs, ok1 := sn.Branch(name)
		bp, ok2 := pn.Branch(name)
		if ok1 && ok2 {
			fmt.Fprintf(&b, "- %s.\n", branchLine(strings.Replace(name, "NN", "NN ", 1), bs, bp, sn, pn))
		}
	}
	both, nn1, nn2 := switchGroups(r.Switches)
	fmt.Fprintf(&b, "\nBoth branches map the 1 × %d × %d input to %s, and so does their weighted sum. p1, p2 of Table 2: both in models %s, NN 1 only in %s, NN 2 only in %s. "+
		"The paper's Fig. 2 is the same flow (x through NN 1 and NN 2, outputs weighted by Boolean p1, p2 and summed); it gives no parameter counts.\n",
		sn.N, sn.N, shapeText(sn.Output), archRanges(both), archRanges(nn1), archRanges(nn2))
	return b.String()
}

// --- Fig. 3: the architectures of NN 1 and NN 2 ---

// fig03Panel draws one branch at the run's scale (top) and the paper's (bottom): a block per
// stage, its channels above, its side and operation below, with the caption's check as a note.
func fig03Panel(name string, sn, pn Network, notes []string) (*figkit.Diagram, error) {
	const rowH, noteH = 25.0, 3.2
	d := &figkit.Diagram{W: 100, H: 2*rowH + noteH*float64(len(notes)) + 1}
	nets := []Network{sn, pn}
	if sn.Scale == pn.Scale {
		nets = []Network{pn}
		d.H -= rowH
	}
	// One block size for both rows: the largest side and channels.
	var maxSide, maxCh int
	for _, n := range nets {
		b, ok := n.Branch(name)
		if !ok {
			return nil, fmt.Errorf("2021-fig03: the network lacks %s", name)
		}
		s, c := figkit.Maxima(stageBlocks(b.Stages, false, -1))
		maxSide, maxCh = max(maxSide, s), max(maxCh, c)
	}
	for r, n := range nets {
		b, _ := n.Branch(name)
		y0 := d.H - rowH*float64(r+1)
		d.Add(figkit.Text(1, y0+rowH-2, fmt.Sprintf("%s: %d rows of Table 1, %d convolutions, %s parameters, output %s", archScaleWords(n), b.Rows, b.Convs,
			archThousands(b.Params), shapeText(b.Output)), figkit.Font{Size: 9, Bold: true, XAlign: draw.XLeft}))
		if r == 0 {
			legendX := 74.0
			for _, k := range []struct {
				kind  models.Kind
				label string
			}{{"", "input"}, {models.KindConv, "conv"}, {models.KindPool, "pool"}, {models.KindConvT, "convT"}} {
				if !slices.ContainsFunc(b.Stages, func(s Stage) bool { return s.Kind == k.kind }) {
					continue
				}
				d.Add(figkit.Swatch(legendX, y0+rowH-2, figkit.KindFill(k.kind), k.label))
				legendX += 6.3
			}
		}
		bottleneck := -1
		if name == "NN2" {
			bottleneck = b.Bottleneck
		}
		d.Add(figkit.BlockRow{Blocks: stageBlocks(b.Stages, true, bottleneck), X0: 2, Slot: min(97.0/float64(len(b.Stages)), 8.0),
			Y: y0 + 11, H: 10, MaxSide: maxSide, MaxChannels: maxCh, Numbers: true}.Shapes()...)
	}
	for i, note := range notes {
		d.Add(figkit.Text(1, noteH*(float64(len(notes)-i)-0.5)+0.5, note, figkit.NoteText))
	}
	return d, nil
}

// stageLabel is the short name of a stage under its block.
func stageLabel(s Stage) string {
	switch s.Kind {
	case "":
		return "input"
	case models.KindConv:
		if strings.Contains(s.Detail, "valid") {
			return "conv, valid"
		}
		return "conv"
	case models.KindConvT:
		if strings.HasPrefix(s.Op, "ConvT 4") {
			return "convT 4×4"
		}
		return "convT"
	case models.KindPool:
		return "pool"
	}
	return string(s.Kind)
}

// opsOf lists the distinct operations of a branch's stages per kind, as the layer table names
// them with their settings, e.g. "conv: Conv 3 x 3 (pad 1), Conv 3 x 3 (valid); pool: Meanpool".
func opsOf(b Branch) string {
	var kinds []string
	items := map[string][]string{}
	for _, s := range b.Stages[1:] {
		k := stageLabel(Stage{Kind: s.Kind})
		item := s.Op
		if s.Detail != "" {
			item += " (" + s.Detail + ")"
		}
		if _, ok := items[k]; !ok {
			kinds = append(kinds, k)
		}
		if !slices.Contains(items[k], item) {
			items[k] = append(items[k], item)
		}
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = k + ": " + strings.Join(items[k], ", ")
	}
	return strings.Join(parts, "; ")
}

// captionNote says how a caption sequence compares with the model.
func captionNote(c SequenceCheck) string {
	name := strings.Replace(c.Branch, "NN", "NN ", 1)
	s := fmt.Sprintf("Paper's caption, %s %s: %s; the model at N = 100, width 64: ", name, c.What, intList(c.Paper))
	if c.Agrees {
		return s + "the same."
	}
	return s + intList(c.Model) + " (differs)."
}

// Fig03Figure draws (a) NN 1 and (b) NN 2, each at the run's scale and at the paper's, with the
// paper's caption checked against the paper-size network.
func Fig03Figure(r Fig03Results) (*plots.Figure, error) {
	var panels []plots.Panel
	for _, name := range []string{"NN1", "NN2"} {
		var notes []string
		for _, c := range r.Caption {
			if c.Branch == name {
				notes = append(notes, captionNote(c))
			}
		}
		if b, ok := r.Paper.Branch(name); ok {
			notes = append(notes, "Operations (layer table, with their settings): "+opsOf(b)+".",
				"Blocks: height in proportion to the image side (printed below, with the operation), width growing with log₂ of the channels (printed above).")
		}
		d, err := fig03Panel(name, r.Scale, r.Paper, notes)
		if err != nil {
			return nil, err
		}
		panels = append(panels, d.Panel())
	}
	fig := plots.NewFigure(2, 1, panels...)
	fig.Letters, fig.LetterFormat = true, "(%s)"
	fig.Title = "2021 Fig. 3: (a) NN 1, the DCNN, and (b) NN 2, the autoencoder, layer by layer from the layer table; " + archTitleScales(r.Scale, r.Paper)
	fig.Width, fig.Height = 14*vg.Inch, 10*vg.Inch
	if r.Scale.Scale == r.Paper.Scale {
		fig.Height = 7 * vg.Inch // one row per panel
	}
	return fig, nil
}

func renderFig03(run *figures.Run, r Fig03Results) error {
	fig, err := Fig03Figure(r)
	if err != nil {
		return err
	}
	fig.Stamp = figkit.Stamp(run.Scale, archPaperSetup, false)
	return saveFigure(run, fig)
}

// stageList formats stages as "channels×side²" in order, e.g. "1×100², 64×100², 64×50²".
func stageList(st []Stage) string {
	parts := make([]string, len(st))
	for i, s := range st {
		parts[i] = fmt.Sprintf("%d×%d²", s.Channels, s.Side)
	}
	return strings.Join(parts, ", ")
}

func summaryFig03(r Fig03Results) string {
	var b strings.Builder
	nets := []Network{r.Scale, r.Paper}
	if r.Scale.Scale == r.Paper.Scale {
		nets = nets[1:]
	}
	for _, n := range nets {
		n1, _ := n.Branch("NN1")
		n2, _ := n.Branch("NN2")
		fmt.Fprintf(&b, "**%s.** NN 1 keeps %d × %d through %d convolutions (%s parameters): %s. "+
			"NN 2 (%s parameters) pools to a %s bottleneck and transposed-convolves back to %s: %s.\n\n",
			archScaleWords(n), n.N, n.N, n1.Convs, archThousands(n1.Params), stageList(n1.Stages),
			archThousands(n2.Params), strings.ReplaceAll(n2.Stages[n2.Bottleneck].Shape(), " x ", " × "), shapeText(n2.Output), stageList(n2.Stages))
	}
	agree := 0
	var differ []string
	for _, c := range r.Caption {
		if c.Agrees {
			agree++
		} else {
			differ = append(differ, fmt.Sprintf("%s %s: the caption's %s, the model's %s", c.Branch, c.What, intList(c.Paper), intList(c.Model)))
		}
	}
	fmt.Fprintf(&b, "The caption's sequences against the paper-size network: %d of %d agree", agree, len(r.Caption))
	if len(differ) > 0 {
		fmt.Fprintf(&b, "; differing: %s (the authors' Flux code pads the second mean pool, 50 → 26, as Table 1's check finds)", strings.Join(differ, "; "))
	}
	b.WriteString(".\n")
	return b.String()
}
