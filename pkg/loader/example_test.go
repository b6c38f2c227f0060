package loader_test

import (
	"fmt"
	"log"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/loader"
)

// Load the 1.25% training subset of a data set, computing the targets on the fly with the CPU
// solver (datastore.Open gives a cache that works the same way).
func Example() {
	spec, err := dataset.New(dataset.Recipe2023, dataset.ScaleSmoke, 1)
	if err != nil {
		log.Fatal(err)
	}
	splits, err := spec.Split()
	if err != nil {
		log.Fatal(err)
	}
	subset, err := splits.Subset("train/80")
	if err != nil {
		log.Fatal(err)
	}
	src, err := datastore.NewGenerator(spec, datastore.TargetOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	l, err := loader.New(src, subset.Indices, loader.Options{BatchSize: 8, Shuffle: true, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	fmt.Printf("%s: %d configurations, %d batches per epoch\n", subset.Name, subset.Total, l.BatchesPerEpoch())
	_, inputs, labels, err := l.Yield() // what GoMLX's training loop calls
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("inputs:", inputs[0].Shape())
	fmt.Println("labels:", labels[0].Shape(), labels[1].Shape())
	// Output:
	// train/80: 20 configurations, 3 batches per epoch
	// inputs: (Float32)[8 32 32 1]
	// labels: (Float32)[8 32 32 1] (Int32)[8]
}
