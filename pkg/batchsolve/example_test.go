package batchsolve_test

import (
	"fmt"
	"log"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"

	"github.com/surrogo/surrogo/pkg/batchsolve"
	"github.com/surrogo/surrogo/solver"
)

// Solve a batch of two paper-style problems (relaxation model, fields normalized by their
// maximum) on GoMLX's pure-Go backend.
func ExampleSolver() {
	backend, err := backends.NewWithConfig(simplego.BackendName)
	if err != nil {
		log.Fatal(err)
	}
	const n = 64
	problems := []solver.Problem{
		solver.NewProblem(n, []solver.Source{{X: 20, Y: 30, R: 5, Value: 1}}),
		solver.NewProblem(n, []solver.Source{{X: 20, Y: 30, R: 5, Value: 1}, {X: 45, Y: 40, R: 5, Value: 0.5}}),
	}
	s, err := batchsolve.New(backend, n, solver.PaperD, solver.PaperGamma, solver.Relaxation,
		batchsolve.Options{Normalize: true})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Finalize()
	fields, stats, err := s.SolveProblems(problems)
	if err != nil {
		log.Fatal(err)
	}
	for i, f := range fields {
		fmt.Printf("problem %d: converged %v, c(row 30, col 20) = %.4f, c(row 40, col 45) = %.4f\n",
			i, stats.Converged[i], f[30*n+20], f[40*n+45])
	}
	// Output:
	// problem 0: converged true, c(row 30, col 20) = 1.0000, c(row 40, col 45) = 0.1036
	// problem 1: converged true, c(row 30, col 20) = 1.0000, c(row 40, col 45) = 0.5632
}
