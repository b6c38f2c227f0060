package codename

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/loss"
)

// tableRow is one row of Tables 2-8 of the 2023 paper, typed in as printed ("-" = no value).
// The PDF text prints the Table 4 names as "20EIH_ δ 0.5"; they are typed here without the
// spaces of the conversion.
type tableRow struct {
	table          int
	name           string
	w, a, b, delta string
	lossFunction   string
	epochs         int
	appTrans       string
}

var paperTables = []tableRow{
	// Table 2: 1.25% of the training set.
	{2, "80E1", "1", "-", "-", "-", "Exp-MAE", 100, "-"},
	{2, "80E2", "1", "-", "-", "-", "Exp-MSE", 100, "-"},
	{2, "80EIH", "1", "-", "-", "-", "Exp-IH", 100, "-"},
	{2, "80S1_a4000_b10_sqrt", "-", "4000", "10", "-", "Step-MAE", 100, "sqrt"},
	{2, "80S1_a6000_b1_sqrt", "-", "6000", "1", "-", "Step-MAE", 100, "sqrt"},
	{2, "80S1_a4000_b10", "-", "4000", "10", "-", "Step-MAE", 100, "-"},
	{2, "80S1_a6000_b1", "-", "6000", "1", "-", "Step-MAE", 100, "-"},
	{2, "80S1_a8000_b1", "-", "8000", "1", "-", "Step-MAE", 100, "-"},
	{2, "80S1_a6000_b10", "-", "6000", "10", "-", "Step-MAE", 100, "-"},
	{2, "80S2", "-", "6000", "10", "-", "Step-MSE", 100, "-"},
	{2, "80SH", "-", "6000", "1", "-", "Step-Huber", 100, "-"},
	{2, "80SH_sqrt", "-", "4000", "10", "-", "Step-Huber", 100, "sqrt"},
	// Table 3: 2.5%.
	{3, "40E1", "1", "-", "-", "-", "Exp-MAE", 100, "-"},
	{3, "40E2", "1", "-", "-", "-", "Exp-MSE", 100, "-"},
	{3, "40S1", "-", "4000", "10", "-", "Step-MAE", 100, "-"},
	{3, "40S2", "-", "4000", "10", "-", "Step-MSE", 100, "-"},
	// Table 4: 5%.
	{4, "20E1", "1", "-", "-", "-", "Exp-MAE", 100, "-"},
	{4, "20E2", "1", "-", "-", "-", "Exp-MSE", 100, "-"},
	{4, "20EIH_δ0.5", "1", "-", "-", "0.5", "Exp-Inv-Huber", 100, "-"},
	{4, "20EIH_δ0.05", "1", "-", "-", "0.05", "Exp-Inv-Huber", 100, "-"},
	{4, "20EIH_δ0.15", "1", "-", "-", "0.15", "Exp-Inv-Huber", 100, "-"},
	{4, "20S1", "-", "4000", "10", "-", "Step-MAE", 100, "-"},
	{4, "20S2", "-", "4000", "10", "-", "Step-MSE", 100, "-"},
	// Table 5: 12.5%.
	{5, "8E1", "1", "-", "-", "-", "Exp-MAE", 100, "-"},
	{5, "8E2", "1", "-", "-", "-", "Exp-MSE", 100, "-"},
	{5, "8S1", "-", "4000", "10", "-", "Step-MAE", 100, "-"},
	{5, "8S2", "-", "4000", "10", "-", "Step-MSE", 100, "-"},
	// Table 6: 25%.
	{6, "4E1", "1", "-", "-", "-", "Exp-MAE", 100, "-"},
	{6, "4E2", "1", "-", "-", "-", "Exp-MSE", 89, "-"},
	{6, "4R", "1", "4000", "10", "-", "MAE", 84, "-"},
	{6, "4S1", "-", "4000", "10", "-", "Step-MAE", 100, "-"},
	{6, "4SH", "-", "4000", "10", "-", "Step-Huber", 100, "-"},
	{6, "4T-1", "-", "4000", "10", "-", "Step-MSE", 100, "-"},
	{6, "4T-5", "-", "4000", "10", "-", "Step-MSE", 100, "-"},
	// Table 7: 50%.
	{7, "2E1", "1", "-", "-", "-", "Exp-MAE", 64, "-"},
	{7, "2S1", "-", "4000", "10", "-", "Step-MAE", 81, "-"},
	// Table 8: 100%.
	{8, "1E1", "1", "-", "-", "-", "Exp-MAE", 56, "-"},
	{8, "1S1", "-", "4000", "10", "-", "Step-MAE", 40, "-"},
}

// num parses a table cell; "-" gives ok = false.
func num(t *testing.T, cell string) (float64, bool) {
	t.Helper()
	if cell == "-" {
		return 0, false
	}
	v, err := strconv.ParseFloat(cell, 64)
	if err != nil {
		t.Fatalf("bad table cell %q", cell)
	}
	return v, true
}

// tableLoss maps the "Loss Function" column to a prefactor ("" for the bare "MAE" of 4R)
// and a metric.
func tableLoss(t *testing.T, s string) (loss.Prefactor, loss.Metric) {
	t.Helper()
	prefix, metric, found := strings.Cut(s, "-")
	if !found {
		prefix, metric = "", s
	}
	pf := map[string]loss.Prefactor{"Exp": loss.PrefactorExp, "Step": loss.PrefactorStep, "": ""}[prefix]
	m, ok := map[string]loss.Metric{"MAE": loss.MAE, "MSE": loss.MSE, "Huber": loss.Huber,
		"IH": loss.InverseHuber, "Inv-Huber": loss.InverseHuber}[metric]
	if !ok {
		t.Fatalf("bad loss function cell %q", s)
	}
	return pf, m
}

func TestPaperTables(t *testing.T) {
	divisorOfTable := map[int]int{2: 80, 3: 40, 4: 20, 5: 8, 6: 4, 7: 2, 8: 1}
	seen := map[string]bool{}
	for _, row := range paperTables {
		t.Run(row.name, func(t *testing.T) {
			c, err := Parse(row.name)
			if err != nil {
				t.Fatal(err)
			}
			seen[row.name] = true
			lc := c.Loss
			if c.String() != row.name {
				t.Errorf("String() = %q, want the table spelling %q", c.String(), row.name)
			}
			if c.Table != row.table || c.Divisor != divisorOfTable[row.table] {
				t.Errorf("table %d, divisor %d; want table %d, divisor %d", c.Table, c.Divisor, row.table, divisorOfTable[row.table])
			}
			pf, metric := tableLoss(t, row.lossFunction)
			if lc.Metric != metric {
				t.Errorf("metric %q, table says %q", lc.Metric, row.lossFunction)
			}
			kind := Kind(row.name[len(fmt.Sprint(c.Divisor)) : len(fmt.Sprint(c.Divisor))+1])
			switch kind {
			case KindRandom:
				// Table 6 caption: step with probability 0.8, exp with 0.2, per epoch.
				if lc.Schedule.Kind != loss.ScheduleRandom || lc.Schedule.StepProbability != 0.8 || lc.Prefactor != "" {
					t.Errorf("4R schedule %+v, prefactor %q", lc.Schedule, lc.Prefactor)
				}
			case KindToggle:
				// Caption: toggles between step and exp, starting with exp, every k epochs.
				k, _ := strconv.Atoi(row.name[strings.Index(row.name, "-")+1:])
				if lc.Schedule.Kind != loss.ScheduleToggle || lc.Schedule.Period != k || lc.Schedule.Start != loss.PrefactorExp {
					t.Errorf("toggle schedule %+v, want period %d starting with exp", lc.Schedule, k)
				}
			default:
				if lc.Schedule.Kind != "" || lc.Prefactor != pf {
					t.Errorf("prefactor %q schedule %+v, table says %q", lc.Prefactor, lc.Schedule, row.lossFunction)
				}
			}
			if w, ok := num(t, row.w); ok {
				if lc.W != w {
					t.Errorf("w = %v, table %v", lc.W, w)
				}
			} else if kind == KindToggle {
				// The table prints no w for 4T-k, but half of their epochs use exp: w = 1.
				if lc.W != DefaultW {
					t.Errorf("toggle w = %v, want the default %v", lc.W, DefaultW)
				}
			} else if lc.W != 0 {
				t.Errorf("w = %v, table has none", lc.W)
			}
			a, aok := num(t, row.a)
			b, bok := num(t, row.b)
			if aok != bok || (aok && (lc.A != a || lc.B != b)) || (!aok && (lc.A != 0 || lc.B != 0)) {
				t.Errorf("a, b = %v, %v; table %q, %q", lc.A, lc.B, row.a, row.b)
			}
			if d, ok := num(t, row.delta); ok {
				if lc.Delta != d {
					t.Errorf("delta = %v, table %v", lc.Delta, d)
				}
			} else if metric.HasDelta() {
				if lc.Delta != DefaultDelta {
					t.Errorf("delta = %v, want the default %v where the table has none", lc.Delta, DefaultDelta)
				}
			} else if lc.Delta != 0 {
				t.Errorf("delta = %v for metric %q", lc.Delta, metric)
			}
			if c.Epochs != row.epochs {
				t.Errorf("epochs = %d, table %d", c.Epochs, row.epochs)
			}
			wantTrans := loss.Transform("")
			if row.appTrans == "sqrt" {
				wantTrans = loss.TransformSqrt
			}
			if lc.Transform != wantTrans {
				t.Errorf("transform %q, table %q", lc.Transform, row.appTrans)
			}
			wantLR := DefaultLearningRate
			if row.name == "80S1_a6000_b1" {
				wantLR = 0.00002
			}
			if c.LearningRate != wantLR {
				t.Errorf("learning rate %v, want %v", c.LearningRate, wantLR)
			}
			if lc.TargetNoiseStd != 0 || lc.WeightBy != "" {
				t.Errorf("noise %v, weight_by %q; want none and the default", lc.TargetNoiseStd, lc.WeightBy)
			}
			checkRoundTrips(t, c)
		})
	}
	// Every table name is covered, and PaperNames lists the same names (plus 4E2-2).
	for _, n := range PaperNames() {
		if !seen[n] && n != "4E2-2" {
			t.Errorf("PaperNames has %q, which no table row covers", n)
		}
	}
	if len(PaperNames()) != len(paperTables)+1 {
		t.Errorf("PaperNames has %d names, tables %d rows (+ 4E2-2)", len(PaperNames()), len(paperTables))
	}
}

func checkRoundTrips(t *testing.T, c Config) {
	t.Helper()
	back, err := Parse(c.String())
	if err != nil || !reflect.DeepEqual(back, c) {
		t.Errorf("Parse(String()) = %+v, %v; want %+v", back, err, c)
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON Config
	if err := json.Unmarshal(data, &fromJSON); err != nil || !reflect.DeepEqual(fromJSON, c) {
		t.Errorf("JSON round trip of %s = %+v, %v", data, fromJSON, err)
	}
	if err := c.Loss.Validate(); err != nil {
		t.Errorf("loss config invalid: %v", err)
	}
}

func TestNoiseModel(t *testing.T) {
	// Table 6 caption: "Model 4E2-2 was trained adding Gaussian noise w/ standard deviation
	// equal to 0.01 on the groundtruth". The table has no row for it: 4E2 otherwise, 100 epochs.
	c := MustParse("4E2-2")
	want := loss.Config{Prefactor: loss.PrefactorExp, W: 1, Metric: loss.MSE, TargetNoiseStd: 0.01}
	if !reflect.DeepEqual(c.Loss, want) || c.Epochs != 100 || c.Table != 6 || c.Divisor != 4 {
		t.Errorf("4E2-2 = %+v", c)
	}
	checkRoundTrips(t, c)
}

func TestEquivalentSpellings(t *testing.T) {
	cases := []struct{ in, canonical string }{
		{"20EIH_d0.5", "20EIH_δ0.5"},
		{"20EIH_delta0.5", "20EIH_δ0.5"},
		{"20EIH_δ.5", "20EIH_δ0.5"},
		{"80S1_b1_a6000", "80S1_a6000_b1"},
		{"80S1_a6e3_b1", "80S1_a6000_b1"},
		{"80S1_sqrt_b10_a4000", "80S1_a4000_b10_sqrt"},
		{"4T-05", "4T-5"},
		{"8E1_w2", "8E1_w2"},
		{"1SIH_a100_b2_δ0.1_sqrt", "1SIH_a100_b2_δ0.1_sqrt"},
		{"4R_a6000_w0.5", "4R_a6000_w0.5"},
	}
	for _, tc := range cases {
		c, err := Parse(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if c.String() != tc.canonical {
			t.Errorf("%s: String() = %q, want %q", tc.in, c.String(), tc.canonical)
		}
		checkRoundTrips(t, c)
	}
	// The learning-rate exception follows the model, whatever the spelling.
	if lr := MustParse("80S1_b1_a6000").LearningRate; lr != 0.00002 {
		t.Errorf("80S1_b1_a6000 learning rate %v", lr)
	}
	// ... but not its sqrt sibling (the caption names 80S1_a6000_b1 only).
	if lr := MustParse("80S1_a6000_b1_sqrt").LearningRate; lr != DefaultLearningRate {
		t.Errorf("80S1_a6000_b1_sqrt learning rate %v", lr)
	}
}

func TestNamesOutsideTheTables(t *testing.T) {
	cases := []struct {
		name string
		want Config
	}{
		{"8E1_w2", Config{Codename: "8E1_w2", Divisor: 8, Epochs: 100, LearningRate: 1e-4,
			Loss: loss.Config{Prefactor: loss.PrefactorExp, W: 2, Metric: loss.MAE}}},
		{"80S1", Config{Codename: "80S1", Divisor: 80, Epochs: 100, LearningRate: 1e-4,
			Loss: loss.Config{Prefactor: loss.PrefactorStep, A: 4000, B: 10, Metric: loss.MAE}}},
		{"80S2_sqrt", Config{Codename: "80S2_sqrt", Divisor: 80, Epochs: 100, LearningRate: 1e-4,
			Loss: loss.Config{Prefactor: loss.PrefactorStep, A: 4000, B: 10, Metric: loss.MSE, Transform: loss.TransformSqrt}}},
		{"80SH_b2", Config{Codename: "80SH_b2", Divisor: 80, Epochs: 100, LearningRate: 1e-4,
			Loss: loss.Config{Prefactor: loss.PrefactorStep, A: 6000, B: 2, Metric: loss.Huber, Delta: 1}}},
		{"2T-3", Config{Codename: "2T-3", Divisor: 2, Epochs: 100, LearningRate: 1e-4,
			Loss: loss.Config{W: 1, A: 4000, B: 10, Metric: loss.MSE, Schedule: loss.ToggleSchedule(3)}}},
		{"20S1-2", Config{Codename: "20S1-2", Divisor: 20, Epochs: 100, LearningRate: 1e-4,
			Loss: loss.Config{Prefactor: loss.PrefactorStep, A: 4000, B: 10, Metric: loss.MAE, TargetNoiseStd: 0.01}}},
	}
	for _, tc := range cases {
		c, err := Parse(tc.name)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(c, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, c, tc.want)
		}
		if c.TrainFraction() != 1/float64(c.Divisor) {
			t.Errorf("%s: TrainFraction %v", tc.name, c.TrainFraction())
		}
	}
}

func TestMalformedNames(t *testing.T) {
	cases := []struct{ name, errPart string }{
		{"", "empty name"},
		{"E1", "divisor"},
		{"10E1", "divisor \"10\""},
		{"080E1", "divisor"},
		{"160E1", "divisor"},
		{"80", "missing the loss kind"},
		{"80X1", "unknown loss kind \"X1\""},
		{"80E", "unknown metric \"\""},
		{"80E3", "unknown metric \"3\""},
		{"80EI", "unknown metric \"I\""},
		{"80E1-3", "unknown metric \"1-3\""},
		{"80E-2", "unknown metric \"\""},
		{"4R2", "unknown loss kind \"R2\""},
		{"4R-2", "unknown loss kind"},
		{"4T", "unknown loss kind \"T\""},
		{"4T-", "toggle period"},
		{"4T-0", "toggle period"},
		{"4T-x", "toggle period"},
		{"4T-+2", "toggle period"},
		{"80E1_", "empty suffix"},
		{"80E1__sqrt", "empty suffix"},
		{"80E1_sqrt_sqrt", "_sqrt given twice"},
		{"80E1_foo", "unknown suffix \"foo\""},
		{"80E1_a5", "step prefactor"},
		{"80S1_w2", "exponential prefactor"},
		{"80S1_δ0.1", "Huber"},
		{"4R_δ0.1", "Huber"},
		{"80SH_δ0", "delta must be > 0"},
		{"80SH_d-1", "delta must be > 0"},
		{"80S1_a-5", "a must be >= 0"},
		{"80E1_w0", "w must be > 0"},
		{"80S1_a", "not a finite decimal number"},
		{"80S1_aX", "not a finite decimal number"},
		{"80S1_ainf", "not a finite decimal number"},
		{"80S1_aNaN", "not a finite decimal number"},
		{"80S1_a0x10", "not a finite decimal number"},
		{"80S1_a1_a2", "given twice"},
		{"80SH_d0.1_delta0.2", "given twice"},
		{"80E1 ", "white space"},
		{"20EIH_ δ 0.5", "white space"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.name)
		if err == nil {
			t.Errorf("Parse(%q) accepted a malformed name", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.errPart) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.name)) {
			t.Errorf("Parse(%q) error %q should quote the name and mention %q", tc.name, err, tc.errPart)
		}
	}
}

func TestInconsistentName(t *testing.T) {
	bad := []Name{
		{Divisor: 4, Kind: KindRandom, Metric: loss.MSE}, // R has its table metric
		{Divisor: 3, Kind: KindExp, Metric: loss.MAE},
		{Divisor: 4, Kind: KindToggle},
		{Divisor: 4, Kind: "Q", Metric: loss.MAE},
	}
	for _, n := range bad {
		if _, err := n.Config(); err == nil {
			t.Errorf("Name %+v accepted", n)
		}
	}
	a := 6000.0
	c, err := Name{Divisor: 80, Kind: KindStep, Metric: loss.MAE, A: &a}.Config()
	if err != nil || c.Codename != "80S1_a6000" || c.Loss.A != 6000 || c.Loss.B != DefaultB {
		t.Errorf("hand-built name: %+v, %v", c, err)
	}
}

func ExampleParse() {
	c, err := Parse("80S1_a6000_b1")
	if err != nil {
		panic(err)
	}
	fmt.Println(c, c.Divisor, c.Loss.Prefactor, c.Loss.A, c.Loss.B, c.Loss.Metric, c.LearningRate, c.Epochs)
	// Output: 80S1_a6000_b1 80 step 6000 1 mae 2e-05 100
}
