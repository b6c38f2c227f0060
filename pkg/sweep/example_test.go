package sweep_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/sweep"
)

// A sweep declared in Go (as figure code and notebooks do), run in-process, then read back:
// two seeds of the 2023 model 80E1 at the smoke scale, on a data set the sweep generates. A
// second Run finds everything done and trains nothing.
func Example() {
	dir, _ := os.MkdirTemp("", "sweep-example")
	defer os.RemoveAll(dir)
	sw := &sweep.Sweep{
		Name:  "example",
		Scale: "smoke",
		Out:   filepath.Join(dir, "figures", "example", "smoke"), // committed: runs/ID.json
		Work:  filepath.Join(dir, "work"),                        // not committed: data, checkpoints
		Data:  sweep.Data{Recipe: "2023", Seed: 1},
		Defaults: sweep.RunSpec{Model: "edcnn", Codename: "80E1", Set: map[string]any{"epochs": 2},
			Evals: []sweep.Eval{{Split: "test", Metrics: []string{sweep.MetricRegions}}}},
		Runs: []sweep.RunSpec{
			{ID: "80E1-s1", Set: map[string]any{"seed": 1}},
			{ID: "80E1-s2", Set: map[string]any{"seed": 2}},
		},
	}
	b, err := backend.NewExtendedGo("") // the deterministic pure-Go backend; nil: $GOMLX_BACKEND
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Finalize()
	for range 2 {
		sum, err := sweep.Run(context.Background(), sw, sweep.Options{Backend: b})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("trained %d, already done %d\n", len(sum.Trained), len(sum.Skipped))
	}
	p, _ := sw.Plan()
	st, _ := p.Status(sweep.Shard{})
	for _, r := range st.Runs {
		res, _ := sweep.ReadResult(r.Result)
		m := res.Evals["test"]
		fmt.Printf("%s: %s, %d/%d epochs, kept epoch %d, %d test examples, %d region means\n",
			r.ID, r.State, r.EpochsDone, r.Epochs, res.KeptEpoch(), m.Data.Examples, len(m.RegionMeans))
	}
	fmt.Println(st.Totals[sweep.Done], "done")
	// Output:
	// trained 2, already done 0
	// trained 0, already done 2
	// 80E1-s1: done, 2/2 epochs, kept epoch 2, 40 test examples, 6 region means
	// 80E1-s2: done, 2/2 epochs, kept epoch 2, 40 test examples, 6 region means
	// 2 done
}
