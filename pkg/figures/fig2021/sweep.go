package fig2021

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/plots"
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
	return true, atomicfile.WriteFile(path, data, 0o644)
}

// TrainDir returns the directory model number of Table 2 trains in with configuration cfg
// under the cache root cache (surrogate.DefaultCache() in a notebook, the figures' cache
// directory in `surrogo figure`): the slot of the Table 2 sweep of cfg's scale when the sweep
// declares cfg (cache/sweeps/2021-table2/SCALE/runs/ID-HASH/train, where `surrogo sweep run`
// trains it too), else RunDir(cache, cfg, number) (another seed or protocol). cfg.Rollback.Enabled
// tells the run of Fig. 4a (model 9 without roll-back) from model 9's.
func TrainDir(cache string, cfg training.Config, number int) (string, error) {
	sw, err := Table2Sweep(cfg.Scale, "")
	if err != nil {
		return "", err
	}
	sw.Work = filepath.Join(cache, "sweeps", SweepTable2, string(cfg.Scale))
	sw.Out = filepath.Join(sw.Work, "results") // unused: only the slots are looked up
	plan, err := sw.Plan()
	if err != nil {
		return "", err
	}
	id, hash := Table2RunID(number, cfg.Rollback.Enabled), sweep.ConfigHash(cfg)
	for _, r := range plan.Runs {
		if r.ID == id && r.Hash == hash {
			// A run of the sweep trained earlier with fewer epochs continues.
			return r.RunDir, plan.AdoptShorter(&r)
		}
	}
	return RunDir(cache, cfg, number), nil
}

// LoadTable2Sweep reads the finished runs of the Table 2 sweep at a scale under the figures
// directory root (their committed result files; nothing is trained or read from the caches):
// a Table2Results whose Models are the finished models with roll-back, in Table 2's order, with
// the metrics the sweep keeps (residuals, slices and field densities; no supplement, no saved
// fields), and the run without roll-back when it is finished (nil otherwise). done counts the
// finished runs of the sweep's total.
func LoadTable2Sweep(root string, sc scale.Scale) (r Table2Results, without *ModelResult, done, total int, err error) {
	sw, err := Table2Sweep(sc, root)
	if err != nil {
		return r, nil, 0, 0, err
	}
	p, err := sw.Plan()
	if err != nil {
		return r, nil, 0, 0, err
	}
	st, err := p.Status(sweep.Shard{})
	if err != nil {
		return r, nil, 0, 0, err
	}
	proto, err := NewProtocol(sc)
	if err != nil {
		return r, nil, 0, 0, err
	}
	r = Table2Results{Protocol: proto, DataSet: p.DataSpec.Describe(), DataID: p.DataSpec.ID()}
	byID := map[string]*sweep.Result{}
	for _, rs := range st.Runs {
		if rs.State != sweep.Done {
			continue
		}
		res, err := sweep.ReadResult(rs.Result)
		if err != nil {
			return r, nil, 0, 0, err
		}
		byID[rs.ID] = res
	}
	for _, pm := range paperTable2 {
		if res := byID[Table2RunID(pm.Number, true)]; res != nil {
			mr, err := ModelOfSweep(pm.Number, res)
			if err != nil {
				return r, nil, 0, 0, err
			}
			r.Models = append(r.Models, mr)
		}
	}
	if res := byID[Table2RunID(9, false)]; res != nil {
		mr, err := ModelOfSweep(9, res)
		if err != nil {
			return r, nil, 0, 0, err
		}
		without = &mr
	}
	return r, without, len(byID), len(p.Runs), nil
}

// ModelOfSweep returns the Table 2 row of model number from its sweep result: the test and
// training residuals and slices, the test field densities and the training record (without
// the roll-back events, which the result counts only).
func ModelOfSweep(number int, res *sweep.Result) (ModelResult, error) {
	pm, err := Paper(number)
	if err != nil {
		return ModelResult{}, err
	}
	test, train := res.Evals["test"], res.Evals["train"]
	if test == nil || train == nil || test.Residual == nil || train.Residual == nil {
		return ModelResult{}, fmt.Errorf("sweep result %s: no test and train residuals", res.ID)
	}
	split := func(name string, m *sweep.Metrics) SplitMetrics {
		s := SplitMetrics{Split: name, Examples: m.Data.Examples, Residual: *m.Residual}
		for _, sl := range m.Slices {
			s.Slices = append(s.Slices, SliceRow{Lo: sl.Lo, Hi: sl.Hi, N: sl.N, Mean: sl.Mean, Std: sl.Std})
		}
		if a := m.SliceAggregate; a != nil {
			s.Aggregate = Aggregate{MeanOfMeans: a.MeanOfMeans, MaxOfMeans: a.MaxOfMeans, MeanOfStds: a.MeanOfStds,
				MaxOfStds: a.MaxOfStds, MeanOfAbsMeans: a.MeanOfAbsMeans, MaxOfAbsMeans: a.MaxOfAbsMeans}
		}
		return s
	}
	t := res.Training
	mr := ModelResult{Paper: pm, Test: split("test", test), Train: split(trainSplitName, train),
		Training: TrainingRecord{TrainLoss: t.TrainLoss, TestLoss: t.TestLoss, NumRollbacks: t.Rollbacks, EpochsRun: t.EpochsRun,
			BestEpoch: t.Best.Epoch, BestTrainLoss: t.Best.TrainLoss, Seconds: res.Provenance.TrainSeconds}}
	mr.Mean, mr.P99, mr.Max = mr.Test.Residual.Mean, mr.Test.Residual.P99.Estimate, mr.Test.Residual.Max
	if pdf := test.PDF; pdf != nil && len(pdf.Edges) > 1 {
		mr.PDF = PDF{Target: pdf.Target, Prediction: pdf.Prediction,
			LowL1: lowL1(pdf.Edges[0], pdf.Edges[1]-pdf.Edges[0], pdf.Target, pdf.Prediction)}
	}
	return mr, nil
}

// Plateau is the mean training loss of the last k kept epochs over that of the k before: 1 when
// the loss has stopped falling, below 1 while it still falls (NaN with fewer than 2k epochs).
func Plateau(losses []training.JSONFloat, k int) float64 {
	if k < 1 || len(losses) < 2*k {
		return math.NaN()
	}
	sum := func(v []training.JSONFloat) float64 {
		s := 0.0
		for _, x := range v {
			s += float64(x)
		}
		return s
	}
	n := len(losses)
	return sum(losses[n-k:]) / sum(losses[n-2*k:n-k])
}

// plateauEpochs is the k of Plateau in the sweep table.
const plateauEpochs = 10

// plateauText is Plateau over plateauEpochs with 3 decimals, "—" for a run too short for it.
func plateauText(losses []training.JSONFloat) string {
	v := Plateau(losses, plateauEpochs)
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.3f", v)
}

// PlateauRatio is the Plateau ratio from which a loss (training or test) counts as having
// plateaued: it fell by less than 2% over the last plateauEpochs epochs (0.2% per epoch).
const PlateauRatio = 0.98

// plateauStats summarizes the Plateau ratios of the runs' losses (train or test) over their
// first n epochs: how many reach PlateauRatio of how many have n epochs, the range, the median
// and the run with the lowest ratio.
type plateauStats struct {
	ok, of      int
	lo, hi, med float64
	lowest      string
}

func plateauAt(runs []ModelResult, names []string, n int, test bool) plateauStats {
	st := plateauStats{lo: math.Inf(1), hi: math.Inf(-1)}
	var all []float64
	for i, m := range runs {
		l := m.Training.TrainLoss
		if test {
			l = m.Training.TestLoss
		}
		if n > len(l) {
			continue
		}
		v := Plateau(l[:n], plateauEpochs)
		if math.IsNaN(v) {
			continue
		}
		all, st.of = append(all, v), st.of+1
		if v >= PlateauRatio {
			st.ok++
		}
		if v < st.lo {
			st.lo, st.lowest = v, names[i]
		}
		st.hi = max(st.hi, v)
	}
	if len(all) > 0 {
		slices.Sort(all)
		st.med = all[len(all)/2]
	}
	return st
}

func (st plateauStats) String() string {
	return fmt.Sprintf("%d of %d runs (ratios %.3f-%.3f, median %.3f, lowest model %s)", st.ok, st.of, st.lo, st.hi, st.med, st.lowest)
}

// plateauMarkdown tells whether the runs' training and test losses have plateaued at the last
// epoch and 50 epochs before it: how many runs reach PlateauRatio, and the range of the ratios.
func plateauMarkdown(runs []ModelResult, names []string) string {
	last := 0
	for _, m := range runs {
		last = max(last, len(m.Training.TrainLoss))
	}
	train, test := plateauAt(runs, names, last, false), plateauAt(runs, names, last, true)
	if train.of == 0 {
		return ""
	}
	var verdict string
	switch {
	case train.ok == train.of && test.ok == test.of:
		verdict = "**holds**"
	case test.ok == test.of && test.of > 0:
		verdict = fmt.Sprintf("**holds for the test loss** (all %d runs); the training loss still falls in %d", test.of, train.of-train.ok)
	case train.ok == 0 && test.ok == 0:
		verdict = "**does not hold**"
	default:
		verdict = fmt.Sprintf("**holds for %d of %d runs' training loss and %d of %d runs' test loss**", train.ok, train.of, test.ok, test.of)
	}
	out := fmt.Sprintf("- The losses plateau (Fig. 4; the paper trains until they do; here: a loss that fell by less than 2%% over the last %d epochs, "+
		"plateau ratio ≥ %.2f): at epoch %d, the training loss of %s, the test loss of %s — %s.",
		plateauEpochs, PlateauRatio, last, train, test, verdict)
	if train.of < len(runs) {
		out += fmt.Sprintf(" (Not counted: %d run(s) with fewer epochs.)", len(runs)-train.of)
	}
	if early := last - 50; early >= 2*plateauEpochs {
		tr, te := plateauAt(runs, names, early, false), plateauAt(runs, names, early, true)
		out += fmt.Sprintf(" At epoch %d: training loss %d of %d (ratios %.3f-%.3f), test loss %d of %d (ratios %.3f-%.3f).",
			early, tr.ok, tr.of, tr.lo, tr.hi, te.ok, te.of, te.lo, te.hi)
	}
	return out + "\n"
}

// SweepTable2Markdown is the Table 2 of the finished sweep runs (LoadTable2Sweep), side by side with
// the paper's, with the roll-back counts, the kept epochs, the plateaus of the training and test
// losses and the training times, then the paper's conclusions tested on what is finished.
func SweepTable2Markdown(r Table2Results, without *ModelResult, done, total int) string {
	var b strings.Builder
	p := r.Protocol
	fmt.Fprintf(&b, "Scale %s: %s %d/%d runs done. Data: %s. Protocol: %s.\n\n", p.Scale, SweepTable2, done, total, r.DataSet, p.Reduced)
	if len(r.Models) == 0 {
		b.WriteString("No model finished yet.\n")
		return b.String()
	}
	b.WriteString("| model | w | p1 | p2 | D1-D4 | loss | mean res (1e-3) paper / ours | 99-P res (1e-2) paper / ours | max res paper / ours | train mean res (1e-3) | kept epoch | roll-backs | loss plateau train / test | training |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	var seconds float64
	row := func(name string, m ModelResult) {
		pm, tr := m.Paper, m.Training
		fmt.Fprintf(&b, "| %s | %g | %g | %g | %g %g %g %g | %s | %.3g / %.3g | %.3g / %.3g | %.2g / %.2g | %.3g | %d of %d | %d | %s | %.1f min |\n",
			name, pm.W, pm.P1, pm.P2, pm.D1, pm.D2, pm.D3, pm.D4, pm.Loss, pm.Mean*1e3, m.Mean*1e3, pm.P99*1e2, m.P99*1e2, pm.Max, m.Max,
			m.Train.Residual.Mean*1e3, tr.BestEpoch, len(tr.TrainLoss), tr.NumRollbacks, plateauText(tr.TrainLoss)+" / "+plateauText(tr.TestLoss), tr.Seconds/60)
		seconds += tr.Seconds
	}
	for _, m := range r.Models {
		row(fmt.Sprint(m.Paper.Number), m)
	}
	if without != nil {
		row("9 without roll-back", *without)
	}
	fmt.Fprintf(&b, "\nLoss plateau: the mean training (test) loss of the last %d epochs over that of the %d before (1: no longer falling). "+
		"Training time: %.2f hours for these %d runs (provenance in figures/sweeps/%s/%s/runs/).\n\n", plateauEpochs, plateauEpochs, seconds/3600, done, SweepTable2, p.Scale)
	b.WriteString(ConclusionsMarkdown(r))
	b.WriteString(rollbackMarkdown(r, without))
	runs, names := slices.Clone(r.Models), make([]string, 0, len(r.Models)+1)
	for _, m := range r.Models {
		names = append(names, fmt.Sprint(m.Paper.Number))
	}
	if without != nil {
		runs, names = append(runs, *without), append(names, "9 without roll-back")
	}
	b.WriteString(plateauMarkdown(runs, names))
	return b.String()
}

// rollbackMarkdown tests the paper's roll-back conclusions on model 9 trained with and without
// roll-back from the same seed (Fig. 4): the jumps the rule finds in the run without it, the
// roll-backs of the run with it (the paper: about 40 in 800 epochs) and the kept losses.
func rollbackMarkdown(r Table2Results, without *ModelResult) string {
	with, err := r.model(9)
	if err != nil || without == nil {
		return "- Roll-back removes the jumps of the training loss (Fig. 4): **not testable yet** (model 9 with and without roll-back have not both finished).\n"
	}
	jumps := Jumps(floats(without.Training.TrainLoss), r.Protocol.Rollback)
	w, wo := with.Training, without.Training
	verdict := map[bool]string{true: "**holds**", false: "**does not hold**"}[float64(w.BestTrainLoss) <= float64(wo.BestTrainLoss)]
	if len(jumps) == 0 && w.NumRollbacks == 0 {
		verdict = "**cannot be tested**: the loss never jumped in either run, so there was nothing to remove"
	}
	return fmt.Sprintf("- Roll-back removes the jumps of the training loss and keeps a better model (Fig. 4; model 9, same seed): without roll-back the rule "+
		"(C = %g, m = %d) finds %d jump(s) in %d epochs and the kept training loss is %.4g (test residual %.3g); with roll-back %d roll-backs in %d epochs run "+
		"(the paper: about 40 in 800), kept training loss %.4g (test residual %.3g) — %s.\n",
		r.Protocol.Rollback.C, r.Protocol.Rollback.M, len(jumps), len(wo.TrainLoss), float64(wo.BestTrainLoss), without.Mean,
		w.NumRollbacks, w.EpochsRun, float64(w.BestTrainLoss), with.Mean, verdict)
}

// Markers of the generated Table 2 block of notebooks/README.md.
const (
	Table2Begin = "<!-- BEGIN 2021 TABLE 2 (generated from the cpu sweep results: SURROGO_UPDATE=1 go test -run TestTable2Readme ./pkg/figures/fig2021) -->"
	Table2End   = "<!-- END 2021 TABLE 2 -->"
)

// Table2Readme returns repo/notebooks/README.md, its content, and its content with the block
// between Table2Begin and Table2End computed from the cpu results of the Table 2 sweep.
func Table2Readme(repo string) (path, have, want string, err error) {
	path = filepath.Join(repo, "notebooks", "README.md")
	r, without, done, total, err := LoadTable2Sweep(filepath.Join(repo, "figures"), scale.CPU)
	if err != nil {
		return path, "", "", err
	}
	have, want, err = figkit.ReplaceBlock(path, Table2Begin, Table2End, SweepTable2Markdown(r, without, done, total))
	return path, have, want, err
}

// UpdateTable2Readme rewrites the Table 2 block of repo/notebooks/README.md from the cpu results
// of the Table 2 sweep, atomically, and reports whether it changed. `surrogo sweep run` calls it
// after the cpu Table 2 sweep of the checkout, so that the committed table follows the runs.
func UpdateTable2Readme(repo string) (changed bool, err error) {
	path, have, want, err := Table2Readme(repo)
	if err != nil || want == have {
		return false, err
	}
	return true, atomicfile.WriteFile(path, []byte(want), 0o644)
}

// Table2Read reports whether out is the cpu results directory of the Table 2 sweep under
// repo/figures.
func Table2Read(repo, out string) bool {
	return filepath.Clean(filepath.Join(repo, "figures", "sweeps", SweepTable2, string(scale.CPU))) == filepath.Clean(out)
}

// CurvesFigure draws the training and test losses per kept epoch of the models of a Table 2
// (the hub's or LoadTable2Sweep's) and, when not nil, of model 9 without roll-back: whether the
// losses have reached a plateau within the scale's epochs.
func CurvesFigure(r Table2Results, without *ModelResult) (*plots.Figure, error) {
	if len(r.Models) == 0 {
		return nil, errIncomplete
	}
	train := &plots.Axes{Title: "training loss", XLabel: "epoch", YLabel: "loss", LogY: true, Grid: true, Legend: plots.LegendTopRight}
	test := &plots.Axes{Title: "test loss", XLabel: "epoch", YLabel: "loss", LogY: true, Grid: true}
	n := len(r.Models)
	if without != nil {
		n++
	}
	add := func(label string, m ModelResult, k int, dashed bool) {
		col := plots.Viridis.At(0.9 * float64(k) / float64(max(n-1, 1)))
		l := train.Line(label, epochs(len(m.Training.TrainLoss)), floats(m.Training.TrainLoss))
		l.Color, l.Marker, l.Dashed = col, plots.MarkerNone, dashed
		l = test.Line("", epochs(len(m.Training.TestLoss)), floats(m.Training.TestLoss))
		l.Color, l.Marker, l.Dashed = col, plots.MarkerNone, dashed
	}
	for k, m := range r.Models {
		add(fmt.Sprintf("%d (%s, w = %g)", m.Paper.Number, m.Paper.Loss, m.Paper.W), m, k, m.Paper.P2 == 0)
	}
	if without != nil {
		add("9 without roll-back", *without, len(r.Models), true)
	}
	fig := plots.NewFigure(1, 2, train, test)
	fig.Title = fmt.Sprintf("2021 Table 2: losses per epoch of %d models (dashed: NN 1 only)", len(r.Models))
	if without != nil {
		fig.Title = fmt.Sprintf("2021 Table 2: losses per epoch of %d models and model 9 without roll-back (dashed: NN 1 only, and without roll-back)", len(r.Models))
	}
	fig.Width, fig.Height = 13*vg.Inch, 5.5*vg.Inch
	fig.Stamp = r.Protocol.Stamp()
	return fig, nil
}
