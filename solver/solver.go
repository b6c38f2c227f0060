package solver

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"
)

// Method selects the iterative method that solves the linear system.
type Method string

const (
	// Multigrid is conjugate gradients preconditioned by one symmetric geometric multigrid
	// V-cycle (red-black Gauss-Seidel smoothing, cell-centred coarsening, bilinear
	// prolongation, restriction by its transpose). It is the default.
	Multigrid Method = "multigrid"
	// JacobiCG is conjugate gradients preconditioned by the diagonal: the baseline.
	JacobiCG Method = "jacobi-cg"
)

// Methods lists the supported methods.
var Methods = []Method{Multigrid, JacobiCG}

// ParseMethod returns the method named s ("multigrid" or "jacobi-cg").
func ParseMethod(s string) (Method, error) {
	for _, m := range Methods {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("method: unknown method %q (want %q or %q)", s, Multigrid, JacobiCG)
}

// DefaultTol is the default relative residual ||b - A c||_2 / ||b||_2 at which a solve stops.
const DefaultTol = 1e-6

// Options configures a solve. The zero value selects the defaults.
type Options struct {
	// Tol is the relative residual ||b - A c||_2 / ||b||_2 of the unnormalized linear system at
	// which the solve stops; 0 means DefaultTol.
	Tol float64
	// MaxIter is the most iterations allowed before the solve fails; 0 means 200 for
	// Multigrid and max(2000, 20 N) for JacobiCG.
	MaxIter int
	// Method is the iterative method; "" means Multigrid.
	Method Method
	// Workers is the number of goroutines working inside one solve; 0 means
	// runtime.GOMAXPROCS(0). Use 1 when running many solves concurrently. Lattices (and
	// coarse levels) with fewer than 128 rows run on one goroutine whatever Workers says:
	// handing them out would cost more than it saves.
	Workers int
}

// resolve returns o with its defaults filled in for an n x n lattice, or an error naming the
// offending field.
func (o Options) resolve(n int) (Options, error) {
	switch {
	case math.IsNaN(o.Tol) || o.Tol < 0 || o.Tol >= 1:
		return o, fmt.Errorf("tol: relative tolerance must be in [0, 1) (0 for the default), got %v", o.Tol)
	case o.MaxIter < 0:
		return o, fmt.Errorf("maxiter: must be non-negative (0 for the default), got %d", o.MaxIter)
	case o.Workers < 0:
		return o, fmt.Errorf("workers: must be non-negative (0 for GOMAXPROCS), got %d", o.Workers)
	}
	if o.Tol == 0 {
		o.Tol = DefaultTol
	}
	if o.Method == "" {
		o.Method = Multigrid
	}
	m, err := ParseMethod(string(o.Method))
	if err != nil {
		return o, err
	}
	o.Method = m
	if o.MaxIter == 0 {
		o.MaxIter = 200
		if o.Method == JacobiCG {
			o.MaxIter = max(2000, 20*n)
		}
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o, nil
}

// Stats describes how a solve went.
type Stats struct {
	// Iterations is the number of conjugate-gradient iterations.
	Iterations int
	// Residual is the final relative residual ||b - A c||_2 / ||b||_2 of the unnormalized
	// system: the true residual of the returned field, recomputed after convergence (the
	// function Residual gives the same value up to rounding).
	Residual float64
	// Scale is the maximum of the unnormalized field when the problem asks for
	// normalization (the field was divided by it), and 1 otherwise.
	Scale float64
	// Method is the method that produced the field.
	Method Method
	// Elapsed is the wall-clock time of the solve, input rasterization included.
	Elapsed time.Duration
}

// Result is the solution of one problem.
type Result struct {
	// Field is the steady-state field, N*N row-major (index row*N + col), divided by Scale.
	Field []float64
	// Input is the input image a of the problem (see Problem.Input).
	Input []float64
	Stats
}

// Solve validates p and computes its steady state. It builds a Solver for the one problem;
// use NewSolver to solve many problems of the same size and physics.
func Solve(p Problem, opt Options) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	s, err := NewSolver(p.N, p.D, p.Gamma, opt)
	if err != nil {
		return nil, err
	}
	return s.Solve(p)
}

// Solver solves problems that share the lattice size N, the diffusion constant D and the
// decay rate gamma, reusing its work buffers and multigrid hierarchy: after construction a
// solve allocates nothing but its result (SolveInto with one worker: nothing at all; with
// more, two small objects for the helper goroutines of the solve). A Solver is not safe
// for concurrent use; run one Solver per goroutine (with Options.Workers = 1 when running
// as many of them as there are cores).
type Solver struct {
	n        int
	d, gamma float64
	opt      Options
	mg       *multigrid // nil for JacobiCG
	team     team

	// Padded (n+2) x (n+2) work vectors of the conjugate-gradient iteration: the ghost ring
	// stays zero (the absorbing boundary).
	x, r, p, q, rhs []float64
	mask            []float64 // 1 on free cells, 0 on clamped cells and on the ghost ring
	input           []float64 // the unpadded input image a
	partial         []float64 // per-worker partial sums, padded against false sharing
	op              stencil   // the fine-level operator
	masked          bool      // the current problem has clamped cells
	bnorm           float64   // ||rhs||_2
	cgArg           cgArgs
}

// NewSolver returns a Solver for n x n lattices with diffusion constant d and decay rate
// gamma (gamma = 0 is allowed for the clamped model only, which Solve checks).
func NewSolver(n int, d, gamma float64, opt Options) (*Solver, error) {
	probe := Problem{N: n, D: d, Gamma: gamma, Model: Clamped, Sources: []Source{{X: 1, Y: 1, R: 1, Value: 1}}}
	if err := probe.Validate(); err != nil {
		return nil, err
	}
	o, err := opt.resolve(n)
	if err != nil {
		return nil, err
	}
	s := &Solver{n: n, d: d, gamma: gamma, opt: o}
	sz := (n + 2) * (n + 2)
	s.x = make([]float64, sz)
	s.r = make([]float64, sz)
	s.p = make([]float64, sz)
	s.q = make([]float64, sz)
	s.rhs = make([]float64, sz)
	s.mask = make([]float64, sz)
	s.input = make([]float64, n*n)
	s.partial = make([]float64, o.Workers*partialStride)
	s.op = newStencil(n, d, gamma)
	s.team.init(o.Workers)
	if o.Method == Multigrid {
		s.mg = newMultigrid(n, d, gamma, o.Workers, &s.team)
		s.mg.levels[0].b = s.r       // the V-cycle preconditions the CG residual ...
		s.cgArg.z = s.mg.levels[0].x // ... into the level-0 correction
	} else {
		s.cgArg.z = make([]float64, sz)
	}
	s.bindKernels()
	return s, nil
}

// Options returns the solver's options with the defaults filled in.
func (s *Solver) Options() Options { return s.opt }

// Solve computes the steady state of p, which must have the solver's N, D and gamma.
func (s *Solver) Solve(p Problem) (*Result, error) {
	field := make([]float64, s.n*s.n)
	st, err := s.SolveInto(field, p)
	if err != nil {
		return nil, err
	}
	in := make([]float64, len(s.input))
	copy(in, s.input)
	return &Result{Field: field, Input: in, Stats: st}, nil
}

// SolveInto computes the steady state of p into field (length N*N) without allocating.
// The input image of the last solve is available from Input until the next solve.
func (s *Solver) SolveInto(field []float64, p Problem) (Stats, error) {
	start := time.Now()
	if err := p.Validate(); err != nil {
		return Stats{}, err
	}
	switch {
	case p.N != s.n:
		return Stats{}, fmt.Errorf("n: problem lattice size %d differs from the solver's %d", p.N, s.n)
	case p.D != s.d:
		return Stats{}, fmt.Errorf("d: problem diffusion constant %v differs from the solver's %v", p.D, s.d)
	case p.Gamma != s.gamma:
		return Stats{}, fmt.Errorf("gamma: problem decay rate %v differs from the solver's %v", p.Gamma, s.gamma)
	case len(field) != s.n*s.n:
		return Stats{}, fmt.Errorf("field: length %d, want N*N = %d", len(field), s.n*s.n)
	}
	if err := s.setup(p); err != nil {
		return Stats{}, err
	}
	parallel := s.team.bands(s.n) > 1
	if parallel {
		s.team.start()
	}
	iters, res, err := s.pcg()
	if parallel {
		s.team.stop()
	}
	if err != nil {
		return Stats{}, err
	}
	if math.IsNaN(res) || math.IsInf(res, 0) {
		return Stats{}, fmt.Errorf("result: the solve ended with a non-finite residual (%v) after %d iterations; the problem is numerically out of range", res, iters)
	}
	// The field: the iterate on free cells, the input on clamped cells.
	n := s.n
	top := 0.0
	bad := 0
	for i := 0; i < n; i++ {
		row := field[i*n : i*n+n]
		copy(row, s.op.row(s.x, i))
		if s.masked {
			a := s.input[i*n : i*n+n]
			a = a[:len(row)]
			for j, v := range a {
				if v > 0 {
					row[j] = v
				}
			}
		}
		for _, v := range row {
			if v > top {
				top = v
			}
			if v-v != 0 { // NaN or an infinity
				bad++
			}
		}
	}
	if bad > 0 {
		return Stats{}, fmt.Errorf("result: %d of the %d field values are NaN or infinite; the problem is numerically out of range", bad, n*n)
	}
	if !(top > 0) {
		return Stats{}, errors.New("result: the field has no positive value although the input has: the solve failed (numerically out of range)")
	}
	scale := 1.0
	if p.Normalize {
		if !(top > 0) {
			return Stats{}, errors.New("normalize: the field has no positive value to divide by")
		}
		scale = top
		for i := range field {
			field[i] /= top // so that the maximum is exactly 1
		}
	}
	return Stats{Iterations: iters, Residual: res, Scale: scale, Method: s.opt.Method, Elapsed: time.Since(start)}, nil
}

// Input returns the input image a of the last solve (N*N, row-major). It is overwritten
// by the next solve.
func (s *Solver) Input() []float64 { return s.input }

// setup rasterizes p's input image into s.input, normalized by its maximum exactly as
// Problem.Input does, and builds the right-hand side, the free-cell mask and the norm of the
// right-hand side for the model. It allocates nothing.
func (s *Solver) setup(p Problem) error {
	n := s.n
	a := s.input
	clear(a)
	RasterizeSources(a, n, p.Sources)
	m := 0.0
	for _, src := range p.Sources { // the maximum lies on a disk
		y0, y1 := max(0, int(math.Ceil(src.Y-src.R))), min(n-1, int(math.Floor(src.Y+src.R)))
		x0, x1 := max(0, int(math.Ceil(src.X-src.R))), min(n-1, int(math.Floor(src.X+src.R)))
		for i := y0; i <= y1; i++ {
			for _, v := range a[i*n+x0 : i*n+x1+1] {
				if v > m {
					m = v
				}
			}
		}
	}
	if m == 0 {
		return fmt.Errorf("sources: every source has value 0: the input image is empty")
	}
	s.masked = p.Model == Clamped
	bb := 0.0
	if !s.masked {
		// b = gamma a on every cell.
		g := s.gamma
		for i := 0; i < n; i++ {
			ar := a[i*n : i*n+n]
			br := s.op.row(s.rhs, i)
			br = br[:len(ar)]
			for j, v := range ar {
				if v != 0 {
					v /= m // divide, as Problem.Input does, for bit-identical inputs
					ar[j] = v
				}
				y := g * v
				br[j] = y
				bb += y * y
			}
		}
	} else {
		// Clamped cells (a > 0) leave the unknowns; their values move to the right-hand
		// side of the free cells: b_i = D * (sum of the clamped neighbours' values).
		for i := 0; i < n; i++ {
			ar := a[i*n : i*n+n]
			mr := s.op.row(s.mask, i)
			mr = mr[:len(ar)]
			for j, v := range ar {
				if v != 0 {
					ar[j] = v / m
					mr[j] = 0
				} else {
					mr[j] = 1
				}
			}
		}
		for i := 0; i < n; i++ {
			ar := a[i*n : i*n+n]
			mr, br := s.op.row(s.mask, i), s.op.row(s.rhs, i)
			mr, br = mr[:len(ar)], br[:len(ar)]
			for j := range ar {
				if mr[j] == 0 {
					br[j] = 0
					continue
				}
				sum := 0.0
				if i > 0 {
					sum += a[(i-1)*n+j]
				}
				if i < n-1 {
					sum += a[(i+1)*n+j]
				}
				if j > 0 {
					sum += ar[j-1]
				}
				if j < n-1 {
					sum += ar[j+1]
				}
				y := s.d * sum
				br[j] = y
				bb += y * y
			}
		}
	}
	s.bnorm = math.Sqrt(bb)
	if s.mg != nil {
		var mask []float64
		if s.masked {
			mask = s.mask
		}
		s.mg.setMask(mask)
	}
	return nil
}

// MemoryEstimate returns about how many bytes Solve takes for an n x n lattice with the method
// (the default when empty): the work vectors, the multigrid hierarchy and the result (the field
// and the input image), measured at about 11.5 (multigrid) and 9 (jacobi-cg) float64 values per
// cell, rounded up. It saturates at math.MaxInt64.
func MemoryEstimate(n int, m Method) int64 {
	perCell := 12.0
	if m == JacobiCG {
		perCell = 9.5
	}
	cells := float64(n+2) * float64(n+2)
	b := perCell*8*cells + 1<<20
	if b >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(b)
}
