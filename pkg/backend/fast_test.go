package backend

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/gemm"
	"github.com/surrogo/surrogo/pkg/vec"
)

var testFast = mustFast("")

func mustFast(config string) *FastBackend {
	b, err := NewFast(config)
	if err != nil {
		panic(err)
	}
	return b
}

// heavySteps counts the heavy ops of the graphs the fast builder compiled.
func heavySteps(t *testing.T, fn func()) int {
	t.Helper()
	before := fastHeavyCount.Load()
	fn()
	return int(fastHeavyCount.Load() - before)
}

// forEachKernel runs f once per GEMM kernel this CPU has.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	defer func() { _, _ = gemm.SetKernel(""), vec.SetKernel("") }()
	for _, k := range []string{"generic", "avx2", "avx512"} {
		if err := gemm.SetKernel(k); err != nil {
			continue
		}
		if err := vec.SetKernel(k); err != nil {
			continue
		}
		t.Run(k, f)
	}
}

func TestFastConvParity(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		for _, tc := range convCases {
			t.Run(tc.name, func(t *testing.T) { testFastConv(t, tc) })
		}
	})
}

func testFastConv(t *testing.T, tc convCase) {
	rng := rand.New(rand.NewPCG(1, uint64(len(tc.name))))
	oh, ow := tc.outDims()
	x := randFloats(rng, tc.b*tc.h*tc.w*tc.cin)
	k := randFloats(rng, tc.kh*tc.kw*tc.cin*tc.cout)
	g := randFloats(rng, tc.b*oh*ow*tc.cout)
	yRef, dxRef, dkRef := refConv(tc, x, k, g)
	xT := tensors.FromFlatDataAndDimensions(toF32(x), tc.b, tc.h, tc.w, tc.cin)
	kT := tensors.FromFlatDataAndDimensions(toF32(k), tc.kh, tc.kw, tc.cin, tc.cout)
	gT := tensors.FromFlatDataAndDimensions(toF32(g), tc.b, oh, ow, tc.cout)
	scale := float64(tc.kh * tc.kw * tc.cin)

	var y *tensors.Tensor
	if n := heavySteps(t, func() { y = MustExecOnce(testFast, func(x, k *Node) *Node { return tc.build(x, k) }, xT, kT) }); n != 1 {
		t.Fatalf("forward: %d heavy ops, want 1", n)
	}
	assertClose(t, "forward vs reference", y, yRef, scale)
	if tc.hasInputDilation() {
		return
	}
	gradFn := func(x, k, g *Node) []*Node {
		y := tc.build(x, k)
		loss := ReduceAllSum(Mul(y, g))
		return Gradient(loss, x, k)
	}
	var grads []*tensors.Tensor
	if n := heavySteps(t, func() { grads = MustNewExec(testFast, gradFn).MustExec(xT, kT, gT) }); n < 3 {
		t.Fatalf("forward and gradients: %d heavy ops, want >= 3", n)
	}
	assertClose(t, "d/dkernel", grads[1], dkRef, float64(tc.b*oh*ow))
	if tc.kh%2 == 1 && tc.kw%2 == 1 {
		assertClose(t, "d/dx", grads[0], dxRef, scale)
		return
	}
	// Even kernels: GoMLX's own (shifted) input gradient, as the extended backend computes it.
	ext := MustNewExec(testExtended, gradFn).MustExec(must1(xT.LocalClone()), must1(kT.LocalClone()), must1(gT.LocalClone()))
	assertClose(t, "d/dx vs extended backend", grads[0], toF64(tensors.MustCopyFlatData[float32](ext[0])), scale)
}

// TestFastDotGeneral compares DotGeneral with batch, several contracting axes and transposed layouts
// against the extended backend.
func TestFastDotGeneral(t *testing.T) {
	type dotCase struct {
		name           string
		lhs, rhs       []int
		lc, lb, rc, rb []int
	}
	cases := []dotCase{
		{"matmul", []int{17, 33}, []int{33, 5}, []int{1}, nil, []int{0}, nil},
		{"transposed-both", []int{33, 17}, []int{5, 33}, []int{0}, nil, []int{1}, nil},
		{"batch", []int{3, 7, 9}, []int{3, 9, 4}, []int{2}, []int{0}, []int{1}, []int{0}},
		{"batch-last", []int{7, 9, 3}, []int{9, 4, 3}, []int{1}, []int{2}, []int{0}, []int{2}},
		{"two-contracting", []int{4, 5, 6, 7}, []int{6, 5, 3}, []int{2, 1}, nil, []int{0, 1}, nil},
		{"vector", []int{100}, []int{100}, []int{0}, nil, []int{0}, nil},
		{"outer", []int{3, 1}, []int{1, 4}, []int{1}, nil, []int{0}, nil},
		{"many-batches", []int{64, 3, 5}, []int{64, 5, 2}, []int{2}, []int{0}, []int{1}, []int{0}},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	forEachKernel(t, func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				l := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, shapes.Make(dtypes.Float32, tc.lhs...).Size())), tc.lhs...)
				r := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, shapes.Make(dtypes.Float32, tc.rhs...).Size())), tc.rhs...)
				fn := func(l, r *Node) *Node { return DotGeneral(l, tc.lc, tc.lb, r, tc.rc, tc.rb) }
				var got *tensors.Tensor
				if n := heavySteps(t, func() { got = MustExecOnce(testFast, fn, l, r) }); n != 1 {
					t.Fatalf("%d heavy ops, want 1", n)
				}
				want := MustExecOnce(testExtended, fn, must1(l.LocalClone()), must1(r.LocalClone()))
				if !got.Shape().Equal(want.Shape()) {
					t.Fatalf("shape %s, want %s", got.Shape(), want.Shape())
				}
				assertClose(t, tc.name, got, toF64(tensors.MustCopyFlatData[float32](want)), 100)
			})
		}
	})
}

// TestFastGraphPlumbing covers what crosses segment boundaries: parameters returned as outputs, one
// value returned twice, donated inputs, constants read by heavy ops, values read by several segments.
func TestFastGraphPlumbing(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, 12)), 3, 4)
	b := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, 20)), 4, 5)
	fn := func(a, b *Node) []*Node {
		c := Const(a.Graph(), [][]float32{{1, 2, 3, 4, 5}, {0, 1, 0, 1, 0}, {2, 2, 2, 2, 2}, {1, 0, 0, 0, 1}})
		p := Dot(Tanh(a), b)            // light, heavy
		q := Dot(a, c)                  // heavy reading a constant
		s := Add(Mul(p, q), Sin(p))     // light, after two heavies
		u := Dot(Transpose(s, 0, 1), p) // heavy on light results
		return []*Node{a, s, u, s, ReduceAllSum(u)}
	}
	got := MustNewExec(testFast, fn).MustExec(a, b)
	want := MustNewExec(testExtended, fn).MustExec(must1(a.LocalClone()), must1(b.LocalClone()))
	for i := range want {
		assertClose(t, "output", got[i], toF64(tensors.MustCopyFlatData[float32](want[i])), 10)
	}
	// Donation: executing many times with donated inputs must neither fail nor change results.
	exec := MustNewExec(testFast, func(x *Node) *Node { return Dot(Add(x, OnePlus(x)), x) })
	x0 := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, 64)), 8, 8)
	ref := exec.MustExec(x0)[0]
	refFlat := tensors.MustCopyFlatData[float32](ref)
	for range 5 {
		x := tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](x0), 8, 8)
		got := exec.MustExec(must1(DonateTensorBuffer(x, testFast, 0)))[0]
		for i, v := range tensors.MustCopyFlatData[float32](got) {
			if v != refFlat[i] {
				t.Fatalf("donated run: element %d = %g, want %g", i, v, refFlat[i])
			}
		}
	}
}

// TestFastOptions checks the fast backend's configuration options.
func TestFastOptions(t *testing.T) {
	for _, tc := range []struct {
		config  string
		wantErr bool
	}{
		{"", false}, {"threads=1", false}, {"threads=0", true}, {"threads=x", true},
		{"kernel=generic", false}, {"kernel=nosuch", true}, {"parallelism=1", false},
	} {
		b, err := NewFast(tc.config)
		if (err != nil) != tc.wantErr {
			t.Errorf("NewFast(%q): error %v, want error %v", tc.config, err, tc.wantErr)
		}
		if b != nil {
			b.Finalize()
		}
	}
	_, _ = gemm.SetKernel(""), vec.SetKernel("")
	var _ backends.Backend = testFast
}

func must1[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestFastFusion compares fused element-wise expressions and reductions against the extended backend:
// activations and their gradients, broadcasts of vectors along trailing and leading axes, scalars,
// comparisons, reshapes, unary functions, and ReduceSum over leading, trailing and all axes.
func TestFastFusion(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const b, h, w, c = 4, 16, 16, 8
	x := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, b*h*w*c)), b, h, w, c)
	v := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, c)), c)
	u := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, b)), b)
	fn := func(x, v, u *Node) []*Node {
		leaky := Where(GreaterOrEqual(x, ScalarZero(x.Graph(), x.DType())), x, MulScalar(x, 0.02))
		bias := Add(leaky, BroadcastToDims(Reshape(v, 1, 1, 1, c), b, h, w, c))          // trailing vector
		rows := Mul(bias, BroadcastToDims(Reshape(u, b, 1, 1, 1), b, h, w, c))           // leading vector
		smooth := Add(Sqrt(Add(Mul(rows, rows), Const(x.Graph(), float32(1)))), Tanh(x)) // unary, scalar
		clipped := Min(Max(smooth, Neg(OnesLike(x))), Exp(Mul(x, x)))
		flat := Reshape(Sub(clipped, Abs(x)), b, h*w*c)
		return []*Node{
			flat,
			ReduceSum(clipped, 0, 1, 2),         // bias-gradient pattern: keep trailing axis
			ReduceSum(flat, 1),                  // keep leading axis
			ReduceAllSum(Mul(clipped, clipped)), // a loss
			Logistic(Div(x, AddScalar(Abs(x), 1))),
			Gradient(ReduceAllSum(Mul(leaky, leaky)), x)[0],
		}
	}
	before := fastFusedCount.Load()
	got := MustNewExec(testFast, fn).MustExec(x, v, u)
	if fastFusedCount.Load() == before {
		t.Fatal("no fused element-wise step was built")
	}
	want := MustNewExec(testExtended, fn).MustExec(must1(x.LocalClone()), must1(v.LocalClone()), must1(u.LocalClone()))
	for i := range want {
		if !got[i].Shape().Equal(want[i].Shape()) {
			t.Fatalf("output %d: shape %s, want %s", i, got[i].Shape(), want[i].Shape())
		}
		scale := []float64{10, 1e3, 3e3, 3e4, 10, 10}[i] // The sums have 1024, 2048 and 8192 terms.
		assertClose(t, fmt.Sprintf("output %d", i), got[i], toF64(tensors.MustCopyFlatData[float32](want[i])), scale)
	}
}

// TestFastStrided compares the strided kernels (ReduceSum over middle axes, as 2x2 pooling does,
// Reverse) and general broadcasts (2x upsampling) with their gradients against the extended backend.
func TestFastStrided(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const b, h, w, c = 2, 16, 12, 8
	x := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, b*h*w*c)), b, h, w, c)
	fn := func(x *Node) []*Node {
		pooled := ReduceSum(Reshape(x, b, h/2, 2, w/2, 2, c), 2, 4) // [b, h/2, w/2, c]
		up := Reshape(BroadcastToDims(Reshape(pooled, b, h/2, 1, w/2, 1, c), b, h/2, 2, w/2, 2, c), b, h, w, c)
		flipped := Reverse(Mul(up, x), 1, 2)
		loss := ReduceAllSum(Mul(up, x)) // Reverse has no gradient in GoMLX v0.25.
		return []*Node{pooled, up, flipped, Reverse(x, 3), ReduceSum(x, 0, 2), Gradient(loss, x)[0]}
	}
	got := MustNewExec(testFast, fn).MustExec(x)
	want := MustNewExec(testExtended, fn).MustExec(must1(x.LocalClone()))
	for i := range want {
		if !got[i].Shape().Equal(want[i].Shape()) {
			t.Fatalf("output %d: shape %s, want %s", i, got[i].Shape(), want[i].Shape())
		}
		assertClose(t, fmt.Sprintf("output %d", i), got[i], toF64(tensors.MustCopyFlatData[float32](want[i])), 100)
	}
}

// TestFastCopies compares Slice (strided, negative-free), Concatenate and Pad (with interior and
// negative padding) and their gradients against the extended backend.
func TestFastCopies(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	x := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, 3*9*8*5)), 3, 9, 8, 5)
	fn := func(x *Node) []*Node {
		s1 := Slice(x, AxisRange(), AxisRange(1, 8).Stride(2), AxisRange(2, 7), AxisRange(0, 5).Stride(3))
		s2 := SliceAxis(x, 1, AxisElem(4))
		cat := Concatenate([]*Node{x, Neg(x), Zeros(x.Graph(), shapes.Make(dtypes.Float32, 3, 2, 8, 5))}, 1)
		tr := TransposeAllDims(Mul(x, x), 2, 0, 3, 1)
		padded := Pad(x, Const(x.Graph(), float32(-1)),
			backends.PadAxis{Start: 1, End: 2}, backends.PadAxis{Start: -1, End: 1, Interior: 1},
			backends.PadAxis{Start: 2, End: -3}, backends.PadAxis{Interior: 2})
		loss := Add(ReduceAllSum(Mul(s1, s1)), ReduceAllSum(Mul(cat, cat)))
		loss = Add(loss, ReduceAllSum(Mul(tr, TransposeAllDims(x, 2, 0, 3, 1))))
		return []*Node{s1, s2, cat, padded, tr, TransposeAllDims(x, 3, 2, 1, 0), Gradient(loss, x)[0]}
	}
	got := MustNewExec(testFast, fn).MustExec(x)
	want := MustNewExec(testExtended, fn).MustExec(must1(x.LocalClone()))
	for i := range want {
		if !got[i].Shape().Equal(want[i].Shape()) {
			t.Fatalf("output %d: shape %s, want %s", i, got[i].Shape(), want[i].Shape())
		}
		assertClose(t, fmt.Sprintf("output %d", i), got[i], toF64(tensors.MustCopyFlatData[float32](want[i])), 10)
	}
}

// TestFastInPlaceUpdate runs an optimizer-like update of donated variables (outputs written over their
// donated inputs) and checks it against the same computation into fresh buffers, bit for bit, over
// several steps.
func TestFastInPlaceUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const n = 20000
	p0 := toF32(randFloats(rng, n))
	m0 := toF32(randFloats(rng, n))
	g := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, n)), n)
	step := func(p, m, g *Node) []*Node {
		mNew := Add(MulScalar(m, 0.9), MulScalar(g, 0.1))
		pNew := Sub(p, MulScalar(Div(mNew, AddScalar(Sqrt(Abs(mNew)), 1e-3)), 0.01))
		return []*Node{pNew, mNew, ReduceAllSum(Mul(pNew, p))} // p is read after pNew is computed
	}
	run := func(noInPlace bool) [][]float32 {
		fastNoInPlace = noInPlace
		defer func() { fastNoInPlace = false }()
		exec := MustNewExec(testFast, step)
		p := tensors.FromFlatDataAndDimensions(slices.Clone(p0), n)
		m := tensors.FromFlatDataAndDimensions(slices.Clone(m0), n)
		var sums []float32
		for range 4 {
			outs := exec.MustExec(must1(DonateTensorBuffer(p, testFast, 0)), must1(DonateTensorBuffer(m, testFast, 0)), g)
			p, m = outs[0], outs[1]
			sums = append(sums, tensors.ToScalar[float32](outs[2]))
		}
		return [][]float32{tensors.MustCopyFlatData[float32](p), tensors.MustCopyFlatData[float32](m), sums}
	}
	want := run(true)
	before := fastInPlaceCount.Load()
	got := run(false)
	if fastInPlaceCount.Load() == before {
		t.Fatal("no output was written in place")
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("output %d differs between in-place and fresh buffers", i)
		}
	}
}

// TestFastDenseGradient checks that the gradient of a dense layer (which GoMLX builds as a sum over a
// broadcast product) runs as a matrix product on the fast backend, with the extended backend's values.
func TestFastDenseGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	x := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, 64*50)), 64, 50)
	w := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, 50*30)), 50, 30)
	fn := func(x, w *Node) []*Node {
		y := Tanh(Dot(x, w))
		return Gradient(ReduceAllSum(Mul(y, y)), x, w)
	}
	before := MulSumFusions()
	got := MustNewExec(testFast, fn).MustExec(x, w)
	if MulSumFusions() == before {
		t.Error("the gradient's sum of a broadcast product was not turned into a matrix product")
	}
	want := MustNewExec(testExtended, fn).MustExec(must1(x.LocalClone()), must1(w.LocalClone()))
	for i := range want {
		assertClose(t, fmt.Sprintf("gradient %d", i), got[i], toF64(tensors.MustCopyFlatData[float32](want[i])), 100)
	}
}

// TestFastRandomBits checks that the fast backend's uniform random numbers (random bits converted to
// float32) and the new generator state are SimpleGo's, for several sizes and dtypes.
func TestFastRandomBits(t *testing.T) {
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
		for _, n := range []int{1, 7, 1001} {
			fn := func(state *Node) []*Node {
				newState, values := RandomUniform(state, shapes.Make(dt, n))
				s2, normal := RandomNormal(newState, shapes.Make(dt, n))
				return []*Node{newState, values, s2, normal}
			}
			state := must1(RNGStateFromSeed(42))
			got := MustNewExec(testFast, fn).MustExec(state)
			want := MustNewExec(testExtended, fn).MustExec(must1(state.LocalClone()))
			for i := range want {
				g, w := got[i].Value(), want[i].Value()
				if i%2 == 0 {
					// A state: the generator uses its first two words (SimpleGo leaves the third as
					// it finds it in a recycled buffer; the fast backend keeps it).
					g, w = g.([]uint64)[:2], w.([]uint64)[:2]
				}
				if fmt.Sprint(g) != fmt.Sprint(w) {
					t.Errorf("%s x %d, output %d: fast %.80v..., extended %.80v...", dt, n, i, g, w)
				}
			}
		}
	}
}

// TestFastConcatenateLeading covers a long concatenation along the leading axis, split over threads.
func TestFastConcatenateLeading(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	a := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, 3*20000)), 3, 20000)
	c := tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, 2*20000)), 2, 20000)
	fn := func(a, c *Node) *Node { return Concatenate([]*Node{a, c, a}, 0) }
	got := MustExecOnce(testFast, fn, a, c)
	want := MustExecOnce(testExtended, fn, must1(a.LocalClone()), must1(c.LocalClone()))
	assertClose(t, "concatenation", got, toF64(tensors.MustCopyFlatData[float32](want)), 1)
}
