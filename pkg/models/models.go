package models

import (
	"fmt"
	"strings"
	"sync"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style: graph ops unqualified.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/backend"
)

// Fn builds a surrogate's graph: x is the input image batch [B, N, N, 1] (float32 or bfloat16), the
// result the predicted field [B, N, N, 1] of the same dtype. Variables are created in (or reused from)
// ctx, in x's dtype (BatchNorm's in float32 for a half-precision x: see the package documentation);
// dropout and BatchNorm follow ctx.IsTraining. As graph-building code it panics on
// an input of the wrong shape or dtype (context.Exec and train.Trainer turn the panic into an error).
type Fn func(ctx *context.Context, x *Node) *Node

// Build validates c and returns the function that builds its graph.
func Build(c Config) (Fn, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	return func(ctx *context.Context, x *Node) *Node {
		return buildModel(ctx, c, x, nil)
	}, nil
}

// Analysis lists the layers of a model as built, with its totals.
type Analysis struct {
	// Config is the analysed configuration, with its defaults filled in.
	Config Config `json:"config"`
	// Layers lists every operation in graph-building order (for dcnn-ae: NN1's, NN2's, then the sum).
	Layers []Layer `json:"layers"`
	// Params is the number of trainable parameters (PyTorch's count: weights, biases, BatchNorm scale
	// and offset).
	Params int `json:"params"`
	// State is the number of other variables: BatchNorm's moving mean, variance and GoMLX's averaging
	// weight (3 per channel).
	State int `json:"state"`
	// FLOPs is the forward cost of one sample (see the package documentation).
	FLOPs int64 `json:"flops"`
}

var (
	shapeBackendOnce sync.Once
	shapeBackend     *backend.Backend
	shapeBackendErr  error
)

// Analyze builds the graph of c for one float32 sample without compiling or running it, so no tensor
// is allocated (paper sizes are cheap), and returns its layers with their output shapes, parameter
// counts (from the variables created) and FLOPs. It uses the extended pure-Go backend only as the
// graph builder, whatever $GOMLX_BACKEND says.
func Analyze(c Config) (a *Analysis, err error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	shapeBackendOnce.Do(func() { shapeBackend, shapeBackendErr = backend.NewExtendedGo("") })
	if shapeBackendErr != nil {
		return nil, fmt.Errorf("models.Analyze: %w", shapeBackendErr)
	}
	g := NewGraph(shapeBackend, "models.Analyze")
	defer g.Finalize()
	ctx := context.New()
	var layers []Layer
	defer func() {
		if r := recover(); r != nil {
			a, err = nil, fmt.Errorf("models.Analyze(%s): %v", c.Describe(), r)
		}
	}()
	x := Parameter(g, "x", shapes.Make(dtypes.Float32, 1, c.Size, c.Size, 1))
	y := buildModel(ctx, c, x, &layers)
	if d := y.Shape().Dimensions; len(d) != 4 || d[1] != c.Size || d[2] != c.Size || d[3] != 1 {
		return nil, fmt.Errorf("models.Analyze(%s): output shape %s, want [1, %d, %d, 1]", c.Describe(), y.Shape(), c.Size, c.Size)
	}
	a = &Analysis{Config: c, Layers: layers}
	for _, l := range layers {
		a.Params += l.Params
		a.State += l.State
		a.FLOPs += l.FLOPs
	}
	return a, nil
}

// Row is one row of a paper-style table of the layers (see Analysis.Rows).
type Row struct {
	Branch string // "NN1", "NN2" or "".
	Op     string // Operation, e.g. "Conv 3 x 3".
	Act    string // Activation folded into the row ("Identity" if none, "-" for dropout and sums); "" when not folding.
	Shape  string // Output shape "C x H x W", or "-" where it equals the shape of the row above (as the papers print it).
	Detail string // Settings, e.g. "stride 2, pad 1".
	Params int    // Trainable parameters.
	FLOPs  int64  // Forward FLOPs per sample.
}

// Rows returns the layers as the papers' Table 1 lists them. With foldAct (the 2021 paper's style) each
// activation goes into the Act column of the row before it; without (the 2023 paper's style) it has
// its own row. A shape equal to the previous row's is "-", except for convolutions.
func (a *Analysis) Rows(foldAct bool) []Row {
	var rows []Row
	prevShape := ""
	for _, l := range a.Layers {
		if foldAct && l.Kind == KindActivation && len(rows) > 0 {
			rows[len(rows)-1].Act = l.Op
			continue
		}
		shape := l.ShapeString()
		r := Row{Branch: l.Branch, Op: l.Op, Shape: shape, Detail: l.Detail, Params: l.Params, FLOPs: l.FLOPs}
		if shape == prevShape && l.Kind != KindConv && l.Kind != KindConvT {
			r.Shape = "-"
		}
		prevShape = shape
		if foldAct {
			r.Act = "Identity"
			if l.Kind == KindDropout || l.Kind == KindSum {
				r.Act = "-"
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// Table renders Rows(false) in the style of the 2023 paper's Table 1, one row per operation, with the
// settings, the trainable parameters and the forward MFLOP per sample, and a line of totals.
func (a *Analysis) Table() string { return a.table(false) }

// TableWithAct renders Rows(true) in the style of the 2021 paper's Table 1, activations in an Act
// column, and a line of totals.
func (a *Analysis) TableWithAct() string { return a.table(true) }

func (a *Analysis) table(foldAct bool) string {
	rows := a.Rows(foldAct)
	hasBranch := false
	for _, r := range rows {
		hasBranch = hasBranch || r.Branch != ""
	}
	cells := [][]string{}
	header := []string{"Branch", "Operation", "Act", "Output shape", "Settings", "Params", "MFLOP"}
	for i, r := range append([]Row{{}}, rows...) {
		c := []string{r.Branch, r.Op, r.Act, r.Shape, r.Detail, "-", "-"}
		if i == 0 {
			c = header
		} else {
			if r.Params > 0 {
				c[5] = fmt.Sprint(r.Params)
			}
			if r.FLOPs > 0 {
				c[6] = fmt.Sprintf("%.4g", float64(r.FLOPs)/1e6)
			}
		}
		if !foldAct {
			c = append(c[:2], c[3:]...)
		}
		if !hasBranch {
			c = c[1:]
		}
		cells = append(cells, c)
	}
	widths := make([]int, len(cells[0]))
	for _, c := range cells {
		for i, s := range c {
			widths[i] = max(widths[i], len(s))
		}
	}
	var b strings.Builder
	for _, c := range cells {
		for i, s := range c {
			switch {
			case i >= len(c)-2: // Numbers right-aligned.
				fmt.Fprintf(&b, "  %*s", widths[i], s)
			case i == 0:
				fmt.Fprintf(&b, "%-*s", widths[i], s)
			default:
				fmt.Fprintf(&b, "  %-*s", widths[i], s)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s: %d parameters (+%d BatchNorm statistics), %.4g GFLOP forward per sample\n",
		a.Config.Describe(), a.Params, a.State, float64(a.FLOPs)/1e9)
	return b.String()
}
