package datastore_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
)

// Generate a small cache, open it and read one example.
func Example() {
	dir, err := os.MkdirTemp("", "cache")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	spec, err := dataset.New(dataset.Recipe2023, dataset.ScaleSmoke, 1) // N = 32, 200 configurations
	if err != nil {
		log.Fatal(err)
	}
	// Progress: os.Stderr would show a progress line. Interrupted, the same call resumes.
	res, err := datastore.Generate(context.Background(), spec, dir, datastore.Options{ShardSize: 64})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d configurations in %d shards, targets by the %s route\n",
		res.Manifest.Counts.Configurations, res.Manifest.NumShards, res.Manifest.Targets.Route)

	st, err := datastore.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	input := make([]float32, spec.N*spec.N)
	target := make([]float32, spec.N*spec.N)
	k, err := st.Sample(150, input, target) // verifies shard 2 against the manifest first
	if err != nil {
		log.Fatal(err)
	}
	peak := float32(0)
	for _, v := range target {
		peak = max(peak, v)
	}
	fmt.Printf("configuration 150: %d sources, target maximum %g\n", k, peak)
	// Output:
	// 200 configurations in 4 shards, targets by the cpu route
	// configuration 150: 16 sources, target maximum 1
}
