package nn

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style: graph ops unqualified.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/batchnorm"
	"github.com/pkg/errors"
)

// Context hyperparameters read by the *FromContext functions and by BatchNorm.
const (
	// ParamLeakyReLUSlope is the slope of LeakyReLU for negative inputs (float64, default 0.02: both papers).
	ParamLeakyReLUSlope = "nn_leaky_relu_slope"

	// ParamBatchNormMomentum is the weight of the old value in BatchNorm's moving averages (float64, default
	// 0.9: PyTorch's and Flux's momentum 0.1 for the new value).
	ParamBatchNormMomentum = "nn_batchnorm_momentum"

	// ParamBatchNormEpsilon is added to the variance by BatchNorm (float64, default 1e-5: PyTorch and Flux).
	ParamBatchNormEpsilon = "nn_batchnorm_epsilon"
)

// Defaults of the context hyperparameters.
const (
	DefaultLeakyReLUSlope    = 0.02
	DefaultBatchNormMomentum = 0.9
	DefaultBatchNormEpsilon  = 1e-5
)

// LeakyReLU returns x where x >= 0 and slope*x elsewhere.
func LeakyReLU(x *Node, slope float64) *Node {
	return activations.LeakyReluWithAlpha(x, slope)
}

// LeakyReLUFromContext is LeakyReLU with the slope ParamLeakyReLUSlope of ctx (default 0.02).
func LeakyReLUFromContext(ctx *context.Context, x *Node) *Node {
	return LeakyReLU(x, context.GetParamOr(ctx, ParamLeakyReLUSlope, DefaultLeakyReLUSlope))
}

// checkImage panics (GoMLX graph-building convention) unless x is [batch, height, width, channels].
func checkImage(op string, x *Node) {
	if x.Rank() != 4 {
		panic(errors.Errorf("%s: input must be [batch, height, width, channels], got %s", op, x.Shape()))
	}
}

// AvgPool2 averages non-overlapping 2x2 windows of x [batch, height, width, channels] (PyTorch's
// AvgPool2d(2), Flux's MeanPool((2,2))): the output is [batch, height/2, width/2, channels], rounding
// down, so the last row (column) of an odd size is dropped, as those do. It is a Reshape to
// [batch, h/2, 2, w/2, 2, channels] and a mean over the two window axes: exact, with a plain
// (broadcast) gradient.
func AvgPool2(x *Node) *Node {
	return AvgPool2Padded(x, 0)
}

// AvgPool2Padded is Flux's MeanPool((2,2); pad=pad): x is padded with pad zeros on every side, then
// 2x2 windows are averaged with stride 2, dividing by 4 even where the window covers padding (NNlib's
// meanpool divides by the window size). The output size is floor((size + 2*pad) / 2): the 2021 NN2
// goes 100 -> 50 (pad 0), 50 -> 26 (pad 1), 26 -> 13, 13 -> 6, 6 -> 3.
func AvgPool2Padded(x *Node, pad int) *Node {
	checkImage("nn.AvgPool2", x)
	if pad < 0 {
		panic(errors.Errorf("nn.AvgPool2Padded: negative pad %d", pad))
	}
	if pad > 0 {
		x = padZeros2D(x, pad)
	}
	dims := x.Shape().Dimensions
	b, h, w, c := dims[0], dims[1], dims[2], dims[3]
	if h < 2 || w < 2 {
		panic(errors.Errorf("nn.AvgPool2: spatial size %dx%d (after padding %d) is smaller than the 2x2 window", h, w, pad))
	}
	if h%2 != 0 || w%2 != 0 {
		x = Slice(x, AxisRange(), AxisRange(0, h/2*2), AxisRange(0, w/2*2))
	}
	x = Reshape(x, b, h/2, 2, w/2, 2, c)
	return ReduceMean(x, 2, 4)
}

// padZeros2D adds pad zeros on every side of the spatial axes of x [B, H, W, C].
func padZeros2D(x *Node, pad int) *Node {
	return padZerosAxis(padZerosAxis(x, 1, pad, pad), 2, pad, pad)
}

// padZerosAxis adds lo zeros before and hi zeros after axis of x, with Concatenate (differentiable; the
// graph package defines no gradient for Pad).
func padZerosAxis(x *Node, axis, lo, hi int) *Node {
	parts := make([]*Node, 0, 3)
	for _, n := range []int{lo, -1, hi} {
		switch {
		case n < 0:
			parts = append(parts, x)
		case n > 0:
			shape := x.Shape().Clone()
			shape.Dimensions[axis] = n
			parts = append(parts, Zeros(x.Graph(), shape))
		}
	}
	return Concatenate(parts, axis)
}

// Upsample2 repeats every pixel of x [batch, height, width, channels] into a 2x2 block (nearest
// neighbour, PyTorch's Upsample(scale_factor=2)): Reshape to [batch, h, 1, w, 1, c], broadcast to
// [batch, h, 2, w, 2, c], Reshape to [batch, 2h, 2w, c]. Exact; its gradient is a plain sum over each
// block (graph.Interpolate's gradient goes through a scatter that XLA handles badly).
func Upsample2(x *Node) *Node {
	checkImage("nn.Upsample2", x)
	dims := x.Shape().Dimensions
	b, h, w, c := dims[0], dims[1], dims[2], dims[3]
	x = Reshape(x, b, h, 1, w, 1, c)
	x = BroadcastToDims(x, b, h, 2, w, 2, c)
	return Reshape(x, b, 2*h, 2*w, c)
}

// BatchNorm normalizes x [batch, ..., channels] per channel (the last axis) with GoMLX's batchnorm layer
// (variables in the sub-scope "batch_normalization" of ctx): during training with the batch statistics,
// updating moving averages; otherwise with the averages. Momentum and epsilon come from the context
// parameters ParamBatchNormMomentum and ParamBatchNormEpsilon (PyTorch/Flux defaults). On the extended
// pure-Go backend (package backend) it runs on the composed BatchNorm ops; on XLA on its native ones.
func BatchNorm(ctx *context.Context, x *Node) *Node {
	return batchnorm.New(ctx, x, -1).
		Momentum(context.GetParamOr(ctx, ParamBatchNormMomentum, DefaultBatchNormMomentum)).
		Epsilon(context.GetParamOr(ctx, ParamBatchNormEpsilon, DefaultBatchNormEpsilon)).
		Done()
}

// Dropout zeroes each element of x with probability rate during training (ctx.IsTraining) and scales
// the kept ones by 1/(1-rate), so that the expectation is unchanged; outside training, and for rate <= 0,
// it returns x. It is GoMLX's layers.DropoutStatic.
func Dropout(ctx *context.Context, x *Node, rate float64) *Node {
	if rate >= 1 {
		panic(errors.Errorf("nn.Dropout: rate %g must be < 1", rate))
	}
	return layers.DropoutStatic(ctx, x, rate)
}
