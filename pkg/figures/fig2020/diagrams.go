package fig2020

import (
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scinet"
	"github.com/surrogo/surrogo/pkg/scinet/nn"
)

// Figures 3, 4 and 6 are diagrams in the paper: a feedforward network, an autoencoder and SciNet's
// structure. They are drawn here from the configurations of the models this reproduction trains:
// the one-hidden-layer nets of figures 7-10 and scinet.PaperModel (encoder [500, 100], 5 latents,
// decoder [100, 150], ELU, β = 0.01). The same at every scale.

func init() {
	for _, id := range []string{"2020-fig03", "2020-fig04", "2020-fig06"} {
		id := id
		figures.Register(figures.Def[DiagramResults]{ID: id, Compute: computeDiagram,
			Render:  func(run *figures.Run, r DiagramResults) error { return renderDiagram(run, id, r) },
			Summary: func(r DiagramResults) string { return summaryDiagram(id, r) }})
	}
}

// DiagramResults are the architectures the diagrams draw.
type DiagramResults struct {
	// Toy is the one-hidden-layer net of figures 7, 9 and 10 (ReLU or ELU), ToyParameters its size.
	Toy           nn.MLPSpec `json:"toy"`
	ToyParameters int        `json:"toy_parameters"`
	// SciNet is the model of the oscillator experiments, SciNetParameters its size.
	SciNet           scinet.ModelConfig `json:"scinet"`
	SciNetParameters int                `json:"scinet_parameters"`
}

func computeDiagram(*figures.Run) (DiagramResults, error) { return Architectures() }

// Architectures returns the nets the diagrams draw: the 1-8-1 toy net and the review's SciNet
// (scinet.PaperModel), with their parameter counts.
func Architectures() (DiagramResults, error) {
	toy := nn.MLPSpec{Inputs: 1, Hidden: []int{8}, Outputs: 1, Activation: nn.ReLU}
	m := scinet.PaperModel()
	if err := m.Validate(); err != nil {
		return DiagramResults{}, err
	}
	return DiagramResults{Toy: toy, ToyParameters: toy.Parameters(), SciNet: m, SciNetParameters: m.Parameters()}, nil
}

func renderDiagram(run *figures.Run, id string, r DiagramResults) error {
	fig, err := DiagramPlot(id, r)
	if err != nil {
		return err
	}
	fig.Stamp = figkit.Stamp(run.Scale, "", true)
	return save(run, fig)
}

// DiagramPlot draws the diagram of figure id ("2020-fig03": the feedforward nets, "2020-fig04":
// the autoencoder, "2020-fig06": SciNet) for the architectures r.
func DiagramPlot(id string, r DiagramResults) (*plots.Figure, error) {
	var fig *plots.Figure
	switch id {
	case "2020-fig03":
		fig = plots.NewFigure(1, 2, toyDiagram(r.Toy).Panel(), decoderDiagram(r.SciNet).Panel())
		fig.Title = "Feedforward networks trained here: (a) one hidden layer, figures 7, 9, 10; (b) SciNet's decoder, several hidden layers"
		fig.Width, fig.Height = 13*vg.Inch, 4.6*vg.Inch
	case "2020-fig04":
		fig = plots.Single(autoencoderDiagram(r.SciNet).Panel())
		fig.Title = "An autoencoder with an information bottleneck, trained to reproduce its input (the layer widths of the SciNet trained here)"
		fig.Width, fig.Height = 11*vg.Inch, 5*vg.Inch
	case "2020-fig06":
		fig = plots.Single(sciNetDiagram(r.SciNet).Panel())
		fig.Title = "SciNet as trained here: observation → encoder → latent representation (+ question) → decoder → answer"
		fig.Width, fig.Height = 12*vg.Inch, 5.6*vg.Inch
	default:
		return nil, fmt.Errorf("no diagram for %s", id)
	}
	fig.Letters = id == "2020-fig03"
	fig.DPI = 110 // thousands of anti-aliased edges: a lower resolution keeps the PNG small
	return fig, nil
}

// Node radius and spacing of the diagrams.
const (
	nodeR    vg.Length = 6.5
	nodeStep           = 5.2
)

// toyDiagram draws the 1-h-1 net with every neuron and every connection.
func toyDiagram(s nn.MLPSpec) *figkit.Diagram {
	d := &figkit.Diagram{W: 100, H: 60}
	h := s.Hidden[0]
	in := layerColumn(18, 32, s.Inputs, 12, nodeStep, inputFill)
	hid := layerColumn(50, 32, h, 12, nodeStep, hiddenFill)
	out := layerColumn(82, 32, s.Outputs, 12, nodeStep, outFill)
	d.Add(connect(in, hid)...)
	d.Add(connect(hid, out)...)
	d.Add(in.shapes(nodeR)...)
	d.Add(hid.shapes(nodeR)...)
	d.Add(out.shapes(nodeR)...)
	d.Add(figkit.Text(18, in.bottom()-6, "input x", font(9)))
	d.Add(figkit.Text(82, out.bottom()-6, "output y (linear)", font(9)))
	d.Add(figkit.Text(50, hid.bottom()-6, unitsText(h, "ReLU or ELU"), font(9)))
	d.Add(figkit.Text(50, 5, "y = b₂ + Σᵢ w₂ᵢ · ReLU(b₁ᵢ + w₁ᵢ x),   i = 1 … "+fmt.Sprint(h), italic(9.5)))
	d.Add(figkit.Text(50, 57, fmt.Sprintf("%d–%d–%d: %d parameters", s.Inputs, h, s.Outputs, s.Parameters()), bold(9.5)))
	return d
}

// chain lays out layers left to right between x0 and x1, centred on cy, and draws their nodes and
// connections. fills colour each layer; it returns the columns.
func chain(d *figkit.Diagram, widths []int, fills []color.Color, x0, x1, cy float64) []column {
	cols := make([]column, len(widths))
	for i, w := range widths {
		x := x0 + (x1-x0)*float64(i)/float64(len(widths)-1)
		cols[i] = layerColumn(x, cy, w, shownNodes(w), nodeStep*0.62, fills[i])
	}
	for i := 1; i < len(cols); i++ {
		d.Add(connect(cols[i-1], cols[i])...)
	}
	for _, c := range cols {
		d.Add(c.shapes(nodeR * 0.62)...)
	}
	return cols
}

// decoderDiagram draws SciNet's decoder as a plain feedforward net: latents → hidden layers → answer.
func decoderDiagram(m scinet.ModelConfig) *figkit.Diagram {
	d := &figkit.Diagram{W: 100, H: 60}
	widths := append(append([]int{m.Latent + m.Questions}, m.Decoder...), m.Outputs)
	fills := []color.Color{latentFill}
	for range m.Decoder {
		fills = append(fills, hiddenFill)
	}
	fills = append(fills, outFill)
	cols := chain(d, widths, fills, 14, 86, 31)
	for i, c := range cols {
		text := unitsText(widths[i], strings.ToUpper(string(m.Activation)))
		switch {
		case i == 0:
			text = fmt.Sprintf("input: %d latents", widths[i])
		case i == len(cols)-1:
			text = fmt.Sprintf("output: %d (linear)", widths[i])
		}
		d.Add(figkit.Text(c.x, 7, text, font(9)))
	}
	d.Add(figkit.Text(50, 57, fmt.Sprintf("%s: %d parameters", layersText(widths), nn.ParameterCount(widths[0], m.Decoder, m.Outputs)), bold(9.5)))
	return d
}

// widthsList formats widths as "[500, 100]".
func widthsList(widths []int) string {
	parts := make([]string, len(widths))
	for i, w := range widths {
		parts[i] = fmt.Sprint(w)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// layersText formats widths as "5 → 100 → 150 → 2".
func layersText(widths []int) string {
	parts := make([]string, len(widths))
	for i, w := range widths {
		parts[i] = fmt.Sprint(w)
	}
	return strings.Join(parts, " → ")
}

// autoencoderDiagram draws an autoencoder x → encoder → z → decoder → x′ with SciNet's widths.
func autoencoderDiagram(m scinet.ModelConfig) *figkit.Diagram {
	d := &figkit.Diagram{W: 120, H: 60}
	widths := append(append(append(append([]int{m.Inputs}, m.Encoder...), m.Latent), m.Decoder...), m.Inputs)
	var fills []color.Color
	for i := range widths {
		f := hiddenFill
		switch {
		case i == 0:
			f = inputFill
		case i == len(m.Encoder)+1:
			f = latentFill
		case i == len(widths)-1:
			f = outFill
		}
		fills = append(fills, f)
	}
	xs0, xs1 := 10.0, 110.0
	zi := len(m.Encoder) + 1
	step := (xs1 - xs0) / float64(len(widths)-1)
	zx := xs0 + step*float64(zi)
	d.Add(figkit.Rect(xs0-step*0.4, 9, zx-step*0.45, 53, encFill, nil))
	d.Add(figkit.Rect(zx+step*0.45, 9, xs1+step*0.4, 53, decFill, nil))
	cols := chain(d, widths, fills, xs0, xs1, 31)
	for i, c := range cols {
		text := unitsText(widths[i], strings.ToUpper(string(m.Activation)))
		switch {
		case i == 0:
			text = fmt.Sprintf("input x (%d)", widths[i])
		case i == zi:
			text = fmt.Sprintf("bottleneck z (%d)", widths[i])
		case i == len(cols)-1:
			text = fmt.Sprintf("reconstruction x′ (%d)", widths[i])
		}
		f := font(8.5)
		if i == zi {
			f = bold(8.5)
		}
		d.Add(figkit.Text(c.x, 5, text, f))
	}
	d.Add(figkit.Text((xs0+zx)/2, 56.5, "encoder E: z = E(x)", bold(10)))
	d.Add(figkit.Text((zx+xs1)/2, 56.5, "decoder D: x′ = D(z)", bold(10)))
	d.Add(figkit.Text(zx, 48, "loss ‖x′ − x‖²", italic(9)))
	return d
}

// sciNetDiagram draws SciNet: observation → encoder → latents (μ, σ; z = μ + σε) and question →
// decoder → answer, with the loss.
func sciNetDiagram(m scinet.ModelConfig) *figkit.Diagram {
	d := &figkit.Diagram{W: 130, H: 66}
	const cy = 36.0
	st := nodeStep * 0.62
	r := nodeR * 0.62
	// Columns: observation, encoder layers, latents, decoder layers, answer.
	n := 1 + len(m.Encoder) + 1 + len(m.Decoder) + 1
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = 10 + 110*float64(i)/float64(n-1)
	}
	var cols []column
	cols = append(cols, layerColumn(xs[0], cy, m.Inputs, 12, st*2, inputFill))
	for i, w := range m.Encoder {
		cols = append(cols, layerColumn(xs[1+i], cy, w, shownNodes(w), st, hiddenFill))
	}
	zi := 1 + len(m.Encoder)
	lat := layerColumn(xs[zi], cy+4, m.Latent, 12, st*1.4, latentFill)
	cols = append(cols, lat)
	for i, w := range m.Decoder {
		cols = append(cols, layerColumn(xs[zi+1+i], cy, w, shownNodes(w), st, hiddenFill))
	}
	cols = append(cols, layerColumn(xs[n-1], cy, m.Outputs, 12, st*2, outFill))
	// Question nodes below the latents (dashed when there are none: the oscillator experiments ask none).
	q := m.Questions
	qcol := layerColumn(xs[zi], lat.bottom()-9, max(q, 1), 12, st*1.4, inputFill)
	qcol.dashed = q == 0
	encStep := xs[1] - xs[0]
	d.Add(figkit.Rect(xs[1]-encStep*0.35, 12, xs[zi-1]+encStep*0.35, 58, encFill, nil))
	d.Add(figkit.Rect(xs[zi+1]-encStep*0.35, 12, xs[n-2]+encStep*0.35, 58, decFill, nil))
	for i := 1; i < len(cols); i++ {
		d.Add(connect(cols[i-1], cols[i])...)
	}
	qedge := edge
	if q == 0 {
		qedge = dashedEdge
	}
	for _, yq := range qcol.ys {
		for _, yd := range cols[zi+1].ys {
			d.Add(figkit.StyledLine(qcol.x, yq, cols[zi+1].x, yd, qedge, false))
		}
	}
	for i, c := range cols {
		rr := r
		if i == 0 || i == zi || i == len(cols)-1 {
			rr = nodeR * 0.8
		}
		d.Add(c.shapes(rr)...)
	}
	d.Add(qcol.shapes(nodeR * 0.8)...)
	// Labels.
	obsNames, ansNames := []string{"ω", "γ"}, []string{"φ", "A"}
	for i, y := range cols[0].ys {
		if i < len(obsNames) {
			d.Add(figkit.Text(xs[0]-5, y, obsNames[i], italic(10)))
		}
	}
	for i, y := range cols[n-1].ys {
		if i < len(ansNames) {
			d.Add(figkit.Text(xs[n-1]+5, y, ansNames[i], italic(10)))
		}
	}
	d.Add(figkit.Text(xs[0], 7.5, fmt.Sprintf("observation (%d)", m.Inputs), font(8.5)))
	d.Add(figkit.Text((xs[1]+xs[zi-1])/2, 61.5, fmt.Sprintf("encoder %s, %s", widthsList(m.Encoder), strings.ToUpper(string(m.Activation))), bold(9.5)))
	d.Add(figkit.Text((xs[zi+1]+xs[n-2])/2, 61.5, fmt.Sprintf("decoder %s, %s", widthsList(m.Decoder), strings.ToUpper(string(m.Activation))), bold(9.5)))
	d.Add(figkit.Text(xs[zi], lat.top()+5.5, fmt.Sprintf("%d latents (μ and ln σ each)", m.Latent), bold(9.5)))
	d.Add(figkit.Text(xs[zi], lat.top()+2.3, "z = μ + σ·ε, ε ~ N(0, 1)", italic(7.5)))
	qtext := fmt.Sprintf("question (%d)", q)
	if q == 0 {
		qtext = "question (none here)"
	}
	d.Add(figkit.Text(xs[zi], qcol.bottom()-4, qtext, font(8.5)))
	d.Add(figkit.Text(xs[n-1], 7.5, fmt.Sprintf("answer (%d)", m.Outputs), font(8.5)))
	d.Add(figkit.Text(65, 2.5, fmt.Sprintf("loss = ‖answer − target‖² + β · Σᵢ KL(N(μᵢ, σᵢ²) ‖ N(0, 1)),  β = %g;   evaluation uses z = μ", m.Beta), italic(9)))
	return d
}

func summaryDiagram(id string, r DiagramResults) string {
	m := r.SciNet
	switch id {
	case "2020-fig03":
		return fmt.Sprintf("The paper's figure 3 is a generic sketch (\"consuming high-dimensional input, passing through several hidden layers, and producing output\"). Drawn here from the configurations of nets this reproduction trains: (a) the %d–%d–%d net of figures 7, 9 and 10 (%d parameters, every neuron and connection drawn), whose function the paper writes out as y = b₂ + Σ w₂ᵢ ReLU(b₁ᵢ + w₁ᵢ x); (b) SciNet's decoder, %s (wide layers drawn with a few nodes and an ellipsis, in proportion to the logarithm of their width).\n",
			r.Toy.Inputs, r.Toy.Hidden[0], r.Toy.Outputs, r.ToyParameters, layersText(append(append([]int{m.Latent}, m.Decoder...), m.Outputs)))
	case "2020-fig04":
		return fmt.Sprintf("The paper's figure 4 is a generic autoencoder. Drawn here with the widths of the SciNet trained in this reproduction: %d → encoder %s → bottleneck of %d → decoder %s → %d, trained to reproduce its input (SciNet itself answers a different output, see figure 6). Wide layers are drawn with a number of nodes growing with the logarithm of their width.\n",
			m.Inputs, widthsList(m.Encoder), m.Latent, widthsList(m.Decoder), m.Inputs)
	}
	return fmt.Sprintf("The paper's figure 6 copies figure 1b of Iten et al. Drawn here from scinet.PaperModel, the model of every oscillator experiment: observation (ω, γ) → encoder %s → %d latents (means μ and log standard deviations) → decoder %s (with question inputs, none in these experiments) → answer (φ, A); ELU, β = %g, %d parameters — the review's \"maximum dimensions that [3] had used for all hidden layers\".\n",
		widthsList(m.Encoder), m.Latent, widthsList(m.Decoder), m.Beta, r.SciNetParameters)
}
