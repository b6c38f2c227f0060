package solver_test

import (
	"fmt"

	"github.com/surrogo/surrogo/solver"
)

// Solve the 2021 paper's setting: a 100 x 100 lattice with two disks of radius 5, the
// papers' physics (D = 1, gamma = 1/400) and the relaxation model normalized by the
// maximum, then the same configuration with the disks clamped.
func ExampleSolve() {
	sources := []solver.Source{
		{X: 30, Y: 40, R: 5, Value: 1},
		{X: 70, Y: 60, R: 5, Value: 0.5},
	}
	p := solver.NewProblem(100, sources)
	res, err := solver.Solve(p, solver.Options{Tol: 1e-10})
	if err != nil {
		fmt.Println(err)
		return
	}
	at := func(x, y int) float64 { return res.Field[y*p.N+x] }
	fmt.Printf("%s, %s, residual below 1e-10: %v\n", p.Model, res.Method, res.Residual <= 1e-10)
	fmt.Printf("centres %.4f %.4f, midway %.4f, corner %.6f\n", at(30, 40), at(70, 60), at(50, 50), at(0, 0))

	p.Model = solver.Clamped
	if res, err = solver.Solve(p, solver.Options{Tol: 1e-10}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: centres %.4f %.4f, midway %.4f, corner %.6f\n", p.Model, at(30, 40), at(70, 60), at(50, 50), at(0, 0))
	// Output:
	// relaxation, multigrid, residual below 1e-10: true
	// centres 1.0000 0.5275, midway 0.2558, corner 0.000274
	// clamped: centres 1.0000 0.5000, midway 0.3112, corner 0.000347
}

// Generate targets for a stream of configurations with one reusable Solver (one per core,
// Workers = 1, in a real data-set generator): SolveInto writes into a caller's buffer and
// allocates nothing.
func ExampleSolver_SolveInto() {
	s, err := solver.NewSolver(64, solver.PaperD, solver.PaperGamma, solver.Options{Workers: 1, Tol: 1e-10})
	if err != nil {
		fmt.Println(err)
		return
	}
	field := make([]float64, 64*64)
	for _, x := range []float64{10, 20, 32} {
		p := solver.NewProblem(64, []solver.Source{{X: x, Y: 32, R: 5, Value: 1}})
		st, err := s.SolveInto(field, p)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("disk at x=%2.0f: field at (40, 32) = %.4f, unnormalized maximum %.4f\n", x, field[32*64+40], st.Scale)
	}
	// Output:
	// disk at x=10: field at (40, 32) = 0.0842, unnormalized maximum 0.0528
	// disk at x=20: field at (40, 32) = 0.1866, unnormalized maximum 0.0606
	// disk at x=32: field at (40, 32) = 0.5369, unnormalized maximum 0.0622
}
