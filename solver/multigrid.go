package solver

import "math"

// coarsestN is the largest lattice solved directly (dense Cholesky) at the bottom of the
// multigrid hierarchy.
const coarsestN = 4

// level is one lattice of the multigrid hierarchy.
//
// Level 0 is the problem's lattice. Level l+1 has ceil(n_l / 2) cells per side: its cell I
// is the union of the cells 2I and 2I+1 of level l that exist, so that in fine-cell units
// it covers the cells [I 2^(l+1), min((I+1) 2^(l+1), N)) and its centre is their mean.
// The grid is thus a tensor product of two identical, almost uniform 1-D grids: only the
// last cell may be narrower. The absorbing boundary stays where it is on level 0, at the
// ghost-cell centres -1 and N, whatever the level.
//
// Each level's operator is the finite-volume discretization of gamma - D lap on its grid,
// multiplied by the cell area: cell (i, j) of widths W_i x W_j couples to its east
// neighbour with D W_i / (distance between the centres), and to the boundary with
// D W / (distance from the centre to the boundary). On level 0 this is exactly the
// problem's 5-point operator; on uniform coarse cells it is 4^l times the rediscretized
// operator. Modelling the true boundary position and the narrow last cells, rather than
// rediscretizing on a lattice whose ghost cells (and so the boundary) drift outwards by
// half a coarse cell per level, keeps the coarse problems consistent with the fine one.
// Measured on ten random radius-5 disks, D = 1, gamma = 1/400, relaxation, relative
// residual 1e-6: the plain rediscretization with 3/4-1/4 interpolation took 10 (N = 100)
// and 9 (N = 512) iterations, this one 7 and 7; to 1e-10, the asymptotic factor per
// iteration went from 0.17-0.20 to 0.12 (0.10 when gamma = 0.1 makes the boundary
// irrelevant). A Galerkin coarse operator was not tried: with bilinear interpolation it has
// a wider stencil, which red-black Gauss-Seidel does not treat as a Gauss-Seidel sweep.
type level struct {
	n, s     int
	d, gamma float64

	// Geometry: widths W (len n), inverse distances between consecutive centres g (len n+1;
	// g[0] and g[n] to the boundary), and G[j] = g[j] + g[j+1].
	W, g, G []float64
	// uniform: level 0, whose coefficients are the constants c0 (diagonal) and c1.
	uniform   bool
	c0, c1, w float64

	x, b    []float64 // padded correction and right-hand side
	mask    []float64 // padded free-cell mask of the current problem; nil: all free
	maskBuf []float64 // storage for mask on coarse levels
	iv      []float64 // coarse levels: padded mask / diagonal

	// Prolongation from the next coarser level, per cell index j of this level at j+1
	// (zero padding around): wc, the weight of the coarse cell containing j, and wn, the
	// weight of the coarse neighbour on the side of j (left for even j, right for odd j).
	wc, wn []float64

	scratch   []levelScratch
	pre, post *pipeline
}

// levelScratch holds one worker's buffers for the transfers between a level and the next
// coarser one.
type levelScratch struct {
	rr   [2][]float64 // red residuals of an even / odd row, at index col+1
	h    [4][]float64 // rows restricted horizontally to the coarse columns, by row & 3
	tag  [4]int       // the row each h holds
	zero []float64    // a zero coarse row
	v    []float64    // coarse rows interpolated vertically (padded)
	_    [64]byte     // keep the workers' tags on separate cache lines
}

// multigrid is the symmetric V-cycle preconditioner: one red-black Gauss-Seidel sweep
// (red then black) from a zero initial guess before the coarse-grid correction and one in
// the reverse order (black then red) after it, linear interpolation P between cell centres
// (bilinear in 2-D; 9/16, 3/16, 3/16, 1/16 away from the boundary), restriction P^T, and an
// exact solve on the coarsest lattice. The pre- and post-smoothers are adjoint to each
// other and the restriction is the transpose of the prolongation, so the preconditioner is
// symmetric positive definite, as conjugate gradients requires.
type multigrid struct {
	levels []*level
	team   *team

	// holes selects how coarse levels represent the clamped cells (holesHalf by default).
	holes holeRule

	// Dense Cholesky factor (lower triangle, row-major) of the coarsest operator, without
	// clamped cells (plain) and for the current problem (factor).
	plain, factor, cb []float64
}

// newMultigrid builds the hierarchy for an n x n lattice. The level-0 right-hand side b and
// the level-0 pipelines are set by the caller (they involve the CG vectors).
func newMultigrid(n int, d, gamma float64, workers int, t *team) *multigrid {
	mg := &multigrid{team: t, holes: holesHalf}
	N := n
	for l := 0; ; l++ {
		lv := &level{n: n, s: n + 2, d: d, gamma: gamma}
		sz := lv.s * lv.s
		lv.x = make([]float64, sz)
		lv.geometry(N, l)
		if l == 0 {
			lv.uniform = true
			lv.c1 = d
			lv.c0 = gamma + 4*d
			lv.w = 1 / lv.c0
		} else {
			lv.b = make([]float64, sz)
			lv.maskBuf = make([]float64, sz)
			lv.iv = make([]float64, sz)
		}
		mg.levels = append(mg.levels, lv)
		if n <= coarsestN {
			break
		}
		n = (n + 1) / 2
	}
	for l := 0; l < len(mg.levels)-1; l++ {
		f, c := mg.levels[l], mg.levels[l+1]
		f.transfer(c)
		f.scratch = make([]levelScratch, workers)
		for w := range f.scratch {
			sc := &f.scratch[w]
			for k := range sc.rr {
				sc.rr[k] = make([]float64, f.n+4)
			}
			for k := range sc.h {
				sc.h[k] = make([]float64, c.n)
			}
			sc.zero = make([]float64, c.n)
			sc.v = make([]float64, c.s)
		}
		if l > 0 {
			f.pre = newPipeline(t, f.n,
				stage{run: func(_, i int) { f.initRow(i) }},
				stage{run: func(_, i int) { f.smoothRow(i, 1) }, back: 1, ahead: 1},
				f.restrictStage(c))
			f.post = newPipeline(t, f.n,
				f.prolongStage(c),
				stage{run: func(_, i int) { f.smoothRow(i, 1) }, back: 1, ahead: 1},
				stage{run: func(_, i int) { f.smoothRow(i, 0) }, back: 1, ahead: 1})
		}
	}
	for _, lv := range mg.levels[1:] {
		lv.setInverseDiagonal()
	}
	last := mg.levels[len(mg.levels)-1]
	dim := last.n * last.n
	mg.plain = make([]float64, dim*dim)
	mg.factor = make([]float64, dim*dim)
	mg.cb = make([]float64, dim)
	last.matrix(mg.plain)
	cholesky(mg.plain, dim)
	copy(mg.factor, mg.plain)
	return mg
}

// geometry sets W, g and G for level l of a hierarchy over an N x N lattice.
func (lv *level) geometry(N, l int) {
	n := lv.n
	lv.W = make([]float64, n)
	lv.g = make([]float64, n+1)
	lv.G = make([]float64, n)
	centre := make([]float64, n+2) // with the boundary positions around
	centre[0], centre[n+1] = -1, float64(N)
	for I := 0; I < n; I++ {
		lo, hi := I<<l, min((I+1)<<l, N)
		lv.W[I] = float64(hi - lo)
		centre[I+1] = float64(lo+hi-1) / 2
	}
	for j := 0; j <= n; j++ {
		lv.g[j] = 1 / (centre[j+1] - centre[j])
	}
	for j := 0; j < n; j++ {
		lv.G[j] = lv.g[j] + lv.g[j+1]
	}
}

// centres returns the cell centres of the level in fine-cell units, from its geometry.
func (lv *level) centres() []float64 {
	c := make([]float64, lv.n)
	x := -1.0
	for j := range c {
		x += 1 / lv.g[j]
		c[j] = x
	}
	return c
}

// transfer sets the interpolation weights from the coarser level c to lv: linear in the
// distance between centres, with the boundary (value 0) as the neighbour of the first and
// last coarse cells.
func (lv *level) transfer(c *level) {
	fc, cc := lv.centres(), c.centres()
	N := float64(0)
	if len(cc) > 0 {
		N = cc[len(cc)-1] + 1/c.g[c.n]
	}
	lv.wc = make([]float64, lv.n+4)
	lv.wn = make([]float64, lv.n+4)
	for j, x := range fc {
		J := j >> 1
		own := cc[J]
		var nb float64
		switch {
		case x < own && J > 0:
			nb = cc[J-1]
		case x < own:
			nb = -1
		case x > own && J < c.n-1:
			nb = cc[J+1]
		case x > own:
			nb = N
		default: // the coarse cell has this fine cell only
			lv.wc[j+1] = 1
			continue
		}
		a := (x - nb) / (own - nb)
		lv.wc[j+1], lv.wn[j+1] = a, 1-a
	}
}

// diag returns the diagonal of the operator at cell (i, j) of a coarse level.
func (lv *level) diag(i, j int) float64 {
	return (lv.gamma*lv.W[i]+lv.d*lv.G[i])*lv.W[j] + lv.d*lv.W[i]*lv.G[j]
}

// setInverseDiagonal sets iv = mask / diagonal on a coarse level.
func (lv *level) setInverseDiagonal() {
	clear(lv.iv)
	for i := 0; i < lv.n; i++ {
		for j := 0; j < lv.n; j++ {
			k := (i+1)*lv.s + j + 1
			if lv.mask == nil || lv.mask[k] != 0 {
				lv.iv[k] = 1 / lv.diag(i, j)
			}
		}
	}
}

// matrix writes the dense matrix of the level's operator (dim = n*n, row-major) into a,
// with identity rows and columns for clamped cells.
func (lv *level) matrix(a []float64) {
	n := lv.n
	dim := n * n
	clear(a[:dim*dim])
	free := func(i, j int) bool { return lv.mask == nil || lv.mask[(i+1)*lv.s+j+1] != 0 }
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			k := i*n + j
			if !free(i, j) {
				a[k*dim+k] = 1
				continue
			}
			a[k*dim+k] = lv.diag(i, j)
			couple := func(ii, jj int, c float64) {
				if ii >= 0 && ii < n && jj >= 0 && jj < n && free(ii, jj) {
					a[k*dim+ii*n+jj] = -c
				}
			}
			couple(i, j-1, lv.d*lv.W[i]*lv.g[j])
			couple(i, j+1, lv.d*lv.W[i]*lv.g[j+1])
			couple(i-1, j, lv.d*lv.W[j]*lv.g[i])
			couple(i+1, j, lv.d*lv.W[j]*lv.g[i+1])
		}
	}
}

// setMask sets the free-cell mask of level 0 (nil: no clamped cell) and derives the coarse
// masks, inverse diagonals and the coarsest factor.
func (mg *multigrid) setMask(m []float64) {
	mg.levels[0].mask = m
	for l := 1; l < len(mg.levels); l++ {
		f, c := mg.levels[l-1], mg.levels[l]
		old := c.mask
		c.mask = nil
		if f.mask != nil && mg.holes != holesIgnore && coarsenMask(c.maskBuf, c, f.mask, f, mg.holes) {
			c.mask = c.maskBuf
		}
		if old != nil || c.mask != nil {
			c.setInverseDiagonal()
		}
	}
	last := mg.levels[len(mg.levels)-1]
	if last.mask == nil {
		copy(mg.factor, mg.plain)
		return
	}
	last.matrix(mg.factor)
	cholesky(mg.factor, last.n*last.n)
}

// holeRule says when a coarse cell counts as clamped in the clamped model. Measured on 10
// random radius-5 disks (D = 1, gamma = 1/400), iterations to a relative residual of 1e-6 /
// 1e-10: N = 512: ignore 15 / 22, all 13 / 20, half 9 / 15; N = 100: ignore 15 / 23,
// all 12 / 18, half 9 / 14. A small clamped disk is a strong sink for the smooth error
// even when it is smaller than a coarse cell, so representing it generously pays.
type holeRule int

const (
	holesHalf   holeRule = iota // clamped when at least half of its fine cells are
	holesAll                    // clamped when all its fine cells are
	holesIgnore                 // coarse levels have no clamped cells
)

// coarsenMask sets cm (padded, coarse) to 0 on the coarse cells that the rule clamps and
// to 1 elsewhere, and reports whether any coarse cell is clamped.
func coarsenMask(cm []float64, c *level, fm []float64, f *level, rule holeRule) bool {
	clear(cm)
	holes := false
	for I := 0; I < c.n; I++ {
		for J := 0; J < c.n; J++ {
			free := 0.0
			nf, nc := 0, 0
			for di := 0; di < 2; di++ {
				for dj := 0; dj < 2; dj++ {
					i, j := 2*I+di, 2*J+dj
					if i < f.n && j < f.n {
						if fm[(i+1)*f.s+j+1] != 0 {
							nf++
						} else {
							nc++
						}
					}
				}
			}
			switch rule {
			case holesAll:
				if nf > 0 {
					free = 1
				}
			case holesHalf:
				if nf > nc {
					free = 1
				}
			}
			cm[(I+1)*c.s+J+1] = free
			holes = holes || free == 0
		}
	}
	return holes
}

// vcycle applies the V-cycle from level l >= 1 down (level 0 is driven by the solver,
// which fuses it with the conjugate-gradient updates).
func (mg *multigrid) vcycle(l int) {
	if l == len(mg.levels)-1 {
		mg.coarseSolve()
		return
	}
	lv := mg.levels[l]
	lv.resetCache()
	lv.pre.run()
	mg.vcycle(l + 1)
	lv.post.run()
}

// rows5 returns row i of the padded vector v (c), its left and right shifts (l, r) and the
// rows above and below (u, d), all of length n.
func (lv *level) rows5(v []float64, i int) (c, l, r, u, d []float64) {
	n, s := lv.n, lv.s
	b := (i+1)*s + 1
	c = v[b : b+n : b+n]
	l = v[b-1 : b-1+n : b-1+n]
	r = v[b+1 : b+1+n : b+1+n]
	u = v[b-s : b-s+n : b-s+n]
	d = v[b+s : b+s+n : b+s+n]
	return
}

// row returns the n interior cells of padded row i of v.
func (lv *level) row(v []float64, i int) []float64 {
	b := (i+1)*lv.s + 1
	return v[b : b+lv.n : b+lv.n]
}

// initRow performs the red half of the first Gauss-Seidel sweep from a zero initial guess
// on row i (red x = b / diagonal, black x = 0).
func (lv *level) initRow(i int) {
	x := lv.row(lv.x, i)
	b := lv.row(lv.b, i)
	b = b[:len(x)]
	red := i & 1
	if lv.uniform {
		w := lv.w
		for j := red; j < len(x); j += 2 {
			x[j] = w * b[j]
		}
	} else {
		iv := lv.row(lv.iv, i)
		iv = iv[:len(x)]
		for j := red; j < len(x); j += 2 {
			x[j] = iv[j] * b[j]
		}
	}
	for j := 1 - red; j < len(x); j += 2 {
		x[j] = 0
	}
}

// smoothRow performs the Gauss-Seidel update of the cells of one color ((i + j) % 2 ==
// color, 0 being red) of row i: x = (b + off-diagonal neighbours) / diagonal, 0 on clamped
// cells.
func (lv *level) smoothRow(i, color int) {
	xc, xl, xr, xu, xd := lv.rows5(lv.x, i)
	n := len(xc)
	b := lv.row(lv.b, i)
	b, xl, xr, xu, xd = b[:n], xl[:n], xr[:n], xu[:n], xd[:n]
	j0 := (i + color) & 1
	if lv.uniform {
		// x[j+1] (the other color) is carried over as the left neighbour of j+2.
		c1, w := lv.c1, lv.w
		left := xl[0]
		if j0 == 1 {
			left = xc[0]
		}
		if lv.mask == nil {
			for j := j0; j < n; j += 2 {
				right := xr[j]
				xc[j] = w * (b[j] + c1*(left+right+xu[j]+xd[j]))
				left = right
			}
		} else {
			m := lv.row(lv.mask, i)
			m = m[:n]
			for j := j0; j < n; j += 2 {
				right := xr[j]
				xc[j] = m[j] * w * (b[j] + c1*(left+right+xu[j]+xd[j]))
				left = right
			}
		}
		return
	}
	iv := lv.row(lv.iv, i)
	W, gl, gr := lv.W[:n], lv.g[:n], lv.g[1:n+1]
	iv = iv[:n]
	dw, du, dd := lv.d*lv.W[i], lv.d*lv.g[i], lv.d*lv.g[i+1]
	for j := j0; j < n; j += 2 {
		nb := dw*(gl[j]*xl[j]+gr[j]*xr[j]) + W[j]*(du*xu[j]+dd*xd[j])
		xc[j] = iv[j] * (b[j] + nb)
	}
}

// redResidualRow writes the residual b - A x of the red cells of row i into rr at index
// j+1 (the black cells' residual vanishes right after a black half-sweep; rr is left
// untouched there).
func (lv *level) redResidualRow(rr []float64, i int) {
	xc, xl, xr, xu, xd := lv.rows5(lv.x, i)
	n := len(xc)
	b := lv.row(lv.b, i)
	b, xl, xr, xu, xd = b[:n], xl[:n], xr[:n], xu[:n], xd[:n]
	out := rr[1 : 1+n]
	j0 := i & 1
	if lv.uniform {
		c0, c1 := lv.c0, lv.c1
		for j := j0; j < n; j += 2 {
			out[j] = b[j] - c0*xc[j] + c1*(xl[j]+xr[j]+xu[j]+xd[j])
		}
	} else {
		W, G, gl, gr := lv.W[:n], lv.G[:n], lv.g[:n], lv.g[1:n+1]
		dw, du, dd := lv.d*lv.W[i], lv.d*lv.g[i], lv.d*lv.g[i+1]
		a := lv.gamma*lv.W[i] + lv.d*lv.G[i]
		for j := j0; j < n; j += 2 {
			nb := dw*(gl[j]*xl[j]+gr[j]*xr[j]) + W[j]*(du*xu[j]+dd*xd[j])
			out[j] = b[j] + nb - (a*W[j]+dw*G[j])*xc[j]
		}
	}
	if lv.mask != nil {
		m := lv.row(lv.mask, i)
		m = m[:n]
		for j := j0; j < n; j += 2 {
			out[j] *= m[j]
		}
	}
}

// hrow returns row r of the residual restricted horizontally to the coarse columns, from
// the worker's cache when it holds it.
func (lv *level) hrow(sc *levelScratch, r int) []float64 {
	if r < 0 || r >= lv.n {
		return sc.zero
	}
	slot := r & 3
	h := sc.h[slot]
	if sc.tag[slot] == r {
		return h
	}
	sc.tag[slot] = r
	rr := sc.rr[r&1]
	lv.redResidualRow(rr, r)
	// Coarse column J gathers the fine columns 2J-1, 2J, 2J+1, 2J+2 (at rr[2J..2J+3])
	// with the weights wn, wc, wc, wn; only the red ones are non-zero.
	wc, wn := lv.wc, lv.wn
	if r&1 == 0 { // red cells at even columns 2J and 2J+2
		rr, wc, wn = rr[1:2*len(h)+3], wc[1:2*len(h)+3], wn[1:2*len(h)+3]
		for J := range h {
			h[J] = wc[2*J]*rr[2*J] + wn[2*J+2]*rr[2*J+2]
		}
	} else { // red cells at odd columns 2J-1 and 2J+1
		rr, wc, wn = rr[:2*len(h)+2], wc[:2*len(h)+2], wn[:2*len(h)+2]
		for J := range h {
			h[J] = wn[2*J]*rr[2*J] + wc[2*J+2]*rr[2*J+2]
		}
	}
	return h
}

// restrictStage returns the stage that sets the coarse right-hand side c.b = P^T (b - A x)
// row by row: fine row 2I computes coarse row I from the fine rows 2I-1 .. 2I+2, whose
// residuals need x on the rows 2I-2 .. 2I+3. The last smoothing half-sweep must have been
// black (only red cells have a residual).
func (lv *level) restrictStage(c *level) stage {
	return stage{back: 2, ahead: 3, run: func(w, i int) {
		if i&1 == 1 {
			return
		}
		sc := &lv.scratch[w]
		I := i >> 1
		h0, h1 := lv.hrow(sc, 2*I-1), lv.hrow(sc, 2*I)
		h2, h3 := lv.hrow(sc, 2*I+1), lv.hrow(sc, 2*I+2)
		out := c.row(c.b, I)
		n := len(out)
		h0, h1, h2, h3 = h0[:n], h1[:n], h2[:n], h3[:n]
		w0, w1, w2, w3 := lv.wn[2*I], lv.wc[2*I+1], lv.wc[2*I+2], lv.wn[2*I+3]
		if c.mask == nil {
			for J := range out {
				out[J] = w0*h0[J] + w1*h1[J] + w2*h2[J] + w3*h3[J]
			}
		} else {
			m := c.row(c.mask, I)
			m = m[:n]
			for J := range out {
				out[J] = m[J] * (w0*h0[J] + w1*h1[J] + w2*h2[J] + w3*h3[J])
			}
		}
	}}
}

// resetCache invalidates the workers' restriction caches (x changed).
func (lv *level) resetCache() {
	for w := range lv.scratch {
		lv.scratch[w].tag = [4]int{-9, -9, -9, -9}
	}
}

// prolongStage returns the stage that adds the interpolated coarse correction P c.x to
// row i of x (masked).
func (lv *level) prolongStage(c *level) stage {
	return stage{run: func(w, i int) {
		sc := &lv.scratch[w]
		I := i >> 1
		cs := c.s
		v := sc.v[:cs]
		own := c.x[(I+1)*cs : (I+2)*cs]
		own = own[:len(v)]
		a, bw := lv.wc[i+1], lv.wn[i+1]
		nr := I * cs // coarse row I-1 for even rows
		if i&1 == 1 {
			nr = (I + 2) * cs // coarse row I+1 for odd rows
		}
		nb := c.x[nr : nr+cs]
		nb = nb[:len(v)]
		for J := range v {
			v[J] = a*own[J] + bw*nb[J]
		}
		x := lv.row(lv.x, i)
		n := len(x)
		wc, wn := lv.wc[1:n+1], lv.wn[1:n+1]
		pairs := n >> 1
		// Fine column 2J takes coarse columns J (own, at v[J+1]) and J-1 (at v[J]); fine
		// column 2J+1 takes J and J+1 (at v[J+2]).
		if lv.mask == nil {
			for J := 0; J < pairs; J++ {
				x[2*J] += wc[2*J]*v[J+1] + wn[2*J]*v[J]
				x[2*J+1] += wc[2*J+1]*v[J+1] + wn[2*J+1]*v[J+2]
			}
			if n&1 == 1 {
				x[n-1] += wc[n-1]*v[pairs+1] + wn[n-1]*v[pairs]
			}
		} else {
			m := lv.row(lv.mask, i)
			for J := 0; J < pairs; J++ {
				x[2*J] += m[2*J] * (wc[2*J]*v[J+1] + wn[2*J]*v[J])
				x[2*J+1] += m[2*J+1] * (wc[2*J+1]*v[J+1] + wn[2*J+1]*v[J+2])
			}
			if n&1 == 1 {
				x[n-1] += m[n-1] * (wc[n-1]*v[pairs+1] + wn[n-1]*v[pairs])
			}
		}
	}}
}

// coarseSolve solves the coarsest level exactly with the dense Cholesky factor.
func (mg *multigrid) coarseSolve() {
	lv := mg.levels[len(mg.levels)-1]
	n := lv.n
	b := mg.cb
	for i := 0; i < n; i++ {
		copy(b[i*n:i*n+n], lv.row(lv.b, i))
		if lv.mask != nil {
			m := lv.row(lv.mask, i)
			for j := range m {
				b[i*n+j] *= m[j]
			}
		}
	}
	choleskySolve(mg.factor, len(b), b)
	for i := 0; i < n; i++ {
		copy(lv.row(lv.x, i), b[i*n:i*n+n])
	}
}

// cholesky overwrites the lower triangle of the symmetric positive definite dim x dim
// matrix a (row-major) with its Cholesky factor L (a = L L^T).
func cholesky(a []float64, dim int) {
	for j := 0; j < dim; j++ {
		s := a[j*dim+j]
		for k := 0; k < j; k++ {
			s -= a[j*dim+k] * a[j*dim+k]
		}
		d := math.Sqrt(s)
		a[j*dim+j] = d
		for i := j + 1; i < dim; i++ {
			s := a[i*dim+j]
			for k := 0; k < j; k++ {
				s -= a[i*dim+k] * a[j*dim+k]
			}
			a[i*dim+j] = s / d
		}
	}
}

// choleskySolve overwrites b with the solution of L L^T x = b.
func choleskySolve(l []float64, dim int, b []float64) {
	for i := 0; i < dim; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i*dim+k] * b[k]
		}
		b[i] = s / l[i*dim+i]
	}
	for i := dim - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < dim; k++ {
			s -= l[k*dim+i] * b[k]
		}
		b[i] = s / l[i*dim+i]
	}
}
