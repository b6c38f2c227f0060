package batchsolve

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/surrogo/surrogo/solver"
)

// benchBatches returns the batch sizes of BenchmarkBatchSolve: $SURROGO_BENCH_BATCH (a
// comma-separated list) if set, else 4 on the pure-Go backend and 64 and 256 elsewhere.
func benchBatches(tb testing.TB, be backends.Backend) []int {
	if env := os.Getenv("SURROGO_BENCH_BATCH"); env != "" {
		var out []int
		for _, f := range strings.Split(env, ",") {
			b, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || b <= 0 {
				tb.Fatalf("SURROGO_BENCH_BATCH=%q: %q is not a positive integer", env, f)
			}
			out = append(out, b)
		}
		return out
	}
	if _, pureGo := be.(*simplego.Backend); pureGo {
		return []int{4}
	}
	return []int{64, 256}
}

// BenchmarkBatchSolve measures steady-state throughput (solves/s) of batched solves of
// paper-like problems (radius-5 disks, 1 to 20 sources, D = 1, gamma = 1/400, tolerance
// 1e-6 on the relative residual) whose input images already live on the device; the fields
// stay there. The backend comes from $GOMLX_BACKEND (pure Go when unset), so the same test
// binary runs on CUDA:
//
//	go test -c -o bin/batchsolve.test ./pkg/batchsolve
//	GOMLX_BACKEND=stablehlo:cuda ./bin/batchsolve.test -test.run '^$' -test.bench 'BatchSolve/.*/.*/N=512'
func BenchmarkBatchSolve(b *testing.B) {
	be := newBackend(b)
	for _, model := range solver.Models {
		for _, method := range Methods {
			for _, n := range []int{100, 512} {
				for _, batch := range benchBatches(b, be) {
					for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
						name := fmt.Sprintf("%s/%s/N=%d/B=%d/%s", model, method, n, batch, strings.ToLower(dt.String()))
						b.Run(name, func(b *testing.B) { benchSolve(b, model, method, n, batch, dt) })
					}
				}
			}
		}
	}
}

func benchSolve(b *testing.B, model solver.SourceModel, method Method, n, batch int, dt dtypes.DType) {
	be := newBackend(b)
	s, err := New(be, n, solver.PaperD, solver.PaperGamma, model, Options{Method: method, DType: dt, Tol: 1e-6, Normalize: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Finalize()
	counts := make([]int, 20)
	for i := range counts {
		counts[i] = i + 1
	}
	inputs, err := s.Inputs(paperProblems(uint64(n), n, batch, solver.PaperRadius, counts, model, true))
	if err != nil {
		b.Fatal(err)
	}
	a := s.hostTensor(inputs, batch)
	if err := a.MaterializeOnDevice(be, false, 0); err != nil {
		b.Fatal(err)
	}
	defer a.MustFinalizeAll()
	run := func() *Stats {
		c, st, err := s.SolveTensor(a)
		if err != nil {
			b.Fatal(err)
		}
		c.MustFinalizeAll()
		return st
	}
	t0 := time.Now()
	st := run() // compiles the graphs
	compile := time.Since(t0)
	b.ResetTimer()
	calls := 0
	for b.Loop() {
		st = run()
		calls++
	}
	b.ReportMetric(float64(batch*calls)/b.Elapsed().Seconds(), "solves/s")
	iters := 0
	for _, it := range st.Iterations {
		iters += it
	}
	b.ReportMetric(float64(iters)/float64(batch), "iters/solve")
	b.ReportMetric(compile.Seconds(), "first-call-s")
}
