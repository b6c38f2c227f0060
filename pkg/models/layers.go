package models

import (
	"fmt"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style: graph ops unqualified.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/pkg/errors"
	"github.com/surrogo/surrogo/pkg/nn"
)

// Kind classifies a layer of an Analysis.
type Kind string

// Layer kinds.
const (
	KindConv       Kind = "conv"       // Convolution.
	KindConvT      Kind = "convT"      // Transposed convolution.
	KindBatchNorm  Kind = "batchnorm"  // Batch normalization.
	KindActivation Kind = "activation" // LeakyReLU or ReLU.
	KindPool       Kind = "pool"       // 2x2 mean pooling.
	KindUpsample   Kind = "upsample"   // Nearest-neighbour x2 upsampling.
	KindDropout    Kind = "dropout"    // Dropout (identity outside training).
	KindSum        Kind = "sum"        // Weighted sum of branches.
)

// Layer is one operation of a model, as built: its output shape and its cost per sample.
type Layer struct {
	// Branch is the sub-network the layer belongs to ("NN1" or "NN2" for dcnn-ae; "" otherwise).
	Branch string `json:"branch,omitempty"`
	// Kind classifies the operation.
	Kind Kind `json:"kind"`
	// Op is the operation as the papers' Table 1 names it, e.g. "Conv 3 x 3", "LReLU(0.02)", "Meanpool".
	Op string `json:"op"`
	// Detail gives the settings the table leaves out, e.g. "stride 2, pad 1", "rate 0.4", "valid".
	Detail string `json:"detail,omitempty"`
	// Channels, Height and Width are the output shape of one sample (the papers' C x H x W).
	Channels int `json:"channels"`
	Height   int `json:"height"`
	Width    int `json:"width"`
	// Params counts the trainable parameters the layer created.
	Params int `json:"params"`
	// State counts its non-trainable variables (BatchNorm's moving mean, variance and weight).
	State int `json:"state,omitempty"`
	// FLOPs is the forward cost per sample, 2 per multiply-add (convolutions only; see the package
	// documentation).
	FLOPs int64 `json:"flops"`
}

// ShapeString returns the output shape as the papers print it, e.g. "64 x 512 x 512".
func (l Layer) ShapeString() string {
	return fmt.Sprintf("%d x %d x %d", l.Channels, l.Height, l.Width)
}

// net builds layers in GoMLX's style and, when trace is non-nil, appends each to it.
type net struct {
	root   *context.Context // For counting variables.
	trace  *[]Layer
	branch string
	slope  float64
	bn     bool
}

// record appends a layer with output y, counting the variables created since before.
func (n *net) record(y *Node, kind Kind, op, detail string, flops int64, before [2]int) {
	if n.trace == nil {
		return
	}
	after := n.countVariables()
	d := y.Shape().Dimensions
	*n.trace = append(*n.trace, Layer{Branch: n.branch, Kind: kind, Op: op, Detail: detail,
		Channels: d[3], Height: d[1], Width: d[2],
		Params: after[0] - before[0], State: after[1] - before[1], FLOPs: flops})
}

// countVariables returns the sizes of the trainable and of the other variables of the context; only
// used when tracing.
func (n *net) countVariables() [2]int {
	var c [2]int
	if n.trace == nil {
		return c
	}
	for v := range n.root.IterVariables() {
		if v.Trainable {
			c[0] += v.Shape().Size()
		} else {
			c[1] += v.Shape().Size()
		}
	}
	return c
}

// conv is a k x k convolution with `channels` outputs, stride 1 and symmetric padding pad.
func (n *net) conv(ctx *context.Context, x *Node, channels, k, pad int) *Node {
	before := n.countVariables()
	y := nn.Conv2D(ctx, x, channels, k).Pad(pad).Done()
	d := y.Shape().Dimensions
	flops := 2 * int64(d[1]) * int64(d[2]) * int64(k*k) * int64(x.Shape().Dimensions[3]) * int64(channels)
	detail := fmt.Sprintf("pad %d", pad)
	if pad == 0 {
		detail = "valid"
	}
	n.record(y, KindConv, fmt.Sprintf("Conv %d x %d", k, k), detail, flops, before)
	return y
}

// convT is a k x k transposed convolution (PyTorch semantics) with `channels` outputs.
func (n *net) convT(ctx *context.Context, x *Node, channels, k, stride, pad int) *Node {
	before := n.countVariables()
	y := nn.ConvTranspose2D(ctx, x, channels, k).Stride(stride).Pad(pad).Done()
	d := x.Shape().Dimensions
	flops := 2 * int64(d[1]) * int64(d[2]) * int64(k*k) * int64(d[3]) * int64(channels)
	n.record(y, KindConvT, fmt.Sprintf("ConvT %d x %d", k, k), fmt.Sprintf("stride %d, pad %d", stride, pad), flops, before)
	return y
}

// batchNorm normalizes per channel, unless the model has no BatchNorm. For a half-precision x
// (bfloat16, float16) it normalizes in float32, with float32 variables, and converts back: the batch
// statistics are means over batch*height*width values, which half-precision accumulation ruins (GoMLX's
// pure-Go backend rounds a bfloat16 sum to bfloat16 after every addition).
func (n *net) batchNorm(ctx *context.Context, x *Node) *Node { return n.batchNormScaled(ctx, x, 0) }

// batchNormScaled is batchNorm with the scale started at scale (0 or 1: the default 1).
func (n *net) batchNormScaled(ctx *context.Context, x *Node, scale float64) *Node {
	if !n.bn {
		return x
	}
	before := n.countVariables()
	if scale != 0 && scale != 1 {
		// The scale variable, in the dtype BatchNorm computes in, created before BatchNorm reuses it.
		var value any = slices.Repeat([]float32{float32(scale)}, x.Shape().Dimensions[x.Rank()-1])
		if x.DType() == dtypes.Float64 {
			value = slices.Repeat([]float64{scale}, x.Shape().Dimensions[x.Rank()-1])
		}
		ctx = ctx.Checked(false)
		ctx.In("batch_normalization").VariableWithValue("scale", value)
	}
	var y *Node
	if dtype := x.DType(); dtype == dtypes.BFloat16 || dtype == dtypes.Float16 {
		y = ConvertDType(nn.BatchNorm(ctx, ConvertDType(x, dtypes.Float32)), dtype)
	} else {
		y = nn.BatchNorm(ctx, x)
	}
	n.record(y, KindBatchNorm, "BatchNorm", "", 0, before)
	return y
}

// outputBatchNorm is batchNorm for the BatchNorm that ends a 2021 branch, its scale started at
// scale (0 or 1: GoMLX's and Flux's 1) instead; see Config.OutputScale. A scale that already exists
// (a restored checkpoint) keeps its value.
func (n *net) outputBatchNorm(ctx *context.Context, x *Node, scale float64) *Node {
	return n.batchNormScaled(ctx, x, scale)
}

// leaky is LeakyReLU with the model's slope.
func (n *net) leaky(x *Node) *Node {
	y := nn.LeakyReLU(x, n.slope)
	n.record(y, KindActivation, fmt.Sprintf("LReLU(%g)", n.slope), "", 0, n.countVariables())
	return y
}

// relu is the rectified linear unit.
func (n *net) relu(x *Node) *Node {
	y := activations.Relu(x)
	n.record(y, KindActivation, "ReLU", "", 0, n.countVariables())
	return y
}

// pool is 2x2 mean pooling with Flux's pad; op is the name the paper uses.
func (n *net) pool(x *Node, pad int, op string) *Node {
	y := nn.AvgPool2Padded(x, pad)
	detail := ""
	if pad > 0 {
		detail = fmt.Sprintf("pad %d", pad)
	}
	n.record(y, KindPool, op, detail, 0, n.countVariables())
	return y
}

// upsample is nearest-neighbour x2 upsampling.
func (n *net) upsample(x *Node) *Node {
	y := nn.Upsample2(x)
	n.record(y, KindUpsample, "Upsample", "nearest x2", 0, n.countVariables())
	return y
}

// dropout is recorded even at rate 0, as the paper's table lists it.
func (n *net) dropout(ctx *context.Context, x *Node, rate float64, op string) *Node {
	y := nn.Dropout(ctx, x, rate)
	n.record(y, KindDropout, op, fmt.Sprintf("rate %g", rate), 0, n.countVariables())
	return y
}

// buildModel builds the graph of c (already validated, with defaults) for x, recording the layers in
// trace when non-nil.
func buildModel(ctx *context.Context, c Config, x *Node, trace *[]Layer) *Node {
	if x.Rank() != 4 || x.Shape().Dimensions[1] != c.Size || x.Shape().Dimensions[2] != c.Size || x.Shape().Dimensions[3] != 1 {
		panic(errors.Errorf("models: %s expects an input [batch, %d, %d, 1], got %s", c.Name, c.Size, c.Size, x.Shape()))
	}
	if !x.DType().IsFloat() {
		panic(errors.Errorf("models: %s expects a float input (float32 or bfloat16), got %s", c.Name, x.DType()))
	}
	n := &net{root: ctx, trace: trace, slope: c.LeakySlope, bn: !c.NoBatchNorm}
	switch c.Name {
	case EDCNN:
		return buildEDCNN(ctx, c, x, n)
	case DCNNAE:
		return buildDCNNAE(ctx, c, x, n)
	}
	panic(unknownName(c.Name))
}
