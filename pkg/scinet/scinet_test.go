package scinet

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/scinet/nn"
)

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExperimentTable(t *testing.T) {
	exps := Experiments()
	want := []struct {
		name                   string
		space                  Space
		wMean, gMean, wSd, gSd float64
	}{
		{"boring_patch", Real, 1.5, 0.5, 0.1, 0.1},
		{"center_very_broad", Real, 1.0, 0.5, 0.2, 0.2},
		{"peak_broad", Real, 1.0, 0.0, 0.1, 0.1},
		{"peak_narrow", Real, 1.0, 0.0, 0.01, 0.01},
		{"logspace_broad", Log, 0, math.Log(0.5), 2, 2},
		{"logspace_near_peak", Log, 0, math.Log(0.01), 1, 1},
		{"logspace_near_peak_narrow", Log, 0, math.Log(0.01), 0.1, 0.1},
	}
	if len(exps) != len(want) {
		t.Fatalf("%d experiments, want %d", len(exps), len(want))
	}
	for i, w := range want {
		e := exps[i]
		if e.Name != w.name || e.Space != w.space || e.OmegaMean != w.wMean || e.GammaMean != w.gMean ||
			e.OmegaSigma != w.wSd || e.GammaSigma != w.gSd {
			t.Errorf("row %d = %+v, want %+v", i, e, w)
		}
		if err := e.Validate(); err != nil {
			t.Error(err)
		}
		if e.Table[0] != string(e.Space) || e.Purpose == "" || e.Reported == "" {
			t.Errorf("row %s: incomplete table text %+v", e.Name, e)
		}
		if got, err := ExperimentByName(e.Name); err != nil || !reflect.DeepEqual(got, e) {
			t.Errorf("ExperimentByName(%s) = %+v, %v", e.Name, got, err)
		}
	}
	if _, err := ExperimentByName("nope"); err == nil {
		t.Error("ExperimentByName(nope): want an error")
	}
	bad := exps[0]
	bad.GammaSigma = 0
	if bad.Validate() == nil {
		t.Error("zero sigma: want an error")
	}
}

// TestSampleDistribution: damping folded into the band, inputs distributed as the table says.
func TestSampleDistribution(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, e := range Experiments() {
		lo, hi := e.gammaBand()
		us, vs := make([]float64, 20000), make([]float64, 20000)
		for k := range us {
			us[k], vs[k] = e.Sample(rng)
			if vs[k] < lo || vs[k] > hi {
				t.Fatalf("%s: damping sample %g outside [%g, %g]", e.Name, vs[k], lo, hi)
			}
			if e.Space == Real && us[k] < 0 {
				t.Fatalf("%s: negative ω %g", e.Name, us[k])
			}
			p, a := e.Truth(us[k], vs[k])
			if p < 0 || p > math.Pi || math.IsNaN(a) || math.IsInf(a, 0) {
				t.Fatalf("%s: truth (%g, %g) at (%g, %g)", e.Name, p, a, us[k], vs[k])
			}
		}
		m, s := meanStd(us)
		if math.Abs(m-e.OmegaMean) > 0.05*e.OmegaSigma+1e-9 || math.Abs(s-e.OmegaSigma) > 0.05*e.OmegaSigma {
			t.Errorf("%s: ω sample mean %g sd %g, want %g, %g", e.Name, m, s, e.OmegaMean, e.OmegaSigma)
		}
		// Far from the band edges the damping distribution is the table's normal.
		if e.Name == "boring_patch" || e.Name == "center_very_broad" || e.Name == "logspace_near_peak_narrow" {
			m, s := meanStd(vs)
			if math.Abs(m-e.GammaMean) > 0.05*e.GammaSigma || math.Abs(s-e.GammaSigma) > 0.05*e.GammaSigma {
				t.Errorf("%s: γ sample mean %g sd %g, want %g, %g", e.Name, m, s, e.GammaMean, e.GammaSigma)
			}
		}
	}
}

func TestKL(t *testing.T) {
	for _, c := range []struct{ mu, sigma, want float64 }{
		{0, 1, 0},
		{1, 1, 0.5},
		{0, math.Exp(-1), 1 + math.Exp(-2)/2 - 0.5},
		{-2, 2, -math.Log(2) + (4+4)/2.0 - 0.5},
	} {
		if got := KL(c.mu, c.sigma); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("KL(%g, %g) = %.15g, want %.15g", c.mu, c.sigma, got, c.want)
		}
	}
	// The graph version, summed over latents and averaged over the batch, against the host formula.
	b := testBackend(t)
	mu := []float64{0.3, -1.2, 0.0, 2.0, 0.5, -0.1}
	logSigma := []float64{-0.5, 0.2, -3, 0.0, 1.0, -0.01}
	want := 0.0
	for i := range mu {
		want += KL(mu[i], math.Exp(logSigma[i]))
	}
	want /= 2 // batch of 2 rows, 3 latents
	e, err := context.NewExec(b, context.New(), func(ctx *context.Context, m, l *graph.Node) *graph.Node {
		return KLGraph(m, l)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec([][]float64{mu[:3], mu[3:]}, [][]float64{logSigma[:3], logSigma[3:]})
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].Value().(float64); math.Abs(got-want) > 1e-12 {
		t.Errorf("KLGraph = %.15g, want %.15g", got, want)
	}
}

// TestSciNetGradients pins the gradients of SciNet's loss (encoder, both latent heads, the
// reparameterisation z = μ + σ·ε, the question inputs, the decoder and the KL term) that GoMLX's
// automatic differentiation computes against central finite differences, in float64 with a fixed ε.
func TestSciNetGradients(t *testing.T) {
	b := testBackend(t)
	cfg := ModelConfig{Inputs: 2, Questions: 1, Outputs: 2, Encoder: []int{12, 6}, Latent: 3, Decoder: []int{9},
		Activation: nn.ELU, Beta: 0.5}
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 7
	normal := func(rows, cols int) [][]float64 {
		m := make([][]float64, rows)
		for r := range m {
			m[r] = make([]float64, cols)
			for c := range m[r] {
				m[r][c] = rng.NormFloat64()
			}
		}
		return m
	}
	x, y, eps := normal(batch, 3), normal(batch, 2), normal(batch, cfg.Latent)
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(9))
	lossFn := func(ctx *context.Context, x, y, eps *graph.Node) *graph.Node {
		loss, _, _ := cfg.Loss(ctx, x, y, func(*graph.Node) *graph.Node { return eps })
		return loss
	}
	var vars []*context.Variable
	gradExec, err := context.NewExec(b, ctx, func(ctx *context.Context, x, y, eps *graph.Node) []*graph.Node {
		loss := lossFn(ctx, x, y, eps)
		ctx.EnumerateVariables(func(v *context.Variable) {
			if v.Trainable && v.InUseByGraph(x.Graph()) {
				vars = append(vars, v)
			}
		})
		return append([]*graph.Node{loss}, ctx.BuildTrainableVariablesGradientsGraph(loss)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := gradExec.Exec(x, y, eps)
	if err != nil {
		t.Fatal(err)
	}
	// 2 encoder layers, 2 heads, 2 decoder layers: weights and biases each.
	if len(vars) != 12 {
		t.Fatalf("%d trainable variables, want 12", len(vars))
	}
	lossExec, err := context.NewExec(b, ctx.Reuse(), lossFn)
	if err != nil {
		t.Fatal(err)
	}
	lossAt := func() float64 {
		o, err := lossExec.Exec(x, y, eps)
		if err != nil {
			t.Fatal(err)
		}
		return o[0].Value().(float64)
	}
	if l := lossAt(); math.Abs(l-out[0].Value().(float64)) > 1e-12 {
		t.Fatalf("loss graphs disagree: %g vs %g", l, out[0].Value().(float64))
	}
	const h = 1e-5
	for k, v := range vars {
		grad := tensors.MustCopyFlatData[float64](out[1+k])
		orig := v.MustValue()
		dims := orig.Shape().Dimensions
		vals := tensors.MustCopyFlatData[float64](orig)
		for _, i := range []int{0, len(vals) / 2, len(vals) - 1} {
			at := func(delta float64) float64 {
				p := slices.Clone(vals)
				p[i] += delta
				v.MustSetValue(tensors.FromFlatDataAndDimensions(p, dims...))
				return lossAt()
			}
			fd := (at(h) - at(-h)) / (2 * h)
			if math.Abs(fd-grad[i]) > 1e-7+1e-5*math.Abs(fd) {
				t.Errorf("d loss / d %s[%d]: autodiff %.10g, finite differences %.10g", v.ScopeAndName(), i, grad[i], fd)
			}
		}
		v.MustSetValue(tensors.FromFlatDataAndDimensions(vals, dims...))
	}
}

// TestSciNetTrains: the loss is reconstruction + β·KL at every recorded step, and falls.
func TestSciNetTrains(t *testing.T) {
	b := testBackend(t)
	cfg := ModelConfig{Inputs: 2, Questions: 1, Outputs: 2, Encoder: []int{12, 6}, Latent: 3, Decoder: []int{9},
		Activation: nn.ELU, Beta: 0.5}
	sample := func(rng *rand.Rand, x, y []float32) {
		for r := 0; r < len(x)/3; r++ {
			a, c, q := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
			x[3*r], x[3*r+1], x[3*r+2] = float32(a), float32(c), float32(q)
			y[2*r], y[2*r+1] = float32(a*q), float32(math.Sin(c))
		}
	}
	m, err := NewModel(b, cfg, 1e-2, 11)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Train(90, 64, 30, sample); err != nil {
		t.Fatal(err)
	}
	if got := m.Learner().NumParameters(); got != cfg.Parameters() {
		t.Errorf("NumParameters %d != Parameters() %d", got, cfg.Parameters())
	}
	c := m.Learner().Curve()
	for s, l := range c.Loss {
		want := c.Terms["reconstruction"][s] + cfg.Beta*c.Terms["kl"][s]
		if math.Abs(l-want) > 1e-5*math.Max(1, l) {
			t.Errorf("step %d: loss %g != reconstruction + β·KL = %g", s+1, l, want)
		}
	}
	if !(c.Loss[len(c.Loss)-1] < c.Loss[0]) {
		t.Errorf("loss did not fall: %v", c.Loss)
	}
}

// TestRunExperimentSmoke: a smoke-scale run trains (the loss falls), is complete, marshals to JSON,
// and is bit-for-bit reproducible from its seed.
func TestRunExperimentSmoke(t *testing.T) {
	b := testBackend(t)
	bud, err := SciNetBudget(scale.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ExperimentByName("boring_patch")
	r1, err := RunExperiment(b, e, PaperModel(), bud, 5)
	if err != nil {
		t.Fatal(err)
	}
	c := r1.Curve
	if first, last := c.Loss[0], c.Loss[len(c.Loss)-1]; !(last < 0.5*first) {
		t.Errorf("loss did not fall: first %g, last %g", first, last)
	}
	if r1.Provenance.Steps != bud.Steps || r1.Provenance.Scale != scale.Smoke || r1.Provenance.Backend == "" {
		t.Errorf("provenance %+v", r1.Provenance)
	}
	n := bud.GridPoints * bud.GridPoints
	for _, reg := range []Region{r1.Training, r1.Extrapolation} {
		if len(reg.ModelPhase.Z) != n || len(reg.Mu) != 5 || len(reg.Mu[4].Z) != n {
			t.Errorf("%s region incomplete", reg.Name)
		}
	}
	if len(r1.Latents) != 5 || len(r1.Scatter.Mu) != 5 || len(r1.Scatter.Omega) != bud.ScatterSamples {
		t.Errorf("latents/scatter incomplete: %d latents, %d scatter", len(r1.Latents), len(r1.Scatter.Omega))
	}
	if r1.Errors.PhaseRMS <= 0 || math.IsNaN(r1.Errors.AmpRelRMS) {
		t.Errorf("errors %+v", r1.Errors)
	}
	js1, err := json.Marshal(r1)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := RunExperiment(b, e, PaperModel(), bud, 5)
	if err != nil {
		t.Fatal(err)
	}
	r2.Provenance.ElapsedSeconds = r1.Provenance.ElapsedSeconds
	js2, _ := json.Marshal(r2)
	if string(js1) != string(js2) {
		t.Error("two runs with the same seed differ")
	}
	// The extrapolation window is wider than the training window.
	if !(r1.Extrapolation.TruePhase.X[0] < r1.Training.TruePhase.X[0]) {
		t.Error("extrapolation window does not extend beyond the training window")
	}
}

// TestToyNetExtrapolation is the review's point: at smoke scale a one-hidden-layer net learns
// y = x + 10 where its N(0, 1) training data lie, yet is far off well outside that range.
func TestToyNetExtrapolation(t *testing.T) {
	b := testBackend(t)
	bud, _ := ToyBudget(scale.Smoke, 8)
	for _, act := range []nn.Activation{nn.ReLU, nn.ELU} {
		net, err := TrainToyNet(b, Shift, 8, act, bud, 1)
		if err != nil {
			t.Fatal(err)
		}
		c := net.Curve.Loss
		if !(c[len(c)-1] < c[0]/100) {
			t.Errorf("%s: loss fell only from %g to %g", act, c[0], c[len(c)-1])
		}
		if net.TrainRMS > 0.3 || net.NearRMS > 0.5 {
			t.Errorf("%s: in-range r.m.s. errors %g (training distribution), %g (μ±2σ)", act, net.TrainRMS, net.NearRMS)
		}
		if net.FarMaxError < 5 || net.FarMaxError < 20*net.TrainRMS {
			t.Errorf("%s: far-range max error %g not much larger than in-range %g", act, net.FarMaxError, net.TrainRMS)
		}
		if net.Parameters != 25 {
			t.Errorf("1-8-1 net has %d parameters, want 25", net.Parameters)
		}
	}
}

func TestStepPolynomial(t *testing.T) {
	p, err := FitStepPolynomial(81, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Fit.Degree() != PolyDegree || p.Fit.N != PolyPoints {
		t.Errorf("fit degree %d on %d points", p.Fit.Degree(), p.Fit.N)
	}
	// A polynomial cannot follow the jump: it rings with an r.m.s. error of order 1 near the step and
	// explodes beyond the data.
	if p.NearRMS < 0.3 || p.FarRMS < 10*p.NearRMS {
		t.Errorf("polynomial near r.m.s. %g, far r.m.s. %g", p.NearRMS, p.FarRMS)
	}
}

func TestCurvesAndSurfaces(t *testing.T) {
	f, err := ArcsinApproximations(201, []int{1, 3, 9, 25}, []int{5, 15})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Taylor) != 4 || len(f.LeastSquares) != 2 {
		t.Fatalf("got %d Taylor, %d least-squares curves", len(f.Taylor), len(f.LeastSquares))
	}
	for i := 1; i < len(f.MaxErrorTaylor); i++ {
		if f.MaxErrorTaylor[i] >= f.MaxErrorTaylor[i-1] {
			t.Errorf("Taylor max error did not decrease with degree: %v", f.MaxErrorTaylor)
		}
	}
	if f.MaxErrorTaylor[3] < 0.05 {
		t.Errorf("degree-25 Taylor max error %g: expected the polynomial to break away near ±1", f.MaxErrorTaylor[3])
	}
	acts, err := ActivationCurves(-5, 5, 11)
	if err != nil || len(acts) != 3 || acts[0].Y[5] != 0.5 || acts[1].Y[0] != 0 || acts[2].Y[10] != 5 {
		t.Errorf("activation curves %+v, %v", acts, err)
	}
	for _, space := range []Space{Real, Log} {
		o, err := OscillatorSurfaces(space, 41)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range o.Phase.Z {
			if z < 0 || z > math.Pi {
				t.Fatalf("%s: phase %g outside [0, π]", space, z)
			}
		}
		if len(o.Amplitude.Z) != 41*41 || len(o.PhaseSlices) != 4 {
			t.Errorf("%s: incomplete figure", space)
		}
		peak := slices.Max(o.Peak.Z)
		want := 1 / (2 * GammaMin) // A(1, γ) = 1/(2γ)
		if space == Log {
			want = math.Log(want)
		}
		if math.Abs(peak-want) > 1e-9*math.Abs(want) {
			t.Errorf("%s: peak %g, want %g", space, peak, want)
		}
	}
	if _, err := OscillatorSurfaces("polar", 10); err == nil {
		t.Error("unknown space: want an error")
	}
}

func TestHistogram(t *testing.T) {
	h, err := NewHistogram("h", []float64{0, 0.1, 0.5, 0.99, 1, math.NaN()}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.Counts, []int{2, 3}) || !slices.Equal(h.Edges, []float64{0, 0.5, 1}) {
		t.Errorf("histogram %+v", h)
	}
	if h, _ := NewHistogram("c", []float64{3, 3}, 4); h.Edges[0] != 2.5 || h.Counts[1]+h.Counts[2] != 2 {
		t.Errorf("constant histogram %+v", h)
	}
	if _, err := NewHistogram("e", nil, 3); err == nil {
		t.Error("empty histogram: want an error")
	}
}

func TestScalesAndBudgets(t *testing.T) {
	for _, s := range scale.All {
		for _, f := range []func(scale.Scale) (Budget, error){
			func(s scale.Scale) (Budget, error) { return ToyBudget(s, 8) },
			func(s scale.Scale) (Budget, error) { return ToyBudget(s, 128) },
			SciNetBudget,
		} {
			b, err := f(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Validate(); err != nil {
				t.Errorf("%s: %v", s, err)
			}
			if b.Scale != s {
				t.Errorf("budget of scale %s records scale %s", s, b.Scale)
			}
		}
	}
	if p, _ := SciNetBudget(scale.Paper); p.Steps != 50000 || p.Batch != 2048 {
		t.Errorf("paper SciNet budget %+v, want 50000 steps of 2048", p)
	}
	if p, _ := ToyBudget(scale.Paper, 128); p.Steps != 50000 || p.Batch != 2048 || p.LearningRate != 1e-4 {
		t.Errorf("paper toy budget %+v, want 50000 steps of 2048 at 1e-4", p)
	}
	if _, err := ToyBudget(scale.CPU, 0); err == nil {
		t.Error("ToyBudget with 0 hidden units: want an error")
	}
	if _, err := SciNetBudget("huge"); err == nil {
		t.Error("SciNetBudget(huge): want an error")
	}
	if (Budget{Steps: 1, Batch: 0, LearningRate: 1, GridPoints: 2, EvalSamples: 2}).Validate() == nil {
		t.Error("batch 0: want an error")
	}
}

func TestModelConfig(t *testing.T) {
	c := PaperModel()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// 2*500+500 + 500*100+100 + 2*(100*5+5) + (5*100+100) + (100*150+150) + (150*2+2)
	if got, want := c.Parameters(), 1500+50100+1010+600+15150+302; got != want {
		t.Errorf("PaperModel has %d parameters, want %d", got, want)
	}
	c.Latent = 0
	if c.Validate() == nil {
		t.Error("zero latents: want an error")
	}
	b := testBackend(t)
	bad := PaperModel()
	bad.Questions = 1
	bud, _ := SciNetBudget(scale.Smoke)
	if _, err := RunExperiment(b, Experiments()[0], bad, bud, 1); err == nil {
		t.Error("question inputs in an oscillator experiment: want an error")
	}
}

// Example_table prints the review's experiment table (2020-table1).
func Example_table() {
	fmt.Println(TableHeader)
	for _, e := range Experiments() {
		fmt.Println(e.Name, e.Table)
	}
	// Output:
	// [name real / log Mean of ω Mean of γ Sigma of ω Sigma of γ]
	// boring_patch [real 1.5 0.5 0.1 0.1]
	// center_very_broad [real 1.0 0.5 0.2 0.2]
	// peak_broad [real 1.0 0.0 0.1 0.1]
	// peak_narrow [real 1.0 0.0 0.01 0.01]
	// logspace_broad [log ln 1.0 ln 0.5 2.0 2.0]
	// logspace_near_peak [log ln 1.0 ln 0.01 1.0 1.0]
	// logspace_near_peak_narrow [log ln 1.0 ln 0.01 0.1 0.1]
}
