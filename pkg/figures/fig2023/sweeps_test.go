package fig2023

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
)

// Every declaration plans at every reduced scale; the cpu sweep fits the 6-hour budget at the
// measured 108 samples/s (an estimate; see sweeps.go), and keeps the paper's protocol.
func TestSweepsPlan(t *testing.T) {
	for _, sc := range []scale.Scale{scale.Smoke, scale.CPU, scale.GPU} {
		for _, name := range SweepNames {
			sw, err := Sweep(name, sc, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sw.Plan(); err != nil {
				t.Fatalf("%s %s: %v", name, sc, err)
			}
		}
	}
	b, err := Budget(scale.CPU, 108)
	if err != nil {
		t.Fatal(err)
	}
	if b.Runs != 90 || b.Hours > 6*0.75 {
		t.Errorf("cpu budget %+v: want 90 runs (39 + 31 + 20) and at most 4.5 h of estimated work (6 h with margin)", b)
	}
	ladder, _ := LadderSweep(scale.CPU, t.TempDir())
	p, err := ladder.Plan()
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{}
	for _, r := range p.Runs {
		sizes[r.Config.Data.Train] = r.TrainExamples
		if r.ID == "80S1_a6000_b1" && r.Config.Optimizer.LearningRate != 0.00002 {
			t.Errorf("80S1_a6000_b1: learning rate %g, want the paper's 2e-5", r.Config.Optimizer.LearningRate)
		}
		if r.ID == "4E2" && r.Config.Epochs != 89 {
			t.Errorf("4E2: %d epochs, want the table's 89", r.Config.Epochs)
		}
	}
	want := map[string]int{"train/80": 20, "train/40": 40, "train/20": 80, "train/8": 200, "train/4": 400, "train/2": 800, "train": 1600}
	for k, v := range want {
		if sizes[k] != v {
			t.Errorf("cpu ladder: %s has %d examples, want %d (the 1.25%% ... 100%% ladder)", k, sizes[k], v)
		}
	}
}

// The committed declaration files are those the Go declarations write.
func TestSweepFilesUpToDate(t *testing.T) {
	root, err := figures.RepoRoot()
	if err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(root, "figures")
	for _, name := range SweepNames {
		want, err := SweepFileJSON(name, scale.CPU)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(SweepFile(dir, name, scale.CPU))
		if os.Getenv("SURROGO_UPDATE") == "1" {
			if _, err := WriteSweepFiles(dir, scale.CPU); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: out of date (SURROGO_UPDATE=1 go test -run TestSweepFilesUpToDate ./pkg/figures/fig2023): %v", SweepFile(dir, name, scale.CPU), err)
		}
	}
}

// The smoke fixed-count sweep end to end: declared, run (Figs. 16 and 17 share it), resumed
// (a second Ensure trains nothing), rendered, with verdicts.
func TestFixedCountSweepSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 4 tiny models")
	}
	dir := t.TempDir()
	t.Setenv(figures.EnvCacheDir, filepath.Join(dir, "cache"))
	opt := figures.Options{Scale: scale.Smoke, Root: filepath.Join(dir, "figures"), Log: io.Discard}
	start := time.Now()
	st, err := figures.Ensure("2023-fig17", opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fixed-count smoke sweep and Fig. 17 in %.1f s", time.Since(start).Seconds())
	for _, id := range []string{"2023-fig16", "2023-fig17"} {
		if _, err := figures.Ensure(id, opt); err != nil { // Fig. 16 reuses the finished runs
			t.Fatal(err)
		}
		paths, err := figures.Render(id, opt)
		if err != nil || len(paths) == 0 {
			t.Fatalf("%s: %v %v", id, paths, err)
		}
	}
	ev, err := LoadEvidence(scale.Smoke, opt.Root)
	if err != nil {
		t.Fatal(err)
	}
	if d := ev.FixedCount; d.Done != d.Total || d.Total != 4 {
		t.Fatalf("fixed-count sweep: %d of %d done, want 4 of 4", d.Done, d.Total)
	}
	r := ev.FixedCount.Run("P05")
	if r.KeptEpoch < 1 || r.TrainSeconds <= 0 || len(r.Evals) != 20 || r.Evals["k07"].Counts[0] != 7 {
		t.Errorf("P05: kept epoch %d, %.2f s, %d evals", r.KeptEpoch, r.TrainSeconds, len(r.Evals))
	}
	for _, v := range Verdicts(ev, "2023-fig16", "2023-fig17") {
		if v.Status != NotTestable || v.Value == "" {
			t.Errorf("%s at smoke: %s (%s), want not testable with a number", v.ID, v.Status, v.Value)
		}
	}
	s, _ := figures.Summary(st)
	if !strings.Contains(s, "C28") {
		t.Errorf("Fig. 17 summary lacks its claims:\n%s", s)
	}
}

// --- verdicts on constructed results ---

func fakeRun(id, code string, divisor int, curve func(region string, k int) float64) *RunMetrics {
	e := &EvalMetrics{MAE: map[string][]training.JSONFloat{}, Mean: map[string]training.JSONFloat{}}
	for k := 1; k <= 20; k++ {
		e.Counts = append(e.Counts, k)
	}
	for _, region := range RegionNames {
		var s float64
		for _, k := range e.Counts {
			v := curve(region, k)
			e.MAE[region] = append(e.MAE[region], training.JSONFloat(v))
			s += v
		}
		e.Mean[region] = training.JSONFloat(s / 20)
	}
	return &RunMetrics{ID: id, Codename: code, Divisor: divisor, KeptEpoch: 1, Evals: map[string]*EvalMetrics{"test": e}}
}

var regionScale = map[string]float64{"whole": 1, "sources": 4, "field": 0.9, "R1": 2, "R2": 1.5, "R3": 1.2}

func ladderEvidence(runs ...*RunMetrics) *Evidence {
	d := &SweepData{Name: SweepLadder, Runs: map[string]*RunMetrics{}}
	for _, r := range runs {
		d.Order = append(d.Order, r.ID)
		d.Runs[r.ID] = r
	}
	d.Done, d.Total = len(runs), len(runs)
	return &Evidence{Setup: SweepSetup{Scale: scale.CPU}, Ladder: d}
}

func claim(t *testing.T, id string) Claim {
	for _, c := range Claims {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no claim %s", id)
	return Claim{}
}

func TestVerdicts(t *testing.T) {
	// Errors ordered sources > R1 > R2 > R3, growing with k; 80E1 best.
	good := func(off float64) func(string, int) float64 {
		return func(region string, k int) float64 { return off + regionScale[region]*(0.01+0.001*float64(k)) }
	}
	ev := ladderEvidence(fakeRun("80E1", "80E1", 80, good(0)), fakeRun("80E2", "80E2", 80, good(0.002)))
	for _, id := range []string{"C1", "C2", "C4"} {
		if v := claim(t, id).Judge(ev); v.Status != Held {
			t.Errorf("%s on constructed results: %s (%s), want held", id, v.Status, v.Value)
		}
	}
	// 80E2 best: C4 does not hold; errors falling with k: C2 does not hold.
	bad := func(region string, k int) float64 { return regionScale[region] * (0.05 - 0.001*float64(k)) }
	ev = ladderEvidence(fakeRun("80E1", "80E1", 80, good(0.03)), fakeRun("80E2", "80E2", 80, bad))
	for _, id := range []string{"C4"} {
		if v := claim(t, id).Judge(ev); v.Status != NotHeld {
			t.Errorf("%s: %s (%s), want not held", id, v.Status, v.Value)
		}
	}
	ev = ladderEvidence(fakeRun("80E2", "80E2", 80, bad))
	if v := claim(t, "C2").Judge(ev); v.Status != NotHeld {
		t.Errorf("C2: %s (%s), want not held", v.Status, v.Value)
	}
	// A minimum of the sources error at k = 5 (C3, C10).
	dip := func(region string, k int) float64 { return 0.1 + 0.01*math.Abs(float64(k)-5) }
	ev = ladderEvidence(fakeRun("40E1", "40E1", 40, dip))
	if v := claim(t, "C10").Judge(ev); v.Status != Held {
		t.Errorf("C10: %s (%s), want held", v.Status, v.Value)
	}
	// Fig. 14: error = 0.05 - 0.01 ln(size): logarithmic, decreasing, saturating.
	var runs []*RunMetrics
	for _, d := range []int{80, 40, 20, 8, 4, 2, 1} {
		v := 0.05 - 0.01*math.Log(pct(d))
		runs = append(runs, fakeRun(codeOf(d, "E1"), codeOf(d, "E1"), d, func(string, int) float64 { return v }),
			fakeRun(codeOf(d, "S1"), codeOf(d, "S1"), d, func(string, int) float64 { return v + 0.001 }))
	}
	ev = ladderEvidence(runs...)
	for _, id := range []string{"C20", "C21", "C22", "C23", "C24", "C19"} {
		if v := claim(t, id).Judge(ev); v.Status != Held {
			t.Errorf("%s: %s (%s), want held", id, v.Status, v.Value)
		}
	}
	if f := Fig14Fit(ev, "whole"); math.Abs(f.B+0.01) > 1e-12 || math.Abs(f.R2-1) > 1e-9 {
		t.Errorf("fit %+v, want b = -0.01, R² = 1", f)
	}
	// No results: not testable, with the reason.
	for _, v := range Verdicts(&Evidence{Setup: SweepSetup{Scale: scale.CPU}}) {
		if v.Status != NotTestable || v.Value == "" {
			t.Errorf("%s without results: %s %q", v.ID, v.Status, v.Value)
		}
	}
	if len(Claims) < 24 {
		t.Errorf("%d claims, want about two dozen", len(Claims))
	}
}

func codeOf(d int, s string) string { return strings.TrimSpace(strings.Join([]string{itoa(d), s}, "")) }

func itoa(d int) string { return fmt.Sprint(d) }

// The claims table of notebooks/README.md is the one the committed cpu results give.
func TestClaimsReadme(t *testing.T) {
	root, err := figures.RepoRoot()
	if err != nil {
		t.Skip(err)
	}
	if os.Getenv("SURROGO_UPDATE") == "1" {
		if _, err := UpdateClaimsReadme(root); err != nil {
			t.Fatal(err)
		}
		return
	}
	_, have, want, err := ClaimsReadme(root)
	if err != nil {
		t.Fatal(err)
	}
	if want != have {
		t.Errorf("notebooks/README.md's claims table is out of date: SURROGO_UPDATE=1 go test -run TestClaimsReadme ./pkg/figures/fig2023 (surrogo sweep run updates it)")
	}
	if !ClaimsRead(root, SweepOut(filepath.Join(root, "figures"), SweepLadder, scale.CPU)) || ClaimsRead(root, filepath.Join(root, "figures")) {
		t.Error("ClaimsRead: want true for the cpu ladder's results directory only")
	}
}

// TestSweepFigStale checks that a sweep figure's saved results go stale when a sweep it reads has
// more finished runs, and only then: an empty figures directory (no finished run) against saved
// results with one finished fluctuation run.
func TestSweepFigStale(t *testing.T) {
	root := t.TempDir()
	saved := SweepFigResults{Evidence: &Evidence{
		Ladder:       &SweepData{Name: SweepLadder},
		Fluctuations: &SweepData{Name: SweepFluctuations, Done: 1},
		FixedCount:   &SweepData{Name: SweepFixedCount},
	}}
	if why := sweepFigStale(scale.Smoke, root, saved, []string{SweepLadder}); why != "" {
		t.Errorf("a ladder figure is stale because of the fluctuation sweep: %s", why)
	}
	if why := sweepFigStale(scale.Smoke, root, saved, []string{SweepLadder, SweepFluctuations}); !strings.Contains(why, SweepFluctuations) {
		t.Errorf("a figure of the fluctuation sweep is not stale after its runs changed (%q)", why)
	}
}
