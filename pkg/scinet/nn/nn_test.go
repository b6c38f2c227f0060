package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// linearSampler draws x ~ N(0, 1) per column and y = sum of sin of the inputs, per output column.
func linearSampler(inputs, outputs int) Sampler {
	return func(rng *rand.Rand, x, y []float32) {
		rows := len(x) / inputs
		for r := 0; r < rows; r++ {
			s := 0.0
			for c := 0; c < inputs; c++ {
				v := rng.NormFloat64()
				x[r*inputs+c] = float32(v)
				s += math.Sin(v)
			}
			for c := 0; c < outputs; c++ {
				y[r*outputs+c] = float32(s + float64(c))
			}
		}
	}
}

func TestActivationGraphMatchesHost(t *testing.T) {
	b := testBackend(t)
	xs := []float64{-30, -2, -0.5, 0, 1e-3, 0.7, 3, 90}
	for _, a := range Activations {
		l, err := NewLearner(b, Config{Inputs: 1, Outputs: 1, LearningRate: 1e-3, Seed: 1,
			Objective: func(ctx *context.Context, x, y *graph.Node) (*graph.Node, []*graph.Node, Grads) {
				return nil, nil, nil
			},
			Predict: func(ctx *context.Context, x *graph.Node) *graph.Node { return a.Apply(x) }})
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.Predict(xs)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range xs {
			if want := a.Eval(x); math.Abs(got[i]-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s(%g): graph %g, host %g", a, x, got[i], want)
			}
		}
	}
	if _, err := ParseActivation("tanh"); err == nil {
		t.Error("ParseActivation(tanh): want an error")
	}
	if !math.IsNaN(Activation("bogus").Eval(1)) {
		t.Error("Eval of an unknown activation should be NaN")
	}
}

// TestBackpropMatchesAutodiff trains the same net a few steps with the hand-written backward pass and
// with GoMLX's automatic differentiation: identical initial weights and samples must give the same
// losses (up to float32 rounding) if the gradients agree.
func TestBackpropMatchesAutodiff(t *testing.T) {
	b := testBackend(t)
	for _, act := range []Activation{ReLU, ELU, Sigmoid} {
		spec := MLPSpec{Inputs: 3, Hidden: []int{7, 5}, Outputs: 2, Activation: act}
		var curves [2][]float64
		for i, auto := range []bool{false, true} {
			l, err := NewLearner(b, Config{Inputs: 3, Outputs: 2, LearningRate: 1e-2, Seed: 7,
				Objective: spec.Objective(auto), Predict: spec.Model()})
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Train(8, 64, 1, linearSampler(3, 2)); err != nil {
				t.Fatal(err)
			}
			curves[i] = l.Curve().Loss
		}
		for s := range curves[0] {
			if d := math.Abs(curves[0][s] - curves[1][s]); d > 1e-4*math.Max(1, curves[1][s]) {
				t.Errorf("%s step %d: backprop loss %.7g, autodiff %.7g", act, s+1, curves[0][s], curves[1][s])
			}
		}
		if curves[0][len(curves[0])-1] >= curves[0][0] {
			t.Errorf("%s: loss did not decrease: %v", act, curves[0])
		}
	}
}

func TestLearnerDeterministicAndCounts(t *testing.T) {
	b := testBackend(t)
	spec := MLPSpec{Inputs: 2, Hidden: []int{16}, Outputs: 1, Activation: ELU}
	run := func(seed uint64) (*Learner, []float64) {
		l, err := NewMLPLearner(b, spec, 1e-2, seed)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Train(30, 128, 10, linearSampler(2, 1)); err != nil {
			t.Fatal(err)
		}
		return l, l.Curve().Loss
	}
	l, c1 := run(3)
	_, c2 := run(3)
	_, c3 := run(4)
	if !slices.Equal(c1, c2) {
		t.Errorf("same seed, different curves: %v vs %v", c1, c2)
	}
	if slices.Equal(c1, c3) {
		t.Errorf("different seeds gave identical curves %v", c1)
	}
	if got := l.Curve().Step; !slices.Equal(got, []int{10, 20, 30}) {
		t.Errorf("curve steps %v, want [10 20 30]", got)
	}
	if l.Steps() != 30 {
		t.Errorf("Steps() = %d, want 30", l.Steps())
	}
	if got, want := l.NumParameters(), spec.Parameters(); got != want {
		t.Errorf("NumParameters() = %d, ParameterCount = %d", got, want)
	}
	// Predictions in one call (more rows than one evaluation chunk) match row-by-row predictions.
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 2*(evalChunk+37))
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	all, err := l.Predict(xs)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != evalChunk+37 {
		t.Fatalf("got %d predictions, want %d", len(all), evalChunk+37)
	}
	last, err := l.Predict(xs[len(xs)-2:])
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(last[0]-all[len(all)-1]) > 1e-6 {
		t.Errorf("chunked prediction %g != single prediction %g", all[len(all)-1], last[0])
	}
}

func TestConfigErrors(t *testing.T) {
	b := testBackend(t)
	good := MLPSpec{Inputs: 1, Hidden: []int{4}, Outputs: 1, Activation: ReLU}
	for _, spec := range []MLPSpec{
		{Inputs: 0, Outputs: 1, Activation: ReLU},
		{Inputs: 1, Hidden: []int{0}, Outputs: 1, Activation: ReLU},
		{Inputs: 1, Outputs: 1, Activation: "tanh"},
	} {
		if _, err := NewMLPLearner(b, spec, 1e-3, 1); err == nil {
			t.Errorf("spec %+v: want an error", spec)
		}
	}
	if _, err := NewMLPLearner(b, good, 0, 1); err == nil {
		t.Error("zero learning rate: want an error")
	}
	if _, err := NewMLPLearner(nil, good, 1e-3, 1); err == nil {
		t.Error("nil backend: want an error")
	}
	l, err := NewMLPLearner(b, good, 1e-3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Train(1, 0, 1, linearSampler(1, 1)); err == nil {
		t.Error("batch 0: want an error")
	}
	if err := l.Train(1, 8, 1, nil); err == nil {
		t.Error("nil sampler: want an error")
	}
	if _, err := l.Predict([]float64{1, 2, 3}[:0]); err != nil {
		t.Errorf("empty prediction: %v", err)
	}
	// A diverging objective is reported as an error, not a panic.
	huge := func(rng *rand.Rand, x, y []float32) {
		for i := range x {
			x[i], y[i] = float32(math.Inf(1)), 0
		}
	}
	if err := l.Train(1, 8, 1, huge); err == nil {
		t.Error("infinite inputs: want a non-finite loss error")
	}
}

func TestParameterCount(t *testing.T) {
	if got := ParameterCount(1, []int{8}, 1); got != 25 {
		t.Errorf("1-8-1 has %d parameters, want 25", got)
	}
	if got := ParameterCount(2, nil, 3); got != 9 {
		t.Errorf("linear 2->3 has %d parameters, want 9", got)
	}
}
