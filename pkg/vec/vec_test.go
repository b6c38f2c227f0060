package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

var testLengths = []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1023, 1024, 1025}

func f32(bits uint32) float32 { return math.Float32frombits(bits) }

var specials = []float32{
	f32(0x7fc00000), f32(0xffc00000), f32(0x7fc12345), f32(0x7f800001), // NaNs (the last signaling)
	float32(math.Inf(1)), float32(math.Inf(-1)), 0, f32(0x80000000),
	f32(1), f32(0x80000001), f32(0x007fffff), f32(0x807fffff), // denormals
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1, -1, 2, 0.5,
}

// testData returns n values: random floats, small integers (so that equal pairs occur) and
// special values.
func testData(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch rng.IntN(4) {
		case 0:
			s[i] = specials[rng.IntN(len(specials))]
		case 1:
			s[i] = float32(rng.IntN(5) - 2)
		default:
			s[i] = float32(rng.NormFloat64() * 10)
		}
	}
	return s
}

var scalarValues = []float32{0, f32(0x80000000), 1.5, -2, 1, f32(0x7fc00000), f32(0xffc54321), f32(0x7f800001),
	float32(math.Inf(1)), float32(math.Inf(-1)), f32(1), -f32(0x007fffff)}

func isNaN(x float32) bool { return x != x }

func sign(x float32) bool { return math.Float32bits(x)>>31 != 0 }

// refMax and refMin are the reference Max and Min, written independently of max32/min32.
func refMax(x, y float32) float32 {
	switch {
	case isNaN(y):
		return y
	case isNaN(x):
		return x
	case x == 0 && y == 0:
		if sign(x) && sign(y) {
			return f32(0x80000000)
		}
		return 0
	case x >= y:
		return x
	}
	return y
}

func refMin(x, y float32) float32 {
	switch {
	case isNaN(y):
		return y
	case isNaN(x):
		return x
	case x == 0 && y == 0:
		if sign(x) || sign(y) {
			return f32(0x80000000)
		}
		return 0
	case x <= y:
		return x
	}
	return y
}

func one(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

type binCase struct {
	name string
	f    func(dst, a, b []float32)
	ref  func(x, y float32) float32
}

var binCases = []binCase{
	{"Add", Add, func(x, y float32) float32 { return x + y }},
	{"Sub", Sub, func(x, y float32) float32 { return x - y }},
	{"Mul", Mul, func(x, y float32) float32 { return x * y }},
	{"Div", Div, func(x, y float32) float32 { return x / y }},
	{"Max", Max, refMax},
	{"Min", Min, refMin},
	{"GreaterOrEqual", GreaterOrEqual, func(x, y float32) float32 { return one(x >= y) }},
	{"GreaterThan", GreaterThan, func(x, y float32) float32 { return one(x > y) }},
	{"LessOrEqual", LessOrEqual, func(x, y float32) float32 { return one(x <= y) }},
	{"LessThan", LessThan, func(x, y float32) float32 { return one(x < y) }},
	{"Equal", Equal, func(x, y float32) float32 { return one(x == y) }},
	{"NotEqual", NotEqual, func(x, y float32) float32 { return one(x != y) }},
}

type scalCase struct {
	name string
	f    func(dst, a []float32, s float32)
	ref  func(x, s float32) float32
}

var scalCases = []scalCase{
	{"AddScalar", AddScalar, func(x, s float32) float32 { return x + s }},
	{"MulScalar", MulScalar, func(x, s float32) float32 { return x * s }},
	{"SubScalar", SubScalar, func(x, s float32) float32 { return x - s }},
	{"ScalarSub", ScalarSub, func(x, s float32) float32 { return s - x }},
	{"DivScalar", DivScalar, func(x, s float32) float32 { return x / s }},
	{"ScalarDiv", ScalarDiv, func(x, s float32) float32 { return s / x }},
	{"MaxScalar", MaxScalar, refMax},
	{"MinScalar", MinScalar, refMin},
	{"GreaterOrEqualScalar", GreaterOrEqualScalar, func(x, s float32) float32 { return one(x >= s) }},
	{"GreaterThanScalar", GreaterThanScalar, func(x, s float32) float32 { return one(x > s) }},
	{"LessOrEqualScalar", LessOrEqualScalar, func(x, s float32) float32 { return one(x <= s) }},
	{"LessThanScalar", LessThanScalar, func(x, s float32) float32 { return one(x < s) }},
	{"EqualScalar", EqualScalar, func(x, s float32) float32 { return one(x == s) }},
	{"NotEqualScalar", NotEqualScalar, func(x, s float32) float32 { return one(x != s) }},
}

type unCase struct {
	name string
	f    func(dst, a []float32)
	ref  func(x float32) float32
}

var unCases = []unCase{
	{"Neg", Neg, func(x float32) float32 { return f32(math.Float32bits(x) ^ 0x80000000) }},
	{"Abs", Abs, func(x float32) float32 { return f32(math.Float32bits(x) & 0x7fffffff) }},
	{"Sqrt", Sqrt, func(x float32) float32 { return float32(math.Sqrt(float64(x))) }},
}

// forKernels runs f once per available kernel, forced with SetKernel.
func forKernels(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	defer SetKernel("")
	for _, k := range Kernels() {
		t.Run(k, func(t *testing.T) {
			if err := SetKernel(k); err != nil {
				t.Fatal(err)
			}
			if Kernel() != k {
				t.Fatalf("Kernel() = %q after SetKernel(%q)", Kernel(), k)
			}
			f(t)
		})
	}
}

const guard = 40 // elements past n that must stay untouched

// newDst returns a slice of length n whose capacity holds guard sentinel elements.
func newDst(n int) []float32 {
	d := make([]float32, n+guard)
	for i := range d {
		d[i] = f32(0x7fbadbad)
	}
	return d[:n]
}

func checkGuard(t *testing.T, what string, d []float32) {
	t.Helper()
	for i, v := range d[len(d) : len(d)+guard] {
		if math.Float32bits(v) != 0x7fbadbad {
			t.Fatalf("%s: wrote past the end at n+%d", what, i)
		}
	}
}

func check(t *testing.T, what string, n int, got []float32, want func(i int) float32, inputs func(i int) []float32) {
	t.Helper()
	for i := 0; i < n; i++ {
		if w := want(i); math.Float32bits(got[i]) != math.Float32bits(w) {
			t.Fatalf("%s n=%d: [%d] inputs %v: got %v (%#08x), want %v (%#08x)",
				what, n, i, inputs(i), got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
		}
	}
}

func TestBinary(t *testing.T) {
	forKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, c := range binCases {
			for _, n := range testLengths {
				a := testData(rng, n+3) // inputs may be longer than dst
				b := testData(rng, n+5)
				if n > 0 && rng.IntN(2) == 0 {
					b[n/2] = a[n/2]
				}
				in := func(i int) []float32 { return []float32{a[i], b[i]} }
				d := newDst(n)
				c.f(d, a, b)
				checkGuard(t, c.name, d)
				check(t, c.name, n, d, func(i int) float32 { return c.ref(a[i], b[i]) }, in)
				// Aliasing: dst == a, dst == b, and all three the same.
				for k := 0; k < 3; k++ {
					x, y := append([]float32(nil), a[:n]...), append([]float32(nil), b[:n]...)
					want := func(i int) float32 { return c.ref(a[i], b[i]) }
					switch k {
					case 0:
						c.f(x, x, y)
						check(t, c.name+" dst==a", n, x, want, in)
					case 1:
						c.f(y, x, y)
						check(t, c.name+" dst==b", n, y, want, in)
					case 2:
						c.f(x, x, x)
						check(t, c.name+" dst==a==b", n, x, func(i int) float32 { return c.ref(a[i], a[i]) }, in)
					}
				}
				// Unaligned slices.
				if n > 0 {
					d2 := make([]float32, n+1)[1:]
					c.f(d2, a[1:n+1], b[2:n+2])
					check(t, c.name+" unaligned", n, d2, func(i int) float32 { return c.ref(a[i+1], b[i+2]) },
						func(i int) []float32 { return []float32{a[i+1], b[i+2]} })
				}
			}
		}
	})
}

// TestSpecialPairs checks every pair of special values (and a few ordinary ones) in one call.
func TestSpecialPairs(t *testing.T) {
	vals := append(append([]float32(nil), specials...), 3, -3, 1e30, -1e-30)
	var a, b []float32
	for _, x := range vals {
		for _, y := range vals {
			a, b = append(a, x), append(b, y)
		}
	}
	forKernels(t, func(t *testing.T) {
		in := func(i int) []float32 { return []float32{a[i], b[i]} }
		for _, c := range binCases {
			d := make([]float32, len(a))
			c.f(d, a, b)
			check(t, c.name, len(a), d, func(i int) float32 { return c.ref(a[i], b[i]) }, in)
		}
		for _, c := range scalCases {
			for _, s := range vals {
				d := make([]float32, len(a))
				c.f(d, a, s)
				check(t, c.name, len(a), d, func(i int) float32 { return c.ref(a[i], s) },
					func(i int) []float32 { return []float32{a[i], s} })
			}
		}
		d := make([]float32, len(a))
		Where(d, a, b, a)
		check(t, "Where", len(a), d, func(i int) float32 {
			if a[i] != 0 {
				return b[i]
			}
			return a[i]
		}, in)
	})
}

func TestScalar(t *testing.T) {
	forKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, c := range scalCases {
			for _, n := range testLengths {
				for _, s := range scalarValues {
					a := testData(rng, n+2)
					in := func(i int) []float32 { return []float32{a[i], s} }
					want := func(i int) float32 { return c.ref(a[i], s) }
					d := newDst(n)
					c.f(d, a, s)
					checkGuard(t, c.name, d)
					check(t, c.name, n, d, want, in)
					x := append([]float32(nil), a[:n]...)
					c.f(x, x, s)
					check(t, c.name+" dst==a", n, x, want, in)
				}
			}
		}
	})
}

func TestUnary(t *testing.T) {
	forKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, c := range unCases {
			for _, n := range testLengths {
				a := testData(rng, n+1)
				in := func(i int) []float32 { return []float32{a[i]} }
				want := func(i int) float32 { return c.ref(a[i]) }
				d := newDst(n)
				c.f(d, a)
				checkGuard(t, c.name, d)
				check(t, c.name, n, d, want, in)
				x := append([]float32(nil), a[:n]...)
				c.f(x, x)
				check(t, c.name+" dst==a", n, x, want, in)
			}
		}
	})
}

func TestWhere(t *testing.T) {
	conds := []float32{0, f32(0x80000000), 1, f32(0x7fc00000), f32(0xffc00000), f32(1), -1, 2, float32(math.Inf(-1))}
	forKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, n := range testLengths {
			c := make([]float32, n+1)
			for i := range c {
				c[i] = conds[rng.IntN(len(conds))]
			}
			a, b := testData(rng, n+2), testData(rng, n+3)
			in := func(i int) []float32 { return []float32{c[i], a[i], b[i]} }
			want := func(i int) float32 {
				if c[i] != 0 {
					return a[i]
				}
				return b[i]
			}
			d := newDst(n)
			Where(d, c, a, b)
			checkGuard(t, "Where", d)
			check(t, "Where", n, d, want, in)
			for k := 0; k < 3; k++ {
				x := [][]float32{append([]float32(nil), c[:n]...), append([]float32(nil), a[:n]...), append([]float32(nil), b[:n]...)}
				Where(x[k], x[0], x[1], x[2])
				check(t, "Where aliased", n, x[k], want, in)
			}
		}
	})
}

func TestFill(t *testing.T) {
	forKernels(t, func(t *testing.T) {
		for _, n := range testLengths {
			for _, v := range scalarValues {
				d := newDst(n)
				Fill(d, v)
				checkGuard(t, "Fill", d)
				check(t, "Fill", n, d, func(int) float32 { return v }, func(int) []float32 { return nil })
			}
		}
	})
}

func TestAccumulateF64(t *testing.T) {
	forKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, n := range testLengths {
			a := testData(rng, n+4)
			acc0 := make([]float64, n+guard)
			for i := range acc0 {
				acc0[i] = rng.NormFloat64()
			}
			if n > 0 {
				acc0[0] = math.NaN()
			}
			acc := append([]float64(nil), acc0...)
			AccumulateF64(acc[:n], a)
			for i := range acc {
				want := acc0[i]
				if i < n {
					want += float64(a[i])
				}
				if math.Float64bits(acc[i]) != math.Float64bits(want) {
					t.Fatalf("n=%d: acc[%d] = %v, want %v (%v + %v)", n, i, acc[i], want, acc0[i], a[i])
				}
			}
		}
	})
}

func TestSumF64(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	lengths := append(append([]int(nil), testLengths...), 2, 4, 5, 12, 32, 47, 48, 64, 4099)
	for _, n := range lengths {
		a := make([]float32, n)
		for i := range a {
			a[i] = float32(rng.NormFloat64() * 100)
		}
		var naive float64
		for _, v := range a {
			naive += float64(v)
		}
		want := sumF64Go(&append(a, 0)[0], n)
		if math.Abs(want-naive) > 1e-9*(1+math.Abs(naive)) {
			t.Fatalf("n=%d: generic sum %v, naive %v", n, want, naive)
		}
		forKernels(t, func(t *testing.T) {
			if got := SumF64(a); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("n=%d: SumF64 = %v, want %v (generic order)", n, got, want)
			}
		})
	}
	// Special values.
	forKernels(t, func(t *testing.T) {
		for _, c := range []struct {
			a    []float32
			want float64
		}{
			{nil, 0},
			{[]float32{f32(0x80000000)}, 0},
			{[]float32{1, float32(math.Inf(1)), 2}, math.Inf(1)},
			{[]float32{float32(math.Inf(1)), float32(math.Inf(-1))}, math.NaN()},
			{append(make([]float32, 20), f32(0x7fc00000)), math.NaN()},
			{append([]float32{f32(0x7fc00000)}, make([]float32, 20)...), math.NaN()},
			{[]float32{math.MaxFloat32, math.MaxFloat32}, 2 * math.MaxFloat32},
		} {
			got := SumF64(c.a)
			if !(got == c.want || math.IsNaN(got) && math.IsNaN(c.want)) || got == 0 && math.Signbit(got) {
				t.Errorf("SumF64(%v) = %v, want %v", c.a, got, c.want)
			}
		}
	})
}

func TestShortInputPanics(t *testing.T) {
	forKernels(t, func(t *testing.T) {
		for name, f := range map[string]func(){
			"Add":           func() { Add(make([]float32, 9), make([]float32, 9), make([]float32, 8)) },
			"MulScalar":     func() { MulScalar(make([]float32, 9), make([]float32, 8), 2) },
			"Neg":           func() { Neg(make([]float32, 9), make([]float32, 8)) },
			"Where":         func() { Where(make([]float32, 9), make([]float32, 8), make([]float32, 9), make([]float32, 9)) },
			"AccumulateF64": func() { AccumulateF64(make([]float64, 9), make([]float32, 8)) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s with a short input did not panic", name)
					}
				}()
				f()
			}()
		}
	})
}

func TestSetKernel(t *testing.T) {
	defer SetKernel("")
	if err := SetKernel("nosuch"); err == nil {
		t.Fatal("SetKernel(nosuch) succeeded")
	}
	if err := SetKernel("generic"); err != nil || Kernel() != "generic" {
		t.Fatalf("SetKernel(generic): %v, Kernel() = %q", err, Kernel())
	}
	if err := SetKernel(""); err != nil || Kernel() != Kernels()[0] {
		t.Fatalf("SetKernel(\"\"): %v, Kernel() = %q, Kernels() = %v", err, Kernel(), Kernels())
	}
	t.Logf("kernels: %v", Kernels())
}
