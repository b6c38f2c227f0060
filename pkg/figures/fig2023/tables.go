package fig2023

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/loss"
)

// Tables 1-8 of the 2023 paper: the architecture (Table 1, typed in from the paper) and the
// models trained on each training-set size (Tables 2-8, generated from the codenames by
// package codename). They are the same at every scale.

func init() {
	figures.Register(figures.Def[figkit.TableResults]{
		ID: "2023-table1", Compute: func(*figures.Run) (figkit.TableResults, error) { return table1() },
		Render: figkit.RenderTable, Summary: figkit.SummaryTable,
	})
	for n := 2; n <= 8; n++ {
		figures.Register(figures.Def[figkit.TableResults]{
			ID:      fmt.Sprintf("2023-table%d", n),
			Compute: func(*figures.Run) (figkit.TableResults, error) { return modelTable(n) },
			Render:  figkit.RenderTable, Summary: figkit.SummaryTable,
		})
	}
}

// table1Encoder and table1Decoder are the two halves of the paper's Table 1, as printed.
var (
	table1Encoder = [][2]string{
		{"Conv 3 x 3", "64 x 512 x 512"}, {"BatchNorm", "-"}, {"LReLU(0.02)", "-"}, {"AvgPool2d", "64 x 256 x 256"},
		{"Conv 3 x 3", "128 x 256 x 256"}, {"LReLU(0.02)", "-"}, {"AvgPool2d", "128 x 128 x 128"},
		{"Conv 3 x 3", "256 x 128 x 128"}, {"LReLU(0.02)", "-"}, {"AvgPool2d", "256 x 64 x 64"},
		{"Conv 3 x 3", "512 x 64 x 64"}, {"LReLU(0.02)", "-"}, {"AvgPool2d", "512 x 32 x 32"},
		{"Conv 3 x 3", "1024 x 32 x 32"}, {"LReLU(0.02)", "-"}, {"AvgPool2d", "1024 x 16 x 16"},
		{"Conv 3 x 3", "2048 x 16 x 16"}, {"LReLU(0.02)", "-"},
	}
	table1Decoder = [][2]string{
		{"ConvT 3 x 3", "1024 x 16 x 16"}, {"LReLU(0.02)", "-"}, {"ConvT 3 x 3", "512 x 16 x 16"}, {"LReLU(0.02)", "-"},
		{"Upsample", "512 x 32 x 32"}, {"ConvT 3 x 3", "256 x 32 x 32"}, {"LReLU(0.02)", "-"},
		{"Upsample", "256 x 64 x 64"}, {"ConvT 3 x 3", "128 x 64 x 64"}, {"LReLU(0.02)", "-"},
		{"Upsample", "128 x 128 x 128"}, {"ConvT 3 x 3", "64 x 128 x 128"}, {"LReLU(0.02)", "-"},
		{"Upsample", "64 x 256 x 256"}, {"ConvT 3 x 3", "32 x 256 x 256"}, {"LReLU(0.02)", "-"},
		{"Upsample", "32 x 512 x 512"}, {"ConvT 4 x 4", "1 x 512 x 512"}, {"LReLU(0.02)", "-"},
	}
)

// table1 returns the paper's Table 1: the ED-CNN, encoder and decoder side by side, with its
// row-by-row comparison with the model (CheckTable1).
func table1() (figkit.TableResults, error) {
	n := max(len(table1Encoder), len(table1Decoder))
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{"", "", "", ""}
		if i < len(table1Encoder) {
			rows[i][0], rows[i][1] = table1Encoder[i][0], table1Encoder[i][1]
		}
		if i < len(table1Decoder) {
			rows[i][2], rows[i][3] = table1Decoder[i][0], table1Decoder[i][1]
		}
	}
	t := figkit.Table{
		Title:   "Table 1: the encoder-decoder CNN (2023), layer by layer",
		Groups:  []figkit.Group{{Name: "Encoder", Span: 2}, {Name: "Decoder", Span: 2}},
		Columns: []string{"Operation", "Output shape", "Operation", "Output shape"},
		Rows:    rows,
		Notes: []string{
			"As printed in the paper (shapes are channels x height x width; input 1 x 512 x 512). BatchNorm follows only the first convolution. " +
				"The bottleneck 2048 x 16 x 16 holds 524,288 values, twice the input's 262,144.",
			"The authors' PyTorch code ends with a 3 x 3 ConvT (padding 1): a 4 x 4 kernel with symmetric padding cannot keep 512 x 512. " +
				"A stride-1 ConvT is a convolution with a flipped kernel, so the decoder's ConvT layers span the same functions as convolutions.",
		},
	}
	checks, err := CheckTable1()
	if err != nil {
		return figkit.TableResults{}, err
	}
	agree := 0
	var differ []string
	for i, c := range checks {
		if c.Agrees {
			agree++
			continue
		}
		differ = append(differ, fmt.Sprintf("%s row %d: the paper prints %s (%s), the model has %s (%s)", c.Part, i+1-len(table1Encoder)*btoi(c.Part == "decoder"),
			c.Paper[0], c.Paper[1], c.Model.Op, c.Model.Shape))
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Checked row by row against the layer table of the model that package models builds at N = 512, width 64 "+
		"(models.Analyze, %s parameters): %d of %d rows agree in operation and printed shape; %s.", thousands(paramsOf(checks)), agree, len(checks), strings.Join(differ, "; ")))
	return figkit.TableResults{Table: t, Comparison: "Typed in from the paper's Table 1 and checked row by row against the model's layer table " +
		fmt.Sprintf("(%d of %d rows agree). ", agree, len(checks)) + "What does not agree within the paper: " +
		"the last layer is printed as ConvT 4 x 4, which cannot map 512 x 512 to 512 x 512 with symmetric padding; " +
		"the authors' code uses 3 x 3 (DESIGN.md section 2), as our model does. The caption mentions an *Act* column and Identity " +
		"activations that the printed table does not have."}, nil
}

// btoi is 1 for true, 0 for false.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// paramsOf returns the trainable parameters of the checked model's rows.
func paramsOf(checks []Table1Check) int {
	n := 0
	for _, c := range checks {
		n += c.Model.Params
	}
	return n
}

// metricName is the metric as the paper's tables write it.
func metricName(m loss.Metric) string {
	switch m {
	case loss.MAE:
		return "MAE"
	case loss.MSE:
		return "MSE"
	case loss.Huber:
		return "Huber"
	case loss.InverseHuber:
		return "Inv-Huber"
	}
	return string(m)
}

// num formats a hyperparameter value in its shortest form.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// sci formats a small number in scientific notation: 1e-4, 2e-5.
func sci(v float64) string {
	m, e, _ := strings.Cut(strconv.FormatFloat(v, 'e', -1, 64), "e")
	exp, err := strconv.Atoi(e)
	if err != nil {
		return num(v)
	}
	return fmt.Sprintf("%se%d", m, exp)
}

// defaultMark flags values that the paper's table does not print.
const defaultMark = "†"

// ModelTableColumns are the columns of the rows of ModelRow: the paper's columns and the
// learning rate.
func ModelTableColumns() []string {
	return []string{"Codename", "w", "a", "b", "δ", "Loss function", "Epochs", "App trans", "LR"}
}

// ModelRow returns the row of Tables 2-8 for one model (see ModelTableColumns) and the notes it
// needs: values the paper does not print are marked †, and per-epoch schedules, target noise and
// learning rates other than 1e-4 get a note.
func ModelRow(c codename.Config) ([]string, []string, error) {
	n, err := codename.ParseName(c.Codename)
	if err != nil {
		return nil, nil, err
	}
	lc := c.Loss
	w, a, b, delta := "-", "-", "-", "-"
	var lossName string
	var notes []string
	switch n.Kind {
	case codename.KindExp:
		w = num(lc.W)
		lossName = "Exp-" + metricName(lc.Metric)
	case codename.KindStep:
		a, b = num(lc.A), num(lc.B)
		lossName = "Step-" + metricName(lc.Metric)
	case codename.KindRandom:
		w, a, b = num(lc.W), num(lc.A), num(lc.B)
		lossName = "Exp/Step-" + metricName(lc.Metric)
		notes = append(notes, fmt.Sprintf("per epoch: step prefactor with p = %s, exp with p = %s (the table prints the loss as \"MAE\")",
			num(lc.Schedule.StepProbability), strconv.FormatFloat(1-lc.Schedule.StepProbability, 'g', 6, 64)))
	case codename.KindToggle:
		w, a, b = num(lc.W)+defaultMark, num(lc.A), num(lc.B)
		lossName = "Exp/Step-" + metricName(lc.Metric)
		notes = append(notes, fmt.Sprintf("toggles between exp and step prefactors every %d epoch(s), starting with exp (the table prints \"Step-MSE\" and no w)",
			lc.Schedule.Period))
	}
	if lc.Metric.HasDelta() {
		delta = num(lc.Delta)
		if n.Delta == nil {
			delta += defaultMark
		}
	}
	if lc.TargetNoiseStd > 0 {
		notes = append(notes, fmt.Sprintf("Gaussian noise of standard deviation %s on the targets; named in the caption only, not a row of the table", num(lc.TargetNoiseStd)))
	}
	if c.LearningRate != codename.DefaultLearningRate {
		notes = append(notes, "learning rate "+sci(c.LearningRate)+" (caption)")
	}
	trans := "-"
	if lc.Transform == loss.TransformSqrt {
		trans = "sqrt"
	}
	return []string{c.Codename, w, a, b, delta, lossName, strconv.Itoa(c.Epochs), trans, sci(c.LearningRate)}, notes, nil
}

// tableDivisors maps the model tables to their training-set divisors.
var tableDivisors = map[int]int{2: 80, 3: 40, 4: 20, 5: 8, 6: 4, 7: 2, 8: 1}

// ModelTable is one of the paper's Tables 2-8: the models trained on one nested training
// subset of the 2023 data set.
type ModelTable struct {
	// Number is the table's number in the paper, 2 to 8.
	Number int
	// Divisor selects the training subset, 1/Divisor of the training set with equal counts per
	// number of sources (80 = 1.25%, 40, 20, 8, 4, 2, 1 = 100%: the codenames' prefix).
	Divisor int
	// Models are the table's models, parsed from their codenames by package codename, in the
	// order of codename.PaperNames.
	Models []codename.Config
}

// ModelTableOf returns Table n (2-8) of the 2023 paper.
func ModelTableOf(n int) (ModelTable, error) {
	div, ok := tableDivisors[n]
	if !ok {
		return ModelTable{}, fmt.Errorf("the 2023 paper has no model table %d (Tables 2-8 list the models)", n)
	}
	t := ModelTable{Number: n, Divisor: div}
	for _, name := range codename.PaperNames() {
		c, err := codename.Parse(name)
		if err != nil {
			return t, err
		}
		if c.Table == n {
			t.Models = append(t.Models, c)
		}
	}
	if len(t.Models) == 0 {
		return t, fmt.Errorf("package codename lists no model of table %d", n)
	}
	return t, nil
}

// Fraction returns the nominal fraction of the training set the table's models train on.
func (t ModelTable) Fraction() float64 { return 1 / float64(t.Divisor) }

// TrainSubset returns the table's training subset of a data set (dataset.Splits.TrainSubset
// with the table's divisor).
func (t ModelTable) TrainSubset(spec dataset.Spec) (dataset.Subset, error) {
	sp, err := spec.Split()
	if err != nil {
		return dataset.Subset{}, err
	}
	return sp.TrainSubset(t.Divisor)
}

// LossWeight is the weight a loss prefactor gives to pixels of given target values.
type LossWeight struct {
	Prefactor loss.Prefactor // "none", "exp" or "step"
	Weights   []float64      // one per target value
}

// LossWeights returns, for every prefactor a model's loss uses (one for a fixed prefactor; exp
// and step, in this order, for the per-epoch schedules of models R and T), the weight P it
// gives to a pixel of each target value y (before the model's transform): exp(-(1-t)/w),
// 1 + a tanh(b t) or 1, with t the transformed target. The weights are computed by the loss's
// own reference, loss.Config.PixelLoss, as the ratio of a pixel's loss to its unweighted loss.
func LossWeights(c codename.Config, y []float64) ([]LossWeight, error) {
	seen := map[loss.Prefactor]bool{}
	for e := 0; e < max(c.Epochs, 2); e++ {
		p, err := c.Loss.PrefactorAt(e)
		if err != nil {
			return nil, err
		}
		seen[p] = true
	}
	// An error beyond delta keeps every metric positive, so the ratio is the prefactor.
	e := 2*max(1, c.Loss.Delta) + 1
	var out []LossWeight
	for _, p := range loss.Prefactors {
		if !seen[p] {
			continue
		}
		w := make([]float64, len(y))
		for i, v := range y {
			t := v
			if c.Loss.Transform == loss.TransformSqrt {
				t = math.Sqrt(math.Abs(v))
			}
			weighted, err := c.Loss.PixelLoss(p, v, t+e)
			if err != nil {
				return nil, err
			}
			plain, err := c.Loss.PixelLoss(loss.PrefactorNone, v, t+e)
			if err != nil {
				return nil, err
			}
			w[i] = weighted / plain
		}
		out = append(out, LossWeight{Prefactor: p, Weights: w})
	}
	return out, nil
}

// modelTable returns Table n (2-8): the models trained with 1/divisor of the training set.
func modelTable(n int) (figkit.TableResults, error) {
	mt, err := ModelTableOf(n)
	if err != nil {
		return figkit.TableResults{}, err
	}
	div := mt.Divisor
	t := figkit.Table{
		Title: fmt.Sprintf("Table %d: models trained with %s of the training set (%s configurations at paper scale)",
			n, percent(1/float64(div)), thousands(320000/div)),
		Columns: ModelTableColumns(),
	}
	var notes []string
	marks := false
	for _, c := range mt.Models {
		row, rowNotes, err := ModelRow(c)
		if err != nil {
			return figkit.TableResults{}, err
		}
		for _, cell := range row {
			marks = marks || strings.Contains(cell, defaultMark)
		}
		if len(rowNotes) > 0 {
			row[0] += fmt.Sprintf(" (%d)", len(notes)+1)
			for i, note := range rowNotes {
				if i == 0 {
					notes = append(notes, fmt.Sprintf("(%d) %s: %s", len(notes)+1, c.Codename, note))
				} else {
					notes[len(notes)-1] += "; " + note
				}
			}
		}
		t.Rows = append(t.Rows, row)
	}
	t.Notes = append(t.Notes, "Generated from the codenames by package codename. w: exp prefactor exp(-(1-y)/w); "+
		"a, b: step prefactor 1 + a tanh(b y); δ: (inverse) Huber parameter; App trans: sqrt = trained on square roots; "+
		"LR: Adam learning rate (not a column of the paper's tables; the authors' default is 1e-4).")
	if marks {
		t.Notes = append(t.Notes, defaultMark+" not printed in the paper (\"-\"): the value package codename uses. δ = 1 is "+
			"PyTorch's HuberLoss default; with fields in [0, 1] it makes Huber = MSE/2 and inverse Huber = MAE - 1/2 everywhere.")
	}
	t.Notes = append(t.Notes, notes...)
	cmp := fmt.Sprintf("Every row agrees with the paper's Table %d (package codename's tests compare each codename "+
		"with the printed row)", n)
	if marks {
		cmp += ", except the values marked " + defaultMark + ", which the paper leaves blank"
	}
	cmp += "."
	if n == 6 {
		cmp += " Model 4E2-2 appears only in the caption. The loss of 4R and 4T-k is written Exp/Step here because their " +
			"prefactor changes between epochs; the paper prints \"MAE\" and \"Step-MSE\"."
	}
	return figkit.TableResults{Table: t, Comparison: cmp}, nil
}
