package scinet

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/pkg/scinet/nn"
	"github.com/surrogo/surrogo/pkg/scinet/oscillator"
	"github.com/surrogo/surrogo/pkg/scinet/polyfit"
)

// ArcsinFigure is the data of the review's figure 1: arcsin on [−1, 1] with polynomial approximations,
// which break away from it near x = ±1 where its derivative diverges.
type ArcsinFigure struct {
	// Arcsin is the exact function.
	Arcsin Curve `json:"arcsin"`
	// Taylor holds the Taylor polynomials at 0, one per requested degree.
	Taylor []Curve `json:"taylor"`
	// LeastSquares holds least-squares fits (Legendre basis) on uniform points of [−1, 1].
	LeastSquares []Curve `json:"least_squares"`
	// MaxErrorTaylor and MaxErrorLeastSquares are the largest deviations on the plotted points, aligned
	// with Taylor and LeastSquares.
	MaxErrorTaylor       []float64 `json:"max_error_taylor"`
	MaxErrorLeastSquares []float64 `json:"max_error_least_squares"`
}

// ArcsinApproximations samples arcsin at points evenly spaced points of [−1, 1], its Taylor polynomials
// of the given degrees and least-squares polynomial fits of the given degrees (on the same points).
func ArcsinApproximations(points int, taylorDegrees, lsqDegrees []int) (*ArcsinFigure, error) {
	if points < 2 {
		return nil, fmt.Errorf("scinet: ArcsinApproximations needs points >= 2, got %d", points)
	}
	xs := linspace(-1, 1, points)
	f := &ArcsinFigure{Arcsin: Curve{Label: "arcsin", X: xs, Y: make([]float64, points)}}
	for i, x := range xs {
		f.Arcsin.Y[i] = math.Asin(x)
	}
	for _, d := range taylorDegrees {
		if d < 0 {
			return nil, fmt.Errorf("scinet: Taylor degree must be >= 0, got %d", d)
		}
		c := Curve{Label: fmt.Sprintf("Taylor degree %d", d), X: xs, Y: make([]float64, points)}
		e := 0.0
		for i, x := range xs {
			c.Y[i] = polyfit.ArcsinTaylor(x, d)
			e = math.Max(e, math.Abs(c.Y[i]-f.Arcsin.Y[i]))
		}
		f.Taylor = append(f.Taylor, c)
		f.MaxErrorTaylor = append(f.MaxErrorTaylor, e)
	}
	for _, d := range lsqDegrees {
		fit, err := polyfit.FitPoly(xs, f.Arcsin.Y, d, polyfit.Legendre)
		if err != nil {
			return nil, fmt.Errorf("scinet: least-squares fit of arcsin, degree %d: %w", d, err)
		}
		c := Curve{Label: fmt.Sprintf("least squares degree %d", d), X: xs, Y: make([]float64, points)}
		e := 0.0
		for i, x := range xs {
			c.Y[i] = fit.Eval(x)
			e = math.Max(e, math.Abs(c.Y[i]-f.Arcsin.Y[i]))
		}
		f.LeastSquares = append(f.LeastSquares, c)
		f.MaxErrorLeastSquares = append(f.MaxErrorLeastSquares, e)
	}
	return f, nil
}

// ActivationCurves samples the nonlinearities of the review's figure 2 (sigmoid, ReLU, ELU, in that
// order) at points evenly spaced points of [lo, hi].
func ActivationCurves(lo, hi float64, points int) ([]Curve, error) {
	if !(lo < hi) || points < 2 {
		return nil, fmt.Errorf("scinet: ActivationCurves needs lo < hi and points >= 2, got [%g, %g], %d", lo, hi, points)
	}
	xs := linspace(lo, hi, points)
	var curves []Curve
	for _, a := range []nn.Activation{nn.Sigmoid, nn.ReLU, nn.ELU} {
		c := Curve{Label: string(a), X: xs, Y: make([]float64, points)}
		for i, x := range xs {
			c.Y[i] = a.Eval(x)
		}
		curves = append(curves, c)
	}
	return curves, nil
}

// OscillatorFigure is the data of the review's figures 11 (real space) and 12 (log space): the phase
// and amplitude of the driven damped oscillator's steady state over the (ω, γ) plane.
type OscillatorFigure struct {
	Space Space `json:"space"`
	// Phase is φ(ω, γ) and Amplitude is A(ω, γ) (real space) or ln A over (ln ω, ln γ) (log space).
	Phase     Grid `json:"phase"`
	Amplitude Grid `json:"amplitude"`
	// PhaseSlices are φ against ω (or ln ω) at fixed damping values, figure 11's "slices".
	PhaseSlices []Curve `json:"phase_slices"`
	// AmplitudeSlices are A (or ln A) against ω (or ln ω) at the same damping values.
	AmplitudeSlices []Curve `json:"amplitude_slices"`
	// Peak zooms onto the resonance ω ≈ 1, γ → 1e−3 (real space: A; log space: ln A).
	Peak Grid `json:"peak"`
}

// OscillatorSurfaces samples φ and A on a points × points grid: in real space ω ∈ [0, 2],
// γ ∈ [1e−3, 1] (the underdamped band the review trains on, with its γ ≥ 1e−3 floor); in log space
// ln ω ∈ [−3, 3], ln γ ∈ [ln 1e−3, 0]. Slices are taken at γ = 0.01, 0.1, 0.3, 1.
func OscillatorSurfaces(space Space, points int) (*OscillatorFigure, error) {
	if points < 2 {
		return nil, fmt.Errorf("scinet: OscillatorSurfaces needs points >= 2, got %d", points)
	}
	if err := space.Validate(); err != nil {
		return nil, err
	}
	f := &OscillatorFigure{Space: space}
	slicesAt := []float64{0.01, 0.1, 0.3, 1}
	if space == Real {
		ws, gs := linspace(0, 2, points), linspace(GammaMin, GammaMax, points)
		f.Phase = newGrid("phase φ", "ω", "γ", ws, gs, oscillator.Phase)
		f.Amplitude = newGrid("amplitude A", "ω", "γ", ws, gs, oscillator.Amplitude)
		f.Peak = newGrid("amplitude A near resonance", "ω", "γ", linspace(0.9, 1.1, points),
			linspace(GammaMin, 0.1, points), oscillator.Amplitude)
		for _, g := range slicesAt {
			f.PhaseSlices = append(f.PhaseSlices, sliceCurve(fmt.Sprintf("γ = %g", g), ws, func(w float64) float64 { return oscillator.Phase(w, g) }))
			f.AmplitudeSlices = append(f.AmplitudeSlices, sliceCurve(fmt.Sprintf("γ = %g", g), ws, func(w float64) float64 { return oscillator.Amplitude(w, g) }))
		}
		return f, nil
	}
	lws, lgs := linspace(-3, 3, points), linspace(math.Log(GammaMin), math.Log(GammaMax), points)
	logPhase := func(lw, lg float64) float64 { return oscillator.Phase(math.Exp(lw), math.Exp(lg)) }
	logAmp := func(lw, lg float64) float64 { return oscillator.LogAmplitude(math.Exp(lw), math.Exp(lg)) }
	f.Phase = newGrid("phase φ", "ln ω", "ln γ", lws, lgs, logPhase)
	f.Amplitude = newGrid("ln A", "ln ω", "ln γ", lws, lgs, logAmp)
	f.Peak = newGrid("ln A near resonance", "ln ω", "ln γ", linspace(-0.1, 0.1, points),
		linspace(math.Log(GammaMin), math.Log(0.1), points), logAmp)
	for _, g := range slicesAt {
		lg := math.Log(g)
		f.PhaseSlices = append(f.PhaseSlices, sliceCurve(fmt.Sprintf("γ = %g", g), lws, func(lw float64) float64 { return logPhase(lw, lg) }))
		f.AmplitudeSlices = append(f.AmplitudeSlices, sliceCurve(fmt.Sprintf("γ = %g", g), lws, func(lw float64) float64 { return logAmp(lw, lg) }))
	}
	return f, nil
}

// sliceCurve samples f at xs.
func sliceCurve(label string, xs []float64, f func(float64) float64) Curve {
	c := Curve{Label: label, X: xs, Y: make([]float64, len(xs))}
	for i, x := range xs {
		c.Y[i] = f(x)
	}
	return c
}
