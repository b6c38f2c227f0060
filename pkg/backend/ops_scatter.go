package backend

import (
	"math"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/pkg/errors"
)

// SelectAndScatterMax implements backends.Builder.SelectAndScatterMax (the gradient of max pooling): for
// every window of the operand (windowDimensions, windowStrides, paddings, as in ReduceWindow), the source
// value of that window is added at the position of the window's largest element (the first one, in
// row-major window order, on ties). Padding is never selected. Float dtypes only.
func (b *Builder) SelectAndScatterMax(operand, source backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return selectAndScatter(b.Builder, "SelectAndScatterMax", true, operand, source, windowDimensions, windowStrides, paddings)
}

// SelectAndScatterMin implements backends.Builder.SelectAndScatterMin: as SelectAndScatterMax, selecting
// the smallest element of each window.
func (b *Builder) SelectAndScatterMin(operand, source backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return selectAndScatter(b.Builder, "SelectAndScatterMin", false, operand, source, windowDimensions, windowStrides, paddings)
}

// selectAndScatter loops over the positions w of the window (few): the strided slice of the padded
// operand at offset w holds, for every window, its element w. The selected element is the first w equal
// to the window's extreme; its source values are placed back at the operand positions by a Pad with
// interior padding (stride-1), and the contributions of all w are summed.
func selectAndScatter(bb backends.Builder, op string, isMax bool, operand, source backends.Op,
	windowDims, strides []int, paddings [][2]int) (backends.Op, error) {
	c := newComposer(bb, op)
	xShape, srcShape := c.shape(operand), c.shape(source)
	if c.err != nil {
		return nil, c.err
	}
	rank := xShape.Rank()
	dtype := xShape.DType
	if !dtype.IsFloat() {
		return nil, errors.Errorf("%s: only float operands are supported, got %s", op, xShape)
	}
	if srcShape.DType != dtype || srcShape.Rank() != rank {
		return nil, errors.Errorf("%s: source %s must have the operand's dtype and rank (operand %s)", op, srcShape, xShape)
	}
	if len(windowDims) != rank {
		return nil, errors.Errorf("%s: %d window dimensions for an operand of rank %d", op, len(windowDims), rank)
	}
	if strides == nil {
		strides = slices.Clone(windowDims)
	}
	if paddings == nil {
		paddings = make([][2]int, rank)
	}
	if len(strides) != rank || len(paddings) != rank {
		return nil, errors.Errorf("%s: strides %v and paddings %v must have one entry per axis of %s", op, strides, paddings, xShape)
	}
	padded := make([]int, rank)
	for axis := range rank {
		if windowDims[axis] < 1 || strides[axis] < 1 || paddings[axis][0] < 0 || paddings[axis][1] < 0 {
			return nil, errors.Errorf("%s: invalid window %v, strides %v or paddings %v", op, windowDims, strides, paddings)
		}
		padded[axis] = xShape.Dimensions[axis] + paddings[axis][0] + paddings[axis][1]
		want := (padded[axis]-windowDims[axis])/strides[axis] + 1
		if padded[axis] < windowDims[axis] || srcShape.Dimensions[axis] != want {
			return nil, errors.Errorf("%s: source %s does not match the %d windows of axis %d of operand %s",
				op, srcShape, want, axis, xShape)
		}
	}

	// Pad the operand with a value never selected.
	never := math.Inf(-1)
	if !isMax {
		never = math.Inf(1)
	}
	padCfg := make([]backends.PadAxis, rank)
	for axis := range rank {
		padCfg[axis] = backends.PadAxis{Start: paddings[axis][0], End: paddings[axis][1]}
	}
	xp, err := padOp(bb, operand, c.scalar(dtype, never), padCfg)
	c.fail(err)

	// The element w of every window, and the window extremes.
	var elems [][]int
	var slicesW []backends.Op
	for w := range iterPositions(windowDims) {
		starts, limits := make([]int, rank), make([]int, rank)
		for axis := range rank {
			starts[axis] = w[axis]
			limits[axis] = w[axis] + (srcShape.Dimensions[axis]-1)*strides[axis] + 1
		}
		elems = append(elems, slices.Clone(w))
		slicesW = append(slicesW, c.slice(xp, starts, limits, strides))
	}
	extreme := slicesW[0]
	for _, s := range slicesW[1:] {
		if isMax {
			extreme = c.do(c.b.Max(extreme, s))
		} else {
			extreme = c.do(c.b.Min(extreme, s))
		}
	}

	zero := zeroScalar(c, dtype)
	zeros := c.fill(zero, srcShape)
	var taken, sum backends.Op
	for i, s := range slicesW {
		isExtreme := c.do(c.b.Equal(extreme, s))
		selected := isExtreme
		if taken != nil {
			selected = c.do(c.b.LogicalAnd(isExtreme, c.do(c.b.LogicalNot(taken))))
			taken = c.do(c.b.LogicalOr(taken, isExtreme))
		} else {
			taken = isExtreme
		}
		contrib := c.where(selected, source, zeros)
		placeCfg := make([]backends.PadAxis, rank)
		for axis := range rank {
			last := elems[i][axis] + (srcShape.Dimensions[axis]-1)*strides[axis] + 1
			placeCfg[axis] = backends.PadAxis{Start: elems[i][axis], End: padded[axis] - last, Interior: strides[axis] - 1}
		}
		placed, err := padOp(bb, contrib, zero, placeCfg)
		c.fail(err)
		if sum == nil {
			sum = placed
		} else {
			sum = c.add(sum, placed)
		}
	}
	// Drop the padding.
	cropCfg := make([]backends.PadAxis, rank)
	for axis := range rank {
		cropCfg[axis] = backends.PadAxis{Start: -paddings[axis][0], End: -paddings[axis][1]}
	}
	if c.err != nil {
		return nil, c.err
	}
	return padOp(bb, sum, zero, cropCfg)
}

// startIndicesVector clamps the dynamic start indices as XLA does (to [0, dim-size]) and packs them into
// an int32 vector [rank].
func startIndicesVector(c *composer, op string, startIndices []backends.Op, dims, sizes []int) backends.Op {
	if len(startIndices) != len(dims) {
		c.failf("%s: %d start indices given for an operand of rank %d", op, len(startIndices), len(dims))
		return nil
	}
	parts := make([]backends.Op, len(dims))
	for axis, idx := range startIndices {
		s := c.shape(idx)
		if c.err != nil {
			return nil
		}
		if !s.IsScalar() || !s.DType.IsInt() {
			c.failf("%s: start index #%d must be an integer scalar, got %s", op, axis, s)
			return nil
		}
		if sizes[axis] > dims[axis] || sizes[axis] < 0 {
			c.failf("%s: size %d out of range for axis %d of dimension %d", op, sizes[axis], axis, dims[axis])
			return nil
		}
		i32 := c.convert(idx, dtypes.Int32)
		lo := c.do(c.b.Constant([]int32{0}))
		hi := c.do(c.b.Constant([]int32{int32(dims[axis] - sizes[axis])}))
		lo, hi = c.reshape(lo), c.reshape(hi)
		if c.err != nil {
			return nil
		}
		clamped := c.do(c.b.Clamp(lo, i32, hi))
		parts[axis] = c.reshape(clamped, 1)
	}
	return c.concat(0, parts...)
}

// DynamicSlice implements backends.Builder.DynamicSlice with one Gather, after clamping the start indices
// so that the slice lies within the operand (XLA semantics).
func (b *Builder) DynamicSlice(operand backends.Op, startIndices []backends.Op, sliceDims []int) (backends.Op, error) {
	c := newComposer(b.Builder, "DynamicSlice")
	xShape := c.shape(operand)
	if c.err != nil {
		return nil, c.err
	}
	rank := xShape.Rank()
	if len(sliceDims) != rank {
		return nil, errors.Errorf("DynamicSlice: %d slice dimensions for operand %s", len(sliceDims), xShape)
	}
	idx := startIndicesVector(c, "DynamicSlice", startIndices, xShape.Dimensions, sliceDims)
	axes := make([]int, rank)
	for i := range axes {
		axes[i] = i
	}
	if c.err != nil {
		return nil, c.err
	}
	return c.result(c.do(c.b.Gather(operand, idx, 0, axes, nil, axes, slices.Clone(sliceDims), false)))
}

// DynamicUpdateSlice implements backends.Builder.DynamicUpdateSlice: the update is spread over the
// operand's shape by one whole-slice Gather per axis (position i takes the update's index
// clamp(i - start, 0, size-1)), and selected where an Iota mask marks the (clamped) window.
func (b *Builder) DynamicUpdateSlice(operand, update backends.Op, startIndices []backends.Op) (backends.Op, error) {
	c := newComposer(b.Builder, "DynamicUpdateSlice")
	xShape, uShape := c.shape(operand), c.shape(update)
	if c.err != nil {
		return nil, c.err
	}
	rank := xShape.Rank()
	if uShape.Rank() != rank || uShape.DType != xShape.DType {
		return nil, errors.Errorf("DynamicUpdateSlice: update %s must have the operand's rank and dtype (operand %s)", uShape, xShape)
	}
	if rank == 0 {
		return update, nil
	}
	idx := startIndicesVector(c, "DynamicUpdateSlice", startIndices, xShape.Dimensions, uShape.Dimensions)
	spread := update
	spreadDims := slices.Clone(uShape.Dimensions)
	var mask backends.Op
	for axis := range rank {
		if c.err != nil {
			return nil, c.err
		}
		dim, size := xShape.Dimensions[axis], uShape.Dimensions[axis]
		start := c.reshape(c.slice(idx, []int{axis}, []int{axis + 1}, nil)) // int32 scalar.

		// Positions along this axis, relative to the start: iota - start.
		iota1 := c.do(c.b.Iota(shapes.Make(dtypes.Int32, dim), 0))
		rel := c.sub(iota1, c.fill(start, shapes.Make(dtypes.Int32, dim)))
		lo := c.reshape(c.do(c.b.Constant([]int32{0})))
		hi := c.reshape(c.do(c.b.Constant([]int32{int32(size - 1)})))
		if c.err != nil {
			return nil, c.err
		}
		gatherIdx := c.reshape(c.do(c.b.Clamp(lo, rel, hi)), dim, 1)
		sliceSizes := slices.Clone(spreadDims)
		sliceSizes[axis] = 1
		offsetAxes := make([]int, 0, rank-1)
		for i := range rank {
			if i != axis {
				offsetAxes = append(offsetAxes, i)
			}
		}
		spread = c.do(c.b.Gather(spread, gatherIdx, 1, offsetAxes, []int{axis}, []int{axis}, sliceSizes, false))
		spreadDims[axis] = dim

		// Mask of this axis: 0 <= iota - start < size, broadcast to the operand's shape.
		sizeOp := c.reshape(c.do(c.b.Constant([]int32{int32(size)})))
		zeroI := c.reshape(c.do(c.b.Constant([]int32{0})))
		if c.err != nil {
			return nil, c.err
		}
		in1 := c.do(c.b.LogicalAnd(
			c.do(c.b.GreaterOrEqual(rel, c.fill(zeroI, shapes.Make(dtypes.Int32, dim)))),
			c.do(c.b.LessThan(rel, c.fill(sizeOp, shapes.Make(dtypes.Int32, dim))))))
		in := c.broadcastInDim(in1, shapes.Make(dtypes.Bool, xShape.Dimensions...), []int{axis})
		if mask == nil {
			mask = in
		} else {
			mask = c.do(c.b.LogicalAnd(mask, in))
		}
	}
	return c.result(c.where(mask, spread, operand))
}
