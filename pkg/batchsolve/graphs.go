package batchsolve

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive,staticcheck // GoMLX's graph DSL reads best dot-imported.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gopjrt/dtypes"

	"github.com/surrogo/surrogo/solver"
)

// This file builds the computation graphs. Every field is a [B, N, N] node (rows on axis 1,
// columns on axis 2) of the solver's dtype; per-example scalars are [B] float64 nodes.
// Only element-wise ops, Slice, Concatenate, Reshape, reductions and (for the coarsest
// multigrid level and the spectral method) DotGeneral are used: the graphs run on the stock
// pure-Go backend, and XLA fuses the stencils into a few kernels.

// jacobiWeight is the damping of the Jacobi smoother (the optimal smoothing weight for the
// 5-point Laplacian).
const jacobiWeight = 0.8

// next returns y with y[i] = x[i+1] along axis, and 0 past the last cell (zero ghost cells).
func next(x *Node, axis int) *Node { return ShiftWithScalar(x, axis, ShiftDirLeft, 1, 0) }

// prev returns y with y[i] = x[i-1] along axis, and 0 before the first cell.
func prev(x *Node, axis int) *Node { return ShiftWithScalar(x, axis, ShiftDirRight, 1, 0) }

// scalar returns a constant of the solver's dtype.
func (s *Solver) scalar(g *Graph, v float64) *Node { return Scalar(g, s.dtype, v) }

// constant returns a host array as a constant of the solver's dtype with the given dimensions,
// creating it once per graph (the unrolled graphs use the same matrices many times).
func (s *Solver) constant(g *Graph, data []float64, dims ...int) *Node {
	return s.constantAs(g, s.dtype, data, dims...)
}

// constantAs is constant with an explicit dtype (float32 or float64).
func (s *Solver) constantAs(g *Graph, dtype dtypes.DType, data []float64, dims ...int) *Node {
	key := constKey{g, &data[0], dtype}
	if c, ok := s.consts[key]; ok {
		return c
	}
	var c *Node
	if dtype == dtypes.Float64 {
		c = ConstTensor(g, tensors.FromFlatDataAndDimensions(data, dims...))
	} else {
		f := make([]float32, len(data))
		for i, v := range data {
			f[i] = float32(v)
		}
		c = ConstTensor(g, tensors.FromFlatDataAndDimensions(f, dims...))
	}
	if s.consts == nil {
		s.consts = make(map[constKey]*Node)
	}
	s.consts[key] = c
	return c
}

// forgetConstants drops the constant cache of a graph once it is built.
func (s *Solver) forgetConstants(g *Graph) {
	for k := range s.consts {
		if k.g == g {
			delete(s.consts, k)
		}
	}
}

// constKey identifies a host array's constant node in one graph.
type constKey struct {
	g     *Graph
	data  *float64
	dtype dtypes.DType
}

// mask multiplies x by the free-cell mask m; a nil mask (relaxation model) leaves x unchanged.
func mask(x, m *Node) *Node {
	if m == nil {
		return x
	}
	return Mul(x, m)
}

// dot returns the per-example inner product sum(x*y) over the lattice, accumulated in float64.
func dot(x, y *Node) *Node {
	return ReduceSum(ConvertDType(Mul(x, y), dtypes.Float64), 1, 2)
}

// perExample broadcasts a [B] float64 coefficient to [B, 1, 1] in the solver's dtype.
func (s *Solver) perExample(c *Node) *Node {
	return Reshape(ConvertDType(c, s.dtype), c.Shape().Dimensions[0], 1, 1)
}

// neighbourSum returns the sum of the four neighbours of every cell (zero ghost cells).
func neighbourSum(u *Node) *Node {
	return Add(Add(next(u, 1), prev(u, 1)), Add(next(u, 2), prev(u, 2)))
}

// apply returns (gamma - sc*lap) u with zero ghost cells, where sc = D/h^2 of the level. The
// Laplacian is summed as differences to neighbours, which are exact in floating point where
// the field is smooth: it keeps float32 residuals accurate although gamma << D.
func (s *Solver) apply(u *Node, sc float64) *Node {
	g := u.Graph()
	lap := Add(Add(Sub(next(u, 1), u), Sub(prev(u, 1), u)), Add(Sub(next(u, 2), u), Sub(prev(u, 2), u)))
	au := Mul(s.scalar(g, -sc), lap)
	if s.gamma != 0 {
		au = Add(au, Mul(s.scalar(g, s.gamma), u))
	}
	return au
}

// freeMask returns the mask of free cells (1 where a <= 0, else 0) for the clamped model and
// nil for the relaxation model, where every cell is free.
func (s *Solver) freeMask(a *Node) *Node {
	if s.model != solver.Clamped {
		return nil
	}
	return ConvertDType(LessOrEqual(a, ZerosLike(a)), s.dtype)
}

// rhs returns the right-hand side b of the system solved by CG. Relaxation: b = gamma*a.
// Clamped: the unknown is u = c - a, zero on the clamped cells, and b = D * (sum of the
// neighbours of a) on free cells: moving the known clamped values to the right-hand side.
func (s *Solver) rhs(a, m *Node) *Node {
	g := a.Graph()
	if m == nil {
		return Mul(s.scalar(g, s.gamma), a)
	}
	return Mul(m, Mul(s.scalar(g, s.d), neighbourSum(a)))
}

// restrict1 applies the 1D cell-centred full-weighting restriction along axis (1 or 2) of a
// [B, n, n'] field with an even n: rc[i] = 3/8 (r[2i] + r[2i+1]) + 1/8 (r[2i-1] + r[2i+2]),
// half the transpose of prolong1.
func restrict1(r *Node, axis int) *Node {
	g := r.Graph()
	dims := r.Shape().Dimensions
	nc := dims[axis] / 2
	split := make([]int, 0, 4)
	split = append(split, dims[:axis]...)
	split = append(split, nc, 2)
	split = append(split, dims[axis+1:]...)
	rs := Reshape(r, split...)
	half := func(k int) *Node {
		x := SliceAxis(rs, axis+1, AxisElem(k))
		return Reshape(x, append(append(append([]int{}, dims[:axis]...), nc), dims[axis+1:]...)...)
	}
	even, odd := half(0), half(1)
	dt := r.DType()
	near := Mul(Scalar(g, dt, 0.375), Add(even, odd))
	far := Mul(Scalar(g, dt, 0.125), Add(prev(odd, axis), next(even, axis)))
	return Add(near, far)
}

// prolong1 applies the 1D cell-centred linear interpolation along axis (1 or 2), doubling it:
// f[2i] = 3/4 e[i] + 1/4 e[i-1], f[2i+1] = 3/4 e[i] + 1/4 e[i+1], with zero ghost cells.
func prolong1(e *Node, axis int) *Node {
	g := e.Graph()
	dt := e.DType()
	dims := e.Shape().Dimensions
	c := Mul(Scalar(g, dt, 0.75), e)
	q := Scalar(g, dt, 0.25)
	even := Add(c, Mul(q, prev(e, axis)))
	odd := Add(c, Mul(q, next(e, axis)))
	out := append([]int{}, dims...)
	out[axis] *= 2
	return Reshape(Stack([]*Node{even, odd}, axis+1), out...)
}

// restrict maps a fine residual [B, n, n] to the coarse lattice [B, (n+1)/2, (n+1)/2]. An odd
// n is first padded with a zero row and column: the padded cells lie on the ghost layer.
func restrict(r *Node) *Node {
	n := r.Shape().Dimensions[1]
	if n%2 == 1 {
		r = padOne(r)
	}
	return restrict1(restrict1(r, 1), 2)
}

// prolong interpolates a coarse correction [B, nc, nc] to the fine lattice [B, n, n]; it is 4
// times the transpose of restrict (the V-cycle stays symmetric).
func prolong(e *Node, n int) *Node {
	f := prolong1(prolong1(e, 1), 2)
	if f.Shape().Dimensions[1] != n {
		f = Slice(f, AxisRange(), AxisRange(0, n), AxisRange(0, n))
	}
	return f
}

// padOne appends a zero row and a zero column to a [B, n, n] field.
func padOne(x *Node) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	b, n := dims[0], dims[1]
	x = Concatenate([]*Node{x, Zeros(g, shapes.Make(x.DType(), b, 1, n))}, 1)
	return Concatenate([]*Node{x, Zeros(g, shapes.Make(x.DType(), b, n+1, 1))}, 2)
}

// masks returns the masks of every multigrid level (nil for the relaxation model) given the
// fine free-cell mask m. Coarse masks are soft: the squared fraction of free cells below each
// coarse cell (see coarsenMask). Keeping the holes that clamped disks make in the lattice on
// the coarse levels makes the iteration count of the clamped model independent of the number
// of disks: measured at N = 99, 128 and 512 with 1 to 20 disks, 8-9 iterations to 1e-9
// instead of 9-24 with unmasked coarse levels.
func (s *Solver) masks(m *Node) []*Node {
	ms := make([]*Node, max(1, len(s.levels)))
	ms[0] = m
	if m == nil {
		return ms
	}
	for l := 1; l < len(s.levels); l++ {
		ms[l] = coarsenMask(ms[l-1])
	}
	return ms
}

// coarsenMask returns the coarse mask of a [B, n, n] mask: the square of its mean over each
// 2 x 2 block (an odd n is padded with free cells). It enters the V-cycle as a diagonal
// scaling, which keeps it symmetric. Measured alternatives (same problems as in masks): a
// coarse cell clamped when any of its fine cells is (10-13 iterations), the plain mean (8-13),
// the cubed mean (8-9).
func coarsenMask(m *Node) *Node {
	g := m.Graph()
	dims := m.Shape().Dimensions
	b, n := dims[0], dims[1]
	if n%2 == 1 {
		m = Concatenate([]*Node{m, Ones(g, shapes.Make(m.DType(), b, 1, n))}, 1)
		m = Concatenate([]*Node{m, Ones(g, shapes.Make(m.DType(), b, n+1, 1))}, 2)
		n++
	}
	q := MulScalar(ReduceSum(Reshape(m, b, n/2, 2, n/2, 2), 2, 4), 0.25)
	return Mul(q, q)
}

// precondition applies the preconditioner to a residual r (zero on clamped cells) and returns
// z, also zero on clamped cells. ms are the level masks (see masks).
func (s *Solver) precondition(r *Node, ms []*Node) *Node {
	if s.opt.Method == Spectral {
		return mask(s.spectralSolve(r), ms[0])
	}
	return s.vcycle(r, 0, ms)
}

// spectralSolve returns (gamma - D lap)^-1 r on the full lattice, exactly up to rounding: a
// 2D DST-I (two products with the N x N sine matrix), a division by the eigenvalues, and the
// inverse DST-I (the same two products).
func (s *Solver) spectralSolve(r *Node) *Node {
	g := r.Graph()
	n := s.n
	sm := s.constant(g, s.dst, n, n)
	// transform1 contracts the row axis with S: [B, i, j] -> [B, j, k]. Applying it twice
	// transforms both axes and restores the orientation.
	transform1 := func(x *Node) *Node { return DotGeneral(x, []int{1}, nil, sm, []int{0}, nil) }
	hat := transform1(transform1(r))
	hat = Mul(hat, s.constant(g, s.specInv, 1, n, n))
	return transform1(transform1(hat))
}

// vcycle applies one symmetric V-cycle from level l with a zero initial guess to the residual
// r: Smooth damped-Jacobi sweeps, the coarse correction, and Smooth sweeps again; the coarsest
// level is solved with the dense inverse of its unmasked operator. The level masks ms
// (clamped model) scale every update: binary on the finest level, where clamped cells stay
// at zero, soft on coarser ones (see masks).
func (s *Solver) vcycle(r *Node, l int, ms []*Node) *Node {
	g := r.Graph()
	lv := s.levels[l]
	m := ms[l]
	if l == len(s.levels)-1 {
		// The dense solve runs in float64 whatever the dtype: it is tiny, and it keeps float32
		// products (TF32 on GPUs) out of the preconditioner.
		b := r.Shape().Dimensions[0]
		flat := ConvertDType(Reshape(mask(r, m), b, lv.n*lv.n), dtypes.Float64)
		inv := s.constantAs(g, dtypes.Float64, s.coarseInv, lv.n*lv.n, lv.n*lv.n)
		e := DotGeneral(flat, []int{1}, nil, inv, []int{0}, nil)
		return mask(Reshape(ConvertDType(e, s.dtype), b, lv.n, lv.n), m)
	}
	w := s.scalar(g, jacobiWeight/(s.gamma+4*lv.s))
	var extra *Node
	if lv.extra != nil {
		extra = s.constant(g, lv.extra, 1, lv.n, lv.n)
		w = Div(s.scalar(g, jacobiWeight), Add(s.scalar(g, s.gamma+4*lv.s), extra))
	}
	applyL := func(u *Node) *Node {
		au := s.apply(u, lv.s)
		if extra != nil {
			au = Add(au, Mul(extra, u))
		}
		return au
	}
	smooth := func(u *Node) *Node { return Add(u, Mul(w, mask(Sub(r, applyL(u)), m))) }
	u := Mul(w, mask(r, m))
	for range s.opt.Smooth - 1 {
		u = smooth(u)
	}
	res := mask(Sub(r, applyL(u)), m)
	ec := s.vcycle(restrict(res), l+1, ms)
	u = Add(u, mask(prolong(ec, lv.n), m))
	for range s.opt.Smooth {
		u = smooth(u)
	}
	return u
}

// initGraph: inputs a [B,N,N]; outputs x0 = M b, r0 = b - A x0, |r0|^2 and the convergence
// threshold Tol^2 |b|^2 (both [B] float64).
func (s *Solver) initGraph(a *Node) []*Node {
	defer s.forgetConstants(a.Graph())
	m := s.freeMask(a)
	ms := s.masks(m)
	b := s.rhs(a, m)
	x := s.precondition(b, ms)
	r := mask(Sub(b, s.apply(x, s.d)), m)
	thr := Mul(dot(b, b), Scalar(a.Graph(), dtypes.Float64, s.opt.Tol*s.opt.Tol))
	return []*Node{x, r, dot(r, r), thr}
}

// startGraph: inputs a, r; outputs the first search direction p = M r and rz = <r, p>.
func (s *Solver) startGraph(a, r *Node) (p, rz *Node) {
	defer s.forgetConstants(a.Graph())
	p = s.precondition(r, s.masks(s.freeMask(a)))
	return p, dot(r, p)
}

// stepGraph returns the graph function of k preconditioned-CG iterations: inputs a, x, r, p,
// rz, |r|^2, threshold, iteration counts; outputs the same state but a and the threshold.
// Examples whose residual is below their threshold are frozen (their step length is zero)
// and do not count iterations.
func (s *Solver) stepGraph(k int) func(in []*Node) []*Node {
	return func(in []*Node) []*Node {
		defer s.forgetConstants(in[0].Graph())
		return s.steps(k, in)
	}
}

func (s *Solver) steps(k int, in []*Node) []*Node {
	a, x, r, p, rz, rn2, thr, iters := in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]
	m := s.freeMask(a)
	ms := s.masks(m)
	zero := ZerosLike(rz)
	one := OnesLike(rz)
	for range k {
		active := GreaterThan(rn2, thr)
		q := mask(s.apply(p, s.d), m)
		pq := dot(p, q)
		alpha := Where(LogicalAnd(active, GreaterThan(pq, zero)), Div(rz, Where(GreaterThan(pq, zero), pq, one)), zero)
		x = Add(x, Mul(s.perExample(alpha), p))
		r = Sub(r, Mul(s.perExample(alpha), q))
		rn2 = Where(active, dot(r, r), rn2)
		z := s.precondition(r, ms)
		rzNew := dot(r, z)
		beta := Where(LogicalAnd(active, GreaterThan(rz, zero)), Div(rzNew, Where(GreaterThan(rz, zero), rz, one)), zero)
		p = Add(z, Mul(s.perExample(beta), p))
		rz = Where(active, rzNew, rz)
		iters = Add(iters, ConvertDType(active, dtypes.Int32))
	}
	return []*Node{x, r, p, rz, rn2, iters}
}

// finishGraph: inputs a, x; outputs the field c (the clamped values restored, normalized by
// its maximum when asked) and the relative residual |b - A x| / |b| recomputed from x.
func (s *Solver) finishGraph(a, x *Node) (c, relRes *Node) {
	defer s.forgetConstants(a.Graph())
	m := s.freeMask(a)
	b := s.rhs(a, m)
	r := mask(Sub(b, s.apply(x, s.d)), m)
	bn2 := dot(b, b)
	zero := ZerosLike(bn2)
	relRes = Sqrt(Div(dot(r, r), Where(GreaterThan(bn2, zero), bn2, OnesLike(bn2))))
	c = x
	if m != nil {
		c = Add(x, Mul(OneMinus(m), a))
	}
	if s.opt.Normalize {
		mx := ReduceMax(c, 1, 2)
		mx = Where(GreaterThan(mx, ZerosLike(mx)), mx, OnesLike(mx))
		c = Div(c, Reshape(mx, mx.Shape().Dimensions[0], 1, 1))
	}
	return c, relRes
}
