package gemm

import (
	"sync"
)

// view is a Matrix with an origin: element (i, j) is data[base+ro(i)+co(j)].
type view struct {
	data           []float32
	base           int
	rs, cs         int
	rowOff, colOff []int
}

func toView(m Matrix) view {
	v := view{data: m.Data, rs: m.RowStride, cs: m.ColStride, rowOff: m.RowOff, colOff: m.ColOff}
	// Strides of a single row or column are irrelevant: normalize them to the cheapest case.
	if m.Rows == 1 && v.rowOff == nil {
		v.rs = 0
	}
	if m.Cols == 1 && v.colOff == nil {
		v.cs = 1
	}
	return v
}

func (v *view) ro(i int) int {
	if v.rowOff != nil {
		return v.rowOff[i]
	}
	return i * v.rs
}

func (v *view) co(j int) int {
	if v.colOff != nil {
		return v.colOff[j]
	}
	return j * v.cs
}

// sub returns the view whose (0, 0) is v's (r0, c0).
func (v view) sub(r0, c0 int) view {
	if v.rowOff != nil {
		v.rowOff = v.rowOff[r0:]
	} else {
		v.base += r0 * v.rs
	}
	if v.colOff != nil {
		v.colOff = v.colOff[c0:]
	} else {
		v.base += c0 * v.cs
	}
	return v
}

func (v *view) plain() bool { return v.rowOff == nil && v.colOff == nil }

// microKernel computes the mr×nr tile acc(i, j) = Σ_{p<k} a[i*rs+p*cs]·b[p*nr+j] and stores rows
// i < m, columns j < n of it into c[i*ldc+j] (adding to c when acc). Kernels whose desc has
// partialN false need n == nr.
type microKernel func(k int, a []float32, rs, cs int, b, c []float32, ldc int, acc bool, m, n int)

// kernelDesc is a micro-kernel with its register tile and cache blocking.
type kernelDesc struct {
	name       string
	mr, nr     int
	kc, mc, nc int
	partialN   bool // fn stores partial column tiles itself
	directMaxN int  // read A in place (no packing) when A is a plain strided matrix and N <= directMaxN
	fn         microKernel
	fnT        microKernelT // nil if the kernel has no variant for A with a column table
	// fnPair, if not nil, replaces fn when A is read in place with unit column stride; it takes B
	// packed by packBPair.
	fnPair microKernel
}

// microKernelT is a microKernel whose A advances by the byte deltas dt[p] after step p instead of
// by a stride.
type microKernelT func(k int, a []float32, rs int, dt []int, b, c []float32, ldc int, acc bool, m, n int)

// kernelSet is the family of micro-kernels of one instruction set.
type kernelSet struct {
	name  string
	tiles []*kernelDesc // by increasing nr; the first whose nr >= N (else the last) is used
}

func (ks *kernelSet) choose(n int) *kernelDesc {
	for _, kd := range ks.tiles {
		if n <= kd.nr {
			return kd
		}
	}
	return ks.tiles[len(ks.tiles)-1]
}

// workspace holds the reusable buffers of one goroutine's share of a product.
type workspace struct {
	bpack, apack, aedge, tile, partial []float32
	runs                               []colRun
	dt                                 []int
}

var wsPool = sync.Pool{New: func() any { return new(workspace) }}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n, n+n/8)
	}
	return s[:n]
}

func roundUp(x, r int) int { return (x + r - 1) / r * r }

// gemmSerial computes C = A·B (or C += A·B) for an m×n C, in one goroutine.
func gemmSerial(kd *kernelDesc, ws *workspace, c, a, b view, m, n, k int, accumulate bool) {
	mr, nr := kd.mr, kd.nr
	// Equal k blocks no larger than kd.kc.
	nkb := (k + kd.kc - 1) / kd.kc
	kc := (k + nkb - 1) / nkb
	nc := min(kd.nc, roundUp(n, nr))
	mc := min(kd.mc, roundUp(m, mr))
	direct := a.plain() && n <= kd.directMaxN && a.rs >= 0 && a.cs >= 0
	// A with a column offset table (im2col) read in place through a table of k deltas.
	tabDirect := !direct && a.colOff != nil && kd.fnT != nil && n <= kd.directMaxN
	cDirect := c.cs == 1 && c.rs >= 0
	// (The pair kernel only pays off when the k loop is long enough to amortize its epilogue.)
	pair := direct && a.cs == 1 && kd.fnPair != nil && kc >= 16
	ws.bpack = grow(ws.bpack, (kc+1)*nc)
	if !direct && !tabDirect {
		ws.apack = grow(ws.apack, kc*mc)
	} else {
		ws.aedge = grow(ws.aedge, kc*mr)
	}
	if tabDirect {
		if cap(ws.dt) < kc {
			ws.dt = make([]int, kc)
		}
		ws.dt = ws.dt[:kc]
	}
	ws.tile = grow(ws.tile, mr*nr)
	bpack, apack, aedge := ws.bpack, ws.apack, ws.aedge
	t := tileCall{kd: kd, c: c, cDirect: cDirect, tile: ws.tile, pair: pair}
	for jc := 0; jc < n; jc += nc {
		ncur := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kcur := min(kc, k-pc)
			kb := kcur // rows of a packed B panel
			if pair {
				kb = roundUp(kcur, 2)
				packBPair(bpack, &b, pc, kcur, jc, ncur, nr)
			} else {
				packB(bpack, &b, pc, kcur, jc, ncur, nr)
			}
			t.k, t.acc = kcur, accumulate || pc > 0
			var minCol, maxCol int
			if tabDirect {
				cols := a.colOff[pc : pc+kcur]
				dt := ws.dt[:kcur]
				minCol, maxCol = cols[0], cols[0]
				for p, o := range cols {
					minCol, maxCol = min(minCol, o), max(maxCol, o)
					if p+1 < len(cols) {
						dt[p] = (cols[p+1] - o) * 4
					} else {
						dt[p] = 0
					}
				}
			}
			for ic := 0; ic < m; ic += mc {
				mcur := min(mc, m-ic)
				switch {
				case tabDirect:
				case !direct:
					packA(apack, &a, ic, mcur, pc, kcur, mr, ws)
				case mcur%mr == 0:
				case pair:
					last := mcur / mr * mr
					packARows(aedge, &a, ic+last, mcur-last, pc, kcur, mr)
				default:
					last := mcur / mr * mr
					packA(aedge, &a, ic+last, mcur-last, pc, kcur, mr, ws)
				}
				for jr := 0; jr < ncur; jr += nr {
					t.nn, t.j0 = min(nr, ncur-jr), jc+jr
					t.b = bpack[(jr/nr)*kb*nr:]
					for ir := 0; ir < mcur; ir += mr {
						mm := min(mr, mcur-ir)
						i0 := ic + ir
						switch {
						case tabDirect:
							if !t.runTab(&a, i0, mm, pc, ws.dt[:kcur], minCol, maxCol) {
								packA(aedge, &a, i0, mm, pc, kcur, mr, ws)
								t.run(i0, mm, aedge, 1, mr, nil)
							}
						case !direct:
							t.run(i0, mm, apack[(ir/mr)*kcur*mr:], 1, mr, nil)
						case mm < mr && pair:
							t.run(i0, mm, aedge, kcur, 1, nil)
						case mm < mr:
							t.run(i0, mm, aedge, 1, mr, nil)
						default:
							t.run(i0, mm, a.data[a.base+i0*a.rs+pc*a.cs:], a.rs, a.cs, nil)
						}
					}
				}
			}
		}
	}
}

// tileCall runs the micro-kernel on the tiles of one k block and one panel of B.
type tileCall struct {
	kd      *kernelDesc
	c       view
	cDirect bool
	tile    []float32
	k       int  // k block length
	acc     bool // add to C
	b       []float32
	nn, j0  int  // columns of the panel and the first one
	pair    bool // use kd.fnPair
}

// run computes rows i0..i0+mm-1 of C (mm <= mr) for the current panel, with A's tile at a with
// strides rs, cs (or, if dt != nil, advancing by the byte deltas dt).
func (t *tileCall) run(i0, mm int, a []float32, rs, cs int, dt []int) {
	kd, c := t.kd, &t.c
	fn := kd.fn
	if t.pair {
		fn = kd.fnPair
	}
	if t.cDirect && (t.nn == kd.nr || kd.partialN) {
		cp := c.data[c.base+i0*c.rs+t.j0:]
		if dt != nil {
			kd.fnT(t.k, a, rs, dt, t.b, cp, c.rs, t.acc, mm, t.nn)
		} else {
			fn(t.k, a, rs, cs, t.b, cp, c.rs, t.acc, mm, t.nn)
		}
		return
	}
	nr := kd.nr
	if dt != nil {
		kd.fnT(t.k, a, rs, dt, t.b, t.tile, nr, false, kd.mr, nr)
	} else {
		fn(t.k, a, rs, cs, t.b, t.tile, nr, false, kd.mr, nr)
	}
	for i := 0; i < mm; i++ {
		row := c.base + c.ro(i0+i)
		tr := t.tile[i*nr : i*nr+t.nn]
		if t.acc {
			for j, v := range tr {
				c.data[row+(t.j0+j)*c.cs] += v
			}
		} else {
			for j, v := range tr {
				c.data[row+(t.j0+j)*c.cs] = v
			}
		}
	}
}

// runTab runs rows i0..i0+mm-1 reading A in place through its column table: the rows are split
// into at most 3 runs of evenly spaced row offsets, each computed by one kernel call (the kernel
// computes mr rows and stores the run's). It returns false, doing nothing, when the tile does not
// allow it (more runs, or the rows the kernel computes would read outside A's data).
func (t *tileCall) runTab(a *view, i0, mm, k0 int, dt []int, minCol, maxCol int) bool {
	mr := t.kd.mr
	var segs [3]struct{ s0, s1, rs int }
	nseg := 0
	for s0 := 0; s0 < mm; {
		r0 := a.ro(i0 + s0)
		s1, rs := s0+1, 0
		if s1 < mm {
			rs = a.ro(i0+s1) - r0
			for s1 < mm && a.ro(i0+s1)-a.ro(i0+s1-1) == rs {
				s1++
			}
		}
		if rs < 0 || nseg == len(segs) {
			return false
		}
		base := a.base + r0
		if base+minCol < 0 || base+(mr-1)*rs+maxCol >= len(a.data) {
			return false
		}
		segs[nseg] = struct{ s0, s1, rs int }{s0, s1, rs}
		nseg++
		s0 = s1
	}
	for _, sg := range segs[:nseg] {
		start := a.base + a.ro(i0+sg.s0) + a.colOff[k0]
		t.run(i0+sg.s0, sg.s1-sg.s0, a.data[start:], sg.rs, 0, dt)
	}
	return true
}

// consecutive reports whether the offsets tab[0:n] are tab[0], tab[0]+1, ...
func consecutive(tab []int, n int) bool {
	t0 := tab[0]
	for i, v := range tab[:n] {
		if v != t0+i {
			return false
		}
	}
	return true
}

// packB packs B[k0:k0+kc, j0:j0+nc] into kc×nr panels (row p of a panel: nr consecutive floats),
// zero-padding the last panel's columns.
func packB(dst []float32, b *view, k0, kc, j0, nc, nr int) {
	for jp := 0; jp < nc; jp += nr {
		n := min(nr, nc-jp)
		d := dst[(jp/nr)*kc*nr:][:kc*nr]
		j := j0 + jp
		switch {
		case (b.colOff == nil && b.cs == 1) || (b.colOff != nil && consecutive(b.colOff[j:], n)):
			c0 := b.base + b.co(j)
			if b.rowOff == nil {
				s := c0 + k0*b.rs
				switch {
				case n == 32 && nr == 32:
					for p := 0; p < kc; p++ {
						*(*[32]float32)(d[p*32:]) = *(*[32]float32)(b.data[s:])
						s += b.rs
					}
				case n == 16 && nr == 16:
					for p := 0; p < kc; p++ {
						*(*[16]float32)(d[p*16:]) = *(*[16]float32)(b.data[s:])
						s += b.rs
					}
				case n == 8 && nr == 8:
					for p := 0; p < kc; p++ {
						*(*[8]float32)(d[p*8:]) = *(*[8]float32)(b.data[s:])
						s += b.rs
					}
				default:
					for p := 0; p < kc; p++ {
						copy(d[p*nr:p*nr+n], b.data[s:s+n])
						s += b.rs
					}
				}
			} else {
				for p := 0; p < kc; p++ {
					s := c0 + b.rowOff[k0+p]
					copy(d[p*nr:p*nr+n], b.data[s:s+n])
				}
			}
		case b.plain():
			for t := 0; t < n; t++ {
				s := b.base + (j+t)*b.cs + k0*b.rs
				for p := 0; p < kc; p++ {
					d[p*nr+t] = b.data[s]
					s += b.rs
				}
			}
		default:
			for t := 0; t < n; t++ {
				s := b.base + b.co(j+t)
				for p := 0; p < kc; p++ {
					d[p*nr+t] = b.data[s+b.ro(k0+p)]
				}
			}
		}
		if n < nr {
			for p := 0; p < kc; p++ {
				clear(d[p*nr+n : (p+1)*nr])
			}
		}
	}
}

// packBPair packs B[k0:k0+kc, j0:j0+nc] for a pair kernel: panels of nr columns, each made of
// ceil(kc/2) blocks of 2·nr floats where block q interleaves rows 2q and 2q+1:
// d[q*2nr + 2j + e] = B(k0+2q+e, j), zero where the row or column does not exist.
func packBPair(dst []float32, b *view, k0, kc, j0, nc, nr int) {
	kb := roundUp(kc, 2)
	for jp := 0; jp < nc; jp += nr {
		n := min(nr, nc-jp)
		d := dst[(jp/nr)*kb*nr:][:kb*nr]
		clear(d)
		for p := 0; p < kc; p++ {
			r := b.base + b.ro(k0+p)
			dq := d[(p/2)*2*nr+p%2:]
			for t := 0; t < n; t++ {
				dq[2*t] = b.data[r+b.co(j0+jp+t)]
			}
		}
	}
}

// packARows copies rows i0..i0+m-1, columns k0..k0+kc-1 of a plain A with unit column stride into
// an mr×kc row-major block (row stride kc), zero-padding rows m..mr-1.
func packARows(dst []float32, a *view, i0, m, k0, kc, mr int) {
	for t := 0; t < mr; t++ {
		d := dst[t*kc : (t+1)*kc]
		if t >= m {
			clear(d)
			continue
		}
		s := a.base + (i0+t)*a.rs + k0
		copy(d, a.data[s:s+kc])
	}
}

// colRun is a run of columns p0..p0+n-1 of A at consecutive offsets off, off+1, ...
type colRun struct{ p0, n, off int }

// colRuns splits A's columns k0..k0+kc-1 into runs of consecutive offsets, or returns nil when
// they are not worth it (short runs or a non-unit plain stride).
func colRuns(runs []colRun, a *view, k0, kc int) []colRun {
	runs = runs[:0]
	if a.colOff == nil {
		if a.cs != 1 {
			return nil
		}
		return append(runs, colRun{0, kc, k0})
	}
	cols := a.colOff[k0 : k0+kc]
	for p := 0; p < kc; {
		q := p + 1
		for q < kc && cols[q] == cols[p]+(q-p) {
			q++
		}
		runs = append(runs, colRun{p, q - p, cols[p]})
		p = q
	}
	if len(runs)*4 > kc {
		return nil
	}
	return runs
}

// packA packs A[i0:i0+mc, k0:k0+kc] into mr×kc panels (column p of a panel: mr consecutive
// floats), zero-padding the last panel's rows.
func packA(dst []float32, a *view, i0, mc, k0, kc, mr int, ws *workspace) {
	ws.runs = colRuns(ws.runs, a, k0, kc)
	runs := ws.runs
	data := a.data
	for ip := 0; ip < mc; ip += mr {
		m := min(mr, mc-ip)
		d := dst[(ip/mr)*kc*mr:][:kc*mr]
		i := i0 + ip
		switch {
		case (a.rowOff == nil && a.rs == 1) || (a.rowOff != nil && consecutive(a.rowOff[i:], m)):
			r0 := a.base + a.ro(i)
			if a.colOff == nil {
				s := r0 + k0*a.cs
				if m <= 16 {
					for p := 0; p < kc; p++ {
						dd := d[p*mr : p*mr+m]
						for t, v := range data[s : s+m] {
							dd[t] = v
						}
						s += a.cs
					}
					break
				}
				for p := 0; p < kc; p++ {
					copy(d[p*mr:p*mr+m], data[s:s+m])
					s += a.cs
				}
			} else {
				for p := 0; p < kc; p++ {
					s := r0 + a.colOff[k0+p]
					copy(d[p*mr:p*mr+m], data[s:s+m])
				}
			}
		case runs != nil:
			t := 0
			for ; t+4 <= m; t += 4 {
				b0 := a.base + a.ro(i+t)
				b1 := a.base + a.ro(i+t+1)
				b2 := a.base + a.ro(i+t+2)
				b3 := a.base + a.ro(i+t+3)
				for _, r := range runs {
					r0 := data[b0+r.off : b0+r.off+r.n]
					r1 := data[b1+r.off : b1+r.off+r.n]
					r2 := data[b2+r.off : b2+r.off+r.n]
					r3 := data[b3+r.off : b3+r.off+r.n]
					r1, r2, r3 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)]
					dr := d[r.p0*mr:]
					for p, v := range r0 {
						dd := dr[p*mr+t : p*mr+t+4 : p*mr+t+4]
						dd[0], dd[1], dd[2], dd[3] = v, r1[p], r2[p], r3[p]
					}
				}
			}
			for ; t < m; t++ {
				b0 := a.base + a.ro(i+t)
				for _, r := range runs {
					dr := d[r.p0*mr:]
					for p, v := range data[b0+r.off : b0+r.off+r.n] {
						dr[p*mr+t] = v
					}
				}
			}
		case a.colOff == nil:
			for t := 0; t < m; t++ {
				s := a.base + a.ro(i+t) + k0*a.cs
				for p := 0; p < kc; p++ {
					d[p*mr+t] = data[s]
					s += a.cs
				}
			}
		default:
			cols := a.colOff[k0 : k0+kc]
			t := 0
			for ; t+4 <= m; t += 4 {
				b0 := a.base + a.ro(i+t)
				b1 := a.base + a.ro(i+t+1)
				b2 := a.base + a.ro(i+t+2)
				b3 := a.base + a.ro(i+t+3)
				for p, o := range cols {
					dd := d[p*mr+t : p*mr+t+4 : p*mr+t+4]
					dd[0], dd[1], dd[2], dd[3] = data[b0+o], data[b1+o], data[b2+o], data[b3+o]
				}
			}
			for ; t < m; t++ {
				r := a.base + a.ro(i+t)
				for p, o := range cols {
					d[p*mr+t] = data[r+o]
				}
			}
		}
		if m < mr {
			for p := 0; p < kc; p++ {
				clear(d[p*mr+m : (p+1)*mr])
			}
		}
	}
}
