package fig2021

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/surrogate"
	"github.com/surrogo/surrogo/pkg/training"
)

// Table 2 of the 2021 paper, and the hub of every figure of the trained models (Figs. 4-11,
// S1-S12, the speed-up analysis): it trains the 14 models on the 2021 data set with roll-back,
// evaluates each on the test split and on its training split, and saves what the figures
// draw: per model the residual statistics, the slices of Figs. 8-10 (test and train), the field
// densities of Fig. 11, the supplement's per-slice histograms and the training history; the
// 2-D histograms of prediction vs truth of models 9 and 11 (Fig. 8) and the test fields of
// models 5, 7 and 12 on 20 test configurations (Figs. 5-7) as .npy files.

// trainedVersion is the code version (figures.Def.Version) of the figures of the trained models:
// 2 since the protocol keeps the paper's geometry (N = 60, R = 3, l = 12 at the cpu scale) and its
// batch 25; the earlier versions trained at N = 32 with batch 1. Bump it when the protocol changes what
// the models are. 3: the cpu scale trains 200 epochs (100 before).
const trainedVersion = 3

func init() {
	figures.Register(figures.Def[Table2Results]{
		ID: "2021-table2", Version: trainedVersion, Compute: computeTable2, Render: renderTable2, Summary: summaryTable2,
	})
}

// Models whose fields (sampleModels) and 2-D histograms (hist2DModels) are saved.
var (
	sampleModels = []int{5, 7, 12}
	hist2DModels = []int{9, 11}
)

// Table2Results are the results of the hub.
type Table2Results struct {
	Protocol   Protocol   `json:"protocol"`
	DataSet    string     `json:"data_set"`
	DataID     string     `json:"data_id"`
	Generation Generation `json:"generation"`
	// Models holds the 14 rows of Table 2, in order: the paper's numbers and ours.
	Models []ModelResult `json:"models"`
	// SampleIndices are the configurations (indices in the data set) of the saved test fields:
	// the first Protocol.Samples of the test split.
	SampleIndices []int `json:"sample_indices"`
	// SampleTargets is the .npy file of their targets ([S, N, N] float16) and SamplePredictions
	// those of the predictions of sampleModels.
	SampleTargets     string       `json:"sample_targets"`
	SamplePredictions []SampleFile `json:"sample_predictions"`
	// Hist2D lists the 2-D histograms of prediction (x) vs target (y) of hist2DModels.
	Hist2D []Hist2DFile `json:"hist2d"`
}

// SampleFile names the .npy file of a model's predictions on the sample configurations.
type SampleFile struct {
	Model int    `json:"model"`
	File  string `json:"file"`
}

// Hist2DFile names the .npy file ([NY, NX] int64, row 0 at YMin) of a 2-D histogram.
type Hist2DFile struct {
	Model int     `json:"model"`
	Split string  `json:"split"` // "test" or "train"
	File  string  `json:"file"`
	NX    int     `json:"nx"`
	NY    int     `json:"ny"`
	Lo    float64 `json:"lo"` // both axes span [Lo, Hi]
	Hi    float64 `json:"hi"`
	// Points is the number of points binned (the paper's panels: 3.75e7) and Outside those out
	// of range.
	Points  int64 `json:"points"`
	Outside int64 `json:"outside"`
}

// ModelResult is one model: its row of the paper's Table 2 and our results.
type ModelResult struct {
	Paper PaperModel `json:"paper"`
	// Mean, P99 and Max are our test-set residuals (the paper's columns).
	Mean float64 `json:"mean"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	// Test and Train are the metrics on the test split and on the training examples.
	Test  SplitMetrics `json:"test"`
	Train SplitMetrics `json:"train"`
	// PDF holds the test-set field densities (Fig. 11); Supp the data of the supplementary
	// figure (test set).
	PDF  PDF        `json:"pdf"`
	Supp Supplement `json:"supplement"`
	// Training is the run's history.
	Training TrainingRecord `json:"training"`
}

// trainSplitName is the name under which the training examples are evaluated.
const trainSplitName = "train"

func computeTable2(run *figures.Run) (Table2Results, error) {
	var res Table2Results
	p, err := NewProtocol(run.Scale)
	if err != nil {
		return res, err
	}
	spec, err := p.DataSet(run.Seed)
	if err != nil {
		return res, err
	}
	store, gen, err := openData(run, spec)
	if err != nil {
		return res, err
	}
	res = Table2Results{Protocol: p, DataSet: spec.Describe(), DataID: spec.ID(), Generation: gen}
	b, err := newBackend(run)
	if err != nil {
		return res, err
	}
	defer b.Finalize()
	data, err := surrogate.OpenData(store.Dir())
	if err != nil {
		return res, err
	}
	test, err := LoadExamples(data, p.Test)
	if err != nil {
		return res, err
	}
	train, err := LoadExamples(data, p.Train)
	if err != nil {
		return res, err
	}
	nn := p.N * p.N
	res.SampleIndices = test.Indices[:p.Samples]
	res.SampleTargets = "sample-targets.npy"
	if err := writeFloat16(run.Path(res.SampleTargets), test.Targets[:p.Samples*nn], p.Samples, p.N); err != nil {
		return res, err
	}
	run.Logf("training the 14 models: %s", p.Reduced)
	for _, pm := range paperTable2 {
		dir, h, err := trainModel(run, &p, store, b, pm.Number, true)
		if err != nil {
			return res, err
		}
		m, err := surrogate.Load(dir, b)
		if err != nil {
			return res, err
		}
		testPred, trainPred, err := PredictBoth(m, test, train)
		m.Close()
		if err != nil {
			return res, err
		}
		mr, err := NewModelResult(pm.Number, h, test, train, testPred, trainPred)
		if err != nil {
			return res, err
		}
		if err := saveModelFiles(run, &res, pm.Number, testPred, trainPred, test, train); err != nil {
			return res, fmt.Errorf("model %d: %w", pm.Number, err)
		}
		run.Logf("model %2d: test residual mean %.3g, 99P %.3g, max %.3g (paper %.3g, %.3g, %.3g); train mean %.3g",
			pm.Number, mr.Mean, mr.P99, mr.Max, pm.Mean, pm.P99, pm.Max, float64(mr.Train.Residual.Mean))
		res.Models = append(res.Models, mr)
	}
	return res, nil
}

// PredictBoth returns the predictions of a trained model on the test and the training examples.
func PredictBoth(m *surrogate.Model, test, train *Examples) (testPred, trainPred []float32, err error) {
	if testPred, err = Predict(m, test); err != nil {
		return nil, nil, err
	}
	if trainPred, err = Predict(m, train); err != nil {
		return nil, nil, err
	}
	return testPred, trainPred, nil
}

// NewModelResult measures model number (1-14) of Table 2 from its training history and its
// predictions on the test and training examples: the residual statistics and slices of both
// sets (Measure), the test-set field densities of Fig. 11 (MeasurePDF) and the data of its
// supplementary figure (MeasureSupplement), next to the paper's row. It is the hub's row of
// each model.
func NewModelResult(number int, h *training.History, test, train *Examples, testPred, trainPred []float32) (ModelResult, error) {
	pm, err := Paper(number)
	if err != nil {
		return ModelResult{}, err
	}
	mr := ModelResult{Paper: pm, Training: Record(h)}
	if mr.Test, err = Measure("test", test.Len(), test.Targets, testPred); err != nil {
		return mr, fmt.Errorf("model %d, test: %w", number, err)
	}
	if mr.Train, err = Measure(trainSplitName, train.Len(), train.Targets, trainPred); err != nil {
		return mr, fmt.Errorf("model %d, %s: %w", number, train.Name, err)
	}
	if mr.PDF, err = MeasurePDF(test.Targets, testPred); err != nil {
		return mr, err
	}
	if mr.Supp, err = MeasureSupplement(test.Targets, testPred); err != nil {
		return mr, err
	}
	mr.Mean, mr.P99, mr.Max = mr.Test.Residual.Mean, mr.Test.Residual.P99.Estimate, mr.Test.Residual.Max
	return mr, nil
}

// saveModelFiles saves the files of a model that the figures draw: its predictions on the
// sample configurations (sampleModels) and its 2-D histograms of prediction vs truth on the
// test and training sets (hist2DModels).
func saveModelFiles(run *figures.Run, res *Table2Results, number int, testPred, trainPred []float32, test, train *Examples) error {
	p := res.Protocol
	nn := p.N * p.N
	if contains(sampleModels, number) {
		f := SampleFile{Model: number, File: fmt.Sprintf("sample-predictions-model%02d.npy", number)}
		if err := writeFloat16(run.Path(f.File), testPred[:p.Samples*nn], p.Samples, p.N); err != nil {
			return err
		}
		res.SamplePredictions = append(res.SamplePredictions, f)
	}
	if !contains(hist2DModels, number) {
		return nil
	}
	for _, split := range []struct {
		name         string
		target, pred []float32
	}{{"test", test.Targets, testPred}, {trainSplitName, train.Targets, trainPred}} {
		h, err := PredictionHist2D(split.target, split.pred)
		if err != nil {
			return err
		}
		f := Hist2DFile{Model: number, Split: split.name, File: fmt.Sprintf("hist2d-model%02d-%s.npy", number, split.name),
			NX: h.NX, NY: h.NY, Lo: h.XMin, Hi: h.XMax, Points: h.Total(), Outside: h.Outside}
		if err := npy.WriteFile(run.Path(f.File), []int{h.NY, h.NX}, h.Counts); err != nil {
			return err
		}
		res.Hist2D = append(res.Hist2D, f)
	}
	return nil
}

// writeFloat16 writes count n × n fields as a float16 .npy file (3 significant digits: enough
// for the maps of Figs. 5-7, at half the size).
func writeFloat16(path string, data []float32, count, n int) error {
	return npy.WriteFile(path, []int{count, n, n}, npy.Float16s(data))
}

// readSamples reads a [count, n, n] .npy file of the hub.
func readSamples(path string, count, n int) ([]float32, error) {
	data, shape, err := npy.ReadFileFloat32(path)
	if err != nil {
		return nil, err
	}
	if len(shape) != 3 || shape[0] != count || shape[1] != n || shape[2] != n {
		return nil, fmt.Errorf("%s: shape %v, want [%d %d %d]", path, shape, count, n, n)
	}
	return data, nil
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// hubPath returns the path of a file of the hub's results at the run's scale, for the figures
// that draw from them.
func hubPath(run *figures.Run, name string) string {
	return filepath.Join(figures.Dir(run.Root, "2021-table2", run.Scale), name)
}

// requireHub returns the hub's results at the run's scale, computing them if needed.
func requireHub(run *figures.Run) (Table2Results, error) {
	var r Table2Results
	st, err := run.Requires("2021-table2")
	if err != nil {
		return r, err
	}
	if err := decodeJSON(st.Results, &r); err != nil {
		return r, fmt.Errorf("2021-table2 results: %w", err)
	}
	if len(r.Models) != len(paperTable2) {
		return r, fmt.Errorf("2021-table2 results hold %d models, want %d", len(r.Models), len(paperTable2))
	}
	return r, nil
}

// model returns the result of model number.
func (r *Table2Results) model(number int) (*ModelResult, error) {
	for i := range r.Models {
		if r.Models[i].Paper.Number == number {
			return &r.Models[i], nil
		}
	}
	return nil, fmt.Errorf("results hold no model %d", number)
}

// sciIn formats v in units of unit (the paper's 1e-3, 1e-2) with 3 significant digits, "—" when not finite.
func sciIn(v, unit float64) string {
	if !finite(v) {
		return "—"
	}
	return fmt.Sprintf("%.3g", v/unit)
}

func renderTable2(run *figures.Run, r Table2Results) error {
	fig, err := Table2Figure(r)
	if err != nil {
		return err
	}
	curves, err := CurvesFigure(r, nil)
	if err != nil {
		return err
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
		if err := curves.Save(run.Path(run.ID + "-curves" + ext)); err != nil {
			return err
		}
	}
	return nil
}

// Table2Figure typesets Table 2 (the paper's hyperparameters and residuals next to ours, the
// training-set mean residual, the kept epoch and the roll-backs of each model) as a figure,
// stamped with the protocol's scale.
func Table2Figure(r Table2Results) (*plots.Figure, error) {
	t, err := table2Table(r)
	if err != nil {
		return nil, err
	}
	return t.Figure(r.Protocol.Stamp())
}

// table2Table typesets Table 2 with the paper's residuals next to ours.
func table2Table(r Table2Results) (*figkit.Table, error) {
	if len(r.Models) == 0 {
		return nil, errIncomplete
	}
	t := &figkit.Table{
		Title: fmt.Sprintf("Table 2: the 14 models, test-set residuals of the paper and ours (scale %s)", r.Protocol.Scale),
		Groups: []figkit.Group{{Name: "Hyperparameters", Span: 9}, {Name: "mean res (1e-3)", Span: 2},
			{Name: "99-P res (1e-2)", Span: 2}, {Name: "max res", Span: 2}, {Name: "ours", Span: 4}},
		Columns: []string{"Model", "w", "p1", "p2", "D1", "D2", "D3", "D4", "Loss",
			"paper", "ours", "paper", "ours", "paper", "ours", "train mean res (1e-3)", "kept epoch", "roll-backs", "loss plateau train / test"},
	}
	dash := func(on bool, v float64) string {
		if !on {
			return "—"
		}
		return fmt.Sprintf("%g", v)
	}
	for _, m := range r.Models {
		pm := m.Paper
		t.Rows = append(t.Rows, []string{
			fmt.Sprint(pm.Number), fmt.Sprintf("%g", pm.W), fmt.Sprintf("%g", pm.P1), fmt.Sprintf("%g", pm.P2),
			dash(pm.P1 != 0, pm.D1), dash(pm.P1 != 0, pm.D2), dash(pm.P2 != 0, pm.D3), dash(pm.P2 != 0, pm.D4), pm.Loss,
			sciIn(pm.Mean, 1e-3), sciIn(m.Mean, 1e-3), sciIn(pm.P99, 1e-2), sciIn(m.P99, 1e-2), sciIn(pm.Max, 1), sciIn(m.Max, 1),
			sciIn(float64(m.Train.Residual.Mean), 1e-3), fmt.Sprint(m.Training.BestEpoch), fmt.Sprint(m.Training.NumRollbacks),
			plateauText(m.Training.TrainLoss) + " / " + plateauText(m.Training.TestLoss),
		})
	}
	p := r.Protocol
	t.Notes = []string{
		fmt.Sprintf("Ours: %d test configurations (%s); train mean res on the %d training configurations. Residual = |y − ŷ| per pixel; "+
			"99-P is the 99th percentile over all test pixels. Data: the 2021 recipe's preset of dataset scale %s (%s).",
			p.TestExamples, p.Test, p.TrainExamples, p.DataScale, r.DataSet),
		"Reduced at this scale: " + p.Reduced + ".",
		fmt.Sprintf("Kept epoch: the epoch with the lowest training loss, whose weights are evaluated (of %d); an early one means the loss stopped falling.", p.Epochs),
		fmt.Sprintf("Loss plateau: the mean training (test) loss of the last %d epochs over that of the %d before (1: no longer falling; from %.2f it counts as a plateau).",
			plateauEpochs, plateauEpochs, PlateauRatio),
	}
	return t, t.Validate()
}

func summaryTable2(r Table2Results) string {
	t, err := table2Table(r)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	// One flat table (figkit's Markdown writes one table per column group).
	b.WriteString("| model | w | p1 | p2 | D1 | D2 | D3 | D4 | loss | mean res (1e-3) paper | ours | 99-P res (1e-2) paper | ours | max res paper | ours | train mean res (1e-3) | kept epoch | roll-backs |\n")
	b.WriteString(strings.Repeat("| --- ", len(t.Columns)) + "|\n")
	for _, row := range t.Rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\n")
	for _, n := range t.Notes {
		b.WriteString(n + "\n\n")
	}
	b.WriteString(ConclusionsMarkdown(r))
	return b.String()
}

// Conclusions are the paper's claims about Table 2 and Figs. 8-11, tested on our results.
type Conclusions struct {
	// NN1Ratio is the mean test residual of the NN1-only models (6, 7) over the median of the
	// others (the paper: about 10, "an order of magnitude larger").
	NN1Ratio float64
	// P99OverMean and MaxOverP99 are the medians over models of 99P/mean and max/99P (the paper:
	// about 10 each).
	P99OverMean, MaxOverP99 float64
	// LowL1MSE and LowL1MAE are the mean L1 distances between predicted and true field densities
	// on [0, 0.1) of the MSE models (1-5) and of the MAE models (8-14) without NN1-only ones
	// (the paper: MAE overlaps, MSE does not).
	LowL1MSE, LowL1MAE float64
	// Pairs compare models that differ only in w: the ratio of the test to the train mean residual.
	Pairs []WPair
	// Dropout compares models whose NN 2 dropout (D3, D4) is lower with those where it is higher
	// (the paper: "low dropout values for NN 2 yield the best results").
	Dropout []Pair
	// Combined compares models with both networks with NN 2-only models of the same loss, w and
	// NN 2 dropout (the paper: together "more accurate than NN 2 alone").
	Combined []Pair
	// TrainStdMSE and TrainStdMAE are the mean over the MSE and the MAE models with NN 2 of the
	// per-slice residual standard deviation on the training set, TestStdMSE and TestStdMAE on the
	// test set (the paper, Fig. 9: smaller for MSE on the training set, comparable on the test set).
	TrainStdMSE, TrainStdMAE, TestStdMSE, TestStdMAE float64
}

// WPair is two models that differ only in the exponential weight w.
type WPair struct {
	Large, Small       int     // model numbers with the larger and the smaller w
	WLarge, WSmall     float64 // their w
	GapLarge, GapSmall float64 // test mean / train mean residual
}

// Pair is two models compared by their mean test residual: A is the one the paper says is
// better; Paper* are the paper's residuals of the two.
type Pair struct {
	A, B                   int
	MeanA, MeanB           float64
	PaperMeanA, PaperMeanB float64
}

// Models of Table 2 compared by the conclusions.
var (
	// wPairs differ only in w.
	wPairs = [][2]int{{9, 11}, {8, 10}, {1, 2}, {14, 12}}
	// dropoutPairs: lower NN 2 dropout first (the last three also change D1, D2 from 0.3 to 0.4).
	dropoutPairs = [][2]int{{5, 4}, {14, 13}, {9, 8}, {3, 2}, {11, 10}}
	// combinedPairs: both networks first, NN 2 alone second, same loss, w and D3, D4.
	combinedPairs = [][2]int{{2, 4}, {3, 5}, {11, 12}}
)

// CheckConclusions computes the quantities of the paper's conclusions about Table 2 and Figs.
// 8-11 from the results of the models (the protocol and the models; the hub's files are not
// needed). Models may be missing (a sweep half done): a comparison then uses those present.
func CheckConclusions(r Table2Results) Conclusions {
	var c Conclusions
	var others, r1, r2 []float64
	var nn1 []float64
	var lowMSE, lowMAE, trMSE, trMAE, teMSE, teMAE []float64
	for _, m := range r.Models {
		pm := m.Paper
		if pm.P2 == 0 {
			nn1 = append(nn1, m.Mean)
			continue
		}
		others = append(others, m.Mean)
		if m.Mean > 0 && m.P99 > 0 {
			r1 = append(r1, m.P99/m.Mean)
			r2 = append(r2, m.Max/m.P99)
		}
		if pm.Loss == "MSE" {
			lowMSE = append(lowMSE, m.PDF.LowL1)
			trMSE = append(trMSE, float64(m.Train.Aggregate.MeanOfStds))
			teMSE = append(teMSE, float64(m.Test.Aggregate.MeanOfStds))
		} else {
			lowMAE = append(lowMAE, m.PDF.LowL1)
			trMAE = append(trMAE, float64(m.Train.Aggregate.MeanOfStds))
			teMAE = append(teMAE, float64(m.Test.Aggregate.MeanOfStds))
		}
	}
	c.NN1Ratio = mean(nn1) / median(others)
	c.P99OverMean, c.MaxOverP99 = median(r1), median(r2)
	c.LowL1MSE, c.LowL1MAE = mean(lowMSE), mean(lowMAE)
	c.TrainStdMSE, c.TrainStdMAE, c.TestStdMSE, c.TestStdMAE = mean(trMSE), mean(trMAE), mean(teMSE), mean(teMAE)
	for _, pr := range wPairs {
		a, errA := r.model(pr[0])
		b, errB := r.model(pr[1])
		if errA != nil || errB != nil {
			continue
		}
		c.Pairs = append(c.Pairs, WPair{Large: pr[0], Small: pr[1], WLarge: a.Paper.W, WSmall: b.Paper.W,
			GapLarge: float64(a.Test.Residual.Mean) / float64(a.Train.Residual.Mean),
			GapSmall: float64(b.Test.Residual.Mean) / float64(b.Train.Residual.Mean)})
	}
	pairs := func(list [][2]int) []Pair {
		var out []Pair
		for _, pr := range list {
			a, errA := r.model(pr[0])
			b, errB := r.model(pr[1])
			if errA != nil || errB != nil {
				continue
			}
			out = append(out, Pair{A: pr[0], B: pr[1], MeanA: a.Mean, MeanB: b.Mean, PaperMeanA: a.Paper.Mean, PaperMeanB: b.Paper.Mean})
		}
		return out
	}
	c.Dropout, c.Combined = pairs(dropoutPairs), pairs(combinedPairs)
	return c
}

// overfitGap is the test/train ratio of the mean residual below which a model is said not to
// overfit (the train/test gap is then too small to compare).
const overfitGap = 1.05

// pairVerdict counts the pairs where A has the lower mean residual, ours and the paper's table's.
func pairVerdict(ps []Pair) (ours, paper int) {
	for _, p := range ps {
		if p.MeanA < p.MeanB {
			ours++
		}
		if p.PaperMeanA < p.PaperMeanB {
			paper++
		}
	}
	return ours, paper
}

// ConclusionsMarkdown says, in Markdown, which of the paper's conclusions hold on the results
// (CheckConclusions) and why: NN1-only models about 10× worse, 99P ≈ 10 × mean ≈ max/10, MAE
// predicting the low-field density and MSE not, the exponential weight reducing the train/test
// gap, low NN 2 dropout best, both networks better than NN 2 alone, MSE's smaller training-set
// residual spread. A conclusion whose models are not all there is "not testable yet".
func ConclusionsMarkdown(r Table2Results) string {
	c := CheckConclusions(r)
	verdict := func(holds, fails bool) string {
		switch {
		case holds:
			return "**holds**"
		case fails:
			return "**does not hold**"
		}
		return "**inconclusive**"
	}
	const notYet = "**not testable yet** (its models have not finished)"
	nan := math.IsNaN
	var b strings.Builder
	best, bestModel := math.Inf(1), 0
	for _, m := range r.Models {
		if m.Mean < best {
			best, bestModel = m.Mean, m.Paper.Number
		}
	}
	paperBest := math.Inf(1)
	for _, m := range paperTable2 {
		paperBest = math.Min(paperBest, m.Mean)
	}
	fmt.Fprintf(&b, "**The paper's conclusions, tested on these results** (scale %s, %d of the 14 models; the best here, model %d, has a mean test residual of %.3g, "+
		"%.2g× the paper's best, %.3g):\n\n", r.Protocol.Scale, len(r.Models), bestModel, best, best/paperBest, paperBest)
	if nan(c.NN1Ratio) {
		fmt.Fprintf(&b, "- NN1-only models (6, 7) about 10× worse than the others: %s.\n", notYet)
	} else {
		fmt.Fprintf(&b, "- NN1-only models (6, 7) about 10× worse than the others: their mean residual is %.2g× the median of the models with NN 2 — %s.\n",
			c.NN1Ratio, verdict(c.NN1Ratio >= 3, c.NN1Ratio < 1.5))
	}
	ok := within(c.P99OverMean, 3, 30) && within(c.MaxOverP99, 3, 30)
	if nan(c.P99OverMean) {
		fmt.Fprintf(&b, "- 99P ≈ 10 × mean and max ≈ 10 × 99P: %s.\n", notYet)
	} else {
		fmt.Fprintf(&b, "- 99P ≈ 10 × mean and max ≈ 10 × 99P: the medians over the models with NN 2 are 99P/mean = %.2g and max/99P = %.2g "+
			"(the paper's table: %.2g and %.2g) — %s.\n", c.P99OverMean, c.MaxOverP99, paperMedian(func(m PaperModel) float64 { return m.P99 / m.Mean }),
			paperMedian(func(m PaperModel) float64 { return m.Max / m.P99 }), verdict(ok, !ok))
	}
	if nan(c.LowL1MSE) || nan(c.LowL1MAE) {
		fmt.Fprintf(&b, "- MAE predicts the low-field PDF, MSE does not (Fig. 11): %s.\n", notYet)
	} else {
		fmt.Fprintf(&b, "- MAE predicts the low-field PDF, MSE does not (Fig. 11): the L1 distance between the predicted and true densities on [0, %g) is %.3g for the MSE models "+
			"and %.3g for the MAE models (0: full overlap, 2: none) — %s.\n", lowField, c.LowL1MSE, c.LowL1MAE,
			verdict(c.LowL1MAE < 0.8*c.LowL1MSE, c.LowL1MAE >= c.LowL1MSE))
	}
	if nan(c.TrainStdMSE) || nan(c.TrainStdMAE) {
		fmt.Fprintf(&b, "- MSE has the smaller residual spread on the training set, comparable on the test set (Fig. 9; \"MSE is more prone to overfitting\"): %s.\n", notYet)
	} else {
		fmt.Fprintf(&b, "- MSE has the smaller residual spread on the training set, comparable on the test set (Fig. 9; \"MSE is more prone to overfitting\"): "+
			"mean per-slice standard deviation, training set: MSE %.3g, MAE %.3g; test set: MSE %.3g, MAE %.3g — %s.\n",
			c.TrainStdMSE, c.TrainStdMAE, c.TestStdMSE, c.TestStdMAE, verdict(c.TrainStdMSE < c.TrainStdMAE, c.TrainStdMSE >= c.TrainStdMAE))
	}
	pairText := func(what, order string, ps []Pair, total int) {
		if len(ps) == 0 {
			fmt.Fprintf(&b, "- %s: %s.\n", what, notYet)
			return
		}
		fmt.Fprintf(&b, "- %s (%s; mean test residual, ours / the paper's, in 1e-3): ", what, order)
		for i, p := range ps {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%d vs %d: %.3g vs %.3g / %.3g vs %.3g", p.A, p.B, p.MeanA*1e3, p.MeanB*1e3, p.PaperMeanA*1e3, p.PaperMeanB*1e3)
		}
		ours, paper := pairVerdict(ps)
		fmt.Fprintf(&b, " — the first is better in %d of %d pairs here (%d of %d in the paper's own table)", ours, len(ps), paper, len(ps))
		switch left := total - len(ps); {
		case left == 1:
			b.WriteString(", 1 pair not finished")
		case left > 1:
			fmt.Fprintf(&b, ", %d pairs not finished", left)
		}
		fmt.Fprintf(&b, ": %s.\n", verdict(ours*2 > len(ps), ours*2 < len(ps)))
	}
	pairText("Low NN 2 dropout is best", "lower D3, D4 first", c.Dropout, len(dropoutPairs))
	pairText("Both networks together are more accurate than NN 2 alone", "both first", c.Combined, len(combinedPairs))
	if len(c.Pairs) == 0 {
		fmt.Fprintf(&b, "- The exponential weight reduces the train/test gap: %s.\n", notYet)
		return b.String()
	}
	better, maxSmall, lo, hi := 0, 0.0, math.Inf(1), math.Inf(-1)
	for _, pr := range c.Pairs {
		if pr.GapLarge < pr.GapSmall {
			better++
		}
		maxSmall = math.Max(maxSmall, pr.GapSmall)
		for _, g := range []float64{pr.GapLarge, pr.GapSmall} {
			lo, hi = math.Min(lo, g), math.Max(hi, g)
		}
	}
	b.WriteString("- The exponential weight reduces the train/test gap (test/train ratio of the mean residual of models that differ only in w): ")
	for i, pr := range c.Pairs {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "model %d (w = %g) %.3g vs model %d (w = %g) %.3g", pr.Large, pr.WLarge, pr.GapLarge, pr.Small, pr.WSmall, pr.GapSmall)
	}
	if maxSmall < overfitGap {
		fmt.Fprintf(&b, " — **cannot be tested**: no model overfits (every ratio is between %.3g and %.3g), so there is no gap for w to reduce.\n", lo, hi)
	} else {
		fmt.Fprintf(&b, " — the larger w has the smaller gap in %d of %d pairs: %s.\n", better, len(c.Pairs), verdict(better*2 > len(c.Pairs), better*2 < len(c.Pairs)))
	}
	return b.String()
}

func within(v, lo, hi float64) bool { return v >= lo && v <= hi }

// paperMedian is the median over the paper's models with NN2 of f.
func paperMedian(f func(PaperModel) float64) float64 {
	var v []float64
	for _, m := range paperTable2 {
		if m.P2 != 0 {
			v = append(v, f(m))
		}
	}
	return median(v)
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// specOf returns the data set of the hub's results (for the figures that recompute inputs).
func specOf(r *Table2Results, seed uint64) (dataset.Spec, error) {
	p := r.Protocol
	s, err := p.DataSet(seed)
	if err != nil {
		return s, err
	}
	if s.ID() != r.DataID {
		return s, fmt.Errorf("the 2021-table2 results were computed on data set %s, not %s (seed %d)", r.DataID, s.ID(), seed)
	}
	return s, nil
}
