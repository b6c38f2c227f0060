package fig2021

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/sweep"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

func TestFig01(t *testing.T) {
	root := t.TempDir()
	opt := figures.Options{Scale: scale.Smoke, Root: root, Log: io.Discard}
	st, err := figures.Ensure("2021-fig01", opt)
	if err != nil {
		t.Fatal(err)
	}
	var r Fig01Results
	if err := json.Unmarshal(st.Results, &r); err != nil {
		t.Fatal(err)
	}
	if r.N != 100 || len(r.Sources) != 2 || len(r.Models) != 2 {
		t.Fatalf("N = %d, %d sources, %d models; want 100, 2, 2", r.N, len(r.Sources), len(r.Models))
	}
	if d := math.Hypot(r.Sources[0].X-r.Sources[1].X, r.Sources[0].Y-r.Sources[1].Y); d <= 2*r.Sources[0].R {
		t.Errorf("the 2021 sources overlap: centres %.1f apart", d)
	}
	data, shape, err := npy.ReadFileFloat32(filepath.Join(root, "2021-fig01", "smoke", r.Fields))
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 3 || shape[0] != 2 || shape[1] != 100 || shape[2] != 100 {
		t.Fatalf("fields shape %v", shape)
	}
	for m, model := range r.Models {
		field := data[m*10000 : (m+1)*10000]
		var maxV float32
		for _, v := range field {
			maxV = max(maxV, v)
		}
		if math.Abs(float64(maxV)-1) > 1e-6 {
			t.Errorf("%s: field maximum %g, want 1", model.Model, maxV)
		}
		if model.Residual > solver.DefaultTol {
			t.Errorf("%s: residual %g", model.Model, model.Residual)
		}
	}
	// The clamped field equals the source values on the disks.
	cl := r.Models[1]
	if cl.Model != string(solver.Clamped) {
		t.Fatalf("second model %q, want clamped", cl.Model)
	}
	for i, s := range r.Sources {
		if math.Abs(cl.AtCentres[i]-s.Value) > 1e-9 {
			t.Errorf("clamped field at source %d: %g, want its value %g", i, cl.AtCentres[i], s.Value)
		}
	}
	paths, err := figures.Render("2021-fig01", opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 3 {
		t.Errorf("rendered files %v", paths)
	}
	if sum, err := figures.Summary(st); err != nil || !strings.Contains(sum, "| clamped |") {
		t.Errorf("summary %q, error %v", sum, err)
	}
}

func TestProfile(t *testing.T) {
	const n = 10
	field := make([]float32, n*n)
	for i := range field {
		field[i] = float32(i % n) // the column index
	}
	// A horizontal line through row 4: the values are the columns, at half-cell steps.
	a := solver.Source{X: 2, Y: 4}
	b := solver.Source{X: 6, Y: 4}
	dist, val := Profile(field, n, a, b)
	if len(dist) == 0 || len(dist) != len(val) {
		t.Fatalf("%d distances, %d values", len(dist), len(val))
	}
	for i := range dist {
		if want := math.Round(2 + dist[i]); math.Abs(val[i]-want) > 1 {
			t.Errorf("at distance %g: %g, want about %g", dist[i], val[i], want)
		}
		if col := 2 + dist[i]; col < -0.5 || col > n-0.5 {
			t.Errorf("sample at column %g outside the lattice", col)
		}
	}
	if d, v := Profile(field, n, a, a); d != nil || v != nil {
		t.Error("coincident centres: want no profile")
	}
}

func TestTable1(t *testing.T) {
	r, err := table1()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Table.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(r.Table.Rows) != len(nn2Rows) || len(nn1Rows) != 14 || len(nn2Rows) != 21 {
		t.Errorf("rows: table %d, NN1 %d, NN2 %d", len(r.Table.Rows), len(nn1Rows), len(nn2Rows))
	}
	convs := 0
	for _, row := range nn1Rows {
		if strings.HasPrefix(row[0], "Conv") {
			convs++
			if !strings.HasSuffix(row[2], "x 100 x 100") {
				t.Errorf("NN1 keeps 100 x 100: %q", row[2])
			}
		}
	}
	if convs != 6 {
		t.Errorf("NN1 has %d convolutions, want 6", convs)
	}
	if nn2Rows[12][2] != "2048 x 1 x 1" || nn2Rows[19][2] != "1 x 100 x 100" {
		t.Errorf("NN2 bottleneck %q, output %q", nn2Rows[12][2], nn2Rows[19][2])
	}
	if md := r.Table.Markdown(); !strings.Contains(md, "**(a) NN 1**") || !strings.Contains(md, "**(b) NN 2**") {
		t.Errorf("markdown lacks the two panels:\n%s", md)
	}
}

// TestCheckTable1 checks the row-by-row comparison of the paper's Table 1 with the model: every
// row agrees except NN 2's encoder between the second and the fourth mean pool, where the authors'
// code pads (50 -> 26 -> 13) and the paper prints 25 and 12.
func TestCheckTable1(t *testing.T) {
	checks, err := CheckTable1()
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != len(nn1Rows)+len(nn2Rows) {
		t.Fatalf("%d checks, want %d", len(checks), len(nn1Rows)+len(nn2Rows))
	}
	want := map[string]string{"Meanpool 128 x 25 x 25": "128 x 26 x 26", "Conv 3 x 3 256 x 25 x 25": "256 x 26 x 26",
		"Meanpool 256 x 12 x 12": "256 x 13 x 13", "Conv 3 x 3 512 x 12 x 12": "512 x 13 x 13"}
	differ := 0
	for _, c := range checks {
		model, ok := want[c.Paper[0]+" "+c.Paper[2]]
		if c.Agrees == ok {
			t.Errorf("%s %v vs model %+v: agrees = %v", c.Branch, c.Paper, c.Model, c.Agrees)
		}
		if ok {
			differ++
			if c.Branch != "NN2" || c.Model.Shape != model {
				t.Errorf("%s %v: model shape %q, want %q in NN2", c.Branch, c.Paper, c.Model.Shape, model)
			}
		}
	}
	if differ != len(want) {
		t.Errorf("%d differing rows, want %d", differ, len(want))
	}
	if !sameOp("Dropout 1 (D1)", "Dropout 1 (D_1)") || sameOp("Conv 3 x 3", "ConvT 3 x 3") || !sameAct("LReLU", "LReLU(0.01)") || sameAct("ReLU", "LReLU(0.01)") {
		t.Error("sameOp or sameAct")
	}
}

func TestPaperTable2(t *testing.T) {
	if len(paperTable2) != 14 {
		t.Fatalf("%d models, want 14", len(paperTable2))
	}
	for i, pm := range paperTable2 {
		if pm.Number != i+1 {
			t.Errorf("row %d is model %d", i, pm.Number)
		}
		c, err := models.Model2021(pm.Number, 100)
		if err != nil {
			t.Fatal(err)
		}
		if c.P1 != pm.P1 || c.P2 != pm.P2 || c.D1 != pm.D1 || c.D2 != pm.D2 || c.D3 != pm.D3 || c.D4 != pm.D4 {
			t.Errorf("model %d: package models has %+v, the table %+v", pm.Number, c, pm)
		}
		if !(pm.Mean < pm.P99 && pm.P99 < pm.Max) {
			t.Errorf("model %d: mean %g, 99P %g, max %g not increasing", pm.Number, pm.Mean, pm.P99, pm.Max)
		}
	}
	if _, err := Paper(15); err == nil {
		t.Error("model 15: want an error")
	}
}

func TestProtocols(t *testing.T) {
	for _, s := range scale.All {
		p, err := NewProtocol(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if p.TrainExamples == 0 || p.TestExamples == 0 || p.Samples == 0 || p.Reduced == "" {
			t.Errorf("%s: %+v", s, p)
		}
		if p.Rollback.M >= p.Epochs {
			t.Errorf("%s: roll-back window m = %d cannot fire in %d epochs", s, p.Rollback.M, p.Epochs)
		}
		for _, pm := range paperTable2 {
			cfg, err := p.runConfig(pm.Number, "/data")
			if err != nil {
				t.Fatalf("%s, model %d: %v", s, pm.Number, err)
			}
			if cfg.Loss.W != pm.W || string(cfg.Loss.Metric) != strings.ToLower(pm.Loss) || !cfg.Rollback.Enabled {
				t.Errorf("%s, model %d: loss %+v, roll-back %+v", s, pm.Number, cfg.Loss, cfg.Rollback)
			}
		}
	}
	if _, err := NewProtocol("huge"); err == nil {
		t.Error("unknown scale: want an error")
	}
}

func TestNMin(t *testing.T) {
	// The paper's numbers: N_min ≈ M + E/delta ≈ 57300.
	got := nMin(paperM, paperE, paperDelta, paperDelta/paperRatio)
	if math.Abs(got-paperNMin) > 100 {
		t.Errorf("N_min with the paper's numbers = %.0f, want about %d", got, paperNMin)
	}
	if v := nMin(10, 5, 1e-3, 2e-3); !math.IsInf(v, 1) {
		t.Errorf("epsilon > delta: N_min = %g, want +Inf", v)
	}
	if v := nMin(100, 1, 0.5, 0.25); math.Abs(v-(100+2)/0.5) > 1e-9 {
		t.Errorf("N_min = %g, want %g", v, (100+2)/0.5)
	}
}

func TestJumps(t *testing.T) {
	rb := training.DefaultRollback()
	rb.Enabled, rb.M = true, 3
	losses := []float64{1, 0.5, 0.4, 0.3, 0.3, 5, 4, 0.2}
	js := Jumps(losses, rb)
	if len(js) != 1 || js[0].Epoch != 6 {
		t.Fatalf("jumps %+v, want one at epoch 6", js)
	}
	if float64(js[0].Threshold) >= 5 || float64(js[0].Loss) != 5 {
		t.Errorf("jump %+v", js[0])
	}
}

func TestMetricsOfSplit(t *testing.T) {
	// A prediction off by +0.01 everywhere on a ramp of targets.
	n := 10000
	target, pred := make([]float32, n), make([]float32, n)
	for i := range target {
		target[i] = float32(i) / float32(n)
		pred[i] = target[i] + 0.01
	}
	m, err := Measure("test", 1, target, pred)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(m.Residual.Mean)-0.01) > 1e-6 || math.Abs(float64(m.Residual.Max)-0.01) > 1e-6 {
		t.Errorf("residual %+v, want 0.01", m.Residual)
	}
	if len(m.Slices) != 10 {
		t.Fatalf("%d slices", len(m.Slices))
	}
	for _, s := range m.Slices {
		if s.N > 1 && math.Abs(float64(s.Mean)-0.01/math.Sqrt2) > 1e-6 {
			t.Errorf("slice %+v: mean want %g", s, 0.01/math.Sqrt2)
		}
	}
	s, err := MeasureSupplement(target, pred)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Slices) != suppSlices || len(s.Hists) != suppSlices {
		t.Fatalf("%d slices, %d histograms", len(s.Slices), len(s.Hists))
	}
	var rot int64
	for _, c := range s.RotCounts {
		rot += c
	}
	if rot != int64(n) {
		t.Errorf("histogram along y = x holds %d of %d points", rot, n)
	}
	p, err := MeasurePDF(target, pred)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.LowTarget-0.1) > 1e-3 || p.LowL1 > 0.3 {
		t.Errorf("PDF: low target %g (want 0.1), L1 %g", p.LowTarget, p.LowL1)
	}
	h, err := PredictionHist2D(target, pred)
	if err != nil {
		t.Fatal(err)
	}
	if h.Total() != int64(n) {
		t.Errorf("2-D histogram holds %d points", h.Total())
	}
}

// TestTrainedFiguresSmoke computes every figure of the trained models at the smoke scale (the
// hub trains the 14 models for a few steps) and renders them.
func TestTrainedFiguresSmoke(t *testing.T) {
	root := t.TempDir()
	t.Setenv(figures.EnvFiguresDir, root)
	opt := figures.Options{Scale: scale.Smoke, Root: root, Log: io.Discard}
	ids := []string{"2021-table2", "2021-fig04", "2021-fig05", "2021-fig06", "2021-fig07", "2021-fig08", "2021-fig09",
		"2021-fig10", "2021-fig11", "2021-speedup"}
	for i := range supplementModels {
		ids = append(ids, fmt.Sprintf("2021-figS%d", i+1))
	}
	for _, id := range ids {
		st, err := figures.Ensure(id, opt)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		sum, err := figures.Summary(st)
		if err != nil || len(sum) < 40 {
			t.Errorf("%s: summary %q, error %v", id, sum, err)
		}
		if _, err := os.Stat(filepath.Join(root, id, "smoke", id+".png")); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "2021-table2", "smoke", "2021-table2-curves.png")); err != nil {
		t.Errorf("the loss curves of Table 2: %v", err)
	}
	st, err := figures.Load(root, "2021-table2", scale.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	var r Table2Results
	if err := json.Unmarshal(st.Results, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Models) != 14 || len(r.SamplePredictions) != len(sampleModels) || len(r.Hist2D) != 2*len(hist2DModels) {
		t.Fatalf("%d models, %d sample files, %d histograms", len(r.Models), len(r.SamplePredictions), len(r.Hist2D))
	}
	for _, m := range r.Models {
		if !(m.Mean > 0 && m.Mean <= m.P99 && m.P99 <= m.Max) || m.Training.EpochsRun < r.Protocol.Epochs {
			t.Errorf("model %d: mean %g, 99P %g, max %g, %d epochs run", m.Paper.Number, m.Mean, m.P99, m.Max, m.Training.EpochsRun)
		}
	}
	sum, _ := figures.Summary(st)
	if !strings.Contains(sum, "conclusions") {
		t.Errorf("the Table 2 summary says nothing about the paper's conclusions:\n%s", sum)
	}

	// The Table 2 sweep shares the figures' training: run after them, it evaluates the runs they
	// trained (same training time, same kept epoch, same residuals) and trains nothing again.
	sw, err := Table2Sweep(scale.Smoke, root)
	if err != nil {
		t.Fatal(err)
	}
	sw.Work = filepath.Join(root, ".cache", "sweeps", SweepTable2, string(scale.Smoke))
	if _, err := sweep.Run(context.Background(), sw, sweep.Options{}); err != nil {
		t.Fatal(err)
	}
	byNumber := map[int]ModelResult{}
	for _, m := range r.Models {
		byNumber[m.Paper.Number] = m
	}
	for _, tr := range Table2Runs {
		res, err := sweep.ReadResult(filepath.Join(sw.Out, sweep.RunsDir, Table2RunID(tr.Number, tr.Rollback)+".json"))
		if err != nil {
			t.Fatal(err)
		}
		test := res.Evals["test"]
		if test == nil || test.Residual == nil || test.PDF == nil || len(test.Slices) == 0 || res.Evals["train"] == nil {
			t.Fatalf("%s: evaluations %v lack the residuals, slices or densities", res.ID, res.Evals)
		}
		if !tr.Rollback {
			continue
		}
		m := byNumber[tr.Number]
		if res.Provenance.TrainSeconds != m.Training.Seconds || res.KeptEpoch() != m.Training.BestEpoch {
			t.Errorf("%s: sweep training %g s, kept epoch %d; the figure's %g s, %d: trained twice",
				res.ID, res.Provenance.TrainSeconds, res.KeptEpoch(), m.Training.Seconds, m.Training.BestEpoch)
		}
		if d := math.Abs(float64(test.Residual.Mean) - m.Mean); d > 1e-6*m.Mean || float64(test.Residual.Max) != m.Max {
			t.Errorf("%s: sweep test residual mean %g, max %g; the figure's %g, %g", res.ID, test.Residual.Mean, test.Residual.Max, m.Mean, m.Max)
		}
	}
	// The Table 2 of the committed sweep results: every model, the run without roll-back, the
	// same residuals as the figure's.
	st2, without, done, total, err := LoadTable2Sweep(root, scale.Smoke)
	if err != nil {
		t.Fatal(err)
	}
	if len(st2.Models) != 14 || without == nil || done != 15 || total != 15 {
		t.Fatalf("sweep table: %d models, without roll-back %v, %d/%d runs", len(st2.Models), without != nil, done, total)
	}
	for i, m := range st2.Models {
		if m.Paper.Number != i+1 || math.Abs(m.Mean-byNumber[i+1].Mean) > 1e-6*m.Mean || m.Training.BestEpoch != byNumber[i+1].Training.BestEpoch {
			t.Errorf("sweep table row %d: model %d, mean %g (figure %g)", i, m.Paper.Number, m.Mean, byNumber[i+1].Mean)
		}
	}
	if md := SweepTable2Markdown(st2, without, done, total); !strings.Contains(md, "15/15 runs done") || !strings.Contains(md, "9 without roll-back") {
		t.Errorf("sweep table:\n%s", md)
	}
	fig, err := CurvesFigure(st2, without)
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Save(filepath.Join(t.TempDir(), "curves.png")); err != nil {
		t.Error(err)
	}
}

// The committed declaration of the cpu Table 2 sweep is the one Table2Sweep writes.
func TestSweepFileUpToDate(t *testing.T) {
	root, err := figures.RepoRoot()
	if err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(root, "figures")
	if os.Getenv("SURROGO_UPDATE") == "1" {
		if _, err := WriteSweepFile(dir, scale.CPU); err != nil {
			t.Fatal(err)
		}
	}
	want, err := SweepFileJSON(scale.CPU)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(SweepFile(dir, scale.CPU))
	if err != nil || string(got) != string(want) {
		t.Errorf("%s: out of date (SURROGO_UPDATE=1 go test -run TestSweepFileUpToDate ./pkg/figures/fig2021): %v", SweepFile(dir, scale.CPU), err)
	}
	sw, err := sweep.Load(SweepFile(dir, scale.CPU))
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Runs) != 15 {
		t.Errorf("%d runs, want the 14 models of Table 2 and model 9 without roll-back", len(sw.Runs))
	}
}

// TestFig04Rollbacks draws Fig. 4 from histories with a jump: the run without roll-back keeps it,
// the run with roll-back discards it.
func TestFig04Rollbacks(t *testing.T) {
	p, err := NewProtocol(scale.CPU)
	if err != nil {
		t.Fatal(err)
	}
	p.Rollback.M, p.Rollback.S = 5, 1 // a window that fits these 12 epochs
	js := func(v ...float64) []training.JSONFloat {
		out := make([]training.JSONFloat, len(v))
		for i, x := range v {
			out[i] = training.JSONFloat(x)
		}
		return out
	}
	without := []float64{0.3, 0.2, 0.15, 0.12, 0.1, 0.09, 0.08, 0.6, 0.55, 0.5, 0.45, 0.4}
	with := []float64{0.3, 0.2, 0.15, 0.12, 0.1, 0.09, 0.08, 0.075, 0.07, 0.065, 0.06, 0.058}
	r := Fig04Results{Protocol: p, Without: TrainingRecord{TrainLoss: js(without...), TestLoss: js(without...)},
		With: TrainingRecord{TrainLoss: js(with...), TestLoss: js(with...), NumRollbacks: 1,
			Rollbacks: []RollbackEvent{{AfterEpoch: 8, ToEpoch: 6, Loss: 0.6, Discarded: js(0.085, 0.6)}}}}
	r.Jumps = Jumps(without, p.Rollback)
	if len(r.Jumps) != 1 || r.Jumps[0].Epoch != 8 {
		t.Fatalf("jumps %+v, want one at epoch 8", r.Jumps)
	}
	dir := t.TempDir()
	if err := renderFig04(&figures.Run{ID: "2021-fig04", Dir: dir, Log: io.Discard}, r); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "2021-fig04.png")); err != nil {
		t.Error(err)
	}
	if s := summaryFig04(r); !strings.Contains(s, "fired at epoch(s) 8") {
		t.Errorf("summary:\n%s", s)
	}
	if err := renderFig04(&figures.Run{ID: "2021-fig04", Dir: dir, Log: io.Discard}, Fig04Results{}); err == nil {
		t.Error("empty results: want an error")
	}
}

func TestSpeedupCases(t *testing.T) {
	r := SpeedupResults{M: 200, E: 100,
		Delta: []DeltaRow{{N: 100, Mean: 1e-3}, {N: 32, Mean: 1e-4}},
		Epsilon: []EpsilonRow{
			{Network: "trained", N: 32, Width: 4, Trained: true, Batch: 1, PerSolution: 5e-3},
			{Network: "trained", N: 32, Width: 4, Trained: true, Batch: 64, PerSolution: 4e-3},
			{Network: "paper-size", N: 100, Width: models.PaperWidth, Batch: 8, PerSolution: 0.5},
		}}
	cases := SpeedupCases(r)
	// The paper, the trained network at its largest batch, the paper-size network twice, the GPU case.
	if len(cases) != 5 {
		t.Fatalf("%d cases: %+v", len(cases), cases)
	}
	if v := float64(cases[0].NMin); math.Abs(v-paperNMin) > 100 {
		t.Errorf("paper case: N_min %g", v)
	}
	for _, c := range cases[1:] {
		if v := float64(c.NMin); !math.IsInf(v, 1) {
			t.Errorf("%s: N_min %g, want +Inf (epsilon >= delta)", c.Name, v)
		}
	}
	if cases[1].Delta != 1e-4 || cases[1].Epsilon != 4e-3 {
		t.Errorf("trained case %+v: want delta at 32 × 32 and the batch-64 epsilon", cases[1])
	}
}

// The Table 2 block of notebooks/README.md is the one the committed sweep results give.
func TestTable2Readme(t *testing.T) {
	root, err := figures.RepoRoot()
	if err != nil {
		t.Skip(err)
	}
	if os.Getenv("SURROGO_UPDATE") == "1" {
		if _, err := UpdateTable2Readme(root); err != nil {
			t.Fatal(err)
		}
	}
	path, have, want, err := Table2Readme(root)
	if err != nil {
		t.Fatal(err)
	}
	if have != want {
		t.Errorf("%s: the 2021 Table 2 block is out of date (SURROGO_UPDATE=1 go test -run TestTable2Readme ./pkg/figures/fig2021)", path)
	}
}

func TestPlateau(t *testing.T) {
	js := func(v ...float64) []training.JSONFloat {
		out := make([]training.JSONFloat, len(v))
		for i, x := range v {
			out[i] = training.JSONFloat(x)
		}
		return out
	}
	for _, c := range []struct {
		losses []training.JSONFloat
		k      int
		want   float64
	}{
		{js(4, 4, 2, 2), 2, 0.5},
		{js(9, 3, 3, 3, 3), 2, 1},
		{js(1, 2, 3), 2, math.NaN()},
	} {
		got := Plateau(c.losses, c.k)
		if !(got == c.want || math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("Plateau(%v, %d) = %g, want %g", c.losses, c.k, got, c.want)
		}
	}
}

// The conclusions on a half-done Table 2: the pairs whose two models are there are compared, the
// others are not testable yet.
func TestConclusionsPartial(t *testing.T) {
	p, err := NewProtocol(scale.CPU)
	if err != nil {
		t.Fatal(err)
	}
	row := func(number int, mean float64) ModelResult {
		pm, err := Paper(number)
		if err != nil {
			t.Fatal(err)
		}
		m := ModelResult{Paper: pm, Mean: mean, P99: 10 * mean, Max: 100 * mean}
		m.Test.Residual.Mean, m.Train.Residual.Mean = mean, mean/1.2
		return m
	}
	// Models 2-5: 3 beats 2 (lower NN 2 dropout), 5 beats 4; both networks (2, 3) beat NN 2 alone (4, 5).
	r := Table2Results{Protocol: p, Models: []ModelResult{row(2, 0.004), row(3, 0.003), row(4, 0.006), row(5, 0.005)}}
	c := CheckConclusions(r)
	if len(c.Dropout) != 2 || len(c.Combined) != 2 {
		t.Fatalf("%d dropout pairs, %d combined pairs; want 2 and 2", len(c.Dropout), len(c.Combined))
	}
	if ours, paper := pairVerdict(c.Dropout); ours != 2 || paper != 1 {
		t.Errorf("dropout: lower D3, D4 better in %d pairs here, %d in the paper's table; want 2 and 1 (5 < 4, but 3 > 2 in the paper)", ours, paper)
	}
	if ours, paper := pairVerdict(c.Combined); ours != 2 || paper != 0 {
		t.Errorf("both networks better in %d pairs here, %d in the paper's table; want 2 and 0", ours, paper)
	}
	md := ConclusionsMarkdown(r)
	for _, want := range []string{
		"NN1-only models (6, 7) about 10× worse than the others: **not testable yet**",
		"Low NN 2 dropout is best (lower D3, D4 first;", "3 pairs not finished: **holds**",
		"Both networks together are more accurate than NN 2 alone (both first;", "1 pair not finished: **holds**",
		"The exponential weight reduces the train/test gap: **not testable yet**",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("conclusions lack %q:\n%s", want, md)
		}
	}
}

// TestPlateauMarkdown: a flat loss counts as plateaued, one falling 1% per epoch does not, and a
// run with fewer epochs is left out of the count; training and test losses are counted apart.
func TestPlateauMarkdown(t *testing.T) {
	run := func(n int, train, test float64) ModelResult {
		var m ModelResult
		for e := range n {
			m.Training.TrainLoss = append(m.Training.TrainLoss, training.JSONFloat(math.Pow(1-train, float64(e))))
			m.Training.TestLoss = append(m.Training.TestLoss, training.JSONFloat(math.Pow(1-test, float64(e))))
		}
		return m
	}
	got := plateauMarkdown([]ModelResult{run(80, 0, 0), run(80, 0.01, 0), run(40, 0, 0)}, []string{"1", "2", "3"})
	for _, want := range []string{"at epoch 80, the training loss of 1 of 2 runs", "lowest model 2", "the test loss of 2 of 2 runs",
		"**holds for the test loss** (all 2 runs); the training loss still falls in 1", "(Not counted: 1 run(s) with fewer epochs.)",
		"At epoch 30: training loss 2 of 3"} {
		if !strings.Contains(got, want) {
			t.Errorf("plateauMarkdown lacks %q:\n%s", want, got)
		}
	}
	if got := plateauMarkdown([]ModelResult{run(30, 0, 0)}, []string{"1"}); !strings.Contains(got, "— **holds**.") {
		t.Errorf("one flat run: %s", got)
	}
	if got := plateauMarkdown([]ModelResult{run(30, 0.01, 0.01)}, []string{"1"}); !strings.Contains(got, "— **does not hold**.") {
		t.Errorf("one falling run: %s", got)
	}
}
