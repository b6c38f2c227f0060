package solver

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// benchSources is the fixed configuration of the benchmarks: k disks of the papers' radius
// in the authors' random style, from seed 2023.
func benchSources(n, k int) []Source {
	return randomSources(rand.New(rand.NewPCG(2023, uint64(n*100+k))), n, k, PaperRadius)
}

// BenchmarkSolve times one solve to the default tolerance with the default number of
// workers (all cores), for the 2021 setup (N = 100, two sources) and the 2023 one
// (N = 512, ten sources), both models and both methods. Compare multigrid with jacobi-cg
// in the same run: the machine's load moves both.
func BenchmarkSolve(b *testing.B) {
	for _, c := range []struct{ n, k int }{{512, 10}, {100, 2}} {
		for _, model := range Models {
			for _, method := range Methods {
				name := fmt.Sprintf("N=%d/sources=%d/model=%s/method=%s", c.n, c.k, model, method)
				b.Run(name, func(b *testing.B) {
					p := NewProblem(c.n, benchSources(c.n, c.k))
					p.Model = model
					s, err := NewSolver(c.n, p.D, p.Gamma, Options{Method: method})
					if err != nil {
						b.Fatal(err)
					}
					field := make([]float64, c.n*c.n)
					var st Stats
					for b.Loop() {
						if st, err = s.SolveInto(field, p); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(st.Iterations), "iterations")
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/solve")
				})
			}
		}
	}
}

// BenchmarkThroughput times data-set generation: one single-worker Solver per core, each
// solving its own stream of problems; the reported ms/solve is wall time divided by all
// the solves.
func BenchmarkThroughput(b *testing.B) {
	for _, c := range []struct{ n, k int }{{512, 10}, {100, 2}} {
		b.Run(fmt.Sprintf("N=%d/sources=%d/model=relaxation/method=multigrid", c.n, c.k), func(b *testing.B) {
			cores := runtime.GOMAXPROCS(0)
			solvers := make([]*Solver, cores)
			for i := range solvers {
				s, err := NewSolver(c.n, PaperD, PaperGamma, Options{Workers: 1})
				if err != nil {
					b.Fatal(err)
				}
				solvers[i] = s
			}
			p := NewProblem(c.n, benchSources(c.n, c.k))
			b.ResetTimer()
			var wg sync.WaitGroup
			for i, s := range solvers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					field := make([]float64, c.n*c.n)
					for k := i; k < b.N; k += cores {
						if _, err := s.SolveInto(field, p); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/solve")
		})
	}
}
