package fig2021

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/sweep"
	"github.com/surrogo/surrogo/pkg/training"
)

// The 15 training runs behind Table 2 and Fig. 4 (the 14 models, and model 9 without roll-back)
// are a sweep (package sweep): `surrogo sweep run figures/sweeps/2021-table2-cpu.json` trains
// them one after the other, resumable at any moment, and commits each finished run's metrics and
// training curves (figures/sweeps/2021-table2/cpu/runs/ID.json). The figures train in the same
// run directories (the sweep's slots), so a run the sweep finished is not trained again by
// `surrogo figure 2021-table2`, and the other way round.

// SweepTable2 is the name of the sweep of the Table 2 models.
const SweepTable2 = "2021-table2"

// sweepSeed is the data-set seed of the declared sweep: the figures' default seed. A figure run
// with another seed trains outside the sweep (RunDir).
const sweepSeed = 1

// Table2Run is one run of the Table 2 sweep: a model of Table 2, with or without roll-back.
type Table2Run struct {
	Number   int
	Rollback bool
}

// Table2Runs are the runs of the sweep, in the order it trains them: first those the paper's
// conclusions compare (9 and 11, the best with both branches; 5 and 12, NN2 alone; 7, NN1
// alone; 3 against 11, MSE against MAE; 9 without roll-back, Fig. 4a), so that a sweep stopped
// half-way has tested the most; then the rest of Table 2.
var Table2Runs = []Table2Run{
	{9, true}, {5, true}, {7, true}, {11, true}, {3, true}, {9, false}, {12, true},
	{2, true}, {10, true}, {1, true}, {4, true}, {6, true}, {8, true}, {13, true}, {14, true},
}

// Table2RunID returns the sweep run id of model number (with or without roll-back).
func Table2RunID(number int, rollback bool) string {
	id := fmt.Sprintf("model%02d", number)
	if !rollback {
		id += "-norollback"
	}
	return id
}

// Table2Sweep declares the runs of Table 2 and Fig. 4 at a scale (Protocol's configurations, the
// 2021 data set of seed 1), each evaluated on the test subset (the residual statistics of Table 2,
// the slices of Figs. 8-10, the field densities of Fig. 11) and on its training subset (the
// residuals and slices of the train/test comparison). root is the figures directory.
func Table2Sweep(sc scale.Scale, root string) (*sweep.Sweep, error) {
	p, err := NewProtocol(sc)
	if err != nil {
		return nil, err
	}
	evals := []sweep.Eval{
		{Name: "test", Split: p.Test, Metrics: []string{sweep.MetricResidual, sweep.MetricSlices, sweep.MetricPDF}},
		{Name: "train", Split: p.Train, Metrics: []string{sweep.MetricResidual, sweep.MetricSlices}},
	}
	var runs []sweep.RunSpec
	for _, r := range Table2Runs {
		cfg, err := p.runConfig(r.Number, "")
		if err != nil {
			return nil, err
		}
		cfg.Rollback.Enabled = r.Rollback
		runs = append(runs, sweep.RunSpec{ID: Table2RunID(r.Number, r.Rollback), Config: &cfg, Evals: evals})
	}
	return &sweep.Sweep{Name: SweepTable2, Scale: sc, Out: filepath.Join(root, "sweeps", SweepTable2, string(sc)),
		Data: sweep.Data{Recipe: "2021", Seed: sweepSeed}, Runs: runs}, nil
}

// SweepFile returns the path of the Table 2 sweep's declaration at a scale under the figures
// directory root (figures/sweeps/2021-table2-SCALE.json).
func SweepFile(root string, sc scale.Scale) string {
	return filepath.Join(root, "sweeps", SweepTable2+"-"+string(sc)+".json")
}

// SweepFileJSON returns the declaration file of the Table 2 sweep for `surrogo sweep run`: its
// out directory relative to the file, the work directory left to the default
// (.cache/sweeps/2021-table2/SCALE in the checkout, where `surrogo figure` looks too).
func SweepFileJSON(sc scale.Scale) ([]byte, error) {
	sw, err := Table2Sweep(sc, "")
	if err != nil {
		return nil, err
	}
	sw.Out = filepath.ToSlash(filepath.Join(SweepTable2, string(sc)))
	if err := sw.Validate(); err != nil {
		return nil, err
	}
	return sw.JSON(), nil
}

// WriteSweepFile writes the declaration file of the Table 2 sweep at a scale under the figures
// directory root, when it differs from what is there; it returns whether it wrote.
func WriteSweepFile(root string, sc scale.Scale) (bool, error) {
	data, err := SweepFileJSON(sc)
	if err != nil {
		return false, err
	}
	path := SweepFile(root, sc)
	if old, err := os.ReadFile(path); err == nil && slices.Equal(old, data) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	return true, os.WriteFile(path, data, 0o644)
}

// sweepRunDir returns the training directory of a figure's run when the Table 2 sweep of the
// run's scale declares the same configuration: the sweep's slot under the figures' cache
// (.cache/sweeps/2021-table2/SCALE/runs/ID-HASH/train), so that the figure and `surrogo sweep
// run` share their training. ok is false when the sweep does not declare it (another seed or
// protocol): the figure then trains in RunDir.
func sweepRunDir(run *figures.Run, cfg training.Config, number int, rollback bool) (dir string, ok bool, err error) {
	sw, err := Table2Sweep(run.Scale, run.Root)
	if err != nil {
		return "", false, err
	}
	if sw.Work, err = run.CacheDir("sweeps", SweepTable2, string(run.Scale)); err != nil {
		return "", false, err
	}
	plan, err := sw.Plan()
	if err != nil {
		return "", false, err
	}
	id := Table2RunID(number, rollback)
	for _, r := range plan.Runs {
		if r.ID == id && r.Hash == sweep.ConfigHash(cfg) {
			return r.RunDir, true, nil
		}
	}
	return "", false, nil
}
