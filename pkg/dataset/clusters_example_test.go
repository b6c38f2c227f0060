package dataset_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/surrogo/surrogo/pkg/dataset"
)

// Draw a cluster of four disks as the 2023 Fig. 15 does, check that it is one cluster, and
// count how often clusters occur in the configurations with 10 sources of the smoke-scale
// 2023 data set.
func ExampleClusterRecipe_Draw() {
	recipe := dataset.PaperClusterRecipe()
	src, err := recipe.Draw(rand.NewPCG(1, 2), 4)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range src {
		fmt.Printf("disk at x=%v y=%v r=%v value %.3f\n", s.X, s.Y, s.R, s.Value)
	}
	// Linked when the disks are less than one diffusion length (20 cells) apart.
	fmt.Println("cluster sizes:", dataset.ClusterSizes(src, 2*5+20))

	spec, err := dataset.New(dataset.Recipe2023, dataset.ScaleSmoke, 1)
	if err != nil {
		log.Fatal(err)
	}
	c, err := spec.CountClusters(10, spec.PerCount, spec.ClusterLink())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d configurations with %d sources on %d x %d, link %.1f cells: largest cluster %d\n",
		c.Configurations, c.Sources, spec.N, spec.N, c.Link, c.Largest)
	for s := 1; s <= 4; s++ {
		fmt.Printf("size %d: %.1f clusters per configuration, %.0f%% of the configurations have one of at least %d\n",
			s, c.Mean(s), 100*c.FractionAtLeast(s), s)
	}
	// Output:
	// disk at x=261 y=256 r=5 value 1.000
	// disk at x=249 y=246 r=5 value 0.184
	// disk at x=262 y=267 r=5 value 0.662
	// disk at x=250 y=260 r=5 value 0.445
	// cluster sizes: [4]
	// 10 configurations with 10 sources on 32 x 32, link 7.5 cells: largest cluster 8
	// size 1: 1.8 clusters per configuration, 100% of the configurations have one of at least 1
	// size 2: 1.2 clusters per configuration, 100% of the configurations have one of at least 2
	// size 3: 0.4 clusters per configuration, 100% of the configurations have one of at least 3
	// size 4: 0.4 clusters per configuration, 90% of the configurations have one of at least 4
}
