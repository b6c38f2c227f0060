package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/surrogo/surrogo/pkg/backend"
)

// testBackend is the extended pure-Go backend.
var testBackend = func() backends.Backend {
	b, err := backend.NewExtendedGo("")
	if err != nil {
		panic(err)
	}
	return b
}()

func randFloats(rng *rand.Rand, n int) []float32 {
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = float32(rng.Float64()*2 - 1)
	}
	return xs
}

// assertClose compares a float32 tensor with a float64 reference to float32 precision (tol is scaled by
// scale, the magnitude of the summed terms).
func assertClose(t *testing.T, what string, got *tensors.Tensor, want []float64, scale float64) {
	t.Helper()
	flat := tensors.MustCopyFlatData[float32](got)
	if len(flat) != len(want) {
		t.Fatalf("%s: got %d values (shape %s), want %d", what, len(flat), got.Shape(), len(want))
	}
	tol := 1e-5 * math.Max(scale, 1)
	for i := range want {
		if d := math.Abs(float64(flat[i]) - want[i]); !(d <= tol) {
			t.Fatalf("%s: element %d = %g, want %g (|diff| %.3g > %.3g)", what, i, flat[i], want[i], d, tol)
		}
	}
}

// img is a channels-last image batch for the references.
type img struct {
	b, h, w, c int
	v          []float64
}

func newImg(b, h, w, c int) img { return img{b, h, w, c, make([]float64, b*h*w*c)} }
func (m img) at(b, i, j, c int) *float64 {
	return &m.v[((b*m.h+i)*m.w+j)*m.c+c]
}

func toImg(t *tensors.Tensor) img {
	d := t.Shape().Dimensions
	m := newImg(d[0], d[1], d[2], d[3])
	for i, x := range tensors.MustCopyFlatData[float32](t) {
		m.v[i] = float64(x)
	}
	return m
}

// kern is a kernel [k, k, cin, cout].
type kern struct {
	k, cin, cout int
	v            []float64
}

func (w kern) at(m1, m2, ci, co int) *float64 {
	return &w.v[((m1*w.k+m2)*w.cin+ci)*w.cout+co]
}

// refConv2D is the direct definition y[o] = sum x[o*s + m - pLow] w[m] + bias, and its gradients for the
// loss sum(y*g).
func refConv2D(x img, w kern, bias []float64, s int, pad Padding, g img) (y, dx img, dw kern, db []float64) {
	oh, ow := g.h, g.w
	y, dx = newImg(x.b, oh, ow, w.cout), newImg(x.b, x.h, x.w, x.c)
	dw = kern{w.k, w.cin, w.cout, make([]float64, len(w.v))}
	db = make([]float64, w.cout)
	for b := range x.b {
		for o1 := range oh {
			for o2 := range ow {
				for co := range w.cout {
					*y.at(b, o1, o2, co) += bias[co]
					db[co] += *g.at(b, o1, o2, co)
				}
				for m1 := range w.k {
					i1 := o1*s + m1 - pad[0][0]
					for m2 := range w.k {
						i2 := o2*s + m2 - pad[1][0]
						if i1 < 0 || i2 < 0 || i1 >= x.h || i2 >= x.w {
							continue
						}
						for ci := range w.cin {
							for co := range w.cout {
								*y.at(b, o1, o2, co) += *x.at(b, i1, i2, ci) * *w.at(m1, m2, ci, co)
								*dx.at(b, i1, i2, ci) += *g.at(b, o1, o2, co) * *w.at(m1, m2, ci, co)
								*dw.at(m1, m2, ci, co) += *g.at(b, o1, o2, co) * *x.at(b, i1, i2, ci)
							}
						}
					}
				}
			}
		}
	}
	return
}

// refConvTranspose2D is the scatter definition y[i*s + m - p] += x[i] w[m] (+ bias), and its gradients.
func refConvTranspose2D(x img, w kern, bias []float64, s, p int, g img) (y, dx img, dw kern, db []float64) {
	y, dx = newImg(x.b, g.h, g.w, w.cout), newImg(x.b, x.h, x.w, x.c)
	dw = kern{w.k, w.cin, w.cout, make([]float64, len(w.v))}
	db = make([]float64, w.cout)
	for b := range x.b {
		for o1 := range g.h {
			for o2 := range g.w {
				for co := range w.cout {
					*y.at(b, o1, o2, co) += bias[co]
					db[co] += *g.at(b, o1, o2, co)
				}
			}
		}
		for i1 := range x.h {
			for i2 := range x.w {
				for m1 := range w.k {
					o1 := i1*s + m1 - p
					for m2 := range w.k {
						o2 := i2*s + m2 - p
						if o1 < 0 || o2 < 0 || o1 >= g.h || o2 >= g.w {
							continue
						}
						for ci := range w.cin {
							for co := range w.cout {
								*y.at(b, o1, o2, co) += *x.at(b, i1, i2, ci) * *w.at(m1, m2, ci, co)
								*dx.at(b, i1, i2, ci) += *g.at(b, o1, o2, co) * *w.at(m1, m2, ci, co)
								*dw.at(m1, m2, ci, co) += *g.at(b, o1, o2, co) * *x.at(b, i1, i2, ci)
							}
						}
					}
				}
			}
		}
	}
	return
}

// runLayer builds layer on x in a fresh context, runs the output and the gradients of sum(y*g) with respect
// to x and the layer's variables "weights" and "biases" (in scope), and returns them with the variables.
func runLayer(t *testing.T, scope string, x, g *tensors.Tensor, layer func(ctx *context.Context, x *Node) *Node) (outs []*tensors.Tensor, w, b *tensors.Tensor) {
	t.Helper()
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(42))
	exec := context.MustNewExec(testBackend, ctx, func(ctx *context.Context, x, g *Node) []*Node {
		y := layer(ctx, x)
		wNode := ctx.In(scope).GetVariable("weights").ValueGraph(x.Graph())
		bNode := ctx.In(scope).GetVariable("biases").ValueGraph(x.Graph())
		grads := Gradient(ReduceAllSum(Mul(y, g)), x, wNode, bNode)
		return append([]*Node{y}, grads...)
	})
	outs = exec.MustExec(x, g)
	w = ctx.In(scope).GetVariable("weights").MustValue()
	b = ctx.In(scope).GetVariable("biases").MustValue()
	return
}

func TestConvTransposeOutputSize(t *testing.T) {
	// The decoder of the 2021 NN2 (Flux ConvTranspose, PyTorch's formula (in-1)*s - 2p + k).
	for _, tc := range []struct{ in, k, s, p, want int }{
		{1, 3, 2, 0, 3}, {3, 3, 2, 0, 7}, {7, 3, 2, 1, 13}, {13, 3, 2, 1, 25}, {25, 3, 2, 0, 51},
		{51, 4, 2, 2, 100}, {16, 3, 1, 1, 16}, {512, 3, 1, 1, 512},
	} {
		if got := ConvTransposeOutputSize(tc.in, tc.k, tc.s, tc.p); got != tc.want {
			t.Errorf("ConvTransposeOutputSize(in=%d, k=%d, s=%d, p=%d) = %d, want %d", tc.in, tc.k, tc.s, tc.p, got, tc.want)
		}
	}
	if got := ConvOutputSize(100, 3, 1, 1, 1); got != 100 {
		t.Errorf("ConvOutputSize(100, 3, 1, 1, 1) = %d", got)
	}
	if got := ConvOutputSize(3, 3, 1, 0, 0); got != 1 {
		t.Errorf("ConvOutputSize(3, 3, 1, 0, 0) = %d", got)
	}
}

func TestConv2D(t *testing.T) {
	for _, tc := range []struct {
		b, h, w, cin, cout, k, s int
		pad                      Padding
	}{
		{2, 6, 5, 3, 4, 3, 1, PadSame(3)},
		{1, 7, 7, 2, 3, 3, 2, PadSymmetric(1)},
		{2, 8, 8, 2, 2, 4, 2, PadSymmetric(2)}, // Even kernel: GoMLX's input gradient needs the workaround.
		{1, 6, 7, 3, 2, 4, 1, PadSame(4)},
		{1, 3, 3, 4, 5, 3, 1, Padding{}}, // Valid: 3x3 -> 1x1 (the bottleneck of the 2021 NN2).
		{2, 5, 4, 3, 2, 1, 1, Padding{}},
		{1, 6, 5, 2, 2, 2, 1, Padding{{0, 1}, {1, 0}}},
	} {
		t.Run(fmt.Sprintf("%dx%d_k%d_s%d_pad%v", tc.h, tc.w, tc.k, tc.s, tc.pad), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			oh := ConvOutputSize(tc.h, tc.k, tc.s, tc.pad[0][0], tc.pad[0][1])
			ow := ConvOutputSize(tc.w, tc.k, tc.s, tc.pad[1][0], tc.pad[1][1])
			xT := tensors.FromFlatDataAndDimensions(randFloats(rng, tc.b*tc.h*tc.w*tc.cin), tc.b, tc.h, tc.w, tc.cin)
			gT := tensors.FromFlatDataAndDimensions(randFloats(rng, tc.b*oh*ow*tc.cout), tc.b, oh, ow, tc.cout)
			outs, wT, bT := runLayer(t, "conv2d", xT, gT, func(ctx *context.Context, x *Node) *Node {
				// A non-zero bias, to check it is added.
				ctx = ctx.Checked(false)
				ctx.In("conv2d").VariableWithValue("biases", randFloats(rng, tc.cout))
				return Conv2D(ctx, x, tc.cout, tc.k).Stride(tc.s).Padding(tc.pad).Done()
			})
			w := kern{tc.k, tc.cin, tc.cout, toImgFlat(wT)}
			y, dx, dw, db := refConv2D(toImg(xT), w, toImgFlat(bT), tc.s, tc.pad, toImg(gT))
			scale := float64(tc.k * tc.k * tc.cin)
			assertClose(t, "forward", outs[0], y.v, scale)
			assertClose(t, "d/dx", outs[1], dx.v, scale)
			assertClose(t, "d/dweights", outs[2], dw.v, float64(tc.b*oh*ow))
			assertClose(t, "d/dbiases", outs[3], db, float64(tc.b*oh*ow))
		})
	}
}

func toImgFlat(t *tensors.Tensor) []float64 {
	f := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out
}

func TestConvTranspose2D(t *testing.T) {
	for _, tc := range []struct {
		b, h, cin, cout, k, s, p int
	}{
		// The 2021 NN2 decoder shapes (channels reduced).
		{2, 1, 3, 2, 3, 2, 0}, // 1 -> 3
		{2, 1, 3, 2, 4, 2, 1}, // 1x1 inputs with padding: the kernel cropped.
		{1, 1, 2, 3, 3, 3, 1},
		{1, 3, 2, 3, 3, 2, 0}, // 3 -> 7
		{1, 7, 2, 2, 3, 2, 1}, // 7 -> 13
		{1, 13, 2, 2, 3, 2, 1},
		{1, 25, 1, 2, 3, 2, 0}, // 25 -> 51
		{1, 51, 2, 1, 4, 2, 2}, // 51 -> 100
		// Stride 1 (the 2023 ED-CNN decoder) and others.
		{2, 6, 3, 2, 3, 1, 1},
		{1, 5, 2, 2, 4, 1, 1},
		{1, 4, 2, 3, 3, 3, 1},
		{1, 4, 1, 1, 2, 3, 0}, // Kernel smaller than the stride: some output phases are empty.
	} {
		out := ConvTransposeOutputSize(tc.h, tc.k, tc.s, tc.p)
		t.Run(fmt.Sprintf("%d->%d_k%d_s%d_p%d", tc.h, out, tc.k, tc.s, tc.p), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			xT := tensors.FromFlatDataAndDimensions(randFloats(rng, tc.b*tc.h*tc.h*tc.cin), tc.b, tc.h, tc.h, tc.cin)
			gT := tensors.FromFlatDataAndDimensions(randFloats(rng, tc.b*out*out*tc.cout), tc.b, out, out, tc.cout)
			outs, wT, bT := runLayer(t, "conv_transpose2d", xT, gT, func(ctx *context.Context, x *Node) *Node {
				ctx = ctx.Checked(false)
				ctx.In("conv_transpose2d").VariableWithValue("biases", randFloats(rng, tc.cout))
				return ConvTranspose2D(ctx, x, tc.cout, tc.k).Stride(tc.s).Pad(tc.p).Done()
			})
			if d := outs[0].Shape().Dimensions; d[1] != out || d[2] != out || d[3] != tc.cout {
				t.Fatalf("output shape %s, want [%d %d %d %d]", outs[0].Shape(), tc.b, out, out, tc.cout)
			}
			w := kern{tc.k, tc.cin, tc.cout, toImgFlat(wT)}
			y, dx, dw, db := refConvTranspose2D(toImg(xT), w, toImgFlat(bT), tc.s, tc.p, toImg(gT))
			scale := float64(tc.k * tc.k * tc.cin)
			assertClose(t, "forward", outs[0], y.v, scale)
			assertClose(t, "d/dx", outs[1], dx.v, scale)
			assertClose(t, "d/dweights", outs[2], dw.v, float64(tc.b*out*out))
			assertClose(t, "d/dbiases", outs[3], db, float64(tc.b*out*out))
		})
	}
}

func TestConvErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dims  []int
		layer func(ctx *context.Context, x *Node) *Node
	}{
		{"rank 3", []int{2, 5, 5}, func(ctx *context.Context, x *Node) *Node { return Conv2D(ctx, x, 2, 3).Done() }},
		{"kernel larger than input", []int{1, 2, 2, 1}, func(ctx *context.Context, x *Node) *Node {
			return Conv2D(ctx, x, 2, 5).Padding(Padding{}).Done()
		}},
		{"zero channels", []int{1, 4, 4, 1}, func(ctx *context.Context, x *Node) *Node { return Conv2D(ctx, x, 0, 3).Done() }},
		{"asymmetric transposed padding", []int{1, 4, 4, 1}, func(ctx *context.Context, x *Node) *Node {
			return ConvTranspose2D(ctx, x, 1, 3).Padding(Padding{{1, 0}, {1, 1}}).Done()
		}},
		{"transposed output below 1", []int{1, 1, 1, 1}, func(ctx *context.Context, x *Node) *Node {
			return ConvTranspose2D(ctx, x, 1, 2).Pad(1).Done()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exec, err := context.NewExec(testBackend, context.New(), tc.layer)
			if err != nil {
				t.Fatal(err)
			}
			x := tensors.FromShape(shapesOf(tc.dims))
			if _, err := exec.Exec(x); err == nil {
				t.Fatalf("no error for %s", tc.name)
			}
		})
	}
}

// TestConvEvenKernelNotExtended checks that the 2x2 sub-kernels of a stride-2 transposed
// convolution (the 2021 NN2 decoder) are convolved as 2x2, not extended to 3x3 (shiftEvenAxes): on
// the fast backend every convolution step of the forward pass and both gradients reads a 2x2
// kernel or produces one. The values are checked by TestConvTranspose2D.
func TestConvEvenKernelNotExtended(t *testing.T) {
	fast, err := backend.NewFast("")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	xT := tensors.FromFlatDataAndDimensions(randFloats(rng, 2*7*7*4), 2, 7, 7, 4)
	wT := tensors.FromFlatDataAndDimensions(randFloats(rng, 3*3*4*3), 3, 3, 4, 3)
	backend.SetFastProfiling(true)
	defer backend.SetFastProfiling(false)
	MustExecOnceN(fast, func(x, w *Node) []*Node {
		y := convTranspose2D(x, w, 2, 1)
		loss := ReduceAllSum(Mul(y, y))
		return append([]*Node{y}, Gradient(loss, x, w)...)
	}, xT, wT)
	report := backend.FastProfileReport(0)
	convs := 0
	for _, line := range strings.Split(report, "\n") {
		if !strings.Contains(line, "ConvGeneral") {
			continue
		}
		convs++
		if strings.Contains(line, "[3 3 4 ") || strings.Contains(line, "[3 3 3 ") {
			t.Errorf("a convolution reads an extended 3x3 kernel: %s", line)
		}
	}
	if convs < 3 {
		t.Errorf("want the forward convolution and its two gradients, got %d convolution steps:\n%s", convs, report)
	}
}
