package oscillator

import (
	"fmt"
	"math"
	"testing"
)

func TestAmplitudePhaseKnownValues(t *testing.T) {
	tests := []struct {
		omega, gamma float64
		amp, phase   float64
	}{
		{0, 0.5, 1, 0},             // static limit: x = 1, in phase
		{1, 0.5, 1, math.Pi / 2},   // resonance frequency: A = 1/(2γ), φ = π/2
		{1, 0.01, 50, math.Pi / 2}, // sharp resonance
		{2, 0, 1.0 / 3, math.Pi},   // undamped above resonance: anti-phase
		{0.5, 0, 1 / 0.75, 0},      // undamped below resonance: in phase
		{math.Sqrt(2), 0.5, 1 / math.Sqrt(3), math.Pi - math.Atan(math.Sqrt(2))}, // 4γ²ω² = 2, (1-ω²)² = 1
		{0.5, 0.5, 1 / math.Sqrt(0.25+0.5625), math.Atan(0.5 / 0.75)},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("w=%g,g=%g", tc.omega, tc.gamma), func(t *testing.T) {
			if a := Amplitude(tc.omega, tc.gamma); math.Abs(a-tc.amp) > 1e-12*tc.amp {
				t.Errorf("Amplitude = %.15g, want %.15g", a, tc.amp)
			}
			if la := LogAmplitude(tc.omega, tc.gamma); math.Abs(la-math.Log(tc.amp)) > 1e-12 {
				t.Errorf("LogAmplitude = %.15g, want %.15g", la, math.Log(tc.amp))
			}
			if p := Phase(tc.omega, tc.gamma); math.Abs(p-tc.phase) > 1e-6 {
				t.Errorf("Phase = %.10g, want %.10g", p, tc.phase)
			}
		})
	}
}

// TestPhaseBranch checks 0 <= φ <= π, monotonic growth in ω and continuity across ω = 1 for γ > 0,
// where the naive atan(2γω/(1-ω²)) would jump from +π/2 to -π/2.
func TestPhaseBranch(t *testing.T) {
	for _, gamma := range []float64{1e-3, 0.01, 0.1, 0.5, 1} {
		prev := -1.0
		for i := 0; i <= 4000; i++ {
			omega := float64(i) / 1000 // 0 .. 4
			p := Phase(omega, gamma)
			if p < 0 || p > math.Pi {
				t.Fatalf("γ=%g ω=%g: φ=%g outside [0, π]", gamma, omega, p)
			}
			if p < prev {
				t.Fatalf("γ=%g ω=%g: φ decreased from %g to %g", gamma, omega, prev, p)
			}
			if i > 0 && p-prev > 0.1 && gamma >= 0.01 {
				t.Fatalf("γ=%g ω=%g: φ jumped by %g", gamma, omega, p-prev)
			}
			prev = p
		}
		below, above := Phase(1-1e-12, gamma), Phase(1+1e-12, gamma)
		if math.Abs(below-math.Pi/2) > 1e-6 || math.Abs(above-math.Pi/2) > 1e-6 {
			t.Errorf("γ=%g: φ(1∓ε) = %g, %g, want π/2 on both sides", gamma, below, above)
		}
		if got, want := Phase(-0.7, gamma), Phase(0.7, gamma); got != want {
			t.Errorf("γ=%g: φ(-0.7)=%g != φ(0.7)=%g (the drive cos(ωt) is even in ω)", gamma, got, want)
		}
	}
}

// TestDisplacementSolvesODE checks x(t) = A cos(ωt−φ) against the equation of motion with central
// differences.
func TestDisplacementSolvesODE(t *testing.T) {
	const h = 1e-4
	for _, c := range [][2]float64{{0.3, 0.2}, {1, 0.05}, {1.7, 0.9}, {3, 0.001}} {
		omega, gamma := c[0], c[1]
		for _, tt := range []float64{0, 0.7, 2.5, 11} {
			x := func(s float64) float64 { return Displacement(omega, gamma, s) }
			d1 := (x(tt+h) - x(tt-h)) / (2 * h)
			d2 := (x(tt+h) - 2*x(tt) + x(tt-h)) / (h * h)
			res := d2 + 2*gamma*d1 + x(tt) - math.Cos(omega*tt)
			if math.Abs(res) > 1e-5*Amplitude(omega, gamma) {
				t.Errorf("ω=%g γ=%g t=%g: residual %g", omega, gamma, tt, res)
			}
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ v, want float64 }{
		{0.5, 0.5}, {1e-3, 1e-3}, {1, 1},
		{-0.1, 0.102}, // mirrored over 1e-3: 2e-3 - (-0.1)
		{0, 0.002},
		{1.2, 0.8},    // mirrored over 1
		{2.5, 0.502},  // 2.5 -> -0.5 (over 1) -> 0.502 (over 1e-3)
		{-1.5, 0.498}, // -1.5 -> 1.502 (over 1e-3) -> 0.498 (over 1)
	}
	for _, tc := range tests {
		got, err := Fold(tc.v, 1e-3, 1)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Fold(%g) = %.15g, want %.15g", tc.v, got, tc.want)
		}
	}
	if _, err := Fold(0.5, 1, 1); err == nil {
		t.Error("Fold with lo == hi: want an error")
	}
	if _, err := Fold(math.Inf(1), 0, 1); err == nil {
		t.Error("Fold(+Inf): want an error")
	}
}

func ExampleAmplitude() {
	// At resonance the amplitude is 1/(2γ) and the response lags by a quarter period.
	fmt.Printf("A=%.1f φ=%.4f\n", Amplitude(1, 0.01), Phase(1, 0.01))
	// Output: A=50.0 φ=1.5708
}
