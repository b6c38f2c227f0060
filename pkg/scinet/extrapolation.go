package scinet

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/surrogo/surrogo/pkg/scinet/nn"
	"github.com/surrogo/surrogo/pkg/scinet/polyfit"
)

// Target is a ground-truth function of the extrapolation experiments (section 3 of the review).
type Target string

const (
	// Shift is y = x + 10 (figures 7 and 8).
	Shift Target = "x+10"
	// Step is y = 10·step(x): 10 for x > 0, else 0 (figures 9 and 10).
	Step Target = "10*step(x)"
)

// Eval returns the target at x.
func (t Target) Eval(x float64) float64 {
	switch t {
	case Shift:
		return x + 10
	case Step:
		if x > 0 {
			return 10
		}
		return 0
	}
	return math.NaN()
}

// Validate reports whether t is Shift or Step.
func (t Target) Validate() error {
	if t != Shift && t != Step {
		return fmt.Errorf("scinet: unknown target %q (valid: %q, %q)", t, Shift, Step)
	}
	return nil
}

// Windows returns the evaluation windows of a target: near is μ ± 2σ of the N(0, 1) training inputs
// (figure 9's "section of the domain well-covered by training data"); far reaches well outside it:
// [−50, 50] for Shift (beyond the kink at x = −10 of a ReLU(x + 10)-type solution), [−6, 6] for Step
// (beyond the ±4.5 extent of 204800 normal samples, where the polynomial fit explodes).
func (t Target) Windows() (near, far [2]float64) {
	near = [2]float64{-2, 2}
	if t == Step {
		return near, [2]float64{-6, 6}
	}
	return near, [2]float64{-50, 50}
}

// ToyNet is one trained one-hidden-layer net of the extrapolation experiments.
type ToyNet struct {
	Spec       nn.MLPSpec       `json:"spec"`
	Parameters int              `json:"parameters"`
	Provenance Provenance       `json:"provenance"`
	Curve      nn.LearningCurve `json:"curve"`
	// Near and Far are the net's predictions on the target's two windows; NearError is prediction −
	// truth on the near window (figure 9's error panel).
	Near      Curve `json:"near"`
	Far       Curve `json:"far"`
	NearError Curve `json:"near_error"`
	// TrainRMS is the r.m.s. error on fresh N(0, 1) inputs (the training distribution).
	TrainRMS float64 `json:"train_rms"`
	// NearRMS and FarRMS are r.m.s. errors on the evenly spaced points of each window; FarMaxError is
	// the largest error on the far window.
	NearRMS     float64 `json:"near_rms"`
	FarRMS      float64 `json:"far_rms"`
	FarMaxError float64 `json:"far_max_error"`
}

// PolyFitResult is the least-squares polynomial of figure 10.
type PolyFitResult struct {
	Fit      *polyfit.Fit `json:"fit"`
	Near     Curve        `json:"near"`
	Far      Curve        `json:"far"`
	TrainRMS float64      `json:"train_rms"`
	NearRMS  float64      `json:"near_rms"`
	FarRMS   float64      `json:"far_rms"`
}

// ExtrapolationFigure is the data of figures 7 and 8 (Shift, 8 and 128 hidden units) and 9 and 10
// (Step, 8 hidden units, with the polynomial fit): the truth and one trained net per activation.
type ExtrapolationFigure struct {
	Target Target `json:"target"`
	Hidden int    `json:"hidden"`
	// TruthNear and TruthFar sample the target on the two windows.
	TruthNear Curve `json:"truth_near"`
	TruthFar  Curve `json:"truth_far"`
	// Nets holds one net per activation, in the order requested.
	Nets []ToyNet `json:"nets"`
	// Poly is the degree-25 least-squares fit (Step only; nil otherwise).
	Poly *PolyFitResult `json:"poly,omitempty"`
}

// PolyDegree and PolyPoints are figure 10's polynomial: "a polynomial of the same degree as the number
// of free parameters in these neural nets (25) ... fit to 204800 x - y pairs (the xs were drawn from
// the unit normal)". A net with one hidden layer of 8 units has 8 + 8 + 8 + 1 = 25 parameters.
const (
	PolyDegree = 25
	PolyPoints = 204800
)

// toySampler draws x ~ N(0, 1) and y = target(x).
func toySampler(t Target) nn.Sampler {
	return func(rng *rand.Rand, x, y []float32) {
		for i := range x {
			v := rng.NormFloat64()
			x[i] = float32(v)
			y[i] = float32(t.Eval(v))
		}
	}
}

// TrainToyNet trains one net 1 -> hidden -> 1 with activation act on target, with the review's protocol
// (Adam, L2 loss, fresh N(0, 1) samples every step) at the given budget, and evaluates it.
func TrainToyNet(backend backends.Backend, target Target, hidden int, act nn.Activation, b Budget, seed uint64) (*ToyNet, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	spec := nn.MLPSpec{Inputs: 1, Hidden: []int{hidden}, Outputs: 1, Activation: act}
	start := time.Now()
	l, err := nn.NewMLPLearner(backend, spec, b.LearningRate, seed)
	if err != nil {
		return nil, err
	}
	if err := l.Train(b.Steps, b.Batch, b.recordEvery(), toySampler(target)); err != nil {
		return nil, fmt.Errorf("scinet: training %s net (%d %s units): %w", target, hidden, act, err)
	}
	net := &ToyNet{Spec: spec, Parameters: spec.Parameters(), Curve: l.Curve()}
	near, far := target.Windows()
	predict := func(xs []float64) ([]float64, error) { return l.Predict(xs) }
	if net.Near, net.NearRMS, _, err = windowCurve(fmt.Sprintf("%s %d", act, hidden), near, b.GridPoints, target, predict); err != nil {
		return nil, err
	}
	net.NearError = Curve{Label: net.Near.Label + " error", X: net.Near.X, Y: make([]float64, len(net.Near.X))}
	for i, x := range net.Near.X {
		net.NearError.Y[i] = net.Near.Y[i] - target.Eval(x)
	}
	if net.Far, net.FarRMS, net.FarMaxError, err = windowCurve(fmt.Sprintf("%s %d", act, hidden), far, b.GridPoints, target, predict); err != nil {
		return nil, err
	}
	xs, ys := normalPoints(target, b.EvalSamples, seed)
	pred, err := l.Predict(xs)
	if err != nil {
		return nil, err
	}
	net.TrainRMS = rms(pred, ys)
	net.Provenance = Provenance{Scale: b.Scale, Steps: l.Steps(), Batch: b.Batch, LearningRate: b.LearningRate,
		Seed: seed, Backend: backendName(backend),
		ElapsedSeconds: time.Since(start).Seconds()}
	return net, nil
}

// windowCurve evaluates predict on points evenly spaced points of the window and returns the curve,
// the r.m.s. error and the largest error against the target.
func windowCurve(label string, w [2]float64, points int, t Target, predict func([]float64) ([]float64, error)) (Curve, float64, float64, error) {
	xs := linspace(w[0], w[1], points)
	ys, err := predict(xs)
	if err != nil {
		return Curve{}, 0, 0, err
	}
	truth := make([]float64, len(xs))
	maxErr := 0.0
	for i, x := range xs {
		truth[i] = t.Eval(x)
		maxErr = math.Max(maxErr, math.Abs(ys[i]-truth[i]))
	}
	return Curve{Label: label, X: xs, Y: ys}, rms(ys, truth), maxErr, nil
}

// normalPoints returns n fresh N(0, 1) inputs and their targets, from a stream independent of training.
func normalPoints(t Target, n int, seed uint64) (xs, ys []float64) {
	rng := rand.New(rand.NewPCG(seed, 0xe7a1))
	xs, ys = make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = rng.NormFloat64()
		ys[i] = t.Eval(xs[i])
	}
	return xs, ys
}

// rms returns the root-mean-square difference of a and b.
func rms(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(a)))
}

// FitStepPolynomial fits the figure-10 polynomial: degree PolyDegree, least squares in the Legendre
// basis (QR), on PolyPoints inputs drawn from N(0, 1) with their Step targets, evaluated on Step's
// windows with points points each.
func FitStepPolynomial(points int, seed uint64) (*PolyFitResult, error) {
	if points < 2 {
		return nil, errors.New("scinet: FitStepPolynomial needs points >= 2")
	}
	rng := rand.New(rand.NewPCG(seed, 0x901f))
	xs, ys := make([]float64, PolyPoints), make([]float64, PolyPoints)
	for i := range xs {
		xs[i] = rng.NormFloat64()
		ys[i] = Step.Eval(xs[i])
	}
	fit, err := polyfit.FitPoly(xs, ys, PolyDegree, polyfit.Legendre)
	if err != nil {
		return nil, fmt.Errorf("scinet: polynomial fit of the step: %w", err)
	}
	r := &PolyFitResult{Fit: fit, TrainRMS: fit.RMS}
	eval := func(xs []float64) ([]float64, error) {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = fit.Eval(x)
		}
		return out, nil
	}
	near, far := Step.Windows()
	label := fmt.Sprintf("polynomial degree %d", PolyDegree)
	r.Near, r.NearRMS, _, _ = windowCurve(label, near, points, Step, eval)
	r.Far, r.FarRMS, _, _ = windowCurve(label, far, points, Step, eval)
	return r, nil
}

// Extrapolation trains one net per activation (the review uses ReLU and ELU) with the given hidden
// width on target, and for Step also fits the polynomial: figure 7 is (Shift, 8), figure 8 (Shift, 128),
// figures 9 and 10 (Step, 8). Net i is seeded with seed + i.
func Extrapolation(backend backends.Backend, target Target, hidden int, acts []nn.Activation, b Budget, seed uint64) (*ExtrapolationFigure, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if len(acts) == 0 {
		return nil, errors.New("scinet: Extrapolation needs at least one activation")
	}
	f := &ExtrapolationFigure{Target: target, Hidden: hidden}
	near, far := target.Windows()
	f.TruthNear = sliceCurve("truth", linspace(near[0], near[1], b.GridPoints), target.Eval)
	f.TruthFar = sliceCurve("truth", linspace(far[0], far[1], b.GridPoints), target.Eval)
	for i, act := range acts {
		net, err := TrainToyNet(backend, target, hidden, act, b, seed+uint64(i))
		if err != nil {
			return nil, err
		}
		f.Nets = append(f.Nets, *net)
	}
	if target == Step {
		p, err := FitStepPolynomial(b.GridPoints, seed)
		if err != nil {
			return nil, err
		}
		f.Poly = p
	}
	return f, nil
}
