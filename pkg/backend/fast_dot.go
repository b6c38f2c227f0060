package backend

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/pkg/errors"
	"github.com/surrogo/surrogo/pkg/gemm"
)

// rowMajorStrides returns the element strides of a row-major array of the given dimensions.
func rowMajorStrides(dims []int) []int {
	st := make([]int, len(dims))
	s := 1
	for i := len(dims) - 1; i >= 0; i-- {
		st[i] = s
		s *= dims[i]
	}
	return st
}

// axesIndex describes how a flattened index over some axes of an array maps to element offsets: the
// offset of flat index i is i*stride when the axes are laid out as one arithmetic progression (table nil),
// otherwise table[i]. The first axis listed varies slowest.
type axesIndex struct {
	size   int
	stride int
	table  []int
}

// newAxesIndex builds the index of the given axes (dims and strides of the array, element units).
func newAxesIndex(dims, strides, axes []int) axesIndex {
	size := 1
	for _, a := range axes {
		size *= dims[a]
	}
	// Drop axes of size 1 and check for a single progression.
	var ds, ss []int
	for _, a := range axes {
		if dims[a] != 1 {
			ds, ss = append(ds, dims[a]), append(ss, strides[a])
		}
	}
	linear := true
	for i := 0; i+1 < len(ds); i++ {
		if ss[i] != ss[i+1]*ds[i+1] {
			linear = false
		}
	}
	if linear {
		st := 0
		if len(ds) > 0 {
			st = ss[len(ss)-1]
		}
		return axesIndex{size: size, stride: st}
	}
	table := make([]int, 0, size)
	var rec func(k, off int)
	rec = func(k, off int) {
		if k == len(ds) {
			table = append(table, off)
			return
		}
		for i := range ds[k] {
			rec(k+1, off+i*ss[k])
		}
	}
	rec(0, 0)
	return axesIndex{size: size, table: table}
}

// offset returns the element offset of flat index i.
func (x axesIndex) offset(i int) int {
	if x.table != nil {
		return x.table[i]
	}
	return i * x.stride
}

// matrix returns the gemm view of data with rows and columns indexed by r and c.
func matrix(data []float32, r, c axesIndex) gemm.Matrix {
	return gemm.Matrix{Data: data, Rows: r.size, Cols: c.size,
		RowStride: r.stride, ColStride: c.stride, RowOff: r.table, ColOff: c.table}
}

// otherAxes returns the axes of a rank-r array not listed in any of the given lists, in order.
func otherAxes(rank int, lists ...[]int) []int {
	var out []int
	for a := range rank {
		found := false
		for _, l := range lists {
			found = found || slices.Contains(l, a)
		}
		if !found {
			out = append(out, a)
		}
	}
	return out
}

// normalizeAxes turns negative axes into positive ones and checks their range.
func normalizeAxes(rank int, axes []int) ([]int, error) {
	out := make([]int, len(axes))
	for i, a := range axes {
		if a < 0 {
			a += rank
		}
		if a < 0 || a >= rank {
			return nil, errors.Errorf("axis %d out of range for rank %d", axes[i], rank)
		}
		out[i] = a
	}
	return out, nil
}

// DotGeneral implements backends.Builder: for float32 it is a heavy op on package gemm (one matrix
// product per batch element, operands read in place through their strides); other dtypes run on the
// extended pure-Go backend.
func (b *fastBuilder) DotGeneral(lhsOp backends.Op, lhsContracting, lhsBatch []int, rhsOp backends.Op,
	rhsContracting, rhsBatch []int) (backends.Op, error) {
	lhs, err := b.node(lhsOp)
	if err != nil {
		return nil, err
	}
	rhs, err := b.node(rhsOp)
	if err != nil {
		return nil, err
	}
	lightDot := func() (backends.Op, error) {
		if err := b.ready(lhs, rhs); err != nil {
			return nil, err
		}
		s := b.light()
		l, r := s.use(lhs), s.use(rhs)
		if s.err != nil {
			return nil, s.err
		}
		op, err := s.b.DotGeneral(l, lhsContracting, lhsBatch, r, rhsContracting, rhsBatch)
		if err != nil {
			return nil, err
		}
		return s.wrap(op), s.err
	}
	if lhs.shape.DType != dtypes.Float32 || rhs.shape.DType != dtypes.Float32 {
		return lightDot()
	}
	ls, rs := lhs.shape, rhs.shape
	lc, err1 := normalizeAxes(ls.Rank(), lhsContracting)
	lb, err2 := normalizeAxes(ls.Rank(), lhsBatch)
	rc, err3 := normalizeAxes(rs.Rank(), rhsContracting)
	rb, err4 := normalizeAxes(rs.Rank(), rhsBatch)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || len(lc) != len(rc) || len(lb) != len(rb) {
		return lightDot() // Let SimpleGo report the problem.
	}
	for i := range lc {
		if ls.Dimensions[lc[i]] != rs.Dimensions[rc[i]] {
			return lightDot()
		}
	}
	for i := range lb {
		if ls.Dimensions[lb[i]] != rs.Dimensions[rb[i]] {
			return lightDot()
		}
	}
	lf := otherAxes(ls.Rank(), lc, lb)
	rf := otherAxes(rs.Rank(), rc, rb)
	args := &dotArgs{lhs: lhsOp, rhs: rhsOp, lc: lc, lb: lb, rc: rc, rb: rb, lhsFree: len(lf), rhsFree: len(rf), batchLen: len(lb)}
	var outDims []int
	for _, a := range lb {
		outDims = append(outDims, ls.Dimensions[a])
	}
	for _, a := range lf {
		outDims = append(outDims, ls.Dimensions[a])
	}
	for _, a := range rf {
		outDims = append(outDims, rs.Dimensions[a])
	}
	lhsData, err := b.operandOf(lhs)
	if err != nil {
		return nil, err
	}
	rhsData, err := b.operandOf(rhs)
	if err != nil {
		return nil, err
	}
	lst, rst := rowMajorStrides(ls.Dimensions), rowMajorStrides(rs.Dimensions)
	if viewable(lhs, lhsData) { // Read a transposed operand in place.
		lhsData, lst = lhsData.view.src, lhsData.view.strides
	}
	if viewable(rhs, rhsData) {
		rhsData, rst = rhsData.view.src, rhsData.view.strides
	}
	lBatch, rBatch := newAxesIndex(ls.Dimensions, lst, lb), newAxesIndex(rs.Dimensions, rst, rb)
	aRows, aCols := newAxesIndex(ls.Dimensions, lst, lf), newAxesIndex(ls.Dimensions, lst, lc)
	bRows, bCols := newAxesIndex(rs.Dimensions, rst, rc), newAxesIndex(rs.Dimensions, rst, rf)
	m, n, k := aRows.size, bCols.size, aCols.size
	batch := lBatch.size
	run := func(ins [][]float32, out []float32, threads int) {
		l, r := ins[0], ins[1]
		one := func(bi, threads int) {
			c := gemm.Matrix{Data: out[bi*m*n : (bi+1)*m*n], Rows: m, Cols: n, RowStride: n, ColStride: 1}
			gemm.Mul(c, matrix(l[lBatch.offset(bi):], aRows, aCols), matrix(r[rBatch.offset(bi):], bRows, bCols),
				gemm.Options{Threads: threads})
		}
		if batch >= threads && threads > 1 && m*n*k < 1<<22 {
			// Many small products: one goroutine per share of the batch.
			parallelRange(batch, threads, func(lo, hi int) {
				for bi := lo; bi < hi; bi++ {
					one(bi, 1)
				}
			})
			return
		}
		for bi := range batch {
			one(bi, threads)
		}
	}
	if m*n == 0 || batch == 0 {
		return lightDot()
	}
	out := b.addHeavy("DotGeneral", shapes.Make(dtypes.Float32, outDims...), run, lhsData, rhsData)
	out.dot = args
	return out, nil
}

// operandOf is dataOf for an operand of a matrix product: an operand that is a heavy Transpose's
// output is returned itself, unmaterialized into a new step, so that the product can read the
// transpose's source through the view's strides (DotGeneral checks n.view).
func (b *fastBuilder) operandOf(n *fastNode) (*fastNode, error) {
	if r := resolve(n); r.view != nil && r.fx == nil {
		return r, nil
	}
	return b.dataOf(n)
}

// viewable reports whether operand n, whose data is held by data, can be read through data's view:
// data is a transpose's output of n's own dimensions (n itself, or a reshape that changes nothing).
func viewable(n, data *fastNode) bool {
	return data.view != nil && slices.Equal(n.shape.Dimensions, data.shape.Dimensions)
}

// transposedDot returns the transpose of the DotGeneral output x by perm computed as the product
// with the operands exchanged, when perm exchanges the two operands' free axes and keeps the batch
// axes first: (A·B)ᵀ = Bᵀ·Aᵀ, with no pass over the result. ok is false otherwise.
func (b *fastBuilder) transposedDot(x *fastNode, perm []int) (backends.Op, bool, error) {
	d := x.dot
	if d == nil {
		return nil, false, nil
	}
	want := make([]int, 0, len(perm))
	for a := range d.batchLen {
		want = append(want, a)
	}
	for a := range d.rhsFree {
		want = append(want, d.batchLen+d.lhsFree+a)
	}
	for a := range d.lhsFree {
		want = append(want, d.batchLen+a)
	}
	if len(want) != len(perm) || d.lhsFree == 0 || d.rhsFree == 0 {
		return nil, false, nil
	}
	for a := range perm {
		if perm[a] != want[a] {
			return nil, false, nil
		}
	}
	op, err := b.DotGeneral(d.rhs, d.rc, d.rb, d.lhs, d.lc, d.lb)
	return op, err == nil, err
}
