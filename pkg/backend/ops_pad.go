package backend

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/pkg/errors"
)

// Pad implements backends.Builder.Pad with XLA semantics, composed of Reshape, Concatenate, BroadcastInDim
// and Slice: per axis, Interior fill values are first inserted between consecutive elements, then Start and
// End values are added (a negative Start/End crops instead). Missing trailing axesConfig entries mean no
// padding. The graph package uses Pad for the gradient of Slice and of sum/mean pooling.
func (b *Builder) Pad(x, fillValue backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	return padOp(b.Builder, x, fillValue, axesConfig)
}

func padOp(bb backends.Builder, x, fillValue backends.Op, axesConfig []backends.PadAxis) (backends.Op, error) {
	c := newComposer(bb, "Pad")
	xShape := c.shape(x)
	fillShape := c.shape(fillValue)
	if c.err != nil {
		return nil, c.err
	}
	rank := xShape.Rank()
	if len(axesConfig) > rank {
		return nil, errors.Errorf("Pad: %d axesConfig values given for an operand of rank %d (%s)", len(axesConfig), rank, xShape)
	}
	if !fillShape.IsScalar() || fillShape.DType != xShape.DType {
		return nil, errors.Errorf("Pad: fillValue must be a scalar of the operand's dtype %s, got %s", xShape.DType, fillShape)
	}
	cfg := make([]backends.PadAxis, rank)
	copy(cfg, axesConfig)
	dims := slices.Clone(xShape.Dimensions)
	for axis, p := range cfg {
		if p.Interior < 0 {
			return nil, errors.Errorf("Pad: negative interior padding %d for axis %d", p.Interior, axis)
		}
		dilated := dims[axis]
		if dilated > 0 {
			dilated = (dims[axis]-1)*(p.Interior+1) + 1
		}
		if out := dilated + p.Start + p.End; out < 0 {
			return nil, errors.Errorf("Pad: axis %d of operand %s padded with %+v gives negative size %d", axis, xShape, p, out)
		}
	}

	// 1. Interior padding, one axis at a time: [A, n, P] -> [A, n, 1, P] ++ fill[A, n, interior, P]
	//    -> [A, n*(interior+1), P] -> drop the trailing interior fill values.
	for axis, p := range cfg {
		n := dims[axis]
		if p.Interior == 0 || n <= 1 {
			continue
		}
		a, post := prod(dims[:axis]), prod(dims[axis+1:])
		x4 := c.reshape(x, a, n, 1, post)
		fill := c.fill(fillValue, shapes.Make(xShape.DType, a, n, p.Interior, post))
		joined := c.concat(2, x4, fill)
		flat := c.reshape(joined, a, n*(p.Interior+1), post)
		newN := (n-1)*(p.Interior+1) + 1
		flat = c.slice(flat, []int{0, 0, 0}, []int{a, newN, post}, nil)
		dims[axis] = newN
		x = c.reshape(flat, dims...)
	}

	// 2. Negative Start/End: crop everything with one Slice.
	starts, limits := make([]int, rank), slices.Clone(dims)
	crop := false
	for axis, p := range cfg {
		if p.Start < 0 {
			starts[axis] = -p.Start
			crop = true
		}
		if p.End < 0 {
			limits[axis] += p.End
			crop = true
		}
	}
	if crop {
		x = c.slice(x, starts, limits, nil)
		for axis := range dims {
			dims[axis] = limits[axis] - starts[axis]
		}
	}

	// 3. Positive Start/End: concatenate blocks of fill values.
	for axis, p := range cfg {
		lo, hi := max(p.Start, 0), max(p.End, 0)
		if lo == 0 && hi == 0 {
			continue
		}
		parts := make([]backends.Op, 0, 3)
		if lo > 0 {
			d := slices.Clone(dims)
			d[axis] = lo
			parts = append(parts, c.fill(fillValue, shapes.Make(xShape.DType, d...)))
		}
		if dims[axis] > 0 {
			parts = append(parts, x)
		}
		if hi > 0 {
			d := slices.Clone(dims)
			d[axis] = hi
			parts = append(parts, c.fill(fillValue, shapes.Make(xShape.DType, d...)))
		}
		x = c.concat(axis, parts...)
		dims[axis] += lo + hi
	}
	return c.result(x)
}

// Reverse implements backends.Builder.Reverse: it reverses the order of the elements along the given axes.
// Each axis is reversed with one Gather of whole slices in reverse order, which is exact for every dtype
// (no arithmetic is involved). The graph package uses Reverse for the gradient of convolutions.
func (b *Builder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	return reverseOp(b.Builder, x, axes)
}

func reverseOp(bb backends.Builder, x backends.Op, axes []int) (backends.Op, error) {
	c := newComposer(bb, "Reverse")
	xShape := c.shape(x)
	if c.err != nil {
		return nil, c.err
	}
	rank := xShape.Rank()
	seen := make([]bool, rank)
	for _, axis := range axes {
		if axis < 0 || axis >= rank {
			return nil, errors.Errorf("Reverse: axis %d out of range for operand %s", axis, xShape)
		}
		if seen[axis] {
			return nil, errors.Errorf("Reverse: axis %d given twice for operand %s", axis, xShape)
		}
		seen[axis] = true
	}
	for _, axis := range axes {
		n := xShape.Dimensions[axis]
		if n <= 1 {
			continue
		}
		indices := make([]int32, n)
		for i := range indices {
			indices[i] = int32(n - 1 - i)
		}
		idx := c.do(c.b.Constant(indices, n, 1))
		sliceSizes := slices.Clone(xShape.Dimensions)
		sliceSizes[axis] = 1
		offsetAxes := make([]int, 0, rank-1)
		for i := range rank {
			if i != axis {
				offsetAxes = append(offsetAxes, i)
			}
		}
		if c.err != nil {
			return nil, c.err
		}
		x = c.do(c.b.Gather(x, idx, 1, offsetAxes, []int{axis}, []int{axis}, sliceSizes, false))
	}
	return c.result(x)
}

// zeroScalar returns a scalar zero of the given dtype.
func zeroScalar(c *composer, dtype dtypes.DType) backends.Op {
	return c.scalar(dtype, 0)
}
