package datastore

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/dataset"
)

// BenchmarkTargets measures the throughput (solves/s) of target generation by each route on
// configurations of the 2023 recipe (1 to 20 sources of radius 5, relaxation model,
// normalized, DefaultTol): RouteCPU with one solver per core (GOMAXPROCS workers, Workers = 1
// each), and RouteBatched on the backend of $GOMLX_BACKEND (the extended pure-Go backend when
// unset) in batches of 4. One operation solves 8 configurations with 1, 3, 6, 9, 12, 15, 18
// and 20 sources; inputs are rasterized and fields converted as for a cache, nothing is
// written.
//
//	go test -run '^$' -bench 'Targets/.*/N=512' -benchtime 3x -count 3 ./pkg/datastore
func BenchmarkTargets(b *testing.B) {
	for _, route := range []Route{RouteCPU, RouteBatched} {
		for _, n := range []int{100, 512} {
			b.Run(fmt.Sprintf("route=%s/N=%d", route, n), func(b *testing.B) { benchTargets(b, route, n) })
		}
	}
}

func benchTargets(b *testing.B, route Route, n int) {
	spec, err := dataset.Custom(1, n, 5, 1, 20, 10)
	if err != nil {
		b.Fatal(err)
	}
	var indices []int
	for _, k := range []int{1, 3, 6, 9, 12, 15, 18, 20} {
		indices = append(indices, spec.Index(k, 0))
	}
	opt := TargetOptions{Route: route}
	if route == RouteBatched {
		opt.Batch = 4
		be, err := backend.New()
		if err != nil {
			b.Fatal(err)
		}
		defer be.Finalize()
		opt.Backend = be
		b.Logf("backend: %s", backend.Describe(be))
	} else {
		b.Logf("workers: %d (GOMAXPROCS), %d CPUs", runtime.GOMAXPROCS(0), runtime.NumCPU())
	}
	g, err := NewGenerator(spec, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	nn := n * n
	in, tg, ns := make([]float32, len(indices)*nn), make([]float32, len(indices)*nn), make([]int32, len(indices))
	if route == RouteBatched { // compile the graphs outside the timing
		if err := g.Fill(indices[:4], in[:4*nn], tg[:4*nn], ns[:4]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := g.Fill(indices, in, tg, ns); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(indices))/time.Since(start).Seconds(), "solves/s")
}
