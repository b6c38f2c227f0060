package solver

import (
	"math"
	"math/rand/v2"
	"testing"
)

// hierarchy returns a multigrid hierarchy for an n x n lattice run by one worker.
func hierarchy(n int, d, gamma float64) *multigrid {
	var t team
	t.init(1)
	return newMultigrid(n, d, gamma, 1, &t)
}

func dot(u, v []float64) float64 {
	s := 0.0
	for i := range u {
		s += u[i] * v[i]
	}
	return s
}

// TestTransferTranspose checks that the restriction is the transpose of the prolongation
// (<P v, u> = <v, P^T u>), which the symmetry of the preconditioner rests on.
func TestTransferTranspose(t *testing.T) {
	for _, n := range []int{8, 9, 13, 25, 100, 37} {
		mg := hierarchy(n, 1, 0.01)
		rng := rand.New(rand.NewPCG(uint64(n), 2))
		for l := 0; l+1 < len(mg.levels); l++ {
			f, c := mg.levels[l], mg.levels[l+1]
			if f.b == nil {
				f.b = make([]float64, f.s*f.s)
			}
			// u on the red cells of f (the restriction sees red residuals only), v on c.
			u := make([]float64, f.s*f.s)
			for i := 0; i < f.n; i++ {
				for j := i & 1; j < f.n; j += 2 {
					u[(i+1)*f.s+j+1] = rng.NormFloat64()
				}
			}
			v := make([]float64, c.s*c.s)
			for i := 0; i < c.n; i++ {
				for j := 0; j < c.n; j++ {
					v[(i+1)*c.s+j+1] = rng.NormFloat64()
				}
			}
			// P v: prolong into a zero fine correction.
			clear(f.x)
			copy(c.x, v)
			pr := f.prolongStage(c)
			for i := 0; i < f.n; i++ {
				pr.run(0, i)
			}
			pv := append([]float64(nil), f.x...)
			// P^T u: restrict the residual b - A x with x = 0 and b = u.
			clear(f.x)
			copy(f.b, u)
			f.resetCache()
			rs := f.restrictStage(c)
			for i := 0; i < f.n; i++ {
				rs.run(0, i)
			}
			lhs, rhs := dot(pv, u), dot(v, c.b)
			if math.Abs(lhs-rhs) > 1e-12*(math.Abs(lhs)+1) {
				t.Errorf("n=%d level %d: <Pv,u> = %.15g, <v,P^T u> = %.15g", n, l, lhs, rhs)
			}
		}
	}
}

// precondition returns M r for the level-0 vector r (padded; zero on clamped cells) of a
// solver set up for p.
func precondition(t *testing.T, s *Solver, p Problem, r []float64) []float64 {
	t.Helper()
	if err := s.setup(p); err != nil {
		t.Fatal(err)
	}
	a := &s.cgArg
	a.alpha, a.first = 0, false
	a.m = nil
	if s.masked {
		a.m = s.mask
	}
	copy(s.r, r)
	s.team.start()
	s.mg.levels[0].resetCache()
	a.pre.run()
	s.mg.vcycle(1)
	a.post.run()
	s.team.stop()
	s.sum()
	return append([]float64(nil), a.z...)
}

// TestPreconditionerSymmetric checks <M r1, r2> = <r1, M r2> for the V-cycle, and that the
// banded, pipelined execution with any number of workers gives bit for bit the result of
// one worker (red-black updates do not depend on the order within a color).
func TestPreconditionerSymmetric(t *testing.T) {
	for _, n := range []int{33, 130, 257} {
		rng := rand.New(rand.NewPCG(uint64(n), 4))
		src := randomSources(rng, n, 6, 4)
		for _, model := range Models {
			p := NewProblem(n, src)
			p.Model = model
			var ref [2][]float64
			for _, workers := range []int{1, 2, 3, 4} {
				s, err := NewSolver(n, p.D, p.Gamma, Options{Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.setup(p); err != nil {
					t.Fatal(err)
				}
				var r [2][]float64
				rng := rand.New(rand.NewPCG(1, 2))
				for k := range r {
					r[k] = make([]float64, len(s.r))
					for i := 0; i < n; i++ {
						for j := 0; j < n; j++ {
							c := (i+1)*(n+2) + j + 1
							if !s.masked || s.mask[c] != 0 {
								r[k][c] = rng.NormFloat64()
							}
						}
					}
				}
				m0 := precondition(t, s, p, r[0])
				m1 := precondition(t, s, p, r[1])
				a, b := dot(m0, r[1]), dot(r[0], m1)
				if math.Abs(a-b) > 1e-12*math.Abs(a) {
					t.Errorf("n=%d %s workers=%d: <M r0, r1> = %.15g, <r0, M r1> = %.15g", n, model, workers, a, b)
				}
				if q := dot(m0, r[0]); !(q > 0) {
					t.Errorf("n=%d %s workers=%d: <M r, r> = %v is not positive", n, model, workers, q)
				}
				if workers == 1 {
					ref = [2][]float64{m0, m1}
					continue
				}
				for i := range m0 {
					if m0[i] != ref[0][i] || m1[i] != ref[1][i] {
						t.Fatalf("n=%d %s workers=%d: V-cycle differs from one worker's at %d", n, model, workers, i)
					}
				}
			}
		}
	}
}

// TestHoleRule checks that the default treatment of clamped cells on coarse levels beats
// ignoring them, and logs the iteration counts of the three rules.
func TestHoleRule(t *testing.T) {
	n := 100
	p := NewProblem(n, randomSources(rand.New(rand.NewPCG(3, 3)), n, 10, 5))
	p.Model = Clamped
	iters := map[holeRule]int{}
	for _, rule := range []holeRule{holesHalf, holesAll, holesIgnore} {
		s, err := NewSolver(n, p.D, p.Gamma, Options{Tol: 1e-10})
		if err != nil {
			t.Fatal(err)
		}
		s.mg.holes = rule
		res, err := s.Solve(p)
		if err != nil {
			t.Fatal(err)
		}
		iters[rule] = res.Iterations
	}
	t.Logf("iterations to 1e-10: half %d, all %d, ignore %d", iters[holesHalf], iters[holesAll], iters[holesIgnore])
	if iters[holesHalf] > iters[holesAll] || iters[holesHalf] >= iters[holesIgnore] {
		t.Errorf("default hole rule is not the best: %v", iters)
	}
}

// TestProlongLinear checks that the interpolation reproduces functions linear in the cell
// centres away from the boundary, on uniform and on narrow last cells.
func TestProlongLinear(t *testing.T) {
	for _, n := range []int{16, 25, 100} {
		mg := hierarchy(n, 1, 0.01)
		for l := 0; l+1 < len(mg.levels); l++ {
			f, c := mg.levels[l], mg.levels[l+1]
			fc, cc := f.centres(), c.centres()
			lin := func(y, x float64) float64 { return 0.3 + 0.7*x - 1.1*y }
			clear(c.x)
			for I := 0; I < c.n; I++ {
				for J := 0; J < c.n; J++ {
					c.x[(I+1)*c.s+J+1] = lin(cc[I], cc[J])
				}
			}
			clear(f.x)
			pr := f.prolongStage(c)
			for i := 0; i < f.n; i++ {
				pr.run(0, i)
			}
			// Interior fine cells: both interpolation partners are coarse cells.
			for i := 1; i < f.n-2; i++ {
				for j := 1; j < f.n-2; j++ {
					if (i>>1)+1 >= c.n || (j>>1)+1 >= c.n {
						continue
					}
					got, want := f.x[(i+1)*f.s+j+1], lin(fc[i], fc[j])
					if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
						t.Fatalf("n=%d level %d cell (%d,%d): %v, want %v", n, l, i, j, got, want)
					}
				}
			}
		}
	}
}
