package batchsolve

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/surrogo/surrogo/solver"
)

// Method selects the preconditioner of the batched conjugate-gradient iteration.
type Method string

const (
	// Multigrid preconditions CG with one symmetric geometric-multigrid V-cycle: damped-Jacobi
	// smoothing, cell-centred linear transfers, rediscretized coarse operators and a dense
	// exact solve on the coarsest (at most 8 x 8) level. Stencil operations only: its cost is
	// memory traffic, and it handles both source models.
	Multigrid Method = "multigrid"
	// Spectral preconditions CG with the exact inverse of the constant-coefficient operator
	// (gamma - D lap) on the whole lattice, applied through the type-I discrete sine transform
	// written as four dense N x N matrix products per field (about 8 N^3 flops). For the
	// relaxation model this is a direct solve: the initial guess is the solution. For the
	// clamped model it is a preconditioner, and CG corrects for the clamped cells.
	Spectral Method = "spectral"
)

// Methods lists the supported methods.
var Methods = []Method{Multigrid, Spectral}

// Options configures a Solver. The zero value selects the defaults documented per field.
type Options struct {
	// Method is the preconditioner (default Multigrid).
	Method Method
	// DType is the floating-point type of the fields on the device: dtypes.Float64 (the
	// default, the accuracy reference) or dtypes.Float32 (half the memory traffic). Inner
	// products, CG coefficients and the coarsest multigrid solve are always float64.
	DType dtypes.DType
	// Tol is the convergence tolerance on the relative residual |b - A x|_2 / |b|_2 of each
	// example's linear system, as defined by solver.Residual (default 1e-9 for float64 and
	// 1e-6 for float32). It is checked on CG's recursive residual.
	Tol float64
	// MaxIter bounds the number of CG iterations (default 500).
	MaxIter int
	// Normalize divides each field by its maximum, as the papers' data generator did.
	Normalize bool
	// Batch is the number of examples per device call: Solve splits larger inputs into
	// chunks and pads the last one with empty examples, so one compiled graph serves every
	// call. Zero means all the inputs of a call in one chunk.
	Batch int
	// Unroll is the number of CG iterations compiled into one device call (default 4). The
	// host reads the residual norms back after each call: the first call makes 1 iteration,
	// later ones Unroll unless the observed convergence rate says that fewer are left.
	Unroll int
	// Smooth is the number of Jacobi sweeps before and after each coarse correction of the
	// multigrid V-cycle (default 2).
	Smooth int
}

// Stats reports the convergence of each example of a Solve call.
type Stats struct {
	// Iterations is the number of CG iterations of each example after the initial guess
	// x0 = M b (M the preconditioner): 0 when that guess already met the tolerance.
	Iterations []int
	// Residuals is the final relative residual |b - A x|_2 / |b|_2 of each example,
	// recomputed on the device from the returned field (before normalization). In float32
	// it is typically 1e-6 to 2e-5 even when the field is accurate (see the package doc).
	Residuals []float64
	// Converged tells whether each example reached the tolerance on the CG residual.
	Converged []bool
	// Calls is the number of device calls (graph executions), all chunks together.
	Calls int
}

// ErrNotConverged is wrapped by the error that Solve returns when some example did not reach
// the tolerance within MaxIter iterations; the fields and statistics are still returned.
var ErrNotConverged = errors.New("batchsolve: not converged")

// coarsestMax is the largest lattice side solved directly by the multigrid's dense inverse.
const coarsestMax = 8

// level is one multigrid level: its lattice side and D/h^2.
type level struct {
	n     int
	s     float64
	extra []float64 // n x n extra diagonal of boundary cells (nil: none)
}

// Solver solves batches of steady-state diffusion problems that share the lattice size, the
// physics (D, gamma, source model) and the options. It compiles its graphs on first use for
// each batch size. Its methods are safe for concurrent use (calls are serialized).
type Solver struct {
	backend  backends.Backend
	n        int
	d, gamma float64
	model    solver.SourceModel
	opt      Options
	dtype    dtypes.DType

	levels    []level
	coarseInv []float64 // dense inverse of the coarsest multigrid level's operator
	dst       []float64 // DST-I matrix, N x N (spectral method)
	specInv   []float64 // inverse eigenvalues, N x N (spectral method)

	consts map[constKey]*graph.Node // constants of the graphs being built (guarded by mu)

	mu                                       sync.Mutex
	initExec, startExec, step1, stepK, fExec *graph.Exec
}

// New returns a solver for N x N lattices with diffusion constant d, decay rate gamma and
// the given source model, running on backend.
func New(backend backends.Backend, n int, d, gamma float64, model solver.SourceModel, opt Options) (*Solver, error) {
	if backend == nil {
		return nil, errors.New("batchsolve: backend is nil")
	}
	p := solver.Problem{N: n, D: d, Gamma: gamma, Model: model,
		Sources: []solver.Source{{X: float64(n-1) / 2, Y: float64(n-1) / 2, R: 0.5, Value: 1}}}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("batchsolve: %w", err)
	}
	model, _ = solver.ParseSourceModel(string(model)) // canonical spelling; Validate checked it
	if opt.Method == "" {
		opt.Method = Multigrid
	}
	if opt.Method != Multigrid && opt.Method != Spectral {
		return nil, fmt.Errorf("batchsolve: method: unknown method %q (want %q or %q)", opt.Method, Multigrid, Spectral)
	}
	switch opt.DType {
	case dtypes.InvalidDType:
		opt.DType = dtypes.Float64
	case dtypes.Float64, dtypes.Float32:
	default:
		return nil, fmt.Errorf("batchsolve: dtype: %s is not supported (want float32 or float64)", opt.DType)
	}
	if opt.Tol == 0 {
		opt.Tol = 1e-9
		if opt.DType == dtypes.Float32 {
			opt.Tol = 1e-6
		}
	}
	if !(opt.Tol > 0) || opt.Tol >= 1 {
		return nil, fmt.Errorf("batchsolve: tol: must be in (0, 1), got %v", opt.Tol)
	}
	if opt.MaxIter == 0 {
		opt.MaxIter = 500
	}
	if opt.Unroll == 0 {
		opt.Unroll = 4
	}
	if opt.Smooth == 0 {
		opt.Smooth = 2
	}
	switch {
	case opt.MaxIter < 0:
		return nil, fmt.Errorf("batchsolve: maxiter: must be positive, got %d", opt.MaxIter)
	case opt.Batch < 0:
		return nil, fmt.Errorf("batchsolve: batch: must be non-negative, got %d", opt.Batch)
	case opt.Unroll < 0:
		return nil, fmt.Errorf("batchsolve: unroll: must be positive, got %d", opt.Unroll)
	case opt.Smooth < 0:
		return nil, fmt.Errorf("batchsolve: smooth: must be positive, got %d", opt.Smooth)
	}
	s := &Solver{backend: backend, n: n, d: d, gamma: gamma, model: model, opt: opt, dtype: opt.DType}
	if opt.Method == Spectral {
		s.dst = dstMatrix(n)
		s.specInv = spectralInverse(n, d, gamma)
	} else {
		sc := d
		for size := n; ; size = (size + 1) / 2 {
			s.levels = append(s.levels, level{n: size, s: sc})
			if size <= coarsestMax {
				break
			}
			sc /= 4
		}
		for l := 1; l < len(s.levels); l++ {
			s.levels[l].extra = boundaryExtra(n, l, s.levels[l].n, s.levels[l].s)
		}
		c := s.levels[len(s.levels)-1]
		am := stencilMatrix(c.n, gamma, c.s)
		if c.extra != nil {
			for i, e := range c.extra {
				am[i*c.n*c.n+i] += e
			}
		}
		inv, err := spdInverse(am, c.n*c.n)
		if err != nil {
			return nil, fmt.Errorf("batchsolve: %w", err)
		}
		s.coarseInv = inv
	}
	var err error
	if s.initExec, err = graph.NewExec(backend, s.initGraph); err != nil {
		return nil, fmt.Errorf("batchsolve: %w", err)
	}
	if s.startExec, err = graph.NewExec(backend, s.startGraph); err != nil {
		return nil, fmt.Errorf("batchsolve: %w", err)
	}
	if s.step1, err = graph.NewExec(backend, s.stepGraph(1)); err != nil {
		return nil, fmt.Errorf("batchsolve: %w", err)
	}
	if opt.Unroll > 1 {
		if s.stepK, err = graph.NewExec(backend, s.stepGraph(opt.Unroll)); err != nil {
			return nil, fmt.Errorf("batchsolve: %w", err)
		}
	}
	if s.fExec, err = graph.NewExec(backend, s.finishGraph); err != nil {
		return nil, fmt.Errorf("batchsolve: %w", err)
	}
	return s, nil
}

// N returns the lattice side.
func (s *Solver) N() int { return s.n }

// Options returns the options with the defaults filled in.
func (s *Solver) Options() Options { return s.opt }

// Model returns the source model.
func (s *Solver) Model() solver.SourceModel { return s.model }

// Levels returns the lattice sides of the multigrid levels, finest first (nil for Spectral).
func (s *Solver) Levels() []int {
	var out []int
	for _, l := range s.levels {
		out = append(out, l.n)
	}
	return out
}

// Finalize releases the compiled graphs. The solver must not be used afterwards.
func (s *Solver) Finalize() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range []*graph.Exec{s.initExec, s.startExec, s.step1, s.stepK, s.fExec} {
		if e != nil {
			e.Finalize()
		}
	}
}

// Inputs returns the input images of problems, checking that they all match the solver's
// lattice size, physics and model, and that they agree on Normalize with the solver.
func (s *Solver) Inputs(problems []solver.Problem) ([][]float64, error) {
	inputs := make([][]float64, len(problems))
	for i := range problems {
		p := &problems[i]
		model := p.Model
		if model == "" {
			model = solver.Relaxation
		}
		switch {
		case p.N != s.n:
			return nil, fmt.Errorf("batchsolve: problems[%d].n: %d differs from the solver's %d", i, p.N, s.n)
		case p.D != s.d:
			return nil, fmt.Errorf("batchsolve: problems[%d].d: %v differs from the solver's %v", i, p.D, s.d)
		case p.Gamma != s.gamma:
			return nil, fmt.Errorf("batchsolve: problems[%d].gamma: %v differs from the solver's %v", i, p.Gamma, s.gamma)
		case model != s.model:
			return nil, fmt.Errorf("batchsolve: problems[%d].model: %q differs from the solver's %q", i, model, s.model)
		case p.Normalize != s.opt.Normalize:
			return nil, fmt.Errorf("batchsolve: problems[%d].normalize: %v differs from the solver's %v", i, p.Normalize, s.opt.Normalize)
		}
		a, err := p.Input()
		if err != nil {
			return nil, fmt.Errorf("batchsolve: problems[%d]: %w", i, err)
		}
		inputs[i] = a
	}
	return inputs, nil
}

// SolveProblems solves a batch of problems (see Inputs for the checks) and returns their
// fields, row-major N*N, as Solve does.
func (s *Solver) SolveProblems(problems []solver.Problem) ([][]float64, *Stats, error) {
	inputs, err := s.Inputs(problems)
	if err != nil {
		return nil, nil, err
	}
	return s.Solve(inputs)
}

// Solve solves one problem per input image (row-major, length N*N, finite; non-negative for
// the clamped model, whose clamped cells are those with a > 0) and returns the fields,
// row-major N*N, and per-example statistics. The images are converted to the solver's dtype
// on the way to the device. If some example did not converge within MaxIter iterations, the
// fields are returned with an error wrapping ErrNotConverged.
func (s *Solver) Solve(inputs [][]float64) ([][]float64, *Stats, error) {
	if len(inputs) == 0 {
		return nil, nil, errors.New("batchsolve: inputs: empty batch")
	}
	nn := s.n * s.n
	for i, a := range inputs {
		if len(a) != nn {
			return nil, nil, fmt.Errorf("batchsolve: inputs[%d]: length %d, want N*N = %d", i, len(a), nn)
		}
		for j, v := range a {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("batchsolve: inputs[%d][%d] (row %d, col %d): value %v is not finite", i, j, j/s.n, j%s.n, v)
			}
			if v < 0 && s.model == solver.Clamped {
				return nil, nil, fmt.Errorf("batchsolve: inputs[%d][%d] (row %d, col %d): value %v is negative (the clamped model needs a >= 0)", i, j, j/s.n, j%s.n, v)
			}
		}
	}
	chunk := s.opt.Batch
	if chunk == 0 {
		chunk = len(inputs)
	}
	fields := make([][]float64, 0, len(inputs))
	stats := &Stats{}
	var notConverged []int
	for start := 0; start < len(inputs); start += chunk {
		end := min(start+chunk, len(inputs))
		a := s.hostTensor(inputs[start:end], chunk)
		c, st, err := s.SolveTensor(a)
		a.MustFinalizeAll()
		if err != nil && !errors.Is(err, ErrNotConverged) {
			return nil, nil, err
		}
		flat, err := toFloat64(c)
		c.MustFinalizeAll()
		if err != nil {
			return nil, nil, err
		}
		for k := range end - start {
			fields = append(fields, flat[k*nn:(k+1)*nn:(k+1)*nn])
			if !st.Converged[k] {
				notConverged = append(notConverged, start+k)
			}
		}
		stats.Iterations = append(stats.Iterations, st.Iterations[:end-start]...)
		stats.Residuals = append(stats.Residuals, st.Residuals[:end-start]...)
		stats.Converged = append(stats.Converged, st.Converged[:end-start]...)
		stats.Calls += st.Calls
	}
	if len(notConverged) > 0 {
		return fields, stats, fmt.Errorf("%w: %d of %d examples (first: inputs[%d]) within %d iterations (tol %g)",
			ErrNotConverged, len(notConverged), len(inputs), notConverged[0], s.opt.MaxIter, s.opt.Tol)
	}
	return fields, stats, nil
}

// hostTensor packs images into a [batch, N, N] tensor of the solver's dtype, zero-padding
// the missing examples.
func (s *Solver) hostTensor(inputs [][]float64, batch int) *tensors.Tensor {
	nn := s.n * s.n
	if s.dtype == dtypes.Float64 {
		flat := make([]float64, batch*nn)
		for k, a := range inputs {
			copy(flat[k*nn:], a)
		}
		return tensors.FromFlatDataAndDimensions(flat, batch, s.n, s.n)
	}
	flat := make([]float32, batch*nn)
	for k, a := range inputs {
		for j, v := range a {
			flat[k*nn+j] = float32(v)
		}
	}
	return tensors.FromFlatDataAndDimensions(flat, batch, s.n, s.n)
}

// toFloat64 copies a float32 or float64 tensor to a new []float64.
func toFloat64(t *tensors.Tensor) ([]float64, error) {
	var out []float64
	err := t.ConstFlatData(func(flat any) {
		switch v := flat.(type) {
		case []float64:
			out = append([]float64(nil), v...)
		case []float32:
			out = make([]float64, len(v))
			for i, x := range v {
				out[i] = float64(x)
			}
		}
	})
	if err == nil && out == nil {
		err = fmt.Errorf("batchsolve: unexpected dtype %s", t.DType())
	}
	return out, err
}

// SolveTensor solves the batch of input images held in a [B, N, N] tensor of the solver's
// dtype (it may already live on the device) and returns the fields as a [B, N, N] tensor
// that stays on the device, for pipelines that keep data there. Stats covers the B examples.
// Inputs are not checked for NaN or negative values here (Solve does that).
func (s *Solver) SolveTensor(a *tensors.Tensor) (*tensors.Tensor, *Stats, error) {
	shape := a.Shape()
	if shape.Rank() != 3 || shape.Dimensions[1] != s.n || shape.Dimensions[2] != s.n {
		return nil, nil, fmt.Errorf("batchsolve: input tensor shape %s, want [B, %d, %d]", shape, s.n, s.n)
	}
	if shape.DType != s.dtype {
		return nil, nil, fmt.Errorf("batchsolve: input tensor dtype %s, want %s", shape.DType, s.dtype)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := shape.Dimensions[0]
	st := &Stats{}

	outs, err := s.initExec.Exec(a)
	if err != nil {
		return nil, nil, fmt.Errorf("batchsolve: initial guess: %w", err)
	}
	st.Calls++
	x, r, rn2, thr := outs[0], outs[1], outs[2], outs[3]
	rn2h, err := toFloat64(rn2)
	if err != nil {
		return nil, nil, err
	}
	thrh, err := toFloat64(thr)
	if err != nil {
		return nil, nil, err
	}
	done := func() bool {
		for k := range rn2h {
			if rn2h[k] > thrh[k] {
				return false
			}
		}
		return true
	}
	iters := make([]int, batch)
	if !done() {
		outs, err = s.startExec.Exec(a, r)
		if err != nil {
			return nil, nil, fmt.Errorf("batchsolve: first search direction: %w", err)
		}
		st.Calls++
		p, rz := outs[0], outs[1]
		it := tensors.FromFlatDataAndDimensions(make([]int32, batch), batch)
		// The first call makes one iteration; later calls make Unroll iterations unless the
		// observed convergence rate says that fewer are left.
		k := 1
		for n := 0; n < s.opt.MaxIter && !done(); {
			exec := s.step1
			if k > 1 {
				exec = s.stepK
			}
			args := []any{a, s.donate(x), s.donate(r), s.donate(p), s.donate(rz), s.donate(rn2), thr, s.donate(it)}
			outs, err = exec.Exec(args...)
			if err != nil {
				return nil, nil, fmt.Errorf("batchsolve: CG step: %w", err)
			}
			st.Calls++
			n += k
			x, r, p, rz, rn2, it = outs[0], outs[1], outs[2], outs[3], outs[4], outs[5]
			prev := rn2h
			if rn2h, err = toFloat64(rn2); err != nil {
				return nil, nil, err
			}
			left := remaining(prev, rn2h, thrh, k)
			k = 1
			if s.stepK != nil && left >= float64(s.opt.Unroll) && n+s.opt.Unroll <= s.opt.MaxIter {
				k = s.opt.Unroll
			}
		}
		err = it.ConstFlatData(func(flat any) {
			for k, v := range flat.([]int32) {
				iters[k] = int(v)
			}
		})
		if err != nil {
			return nil, nil, err
		}
		for _, t := range []*tensors.Tensor{p, rz, it} {
			t.MustFinalizeAll()
		}
	}
	r.MustFinalizeAll()
	outs, err = s.fExec.Exec(a, s.donate(x))
	if err != nil {
		return nil, nil, fmt.Errorf("batchsolve: final field: %w", err)
	}
	st.Calls++
	if x.Ok() {
		x.MustFinalizeAll()
	}
	c, res := outs[0], outs[1]
	if st.Residuals, err = toFloat64(res); err != nil {
		return nil, nil, err
	}
	res.MustFinalizeAll()
	st.Iterations = iters
	st.Converged = make([]bool, batch)
	failed := 0
	for k := range batch {
		st.Converged[k] = rn2h[k] <= thrh[k]
		if !st.Converged[k] {
			failed++
		}
	}
	rn2.MustFinalizeAll()
	thr.MustFinalizeAll()
	if failed > 0 {
		return c, st, fmt.Errorf("%w: %d of %d examples within %d iterations (tol %g)", ErrNotConverged, failed, batch, s.opt.MaxIter, s.opt.Tol)
	}
	return c, st, nil
}

// donate marks a state tensor's device buffer as reusable by the next call when the backend
// allows it, and otherwise passes the tensor as is.
func (s *Solver) donate(t *tensors.Tensor) any {
	if t.IsShared() {
		return t
	}
	d, err := graph.DonateTensorBuffer(t, s.backend, 0)
	if err != nil {
		return t
	}
	return d
}

// boundaryExtra returns the extra diagonal of level l (side nc, D/h^2 = sc) of an N-cell
// lattice that puts the zero boundary at its true place: the ghost cells of the fine
// lattice (fine coordinates -1 and N), while the coarse stencil would put it one coarse cell
// beyond the edge cells. A boundary at distance delta*h from an edge cell's centre is
// imposed by the ghost value u_g = (1 - 1/delta) u, adding (1/delta - 1) sc to the diagonal.
func boundaryExtra(n, l, nc int, sc float64) []float64 {
	h := float64(int(1) << l)
	e1 := make([]float64, nc)
	near := ((h-1)/2 + 1) / h
	far := (float64(n) - ((float64(nc)-0.5)*h - 0.5)) / h
	far = max(far, 0.125)
	e1[0] += (1/near - 1) * sc
	e1[nc-1] += (1/far - 1) * sc
	out := make([]float64, nc*nc)
	for i := range nc {
		for j := range nc {
			out[i*nc+j] = e1[i] + e1[j]
		}
	}
	return out
}

// remaining estimates how many more iterations the slowest unconverged example needs: the
// squared residual norms went from prev to cur in k iterations, and each example must get
// below its threshold thr. It returns +Inf when some example does not improve.
func remaining(prev, cur, thr []float64, k int) float64 {
	worst := 0.0
	for i := range cur {
		if cur[i] <= thr[i] {
			continue
		}
		if !(prev[i] > cur[i]) || cur[i] == 0 {
			return math.Inf(1)
		}
		perIter := math.Log(cur[i]/prev[i]) / float64(k)
		worst = math.Max(worst, math.Log(thr[i]/cur[i])/perIter)
	}
	return worst
}
