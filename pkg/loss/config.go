package loss

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Prefactor is the per-pixel weight of the loss (Eqs. 5-6).
type Prefactor string

const (
	// PrefactorNone weighs every pixel by 1 (plain MAE, MSE, ...).
	PrefactorNone Prefactor = "none"
	// PrefactorExp is the exponential weight exp(-(1-t)/w) of Eq. (5).
	PrefactorExp Prefactor = "exp"
	// PrefactorStep is the step-like weight 1 + a*tanh(b*t) of Eq. (6).
	PrefactorStep Prefactor = "step"
)

// Prefactors lists the supported prefactors.
var Prefactors = []Prefactor{PrefactorNone, PrefactorExp, PrefactorStep}

// ParsePrefactor returns the prefactor named s ("none", "exp" or "step"; case-insensitive).
func ParsePrefactor(s string) (Prefactor, error) { return parseName("prefactor", s, Prefactors) }

// WeightBy says which pixel value the prefactor is evaluated on.
type WeightBy string

const (
	// WeightTarget evaluates both prefactors on the target t, as Eqs. (5)-(6) of the paper
	// write them. It is the default.
	WeightTarget WeightBy = "target"
	// WeightPrediction evaluates both prefactors on the prediction: exp(-|1-yhat|/w) and
	// 1 + a*tanh(b*yhat). The gradient flows through the prefactor.
	WeightPrediction WeightBy = "prediction"
	// WeightAuthorsCode follows the authors' released PyTorch losses: the exponential
	// prefactor on the prediction, exp(-|1-yhat|/w) (ExponentialMeanError), and the step
	// prefactor on the target, 1 + a*tanh(b*t) (HyperbolicTangentMeanError).
	WeightAuthorsCode WeightBy = "authors_code"
)

// WeightBys lists the supported WeightBy values.
var WeightBys = []WeightBy{WeightTarget, WeightPrediction, WeightAuthorsCode}

// ParseWeightBy returns the WeightBy named s (case-insensitive); "" means WeightTarget.
func ParseWeightBy(s string) (WeightBy, error) {
	if s == "" {
		return WeightTarget, nil
	}
	return parseName("weight_by", s, WeightBys)
}

// Metric is the metric term M(e) of the pixel loss, e = yhat - t.
type Metric string

const (
	// MAE is |e| (alpha = 1 in Eqs. 5-6).
	MAE Metric = "mae"
	// MSE is e^2 (alpha = 2 in Eqs. 5-6).
	MSE Metric = "mse"
	// Huber is e^2/2 for |e| <= delta and delta*(|e| - delta/2) otherwise.
	Huber Metric = "huber"
	// InverseHuber is Eq. (4): delta*(|e| - delta/2) for |e| <= delta and e^2/2 otherwise.
	InverseHuber Metric = "inverse_huber"
)

// Metrics lists the supported metric terms.
var Metrics = []Metric{MAE, MSE, Huber, InverseHuber}

// ParseMetric returns the metric named s (case-insensitive).
func ParseMetric(s string) (Metric, error) { return parseName("metric", s, Metrics) }

// HasDelta reports whether the metric takes the hyperparameter delta.
func (m Metric) HasDelta() bool { return m == Huber || m == InverseHuber }

// Transform is the "App Trans" column of the paper's tables: a transform applied to the
// data before training.
type Transform string

const (
	// TransformNone trains on the fields as they are.
	TransformNone Transform = "none"
	// TransformSqrt trains on sqrt(|v|) of inputs and targets, as the authors' data loader
	// does (np.sqrt(np.absolute(v))); predictions are mapped back by squaring.
	TransformSqrt Transform = "sqrt"
)

// Transforms lists the supported transforms.
var Transforms = []Transform{TransformNone, TransformSqrt}

// ParseTransform returns the transform named s (case-insensitive); "" means TransformNone.
func ParseTransform(s string) (Transform, error) {
	if s == "" {
		return TransformNone, nil
	}
	return parseName("transform", s, Transforms)
}

// parseName returns the option named s (case-insensitive), or an error naming what was parsed.
func parseName[T ~string](what, s string, options []T) (T, error) {
	for _, o := range options {
		if strings.EqualFold(s, string(o)) {
			return o, nil
		}
	}
	return "", fmt.Errorf("loss: unknown %s %q (want one of %q)", what, s, options)
}

// ScheduleKind says how the prefactor changes from epoch to epoch.
type ScheduleKind string

const (
	// ScheduleFixed uses Config.Prefactor in every epoch.
	ScheduleFixed ScheduleKind = "fixed"
	// ScheduleRandom draws, independently for each epoch, the step prefactor with probability
	// Schedule.StepProbability and the exponential one otherwise (model 4R: 0.8).
	ScheduleRandom ScheduleKind = "random"
	// ScheduleToggle alternates between the exponential and the step prefactor every
	// Schedule.Period epochs, starting with Schedule.Start (models 4T-1 and 4T-5).
	ScheduleToggle ScheduleKind = "toggle"
)

// ScheduleKinds lists the supported schedule kinds.
var ScheduleKinds = []ScheduleKind{ScheduleFixed, ScheduleRandom, ScheduleToggle}

// Schedule describes the prefactor used in each epoch. Its zero value is the fixed schedule.
type Schedule struct {
	// Kind is "fixed" (the default when empty), "random" or "toggle".
	Kind ScheduleKind `json:"kind,omitempty"`
	// StepProbability is the probability of the step prefactor in each epoch ("random" only).
	StepProbability float64 `json:"step_probability,omitempty"`
	// Seed makes the "random" schedule reproducible: the draw of epoch e is the (e+1)-th
	// output of SplitMix64 seeded with Seed, so any epoch can be recomputed on its own.
	Seed int64 `json:"seed,omitempty"`
	// Period is the number of epochs between two toggles ("toggle" only, >= 1).
	Period int `json:"period,omitempty"`
	// Start is the prefactor of the first Period epochs ("toggle" only; "" means "exp").
	Start Prefactor `json:"start,omitempty"`
}

// RandomSchedule returns the schedule of model 4R: step with probability 0.8, exp otherwise,
// drawn per epoch from the given seed.
func RandomSchedule(seed int64) Schedule {
	return Schedule{Kind: ScheduleRandom, StepProbability: 0.8, Seed: seed}
}

// ToggleSchedule returns the schedule of models 4T-k: exp for epochs [0, k), step for
// [k, 2k), exp again, and so on.
func ToggleSchedule(k int) Schedule {
	return Schedule{Kind: ScheduleToggle, Period: k, Start: PrefactorExp}
}

// Config describes one loss function of the paper. The zero values of the optional string
// fields select the defaults (WeightBy "target", Transform "none", Schedule "fixed",
// Prefactor "none"). Parameters that the configuration never uses must be zero, so that a
// configuration says exactly what it computes.
type Config struct {
	// Prefactor is the prefactor of a fixed schedule; it must be empty for the other schedules,
	// whose prefactor alternates between "exp" and "step".
	Prefactor Prefactor `json:"prefactor,omitempty"`
	// W is the width w > 0 of the exponential prefactor.
	W float64 `json:"w,omitempty"`
	// A is the step-prefactor amplitude a >= 0 in 1 + a*tanh(b*t).
	A float64 `json:"a,omitempty"`
	// B is the step-prefactor steepness b >= 0 in 1 + a*tanh(b*t).
	B float64 `json:"b,omitempty"`
	// WeightBy says whether prefactors are evaluated on the target (default) or the prediction.
	WeightBy WeightBy `json:"weight_by,omitempty"`
	// Metric is the metric term: "mae", "mse", "huber" or "inverse_huber".
	Metric Metric `json:"metric"`
	// Delta > 0 is the hyperparameter of "huber" and "inverse_huber".
	Delta float64 `json:"delta,omitempty"`
	// Transform is applied to the targets before the loss ("none" or "sqrt"); the network
	// then predicts transformed values (see Transform.Invert).
	Transform Transform `json:"transform,omitempty"`
	// TargetNoiseStd > 0 adds Gaussian noise of this standard deviation to the (transformed)
	// targets during training (model 4E2-2: 0.01). Only EpochLoss applies it.
	TargetNoiseStd float64 `json:"target_noise_std,omitempty"`
	// Schedule says which prefactor each epoch uses.
	Schedule Schedule `json:"schedule,omitempty"`
}

// normalized returns c with the empty optional fields replaced by their defaults.
func (c Config) normalized() Config {
	if c.WeightBy == "" {
		c.WeightBy = WeightTarget
	}
	if c.Transform == "" {
		c.Transform = TransformNone
	}
	if c.Schedule.Kind == "" {
		c.Schedule.Kind = ScheduleFixed
	}
	if c.Schedule.Kind == ScheduleFixed && c.Prefactor == "" {
		c.Prefactor = PrefactorNone
	}
	if c.Schedule.Kind == ScheduleToggle && c.Schedule.Start == "" {
		c.Schedule.Start = PrefactorExp
	}
	return c
}

// usesExp and usesStep report whether some epoch of the (normalized) configuration uses the
// exponential or the step prefactor.
func (c Config) usesExp() bool {
	return c.Schedule.Kind != ScheduleFixed || c.Prefactor == PrefactorExp
}

func (c Config) usesStep() bool {
	return c.Schedule.Kind != ScheduleFixed || c.Prefactor == PrefactorStep
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate reports the first problem of the configuration, naming the offending field.
func (c Config) Validate() error {
	n := c.normalized()
	if !isOneOf(n.Metric, Metrics) {
		return fmt.Errorf("loss: field metric: unknown metric %q (want one of %q)", c.Metric, Metrics)
	}
	if !isOneOf(n.WeightBy, WeightBys) {
		return fmt.Errorf("loss: field weight_by: unknown value %q (want one of %q)", c.WeightBy, WeightBys)
	}
	if !isOneOf(n.Transform, Transforms) {
		return fmt.Errorf("loss: field transform: unknown value %q (want one of %q)", c.Transform, Transforms)
	}
	s := n.Schedule
	switch s.Kind {
	case ScheduleFixed:
		if !isOneOf(n.Prefactor, Prefactors) {
			return fmt.Errorf("loss: field prefactor: unknown value %q (want one of %q)", c.Prefactor, Prefactors)
		}
		if s.StepProbability != 0 || s.Seed != 0 || s.Period != 0 || s.Start != "" {
			return fmt.Errorf("loss: field schedule: a fixed schedule takes no step_probability, seed, period or start (got %+v)", c.Schedule)
		}
	case ScheduleRandom:
		if c.Prefactor != "" {
			return fmt.Errorf("loss: field prefactor: must be empty with a %q schedule, which picks exp or step per epoch (got %q)", s.Kind, c.Prefactor)
		}
		if !(s.StepProbability >= 0 && s.StepProbability <= 1) {
			return fmt.Errorf("loss: field schedule.step_probability: %v is not in [0, 1]", s.StepProbability)
		}
		if s.Period != 0 || s.Start != "" {
			return fmt.Errorf("loss: field schedule: a random schedule takes no period or start (got period %d, start %q)", s.Period, s.Start)
		}
	case ScheduleToggle:
		if c.Prefactor != "" {
			return fmt.Errorf("loss: field prefactor: must be empty with a %q schedule, which alternates exp and step (got %q)", s.Kind, c.Prefactor)
		}
		if s.Period < 1 {
			return fmt.Errorf("loss: field schedule.period: a toggle schedule needs period >= 1 (got %d)", s.Period)
		}
		if s.Start != PrefactorExp && s.Start != PrefactorStep {
			return fmt.Errorf("loss: field schedule.start: want %q or %q (got %q)", PrefactorExp, PrefactorStep, s.Start)
		}
		if s.StepProbability != 0 || s.Seed != 0 {
			return fmt.Errorf("loss: field schedule: a toggle schedule takes no step_probability or seed")
		}
	default:
		return fmt.Errorf("loss: field schedule.kind: unknown value %q (want one of %q)", c.Schedule.Kind, ScheduleKinds)
	}
	if n.usesExp() {
		if !(n.W > 0) || !finite(n.W) {
			return fmt.Errorf("loss: field w: the exponential prefactor needs a finite w > 0 (got %v)", c.W)
		}
	} else if c.W != 0 {
		return fmt.Errorf("loss: field w: set to %v but no epoch uses the exponential prefactor", c.W)
	}
	if n.usesStep() {
		if !(n.A >= 0) || !finite(n.A) {
			return fmt.Errorf("loss: field a: the step prefactor needs a finite a >= 0 (got %v)", c.A)
		}
		if !(n.B >= 0) || !finite(n.B) {
			return fmt.Errorf("loss: field b: the step prefactor needs a finite b >= 0 (got %v)", c.B)
		}
	} else if c.A != 0 || c.B != 0 {
		return fmt.Errorf("loss: fields a, b: set to %v, %v but no epoch uses the step prefactor", c.A, c.B)
	}
	if n.Metric.HasDelta() {
		if !(n.Delta > 0) || !finite(n.Delta) {
			return fmt.Errorf("loss: field delta: metric %q needs a finite delta > 0 (got %v)", n.Metric, c.Delta)
		}
	} else if c.Delta != 0 {
		return fmt.Errorf("loss: field delta: set to %v but metric %q takes no delta", c.Delta, n.Metric)
	}
	if !(n.TargetNoiseStd >= 0) || !finite(n.TargetNoiseStd) {
		return fmt.Errorf("loss: field target_noise_std: want a finite value >= 0 (got %v)", c.TargetNoiseStd)
	}
	return nil
}

func isOneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// PrefactorAt returns the prefactor used in the given epoch (0-based: the first epoch is 0).
func (c Config) PrefactorAt(epoch int) (Prefactor, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	if epoch < 0 {
		return "", fmt.Errorf("loss: epoch %d is negative (epochs count from 0)", epoch)
	}
	n := c.normalized()
	s := n.Schedule
	switch s.Kind {
	case ScheduleRandom:
		if uniformAt(s.Seed, epoch) < s.StepProbability {
			return PrefactorStep, nil
		}
		return PrefactorExp, nil
	case ScheduleToggle:
		if (epoch/s.Period)%2 == 0 {
			return s.Start, nil
		}
		return other(s.Start), nil
	default:
		return n.Prefactor, nil
	}
}

// PrefactorSequence returns the prefactors of epochs 0 .. epochs-1.
func (c Config) PrefactorSequence(epochs int) ([]Prefactor, error) {
	if epochs < 0 {
		return nil, fmt.Errorf("loss: negative number of epochs %d", epochs)
	}
	seq := make([]Prefactor, epochs)
	for e := range seq {
		p, err := c.PrefactorAt(e)
		if err != nil {
			return nil, err
		}
		seq[e] = p
	}
	return seq, nil
}

func other(p Prefactor) Prefactor {
	if p == PrefactorExp {
		return PrefactorStep
	}
	return PrefactorExp
}

// splitMix64 returns the output of SplitMix64 (Steele, Lea and Flood 2014) for the state x.
func splitMix64(x uint64) uint64 {
	z := x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

const golden = 0x9e3779b97f4a7c15

// uniformAt returns a uniform number in [0, 1) for the epoch: the top 53 bits of the
// (epoch+1)-th output of SplitMix64 seeded with seed.
func uniformAt(seed int64, epoch int) float64 {
	x := splitMix64(uint64(seed) + uint64(epoch+1)*golden)
	return float64(x>>11) / (1 << 53)
}

// String returns the configuration as compact JSON.
func (c Config) String() string {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Sprintf("loss.Config(%v)", err)
	}
	return string(b)
}
