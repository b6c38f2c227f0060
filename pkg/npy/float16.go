package npy

import "math"

// Float16 is an IEEE 754 binary16 ("half precision") number, stored as its bit pattern:
// 1 sign bit, 5 exponent bits (bias 15) and 10 fraction bits. It is NumPy's float16 ('<f2').
type Float16 uint16

// Float16 constants.
const (
	Float16PosInf   Float16 = 0x7c00 // +Inf
	Float16NegInf   Float16 = 0xfc00 // -Inf
	Float16NaN      Float16 = 0x7e00 // a quiet NaN
	Float16Max      Float16 = 0x7bff // 65504, the largest finite value
	Float16MinPos   Float16 = 0x0001 // 2^-24, the smallest positive subnormal
	Float16MinNorm  Float16 = 0x0400 // 2^-14, the smallest positive normal
	float16SignMask         = 0x8000
	float16ExpMask          = 0x7c00
	float16FracMask         = 0x03ff
	float16QuietBit         = 0x0200
)

// Float32 returns h as a float32. The conversion is exact for every value, subnormals
// included; a NaN keeps its sign and the top 10 bits of its payload.
func (h Float16) Float32() float32 {
	sign := uint32(h&float16SignMask) << 16
	exp := uint32(h&float16ExpMask) >> 10
	frac := uint32(h & float16FracMask)
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // signed zero
		return math.Float32frombits(sign)
	default: // subnormal: frac * 2^-24, exact in float32
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
}

// Float64 returns h as a float64 (exact).
func (h Float16) Float64() float64 { return float64(h.Float32()) }

// IsNaN reports whether h is a NaN.
func (h Float16) IsNaN() bool { return h&float16ExpMask == float16ExpMask && h&float16FracMask != 0 }

// IsInf reports whether h is an infinity, according to sign: sign > 0 asks for +Inf, sign < 0
// for -Inf, and sign == 0 for either (as math.IsInf).
func (h Float16) IsInf(sign int) bool {
	return (sign >= 0 && h == Float16PosInf) || (sign <= 0 && h == Float16NegInf)
}

// FromFloat32 returns the Float16 nearest to f, rounding ties to even (the IEEE default).
// Values beyond the largest finite half (65504) by half a unit in the last place or more
// become infinities; values too small for the smallest subnormal become signed zeros. A NaN
// becomes a quiet NaN with the same sign and the top bits of the payload.
func FromFloat32(f float32) Float16 {
	b := math.Float32bits(f)
	sign := Float16(b>>16) & float16SignMask
	exp := int(b>>23) & 0xff
	frac := uint64(b & 0x7fffff)
	if exp == 0xff {
		if frac == 0 {
			return sign | Float16PosInf
		}
		return sign | Float16PosInf | float16QuietBit | Float16(frac>>13)
	}
	// f = 1.frac * 2^(exp-127) for normal f; float32 subnormals are far below half's range.
	return sign | roundToHalf(exp-127, frac, 23)
}

// FromFloat64 returns the Float16 nearest to f, rounding ties to even. Rounding happens once,
// directly from float64: FromFloat32(float32(f)) can differ by one unit in the last place
// (double rounding), FromFloat64(f) does not.
func FromFloat64(f float64) Float16 {
	b := math.Float64bits(f)
	sign := Float16(b>>48) & float16SignMask
	exp := int(b>>52) & 0x7ff
	frac := b & (1<<52 - 1)
	if exp == 0x7ff {
		if frac == 0 {
			return sign | Float16PosInf
		}
		return sign | Float16PosInf | float16QuietBit | Float16(frac>>42)
	}
	if exp == 0 { // float64 zero or subnormal: far below half's range
		return sign
	}
	return sign | roundToHalf(exp-1023, frac, 52)
}

// roundToHalf rounds the positive normal number 1.frac * 2^e, where frac has fracBits bits,
// to the bit pattern of the nearest Float16 (ties to even). A zero frac with a very small e
// (float zero) also comes out as 0.
func roundToHalf(e int, frac uint64, fracBits uint) Float16 {
	if e > 15 {
		return Float16PosInf
	}
	var m uint64 // significand with the implicit bit, fracBits+1 bits
	var shift uint
	var h uint64
	if e >= -14 {
		// Normal half: keep the top 10 fraction bits. The exponent goes into the pattern above
		// the fraction, so a carry out of the fraction bumps the exponent, and a carry out of
		// exponent 30 gives exactly the pattern of +Inf.
		m = frac
		shift = fracBits - 10
		h = uint64(e+15)<<10 | m>>shift
	} else {
		// Subnormal half: the value in units of 2^-24 is m * 2^(e+24-fracBits).
		if e < -25 {
			return 0 // below half the smallest subnormal: rounds to zero
		}
		m = frac | 1<<fracBits
		shift = fracBits - 24 - uint(e) // e in [-25, -15]: shift in [fracBits-9, fracBits+1]
		h = m >> shift
	}
	rem := m & (1<<shift - 1)
	half := uint64(1) << (shift - 1)
	if rem > half || (rem == half && h&1 == 1) {
		h++
	}
	return Float16(h)
}

// Float16s converts a []float32 to a new []Float16 with FromFloat32.
func Float16s(x []float32) []Float16 {
	out := make([]Float16, len(x))
	for i, v := range x {
		out[i] = FromFloat32(v)
	}
	return out
}
