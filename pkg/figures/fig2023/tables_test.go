package fig2023

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/loss"
)

func TestModelTableOf(t *testing.T) {
	spec, err := dataset.New(dataset.Recipe2023, dataset.ScalePaper, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n, divisor, models, train int
		first                     string
	}{
		{2, 80, 12, 4000, "80E1"}, {3, 40, 4, 8000, "40E1"}, {4, 20, 7, 16000, "20E1"}, {5, 8, 4, 40000, "8E1"},
		{6, 4, 8, 80000, "4E1"}, {7, 2, 2, 160000, "2E1"}, {8, 1, 2, 320000, "1E1"},
	} {
		mt, err := ModelTableOf(tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if mt.Number != tc.n || mt.Divisor != tc.divisor || len(mt.Models) != tc.models || mt.Models[0].Codename != tc.first {
			t.Errorf("table %d: divisor %d, %d models starting with %s; want %d, %d, %s", tc.n, mt.Divisor, len(mt.Models), mt.Models[0].Codename, tc.divisor, tc.models, tc.first)
		}
		for _, c := range mt.Models {
			if c.Divisor != mt.Divisor || c.Table != tc.n {
				t.Errorf("table %d lists %s (divisor %d, table %d)", tc.n, c.Codename, c.Divisor, c.Table)
			}
		}
		sub, err := mt.TrainSubset(spec)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Total != tc.train || math.Abs(mt.Fraction()-1/float64(tc.divisor)) > 0 {
			t.Errorf("table %d: training subset of %d configurations, want %d", tc.n, sub.Total, tc.train)
		}
	}
	for _, n := range []int{1, 9} {
		if _, err := ModelTableOf(n); err == nil {
			t.Errorf("table %d: no error", n)
		}
	}
}

func TestLossWeights(t *testing.T) {
	y := []float64{0, 0.25, 1}
	for _, tc := range []struct {
		name string
		want map[loss.Prefactor][]float64
	}{
		{"80E1", map[loss.Prefactor][]float64{loss.PrefactorExp: {math.Exp(-1), math.Exp(-0.75), 1}}},
		// E2 is the exponential prefactor (w = 1) with MSE.
		{"80E2", map[loss.Prefactor][]float64{loss.PrefactorExp: {math.Exp(-1), math.Exp(-0.75), 1}}},
		{"80S1_a6000_b1", map[loss.Prefactor][]float64{loss.PrefactorStep: {1, 1 + 6000*math.Tanh(0.25), 1 + 6000*math.Tanh(1)}}},
		// sqrt: the prefactor sees t = sqrt(y).
		{"80S1_a4000_b10_sqrt", map[loss.Prefactor][]float64{loss.PrefactorStep: {1, 1 + 4000*math.Tanh(5), 1 + 4000*math.Tanh(10)}}},
		// Huber-type metrics: the ratio is still the prefactor.
		{"20EIH_δ0.5", map[loss.Prefactor][]float64{loss.PrefactorExp: {math.Exp(-1), math.Exp(-0.75), 1}}},
		// Toggled prefactors: both.
		{"4T-1", map[loss.Prefactor][]float64{loss.PrefactorExp: {math.Exp(-1), math.Exp(-0.75), 1},
			loss.PrefactorStep: {1, 1 + 4000*math.Tanh(2.5), 1 + 4000*math.Tanh(10)}}},
	} {
		lw, err := LossWeights(codename.MustParse(tc.name), y)
		if err != nil {
			t.Fatal(err)
		}
		got := map[loss.Prefactor][]float64{}
		for i, w := range lw {
			got[w.Prefactor] = w.Weights
			if i > 0 && w.Prefactor != loss.PrefactorStep {
				t.Errorf("%s: prefactors %v out of order", tc.name, lw)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: prefactors %v, want %v", tc.name, got, tc.want)
		}
		for p, want := range tc.want {
			for i := range want {
				if g := got[p]; len(g) != len(y) || math.Abs(g[i]-want[i]) > 1e-9*want[i] {
					t.Errorf("%s, %s: weights %v, want %v", tc.name, p, g, want)
					break
				}
			}
		}
	}
}
