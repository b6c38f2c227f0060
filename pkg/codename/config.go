package codename

import (
	"fmt"
	"reflect"

	"github.com/surrogo/surrogo/pkg/loss"
)

// Config is the training configuration a codename stands for.
type Config struct {
	// Codename is the canonical codename (Name.String); Config.String returns it.
	Codename string `json:"codename"`
	// Divisor selects the nested training subset: 1/Divisor of the training set, with equal
	// counts per number of sources (80 = 1.25%, ..., 1 = 100%).
	Divisor int `json:"divisor"`
	// Loss is the loss function, with its per-epoch prefactor schedule.
	Loss loss.Config `json:"loss"`
	// LearningRate is the Adam learning rate.
	LearningRate float64 `json:"learning_rate"`
	// Epochs is the number of training epochs of the paper's table row.
	Epochs int `json:"epochs"`
	// Table is the number of the paper's table (2-8) that lists the model, or 0 if none does.
	Table int `json:"table,omitempty"`
}

// String returns the canonical codename.
func (c Config) String() string { return c.Codename }

// TrainFraction returns the fraction of the training set used, 1/Divisor.
func (c Config) TrainFraction() float64 { return 1 / float64(c.Divisor) }

// Parse parses a codename and returns its training configuration. Equivalent spellings
// (suffix order, d/delta for δ, 6e3 for 6000) give the same Config, whose String is the
// canonical spelling; Parse(c.String()) returns c again.
func Parse(name string) (Config, error) {
	n, err := ParseName(name)
	if err != nil {
		return Config{}, err
	}
	return n.Config()
}

// MustParse is Parse for names known to be valid, such as literals in examples and tests;
// it panics on error.
func MustParse(name string) Config {
	c, err := Parse(name)
	if err != nil {
		panic(err)
	}
	return c
}

// stepDefaults are the table values of a and b for S names that do not spell them out, keyed
// by the name without numeric suffixes (Table 2). Other S names use DefaultA and DefaultB.
var stepDefaults = map[string][2]float64{
	"80S2": {6000, 10},
	"80SH": {6000, 1},
}

// epochExceptions are the table rows trained for fewer than DefaultEpochs epochs.
var epochExceptions = map[string]int{
	"4E2": 89, "4R": 84, // Table 6
	"2E1": 64, "2S1": 81, // Table 7
	"1E1": 56, "1S1": 40, // Table 8
}

// learningRateExceptions are the models trained with another learning rate (Table 2 caption:
// "During training of model 80S1_a6000_b1, we used a learning rate equal to 0.00002").
var learningRateExceptions = map[string]float64{
	"80S1_a6000_b1": 0.00002,
}

// tableOf maps the canonical codenames of Tables 2-8 (and of the Table 6 caption, 4E2-2) to
// their table numbers.
var tableOf = map[string]int{}

func init() {
	for table, names := range map[int][]string{
		2: {"80E1", "80E2", "80EIH", "80S1_a4000_b10_sqrt", "80S1_a6000_b1_sqrt", "80S1_a4000_b10",
			"80S1_a6000_b1", "80S1_a8000_b1", "80S1_a6000_b10", "80S2", "80SH", "80SH_sqrt"},
		3: {"40E1", "40E2", "40S1", "40S2"},
		4: {"20E1", "20E2", "20EIH_δ0.5", "20EIH_δ0.05", "20EIH_δ0.15", "20S1", "20S2"},
		5: {"8E1", "8E2", "8S1", "8S2"},
		6: {"4E1", "4E2", "4E2-2", "4R", "4S1", "4SH", "4T-1", "4T-5"},
		7: {"2E1", "2S1"},
		8: {"1E1", "1S1"},
	} {
		for _, n := range names {
			tableOf[n] = table
		}
	}
}

// PaperNames returns the canonical codenames of the models of Tables 2-8 (with 4E2-2 of the
// Table 6 caption), table by table in the paper's order.
func PaperNames() []string {
	return []string{
		"80E1", "80E2", "80EIH", "80S1_a4000_b10_sqrt", "80S1_a6000_b1_sqrt", "80S1_a4000_b10",
		"80S1_a6000_b1", "80S1_a8000_b1", "80S1_a6000_b10", "80S2", "80SH", "80SH_sqrt",
		"40E1", "40E2", "40S1", "40S2",
		"20E1", "20E2", "20EIH_δ0.5", "20EIH_δ0.05", "20EIH_δ0.15", "20S1", "20S2",
		"8E1", "8E2", "8S1", "8S2",
		"4E1", "4E2", "4E2-2", "4R", "4S1", "4SH", "4T-1", "4T-5",
		"2E1", "2S1",
		"1E1", "1S1",
	}
}

// Config applies the table defaults to the name and returns its training configuration.
// A Name built by hand must be one that ParseName could return.
func (n Name) Config() (Config, error) {
	canon := n.String()
	if back, err := ParseName(canon); err != nil {
		return Config{}, err
	} else if !reflect.DeepEqual(back, n) {
		return Config{}, fmt.Errorf("codename %q: inconsistent Name %+v (it writes as %q, which parses to %+v)", canon, n, canon, back)
	}
	// The name without numeric suffixes, used to look up table-specific defaults.
	base := Name{Divisor: n.Divisor, Kind: n.Kind, Metric: n.Metric, Period: n.Period, Noise: n.Noise, Sqrt: n.Sqrt}.String()
	pick := func(v *float64, def float64) float64 {
		if v != nil {
			return *v
		}
		return def
	}
	a, b := DefaultA, DefaultB
	if ab, ok := stepDefaults[base]; ok {
		a, b = ab[0], ab[1]
	}
	var lc loss.Config
	switch n.Kind {
	case KindExp:
		lc = loss.Config{Prefactor: loss.PrefactorExp, W: pick(n.W, DefaultW), Metric: n.Metric}
	case KindStep:
		lc = loss.Config{Prefactor: loss.PrefactorStep, A: pick(n.A, a), B: pick(n.B, b), Metric: n.Metric}
	case KindRandom:
		// Table 6: w = 1, a = 4000, b = 10, "MAE"; step with probability 0.8.
		lc = loss.Config{W: pick(n.W, DefaultW), A: pick(n.A, a), B: pick(n.B, b), Metric: loss.MAE,
			Schedule: loss.RandomSchedule(0)}
	case KindToggle:
		// Table 6: a = 4000, b = 10, "Step-MSE"; toggles between step and exp, starting with exp.
		lc = loss.Config{W: pick(n.W, DefaultW), A: pick(n.A, a), B: pick(n.B, b), Metric: loss.MSE,
			Schedule: loss.ToggleSchedule(n.Period)}
	}
	if lc.Metric.HasDelta() {
		lc.Delta = pick(n.Delta, DefaultDelta)
	}
	if n.Sqrt {
		lc.Transform = loss.TransformSqrt
	}
	if n.Noise {
		lc.TargetNoiseStd = NoiseStd
	}
	if err := lc.Validate(); err != nil {
		return Config{}, fmt.Errorf("codename %q: %w", canon, err)
	}
	c := Config{
		Codename:     canon,
		Divisor:      n.Divisor,
		Loss:         lc,
		LearningRate: DefaultLearningRate,
		Epochs:       DefaultEpochs,
		Table:        tableOf[canon],
	}
	if e, ok := epochExceptions[canon]; ok {
		c.Epochs = e
	}
	if lr, ok := learningRateExceptions[canon]; ok {
		c.LearningRate = lr
	}
	return c, nil
}
