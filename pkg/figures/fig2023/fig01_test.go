package fig2023

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
)

func TestDescribeExample(t *testing.T) {
	const n = 4
	// Two source pixels (input > 0), the rest field; the target puts pixels in R1, R2, R3 and
	// below R3.
	input := []float32{1, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	target := []float32{1, 0.8, 0.3, 0.15, 0.07, 0.01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	pred := make([]float32, len(target))
	copy(pred, target)
	pred[1] = 0.4    // source error 0.4
	pred[3] = 0.25   // R2 error 0.1
	pred[10] = -0.05 // field error 0.05
	ex, err := describeExample(input, target, pred, 2, n)
	if err != nil {
		t.Fatal(err)
	}
	for region, want := range map[string]float64{
		"whole":   (0.4 + 0.1 + 0.05) / 16,
		"sources": 0.4 / 2,
		"field":   (0.1 + 0.05) / 14,
		"R1":      0,
		"R2":      0.1,
		"R3":      0,
	} {
		if got, ok := ex.MAE[region]; !ok || math.Abs(got-want) > 1e-7 {
			t.Errorf("MAE %s = %g (present %v), want %g", region, got, ok, want)
		}
	}
	if math.Abs(ex.MaxError-0.4) > 1e-7 || ex.MaxErrorAt != [2]int{0, 1} {
		t.Errorf("largest error %g at %v, want 0.4 at [0 1]", ex.MaxError, ex.MaxErrorAt)
	}
	if ex.TargetMax != 1 || ex.PredictionMax != 1 || ex.NSources != 2 {
		t.Errorf("maxima %g, %g, %d sources; want 1, 1, 2", ex.TargetMax, ex.PredictionMax, ex.NSources)
	}
	// A region without pixels is left out.
	ex, err = describeExample(make([]float32, 16), make([]float32, 16), make([]float32, 16), 1, n)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ex.MAE["sources"]; ok {
		t.Errorf("an image without sources has a source MAE: %v", ex.MAE)
	}
	if _, err := describeExample(input, target, pred[:3], 2, n); err == nil {
		t.Error("fields of different lengths: want an error")
	}
}

func TestFig01Training(t *testing.T) {
	for _, s := range scale.All {
		width, epochs, err := fig01Training(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		cfg, err := training.NewConfig(models.EDCNN, s, 64, fig01Codename)
		if err != nil {
			t.Fatal(err)
		}
		if width > 0 {
			cfg.Model.Width = width
		}
		if epochs > 0 {
			cfg.Epochs = epochs
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", s, err)
		}
		if cfg.Select != training.SelectTestLoss || cfg.Rollback.Enabled || cfg.Data.Train != "train" {
			t.Errorf("%s: select %s, roll-back %v, training subset %q; want the 2023 protocol on the whole training set",
				s, cfg.Select, cfg.Rollback.Enabled, cfg.Data.Train)
		}
	}
	if _, _, err := fig01Training("huge"); err == nil {
		t.Error("unknown scale: want an error")
	}
}

func TestLossName(t *testing.T) {
	got, err := lossName("1E1")
	if err != nil || !strings.Contains(got, "exponential-weighted MAE") || !strings.Contains(got, "w = 1") ||
		!strings.Contains(got, "target") {
		t.Errorf("lossName(1E1) = %q, %v", got, err)
	}
	for _, code := range []string{"1S1", "1E2", "nonsense"} {
		if _, err := lossName(code); err == nil {
			t.Errorf("lossName(%s): want an error", code)
		}
	}
}

// A training run's directory changes with every setting that changes the computation, and not
// with the data directory.
func TestTrainingRunDir(t *testing.T) {
	t.Setenv(figures.EnvCacheDir, t.TempDir())
	run := &figures.Run{ID: "2023-fig01", Scale: scale.Smoke, Root: t.TempDir()}
	cfg, err := training.NewConfig(models.EDCNN, scale.Smoke, 32, fig01Codename)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Data.ID = "0123456789abcdef"
	dir := func(c training.Config) string {
		d, err := trainingRunDir(run, c)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := dir(cfg)
	if !strings.Contains(base, filepath.Join("training", cfg.Data.ID, "edcnn-1E1-w4-e2-")) {
		t.Errorf("run directory %s", base)
	}
	moved := cfg
	moved.Data.Dir = "/elsewhere"
	if dir(moved) != base {
		t.Error("the data directory changes the run directory")
	}
	lr := cfg
	lr.Optimizer.LearningRate *= 2
	seed := cfg
	seed.Seed++
	for name, c := range map[string]training.Config{"learning rate": lr, "seed": seed} {
		if dir(c) == base {
			t.Errorf("changing the %s keeps the run directory", name)
		}
	}
}

// Fig. 1 computes and renders at the smoke scale; its saved fields are the data set's and the
// model's, its numbers agree with them, and a second computation reuses the cached data set and
// training run and gives the same results.
func TestFig01Smoke(t *testing.T) {
	t.Setenv(figures.EnvCacheDir, t.TempDir())
	root := t.TempDir()
	opt := figures.Options{Scale: scale.Smoke, Root: root, Log: io.Discard}
	st, err := figures.Ensure("2023-fig01", opt)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := figures.Render("2023-fig01", opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".png", ".svg"} {
		if !contains(paths, filepath.Join(root, "2023-fig01", "smoke", "2023-fig01"+ext)) {
			t.Errorf("no %s file among %v", ext, paths)
		}
	}
	if sum, err := figures.Summary(st); err != nil || len(sum) < 100 || strings.Contains(sum, "incomplete") {
		t.Errorf("summary %q, error %v", sum, err)
	}
	var r Fig01Results
	if err := json.Unmarshal(st.Results, &r); err != nil {
		t.Fatal(err)
	}
	spec, err := dataset.New(dataset.Recipe2023, scale.Smoke, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr := r.Training
	if r.N != spec.N || r.DataID != spec.ID() || r.Train != 160 || r.Test != 40 || r.TestSet.Examples != 40 ||
		tr.Epochs != 2 || len(tr.TestLoss) != 2 || tr.Reused || tr.Params <= 0 {
		t.Errorf("N %d, data %s, %d/%d examples (%d evaluated), %d epochs (%d losses), reused %v, %d parameters",
			r.N, r.DataID, r.Train, r.Test, r.TestSet.Examples, tr.Epochs, len(tr.TestLoss), tr.Reused, tr.Params)
	}
	best := 1
	for i, l := range tr.TestLoss {
		if l < tr.TestLoss[best-1] {
			best = i + 1
		}
	}
	if tr.BestEpoch != best {
		t.Errorf("kept epoch %d, the lowest test loss is epoch %d (%v)", tr.BestEpoch, best, tr.TestLoss)
	}
	ex := r.Example
	if ex.NSources != fig01Sources || len(ex.Sources) != fig01Sources || spec.NumSources(ex.Index) != fig01Sources {
		t.Fatalf("example %d has %d sources (%d listed)", ex.Index, ex.NSources, len(ex.Sources))
	}
	sp, err := spec.Split()
	if err != nil {
		t.Fatal(err)
	}
	if !inTest(sp.Test().Indices, ex.Index) {
		t.Errorf("example %d is not a test configuration", ex.Index)
	}
	fields, err := readFields(filepath.Join(root, "2023-fig01", "smoke", ex.Fields), 3, r.N)
	if err != nil {
		t.Fatal(err)
	}
	nn := r.N * r.N
	p, err := spec.Problem(ex.Index)
	if err != nil {
		t.Fatal(err)
	}
	in, err := p.Input()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range in {
		if float32(v) != fields[i] {
			t.Fatalf("input cell %d is %g, the configuration's is %g", i, fields[i], v)
		}
	}
	var sum float64
	for i := 0; i < nn; i++ {
		sum += math.Abs(float64(fields[2*nn+i]) - float64(fields[nn+i]))
	}
	if got, want := ex.MAE["whole"], sum/float64(nn); math.Abs(got-want) > 1e-6 {
		t.Errorf("saved MAE %g, the saved fields give %g", got, want)
	}

	first, err := os.ReadFile(filepath.Join(root, "2023-fig01", "smoke", ex.Fields))
	if err != nil {
		t.Fatal(err)
	}

	// Again, from the caches: same training run, same prediction.
	opt.Force = true
	st2, err := figures.Ensure("2023-fig01", opt)
	if err != nil {
		t.Fatal(err)
	}
	var r2 Fig01Results
	if err := json.Unmarshal(st2.Results, &r2); err != nil {
		t.Fatal(err)
	}
	if !r2.Training.Reused {
		t.Error("the second computation did not reuse the training run")
	}
	r2.Training.Reused, r2.DataSeconds, r.DataSeconds = false, 0, 0
	if !reflect.DeepEqual(r, r2) {
		t.Errorf("results differ between the first and the cached computation:\n%+v\n%+v", r, r2)
	}
	again, err := os.ReadFile(filepath.Join(root, "2023-fig01", "smoke", ex.Fields))
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(first) {
		t.Error("the saved fields differ between the first and the cached computation")
	}
}

func inTest(indices []int, i int) bool {
	for _, j := range indices {
		if j == i {
			return true
		}
	}
	return false
}

func TestSummaryFig01Incomplete(t *testing.T) {
	if got := summaryFig01(Fig01Results{}); got != "results are incomplete" {
		t.Errorf("summary of empty results: %q", got)
	}
}
