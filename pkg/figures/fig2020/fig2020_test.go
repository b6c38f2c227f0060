package fig2020

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/scinet"
)

// ids are every figure and table of the 2020 review, as catalogued.
func ids(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, e := range figures.Catalog {
		if e.Paper == "2020" {
			out = append(out, e.ID)
		}
	}
	if len(out) != 28 {
		t.Fatalf("the catalogue lists %d figures and tables of the 2020 review, want 28", len(out))
	}
	return out
}

func TestEveryFigureRegistered(t *testing.T) {
	reg := map[string]bool{}
	for _, id := range figures.Registered() {
		reg[id] = true
	}
	for _, id := range ids(t) {
		if !reg[id] {
			t.Errorf("%s is not registered", id)
		}
	}
	for name, owner := range owners {
		if _, err := scinet.ExperimentByName(name); err != nil {
			t.Errorf("owner table: %v", err)
		}
		if !reg[owner] {
			t.Errorf("owner %s of %s is not registered", owner, name)
		}
	}
}

// TestSmoke computes and renders every figure at the smoke scale into a temporary directory: each
// writes a results.json with its provenance, a PNG and an SVG, and a summary; the figures that read
// an experiment reuse its owner's training (computed once).
func TestSmoke(t *testing.T) {
	root := t.TempDir()
	opt := figures.Options{Scale: scale.Smoke, Root: root, Log: io.Discard, Via: "test"}
	for _, id := range ids(t) {
		st, err := figures.Ensure(id, opt)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if st.Scale != scale.Smoke || st.Backend == "" {
			t.Errorf("%s: provenance %+v", id, st)
		}
		sum, err := figures.Summary(st)
		if err != nil || len(sum) < 80 {
			t.Errorf("%s: summary %q, %v", id, sum, err)
		}
		if strings.Contains(sum, "NaN") || strings.Contains(sum, "%!") {
			t.Errorf("%s: malformed summary:\n%s", id, sum)
		}
		dir := figures.Dir(root, id, scale.Smoke)
		for _, ext := range []string{".png", ".svg"} {
			if fi, err := os.Stat(filepath.Join(dir, id+ext)); err != nil || fi.Size() < 1000 {
				t.Errorf("%s: missing or tiny %s: %v", id, ext, err)
			}
		}
	}
	// Each experiment was trained once, by its owner, which saved the whole evaluation next to its
	// results; the other figures' results.json hold summaries only.
	for name, owner := range owners {
		st, err := figures.Load(root, owner, scale.Smoke)
		if err != nil {
			t.Fatal(err)
		}
		var f ExperimentFigure
		if err := json.Unmarshal(st.Results, &f); err != nil || f.Summary.Experiment.Name != name || f.File == "" {
			t.Errorf("%s results: %+v, %v", owner, f, err)
		}
		if f.Summary.Provenance.Steps == 0 {
			t.Errorf("%s was not trained", name)
		}
		if _, err := os.Stat(filepath.Join(figures.Dir(root, owner, scale.Smoke), f.File)); err != nil {
			t.Errorf("%s: %v", owner, err)
		}
	}
	for _, id := range ids(t) {
		fi, err := os.Stat(filepath.Join(figures.Dir(root, id, scale.Smoke), figures.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 200<<10 {
			t.Errorf("%s: results.json is %d bytes at the smoke scale", id, fi.Size())
		}
	}
}

func TestRound5(t *testing.T) {
	xs := []float64{1.23456789, -0.000123456789, 123456.789, 0}
	round5(xs)
	want := []float64{1.2346, -0.00012346, 123460, 0}
	for i := range xs {
		if xs[i] != want[i] {
			t.Errorf("round5: got %v, want %v", xs, want)
			break
		}
	}
}

func TestFitLatent(t *testing.T) {
	s := scinet.Scatter{Omega: []float64{0, 1, 2, 0, 1, 2}, Gamma: []float64{0, 0, 0, 1, 1, 1}, Mu: [][]float64{make([]float64, 6)}}
	for k := range s.Mu[0] {
		s.Mu[0][k] = 2*s.Omega[k] - 0.5*s.Gamma[k] + 3
	}
	f := FitLatent(s, 0)
	if abs(f.A-2) > 1e-12 || abs(f.B+0.5) > 1e-12 || abs(f.C-3) > 1e-12 || abs(f.R2-1) > 1e-12 {
		t.Errorf("fit %+v, want a = 2, b = −0.5, c = 3, R² = 1", f)
	}
	if got := slope([]float64{1, 2, 3}, []float64{5, 3, 1}); abs(got+2) > 1e-12 {
		t.Errorf("slope = %g, want −2", got)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestRebin: re-binning spreads counts by overlap, keeps the total inside the range and drops the
// rest.
func TestRebin(t *testing.T) {
	h := scinet.Histogram{Edges: []float64{0, 1, 2, 3}, Counts: []int{10, 20, 40}}
	out, err := rebin(h, 0, 2, 4) // target bins of width 0.5 over [0, 2]
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{5, 5, 10, 10}
	for i := range want {
		if out.Counts[i] != want[i] {
			t.Fatalf("rebin counts %v, want %v", out.Counts, want)
		}
	}
	if _, err := rebin(h, 1, 1, 4); err == nil {
		t.Error("empty range: want an error")
	}
}

func TestCentralRange(t *testing.T) {
	h := scinet.Histogram{Edges: []float64{-10, -1, 0, 1, 10}, Counts: []int{1, 500, 498, 1}}
	if lo, hi := centralRange(h, 0.99); lo != -1 || hi != 1 {
		t.Errorf("centralRange = [%g, %g], want [-1, 1]", lo, hi)
	}
	if lo, hi := centralRange(h, 1); lo != -10 || hi != 10 {
		t.Errorf("centralRange(1) = [%g, %g], want [-10, 10]", lo, hi)
	}
}
