package dataset_test

import (
	"fmt"
	"log"

	"github.com/surrogo/surrogo/pkg/dataset"
)

// Build the 2023 data set at the smoke scale, look at one configuration and print the sizes
// of its parts and subsets.
func Example() {
	spec, err := dataset.New(dataset.Recipe2023, dataset.ScaleSmoke, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(spec.Len(), "configurations on a", spec.N, "x", spec.N, "lattice")

	i := spec.Index(3, 0) // the first configuration with 3 sources
	p, err := spec.Problem(i)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range p.Sources {
		fmt.Printf("disk at x=%v y=%v r=%v value %.3f\n", s.X, s.Y, s.R, s.Value)
	}

	splits, err := spec.Split()
	if err != nil {
		log.Fatal(err)
	}
	m := splits.Manifest()
	fmt.Println(m.Train.Total, "training and", m.Test.Total, "test configurations")
	for _, s := range m.TrainSubsets {
		fmt.Printf("%-8s %d per source count (nominal %.4g%%, actual %.4g%%)\n", s.Name, s.PerCount, 100*s.Nominal, 100*s.Fraction)
	}
	// Output:
	// 200 configurations on a 32 x 32 lattice
	// disk at x=23 y=13 r=1.25 value 1.000
	// disk at x=11 y=14 r=1.25 value 0.418
	// disk at x=24 y=23 r=1.25 value 0.956
	// 160 training and 40 test configurations
	// train/80 1 per source count (nominal 1.25%, actual 12.5%)
	// train/40 1 per source count (nominal 2.5%, actual 12.5%)
	// train/20 1 per source count (nominal 5%, actual 12.5%)
	// train/8  1 per source count (nominal 12.5%, actual 12.5%)
	// train/4  2 per source count (nominal 25%, actual 25%)
	// train/2  4 per source count (nominal 50%, actual 50%)
	// train    8 per source count (nominal 100%, actual 100%)
}

// List the smallest training subset (1.25%, codename prefix 80) and the three disjoint
// subsets of the Fig. 6 fluctuation study, on the 2023 cpu scale.
func ExampleSplits_TrainSubset() {
	spec, _ := dataset.New(dataset.Recipe2023, dataset.ScaleCPU, 1)
	splits, err := spec.Split()
	if err != nil {
		log.Fatal(err)
	}
	s80, _ := splits.TrainSubset(80)
	fmt.Println(s80.Name, s80.Total, "configurations:", s80.Indices[:5], "...")
	for _, i := range s80.Indices[:3] {
		fmt.Printf("configuration %d has %d sources\n", i, spec.NumSources(i))
	}
	sets, _ := splits.Disjoint(80, 3)
	for _, s := range sets {
		fmt.Println(s.Name, s.Indices[:4], "...")
	}
	// Output:
	// train/80 20 configurations: [2 163 267 346 472] ...
	// configuration 2 has 1 sources
	// configuration 163 has 2 sources
	// configuration 267 has 3 sources
	// train/80/A [2 163 267 346] ...
	// train/80/B [55 199 265 336] ...
	// train/80/C [69 146 241 350] ...
}
