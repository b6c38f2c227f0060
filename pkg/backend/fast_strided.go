package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
)

// Strided kernels: ReduceSum over any set of axes, and Reverse, for float32. Both walk the input row by
// row (a row: the last axis), with the offset of the other side computed per row.

// rowOffsets calls fn(row, offset) for rows [lo, hi) of an array of dimensions dims (a row is the last
// axis), with offset = sum over the other axes of index*strides[axis].
func rowOffsets(dims, strides []int, lo, hi int, fn func(row, off int)) {
	r := len(dims)
	index := make([]int, r)
	for row := lo; row < hi; row++ {
		rem, off := row, 0
		for a := r - 2; a >= 0; a-- {
			index[a] = rem % dims[a]
			rem /= dims[a]
			off += index[a] * strides[a]
		}
		fn(row, off)
	}
}

// reduceSumStrided sums x (dims) over the axes marked in reduced into out (the kept axes, row-major),
// accumulating in float64 per goroutine, combined in a fixed order.
func reduceSumStrided(x, out []float32, dims []int, reduced []bool, threads int) {
	r := len(dims)
	// Output strides of each input axis (0 for reduced axes).
	ost := make([]int, r)
	s := 1
	for a := r - 1; a >= 0; a-- {
		if !reduced[a] {
			ost[a] = s
			s *= dims[a]
		}
	}
	last := dims[r-1]
	rows := len(x) / max(last, 1)
	parts := min(threadsFor(len(x), threads), max(rows, 1))
	partials := make([][]float64, parts)
	parallelRange(parts, parts, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			acc := make([]float64, len(out))
			rowOffsets(dims, ost, p*rows/parts, (p+1)*rows/parts, func(row, off int) {
				src := x[row*last : (row+1)*last]
				if reduced[r-1] {
					var sum float64
					for _, v := range src {
						sum += float64(v)
					}
					acc[off] += sum
					return
				}
				dst := acc[off : off+last]
				for t, v := range src {
					dst[t] += float64(v)
				}
			})
			partials[p] = acc
		}
	})
	total := partials[0]
	for _, acc := range partials[1:] {
		for i, v := range acc {
			total[i] += v
		}
	}
	for i, v := range total {
		out[i] = float32(v)
	}
}

// reverseStrided writes into out the array x (dims) reversed along the axes marked in rev.
func reverseStrided(x, out []float32, dims []int, rev []bool, threads int) {
	r := len(dims)
	st := rowMajorStrides(dims)
	// Source offset of output row index i along axis a: (dims[a]-1-i)*st[a] if reversed.
	srcSt := make([]int, r)
	base := 0
	for a := range r {
		if rev[a] {
			srcSt[a] = -st[a]
			base += (dims[a] - 1) * st[a]
		} else {
			srcSt[a] = st[a]
		}
	}
	last := dims[r-1]
	rows := len(x) / max(last, 1)
	parallelRange(rows, threadsFor(len(x), threads), func(lo, hi int) {
		rowOffsets(dims, srcSt, lo, hi, func(row, off int) {
			dst := out[row*last : (row+1)*last]
			start := base + off
			if rev[r-1] {
				for t := range dst {
					dst[t] = x[start-t]
				}
				return
			}
			copy(dst, x[start:start+last])
		})
	})
}

// reduceSumHeavy builds ReduceSum over arbitrary axes of a materialized float32 node.
func (b *fastBuilder) reduceSumHeavy(n *fastNode, axes []int) (backends.Op, bool, error) {
	norm, err := normalizeAxes(n.shape.Rank(), axes)
	if err != nil || n.shape.Rank() == 0 {
		return nil, false, nil
	}
	out, err := shapeinference.ReduceOp(n.shape, norm)
	if err != nil {
		return nil, false, nil
	}
	reduced := make([]bool, n.shape.Rank())
	for _, a := range norm {
		reduced[a] = true
	}
	data, err := b.dataOf(n)
	if err != nil {
		return nil, false, err
	}
	dims := n.shape.Dimensions
	run := func(ins [][]float32, y []float32, threads int) { reduceSumStrided(ins[0], y, dims, reduced, threads) }
	return b.addHeavy("ReduceSum", out, run, data), true, nil
}

// Reverse implements backends.Builder: a heavy op for float32 (the flipped kernels of transposed
// convolutions and of input gradients).
func (b *fastBuilder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	norm, err := normalizeAxes(n.shape.Rank(), axes)
	if n.shape.DType != dtypes.Float32 || err != nil || n.shape.Rank() == 0 || n.shape.Size() == 0 {
		outs, err := b.lightOp("Reverse", []backends.Op{x}, func(s *fastSegment, ins []backends.Op) ([]backends.Op, error) {
			y, err := s.b.Reverse(ins[0], axes...)
			return []backends.Op{y}, err
		})
		if err != nil {
			return nil, err
		}
		return outs[0], nil
	}
	rev := make([]bool, n.shape.Rank())
	for _, a := range norm {
		rev[a] = true
	}
	data, err := b.dataOf(n)
	if err != nil {
		return nil, err
	}
	dims := n.shape.Dimensions
	run := func(ins [][]float32, y []float32, threads int) { reverseStrided(ins[0], y, dims, rev, threads) }
	return b.addHeavy("Reverse", shapes.Make(dtypes.Float32, dims...), run, data), nil
}
