package training

import (
	stdctx "context"
	"testing"
	"time"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
)

// smokeData generates the smoke-scale data-set cache of a paper recipe in a temporary directory.
func smokeData(t *testing.T, recipe dataset.Recipe) string {
	t.Helper()
	spec, err := dataset.New(recipe, scale.Smoke, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	start := time.Now()
	if _, err := datastore.Generate(stdctx.Background(), spec, dir, datastore.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated the %s smoke cache in %s", recipe, time.Since(start).Round(time.Millisecond))
	return dir
}

// TestSmokeEndToEnd trains both papers' models at the smoke scale on data-set caches made by
// package datastore, through NewConfig, Run and Evaluate, as `surrogo train` and `surrogo eval`
// do.
func TestSmokeEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		model, codename string
		recipe          dataset.Recipe
	}{
		{models.EDCNN, "80E1", dataset.Recipe2023},
		{models.DCNNAE, "", dataset.Recipe2021},
	} {
		t.Run(tc.model, func(t *testing.T) {
			cache := smokeData(t, tc.recipe)
			spec, err := dataset.New(tc.recipe, scale.Smoke, 1) // The lattice of the recipe's smoke scale.
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := NewConfig(tc.model, scale.Smoke, spec.N, tc.codename)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Data.Dir = cache
			if tc.model == models.DCNNAE {
				cfg.Data.Train = "train/8" // 20 examples: a few seconds on the pure-Go backend
			}
			dir := t.TempDir()
			start := time.Now()
			h, err := Run(stdctx.Background(), cfg, dir, Options{Backend: goBackend(t)})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: trained %d epochs in %s: train %v test %v", tc.model, h.Len(), time.Since(start).Round(time.Millisecond),
				h.TrainLoss, h.TestLoss)
			if h.Status != "done" || h.Len() != cfg.Epochs || !finiteAll(h.TrainLoss) || !finiteAll(h.TestLoss) {
				t.Fatalf("history: status %q, %d epochs, %v %v", h.Status, h.Len(), h.TrainLoss, h.TestLoss)
			}
			got, err := ReadConfig(dir)
			if err != nil || got.Data.ID == "" {
				t.Fatalf("config.json: %v, data ID %q", err, got.Data.ID)
			}
			rep, err := Evaluate(stdctx.Background(), dir, EvalOptions{Backend: goBackend(t)})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Data.ID != got.Data.ID || rep.Data.Examples == 0 || !isFinite(float64(rep.MAE)) {
				t.Errorf("report: data %+v, MAE %g", rep.Data, rep.MAE)
			}
		})
	}
}
