package npy

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// Named halves of the tests.
const (
	Float16PosInf  Float16 = 0x7c00
	Float16NegInf  Float16 = 0xfc00
	Float16NaN     Float16 = 0x7e00
	Float16Max     Float16 = 0x7bff
	Float16MinPos  Float16 = 0x0001
	Float16MinNorm Float16 = 0x0400
)

// TestFloat16Exhaustive converts every one of the 65536 half values to float32 and back.
func TestFloat16Exhaustive(t *testing.T) {
	for i := range 1 << 16 {
		h := Float16(i)
		f := h.Float32()
		back := FromFloat32(f)
		if h.IsNaN() {
			if !math.IsNaN(float64(f)) || !back.IsNaN() || back&0x8000 != h&0x8000 {
				t.Fatalf("NaN %#04x -> %v -> %#04x", i, f, uint16(back))
			}
			if h&0x0200 != 0 && back != h {
				t.Fatalf("quiet NaN %#04x came back as %#04x", i, uint16(back))
			}
			continue
		}
		if back != h {
			t.Fatalf("%#04x -> %v -> %#04x", i, f, uint16(back))
		}
		if FromFloat64(float64(h.Float32())) != h {
			t.Fatalf("FromFloat64 of %#04x (%v) is not the identity", i, f)
		}
		// The float32 value must equal the mathematical value of the half.
		sign := 1.0
		if i&0x8000 != 0 {
			sign = -1
		}
		exp := (i >> 10) & 0x1f
		frac := float64(i & 0x3ff)
		var want float64
		switch exp {
		case 0:
			want = sign * frac * math.Ldexp(1, -24)
		case 0x1f:
			want = math.Inf(int(sign))
		default:
			want = sign * (1 + frac/1024) * math.Ldexp(1, exp-15)
		}
		if float64(f) != want || math.Signbit(float64(f)) != (sign < 0) {
			t.Fatalf("%#04x -> %v, want %v", i, f, want)
		}
	}
}

// positiveHalves are the values of the finite non-negative halves, in increasing order.
var positiveHalves = func() []float64 {
	v := make([]float64, 0x7c00)
	for i := range v {
		v[i] = float64(Float16(i).Float32())
	}
	return v
}()

// reference rounds x to the nearest half by search over all halves, ties to even, with
// overflow to infinity at 65520 (the largest half plus half its unit in the last place).
func reference(x float64) Float16 {
	var sign Float16
	if math.Signbit(x) {
		sign, x = 0x8000, -x
	}
	if x >= 65520 {
		return sign | Float16PosInf
	}
	i := sort.SearchFloat64s(positiveHalves, x) // first half >= x
	if i < len(positiveHalves) && positiveHalves[i] == x {
		return sign | Float16(i)
	}
	lo, hi := i-1, i
	if hi == len(positiveHalves) {
		return sign | Float16(lo)
	}
	dlo, dhi := x-positiveHalves[lo], positiveHalves[hi]-x
	switch {
	case dlo < dhi:
		return sign | Float16(lo)
	case dhi < dlo:
		return sign | Float16(hi)
	case lo%2 == 0:
		return sign | Float16(lo)
	default:
		return sign | Float16(hi)
	}
}

func TestFloat16Rounding(t *testing.T) {
	check := func(x float32) {
		t.Helper()
		if got, want := FromFloat32(x), reference(float64(x)); got != want {
			t.Fatalf("FromFloat32(%v) = %#04x, want %#04x", x, uint16(got), uint16(want))
		}
		if got, want := FromFloat64(float64(x)), reference(float64(x)); got != want {
			t.Fatalf("FromFloat64(%v) = %#04x, want %#04x", x, uint16(got), uint16(want))
		}
	}
	// Every midpoint between neighbouring halves (an exact tie, representable in float32),
	// and the float32 neighbours on each side of it.
	for i := 0; i+1 < len(positiveHalves); i++ {
		mid := float32((positiveHalves[i] + positiveHalves[i+1]) / 2)
		for _, x := range []float32{mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9)} {
			check(x)
			check(-x)
		}
	}
	// Named cases.
	cases := []struct {
		x    float32
		want Float16
	}{
		{0, 0}, {float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00}, {-2, 0xc000}, {65504, Float16Max},
		{65519.996, Float16Max}, {65520, Float16PosInf}, {-65520, Float16NegInf},
		{1e10, Float16PosInf}, {float32(math.Inf(-1)), Float16NegInf},
		{0x1p-24, Float16MinPos}, {0x1p-25, 0}, {0x1.000002p-25, Float16MinPos},
		{0x1.8p-24, 0x0002}, {0x1p-14, Float16MinNorm}, {0x1.ff8p-15, 0x03ff}, {0x1.ffcp-15, Float16MinNorm},
		{0x1p-149, 0}, {-0x1p-149, 0x8000},
		{1 + 0x1p-11, 0x3c00}, {1 + 0x3p-11, 0x3c02}, {1 + 0x1p-11 + 0x1p-23, 0x3c01},
	}
	for _, c := range cases {
		if got := FromFloat32(c.x); got != c.want {
			t.Errorf("FromFloat32(%v) = %#04x, want %#04x", c.x, uint16(got), uint16(c.want))
		}
		check(c.x)
	}
	// Random float32 bit patterns over the whole range, and random values in half's range.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		x := math.Float32frombits(rng.Uint32())
		if !math.IsNaN(float64(x)) {
			check(x)
		}
		check(float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(44)-28))))
	}
	if !FromFloat32(float32(math.NaN())).IsNaN() || !FromFloat64(math.NaN()).IsNaN() {
		t.Error("NaN did not convert to NaN")
	}
	if h := FromFloat32(math.Float32frombits(0xff800001)); !h.IsNaN() || h&0x8000 == 0 {
		t.Error("a signalling NaN did not stay a NaN with its sign")
	}
}

// TestFromFloat64RoundsOnce checks values where float64 -> float32 -> float16 rounds twice and
// gets the wrong answer: a float64 just above a half midpoint that rounds to the midpoint in
// float32.
func TestFromFloat64RoundsOnce(t *testing.T) {
	for i := 0; i+1 < len(positiveHalves); i += 7 {
		mid := (positiveHalves[i] + positiveHalves[i+1]) / 2
		for _, x := range []float64{mid * (1 + 0x1p-40), mid * (1 - 0x1p-40)} {
			if x == mid {
				continue // subnormal midpoints too small to perturb this way
			}
			if got, want := FromFloat64(x), reference(x); got != want {
				t.Fatalf("FromFloat64(%v) = %#04x, want %#04x", x, uint16(got), uint16(want))
			}
		}
	}
	x := 1 + 0x1p-11 + 0x1p-40 // above the tie between 0x3c00 and 0x3c01
	if FromFloat64(x) != 0x3c01 || FromFloat32(float32(x)) != 0x3c00 {
		t.Errorf("double rounding example: FromFloat64 %#04x, via float32 %#04x", uint16(FromFloat64(x)), uint16(FromFloat32(float32(x))))
	}
}

func TestFloat16Predicates(t *testing.T) {
	if !Float16PosInf.IsInf(1) || Float16PosInf.IsInf(-1) || !Float16NegInf.IsInf(0) || Float16Max.IsInf(0) {
		t.Error("IsInf")
	}
	if !Float16NaN.IsNaN() || Float16PosInf.IsNaN() || Float16(0x7c01).IsNaN() == false {
		t.Error("IsNaN")
	}
	if got := Float16s([]float32{1, 2}); got[0] != 0x3c00 || got[1] != 0x4000 {
		t.Errorf("Float16s: %v", got)
	}
}

func BenchmarkFromFloat32(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i) * 0.37
	}
	b.SetBytes(int64(4 * len(x)))
	var sink Float16
	for b.Loop() {
		for _, v := range x {
			sink ^= FromFloat32(v)
		}
	}
	_ = sink
}

func BenchmarkFloat16ToFloat32(b *testing.B) {
	x := make([]Float16, 4096)
	for i := range x {
		x[i] = Float16(i * 7)
	}
	b.SetBytes(int64(2 * len(x)))
	var sink float32
	for b.Loop() {
		for _, v := range x {
			sink += v.Float32()
		}
	}
	_ = sink
}
