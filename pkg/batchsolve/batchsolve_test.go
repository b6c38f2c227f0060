package batchsolve

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/surrogo/surrogo/solver"
)

var (
	backendOnce sync.Once
	testBackend backends.Backend
	backendErr  error
)

// newBackend returns the backend named by $GOMLX_BACKEND, or GoMLX's stock pure-Go backend
// when it is unset: the same test binary runs on CUDA with GOMLX_BACKEND=stablehlo:cuda.
func newBackend(tb testing.TB) backends.Backend {
	tb.Helper()
	backendOnce.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				backendErr = fmt.Errorf("%v", r)
			}
		}()
		if os.Getenv(backends.ConfigEnvVar) == "" {
			testBackend, backendErr = backends.NewWithConfig(simplego.BackendName)
			return
		}
		testBackend, backendErr = backends.New()
	})
	if backendErr != nil {
		tb.Fatalf("backend from %s=%q: %v", backends.ConfigEnvVar, os.Getenv(backends.ConfigEnvVar), backendErr)
	}
	return testBackend
}

// paperProblems draws count problems like the 2023 paper's data: disks of radius r with
// integer centres fully inside the lattice, the first of value 1 and the others uniform in
// (0, 1]; the number of sources cycles through counts.
func paperProblems(seed uint64, n, count int, r float64, counts []int, model solver.SourceModel, normalize bool) []solver.Problem {
	rng := rand.New(rand.NewPCG(seed, 7))
	lo, hi := int(math.Ceil(r)), n-1-int(math.Ceil(r))
	ps := make([]solver.Problem, count)
	for i := range ps {
		src := make([]solver.Source, counts[i%len(counts)])
		for j := range src {
			v := 1.0
			if j > 0 {
				v = 1 - rng.Float64()
			}
			src[j] = solver.Source{X: float64(lo + rng.IntN(hi-lo+1)), Y: float64(lo + rng.IntN(hi-lo+1)), R: r, Value: v}
		}
		ps[i] = solver.Problem{N: n, D: solver.PaperD, Gamma: solver.PaperGamma, Model: model, Normalize: normalize, Sources: src}
	}
	return ps
}

// reference solves p with the CPU ground-truth solver to a tight tolerance.
func reference(t *testing.T, p solver.Problem) []float64 {
	t.Helper()
	res, err := solver.Solve(p, solver.Options{Tol: 1e-11})
	if err != nil {
		t.Fatalf("solver.Solve: %v", err)
	}
	return res.Field
}

// relMaxErr returns max|c - ref| / max|ref|.
func relMaxErr(c, ref []float64) float64 {
	e, m := 0.0, 0.0
	for i := range ref {
		e = math.Max(e, math.Abs(c[i]-ref[i]))
		m = math.Max(m, math.Abs(ref[i]))
	}
	return e / m
}

// TestAgreesWithSolver compares every model, method and dtype with solver.Solve (CPU,
// float64) on a batch of paper-like problems: max|c - c_ref| / max|c_ref| must be below
// 1e-8 in float64 and 1e-5 in float32.
func TestAgreesWithSolver(t *testing.T) {
	be := newBackend(t)
	tests := []struct {
		n      int
		method Method
		dtype  dtypes.DType
		bound  float64
	}{
		{100, Multigrid, dtypes.Float64, 1e-8},
		{100, Multigrid, dtypes.Float32, 1e-5},
		{100, Spectral, dtypes.Float64, 1e-8},
		{100, Spectral, dtypes.Float32, 1e-5},
		{37, Multigrid, dtypes.Float64, 1e-8},
		{37, Spectral, dtypes.Float32, 1e-5},
	}
	for _, model := range solver.Models {
		for _, n := range []int{100, 37} {
			ps := paperProblems(uint64(n), n, 5, 5, []int{1, 2, 5, 12, 20}, model, true)
			refs := make([][]float64, len(ps))
			for i, p := range ps {
				refs[i] = reference(t, p)
			}
			for _, tc := range tests {
				if tc.n != n {
					continue
				}
				name := fmt.Sprintf("%s/N=%d/%s/%s", model, n, tc.method, tc.dtype)
				t.Run(name, func(t *testing.T) {
					s, err := New(be, n, solver.PaperD, solver.PaperGamma, model, Options{Method: tc.method, DType: tc.dtype, Normalize: true})
					if err != nil {
						t.Fatal(err)
					}
					defer s.Finalize()
					fields, st, err := s.SolveProblems(ps)
					if err != nil {
						t.Fatal(err)
					}
					worst := 0.0
					for i := range ps {
						e := relMaxErr(fields[i], refs[i])
						worst = math.Max(worst, e)
						if e > tc.bound {
							t.Errorf("problem %d (%d sources): relative max error %.3g > %.0g", i, len(ps[i].Sources), e, tc.bound)
						}
						if !st.Converged[i] {
							t.Errorf("problem %d: not converged", i)
						}
					}
					t.Logf("worst relative max error %.2e; iterations %v; residuals %.1e", worst, st.Iterations, st.Residuals)
				})
			}
		}
	}
}

// TestSmallLattices covers the smallest lattices, odd sizes and a single multigrid level.
func TestSmallLattices(t *testing.T) {
	be := newBackend(t)
	for _, n := range []int{8, 9, 10, 17, 23} {
		for _, model := range solver.Models {
			ps := paperProblems(uint64(100+n), n, 3, 1.5, []int{1, 2, 3}, model, false)
			for _, method := range Methods {
				s, err := New(be, n, solver.PaperD, solver.PaperGamma, model, Options{Method: method})
				if err != nil {
					t.Fatal(err)
				}
				fields, _, err := s.SolveProblems(ps)
				if err != nil {
					t.Fatalf("N=%d %s %s: %v", n, model, method, err)
				}
				for i, p := range ps {
					if e := relMaxErr(fields[i], reference(t, p)); e > 1e-8 {
						t.Errorf("N=%d %s %s problem %d: relative max error %.3g", n, model, method, i, e)
					}
				}
				s.Finalize()
			}
		}
	}
}

// TestPhysicsOtherThanPaper checks other D and gamma, and gamma = 0 (clamped only).
func TestPhysicsOtherThanPaper(t *testing.T) {
	be := newBackend(t)
	for _, tc := range []struct {
		model    solver.SourceModel
		d, gamma float64
	}{
		{solver.Relaxation, 2.5, 0.1},
		{solver.Clamped, 0.5, 0},
		{solver.Clamped, 1, 1e-4},
	} {
		n := 50
		ps := paperProblems(3, n, 2, 4, []int{3, 8}, tc.model, false)
		for i := range ps {
			ps[i].D, ps[i].Gamma = tc.d, tc.gamma
		}
		s, err := New(be, n, tc.d, tc.gamma, tc.model, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fields, st, err := s.SolveProblems(ps)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range ps {
			if e := relMaxErr(fields[i], reference(t, p)); e > 1e-8 {
				t.Errorf("%+v problem %d: relative max error %.3g (iterations %d)", tc, i, e, st.Iterations[i])
			}
		}
	}
}

// TestPerExampleConvergence mixes an empty input (converged from the start), an easy and a
// hard configuration in one batch: each example must stop on its own, its residual computed
// independently on the host must meet the tolerance, and its field and iteration count must
// equal those of the example solved alone (frozen examples are left untouched).
func TestPerExampleConvergence(t *testing.T) {
	be := newBackend(t)
	n := 64
	const tol = 1e-8
	for _, model := range solver.Models {
		t.Run(string(model), func(t *testing.T) {
			ps := append(paperProblems(11, n, 1, 5, []int{1}, model, false), paperProblems(12, n, 1, 3, []int{20}, model, false)...)
			s, err := New(be, n, solver.PaperD, solver.PaperGamma, model, Options{Tol: tol, Unroll: 3})
			if err != nil {
				t.Fatal(err)
			}
			inputs, err := s.Inputs(ps)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append([][]float64{make([]float64, n*n)}, inputs...)
			fields, st, err := s.Solve(inputs)
			if err != nil {
				t.Fatal(err)
			}
			if st.Iterations[0] != 0 {
				t.Errorf("empty input: %d iterations, want 0", st.Iterations[0])
			}
			for _, v := range fields[0] {
				if v != 0 {
					t.Fatalf("empty input: field value %v, want 0", v)
				}
			}
			for i, p := range ps {
				k := i + 1
				res, err := solver.Residual(p, fields[k])
				if err != nil {
					t.Fatal(err)
				}
				if res > 10*tol {
					t.Errorf("example %d: independent residual %.3g > 10 tol", k, res)
				}
				if math.Abs(res-st.Residuals[k]) > 1e-3*res+1e-14 {
					t.Errorf("example %d: reported residual %.6g, host residual %.6g", k, st.Residuals[k], res)
				}
				alone, stAlone, err := s.Solve(inputs[k : k+1])
				if err != nil {
					t.Fatal(err)
				}
				if stAlone.Iterations[0] != st.Iterations[k] {
					t.Errorf("example %d: %d iterations in the batch, %d alone", k, st.Iterations[k], stAlone.Iterations[0])
				}
				if e := relMaxErr(fields[k], alone[0]); e > 1e-12 {
					t.Errorf("example %d: batch and solo fields differ by %.3g", k, e)
				}
			}
			if st.Iterations[1] == st.Iterations[2] && st.Iterations[1] == 0 {
				t.Errorf("iterations %v: expected work on the non-empty examples", st.Iterations)
			}
			t.Logf("iterations %v, residuals %.2e, calls %d", st.Iterations, st.Residuals, st.Calls)
		})
	}
}

// TestBatchChunks checks that Options.Batch splits and pads without changing results.
func TestBatchChunks(t *testing.T) {
	be := newBackend(t)
	n := 40
	ps := paperProblems(5, n, 5, 4, []int{1, 3, 6}, solver.Clamped, true)
	whole, err := New(be, n, solver.PaperD, solver.PaperGamma, solver.Clamped, Options{Normalize: true})
	if err != nil {
		t.Fatal(err)
	}
	chunked, err := New(be, n, solver.PaperD, solver.PaperGamma, solver.Clamped, Options{Normalize: true, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	f1, st1, err := whole.SolveProblems(ps)
	if err != nil {
		t.Fatal(err)
	}
	f2, st2, err := chunked.SolveProblems(ps)
	if err != nil {
		t.Fatal(err)
	}
	if len(f2) != len(ps) || len(st2.Iterations) != len(ps) || len(st2.Residuals) != len(ps) {
		t.Fatalf("chunked: %d fields, %d iteration counts, %d residuals; want %d", len(f2), len(st2.Iterations), len(st2.Residuals), len(ps))
	}
	for i := range ps {
		if e := relMaxErr(f2[i], f1[i]); e > 1e-12 {
			t.Errorf("problem %d: chunked and whole fields differ by %.3g", i, e)
		}
		if st1.Iterations[i] != st2.Iterations[i] {
			t.Errorf("problem %d: %d iterations whole, %d chunked", i, st1.Iterations[i], st2.Iterations[i])
		}
		mx := 0.0
		for _, v := range f2[i] {
			mx = math.Max(mx, v)
		}
		if math.Abs(mx-1) > 1e-12 {
			t.Errorf("problem %d: normalized field maximum %v, want 1", i, mx)
		}
	}
}

// TestNotConverged checks the error and the statistics when MaxIter is too small: exactly
// MaxIter iterations are made, whatever Unroll.
func TestNotConverged(t *testing.T) {
	be := newBackend(t)
	n := 32
	ps := paperProblems(9, n, 2, 3, []int{4}, solver.Clamped, false)
	for _, tc := range []struct{ maxIter, unroll int }{{1, 4}, {6, 4}, {7, 3}} {
		s, err := New(be, n, solver.PaperD, solver.PaperGamma, solver.Clamped, Options{Tol: 1e-15, MaxIter: tc.maxIter, Unroll: tc.unroll})
		if err != nil {
			t.Fatal(err)
		}
		fields, st, err := s.SolveProblems(ps)
		if !errors.Is(err, ErrNotConverged) {
			t.Fatalf("%+v: error %v, want ErrNotConverged", tc, err)
		}
		if len(fields) != 2 || st == nil || st.Converged[0] || st.Iterations[0] != tc.maxIter {
			t.Errorf("%+v: %d fields, stats %+v: want 2 unconverged fields after %d iterations", tc, len(fields), st, tc.maxIter)
		}
	}
}

// TestInputErrors checks that bad inputs are errors that name the culprit.
func TestInputErrors(t *testing.T) {
	be := newBackend(t)
	n := 16
	s, err := New(be, n, solver.PaperD, solver.PaperGamma, solver.Clamped, Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := make([]float64, n*n)
	good[5*n+5] = 1
	with := func(i int, v float64) []float64 {
		a := append([]float64(nil), good...)
		a[i] = v
		return a
	}
	for _, tc := range []struct {
		name   string
		inputs [][]float64
		want   string
	}{
		{"empty", nil, "empty batch"},
		{"short", [][]float64{good, good[:10]}, "inputs[1]: length 10"},
		{"NaN", [][]float64{with(17, math.NaN())}, "inputs[0][17] (row 1, col 1)"},
		{"Inf", [][]float64{with(3, math.Inf(1))}, "not finite"},
		{"negative", [][]float64{with(3, -0.5)}, "negative"},
	} {
		_, _, err := s.Solve(tc.inputs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}

	p := paperProblems(1, n, 1, 2, []int{1}, solver.Clamped, false)[0]
	for _, tc := range []struct {
		name   string
		modify func(p *solver.Problem)
		want   string
	}{
		{"N", func(p *solver.Problem) { p.N = 20 }, "problems[1].n: 20"},
		{"D", func(p *solver.Problem) { p.D = 2 }, "problems[1].d"},
		{"gamma", func(p *solver.Problem) { p.Gamma = 0.1 }, "problems[1].gamma"},
		{"model", func(p *solver.Problem) { p.Model = solver.Relaxation }, "problems[1].model"},
		{"normalize", func(p *solver.Problem) { p.Normalize = true }, "problems[1].normalize"},
		{"invalid", func(p *solver.Problem) { p.Sources = nil }, "problems[1]: sources"},
	} {
		q := p
		q.Sources = append([]solver.Source(nil), p.Sources...)
		tc.modify(&q)
		_, _, err := s.SolveProblems([]solver.Problem{p, q})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}

	for _, tc := range []struct {
		name string
		t    *tensors.Tensor
		want string
	}{
		{"rank", tensors.FromFlatDataAndDimensions(make([]float64, n*n), n, n), "shape"},
		{"size", tensors.FromFlatDataAndDimensions(make([]float64, 2*n*n), 2, n/2, 2*n), "shape"},
		{"dtype", tensors.FromFlatDataAndDimensions(make([]float32, n*n), 1, n, n), "dtype"},
	} {
		_, _, err := s.SolveTensor(tc.t)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SolveTensor %s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestNewErrors checks the validation of New's arguments.
func TestNewErrors(t *testing.T) {
	be := newBackend(t)
	for _, tc := range []struct {
		name     string
		be       backends.Backend
		n        int
		d, gamma float64
		model    solver.SourceModel
		opt      Options
		want     string
	}{
		{"backend", nil, 16, 1, 0.1, solver.Relaxation, Options{}, "backend"},
		{"n", be, 7, 1, 0.1, solver.Relaxation, Options{}, "n: lattice size 7"},
		{"d", be, 16, 0, 0.1, solver.Relaxation, Options{}, "d: diffusion"},
		{"gamma", be, 16, 1, 0, solver.Relaxation, Options{}, "gamma"},
		{"model", be, 16, 1, 0.1, "diffusive", Options{}, "unknown source model"},
		{"no model", be, 16, 1, 0.1, "", Options{}, "model"},
		{"method", be, 16, 1, 0.1, solver.Relaxation, Options{Method: "fft"}, "method"},
		{"dtype", be, 16, 1, 0.1, solver.Relaxation, Options{DType: dtypes.Int32}, "dtype"},
		{"tol", be, 16, 1, 0.1, solver.Relaxation, Options{Tol: 1}, "tol"},
		{"maxiter", be, 16, 1, 0.1, solver.Relaxation, Options{MaxIter: -1}, "maxiter"},
		{"batch", be, 16, 1, 0.1, solver.Relaxation, Options{Batch: -1}, "batch"},
		{"unroll", be, 16, 1, 0.1, solver.Relaxation, Options{Unroll: -2}, "unroll"},
		{"smooth", be, 16, 1, 0.1, solver.Relaxation, Options{Smooth: -1}, "smooth"},
	} {
		_, err := New(tc.be, tc.n, tc.d, tc.gamma, tc.model, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestTransfersAreAdjoint checks prolong = 4 restrict^T, which keeps the V-cycle symmetric.
func TestTransfersAreAdjoint(t *testing.T) {
	be := newBackend(t)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{6, 7, 8, 13} {
		nc := (n + 1) / 2
		r := randomTensor(rng, 2, n)
		e := randomTensor(rng, 2, nc)
		outs, err := execOnce(be, func(r, e *graph.Node) []*graph.Node {
			return []*graph.Node{dot(restrict(r), e), dot(r, prolong(e, n))}
		}, r, e)
		if err != nil {
			t.Fatal(err)
		}
		lhs, rhs := tensors.MustCopyFlatData[float64](outs[0]), tensors.MustCopyFlatData[float64](outs[1])
		for k := range lhs {
			if math.Abs(4*lhs[k]-rhs[k]) > 1e-12*math.Abs(rhs[k]) {
				t.Errorf("n=%d example %d: 4 <R r, e> = %v, <r, P e> = %v", n, k, 4*lhs[k], rhs[k])
			}
		}
	}
}

// TestPreconditionerIsSymmetric checks <M x, y> = <x, M y> and <M x, x> > 0 for both methods
// and models (with the level masks of clamped problems): CG needs a symmetric positive
// definite preconditioner.
func TestPreconditionerIsSymmetric(t *testing.T) {
	be := newBackend(t)
	rng := rand.New(rand.NewPCG(2, 2))
	n := 37
	for _, method := range Methods {
		for _, model := range solver.Models {
			s, err := New(be, n, solver.PaperD, solver.PaperGamma, model, Options{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			ps := paperProblems(4, n, 2, 5, []int{6}, model, false)
			inputs, err := s.Inputs(ps)
			if err != nil {
				t.Fatal(err)
			}
			a := s.hostTensor(inputs, 2)
			x, y := randomTensor(rng, 2, n), randomTensor(rng, 2, n)
			outs, err := execOnce(be, func(a, x, y *graph.Node) []*graph.Node {
				m := s.freeMask(a)
				ms := s.masks(m)
				x, y = mask(x, m), mask(y, m)
				return []*graph.Node{dot(s.precondition(x, ms), y), dot(x, s.precondition(y, ms)), dot(s.precondition(x, ms), x)}
			}, a, x, y)
			if err != nil {
				t.Fatal(err)
			}
			mxy, xmy, mxx := tensors.MustCopyFlatData[float64](outs[0]), tensors.MustCopyFlatData[float64](outs[1]), tensors.MustCopyFlatData[float64](outs[2])
			for k := range mxy {
				if math.Abs(mxy[k]-xmy[k]) > 1e-12*(math.Abs(mxy[k])+mxx[k]) {
					t.Errorf("%s %s example %d: <Mx, y> = %v, <x, My> = %v", method, model, k, mxy[k], xmy[k])
				}
				if !(mxx[k] > 0) {
					t.Errorf("%s %s example %d: <Mx, x> = %v, want > 0", method, model, k, mxx[k])
				}
			}
		}
	}
}

// randomTensor returns a [b, n, n] float64 tensor of standard normal values.
func randomTensor(rng *rand.Rand, b, n int) *tensors.Tensor {
	v := make([]float64, b*n*n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(v, b, n, n)
}

// execOnce compiles and runs a graph function once.
func execOnce(be backends.Backend, fn any, args ...any) ([]*tensors.Tensor, error) {
	e, err := graph.NewExecAny(be, fn)
	if err != nil {
		return nil, err
	}
	defer e.Finalize()
	return e.Exec(args...)
}

// TestPaperSize512 repeats the comparison with solver.Solve at the 2023 paper's N = 512. It
// takes about a minute on 2 cores: run it with SURROGO_LONG_TESTS=1.
func TestPaperSize512(t *testing.T) {
	if os.Getenv("SURROGO_LONG_TESTS") == "" {
		t.Skip("set SURROGO_LONG_TESTS=1 to run")
	}
	be := newBackend(t)
	n := 512
	for _, model := range solver.Models {
		ps := paperProblems(512, n, 3, solver.PaperRadius, []int{1, 7, 20}, model, true)
		refs := make([][]float64, len(ps))
		for i, p := range ps {
			refs[i] = reference(t, p)
		}
		for _, method := range Methods {
			for _, dt := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
				s, err := New(be, n, solver.PaperD, solver.PaperGamma, model, Options{Method: method, DType: dt, Normalize: true})
				if err != nil {
					t.Fatal(err)
				}
				fields, st, err := s.SolveProblems(ps)
				if err != nil {
					t.Fatal(err)
				}
				bound := 1e-8
				if dt == dtypes.Float32 {
					bound = 1e-5
				}
				worst := 0.0
				for i := range ps {
					worst = math.Max(worst, relMaxErr(fields[i], refs[i]))
				}
				if worst > bound {
					t.Errorf("%s %s %s: relative max error %.3g > %.0g", model, method, dt, worst, bound)
				}
				t.Logf("%s %s %s: worst relative max error %.2e; iterations %v", model, method, dt, worst, st.Iterations)
				s.Finalize()
			}
		}
	}
}
