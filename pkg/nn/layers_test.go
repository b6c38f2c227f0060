package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"
)

func shapesOf(dims []int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }

// gradOf runs f on x and returns f(x) and the gradient of sum(f(x)*g) with respect to x.
func gradOf(t *testing.T, f func(x *Node) *Node, x, g *tensors.Tensor) (y, dx *tensors.Tensor) {
	t.Helper()
	outs := MustNewExec(testBackend, func(x, g *Node) []*Node {
		y := f(x)
		return []*Node{y, Gradient(ReduceAllSum(Mul(y, g)), x)[0]}
	}).MustExec(x, g)
	return outs[0], outs[1]
}

func TestAvgPool2(t *testing.T) {
	// The encoder of the 2021 NN2 (Flux MeanPool((2,2)) with pad 0, 1, 0, 0, 0) and odd/even sizes.
	for _, tc := range []struct{ h, w, pad, want int }{
		{100, 100, 0, 50}, {50, 50, 1, 26}, {26, 26, 0, 13}, {13, 13, 0, 6}, {6, 6, 0, 3},
		{5, 8, 0, 2}, {3, 3, 1, 2},
	} {
		t.Run(fmt.Sprintf("%dx%d_pad%d", tc.h, tc.w, tc.pad), func(t *testing.T) {
			const b, c = 2, 3
			rng := rand.New(rand.NewPCG(5, 6))
			oh, ow := (tc.h+2*tc.pad)/2, (tc.w+2*tc.pad)/2
			if oh != tc.want {
				t.Fatalf("test table: output %d, want %d", oh, tc.want)
			}
			x := toImg(tensors.FromFlatDataAndDimensions(randFloats(rng, b*tc.h*tc.w*c), b, tc.h, tc.w, c))
			g := toImg(tensors.FromFlatDataAndDimensions(randFloats(rng, b*oh*ow*c), b, oh, ow, c))
			want, wantDx := newImg(b, oh, ow, c), newImg(b, tc.h, tc.w, c)
			for bi := range b {
				for o1 := range oh {
					for o2 := range ow {
						for ci := range c {
							for m1 := range 2 {
								for m2 := range 2 {
									i1, i2 := 2*o1+m1-tc.pad, 2*o2+m2-tc.pad
									if i1 < 0 || i2 < 0 || i1 >= tc.h || i2 >= tc.w {
										continue // Padding: a zero, still counted in the divisor 4.
									}
									*want.at(bi, o1, o2, ci) += *x.at(bi, i1, i2, ci) / 4
									*wantDx.at(bi, i1, i2, ci) += *g.at(bi, o1, o2, ci) / 4
								}
							}
						}
					}
				}
			}
			y, dx := gradOf(t, func(x *Node) *Node { return AvgPool2Padded(x, tc.pad) }, toTensor(x), toTensor(g))
			assertClose(t, "AvgPool2Padded", y, want.v, 1)
			assertClose(t, "d/dx", dx, wantDx.v, 1)
		})
	}
}

func toTensor(m img) *tensors.Tensor {
	f := make([]float32, len(m.v))
	for i, v := range m.v {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, m.b, m.h, m.w, m.c)
}

func TestUpsample2(t *testing.T) {
	const b, h, w, c = 2, 3, 4, 2
	rng := rand.New(rand.NewPCG(7, 8))
	x := toImg(tensors.FromFlatDataAndDimensions(randFloats(rng, b*h*w*c), b, h, w, c))
	g := toImg(tensors.FromFlatDataAndDimensions(randFloats(rng, b*4*h*w*c), b, 2*h, 2*w, c))
	want, wantDx := newImg(b, 2*h, 2*w, c), newImg(b, h, w, c)
	for bi := range b {
		for i := range 2 * h {
			for j := range 2 * w {
				for ci := range c {
					*want.at(bi, i, j, ci) = *x.at(bi, i/2, j/2, ci)
					*wantDx.at(bi, i/2, j/2, ci) += *g.at(bi, i, j, ci)
				}
			}
		}
	}
	y, dx := gradOf(t, Upsample2, toTensor(x), toTensor(g))
	assertClose(t, "Upsample2", y, want.v, 1)
	assertClose(t, "d/dx", dx, wantDx.v, 4)
}

func TestLeakyReLU(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float32{-2, -0.5, 0, 0.5, 3}, 5)
	g := tensors.FromFlatDataAndDimensions([]float32{1, 1, 1, 1, 1}, 5)
	y, dx := gradOf(t, func(x *Node) *Node { return LeakyReLU(x, 0.1) }, x, g)
	assertClose(t, "LeakyReLU", y, []float64{-0.2, -0.05, 0, 0.5, 3}, 1)
	assertClose(t, "d/dx", dx, []float64{0.1, 0.1, 1, 1, 1}, 1)

	for _, tc := range []struct {
		set   bool
		slope float64
	}{{false, DefaultLeakyReLUSlope}, {true, 0.3}} {
		ctx := context.New()
		if tc.set {
			ctx.SetParam(ParamLeakyReLUSlope, tc.slope)
		}
		got := context.MustNewExec(testBackend, ctx, func(ctx *context.Context, x *Node) *Node {
			return LeakyReLUFromContext(ctx, x)
		}).MustExec(tensors.FromFlatDataAndDimensions([]float32{-1}, 1))[0]
		assertClose(t, fmt.Sprintf("LeakyReLUFromContext (param set %v)", tc.set), got, []float64{-tc.slope}, 1)
	}
}

// TestBatchNorm checks training-mode normalization, its gradients, the moving averages and
// inference-mode normalization, on the extended pure-Go backend.
func TestBatchNorm(t *testing.T) {
	const b, h, w, c = 4, 3, 3, 2
	rng := rand.New(rand.NewPCG(9, 10))
	xs := randFloats(rng, b*h*w*c)
	for i := range xs {
		xs[i] = 3*xs[i] + float32(i%c) // Channel means 0 and 1 (roughly), spread 3.
	}
	ctx := context.New()
	trainStep := context.MustNewExec(testBackend, ctx, func(ctx *context.Context, x *Node) []*Node {
		ctx.SetTraining(x.Graph(), true)
		y := BatchNorm(ctx, x)
		scope := ctx.In("batch_normalization")
		scale := scope.GetVariable("scale").ValueGraph(x.Graph())
		offset := scope.GetVariable("offset").ValueGraph(x.Graph())
		// A loss that depends on the channel: d/doffset = number of pixels times the weight.
		weights := Reshape(Const(x.Graph(), []float32{1, 2}), 1, 1, 1, 2)
		grads := Gradient(ReduceAllSum(Mul(y, weights)), scale, offset)
		return []*Node{y, grads[0], grads[1]}
	})
	outs := trainStep.MustExec(tensors.FromFlatDataAndDimensions(xs, b, h, w, c))
	y := tensors.MustCopyFlatData[float32](outs[0])
	n := float64(b * h * w)
	for ch := range c {
		var mean, sq, xMean, xSq float64
		for i := ch; i < len(y); i += c {
			mean += float64(y[i]) / n
			sq += float64(y[i]) * float64(y[i]) / n
			xMean += float64(xs[i]) / n
			xSq += float64(xs[i]) * float64(xs[i]) / n
		}
		xVar := xSq - xMean*xMean
		wantVar := xVar / (xVar + DefaultBatchNormEpsilon)
		if math.Abs(mean) > 1e-5 || math.Abs(sq-mean*mean-wantVar) > 1e-4 {
			t.Errorf("channel %d: normalized mean %g, variance %g, want 0 and %g", ch, mean, sq-mean*mean, wantVar)
		}
	}
	// d/dscale = sum of the normalized values (0) times the weight; d/doffset = n times the weight.
	assertClose(t, "d/dscale", outs[1], []float64{0, 0}, n)
	assertClose(t, "d/doffset", outs[2], []float64{n, 2 * n}, n)

	// After one step the (debiased) moving averages hold the batch statistics: inference reproduces the
	// training output.
	infer := context.MustNewExec(testBackend, ctx.Reuse(), func(ctx *context.Context, x *Node) *Node {
		return BatchNorm(ctx, x)
	})
	yInf := infer.MustExec(tensors.FromFlatDataAndDimensions(xs, b, h, w, c))[0]
	want := make([]float64, len(y))
	for i, v := range y {
		want[i] = float64(v)
	}
	assertClose(t, "inference after one step", yInf, want, 10)
}

func TestDropout(t *testing.T) {
	const n, rate = 20000, 0.3
	ones := make([]float32, n)
	for i := range ones {
		ones[i] = 1
	}
	for _, training := range []bool{true, false} {
		ctx := context.New()
		ctx.SetParam(context.ParamInitialSeed, int64(7))
		got := context.MustNewExec(testBackend, ctx, func(ctx *context.Context, x *Node) *Node {
			ctx.SetTraining(x.Graph(), training)
			return Dropout(ctx, x, rate)
		}).MustExec(tensors.FromFlatDataAndDimensions(ones, n))[0]
		var zeros int
		for _, v := range tensors.MustCopyFlatData[float32](got) {
			switch {
			case v == 0:
				zeros++
			case training && math.Abs(float64(v)-1/(1-rate)) > 1e-6:
				t.Fatalf("training: kept value %g, want %g", v, 1/(1-rate))
			case !training && v != 1:
				t.Fatalf("inference: value %g, want 1", v)
			}
		}
		frac := float64(zeros) / n
		if training && math.Abs(frac-rate) > 0.02 {
			t.Errorf("training: dropped fraction %.3f, want %.2f", frac, rate)
		}
		if !training && zeros != 0 {
			t.Errorf("inference: %d values dropped", zeros)
		}
	}
}

func TestLayerErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dims  []int
		layer func(ctx *context.Context, x *Node) *Node
	}{
		{"AvgPool2 rank 3", []int{2, 4, 4}, func(_ *context.Context, x *Node) *Node { return AvgPool2(x) }},
		{"AvgPool2 too small", []int{1, 1, 4, 1}, func(_ *context.Context, x *Node) *Node { return AvgPool2(x) }},
		{"AvgPool2Padded negative", []int{1, 4, 4, 1}, func(_ *context.Context, x *Node) *Node { return AvgPool2Padded(x, -1) }},
		{"Upsample2 rank 2", []int{4, 4}, func(_ *context.Context, x *Node) *Node { return Upsample2(x) }},
		{"Dropout rate 1", []int{4}, func(ctx *context.Context, x *Node) *Node { return Dropout(ctx, x, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exec, err := context.NewExec(testBackend, context.New(), tc.layer)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := exec.Exec(tensors.FromShape(shapesOf(tc.dims))); err == nil {
				t.Fatalf("no error for %s", tc.name)
			}
		})
	}
}
