package solver

// stencil is the problem's 5-point operator gamma - D lap on an n x n lattice with an
// absorbing boundary, acting on padded vectors: (n+2) x (n+2) row-major arrays whose ghost
// ring is zero, cell (i, j) at index (i+1)*s + j+1.
//
// (A x)_k = c0 x_k - c1 (x_{k-1} + x_{k+1} + x_{k-s} + x_{k+s}).
type stencil struct {
	n, s int     // cells per side, padded stride n+2
	c0   float64 // diagonal gamma + 4 D
	c1   float64 // off-diagonal magnitude D
	w    float64 // 1 / c0
}

func newStencil(n int, d, gamma float64) stencil {
	c0 := gamma + 4*d
	return stencil{n: n, s: n + 2, c0: c0, c1: d, w: 1 / c0}
}

// row returns the n interior cells of padded row i (0 <= i < n) of v.
func (st *stencil) row(v []float64, i int) []float64 {
	b := (i+1)*st.s + 1
	return v[b : b+st.n : b+st.n]
}

// rows5 returns, for padded row i of v, the interior cells of the row (c), its left and
// right shifts (l, r) and the rows above and below (u, d), all of length n, so that the
// 5-point neighbours of c[j] are l[j], r[j], u[j], d[j].
func (st *stencil) rows5(v []float64, i int) (c, l, r, u, d []float64) {
	n, s := st.n, st.s
	b := (i+1)*s + 1
	c = v[b : b+n : b+n]
	l = v[b-1 : b-1+n : b-1+n]
	r = v[b+1 : b+1+n : b+1+n]
	u = v[b-s : b-s+n : b-s+n]
	d = v[b+s : b+s+n : b+s+n]
	return
}

// applyRows sets q = A p on the rows [lo, hi) (masked by m when m is not nil: q = 0 on
// clamped cells) and returns the partial dot product p . q over them.
func (st *stencil) applyRows(q, p, m []float64, lo, hi int) float64 {
	c0, c1 := st.c0, st.c1
	dot := 0.0
	for i := lo; i < hi; i++ {
		pc, pl, pr, pu, pd := st.rows5(p, i)
		qr := st.row(q, i)
		qr = qr[:len(pc)]
		pl, pr, pu, pd = pl[:len(pc)], pr[:len(pc)], pu[:len(pc)], pd[:len(pc)]
		// The row neighbours are carried in registers: left = p[j-1], v = p[j].
		left := pl[0]
		if m == nil {
			for j, v := range pc {
				right := pr[j]
				y := c0*v - c1*(left+right+pu[j]+pd[j])
				qr[j] = y
				dot += v * y
				left = v
			}
		} else {
			mr := st.row(m, i)
			mr = mr[:len(pc)]
			for j, v := range pc {
				right := pr[j]
				y := mr[j] * (c0*v - c1*(left+right+pu[j]+pd[j]))
				qr[j] = y
				dot += v * y
				left = v
			}
		}
	}
	return dot
}

// residualRows sets r = b - A x on the rows [lo, hi) (masked by m when m is not nil) and
// returns the partial sum of r^2 over them.
func (st *stencil) residualRows(r, b, x, m []float64, lo, hi int) float64 {
	c0, c1 := st.c0, st.c1
	sum := 0.0
	for i := lo; i < hi; i++ {
		xc, xl, xr, xu, xd := st.rows5(x, i)
		rr := st.row(r, i)
		br := st.row(b, i)
		rr, br = rr[:len(xc)], br[:len(xc)]
		xl, xr, xu, xd = xl[:len(xc)], xr[:len(xc)], xu[:len(xc)], xd[:len(xc)]
		if m == nil {
			for j, v := range xc {
				y := br[j] - c0*v + c1*(xl[j]+xr[j]+xu[j]+xd[j])
				rr[j] = y
				sum += y * y
			}
		} else {
			mr := st.row(m, i)
			mr = mr[:len(xc)]
			for j, v := range xc {
				y := mr[j] * (br[j] - c0*v + c1*(xl[j]+xr[j]+xu[j]+xd[j]))
				rr[j] = y
				sum += y * y
			}
		}
	}
	return sum
}
