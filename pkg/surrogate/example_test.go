package surrogate_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/surrogate"
)

// A data set of one's own (no named scale), solved in memory, and one example by index.
func ExampleNewData() {
	ctx := context.Background()
	spec, err := dataset.Custom(1, 32, 3, 1, 3, 10) // seed 1, 32 x 32, radius 3, 1 to 3 sources, 10 each
	if err != nil {
		log.Fatal(err)
	}
	data, err := surrogate.NewData(ctx, spec, surrogate.DataOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(data.Len(), "configurations:", len(data.Train()), "for training,", len(data.Test()), "for testing")
	ex, err := data.Example(25)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("configuration %d: %d sources on %d x %d, input and target of %d values\n", ex.Index, ex.NSources, ex.N, ex.N, len(ex.Target))
	// Output:
	// 30 configurations: 24 for training, 6 for testing
	// configuration 25: 3 sources on 32 x 32, input and target of 1024 values
}

// Train a small ED-CNN, predict one test configuration, measure it in the 2023 paper's regions,
// evaluate the test set, and save and load the model.
func ExampleTrain() {
	ctx := context.Background()
	spec, _ := dataset.Custom(1, 32, 3, 1, 3, 10)
	data, err := surrogate.NewData(ctx, spec, surrogate.DataOptions{})
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := surrogate.NewConfig(data, "1E1") // exponential-weighted MAE on the whole training set
	if err != nil {
		log.Fatal(err)
	}
	cfg.Model.Width, cfg.Epochs, cfg.BatchSize = 2, 2, 8
	m, err := surrogate.Train(ctx, data, cfg, surrogate.TrainOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	fmt.Println("epochs trained:", m.History.Len())

	ex, _ := data.Example(data.Test()[0])
	pred, err := m.Predict(ex.Input)
	if err != nil {
		log.Fatal(err)
	}
	errs, err := metrics.MeasureImage(ex.Input, ex.Target, pred, ex.N, ex.NSources)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("regions measured:", len(errs.MAE) >= 3, "whole-lattice MAE below 1:", errs.MAE[metrics.Whole] < 1)

	rep, err := m.Evaluate(ctx, data, "test")
	if err != nil {
		log.Fatal(err)
	}
	counts, mae := surrogate.ByCount(rep, metrics.Whole)
	fmt.Println("test examples:", rep.Data.Examples, "source counts:", counts, "curve points:", len(mae))

	dir, _ := os.MkdirTemp("", "model")
	defer os.RemoveAll(dir)
	if err := m.Save(filepath.Join(dir, "mine")); err != nil {
		log.Fatal(err)
	}
	again, err := surrogate.Load(filepath.Join(dir, "mine"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer again.Close()
	pred2, _ := again.Predict(ex.Input)
	fmt.Println("loaded model predicts the same:", pred2[100] == pred[100])
	// Output:
	// epochs trained: 2
	// regions measured: true whole-lattice MAE below 1: true
	// test examples: 6 source counts: [1 2 3] curve points: 3
	// loaded model predicts the same: true
}
