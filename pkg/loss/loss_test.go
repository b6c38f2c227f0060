package loss

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gopjrt/dtypes"
)

// goBackend returns the backend the tests run on: GoMLX's pure-Go backend, or the backend
// named by $SURROGO_TEST_BACKEND (e.g. "stablehlo:cuda" for XLA; build the tests with
// -tags xla to register it).
func goBackend(t testing.TB) backends.Backend {
	t.Helper()
	var b backends.Backend
	var err error
	if cfg := os.Getenv("SURROGO_TEST_BACKEND"); cfg != "" {
		b, err = backends.NewWithConfig(cfg)
	} else {
		b, err = simplego.New("")
	}
	if err != nil {
		t.Fatalf("backend: %v", err)
	}
	return b
}

// evalLoss runs f on the pure-Go backend and returns the scalar result.
func evalLoss(t testing.TB, b backends.Backend, f Func, y, yhat any) float64 {
	t.Helper()
	out, err := ExecOnce(b, func(yt, yp *Node) *Node { return f(yt, yp) }, y, yhat)
	if err != nil {
		t.Fatalf("exec: %v", err)
	}
	switch v := out.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	t.Fatalf("unexpected output %v (%s)", out.Value(), out.Shape())
	return 0
}

// Small example: targets y, predictions yhat, |e| = [0.1, 0.2, 0.5, 0].
var (
	smallY    = []float32{0, 0.5, 1, 0.2}
	smallYhat = []float32{0.1, 0.3, 1.5, 0.2}
)

func TestFormulasByHand(t *testing.T) {
	b := goBackend(t)
	e1, e05, e08, e09, e07 := math.Exp(-1), math.Exp(-0.5), math.Exp(-0.8), math.Exp(-0.9), math.Exp(-0.7)
	step := func(v float64) float64 { return 1 + 4000*math.Tanh(10*v) }
	const d = 0.3
	cases := []struct {
		name string
		cfg  Config
		want float64
	}{
		{"plain MAE", Config{Metric: MAE}, (0.1 + 0.2 + 0.5 + 0) / 4},
		{"plain MSE", Config{Metric: MSE}, (0.01 + 0.04 + 0.25 + 0) / 4},
		// Huber: e^2/2 inside delta, delta*(|e| - delta/2) outside.
		{"plain Huber d=0.3", Config{Metric: Huber, Delta: d}, (0.01/2 + 0.04/2 + d*(0.5-d/2) + 0) / 4},
		// Eq. (4): delta*(|e| - delta/2) inside delta (negative near 0), e^2/2 outside.
		{"plain inverse Huber d=0.3", Config{Metric: InverseHuber, Delta: d},
			(d*(0.1-d/2) + d*(0.2-d/2) + 0.25/2 + d*(0-d/2)) / 4},
		// Eq. (5) on the target: exp(-(1-y)/w), w = 1.
		{"exp(target) MAE", Config{Prefactor: PrefactorExp, W: 1, Metric: MAE},
			(e1*0.1 + e05*0.2 + 1*0.5 + e08*0) / 4},
		// w = 2 halves the exponents.
		{"exp(target) w=2 MSE", Config{Prefactor: PrefactorExp, W: 2, Metric: MSE},
			(math.Exp(-0.5)*0.01 + math.Exp(-0.25)*0.04 + 1*0.25) / 4},
		// Authors' code: exp(-|1 - yhat|/w).
		{"exp(prediction) MAE", Config{Prefactor: PrefactorExp, W: 1, Metric: MAE, WeightBy: WeightPrediction},
			(e09*0.1 + e07*0.2 + e05*0.5 + e08*0) / 4},
		{"exp authors_code MAE", Config{Prefactor: PrefactorExp, W: 1, Metric: MAE, WeightBy: WeightAuthorsCode},
			(e09*0.1 + e07*0.2 + e05*0.5 + e08*0) / 4},
		// Eq. (6) on the target: 1 + a tanh(b y), a = 4000, b = 10.
		{"step(target) MAE", Config{Prefactor: PrefactorStep, A: 4000, B: 10, Metric: MAE},
			(step(0)*0.1 + step(0.5)*0.2 + step(1)*0.5 + step(0.2)*0) / 4},
		{"step authors_code MAE (target)", Config{Prefactor: PrefactorStep, A: 4000, B: 10, Metric: MAE, WeightBy: WeightAuthorsCode},
			(step(0)*0.1 + step(0.5)*0.2 + step(1)*0.5 + step(0.2)*0) / 4},
		{"step(prediction) MAE", Config{Prefactor: PrefactorStep, A: 4000, B: 10, Metric: MAE, WeightBy: WeightPrediction},
			(step(0.1)*0.1 + step(0.3)*0.2 + step(1.5)*0.5 + step(0.2)*0) / 4},
		{"step(target) a=6000 b=1 Huber d=0.3", Config{Prefactor: PrefactorStep, A: 6000, B: 1, Metric: Huber, Delta: d},
			(1*0.01/2 + (1+6000*math.Tanh(0.5))*0.04/2 + (1+6000*math.Tanh(1))*d*(0.5-d/2)) / 4},
		{"exp(target) inverse Huber d=0.15", Config{Prefactor: PrefactorExp, W: 1, Metric: InverseHuber, Delta: 0.15},
			(e1*0.15*(0.1-0.075) + e05*0.2*0.2/2 + 1*0.5*0.5/2 + e08*0.15*(0-0.075)) / 4},
		// sqrt transform: targets become sqrt(y) = [0, sqrt(.5), 1, sqrt(.2)] before weighting.
		{"sqrt exp(target) MSE", Config{Prefactor: PrefactorExp, W: 1, Metric: MSE, Transform: TransformSqrt},
			(e1*sq(0.1-0) + math.Exp(-(1-math.Sqrt(0.5)))*sq(0.3-math.Sqrt(0.5)) + 1*sq(1.5-1) +
				math.Exp(-(1-math.Sqrt(0.2)))*sq(0.2-math.Sqrt(0.2))) / 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.cfg.Build(0)
			if err != nil {
				t.Fatal(err)
			}
			got := evalLoss(t, b, f, smallY, smallYhat)
			if !close(got, tc.want, 2e-6) {
				t.Errorf("graph loss = %.9g, want %.9g", got, tc.want)
			}
			// The float64 host reference must agree to rounding.
			p, _ := tc.cfg.PrefactorAt(0)
			var sum float64
			for i := range smallY {
				v, err := tc.cfg.PixelLoss(p, float64(smallY[i]), float64(smallYhat[i]))
				if err != nil {
					t.Fatal(err)
				}
				sum += v
			}
			if ref := sum / 4; !close(ref, tc.want, 1e-6) {
				t.Errorf("PixelLoss mean = %.12g, want %.12g", ref, tc.want)
			}
		})
	}
}

func sq(x float64) float64 { return x * x }

// close reports |a-b| <= tol*max(1,|b|).
func close(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

// TestInverseHuberEq4 checks Eq. (4) pointwise, its continuity at |e| = delta, and that the
// sign of the error does not matter.
func TestInverseHuberEq4(t *testing.T) {
	c := Config{Metric: InverseHuber, Delta: 0.5}
	cases := []struct{ e, want float64 }{
		{0, -0.125},                 // delta*(0 - delta/2)
		{0.25, 0.5 * (0.25 - 0.25)}, // = 0
		{-0.25, 0},                  // |x| is used in the linear branch
		{0.5, 0.125},                // both branches: 0.5*0.5^2 = 0.5*(0.5-0.25)
		{0.75, 0.28125},             // x^2/2
		{-2, 2},
	}
	for _, tc := range cases {
		got, err := c.PixelLoss(PrefactorNone, 0, tc.e)
		if err != nil {
			t.Fatal(err)
		}
		if !close(got, tc.want, 1e-15) {
			t.Errorf("IH(%v) = %v, want %v", tc.e, got, tc.want)
		}
	}
	// Huber is the mirror image: e^2/2 inside, linear outside.
	h := Config{Metric: Huber, Delta: 0.5}
	for _, tc := range []struct{ e, want float64 }{{0, 0}, {0.25, 0.03125}, {-0.5, 0.125}, {2, 0.875}} {
		got, _ := h.PixelLoss(PrefactorNone, 0, tc.e)
		if !close(got, tc.want, 1e-15) {
			t.Errorf("Huber(%v) = %v, want %v", tc.e, got, tc.want)
		}
	}
}

// TestGraphMatchesReference compares the graph with PixelLoss on random data for every
// combination of prefactor, weighting, metric and transform, in float32 and float64.
func TestGraphMatchesReference(t *testing.T) {
	b := goBackend(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 64
	y64, yh64 := make([]float64, n), make([]float64, n)
	for i := range y64 {
		y64[i] = rng.Float64()
		yh64[i] = y64[i] + 0.4*(rng.Float64()-0.5)
	}
	y32, yh32 := make([]float32, n), make([]float32, n)
	for i := range y64 {
		y32[i], yh32[i] = float32(y64[i]), float32(yh64[i])
		// Use the float32-rounded values for the reference too.
		y64[i], yh64[i] = float64(y32[i]), float64(yh32[i])
	}
	for _, pf := range Prefactors {
		for _, wb := range WeightBys {
			for _, m := range Metrics {
				for _, tr := range Transforms {
					c := Config{Prefactor: pf, WeightBy: wb, Metric: m, Transform: tr}
					switch pf {
					case PrefactorExp:
						c.W = 0.7
					case PrefactorStep:
						c.A, c.B = 50, 3
					}
					if m.HasDelta() {
						c.Delta = 0.1
					}
					f, err := c.Build(0)
					if err != nil {
						t.Fatalf("%s: %v", c, err)
					}
					var want float64
					for i := range y64 {
						v, err := c.PixelLoss(pf, y64[i], yh64[i])
						if err != nil {
							t.Fatal(err)
						}
						want += v / n
					}
					if got := evalLoss(t, b, f, y32, yh32); !close(got, want, 1e-5) {
						t.Errorf("%s float32: graph %.9g, reference %.9g", c, got, want)
					}
					if got := evalLoss(t, b, f, y64, yh64); !close(got, want, 1e-12) {
						t.Errorf("%s float64: graph %.15g, reference %.15g", c, got, want)
					}
				}
			}
		}
	}
}

// TestGradients checks d loss / d yhat against central differences of the float64 reference,
// at points away from the kinks (e = 0, |e| = delta).
func TestGradients(t *testing.T) {
	b := goBackend(t)
	y := []float64{0.05, 0.3, 0.6, 0.95, 0.4}
	yh := []float64{0.12, 0.13, 0.9, 0.5, 0.43}
	cfgs := []Config{
		{Metric: MAE},
		{Metric: MSE},
		{Metric: Huber, Delta: 0.2},
		{Metric: InverseHuber, Delta: 0.2},
		{Prefactor: PrefactorExp, W: 1, Metric: MAE},
		{Prefactor: PrefactorExp, W: 0.5, Metric: MSE, WeightBy: WeightPrediction},
		{Prefactor: PrefactorStep, A: 100, B: 2, Metric: InverseHuber, Delta: 0.2, WeightBy: WeightPrediction},
		{Prefactor: PrefactorStep, A: 4000, B: 10, Metric: MAE, Transform: TransformSqrt},
	}
	for _, c := range cfgs {
		f, err := c.Build(0)
		if err != nil {
			t.Fatal(err)
		}
		out, err := ExecOnce(b, func(yt, yp *Node) *Node {
			return Gradient(f(yt, yp), yp)[0]
		}, y, yh)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		grad := out.Value().([]float64)
		p, _ := c.PrefactorAt(0)
		for i := range y {
			const h = 1e-6
			lp, _ := c.PixelLoss(p, y[i], yh[i]+h)
			lm, _ := c.PixelLoss(p, y[i], yh[i]-h)
			want := (lp - lm) / (2 * h) / float64(len(y))
			if !close(grad[i], want, 1e-6) {
				t.Errorf("%s: dL/dyhat[%d] = %.10g, finite difference %.10g", c, i, grad[i], want)
			}
		}
	}
}

func TestTargetWeightsCarryNoGradient(t *testing.T) {
	// With target weights, dL/dyhat_i = w(y_i) * sign(e_i) / N exactly (MAE).
	b := goBackend(t)
	c := Config{Prefactor: PrefactorExp, W: 1, Metric: MAE}
	f, _ := c.Build(0)
	out := MustExecOnce(b, func(yt, yp *Node) *Node { return Gradient(f(yt, yp), yp)[0] },
		[]float64{0.5, 1}, []float64{0.7, 0.2})
	got := out.Value().([]float64)
	want := []float64{math.Exp(-0.5) / 2, -1.0 / 2}
	for i := range want {
		if !close(got[i], want[i], 1e-14) {
			t.Errorf("grad[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestSchedules(t *testing.T) {
	E, S := PrefactorExp, PrefactorStep
	cases := []struct {
		name string
		cfg  Config
		want []Prefactor
	}{
		{"fixed exp", Config{Prefactor: E, W: 1, Metric: MAE}, []Prefactor{E, E, E, E}},
		{"fixed none", Config{Metric: MSE}, []Prefactor{PrefactorNone, PrefactorNone}},
		{"4T-1", Config{W: 1, A: 4000, B: 10, Metric: MSE, Schedule: ToggleSchedule(1)},
			[]Prefactor{E, S, E, S, E, S}},
		{"4T-5", Config{W: 1, A: 4000, B: 10, Metric: MSE, Schedule: ToggleSchedule(5)},
			[]Prefactor{E, E, E, E, E, S, S, S, S, S, E, E}},
		{"toggle 2 starting with step", Config{W: 1, A: 1, B: 1, Metric: MAE,
			Schedule: Schedule{Kind: ScheduleToggle, Period: 2, Start: S}}, []Prefactor{S, S, E, E, S}},
		{"random p=1", Config{W: 1, A: 1, B: 1, Metric: MAE,
			Schedule: Schedule{Kind: ScheduleRandom, StepProbability: 1, Seed: 7}}, []Prefactor{S, S, S, S}},
		{"random p=0", Config{W: 1, A: 1, B: 1, Metric: MAE,
			Schedule: Schedule{Kind: ScheduleRandom, StepProbability: 0, Seed: 7}}, []Prefactor{E, E, E, E}},
	}
	for _, tc := range cases {
		got, err := tc.cfg.PrefactorSequence(len(tc.want))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSplitMix64ReferenceValues(t *testing.T) {
	// First outputs of SplitMix64 seeded with 0 (Vigna's reference splitmix64.c).
	want := []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f}
	for i, w := range want {
		if got := splitMix64(uint64(i+1) * golden); got != w {
			t.Errorf("output %d = %#x, want %#x", i, got, w)
		}
	}
	// uniformAt(0, 0) is the top 53 bits of the first output.
	if got, want := uniformAt(0, 0), float64(uint64(0xe220a8397b1dcdaf)>>11)/(1<<53); got != want {
		t.Errorf("uniformAt(0,0) = %v, want %v", got, want)
	}
}

func TestRandomSchedule(t *testing.T) {
	c := Config{W: 1, A: 4000, B: 10, Metric: MAE, Schedule: RandomSchedule(0)}
	seq, err := c.PrefactorSequence(12)
	if err != nil {
		t.Fatal(err)
	}
	// Seed 0: uniforms 0.883, 0.432, 0.027, ... against p = 0.8.
	var b strings.Builder
	for _, p := range seq {
		b.WriteByte(strings.ToUpper(string(p))[0])
	}
	var want strings.Builder
	for e := range 12 {
		if uniformAt(0, e) < 0.8 {
			want.WriteByte('S')
		} else {
			want.WriteByte('E')
		}
	}
	if b.String() != want.String() || b.String()[:3] != "ESS" {
		t.Errorf("4R seed 0 sequence = %s, want %s (starting ESS)", b.String(), want.String())
	}
	// Reproducible, seed-dependent, and with the right frequency.
	again, _ := c.PrefactorSequence(12)
	if !reflect.DeepEqual(seq, again) {
		t.Error("random schedule is not reproducible")
	}
	c2 := c
	c2.Schedule.Seed = 1
	other, _ := c2.PrefactorSequence(12)
	if reflect.DeepEqual(seq, other) {
		t.Error("seeds 0 and 1 give the same 12 epochs")
	}
	const n = 20000
	steps := 0
	long, _ := c.PrefactorSequence(n)
	for _, p := range long {
		if p == PrefactorStep {
			steps++
		}
	}
	// Binomial(20000, 0.8): sd = 56.6; 5 sd = 283.
	if math.Abs(float64(steps)-0.8*n) > 283 {
		t.Errorf("step chosen %d times in %d epochs, want about %d", steps, n, int(0.8*n))
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		field string // substring of the error; "" means valid
	}{
		{"plain mae", Config{Metric: MAE}, ""},
		{"empty metric", Config{}, "field metric"},
		{"upper-case metric", Config{Metric: "MAE"}, "field metric"},
		{"exp without w", Config{Prefactor: PrefactorExp, Metric: MAE}, "field w"},
		{"exp with negative w", Config{Prefactor: PrefactorExp, W: -1, Metric: MAE}, "field w"},
		{"w without exp", Config{W: 1, Metric: MAE}, "field w"},
		{"step negative a", Config{Prefactor: PrefactorStep, A: -1, B: 1, Metric: MAE}, "field a"},
		{"step NaN b", Config{Prefactor: PrefactorStep, A: 1, B: math.NaN(), Metric: MAE}, "field b"},
		{"a without step", Config{Prefactor: PrefactorExp, W: 1, A: 3, Metric: MAE}, "fields a, b"},
		{"huber without delta", Config{Metric: Huber}, "field delta"},
		{"delta with mae", Config{Metric: MAE, Delta: 1}, "field delta"},
		{"unknown prefactor", Config{Prefactor: "gauss", Metric: MAE}, "field prefactor"},
		{"unknown weight_by", Config{Metric: MAE, WeightBy: "both"}, "field weight_by"},
		{"unknown transform", Config{Metric: MAE, Transform: "log"}, "field transform"},
		{"negative noise", Config{Metric: MAE, TargetNoiseStd: -0.1}, "target_noise_std"},
		{"unknown schedule", Config{Metric: MAE, Schedule: Schedule{Kind: "cosine"}}, "schedule.kind"},
		{"random with prefactor", Config{Prefactor: PrefactorExp, W: 1, A: 1, B: 1, Metric: MAE, Schedule: RandomSchedule(1)}, "field prefactor"},
		{"random p>1", Config{W: 1, A: 1, B: 1, Metric: MAE, Schedule: Schedule{Kind: ScheduleRandom, StepProbability: 1.5}}, "step_probability"},
		{"random needs w", Config{A: 1, B: 1, Metric: MAE, Schedule: RandomSchedule(1)}, "field w"},
		{"toggle period 0", Config{W: 1, A: 1, B: 1, Metric: MAE, Schedule: Schedule{Kind: ScheduleToggle}}, "schedule.period"},
		{"toggle bad start", Config{W: 1, A: 1, B: 1, Metric: MAE, Schedule: Schedule{Kind: ScheduleToggle, Period: 1, Start: PrefactorNone}}, "schedule.start"},
		{"fixed with period", Config{Metric: MAE, Schedule: Schedule{Period: 3}}, "fixed schedule"},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.field != "" && err == nil:
			t.Errorf("%s: no error, want one about %q", tc.name, tc.field)
		case tc.field != "" && !strings.Contains(err.Error(), tc.field):
			t.Errorf("%s: error %q does not name %q", tc.name, err, tc.field)
		}
		if tc.field != "" {
			if _, err := tc.cfg.Build(0); err == nil {
				t.Errorf("%s: Build accepted an invalid config", tc.name)
			}
		}
	}
	if _, err := (Config{Metric: MAE}).Build(-1); err == nil {
		t.Error("Build(-1) accepted a negative epoch")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	cfgs := []Config{
		{Prefactor: PrefactorExp, W: 1, Metric: MAE},
		{Prefactor: PrefactorStep, A: 6000, B: 1, Metric: Huber, Delta: 1, Transform: TransformSqrt},
		{W: 1, A: 4000, B: 10, Metric: MAE, Schedule: RandomSchedule(42)},
		{W: 1, A: 4000, B: 10, Metric: MSE, Schedule: ToggleSchedule(5), WeightBy: WeightAuthorsCode},
		{Prefactor: PrefactorExp, W: 1, Metric: MSE, TargetNoiseStd: 0.01},
	}
	for _, c := range cfgs {
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Config
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("round trip of %s gave %+v", data, back)
		}
	}
	var c Config
	if err := json.Unmarshal([]byte(`{"prefactor":"step","a":4000,"b":10,"metric":"mae"}`), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil || c.A != 4000 || c.Metric != MAE {
		t.Errorf("decoded %+v, validate: %v", c, err)
	}
}

func TestParseFunctions(t *testing.T) {
	if p, err := ParsePrefactor("EXP"); err != nil || p != PrefactorExp {
		t.Errorf("ParsePrefactor(EXP) = %q, %v", p, err)
	}
	if m, err := ParseMetric("Inverse_Huber"); err != nil || m != InverseHuber {
		t.Errorf("ParseMetric = %q, %v", m, err)
	}
	if w, err := ParseWeightBy(""); err != nil || w != WeightTarget {
		t.Errorf("ParseWeightBy(\"\") = %q, %v", w, err)
	}
	if tr, err := ParseTransform("SQRT"); err != nil || tr != TransformSqrt {
		t.Errorf("ParseTransform = %q, %v", tr, err)
	}
	for _, bad := range []func() error{
		func() error { _, err := ParsePrefactor("x"); return err },
		func() error { _, err := ParseMetric("l1"); return err },
		func() error { _, err := ParseWeightBy("x"); return err },
		func() error { _, err := ParseTransform("log"); return err },
	} {
		if bad() == nil {
			t.Error("a parse function accepted an unknown name")
		}
	}
}

func TestTransform(t *testing.T) {
	v := []float32{0, 0.25, 1, -0.04}
	if err := TransformSqrt.Apply(v); err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0.5, 1, 0.2}
	for i := range v {
		if math.Abs(float64(v[i]-want[i])) > 1e-7 {
			t.Errorf("Apply: v[%d] = %v, want %v", i, v[i], want[i])
		}
	}
	if err := TransformSqrt.Invert(v); err != nil {
		t.Fatal(err)
	}
	for i, w := range []float32{0, 0.25, 1, 0.04} {
		if math.Abs(float64(v[i]-w)) > 1e-7 {
			t.Errorf("Invert: v[%d] = %v, want %v", i, v[i], w)
		}
	}
	if err := Transform("log").Apply(v); err == nil {
		t.Error("unknown transform accepted")
	}
	b := goBackend(t)
	out := MustExecOnce(b, func(x *Node) *Node {
		y, err := TransformSqrt.ApplyNode(x)
		if err != nil {
			panic(err)
		}
		z, err := TransformSqrt.InvertNode(y)
		if err != nil {
			panic(err)
		}
		return z
	}, []float32{0.09, 0.64})
	got := out.Value().([]float32)
	if math.Abs(float64(got[0])-0.09) > 1e-7 || math.Abs(float64(got[1])-0.64) > 1e-7 {
		t.Errorf("InvertNode(ApplyNode(x)) = %v", got)
	}
}

func TestLossFnSignature(t *testing.T) {
	b := goBackend(t)
	fn, err := Config{Metric: MSE}.LossFn(0)
	if err != nil {
		t.Fatal(err)
	}
	out := MustExecOnce(b, func(y, yh *Node) *Node { return fn([]*Node{y}, []*Node{yh}) }, smallY, smallYhat)
	if got := float64(out.Value().(float32)); !close(got, 0.075, 1e-6) {
		t.Errorf("LossFn MSE = %v, want 0.075", got)
	}
	_, err = ExecOnce(b, func(y, yh *Node) *Node { return fn([]*Node{y, y}, []*Node{yh}) }, smallY, smallYhat)
	if err == nil {
		t.Error("extra label accepted")
	}
	_, err = ExecOnce(b, func(y, yh *Node) *Node { return fn([]*Node{y}, []*Node{yh}) }, smallY, []float32{1, 2})
	if err == nil {
		t.Error("different shapes accepted")
	}
}

// epochLossValue evaluates an EpochLoss in a context graph, in training or evaluation mode.
func epochLossValue(t *testing.T, b backends.Backend, ctx *context.Context, l *EpochLoss, training bool, y, yh any) float64 {
	t.Helper()
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, yt, yp *Node) *Node {
		ctx.SetTraining(yt.Graph(), training)
		return l.LossFn([]*Node{yt}, []*Node{yp})
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(y, yh)
	if err != nil {
		t.Fatal(err)
	}
	return float64(out[0].Value().(float32))
}

func TestEpochLossFollowsSchedule(t *testing.T) {
	b := goBackend(t)
	ctx := context.New()
	c := Config{W: 1, A: 4000, B: 10, Metric: MSE, Schedule: ToggleSchedule(1)}
	l, err := NewEpochLoss(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, yt, yp *Node) *Node {
		return l.LossFn([]*Node{yt}, []*Node{yp})
	})
	if err != nil {
		t.Fatal(err)
	}
	for epoch := range 4 {
		if err := l.SetEpoch(epoch); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Exec(smallY, smallYhat)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := c.Build(epoch)
		want := evalLoss(t, b, f, smallY, smallYhat)
		if got := float64(out[0].Value().(float32)); !close(got, want, 1e-6) {
			t.Errorf("epoch %d (%s): EpochLoss %v, Build %v", epoch, l.Prefactor(), got, want)
		}
	}
	if l.Epoch() != 3 || l.Prefactor() != PrefactorStep {
		t.Errorf("after epoch 3: Epoch %d, Prefactor %s", l.Epoch(), l.Prefactor())
	}
	if _, err := NewEpochLoss(nil, c); err == nil {
		t.Error("nil context accepted")
	}
	if _, err := NewEpochLoss(ctx, Config{}); err == nil {
		t.Error("invalid config accepted")
	}
}

func TestEpochLossNoise(t *testing.T) {
	b := goBackend(t)
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	l, err := NewEpochLoss(ctx, Config{Metric: MSE, TargetNoiseStd: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	const n = 40000
	y := make([]float32, n)
	for i := range y {
		y[i] = float32(i%100) / 100
	}
	// Perfect prediction: the training loss is the mean squared noise, about 0.01^2.
	train := epochLossValue(t, b, ctx, l, true, y, y)
	if math.Abs(train-1e-4) > 0.05e-4 { // sd of the mean: 1e-4*sqrt(2/n) = 0.007e-4
		t.Errorf("training loss with noise = %v, want about 1e-4", train)
	}
	if eval := epochLossValue(t, b, ctx, l, false, y, y); eval != 0 {
		t.Errorf("evaluation loss = %v, want 0 (no noise outside training)", eval)
	}
}

func ExampleConfig_Build() {
	// Model 80E1 of the paper: exponential prefactor with w = 1, MAE.
	c := Config{Prefactor: PrefactorExp, W: 1, Metric: MAE}
	f, err := c.Build(0)
	if err != nil {
		panic(err)
	}
	backend, _ := simplego.New("")
	out := MustExecOnce(backend, func(y, yhat *Node) *Node { return f(y, yhat) },
		[]float32{1, 0}, []float32{0.9, 0.2})
	// (exp(0)*0.1 + exp(-1)*0.2) / 2
	fmt.Printf("%.5f\n", out.Value())
	// Output: 0.08679
}

// TestEpochLossWithTrainer drives EpochLoss through a real train.Trainer: a one-parameter
// model yhat = k*x, a toggle schedule, and target noise that must show in training steps only.
func TestEpochLossWithTrainer(t *testing.T) {
	b := goBackend(t)
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(5); err != nil {
		t.Fatal(err)
	}
	c := Config{W: 1, A: 10, B: 1, Metric: MSE, TargetNoiseStd: 0.01, Schedule: ToggleSchedule(1)}
	l, err := NewEpochLoss(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	model := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		k := ctx.WithInitializer(initializers.One).VariableWithShape("k", shapes.Make(dtypes.Float32))
		return []*Node{Mul(inputs[0], k.ValueGraph(inputs[0].Graph()))}
	}
	tr := train.NewTrainer(b, ctx, model, l.LossFn, optimizers.StochasticGradientDescent(), nil, nil)
	x := tensors.FromValue([]float32{0.2, 0.4, 0.6, 0.8})
	y := tensors.FromValue([]float32{0.2, 0.4, 0.6, 0.8}) // k = 1 fits exactly
	// Epoch 0 (exp prefactor): one training step; the noise makes its loss positive although
	// k = 1 fits the clean targets exactly.
	m, err := tr.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
	if err != nil {
		t.Fatal(err)
	}
	if got := m[0].Value().(float32); !(got > 0) {
		t.Errorf("epoch 0: training loss = %v, want > 0 from the target noise", got)
	}
	// Epoch 1 (step prefactor): the evaluation loss has no noise and uses the step weights.
	// (Only one EvalStep: the trainer's mean-loss metric averages over EvalStep calls.)
	if err := l.SetEpoch(1); err != nil {
		t.Fatal(err)
	}
	m, err = tr.EvalStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
	if err != nil {
		t.Fatal(err)
	}
	k := float64(ctx.GetVariableByScopeAndName("/", "k").MustValue().Value().(float32))
	var want, wantExp float64
	for _, xi := range []float64{0.2, 0.4, 0.6, 0.8} {
		xi32 := float64(float32(xi))
		v, _ := c.PixelLoss(PrefactorStep, xi32, float64(float32(float32(k)*float32(xi))))
		want += v / 4
		v, _ = c.PixelLoss(PrefactorExp, xi32, float64(float32(float32(k)*float32(xi))))
		wantExp += v / 4
	}
	got := float64(m[0].Value().(float32))
	if k == 1 || math.Abs(got-want) > 1e-3*want || math.Abs(got-wantExp) < 0.5*wantExp {
		t.Errorf("epoch 1: k = %v, evaluation loss = %v, want %v (step), not %v (exp)", k, got, want, wantExp)
	}
}
