package fig2023

// The training sweeps behind the 2023 paper's results (Figs. 5-14, 16, 17), declared in Go for a
// scale: the figures read their committed per-run result files (package sweep), the notebooks
// show their status, and `surrogo sweep run figures/sweeps/NAME-SCALE.json` runs them (the files
// are written from these functions by WriteSweepFiles; TestSweepFilesUpToDate keeps them equal).
//
// # The cpu-scale budget (estimated before the sweeps ran; measured figures below)
//
// Measured: `surrogo bench train --model edcnn --size 128 --width 8 --batch 8` on the fast CPU
// backend trains 108 samples/s on 2 shared AMD EPYC cores (AVX-512), 2026-12; a forward pass is
// taken as 3x cheaper (~320 samples/s). The cpu data set is the 2023 recipe at N = 128, R = 1.25,
// l = 5: 100 configurations per number of sources, 1,600 for training and 400 for testing.
//
//	sweep             runs  training examples per epoch          selection per epoch
//	2023-ladder        39   12x20 + 4x40 + 7x80 + 4x200          39 x 100 (test/4)
//	                        + 8x400 + 2x800 + 2x1600 = 9,760
//	2023-fluctuations  31   15x20 + 16x80 = 1,580                31 x 100 (test/4)
//	2023-fixed-count   20   20x80 = 1,600                        20 x 20 (kP/test)
//	total              90   12,940 (x <= 100 epochs: the paper's   7,400
//	                        table epochs, 100 for most rows)
//
// Budget (cpu, 108) resolves the declarations: 1,072,800 training examples (the table epochs)
// / 108 = 9,930 s; per-epoch model selection 721,400 forward / 320 = 2,250 s; final evaluations on
// the whole test set (70 x 400 + 20 x 400 forward) ~ 110 s; graph compilation and checkpoints
// ~ 90 x 10 s = 900 s. About 13,200 s = 3.7 hours on 2 cores, within the 6 hours of issue 13
// with ~60% to spare for a slower or busier machine. The selection
// subset test/4 (5 configurations per number of sources, 100 in all) replaces the whole test set
// (400) for the per-epoch choice of the kept model to keep it affordable (with the whole test
// set: ~5.8 hours, too close to the limit); every reported error is measured on the whole test
// set. The smoke scale runs the same declarations with a few runs per figure, 2 epochs, on the
// smoke data set (N = 32, 10 configurations per number of sources): seconds per run.
//
// Measured since (2026-12-06, 2 cores of an Intel Xeon, shared with other work; BENCHMARKS.md,
// "The 2023 cpu sweeps"): the ladder's 39 runs took 2.18 hours (per run 0.6 minutes at 1.25% of
// the data, 1.3 at 5%, 4.9 at 12.5%, 7.9 at 25%, 6.5 at 50%, 7.6 at 100%); about 3.3 hours for
// the three sweeps.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/sweep"
)

// The names of the 2023 sweeps.
const (
	SweepLadder       = "2023-ladder"       // every model of Tables 2-8 (Figs. 5, 7, 8, 10-14)
	SweepFluctuations = "2023-fluctuations" // disjoint training sets (Figs. 6 and 9)
	SweepFixedCount   = "2023-fixed-count"  // one model per number of sources (Figs. 16, 17)
)

// SweepNames lists the 2023 sweeps.
var SweepNames = []string{SweepLadder, SweepFluctuations, SweepFixedCount}

// SweepSetup is what a scale changes in the 2023 sweeps (the paper's protocol is kept: losses,
// learning rates, schedules, nested subsets, model selection by the lowest test loss).
type SweepSetup struct {
	Scale scale.Scale `json:"scale"`
	// Epochs > 0 trains every run that many epochs; 0 keeps the paper's table epochs (100, or
	// 89, 84, 64, 81, 56, 40 for the rows that say so) and 100 for the fixed-count models.
	Epochs int `json:"epochs"`
	// Width is the ED-CNN's first channel count (the paper: 64).
	Width int `json:"width"`
	// Select is the test subset whose loss chooses the kept epoch of the ladder and fluctuation
	// runs (the paper: the whole test set); the fixed-count runs use their own kP/test.
	Select string `json:"select"`
	// Ladder lists the codenames of the ladder sweep (nil: all of Tables 2-8).
	Ladder []string `json:"ladder,omitempty"`
	// Fig6Seeds is the number of models per 1.25% set (A, B, C; the paper: 5).
	Fig6Seeds int `json:"fig6_seeds"`
	// Fig9 lists the sets of Fig. 9: inverse-Huber δ, disjoint 5% set, number of models.
	Fig9 []Fig9Set `json:"fig9"`
	// FixedCounts are the numbers of sources P of the fixed-count models (the paper: 1..20).
	FixedCounts []int `json:"fixed_counts"`
	// Note says what the scale leaves out, for the figures.
	Note string `json:"note,omitempty"`
}

// Fig9Set is one curve of Fig. 9: Models models of 20EIH_δDelta on the disjoint 5% set Set.
type Fig9Set struct {
	Delta  string `json:"delta"` // "0.05", "0.15", "0.5"
	Set    string `json:"set"`   // "A" or "B"
	Models int    `json:"models"`
}

// Label names the set in legends: "A δ=0.05".
func (s Fig9Set) Label() string { return fmt.Sprintf("%s δ=%s", s.Set, s.Delta) }

// fig9Paper: "two sets of five models each ... We also trained two sets more composed by 3
// models each, using different δ" (16 models, δ in {0.05, 0.15, 0.5}). The paper does not say
// which δ the five-model sets used nor on which sets the three-model ones were trained: we use
// δ = 0.05 (the paper's 20EIH_δ0.05 row) for A and B, and δ = 0.15 on A, δ = 0.5 on B.
var fig9Paper = []Fig9Set{{"0.05", "A", 5}, {"0.05", "B", 5}, {"0.15", "A", 3}, {"0.5", "B", 3}}

func allCounts() []int {
	out := make([]int, 20)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// Setup returns the sweep setup of a scale.
func Setup(sc scale.Scale) (SweepSetup, error) {
	switch sc {
	case scale.Smoke:
		return SweepSetup{Scale: sc, Epochs: 2, Width: 4, Select: "test",
			Ladder:    []string{"80E1", "80S1_a4000_b10", "40E1", "40S1", "20E1", "20EIH_δ0.05", "8E1", "4E1", "4T-5", "2E1", "1E1"},
			Fig6Seeds: 2, Fig9: []Fig9Set{{"0.05", "A", 2}, {"0.05", "B", 2}}, FixedCounts: []int{1, 5, 10, 20},
			Note: "smoke: 11 of the 39 models, 2 models per set in Figs. 6 and 9 (paper 5; Fig. 9 without its δ = 0.15 and 0.5 sets), P = 1, 5, 10, 20 of 1..20, 2 epochs"}, nil
	case scale.CPU:
		return SweepSetup{Scale: sc, Width: 8, Select: "test/4", Fig6Seeds: 5, Fig9: fig9Paper, FixedCounts: allCounts(),
			Note: "cpu: kept epoch chosen on test/4 (100 configurations), errors on the whole test set"}, nil
	case scale.GPU:
		return SweepSetup{Scale: sc, Width: 32, Select: "test", Fig6Seeds: 5, Fig9: fig9Paper, FixedCounts: allCounts()}, nil
	case scale.Paper:
		return SweepSetup{Scale: sc, Width: 64, Select: "test", Fig6Seeds: 5, Fig9: fig9Paper, FixedCounts: allCounts()}, nil
	}
	return SweepSetup{}, fmt.Errorf("fig2023: unknown scale %q", sc)
}

// fixedCountEpochs is the paper's number of epochs of the fixed-count models ("Each model was
// trained for 100 epochs").
const fixedCountEpochs = 100

// SweepOut returns the results directory of a sweep under the figures directory root.
func SweepOut(root, name string, sc scale.Scale) string {
	return filepath.Join(root, "sweeps", name, string(sc))
}

// SweepFile returns the path of a sweep's declaration file under the figures directory root.
func SweepFile(root, name string, sc scale.Scale) string {
	return filepath.Join(root, "sweeps", name+"-"+string(sc)+".json")
}

// baseSet returns the settings every run of a scale shares.
func (s SweepSetup) baseSet(epochs int) map[string]any {
	m := map[string]any{"model": map[string]any{"width": s.Width}}
	if s.Epochs > 0 {
		m["epochs"] = s.Epochs
	} else if epochs > 0 {
		m["epochs"] = epochs
	}
	return m
}

func (s SweepSetup) declare(name, root string, runs []sweep.RunSpec) *sweep.Sweep {
	return &sweep.Sweep{Name: name, Scale: s.Scale, Out: SweepOut(root, name, s.Scale),
		Data: sweep.Data{Recipe: "2023", Seed: 1}, Defaults: sweep.RunSpec{Model: "edcnn"}, Runs: runs}
}

// merge returns a merged with b (b wins; nested maps merged).
func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = merge(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// LadderSweep declares every model of Tables 2-8 (with 4E2-2 of the Table 6 caption) at the
// scale: its codename's loss, schedule, noise, learning rate and nested training subset, tested
// on the whole test set (MAE per region per number of sources). root is the figures directory.
func LadderSweep(sc scale.Scale, root string) (*sweep.Sweep, error) {
	s, err := Setup(sc)
	if err != nil {
		return nil, err
	}
	names := s.Ladder
	if names == nil {
		names = codename.PaperNames()
	}
	var runs []sweep.RunSpec
	for _, n := range names {
		c, err := codename.Parse(n)
		if err != nil {
			return nil, err
		}
		set := merge(s.baseSet(c.Epochs), map[string]any{"data": map[string]any{"test": s.Select}})
		runs = append(runs, sweep.RunSpec{ID: runID(c.Codename), Codename: c.Codename, Set: set,
			Evals: []sweep.Eval{{Name: "test", Split: "test"}}})
	}
	return s.declare(SweepLadder, root, runs), nil
}

// runID turns a codename into a run id (δ is not allowed in ids).
func runID(code string) string { return strings.ReplaceAll(code, "δ", "d") }

// FluctuationSweep declares the runs of Figs. 6 and 9: Fig6Seeds models of 80E1 on each of
// three disjoint 1.25% training sets A, B, C, and the inverse-Huber sets of Fig. 9 on two
// disjoint 5% sets, each model with its own seed (initial weights and batches).
func FluctuationSweep(sc scale.Scale, root string) (*sweep.Sweep, error) {
	s, err := Setup(sc)
	if err != nil {
		return nil, err
	}
	var runs []sweep.RunSpec
	eval := []sweep.Eval{{Name: "test", Split: "test"}}
	for _, set := range []string{"A", "B", "C"} {
		for seed := 1; seed <= s.Fig6Seeds; seed++ {
			runs = append(runs, sweep.RunSpec{ID: fmt.Sprintf("fig6-%s-s%d", set, seed), Codename: "80E1", Evals: eval,
				Set: merge(s.baseSet(100), map[string]any{"seed": seed, "data": map[string]any{"train": "train/80/" + set, "test": s.Select}})})
		}
	}
	for _, f := range s.Fig9 {
		for seed := 1; seed <= f.Models; seed++ {
			runs = append(runs, sweep.RunSpec{ID: fmt.Sprintf("fig9-%s-d%s-s%d", f.Set, f.Delta, seed), Codename: "20EIH_δ" + f.Delta, Evals: eval,
				Set: merge(s.baseSet(100), map[string]any{"seed": seed, "data": map[string]any{"train": "train/20/" + f.Set, "test": s.Select}})})
		}
	}
	return s.declare(SweepFluctuations, root, runs), nil
}

// FixedCountSweep declares the models of Figs. 16 and 17: one exponentially weighted MAE model
// (1E1's loss) per number of sources P, trained on the fixed-count training set kP/train for 100
// epochs (the kept epoch chosen on kP/test), each tested on every fixed-count test set kM/test.
func FixedCountSweep(sc scale.Scale, root string) (*sweep.Sweep, error) {
	s, err := Setup(sc)
	if err != nil {
		return nil, err
	}
	var evals []sweep.Eval
	for m := 1; m <= 20; m++ {
		evals = append(evals, sweep.Eval{Name: fmt.Sprintf("k%02d", m), Split: fmt.Sprintf("k%02d/test", m)})
	}
	var runs []sweep.RunSpec
	for _, p := range s.FixedCounts {
		runs = append(runs, sweep.RunSpec{ID: fmt.Sprintf("P%02d", p), Codename: "1E1", Evals: evals,
			Set: merge(s.baseSet(fixedCountEpochs), map[string]any{"data": map[string]any{"train": fmt.Sprintf("k%02d/train", p), "test": fmt.Sprintf("k%02d/test", p)}})})
	}
	return s.declare(SweepFixedCount, root, runs), nil
}

// Sweep returns the named 2023 sweep at a scale, its results under the figures directory root.
func Sweep(name string, sc scale.Scale, root string) (*sweep.Sweep, error) {
	switch name {
	case SweepLadder:
		return LadderSweep(sc, root)
	case SweepFluctuations:
		return FluctuationSweep(sc, root)
	case SweepFixedCount:
		return FixedCountSweep(sc, root)
	}
	return nil, fmt.Errorf("fig2023: unknown sweep %q (want one of %q)", name, SweepNames)
}

// SweepFileJSON returns the declaration file of a sweep for `surrogo sweep run`: its out
// directory relative to the file (figures/sweeps/NAME/SCALE), the work directory left to the
// default (.cache/sweeps/NAME/SCALE in the checkout).
func SweepFileJSON(name string, sc scale.Scale) ([]byte, error) {
	sw, err := Sweep(name, sc, "")
	if err != nil {
		return nil, err
	}
	sw.Out = filepath.ToSlash(filepath.Join(name, string(sc)))
	if err := sw.Validate(); err != nil {
		return nil, err
	}
	return sw.JSON(), nil
}

// WriteSweepFiles writes the declaration files of every 2023 sweep at the scales under the
// figures directory root (figures/sweeps/NAME-SCALE.json).
func WriteSweepFiles(root string, scales ...scale.Scale) ([]string, error) {
	var out []string
	for _, sc := range scales {
		for _, name := range SweepNames {
			data, err := SweepFileJSON(name, sc)
			if err != nil {
				return out, err
			}
			path := SweepFile(root, name, sc)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return out, err
			}
			if old, err := os.ReadFile(path); err == nil && slices.Equal(old, data) {
				continue
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				return out, err
			}
			out = append(out, path)
		}
	}
	return out, nil
}

// SweepBudget estimates the work of the 2023 sweeps at a scale: training examples (epochs x
// training-set size, summed over runs) and forward passes of the per-epoch model selection and
// the final evaluations, and the hours they take at the given training rate (samples/s; forward
// passes counted 3x cheaper). It is an estimate: it leaves out compilation and checkpoints.
type SweepBudget struct {
	Runs             int     `json:"runs"`
	TrainExamples    int64   `json:"train_examples"`
	SelectionForward int64   `json:"selection_forward"`
	FinalForward     int64   `json:"final_forward"`
	SamplesPerSecond float64 `json:"samples_per_second"`
	Hours            float64 `json:"hours"`
}

// Budget computes SweepBudget for the scale's sweeps (Plan resolves the sizes; nothing is read
// or written).
func Budget(sc scale.Scale, samplesPerSecond float64) (SweepBudget, error) {
	b := SweepBudget{SamplesPerSecond: samplesPerSecond}
	for _, name := range SweepNames {
		sw, err := Sweep(name, sc, os.TempDir())
		if err != nil {
			return b, err
		}
		p, err := sw.Plan()
		if err != nil {
			return b, err
		}
		sp, err := p.DataSpec.Split()
		if err != nil {
			return b, err
		}
		for _, r := range p.Runs {
			b.Runs++
			b.TrainExamples += int64(r.Config.Epochs) * int64(r.TrainExamples)
			sel, err := sp.Subset(r.Config.Data.Test)
			if err != nil {
				return b, err
			}
			b.SelectionForward += int64(r.Config.Epochs) * int64(sel.Total)
			for _, e := range r.Evals {
				sub, err := sp.Subset(e.Split)
				if err != nil {
					return b, err
				}
				b.FinalForward += int64(sub.Total)
			}
		}
	}
	if samplesPerSecond > 0 {
		secs := (float64(b.TrainExamples) + float64(b.SelectionForward+b.FinalForward)/3) / samplesPerSecond
		b.Hours = secs / 3600
	}
	return b, nil
}
