package vec

import (
	"math"
	"unsafe"
)

// genericImpl is the portable pure-Go kernel family.
var genericImpl = &impl{
	name: "generic",
	bin: [numBin]binFn{
		opAdd: addGo, opSub: subGo, opMul: mulGo, opDiv: divGo, opMax: maxGo, opMin: minGo,
		opGE: geGo, opGT: gtGo, opLE: leGo, opLT: ltGo, opEQ: eqGo, opNE: neGo,
	},
	scal: [numScal]scalFn{
		sAdd: addScalarGo, sMul: mulScalarGo, sSub: subScalarGo, sRSub: scalarSubGo,
		sDiv: divScalarGo, sRDiv: scalarDivGo, sMax: maxScalarGo, sMin: minScalarGo,
		sGE: geScalarGo, sGT: gtScalarGo, sLE: leScalarGo, sLT: ltScalarGo, sEQ: eqScalarGo, sNE: neScalarGo,
	},
	un:    [numUn]unFn{uNeg: negGo, uAbs: absGo, uSqrt: sqrtGo},
	where: whereGo,
	fill:  fillGo,
	acc:   accumulateF64Go,
	sum:   sumF64Go,
}

// max32 is Max for one element: y if y is NaN, else x if x is NaN, else the larger, +0 for ±0.
func max32(x, y float32) float32 {
	switch {
	case y != y:
		return y
	case x != x:
		return x
	case x > y:
		return x
	case y > x:
		return y
	}
	// Equal: the same bits, or +0 and -0 (+0 wins).
	return math.Float32frombits(math.Float32bits(x) & math.Float32bits(y))
}

// min32 is Min for one element: y if y is NaN, else x if x is NaN, else the smaller, -0 for ±0.
func min32(x, y float32) float32 {
	switch {
	case y != y:
		return y
	case x != x:
		return x
	case x < y:
		return x
	case y < x:
		return y
	}
	return math.Float32frombits(math.Float32bits(x) | math.Float32bits(y))
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

func s3(dst, a, b *float32, n int) ([]float32, []float32, []float32) {
	return unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n)
}

func s2(dst, a *float32, n int) ([]float32, []float32) {
	return unsafe.Slice(dst, n), unsafe.Slice(a, n)
}

func addGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = x[i] + y[i]
	}
}

func subGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = x[i] - y[i]
	}
}

func mulGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = x[i] * y[i]
	}
}

func divGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = x[i] / y[i]
	}
}

func maxGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = max32(x[i], y[i])
	}
}

func minGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = min32(x[i], y[i])
	}
}

func geGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = b2f(x[i] >= y[i])
	}
}

func gtGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = b2f(x[i] > y[i])
	}
}

func leGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = b2f(x[i] <= y[i])
	}
}

func ltGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = b2f(x[i] < y[i])
	}
}

func eqGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = b2f(x[i] == y[i])
	}
}

func neGo(dst, a, b *float32, n int) {
	d, x, y := s3(dst, a, b, n)
	for i := range d {
		d[i] = b2f(x[i] != y[i])
	}
}

func addScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = x[i] + s
	}
}

func mulScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = x[i] * s
	}
}

func subScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = x[i] - s
	}
}

func scalarSubGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = s - x[i]
	}
}

func divScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = x[i] / s
	}
}

func scalarDivGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = s / x[i]
	}
}

func maxScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = max32(x[i], s)
	}
}

func minScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = min32(x[i], s)
	}
}

func geScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = b2f(x[i] >= s)
	}
}

func gtScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = b2f(x[i] > s)
	}
}

func leScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = b2f(x[i] <= s)
	}
}

func ltScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = b2f(x[i] < s)
	}
}

func eqScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = b2f(x[i] == s)
	}
}

func neScalarGo(dst, a *float32, s float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = b2f(x[i] != s)
	}
}

func whereGo(dst, c, a, b *float32, n int) {
	d, cc := s2(dst, c, n)
	x, y := s2(a, b, n)
	for i := range d {
		if cc[i] != 0 {
			d[i] = x[i]
		} else {
			d[i] = y[i]
		}
	}
}

func negGo(dst, a *float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = math.Float32frombits(math.Float32bits(x[i]) ^ (1 << 31))
	}
}

func absGo(dst, a *float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		d[i] = math.Float32frombits(math.Float32bits(x[i]) &^ (1 << 31))
	}
}

func sqrtGo(dst, a *float32, n int) {
	d, x := s2(dst, a, n)
	for i := range d {
		// The float64 square root rounded to float32 is the correctly rounded float32 root.
		d[i] = float32(math.Sqrt(float64(x[i])))
	}
}

func fillGo(dst *float32, v float32, n int) {
	d := unsafe.Slice(dst, n)
	for i := range d {
		d[i] = v
	}
}

func accumulateF64Go(acc *float64, a *float32, n int) {
	d, x := unsafe.Slice(acc, n), unsafe.Slice(a, n)
	for i := range d {
		d[i] += float64(x[i])
	}
}

// sumF64Go defines the summation order of SumF64, which the assembly kernels reproduce exactly:
// 16 lanes (element i into lane i%16) over the first n&^15 elements, the lanes combined as
// v[j] = (l[j]+l[4+j]) + (l[8+j]+l[12+j]), s = (v[0]+v[2]) + (v[1]+v[3]), then the remaining
// elements added to s in order.
func sumF64Go(a *float32, n int) float64 {
	x := unsafe.Slice(a, n)
	var l [16]float64
	i := 0
	for ; i+16 <= n; i += 16 {
		blk := (*[16]float32)(x[i : i+16])
		for j, v := range blk {
			l[j] += float64(v)
		}
	}
	var v [4]float64
	for j := range v {
		v[j] = (l[j] + l[4+j]) + (l[8+j] + l[12+j])
	}
	s := (v[0] + v[2]) + (v[1] + v[3])
	for ; i < n; i++ {
		s += float64(x[i])
	}
	return s
}
