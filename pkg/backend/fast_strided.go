package backend

import (
	"github.com/surrogo/surrogo/pkg/vec"

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

// reduceSumStrided sums x (dims) over the axes marked in reduced into out (the kept axes, row-major).
// Few terms per output (2x2 pooling, the gradient of an upsampling) are summed in float32, in parallel
// over the first axis when it is kept; otherwise it accumulates in float64 per goroutine, combined in a
// fixed order.
func reduceSumStrided(x, out []float32, dims []int, reduced []bool, threads int) {
	r := len(dims)
	terms := 1
	for a, d := range dims {
		if reduced[a] {
			terms *= d
		}
	}
	if terms <= 16 && !reduced[0] && !reduced[r-1] {
		reduceFewTerms(x, out, dims, reduced, threads)
		return
	}
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
	sumPartials(out, partials)
}

// gatherStrided writes y (dimensions dims, row-major) with y[i] = x[base + sum_a i_a*step[a]], row by
// row (the last axis), in parallel.
func gatherStrided(y, x []float32, dims, step []int, base, threads int) {
	r := len(dims)
	last, lastStep := dims[r-1], step[r-1]
	rows := len(y) / max(last, 1)
	parallelRange(rows, threadsFor(len(y), threads), func(lo, hi int) {
		rowOffsets(dims, step, lo, hi, func(row, off int) {
			dst := y[row*last : (row+1)*last]
			src := base + off
			if lastStep == 1 {
				copy(dst, x[src:src+last])
				return
			}
			for t := range dst {
				dst[t] = x[src+t*lastStep]
			}
		})
	})
}

// sumPartials adds float64 partial sums in order (deterministic) and writes them as float32.
func sumPartials(out []float32, partials [][]float64) {
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

// reduceFewTerms is reduceSumStrided for few terms per output, the first and last axes kept: rows
// (the last axis) are added to their output row with vector adds, walking the input in order.
func reduceFewTerms(x, out []float32, dims []int, reduced []bool, threads int) {
	r := len(dims)
	ost := make([]int, r)
	s := 1
	for a := r - 1; a >= 0; a-- {
		if !reduced[a] {
			ost[a] = s
			s *= dims[a]
		}
	}
	last := dims[r-1]
	inner := len(x) / dims[0] // Input elements per index of the first axis.
	parallelRange(dims[0], threadsFor(len(x), threads), func(lo, hi int) {
		clear(out[lo*ost[0] : hi*ost[0]])
		index := make([]int, r)
		for i0 := lo; i0 < hi; i0++ {
			clear(index)
			off := i0 * ost[0]
			for row := i0 * inner; row < (i0+1)*inner; row += last {
				dst := out[off : off+last]
				vec.Add(dst, dst, x[row:row+last])
				// Next row: increment the index over axes 1..r-2 (odometer), tracking the output offset.
				for a := r - 2; a >= 1; a-- {
					index[a]++
					off += ost[a]
					if index[a] < dims[a] {
						break
					}
					off -= index[a] * ost[a]
					index[a] = 0
				}
			}
		}
	})
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
	out := b.addHeavy("Reverse", shapes.Make(dtypes.Float32, dims...), run, data)
	out.heavy.reversal = &reversal{src: data, axes: rev}
	return out, nil
}

// reversal records what a Reverse step reverses, so that a convolution reading the reversed kernel
// (the input gradient GoMLX builds) reads the original with reversed offsets instead; the Reverse
// step is then dropped if nothing else reads it.
type reversal struct {
	src  *fastNode // the data reversed, in the same element order as the Reverse's shape
	axes []bool    // the reversed axes
}

// lightFallback builds op on the extended backend (after materializing its operands).
func (b *fastBuilder) lightFallback(name string, inputs []backends.Op, build func(s *fastSegment, ins []backends.Op) (backends.Op, error)) (backends.Op, error) {
	outs, err := b.lightOp(name, inputs, func(s *fastSegment, ins []backends.Op) ([]backends.Op, error) {
		y, err := build(s, ins)
		return []backends.Op{y}, err
	})
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// Slice implements backends.Builder: a heavy strided copy for float32.
func (b *fastBuilder) Slice(x backends.Op, starts, limits, strides []int) (backends.Op, error) {
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	light := func() (backends.Op, error) {
		return b.lightFallback("Slice", []backends.Op{x}, func(s *fastSegment, ins []backends.Op) (backends.Op, error) {
			return s.b.Slice(ins[0], starts, limits, strides)
		})
	}
	out, err := shapeinference.SliceOp(n.shape, starts, limits, strides)
	if err != nil || n.shape.DType != dtypes.Float32 || n.shape.Rank() == 0 || out.Size() == 0 {
		return light()
	}
	r := n.shape.Rank()
	st := rowMajorStrides(n.shape.Dimensions)
	step := make([]int, r)
	base := 0
	for a := range r {
		s := 1
		if len(strides) > a && strides[a] > 0 {
			s = strides[a]
		}
		step[a] = s * st[a]
		base += starts[a] * st[a]
	}
	outDims := out.Dimensions
	data, err := b.dataOf(n)
	if err != nil {
		return nil, err
	}
	run := func(ins [][]float32, y []float32, threads int) {
		gatherStrided(y, ins[0], outDims, step, base, threads)
	}
	return b.addHeavy("Slice", out, run, data), nil
}

// Concatenate implements backends.Builder: a heavy copy for float32 operands.
func (b *fastBuilder) Concatenate(axis int, operands ...backends.Op) (backends.Op, error) {
	light := func() (backends.Op, error) {
		return b.lightFallback("Concatenate", operands, func(s *fastSegment, ins []backends.Op) (backends.Op, error) {
			return s.b.Concatenate(axis, ins...)
		})
	}
	if len(operands) == 0 {
		return light()
	}
	nodes := make([]*fastNode, len(operands))
	inShapes := make([]shapes.Shape, len(operands))
	for i, op := range operands {
		n, err := b.node(op)
		if err != nil {
			return nil, err
		}
		nodes[i], inShapes[i] = n, n.shape
		if n.shape.DType != dtypes.Float32 {
			return light()
		}
	}
	out, err := shapeinference.ConcatenateOp(inShapes, axis)
	if err != nil || out.Size() == 0 {
		return light()
	}
	if axis < 0 {
		axis += out.Rank()
	}
	outer := 1
	for a := range axis {
		outer *= out.Dimensions[a]
	}
	outRow := out.Size() / outer
	rowLens := make([]int, len(nodes))
	datas := make([]*fastNode, len(nodes))
	for i, n := range nodes {
		rowLens[i] = n.shape.Size() / outer
		if datas[i], err = b.dataOf(n); err != nil {
			return nil, err
		}
	}
	run := func(ins [][]float32, y []float32, threads int) {
		threads = threadsFor(len(y), threads)
		if outer >= threads {
			parallelRange(outer, threads, func(lo, hi int) {
				for o := lo; o < hi; o++ {
					off := o * outRow
					for i, x := range ins {
						l := rowLens[i]
						copy(y[off:off+l], x[o*l:(o+1)*l])
						off += l
					}
				}
			})
			return
		}
		// Few long rows (a concatenation along a leading axis): split the output into equal parts.
		parallelRange(len(y), threads, func(lo, hi int) {
			for o := range outer {
				off := o * outRow
				for i, x := range ins {
					l := rowLens[i]
					// The part of [off, off+l) inside [lo, hi).
					a, z := max(off, lo), min(off+l, hi)
					if a < z {
						copy(y[a:z], x[o*l+a-off:o*l+z-off])
					}
					off += l
				}
			}
		})
	}
	return b.addHeavy("Concatenate", out, run, datas...), nil
}

// Pad implements backends.Builder: a heavy op for float32 (fill, then copy the operand's elements to
// their place; negative padding crops).
func (b *fastBuilder) Pad(x, fillValue backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	light := func() (backends.Op, error) {
		return b.lightFallback("Pad", []backends.Op{x, fillValue}, func(s *fastSegment, ins []backends.Op) (backends.Op, error) {
			return s.b.Pad(ins[0], ins[1], axesConfig...)
		})
	}
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	f, err := b.node(fillValue)
	if err != nil {
		return nil, err
	}
	r := n.shape.Rank()
	if n.shape.DType != dtypes.Float32 || f.shape.DType != dtypes.Float32 || f.shape.Size() != 1 || r == 0 || len(axesConfig) > r || n.shape.Size() == 0 {
		return light()
	}
	cfg := make([]backends.PadAxis, r)
	copy(cfg, axesConfig)
	outDims := make([]int, r)
	for a, d := range n.shape.Dimensions {
		c := cfg[a]
		if c.Interior < 0 {
			return light()
		}
		outDims[a] = c.Start + d + (d-1)*c.Interior + c.End
		if outDims[a] <= 0 {
			return light()
		}
	}
	inDims := n.shape.Dimensions
	ost := rowMajorStrides(outDims)
	// Input index i along axis a lands at Start + i*(Interior+1).
	step := make([]int, r)
	base := 0
	for a := range r {
		step[a] = (cfg[a].Interior + 1) * ost[a]
		base += cfg[a].Start * ost[a]
	}
	last := inDims[r-1]
	rows := n.shape.Size() / last
	data, err := b.dataOf(n)
	if err != nil {
		return nil, err
	}
	fd, err := b.dataOf(f)
	if err != nil {
		return nil, err
	}
	run := func(ins [][]float32, y []float32, threads int) {
		xs, fill := ins[0], ins[1][0]
		threads = threadsFor(len(y), threads)
		parallelRange(len(y), threads, func(lo, hi int) { vec.Fill(y[lo:hi], fill) })
		// Each input row lands on its own output positions: rows are placed in parallel.
		parallelRange(rows, threads, func(rlo, rhi int) {
			idx := make([]int, r)
			c := cfg[r-1]
			for row := rlo; row < rhi; row++ {
				// Check every axis but the last for bounds; the last per element.
				rem, off, inside := row, base, true
				for a := r - 2; a >= 0; a-- {
					idx[a] = rem % inDims[a]
					rem /= inDims[a]
					p := cfg[a].Start + idx[a]*(cfg[a].Interior+1)
					if p < 0 || p >= outDims[a] {
						inside = false
						break
					}
					off += idx[a] * step[a]
				}
				if !inside {
					continue
				}
				src := xs[row*last : (row+1)*last]
				if c.Interior == 0 {
					lo, hi := max(0, -c.Start), min(last, outDims[r-1]-c.Start)
					if lo < hi {
						copy(y[off+lo:off+hi], src[lo:hi])
					}
					continue
				}
				for t, v := range src {
					p := c.Start + t*(c.Interior+1)
					if p >= 0 && p < outDims[r-1] {
						y[off-c.Start+p] = v
					}
				}
			}
		})
	}
	return b.addHeavy("Pad", shapes.Make(dtypes.Float32, outDims...), run, data, fd), nil
}

// Transpose implements backends.Builder: a heavy strided copy for float32 (the interleaving of the
// phases of a transposed convolution, the rearranged kernels).
func (b *fastBuilder) Transpose(x backends.Op, permutation ...int) (backends.Op, error) {
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	out, err := shapeinference.TransposeOp(n.shape, permutation)
	if err != nil || n.shape.DType != dtypes.Float32 || n.shape.Rank() == 0 || out.Size() == 0 {
		return b.lightTranspose(x, permutation...)
	}
	if op, ok, err := b.transposedDot(n, permutation); ok || err != nil {
		return op, err
	}
	r := n.shape.Rank()
	inSt := rowMajorStrides(n.shape.Dimensions)
	step := make([]int, r) // Input stride of each output axis.
	for a, p := range permutation {
		step[a] = inSt[p]
	}
	outDims := out.Dimensions
	data, err := b.dataOf(n)
	if err != nil {
		return nil, err
	}
	run := func(ins [][]float32, y []float32, threads int) { gatherStrided(y, ins[0], outDims, step, 0, threads) }
	y := b.addHeavy("Transpose", out, run, data)
	y.view = &stridedView{src: data, strides: step}
	return y, nil
}

// reversalSource returns the source of a Reverse step when rev (the axes a convolution reads
// reversed) is set, else nil.
func (h *fastHeavy) reversalSource(rev []bool) *fastNode {
	if h == nil || h.reversal == nil || rev == nil {
		return nil
	}
	return h.reversal.src
}
