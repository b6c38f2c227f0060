// Package oscillator gives the steady state of the driven damped harmonic oscillator
//
//	x'' + 2γx' + x = cos(ωt),
//
// the model physical problem of the SciNet review (Bolshakov 2020, section 4): its steady-state
// solution is x(t) = A cos(ωt − φ) with
//
//	A = 1/sqrt(4γ²ω² + (1−ω²)²),   tan φ = 2γω/(1−ω²),   0 ≤ φ ≤ π.
//
// It also provides [Fold], the reflection the review applies to sampled damping values.
package oscillator

import (
	"errors"
	"fmt"
	"math"
)

// Amplitude returns the steady-state amplitude A(ω, γ) = 1/sqrt(4γ²ω² + (1−ω²)²). It is even in ω and
// in γ, equals 1 at ω = 0, and diverges at the resonance ω = ±1, γ = 0.
func Amplitude(omega, gamma float64) float64 {
	d := 1 - omega*omega
	return 1 / math.Sqrt(4*gamma*gamma*omega*omega+d*d)
}

// LogAmplitude returns ln A(ω, γ) = −½ ln(4γ²ω² + (1−ω²)²), computed without forming A (accurate far
// from resonance, where A underflows towards 0).
func LogAmplitude(omega, gamma float64) float64 {
	d := 1 - omega*omega
	return -0.5 * math.Log(4*gamma*gamma*omega*omega+d*d)
}

// Phase returns the phase lag φ(ω, γ) of the response behind the drive: the angle with
// tan φ = 2γω/(1−ω²) on the branch 0 ≤ φ ≤ π, i.e. atan2(2γ|ω|, 1−ω²). For γ ≥ 0 it rises from 0
// (ω → 0) through π/2 (ω = 1) towards π (ω → ∞), continuously across ω = 1 whenever γ > 0.
//
// ω enters through |ω| because cos(−ωt) = cos(ωt): a negative driving frequency is the same drive, so
// A and φ are even in ω (this is exact, not a convention). For γ < 0, where no steady state exists, the
// formula is continued and gives φ in [−π, 0].
func Phase(omega, gamma float64) float64 {
	return math.Atan2(2*gamma*math.Abs(omega), 1-omega*omega)
}

// Displacement returns the steady-state displacement x(t) = A cos(ωt − φ).
func Displacement(omega, gamma, t float64) float64 {
	return Amplitude(omega, gamma) * math.Cos(omega*t-Phase(omega, gamma))
}

// Fold maps v into [lo, hi] by repeated reflection at the bounds (a triangle wave of period
// 2(hi−lo)): values below lo are mirrored over lo, values above hi over hi, until they land inside.
// This is the review's treatment of damping values, "any datapoints with γ < 1e−3 were folded back ...
// through a reflection over the line γ = 1e−3 ... Values that left the underdamped regime with γ > 1
// were also reflected back over that line", applied repeatedly so that even far tails land inside.
// It returns an error unless lo < hi are finite; NaN v stays NaN.
func Fold(v, lo, hi float64) (float64, error) {
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return math.NaN(), fmt.Errorf("oscillator: Fold needs finite lo < hi, got [%g, %g]", lo, hi)
	}
	if math.IsInf(v, 0) {
		return math.NaN(), errors.New("oscillator: Fold of an infinite value")
	}
	if v >= lo && v <= hi {
		return v, nil
	}
	w := hi - lo
	r := math.Mod(v-lo, 2*w)
	if r < 0 {
		r += 2 * w
	}
	if r > w {
		r = 2*w - r
	}
	return lo + r, nil
}
