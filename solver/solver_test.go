package solver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomSources returns k disks of radius r in the authors' style: integer centres with the
// disk fully inside the n x n lattice, the first of value 1 and the others uniform in (0, 1].
func randomSources(rng *rand.Rand, n, k int, r float64) []Source {
	lo, hi := int(math.Ceil(r)), n-1-int(math.Ceil(r))
	src := make([]Source, k)
	for i := range src {
		v := 1.0
		if i > 0 {
			v = 1 - rng.Float64()
		}
		src[i] = Source{X: float64(lo + rng.IntN(hi-lo+1)), Y: float64(lo + rng.IntN(hi-lo+1)), R: r, Value: v}
	}
	return src
}

// directSolve solves p's linear system by gonum's banded Cholesky factorization of the
// assembled matrix, independently of the solver, and returns the field, normalized when p asks for
// it.
func directSolve(t *testing.T, p Problem) []float64 {
	t.Helper()
	a, err := p.Input()
	if err != nil {
		t.Fatal(err)
	}
	n := p.N
	clamped := func(k int) bool { return p.Model == Clamped && a[k] > 0 }
	// Number the unknowns in row-major order: neighbours are at most n apart.
	idx := make([]int, n*n)
	dim := 0
	for k := range idx {
		idx[k] = -1
		if !clamped(k) {
			idx[k] = dim
			dim++
		}
	}
	A := mat.NewSymBandDense(dim, n, nil)
	b := make([]float64, dim)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			k := i*n + j
			u := idx[k]
			if u < 0 {
				continue
			}
			A.SetSymBand(u, u, p.Gamma+4*p.D)
			if p.Model == Relaxation {
				b[u] = p.Gamma * a[k]
			}
			for _, o := range [][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
				ii, jj := i+o[0], j+o[1]
				if ii < 0 || ii >= n || jj < 0 || jj >= n {
					continue // absorbing boundary: ghost value 0
				}
				kk := ii*n + jj
				if v := idx[kk]; v < 0 {
					b[u] += p.D * a[kk] // clamped neighbour
				} else if v < u {
					A.SetSymBand(u, v, -p.D)
				}
			}
		}
	}
	var chol mat.BandCholesky
	if !chol.Factorize(A) {
		t.Fatalf("band Cholesky: matrix of %d unknowns is not positive definite", dim)
	}
	xv := mat.NewVecDense(dim, nil)
	if err := chol.SolveVecTo(xv, mat.NewVecDense(dim, b)); err != nil {
		t.Fatalf("band Cholesky solve: %v", err)
	}
	x := xv.RawVector().Data
	field := make([]float64, n*n)
	top := 0.0
	for k := range field {
		if idx[k] >= 0 {
			field[k] = x[idx[k]]
		} else {
			field[k] = a[k]
		}
		top = math.Max(top, field[k])
	}
	if p.Normalize {
		for k := range field {
			field[k] /= top
		}
	}
	return field
}

// maxRelDiff returns max |u - v| / max |v|.
func maxRelDiff(u, v []float64) float64 {
	d, m := 0.0, 0.0
	for i := range u {
		d = math.Max(d, math.Abs(u[i]-v[i]))
		m = math.Max(m, math.Abs(v[i]))
	}
	return d / m
}

func TestAgreesWithDirectSolve(t *testing.T) {
	layouts := []struct {
		name    string
		n       int
		d, g    float64
		sources []Source
	}{
		{"centred", 8, 1, 0.0025, []Source{{X: 3, Y: 4, R: 2, Value: 1}}},
		{"two", 12, 1, 0.0025, []Source{{X: 3, Y: 3, R: 2, Value: 1}, {X: 8, Y: 7, R: 3, Value: 0.4}}},
		{"odd-overlap", 13, 0.7, 0.05, []Source{{X: 5, Y: 6, R: 3, Value: 0.6}, {X: 7, Y: 6, R: 2.5, Value: 0.8}}},
		{"edges", 17, 2, 0.01, []Source{{X: 1, Y: 1, R: 1, Value: 0.3}, {X: 14.5, Y: 8, R: 1.5, Value: 1}, {X: 15, Y: 15, R: 1, Value: 0.2}, {X: 8.5, Y: 15, R: 1, Value: 0.5}}},
		{"random", 23, 1, 0.0025, randomSources(rand.New(rand.NewPCG(7, 7)), 23, 4, 3)},
		{"random-even", 24, 1, 0.2, randomSources(rand.New(rand.NewPCG(8, 8)), 24, 3, 2)},
	}
	for _, lay := range layouts {
		for _, model := range Models {
			for _, norm := range []bool{false, true} {
				p := Problem{N: lay.n, D: lay.d, Gamma: lay.g, Model: model, Normalize: norm, Sources: lay.sources}
				want := directSolve(t, p)
				for _, method := range Methods {
					name := fmt.Sprintf("%s/%s/normalize=%v/%s", lay.name, model, norm, method)
					res, err := Solve(p, Options{Tol: 1e-12, Method: method})
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if d := maxRelDiff(res.Field, want); d > 1e-8 {
						t.Errorf("%s: max relative difference to the direct solve %.3g > 1e-8", name, d)
					}
				}
			}
		}
	}
	// The clamped model also accepts gamma = 0 (pure Laplace).
	p := Problem{N: 16, D: 1, Gamma: 0, Model: Clamped, Sources: []Source{{X: 6, Y: 9, R: 3, Value: 1}}}
	want := directSolve(t, p)
	for _, method := range Methods {
		res, err := Solve(p, Options{Tol: 1e-12, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if d := maxRelDiff(res.Field, want); d > 1e-8 {
			t.Errorf("laplace/%s: max relative difference %.3g > 1e-8", method, d)
		}
	}
}

// TestSuperposition checks the linearity of the relaxation model without normalization:
// with disjoint disks and equal maxima, the input image of A u B is the sum of those of A
// and B, and so must be the fields.
func TestSuperposition(t *testing.T) {
	srcA := []Source{{X: 20, Y: 20, R: 5, Value: 1}, {X: 60, Y: 30, R: 5, Value: 0.4}}
	srcB := []Source{{X: 40, Y: 70, R: 5, Value: 1}, {X: 80, Y: 80, R: 4, Value: 0.7}, {X: 15, Y: 85, R: 3, Value: 0.2}}
	solve := func(src []Source) []float64 {
		p := Problem{N: 100, D: 1, Gamma: 1.0 / 400, Model: Relaxation, Sources: src}
		res, err := Solve(p, Options{Tol: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		if res.Scale != 1 {
			t.Fatalf("unnormalized solve has scale %v", res.Scale)
		}
		return res.Field
	}
	a, b := solve(srcA), solve(srcB)
	ab := solve(append(append([]Source{}, srcA...), srcB...))
	sum := make([]float64, len(a))
	for i := range sum {
		sum[i] = a[i] + b[i]
	}
	if d := maxRelDiff(ab, sum); d > 1e-9 {
		t.Errorf("field(A u B) - field(A) - field(B): max relative difference %.3g > 1e-9", d)
	}
	// The fields are not trivially additive: B's field is not negligible where A's is large.
	if d := maxRelDiff(ab, a); d < 0.1 {
		t.Errorf("field(A u B) is too close to field(A) (%.3g) for a meaningful test", d)
	}
	// Scaling every value leaves the input image, hence the field, unchanged.
	scaled := make([]Source, len(srcB))
	for i, s := range srcB {
		s.Value *= 0.3
		scaled[i] = s
	}
	if d := maxRelDiff(solve(scaled), b); d > 1e-9 {
		t.Errorf("scaling the source values changed the field by %.3g", d)
	}
}

// TestMirrorSymmetry flips the configuration left-right, up-down and about the diagonal
// (odd and even N: the coarse grids are not symmetric for odd N) and expects the field to
// flip accordingly.
func TestMirrorSymmetry(t *testing.T) {
	type mirror struct {
		name string
		src  func(n int, s Source) Source
		cell func(n, i, j int) (int, int) // image of cell (i, j)
	}
	mirrors := []mirror{
		{"left-right", func(n int, s Source) Source { s.X = float64(n-1) - s.X; return s },
			func(n, i, j int) (int, int) { return i, n - 1 - j }},
		{"up-down", func(n int, s Source) Source { s.Y = float64(n-1) - s.Y; return s },
			func(n, i, j int) (int, int) { return n - 1 - i, j }},
		{"transpose", func(n int, s Source) Source { s.X, s.Y = s.Y, s.X; return s },
			func(n, i, j int) (int, int) { return j, i }},
	}
	for _, n := range []int{37, 48} {
		src := randomSources(rand.New(rand.NewPCG(uint64(n), 3)), n, 5, 3)
		for _, model := range Models {
			p := Problem{N: n, D: 1, Gamma: 1.0 / 400, Model: model, Normalize: true, Sources: src}
			base, err := Solve(p, Options{Tol: 1e-12})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mirrors {
				q := p
				q.Sources = make([]Source, len(src))
				for i, s := range src {
					q.Sources[i] = m.src(n, s)
				}
				res, err := Solve(q, Options{Tol: 1e-12})
				if err != nil {
					t.Fatal(err)
				}
				worst := 0.0
				for i := 0; i < n; i++ {
					for j := 0; j < n; j++ {
						ii, jj := m.cell(n, i, j)
						worst = math.Max(worst, math.Abs(res.Field[ii*n+jj]-base.Field[i*n+j]))
					}
				}
				if worst > 1e-9 {
					t.Errorf("n=%d %s %s: mirrored field differs by %.3g", n, model, m.name, worst)
				}
			}
		}
	}
}

// TestResidualMeetsTolerance checks, with the independent Residual function, that the
// returned field solves the system to the requested tolerance.
func TestResidualMeetsTolerance(t *testing.T) {
	for _, n := range []int{100, 512} {
		src := randomSources(rand.New(rand.NewPCG(uint64(n), 5)), n, 10, 5)
		for _, model := range Models {
			for _, method := range Methods {
				p := NewProblem(n, src)
				p.Model = model
				res, err := Solve(p, Options{Method: method})
				if err != nil {
					t.Fatalf("n=%d %s %s: %v", n, model, method, err)
				}
				un := make([]float64, len(res.Field))
				for i, v := range res.Field {
					un[i] = v * res.Scale
				}
				r, err := Residual(p, un)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("n=%d %s %s: %d iterations, residual %.3g (reported %.3g), %v",
					n, model, method, res.Iterations, r, res.Residual, res.Elapsed)
				if r > DefaultTol {
					t.Errorf("n=%d %s %s: relative residual %.3g > %g", n, model, method, r, DefaultTol)
				}
				if math.Abs(r-res.Residual) > 1e-3*r {
					t.Errorf("n=%d %s %s: reported residual %.6g, recomputed %.6g", n, model, method, res.Residual, r)
				}
				if model == Clamped && res.Scale != 1 {
					t.Errorf("n=%d clamped: scale %v, want 1 (maximum principle)", n, res.Scale)
				}
			}
		}
	}
}

func TestResidualOfWrongField(t *testing.T) {
	p := NewProblem(16, []Source{{X: 8, Y: 8, R: 3, Value: 1}})
	for _, model := range Models {
		p.Model = model
		res, err := Solve(p, Options{Tol: 1e-10})
		if err != nil {
			t.Fatal(err)
		}
		un := make([]float64, len(res.Field))
		for i, v := range res.Field {
			un[i] = v * res.Scale
		}
		un[5*16+5] += 0.01 // a free cell
		if r, _ := Residual(p, un); r < 1e-3 {
			t.Errorf("%s: perturbed field has residual %.3g", model, r)
		}
		if model == Clamped {
			un[5*16+5] -= 0.01
			un[8*16+8] = 0.5 // a clamped cell
			if r, _ := Residual(p, un); r < 1e-2 {
				t.Errorf("clamped: a wrong clamped value gives residual %.3g", r)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	good := func() Problem {
		return NewProblem(32, []Source{{X: 10, Y: 12, R: 5, Value: 1}})
	}
	cases := []struct {
		name  string
		edit  func(p *Problem)
		field string
	}{
		{"small lattice", func(p *Problem) { p.N = 7 }, "n:"},
		{"zero D", func(p *Problem) { p.D = 0 }, "d:"},
		{"negative D", func(p *Problem) { p.D = -1 }, "d:"},
		{"NaN D", func(p *Problem) { p.D = math.NaN() }, "d:"},
		{"negative gamma", func(p *Problem) { p.Gamma = -0.1 }, "gamma:"},
		{"relaxation without decay", func(p *Problem) { p.Gamma = 0 }, "gamma:"},
		{"zero radius", func(p *Problem) { p.Sources[0].R = 0 }, "sources[0].r"},
		{"negative radius", func(p *Problem) { p.Sources[0].R = -2 }, "sources[0].r"},
		{"disk outside left", func(p *Problem) { p.Sources[0].X = 4 }, "sources[0]:"},
		{"disk outside bottom", func(p *Problem) { p.Sources[0].Y = 27 }, "sources[0]:"},
		{"NaN value", func(p *Problem) { p.Sources[0].Value = math.NaN() }, "sources[0].value"},
		{"negative value", func(p *Problem) { p.Sources[0].Value = -1 }, "sources[0].value"},
		{"NaN centre", func(p *Problem) { p.Sources[0].X = math.NaN() }, "sources[0].x/y"},
		{"no sources", func(p *Problem) { p.Sources = nil }, "sources:"},
		{"all values zero", func(p *Problem) { p.Sources[0].Value = 0 }, "sources:"},
		{"unknown model", func(p *Problem) { p.Model = "diffusive" }, "model:"},
	}
	for _, c := range cases {
		p := good()
		c.edit(&p)
		_, err := Solve(p, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), c.field) {
			t.Errorf("%s: error %v, want one starting with %q", c.name, err, c.field)
		}
	}
	opts := []struct {
		opt   Options
		field string
	}{
		{Options{Tol: -1}, "tol:"},
		{Options{Tol: math.NaN()}, "tol:"},
		{Options{Tol: 1}, "tol:"},
		{Options{MaxIter: -1}, "maxiter:"},
		{Options{Workers: -1}, "workers:"},
		{Options{Method: "sor"}, "method:"},
	}
	for _, c := range opts {
		if _, err := Solve(good(), c.opt); err == nil || !strings.HasPrefix(err.Error(), c.field) {
			t.Errorf("options %+v: error %v, want one starting with %q", c.opt, err, c.field)
		}
	}
	s, err := NewSolver(32, PaperD, PaperGamma, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mismatch := []struct {
		edit  func(p *Problem)
		field string
	}{
		{func(p *Problem) { p.N = 33 }, "n:"},
		{func(p *Problem) { p.D = 2 }, "d:"},
		{func(p *Problem) { p.Gamma = 0.1 }, "gamma:"},
	}
	for _, c := range mismatch {
		p := good()
		c.edit(&p)
		if _, err := s.Solve(p); err == nil || !strings.HasPrefix(err.Error(), c.field) {
			t.Errorf("solver mismatch: error %v, want one starting with %q", err, c.field)
		}
	}
	if _, err := s.SolveInto(make([]float64, 10), good()); err == nil || !strings.HasPrefix(err.Error(), "field:") {
		t.Errorf("short field: error %v, want one starting with \"field:\"", err)
	}
	if _, err := NewSolver(4, 1, 0.1, Options{}); err == nil || !strings.HasPrefix(err.Error(), "n:") {
		t.Errorf("NewSolver(4): error %v, want one starting with \"n:\"", err)
	}
}

func TestNotConverged(t *testing.T) {
	p := NewProblem(64, []Source{{X: 30, Y: 30, R: 5, Value: 1}})
	for _, method := range Methods {
		_, err := Solve(p, Options{Method: method, Tol: 1e-12, MaxIter: 2})
		if err == nil || !strings.Contains(err.Error(), "not converged within maxiter = 2") {
			t.Errorf("%s: error %v, want a not-converged error", method, err)
		}
	}
}

// TestSolverReuse checks that a Solver carries no state from one solve to the next, across
// models, and that SolveInto allocates nothing.
func TestSolverReuse(t *testing.T) {
	n := 64
	rng := rand.New(rand.NewPCG(11, 11))
	p1 := NewProblem(n, randomSources(rng, n, 3, 5))
	p2 := NewProblem(n, randomSources(rng, n, 6, 4))
	p2.Model = Clamped
	for _, method := range Methods {
		for _, workers := range []int{1, 2} {
			s, err := NewSolver(n, PaperD, PaperGamma, Options{Method: method, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			first, err := s.Solve(p1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Solve(p2); err != nil {
				t.Fatal(err)
			}
			again, err := s.Solve(p1)
			if err != nil {
				t.Fatal(err)
			}
			for i := range first.Field {
				if first.Field[i] != again.Field[i] {
					t.Fatalf("%s workers=%d: re-solving p1 after p2 changed cell %d: %v vs %v",
						method, workers, i, first.Field[i], again.Field[i])
				}
			}
			fresh, err := Solve(p2, Options{Method: method, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.SolveInto(first.Field, p2)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxRelDiff(first.Field, fresh.Field); d != 0 || st.Iterations != fresh.Iterations {
				t.Errorf("%s workers=%d: reused solver differs from a fresh one by %.3g", method, workers, d)
			}
			if workers == 1 {
				allocs := testing.AllocsPerRun(3, func() {
					if _, err := s.SolveInto(first.Field, p1); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s: SolveInto allocates %v times per solve", method, allocs)
				}
			}
		}
	}
}

// TestWorkersAgree checks that splitting a solve between goroutines changes nothing but the
// rounding of the dot products.
func TestWorkersAgree(t *testing.T) {
	for _, n := range []int{130, 257} {
		src := randomSources(rand.New(rand.NewPCG(uint64(n), 9)), n, 8, 5)
		for _, model := range Models {
			p := NewProblem(n, src)
			p.Model = model
			ref, err := Solve(p, Options{Workers: 1, Tol: 1e-10})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []int{2, 3, 5} {
				res, err := Solve(p, Options{Workers: w, Tol: 1e-10})
				if err != nil {
					t.Fatal(err)
				}
				if d := maxRelDiff(res.Field, ref.Field); d > 1e-8 || res.Iterations != ref.Iterations {
					t.Errorf("n=%d %s workers=%d: %d iterations (1 worker: %d), fields differ by %.3g",
						n, model, w, res.Iterations, ref.Iterations, d)
				}
			}
		}
	}
}

func TestParseMethod(t *testing.T) {
	for _, m := range Methods {
		if got, err := ParseMethod(strings.ToUpper(string(m))); err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %q, %v", m, got, err)
		}
	}
	if _, err := ParseMethod("gmres"); err == nil {
		t.Error("ParseMethod(gmres): no error")
	}
}
