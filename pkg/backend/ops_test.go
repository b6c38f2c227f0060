package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gopjrt/dtypes"
)

// strides returns the row-major strides of dims.
func stridesOf(dims []int) []int {
	s := make([]int, len(dims))
	acc := 1
	for i := len(dims) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= dims[i]
	}
	return s
}

// refPad pads x (dims) as XLA's Pad does, by mapping every output position back to the operand.
func refPad(x []float64, dims []int, cfg []backends.PadAxis, fill float64) ([]float64, []int) {
	rank := len(dims)
	out := make([]int, rank)
	for a := range rank {
		dilated := (dims[a]-1)*(cfg[a].Interior+1) + 1
		out[a] = dilated + cfg[a].Start + cfg[a].End
	}
	y := make([]float64, prod(out))
	xs := stridesOf(dims)
	for flat := range y {
		rem, xIdx := flat, 0
		ok := true
		for a := range rank {
			os := prod(out[a+1:])
			i := rem / os
			rem %= os
			p := i - cfg[a].Start
			if p < 0 || p%(cfg[a].Interior+1) != 0 || p/(cfg[a].Interior+1) >= dims[a] {
				ok = false
				continue
			}
			xIdx += p / (cfg[a].Interior + 1) * xs[a]
		}
		if ok {
			y[flat] = x[xIdx]
		} else {
			y[flat] = fill
		}
	}
	return y, out
}

func TestPad(t *testing.T) {
	for _, tc := range []struct {
		name string
		dims []int
		cfg  []backends.PadAxis
	}{
		{"low-high", []int{2, 3}, []backends.PadAxis{{Start: 1, End: 2}, {Start: 0, End: 1}}},
		{"negative", []int{4, 5}, []backends.PadAxis{{Start: -1, End: 1}, {Start: 2, End: -3}}},
		{"interior", []int{3, 4}, []backends.PadAxis{{Interior: 2}, {Start: 1, Interior: 1, End: 1}}},
		{"interior+negative", []int{2, 5, 3}, []backends.PadAxis{{}, {Start: -2, Interior: 1, End: -1}, {Start: 1, Interior: 3, End: -2}}},
		{"fewer-axes-than-rank", []int{3, 2, 2}, []backends.PadAxis{{Start: 1, End: 1}}},
		{"size-one-axis", []int{1, 3}, []backends.PadAxis{{Start: 2, Interior: 5, End: 1}, {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			x := randFloats(rng, prod(tc.dims))
			cfg := make([]backends.PadAxis, len(tc.dims))
			copy(cfg, tc.cfg)
			want, wantDims := refPad(x, tc.dims, cfg, 7)
			got := MustExecOnce(testExtended, func(x *Node) *Node {
				return Pad(x, Const(x.Graph(), float32(7)), tc.cfg...)
			}, tensors.FromFlatDataAndDimensions(toF32(x), tc.dims...))
			if !sameInts(got.Shape().Dimensions, wantDims) {
				t.Fatalf("shape %s, want %v", got.Shape(), wantDims)
			}
			assertClose(t, "Pad", got, want, 1)
		})
	}
}

func TestPadErrors(t *testing.T) {
	b := testExtended.Builder("pad-errors")
	x, err := b.Parameter("x", shapes.Make(dtypes.Float32, 2, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	zero, _ := b.Constant([]float32{0})
	zero64, _ := b.Constant([]float64{0})
	for _, tc := range []struct {
		name string
		fill backends.Op
		cfg  []backends.PadAxis
	}{
		{"negative interior", zero, []backends.PadAxis{{Interior: -1}}},
		{"too many axes", zero, []backends.PadAxis{{}, {}, {}}},
		{"crop below zero", zero, []backends.PadAxis{{Start: -2, End: -1}}},
		{"fill dtype", zero64, nil},
	} {
		if _, err := b.Pad(x, tc.fill, tc.cfg...); err == nil {
			t.Errorf("%s: Pad returned no error", tc.name)
		}
	}
}

// TestPadGradient checks the gradient of a strided Slice, which the graph package builds with Pad.
func TestSliceGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randFloats(rng, 5*7)
	w := randFloats(rng, 2*3)
	got := MustExecOnce(testExtended, func(x, w *Node) *Node {
		s := Slice(x, AxisRange(1, 5).Stride(2), AxisRange(0, 7).Stride(3))
		return Gradient(ReduceAllSum(Mul(s, w)), x)[0]
	}, tensors.FromFlatDataAndDimensions(toF32(x), 5, 7), tensors.FromFlatDataAndDimensions(toF32(w), 2, 3))
	want := make([]float64, len(x))
	for i, r := range []int{1, 3} {
		for j, c := range []int{0, 3, 6} {
			want[r*7+c] = w[i*3+j]
		}
	}
	assertClose(t, "d/dx of Slice", got, want, 1)
}

func refReverse(x []float64, dims []int, axes []int) []float64 {
	y := make([]float64, len(x))
	s := stridesOf(dims)
	for flat := range x {
		rem, src := flat, 0
		for a := range dims {
			i := rem / s[a]
			rem %= s[a]
			for _, ra := range axes {
				if ra == a {
					i = dims[a] - 1 - i
				}
			}
			src += i * s[a]
		}
		y[flat] = x[src]
	}
	return y
}

func TestReverse(t *testing.T) {
	for _, tc := range []struct {
		dims, axes []int
	}{
		{[]int{5}, []int{0}},
		{[]int{3, 4}, []int{1}},
		{[]int{3, 3, 2, 4}, []int{0, 1}},
		{[]int{2, 1, 3}, []int{1, 2, 0}},
	} {
		t.Run(fmt.Sprint(tc.dims, tc.axes), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			x := randFloats(rng, prod(tc.dims))
			got := MustExecOnce(testExtended, func(x *Node) *Node { return Reverse(x, tc.axes...) },
				tensors.FromFlatDataAndDimensions(toF32(x), tc.dims...))
			assertClose(t, "Reverse", got, refReverse(x, tc.dims, tc.axes), 1)
		})
	}
	b := testExtended.Builder("reverse-errors")
	x, _ := b.Parameter("x", shapes.Make(dtypes.Float32, 2, 3), nil)
	if _, err := b.Reverse(x, 2); err == nil {
		t.Error("Reverse with an out-of-range axis returned no error")
	}
	if _, err := b.Reverse(x, 1, 1); err == nil {
		t.Error("Reverse with a repeated axis returned no error")
	}
}

// directBatchNorm is batch normalization written with differentiable graph ops: the reference for the
// backend's BatchNorm ops and their gradients.
func directBatchNorm(x, scale, offset *Node, epsilon float64, featureAxis int) *Node {
	var axes []int
	for a := range x.Rank() {
		if a != featureAxis {
			axes = append(axes, a)
		}
	}
	mean := ReduceAndKeep(x, ReduceMean, axes...)
	centered := Sub(x, mean)
	variance := ReduceAndKeep(Square(centered), ReduceMean, axes...)
	dims := make([]int, x.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[featureAxis] = x.Shape().Dimensions[featureAxis]
	return Add(Mul(Div(centered, Sqrt(AddScalar(variance, epsilon))), Reshape(scale, dims...)), Reshape(offset, dims...))
}

func TestBatchNorm(t *testing.T) {
	const eps = 1e-3
	for _, tc := range []struct {
		dims        []int
		featureAxis int
	}{
		{[]int{4, 3}, 1},
		{[]int{2, 5, 4, 3}, 3},
		{[]int{3, 2, 4, 5}, 1},
		{[]int{8, 16, 16, 16}, 3}, // Large enough for the fast backend's kernels.
	} {
		for _, be := range []backends.Backend{testExtended, testFast} {
			t.Run(fmt.Sprint(be.String(), tc.dims, tc.featureAxis), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(9, 10))
				f := tc.dims[tc.featureAxis]
				x := randFloats(rng, prod(tc.dims))
				for i := range x {
					x[i] = 3*x[i] + 1 // Non-trivial mean and variance.
				}
				scale, offset := randFloats(rng, f), randFloats(rng, f)
				g := randFloats(rng, prod(tc.dims))
				mk := func() []any {
					return []any{
						tensors.FromFlatDataAndDimensions(toF32(x), tc.dims...),
						tensors.FromFlatDataAndDimensions(toF32(scale), f),
						tensors.FromFlatDataAndDimensions(toF32(offset), f),
						tensors.FromFlatDataAndDimensions(toF32(g), tc.dims...),
					}
				}
				// Training: normalized output, batch statistics, gradients.
				got := MustNewExec(be, func(x, scale, offset, g *Node) []*Node {
					y, mean, variance := InternalBatchNormForTraining(x, scale, offset, eps, tc.featureAxis)
					grads := Gradient(ReduceAllSum(Mul(y, g)), x, scale, offset)
					// Inference with the batch statistics must reproduce the training output.
					yInf := InternalBatchNormForInference(x, scale, offset, mean, variance, eps, tc.featureAxis)
					return []*Node{y, grads[0], grads[1], grads[2], yInf}
				}).MustExec(mk()...)
				want := MustNewExec(testExtended, func(x, scale, offset, g *Node) []*Node {
					y := directBatchNorm(x, scale, offset, eps, tc.featureAxis)
					grads := Gradient(ReduceAllSum(Mul(y, g)), x, scale, offset)
					return []*Node{y, grads[0], grads[1], grads[2], y}
				}).MustExec(mk()...)
				for i, name := range []string{"normalized", "d/dx", "d/dscale", "d/doffset", "inference"} {
					assertClose(t, name, got[i], toF64(tensors.MustCopyFlatData[float32](want[i])), 10)
				}
			})
		}
	}
}

// refMaxPoolGrad is the gradient of max pooling (first maximum of each window) with respect to x [H, W].
func refMaxPoolGrad(x []float64, h, w, win, stride, pad int, g []float64, oh, ow int) []float64 {
	dx := make([]float64, len(x))
	for o1 := range oh {
		for o2 := range ow {
			best, bi := math.Inf(-1), -1
			for k1 := range win {
				for k2 := range win {
					i1, i2 := o1*stride+k1-pad, o2*stride+k2-pad
					if i1 < 0 || i2 < 0 || i1 >= h || i2 >= w {
						continue
					}
					if x[i1*w+i2] > best {
						best, bi = x[i1*w+i2], i1*w+i2
					}
				}
			}
			if bi >= 0 {
				dx[bi] += g[o1*ow+o2]
			}
		}
	}
	return dx
}

func TestMaxPoolGradient(t *testing.T) {
	for _, tc := range []struct{ h, w, win, stride, pad int }{
		{4, 6, 2, 2, 0},
		{5, 5, 3, 1, 1},
		{7, 6, 3, 2, 1},
	} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			x := randFloats(rng, tc.h*tc.w)
			x[0], x[1] = 0.99, 0.99 // A tie: the first one gets the gradient.
			oh := (tc.h+2*tc.pad-tc.win)/tc.stride + 1
			ow := (tc.w+2*tc.pad-tc.win)/tc.stride + 1
			g := randFloats(rng, oh*ow)
			got := MustExecOnce(testExtended, func(x, g *Node) *Node {
				p := MaxPool(x).Window(tc.win).Strides(tc.stride).PaddingPerDim([][2]int{{tc.pad, tc.pad}, {tc.pad, tc.pad}}).Done()
				return Gradient(ReduceAllSum(Mul(p, g)), x)[0]
			}, tensors.FromFlatDataAndDimensions(toF32(x), 1, tc.h, tc.w, 1),
				tensors.FromFlatDataAndDimensions(toF32(g), 1, oh, ow, 1))
			assertClose(t, "d/dx of MaxPool", got, refMaxPoolGrad(x, tc.h, tc.w, tc.win, tc.stride, tc.pad, g, oh, ow), 1)
		})
	}
}

// TestMeanPoolGradient checks the gradient of mean pooling, which the graph package builds with Pad and
// ReduceWindow, against the transposed averaging.
func TestMeanPoolGradient(t *testing.T) {
	for _, tc := range []struct{ h, w, win, stride int }{{4, 6, 2, 2}, {5, 7, 2, 2}, {6, 6, 3, 1}} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, 14))
			x := randFloats(rng, tc.h*tc.w)
			oh, ow := (tc.h-tc.win)/tc.stride+1, (tc.w-tc.win)/tc.stride+1
			g := randFloats(rng, oh*ow)
			got := MustExecOnce(testExtended, func(x, g *Node) *Node {
				p := MeanPool(x).Window(tc.win).Strides(tc.stride).Done()
				return Gradient(ReduceAllSum(Mul(p, g)), x)[0]
			}, tensors.FromFlatDataAndDimensions(toF32(x), 1, tc.h, tc.w, 1),
				tensors.FromFlatDataAndDimensions(toF32(g), 1, oh, ow, 1))
			want := make([]float64, len(x))
			norm := 1 / float64(tc.win*tc.win)
			for o1 := range oh {
				for o2 := range ow {
					for k1 := range tc.win {
						for k2 := range tc.win {
							want[(o1*tc.stride+k1)*tc.w+o2*tc.stride+k2] += g[o1*ow+o2] * norm
						}
					}
				}
			}
			assertClose(t, "d/dx of MeanPool", got, want, 1)
		})
	}
}

func TestDynamicSlices(t *testing.T) {
	x := make([]float64, 4*5)
	for i := range x {
		x[i] = float64(i)
	}
	for _, tc := range []struct {
		start0, start1 int32 // Requested starts; the ops clamp them into range.
		want0, want1   int
	}{
		{1, 2, 1, 2},
		{-3, 9, 0, 3}, // Clamped to [0, 4-2] and [0, 5-2].
	} {
		t.Run(fmt.Sprint(tc.start0, tc.start1), func(t *testing.T) {
			outs := MustNewExec(testExtended, func(x, s0, s1 *Node) []*Node {
				sl := DynamicSlice(x, []*Node{s0, s1}, []int{2, 2})
				upd := DynamicUpdateSlice(x, Neg(OnesLike(sl)), []*Node{s0, s1})
				grad := Gradient(ReduceAllSum(Mul(sl, sl)), x)[0]
				return []*Node{sl, upd, grad}
			}).MustExec(tensors.FromFlatDataAndDimensions(toF32(x), 4, 5), tc.start0, tc.start1)
			var wantSlice []float64
			wantUpd := append([]float64(nil), x...)
			wantGrad := make([]float64, len(x))
			for i := range 2 {
				for j := range 2 {
					idx := (tc.want0+i)*5 + tc.want1 + j
					wantSlice = append(wantSlice, x[idx])
					wantUpd[idx] = -1
					wantGrad[idx] = 2 * x[idx]
				}
			}
			assertClose(t, "DynamicSlice", outs[0], wantSlice, 1)
			assertClose(t, "DynamicUpdateSlice", outs[1], wantUpd, 1)
			assertClose(t, "d/dx of DynamicSlice", outs[2], wantGrad, 1)
		})
	}
}

func TestCapabilities(t *testing.T) {
	caps := testExtended.Capabilities()
	for _, op := range ExtendedOps {
		if !caps.Operations[op] {
			t.Errorf("Capabilities() misses %s", op)
		}
	}
	if !caps.Operations[backends.OpTypeDotGeneral] || !caps.DTypes[dtypes.Float32] {
		t.Error("Capabilities() lost SimpleGo's own entries")
	}
	if testStock.Capabilities().Operations[backends.OpTypePad] {
		t.Error("the stock SimpleGo backend reports Pad: the test premise (and ExtendedOps) may be stale")
	}
}

// TestMulSumFusion checks that gradients of Dot, DotGeneral and Einsum (built by the graph package as
// ReduceSum of a broadcast Mul) are computed by DotGeneral, with the right values.
func TestMulSumFusion(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, tc := range []struct {
		name       string
		aDims      []int
		bDims      []int
		fn         func(a, b *Node) *Node
		ref        func(a, b []float64) []float64 // Reference forward, flat.
		outDims    []int
		wantFusion bool
	}{
		{
			name: "Dot [5,7]x[7,3]", aDims: []int{5, 7}, bDims: []int{7, 3}, outDims: []int{5, 3},
			fn: func(a, b *Node) *Node { return Dot(a, b) }, wantFusion: true,
			ref: func(a, b []float64) []float64 { return refMatMul(a, b, 1, 5, 7, 3) },
		},
		{
			name: "Einsum bij,bjk->bik", aDims: []int{2, 4, 6}, bDims: []int{2, 6, 5}, outDims: []int{2, 4, 5},
			fn: func(a, b *Node) *Node { return Einsum("bij,bjk->bik", a, b) }, wantFusion: true,
			ref: func(a, b []float64) []float64 { return refMatMul(a, b, 2, 4, 6, 5) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := randFloats(rng, prod(tc.aDims)), randFloats(rng, prod(tc.bDims))
			g := randFloats(rng, prod(tc.outDims))
			before := MulSumFusions()
			outs := MustNewExec(testExtended, func(a, b, g *Node) []*Node {
				y := tc.fn(a, b)
				grads := Gradient(ReduceAllSum(Mul(y, g)), a, b)
				return []*Node{y, grads[0], grads[1]}
			}).MustExec(tensors.FromFlatDataAndDimensions(toF32(a), tc.aDims...),
				tensors.FromFlatDataAndDimensions(toF32(b), tc.bDims...),
				tensors.FromFlatDataAndDimensions(toF32(g), tc.outDims...))
			if fused := MulSumFusions() > before; fused != tc.wantFusion {
				t.Errorf("fusion happened: %v, want %v", fused, tc.wantFusion)
			}
			// Finite differences are not needed: y is bilinear, so d/da <g, y> = y(e_i, b) summed with g.
			wantY := tc.ref(a, b)
			assertClose(t, "forward", outs[0], wantY, 10)
			wantDa := make([]float64, len(a))
			for i := range a {
				e := make([]float64, len(a))
				e[i] = 1
				for j, v := range tc.ref(e, b) {
					wantDa[i] += v * g[j]
				}
			}
			wantDb := make([]float64, len(b))
			for i := range b {
				e := make([]float64, len(b))
				e[i] = 1
				for j, v := range tc.ref(a, e) {
					wantDb[i] += v * g[j]
				}
			}
			assertClose(t, "d/da", outs[1], wantDa, 10)
			assertClose(t, "d/db", outs[2], wantDb, 10)
		})
	}
}

// refMatMul multiplies batches of [m,k] by [k,n] matrices.
func refMatMul(a, b []float64, batch, m, k, n int) []float64 {
	y := make([]float64, batch*m*n)
	for bi := range batch {
		for i := range m {
			for j := range n {
				for l := range k {
					y[(bi*m+i)*n+j] += a[(bi*m+i)*k+l] * b[(bi*k+l)*n+j]
				}
			}
		}
	}
	return y
}

// TestFuseMulSumPatterns drives ReduceSum(Mul(a, b)) directly through the builder, for broadcast
// patterns the graph package does not emit (summing an axis only one operand has, size-1 axes kept).
func TestFuseMulSumPatterns(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, tc := range []struct {
		aDims, bDims, axes []int
		fused              bool
	}{
		{[]int{4, 3, 1, 5}, []int{4, 1, 6, 5}, []int{3}, true},          // Batch 4, cross 3 and 6, contract 5.
		{[]int{4, 3, 1, 5}, []int{4, 1, 6, 5}, []int{0, 3}, true},       // Batch summed too.
		{[]int{2, 3, 1, 5, 1}, []int{1, 3, 4, 5, 1}, []int{0, 3}, true}, // a-only summed axis, trivial axis.
		{[]int{3, 5}, []int{3, 5}, []int{0, 1}, false},                  // Plain sum of a product: not fused.
		{[]int{6, 1}, []int{1, 7}, []int{0}, false},                     // Outer product summed on a-only axis.
	} {
		t.Run(fmt.Sprint(tc.aDims, tc.bDims, tc.axes), func(t *testing.T) {
			a, b := randFloats(rng, prod(tc.aDims)), randFloats(rng, prod(tc.bDims))
			rank := len(tc.aDims)
			outFull := make([]int, rank)
			for i := range outFull {
				outFull[i] = max(tc.aDims[i], tc.bDims[i])
			}
			// Reference: broadcast product, then sum.
			as, bs, os := stridesOf(tc.aDims), stridesOf(tc.bDims), stridesOf(outFull)
			var outDims []int
			for i, d := range outFull {
				if !slices.Contains(tc.axes, i) {
					outDims = append(outDims, d)
				}
			}
			want := make([]float64, prod(outDims))
			for flat := range prod(outFull) {
				ai, bi, oi, mult := 0, 0, 0, 1
				for i := rank - 1; i >= 0; i-- {
					idx := flat / os[i] % outFull[i]
					if tc.aDims[i] > 1 {
						ai += idx * as[i]
					}
					if tc.bDims[i] > 1 {
						bi += idx * bs[i]
					}
					if !slices.Contains(tc.axes, i) {
						oi += idx * mult
						mult *= outFull[i]
					}
				}
				want[oi] += a[ai] * b[bi]
			}
			before := MulSumFusions()
			got := MustExecOnce(testExtended, func(a, b *Node) *Node {
				return ReduceSum(Mul(a, b), tc.axes...)
			}, tensors.FromFlatDataAndDimensions(toF32(a), tc.aDims...), tensors.FromFlatDataAndDimensions(toF32(b), tc.bDims...))
			if fused := MulSumFusions() > before; fused != tc.fused {
				t.Errorf("fused = %v, want %v", fused, tc.fused)
			}
			if !sameInts(got.Shape().Dimensions, outDims) {
				t.Fatalf("shape %s, want %v", got.Shape(), outDims)
			}
			assertClose(t, "ReduceSum(Mul)", got, want, 10)
		})
	}
}
