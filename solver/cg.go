package solver

import (
	"fmt"
	"math"
)

// cgArgs holds the scalars that the row kernels of the conjugate-gradient loop read; the
// kernels and pipelines are built once (see bindKernels), so a solve allocates nothing.
type cgArgs struct {
	alpha, beta float64
	first       bool      // the next update starts the iteration: x = 0, r = rhs
	m           []float64 // the free-cell mask, nil when no cell is clamped
	z           []float64 // the preconditioned residual

	// Kernels on bands of rows.
	apply, update, residual, direction rowFunc
	// Multigrid-CG pipelines on level 0:
	//  pre:  x += alpha p, r -= alpha q (r.r) | red sweep from 0 | black sweep | restrict
	//  post: prolong | black sweep | red sweep (r.z)
	//  dir:  p = z + beta p | q = A p (p.q)
	pre, post, dir *pipeline
	// Jacobi-CG pipeline: p = r / c0 + beta p | q = A p (p.q)
	jdir *pipeline
}

// rowsOf returns the padded rows [lo, hi) of v, ghost columns included.
func (s *Solver) rowsOf(v []float64, lo, hi int) []float64 {
	st := s.op.s
	return v[(lo+1)*st : (hi+1)*st]
}

// bindKernels creates the row kernels and pipelines of the conjugate-gradient loop.
func (s *Solver) bindKernels() {
	a, op := &s.cgArg, &s.op
	add := func(w int, v float64) { s.partial[w*partialStride] += v }
	a.apply = func(w, lo, hi int) { add(w, op.applyRows(s.q, s.p, a.m, lo, hi)) }
	a.residual = func(w, lo, hi int) { add(w, op.residualRows(s.r, s.rhs, s.x, a.m, lo, hi)) }
	a.update = func(w, lo, hi int) {
		x, r := s.rowsOf(s.x, lo, hi), s.rowsOf(s.r, lo, hi)
		r = r[:len(x)]
		sum := 0.0
		if a.first {
			clear(x)
			copy(r, s.rowsOf(s.rhs, lo, hi))
			for _, v := range r {
				sum += v * v
			}
			add(w, sum)
			return
		}
		alpha := a.alpha
		p, q := s.rowsOf(s.p, lo, hi), s.rowsOf(s.q, lo, hi)
		p, q = p[:len(x)], q[:len(x)]
		for k := range x {
			x[k] += alpha * p[k]
			v := r[k] - alpha*q[k]
			r[k] = v
			sum += v * v
		}
		add(w, sum)
	}
	a.direction = func(_, lo, hi int) {
		beta := a.beta
		p, z := s.rowsOf(s.p, lo, hi), s.rowsOf(a.z, lo, hi)
		z = z[:len(p)]
		if beta == 0 {
			copy(p, z)
			return
		}
		for k, v := range z {
			p[k] = v + beta*p[k]
		}
	}
	t := &s.team
	if s.mg == nil {
		// Jacobi: z = r / c0 (r vanishes on clamped cells), never stored.
		a.jdir = newPipeline(t, s.n,
			stage{run: func(_, i int) {
				beta, inv := a.beta, op.w
				p, r := op.row(s.p, i), op.row(s.r, i)
				r = r[:len(p)]
				if beta == 0 {
					for k, v := range r {
						p[k] = inv * v
					}
					return
				}
				for k, v := range r {
					p[k] = inv*v + beta*p[k]
				}
			}},
			stage{run: func(w, i int) { a.apply(w, i, i+1) }, back: 1, ahead: 1})
		return
	}
	if s.mg == nil {
		return
	}
	l0, l1 := s.mg.levels[0], s.mg.levels[1]
	a.pre = newPipeline(t, s.n,
		stage{run: func(w, i int) { a.update(w, i, i+1) }},
		stage{run: func(_, i int) { l0.initRow(i) }},
		stage{run: func(_, i int) { l0.smoothRow(i, 1) }, back: 1, ahead: 1},
		l0.restrictStage(l1))
	a.post = newPipeline(t, s.n,
		l0.prolongStage(l1),
		stage{run: func(_, i int) { l0.smoothRow(i, 1) }, back: 1, ahead: 1},
		stage{back: 1, ahead: 1, run: func(w, i int) {
			l0.smoothRow(i, 0)
			r, z := op.row(s.r, i), op.row(a.z, i)
			z = z[:len(r)]
			sum := 0.0
			for k, v := range r {
				sum += v * z[k]
			}
			add(w, sum)
		}})
	a.dir = newPipeline(t, s.n,
		stage{run: func(w, i int) { a.direction(w, i, i+1) }},
		stage{run: func(w, i int) { a.apply(w, i, i+1) }, back: 1, ahead: 1})
}

// sum returns the sum of the workers' partial sums and clears them.
func (s *Solver) sum() float64 {
	total := 0.0
	for w := 0; w < len(s.partial); w += partialStride {
		total += s.partial[w]
		s.partial[w] = 0
	}
	return total
}

// reduce runs f over the lattice rows and returns the sum of the partial sums it added.
func (s *Solver) reduce(f rowFunc) float64 {
	s.team.rows(s.n, f)
	return s.sum()
}

// notConverged is the error of a solve that ran out of iterations.
func (s *Solver) notConverged(res float64) error {
	return fmt.Errorf("%s: not converged within maxiter = %d iterations: relative residual %.3g > tol %.3g",
		s.opt.Method, s.opt.MaxIter, res, s.opt.Tol)
}

// pcg solves A x = rhs on the free cells by preconditioned conjugate gradients from x = 0.
// It returns the number of iterations and the relative true residual ||rhs - A x|| / ||rhs||,
// recomputed when the recursively updated one meets the tolerance.
func (s *Solver) pcg() (int, float64, error) {
	a := &s.cgArg
	a.m = nil
	if s.masked {
		a.m = s.mask
	}
	bnorm := s.bnorm
	if bnorm == 0 {
		clear(s.x)
		return 0, 0, nil // the solution is x = 0
	}
	tol2 := s.opt.Tol * bnorm * s.opt.Tol * bnorm
	if s.mg == nil {
		return s.jacobiCG(bnorm, tol2)
	}
	// Each pass: finish the CG step (x, r) fused with the first half of the V-cycle on
	// level 0, the coarse levels, the second half fused with r . z, then the new direction
	// fused with q = A p. The first pass and a restart take no step (alpha = 0, beta = 0).
	l0 := s.mg.levels[0]
	a.alpha, a.first = 0, true
	fresh := true
	var rz float64
	for it := 0; ; {
		l0.resetCache()
		a.pre.run()
		a.first = false
		rr := s.sum()
		if rr <= tol2 {
			// Confirm with the true residual; restart from it if rounding made the
			// recursively updated one drift.
			rr = s.reduce(a.residual)
			if rr <= tol2 {
				return it, math.Sqrt(rr) / bnorm, nil
			}
			a.alpha, fresh = 0, true
			continue
		}
		if it == s.opt.MaxIter {
			return it, math.Sqrt(rr) / bnorm, s.notConverged(math.Sqrt(rr) / bnorm)
		}
		s.mg.vcycle(1)
		a.post.run()
		rzNew := s.sum()
		a.beta = 0
		if !fresh {
			a.beta = rzNew / rz
		}
		rz, fresh = rzNew, false
		a.dir.run()
		pq := s.sum()
		if !(pq > 0) {
			return it, math.Sqrt(rr) / bnorm, fmt.Errorf("%s: breakdown at iteration %d (p.Ap = %v): the operator is not positive definite",
				s.opt.Method, it, pq)
		}
		a.alpha = rz / pq
		it++
	}
}

// jacobiCG is the baseline: conjugate gradients preconditioned by the diagonal, with the
// preconditioning fused into the direction update (z = r / c0 is never stored).
func (s *Solver) jacobiCG(bnorm, tol2 float64) (int, float64, error) {
	a := &s.cgArg
	a.alpha, a.first = 0, true
	fresh := true
	var rz float64
	for it := 0; ; {
		rr := s.reduce(a.update)
		a.first = false
		if rr <= tol2 {
			rr = s.reduce(a.residual)
			if rr <= tol2 {
				return it, math.Sqrt(rr) / bnorm, nil
			}
			a.alpha, fresh = 0, true
			continue
		}
		if it == s.opt.MaxIter {
			return it, math.Sqrt(rr) / bnorm, s.notConverged(math.Sqrt(rr) / bnorm)
		}
		rzNew := s.op.w * rr // r . z with z = r / c0
		a.beta = 0
		if !fresh {
			a.beta = rzNew / rz
		}
		rz, fresh = rzNew, false
		a.jdir.run()
		pq := s.sum()
		if !(pq > 0) {
			return it, math.Sqrt(rr) / bnorm, fmt.Errorf("%s: breakdown at iteration %d (p.Ap = %v): the operator is not positive definite",
				s.opt.Method, it, pq)
		}
		a.alpha = rz / pq
		it++
	}
}
