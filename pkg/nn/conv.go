package nn

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style: graph ops unqualified.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/pkg/errors"
)

// Padding of a 2-D convolution: explicit [low, high] amounts per spatial axis (height, width).
type Padding [2][2]int

// PadSymmetric returns the padding p on every side.
func PadSymmetric(p int) Padding { return Padding{{p, p}, {p, p}} }

// PadSame returns the padding that keeps the spatial size of a stride-1 convolution with a k x k kernel:
// (k-1)/2 before and k/2 after (PyTorch's padding="same" and GoMLX's PadSame).
func PadSame(k int) Padding { return Padding{{(k - 1) / 2, k / 2}, {(k - 1) / 2, k / 2}} }

// ConvOutputSize is the output length of a convolution along one axis:
// floor((in + padLow + padHigh - kernel) / stride) + 1.
func ConvOutputSize(in, kernel, stride, padLow, padHigh int) int {
	return (in+padLow+padHigh-kernel)/stride + 1
}

// ConvTransposeOutputSize is the output length of a transposed convolution along one axis, PyTorch's
// formula: (in-1)*stride - 2*pad + kernel.
func ConvTransposeOutputSize(in, kernel, stride, pad int) int {
	return (in-1)*stride - 2*pad + kernel
}

// Conv2DBuilder configures a 2-D convolution layer; create it with Conv2D, finish it with Done.
type Conv2DBuilder struct {
	ctx              *context.Context
	x                *Node
	channels, kernel int
	stride           int
	padding          Padding
	bias             bool
	scope            string
	transposed       bool
	transposedPad    int
}

// Conv2D prepares a 2-D convolution of x, shaped [batch, height, width, inChannels] (channels last), with
// `channels` output channels and a kernel x kernel window. Its variables, created in the sub-scope
// "conv2d" of ctx (give each layer its own ctx.In(name)), are "weights" [kernel, kernel, inChannels,
// channels], initialized by the context's initializer, and "biases" [channels], initialized to zero.
// The default is stride 1, "same" padding (PadSame) and a bias; Done returns the output
// [batch, outHeight, outWidth, channels].
func Conv2D(ctx *context.Context, x *Node, channels, kernel int) *Conv2DBuilder {
	return &Conv2DBuilder{ctx: ctx, x: x, channels: channels, kernel: kernel, stride: 1,
		padding: PadSame(kernel), bias: true, scope: "conv2d"}
}

// ConvTranspose2D prepares a 2-D transposed convolution of x [batch, height, width, inChannels] with
// PyTorch's ConvTranspose2d semantics: every input pixel i scatters x[i]*w[m] to the output position
// i*stride + m - pad, so the output size is ConvTransposeOutputSize(in, kernel, stride, pad). The
// variables, in the sub-scope "conv_transpose2d", are "weights" [kernel, kernel, inChannels, channels]
// (PyTorch's weight [in, out, kH, kW] transposed to (kH, kW, in, out)) and "biases" [channels].
// The default is stride 1, pad 0 and a bias.
//
// A stride-1 transposed convolution is a convolution with the spatially flipped kernel and padding
// kernel-1-pad; with stride s it is computed as s*s stride-1 convolutions of the input with the
// sub-kernels w[r1::s, r2::s] (one per output phase), interleaved: no multiplication by inserted zeros
// (but even-sized sub-kernels, e.g. 2x2 for k=3 or 4 with s=2, are padded to odd sizes: see conv2D).
func ConvTranspose2D(ctx *context.Context, x *Node, channels, kernel int) *Conv2DBuilder {
	return &Conv2DBuilder{ctx: ctx, x: x, channels: channels, kernel: kernel, stride: 1,
		bias: true, scope: "conv_transpose2d", transposed: true}
}

// Stride sets the stride (both axes).
func (c *Conv2DBuilder) Stride(s int) *Conv2DBuilder {
	c.stride = s
	return c
}

// Padding sets an explicit padding. For a transposed convolution only symmetric padding (the same
// amount on every side, PyTorch's `padding`) is supported: use PadSymmetric or Pad.
func (c *Conv2DBuilder) Padding(p Padding) *Conv2DBuilder {
	c.padding = p
	c.transposedPad = p[0][0]
	return c
}

// Pad sets the padding p on every side (PyTorch's integer `padding`).
func (c *Conv2DBuilder) Pad(p int) *Conv2DBuilder { return c.Padding(PadSymmetric(p)) }

// NoBias removes the bias term.
func (c *Conv2DBuilder) NoBias() *Conv2DBuilder {
	c.bias = false
	return c
}

// Done creates the variables and the graph of the layer. Invalid configurations panic, as GoMLX graph
// building does (graph construction reports errors by panicking; context.Exec turns them into errors).
func (c *Conv2DBuilder) Done() *Node {
	if err := c.validate(); err != nil {
		panic(err)
	}
	ctx := c.ctx.In(c.scope)
	x := c.x
	cin := x.Shape().Dimensions[3]
	dtype := x.DType()
	w := ctx.VariableWithShape("weights", shapes.Make(dtype, c.kernel, c.kernel, cin, c.channels)).ValueGraph(x.Graph())
	var y *Node
	if c.transposed {
		y = convTranspose2D(x, w, c.stride, c.transposedPad)
	} else {
		y = conv2D(x, w, c.stride, c.padding)
	}
	if c.bias {
		b := ctx.WithInitializer(initializers.Zero).VariableWithShape("biases", shapes.Make(dtype, c.channels)).ValueGraph(x.Graph())
		y = Add(y, Reshape(b, 1, 1, 1, c.channels))
	}
	return y
}

func (c *Conv2DBuilder) validate() error {
	name := "nn.Conv2D"
	if c.transposed {
		name = "nn.ConvTranspose2D"
	}
	x := c.x
	if x.Rank() != 4 {
		return errors.Errorf("%s: input must be [batch, height, width, channels], got %s", name, x.Shape())
	}
	if c.channels < 1 || c.kernel < 1 || c.stride < 1 {
		return errors.Errorf("%s: channels (%d), kernel (%d) and stride (%d) must be >= 1", name, c.channels, c.kernel, c.stride)
	}
	for axis := range 2 {
		in := x.Shape().Dimensions[1+axis]
		if c.transposed {
			if c.padding[0] != [2]int{c.transposedPad, c.transposedPad} || c.padding[1] != c.padding[0] {
				return errors.Errorf("%s: padding must be the same on every side, got %v", name, c.padding)
			}
			if c.transposedPad < 0 {
				return errors.Errorf("%s: negative padding %d", name, c.transposedPad)
			}
			if out := ConvTransposeOutputSize(in, c.kernel, c.stride, c.transposedPad); out < 1 {
				return errors.Errorf("%s: input size %d, kernel %d, stride %d, pad %d give output size %d",
					name, in, c.kernel, c.stride, c.transposedPad, out)
			}
			continue
		}
		p := c.padding[axis]
		if p[0] < 0 || p[1] < 0 {
			return errors.Errorf("%s: negative padding %v", name, c.padding)
		}
		if in+p[0]+p[1] < c.kernel {
			return errors.Errorf("%s: padded input size %d smaller than kernel %d (input %s, padding %v)",
				name, in+p[0]+p[1], c.kernel, x.Shape(), c.padding)
		}
	}
	return nil
}

// conv2D convolves x [B, H, W, Cin] with w [kh, kw, Cin, Cout].
//
// It works around two limitations of GoMLX v0.25's gradient of a convolution with respect to its input
// (on every backend): with an even-sized kernel the gradient is shifted by one pixel (the reverse
// convolution is padded as if the kernel were odd), and a padding larger than kernel-1 on a side makes
// it panic. At stride 1, an even kernel axis with low padding has its gradient shifted back
// (shiftEvenAxes); any other even kernel axis is extended by a trailing zero row/column (and the high
// padding by one: same output, 1/k more multiplications). Padding beyond kernel-1 is added to x
// explicitly, with zeros concatenated (differentiable).
func conv2D(x, w *Node, stride int, padding Padding) *Node {
	pads := [][2]int{padding[0], padding[1]}
	var shifted [2]bool
	if stride == 1 {
		x, shifted = shiftEvenAxes(x, w, pads)
	}
	for axis := range 2 {
		if w.Shape().Dimensions[axis]%2 == 0 && !shifted[axis] {
			zero := ZerosLike(SliceAxis(w, axis, AxisRange(0, 1)))
			w = Concatenate([]*Node{w, zero}, axis)
			pads[axis][1]++
		}
	}
	for axis := range 2 {
		k := w.Shape().Dimensions[axis]
		lo, hi := max(pads[axis][0]-(k-1), 0), max(pads[axis][1]-(k-1), 0)
		if lo > 0 || hi > 0 {
			x = padZerosAxis(x, 1+axis, lo, hi)
			pads[axis][0] -= lo
			pads[axis][1] -= hi
		}
	}
	return Convolve(x, w).StridePerAxis(stride, stride).PaddingPerDim(pads).Done()
}

// shiftEvenAxes handles, for a stride-1 convolution, the even kernel axes that have low padding
// (the 2x2 sub-kernels of the sub-pixel transposed convolutions, padded 1 on each side) without
// extending the kernel: GoMLX v0.25 computes the input gradient of an even kernel axis with the
// reverse convolution's padding one lower at the start and one higher at the end than it should be,
// so its gradient at input position i is the true gradient at i+1 (and it cannot set up a low padding
// above k-2 at all). Here the low padding is added to x explicitly (zeros, differentiable), so that
// the convolution's own low padding is 0, and the gradient reaching the padded x is shifted back by
// one position along those axes by a custom gradient: the true gradient of the first padded row, the
// one GoMLX does not compute, belongs to a row of zeros and is not needed. It returns x so padded,
// with pads updated in place, and which spatial axes it handled (conv2D extends the kernel along the
// others).
func shiftEvenAxes(x, w *Node, pads [][2]int) (*Node, [2]bool) {
	var shifted [2]bool
	var axes []int
	for axis := range 2 {
		k := w.Shape().Dimensions[axis]
		if k%2 != 0 || pads[axis][0] < 1 || pads[axis][1] > k-1 {
			continue
		}
		x = padZerosAxis(x, 1+axis, pads[axis][0], 0)
		pads[axis][0] = 0
		shifted[axis] = true
		axes = append(axes, 1+axis)
	}
	if len(axes) == 0 {
		return x, shifted
	}
	return IdentityWithCustomGradient(x, func(_, v *Node) *Node {
		for _, axis := range axes {
			n := v.Shape().Dimensions[axis]
			v = padZerosAxis(SliceAxis(v, axis, AxisRange(0, n-1)), axis, 1, 0)
		}
		return v
	}), shifted
}

// flip2D reverses the two spatial axes of a kernel [kh, kw, Cin, Cout] (see flipAxes).
func flip2D(w *Node) *Node { return flipAxes(w, 0, 1) }

// flipAxes reverses the given axes of w. graph.Reverse has no gradient in GoMLX v0.25, so the gradient
// is supplied: the result is Reverse(w) + (w - w), where only the second term carries a gradient, and a
// custom gradient on the sum reverses it. The value is exactly Reverse(w) (w - w is 0 for every finite
// w); forward and backward are each one pass over the kernel.
func flipAxes(w *Node, axes ...int) *Node {
	var flip []int
	for _, axis := range axes {
		if w.Shape().Dimensions[axis] > 1 {
			flip = append(flip, axis)
		}
	}
	if len(flip) == 0 {
		return w
	}
	flipped := Reverse(StopGradient(w), flip...)
	carrier := Sub(w, StopGradient(w)) // Zero, with the identity as its gradient.
	return IdentityWithCustomGradient(Add(flipped, carrier), func(_, v *Node) *Node {
		return Reverse(v, flip...)
	})
}

// convTranspose2D computes PyTorch's conv_transpose2d(x, w, stride, pad) in channels-last layout, with
// w [k, k, Cin, Cout]. Along each axis, output position t+pad = q*stride + r (phase r) receives
// sum_u x[q-u] * w[r + u*stride]: a stride-1 convolution of x with the phase's sub-kernel flipped. With
// the kernel zero-padded to taps*stride per axis (taps = ceil(k/stride)), every phase has taps taps and
// the same padding, so the stride*stride phases are computed by ONE convolution whose output channels
// are the phases' (the sub-pixel form: the kernel rearranged by Reshape and Transpose, the phases
// interleaved back by Reshape and Transpose), then cropped. Only convolutions, Reshapes, Transposes,
// Concatenates and Slices are used: their gradients are defined (GoMLX's graph cannot differentiate a
// convolution with input dilation), and on XLA the convolution is native.
func convTranspose2D(x, w *Node, stride, pad int) *Node {
	k := w.Shape().Dimensions[0]
	cin, cout := w.Shape().Dimensions[2], w.Shape().Dimensions[3]
	if stride == 1 {
		return conv2D(x, flip2D(w), 1, PadSymmetric(k-1-pad))
	}
	batch, h, wd := x.Shape().Dimensions[0], x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	if h == 1 && wd == 1 {
		return convTranspose2DPixel(x, w, pad)
	}
	s := stride
	taps := (k + s - 1) / s
	if kp := taps * s; kp > k { // Zero taps at the end: w[r + u*s] = 0 for r + u*s >= k.
		w = padZerosAxis(padZerosAxis(w, 0, 0, kp-k), 1, 0, kp-k)
	}
	// [kp, kp, Cin, Cout] -> [u1, r1, u2, r2, Cin, Cout] (index u*s + r), each phase's taps flipped,
	// -> [u1, u2, Cin, r1, r2, Cout] -> [taps, taps, Cin, s*s*Cout].
	w6 := flipAxes(Reshape(w, taps, s, taps, s, cin, cout), 0, 2)
	wAll := Reshape(TransposeAllDims(w6, 0, 2, 4, 1, 3, 5), taps, taps, cin, s*s*cout)
	q1, q2 := h-1+taps, wd-1+taps                                                // Phase lengths: q*s + r covers (in-1)*s + k.
	y := conv2D(x, wAll, 1, Padding{{taps - 1, taps - 1}, {taps - 1, taps - 1}}) // [B, Q1, Q2, s*s*Cout]
	y = TransposeAllDims(Reshape(y, batch, q1, q2, s, s, cout), 0, 1, 3, 2, 4, 5)
	full := Reshape(y, batch, q1*s, q2*s, cout) // [B, Q1, s, Q2, s, Cout] interleaved.
	outH := ConvTransposeOutputSize(h, k, s, pad)
	outW := ConvTransposeOutputSize(wd, k, s, pad)
	return Slice(full, AxisRange(), AxisRange(pad, pad+outH), AxisRange(pad, pad+outW))
}

// convTranspose2DPixel is convTranspose2D of a 1x1 input (the 2021 NN2's first decoder layer): the
// stride plays no part, and output pixel (i, j) is x times the kernel tap (i+pad, j+pad), so the
// layer is a matrix product per tap, [B, Cin] x [Cin, Cout], with the taps as the batch axis of one
// DotGeneral: the useful multiplications only (the sub-pixel form multiplies the kernel zero-padded
// and extended to 4x its size, and rearranges it every step), and the kernel, its gradient and the
// input's gradient all stay in their natural layouts (no pass over the kernel but the products).
func convTranspose2DPixel(x, w *Node, pad int) *Node {
	k := w.Shape().Dimensions[0]
	if pad > 0 {
		w = Slice(w, AxisRange(pad, k-pad), AxisRange(pad, k-pad))
		k -= 2 * pad
	}
	batch, cin, cout := x.Shape().Dimensions[0], x.Shape().Dimensions[3], w.Shape().Dimensions[3]
	taps := k * k
	xb := BroadcastToDims(Reshape(x, 1, batch, cin), taps, batch, cin)
	y := DotGeneral(xb, []int{2}, []int{0}, Reshape(w, taps, cin, cout), []int{1}, []int{0}) // [taps, B, Cout]
	return Reshape(TransposeAllDims(y, 1, 0, 2), batch, k, k, cout)
}

// String describes the layer configuration, e.g. "Conv2D(16, 3x3, stride 1, padding [[1 1] [1 1]])".
func (c *Conv2DBuilder) String() string {
	if c.transposed {
		return fmt.Sprintf("ConvTranspose2D(%d, %dx%d, stride %d, pad %d)", c.channels, c.kernel, c.kernel, c.stride, c.transposedPad)
	}
	return fmt.Sprintf("Conv2D(%d, %dx%d, stride %d, padding %v)", c.channels, c.kernel, c.kernel, c.stride, c.padding)
}
