package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/surrogo/surrogo/pkg/backend"
)

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := backend.New()
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
			Objective: func(ctx *context.Context, x, y *graph.Node) (*graph.Node, []*graph.Node) {
				return nil, nil
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

// hostLayer is one dense layer of the float64 host reference: weights [in][out], biases [out].
type hostLayer struct {
	w [][]float64
	b []float64
}

// hostGradients computes the loss SumSquaredError(MLP(x), y) and its gradients with respect to every
// layer's weights and biases by back-propagation on the host, in float64: the reference that pins the
// gradients GoMLX's automatic differentiation computes.
func hostGradients(layers []hostLayer, act Activation, x, y [][]float64) (loss float64, dw [][][]float64, db [][]float64) {
	batch := float64(len(x))
	deriv := func(a Activation, z float64) float64 {
		switch a {
		case ReLU:
			if z > 0 {
				return 1
			}
			return 0
		case ELU:
			if z > 0 {
				return 1
			}
			return math.Exp(z)
		case Sigmoid:
			s := 1 / (1 + math.Exp(-z))
			return s * (1 - s)
		}
		return 1
	}
	// Forward, keeping every layer's input and pre-activation.
	ins := make([][][]float64, len(layers))
	pres := make([][][]float64, len(layers))
	a := x
	for l, ly := range layers {
		la := act
		if l == len(layers)-1 {
			la = Identity
		}
		ins[l] = a
		z := make([][]float64, len(a))
		out := make([][]float64, len(a))
		for r := range a {
			z[r] = make([]float64, len(ly.b))
			out[r] = make([]float64, len(ly.b))
			for j := range ly.b {
				v := ly.b[j]
				for i := range a[r] {
					v += a[r][i] * ly.w[i][j]
				}
				z[r][j] = v
				out[r][j] = la.Eval(v)
			}
		}
		pres[l] = z
		a = out
	}
	dA := make([][]float64, len(a))
	for r := range a {
		dA[r] = make([]float64, len(a[r]))
		for j := range a[r] {
			d := a[r][j] - y[r][j]
			loss += d * d / batch
			dA[r][j] = 2 * d / batch
		}
	}
	dw, db = make([][][]float64, len(layers)), make([][]float64, len(layers))
	for l := len(layers) - 1; l >= 0; l-- {
		ly := layers[l]
		la := act
		if l == len(layers)-1 {
			la = Identity
		}
		dw[l] = make([][]float64, len(ly.w))
		for i := range ly.w {
			dw[l][i] = make([]float64, len(ly.b))
		}
		db[l] = make([]float64, len(ly.b))
		dIn := make([][]float64, len(dA))
		for r := range dA {
			dIn[r] = make([]float64, len(ly.w))
			for j := range ly.b {
				dz := dA[r][j] * deriv(la, pres[l][r][j])
				db[l][j] += dz
				for i := range ly.w {
					dw[l][i][j] += ins[l][r][i] * dz
					dIn[r][i] += dz * ly.w[i][j]
				}
			}
		}
		dA = dIn
	}
	return loss, dw, db
}

// TestGradientsMatchHost checks GoMLX's automatic gradients of the L2 loss of MLPs (every activation,
// several depths, a single-input layer included) against the float64 host back-propagation.
func TestGradientsMatchHost(t *testing.T) {
	b := testBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		inputs  int
		hidden  []int
		outputs int
	}{{1, []int{8}, 1}, {3, []int{7, 5}, 2}, {2, []int{6, 4, 3}, 2}} {
		for _, act := range []Activation{ReLU, ELU, Sigmoid} {
			const batch = 9
			x, y := make([][]float64, batch), make([][]float64, batch)
			for r := range x {
				x[r], y[r] = make([]float64, c.inputs), make([]float64, c.outputs)
				for i := range x[r] {
					x[r][i] = rng.NormFloat64()
				}
				for j := range y[r] {
					y[r][j] = rng.NormFloat64()
				}
			}
			ctx := context.New()
			ctx.SetParam(context.ParamInitialSeed, int64(5))
			var vars []*context.Variable
			exec, err := context.NewExec(b, ctx, func(ctx *context.Context, x, y *graph.Node) []*graph.Node {
				loss := SumSquaredError(MLP(ctx, x, c.hidden, c.outputs, act), y)
				grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
				ctx.EnumerateVariables(func(v *context.Variable) {
					if v.Trainable && v.InUseByGraph(x.Graph()) {
						vars = append(vars, v)
					}
				})
				return append([]*graph.Node{loss}, grads...)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Exec(x, y)
			if err != nil {
				t.Fatal(err)
			}
			// Read the initialised variables into the host layers, by scope.
			widths := append(append([]int{c.inputs}, c.hidden...), c.outputs)
			layers := make([]hostLayer, len(widths)-1)
			for l := range layers {
				scope := fmt.Sprintf("/layer_%d", l)
				w := tensors.MustCopyFlatData[float64](ctx.GetVariableByScopeAndName(scope, "weights").MustValue())
				layers[l].b = tensors.MustCopyFlatData[float64](ctx.GetVariableByScopeAndName(scope, "biases").MustValue())
				for i := range widths[l] {
					layers[l].w = append(layers[l].w, w[i*widths[l+1]:(i+1)*widths[l+1]])
				}
			}
			loss, dw, db := hostGradients(layers, act, x, y)
			name := fmt.Sprintf("%d-%v-%d %s", c.inputs, c.hidden, c.outputs, act)
			if got := out[0].Value().(float64); math.Abs(got-loss) > 1e-12*math.Max(1, loss) {
				t.Errorf("%s: loss %.15g, host %.15g", name, got, loss)
			}
			if len(vars) != 2*len(layers) {
				t.Fatalf("%s: %d trainable variables, want %d", name, len(vars), 2*len(layers))
			}
			for k, v := range vars {
				var l int
				if _, err := fmt.Sscanf(v.Scope(), "/layer_%d", &l); err != nil {
					t.Fatalf("%s: unexpected variable %s", name, v.ScopeAndName())
				}
				got := tensors.MustCopyFlatData[float64](out[1+k])
				var want []float64
				if v.Name() == "weights" {
					for _, row := range dw[l] {
						want = append(want, row...)
					}
				} else {
					want = db[l]
				}
				if len(got) != len(want) {
					t.Fatalf("%s: gradient of %s has %d values, want %d", name, v.ScopeAndName(), len(got), len(want))
				}
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-10*math.Max(1, math.Abs(want[i])) {
						t.Errorf("%s: d loss / d %s[%d] = %.12g, host %.12g", name, v.ScopeAndName(), i, got[i], want[i])
						break
					}
				}
			}
		}
	}
}

// TestMLPTrains: a few Adam steps lower the loss of every activation.
func TestMLPTrains(t *testing.T) {
	b := testBackend(t)
	for _, act := range []Activation{ReLU, ELU, Sigmoid} {
		l, err := NewMLPLearner(b, MLPSpec{Inputs: 3, Hidden: []int{7, 5}, Outputs: 2, Activation: act}, 1e-2, 7)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Train(20, 64, 1, linearSampler(3, 2)); err != nil {
			t.Fatal(err)
		}
		c := l.Curve().Loss
		if !(c[len(c)-1] < c[0]) {
			t.Errorf("%s: loss did not decrease: %v", act, c)
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
