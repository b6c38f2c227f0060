package backend

import (
	"slices"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// GoMLX v0.25's graph package builds the gradients of Dot and DotGeneral (hence of dense layers and
// Einsum) as an element-wise Mul of the two operands, broadcast against each other, followed by a
// ReduceSum over the contracted axes: it materializes the whole [batch, lhs cross, rhs cross, contracted]
// product (e.g. 100M floats for a 2048x500 by 500x100 dense layer) and sums it element by element. The
// extended builder recognizes ReduceSum(Mul(a, b)) where the broadcasting makes it a contraction and
// emits one DotGeneral instead; the Mul is then left unused, and SimpleGo does not execute it.

var mulSumFusedCount atomic.Int64

// MulSumFusions returns how many ReduceSum(Mul(a, b)) patterns the extended builders turned into
// DotGeneral since the program started (for tests and diagnostics).
func MulSumFusions() int { return int(mulSumFusedCount.Load()) }

// BroadcastInDim implements backends.Builder.BroadcastInDim (SimpleGo's). When it only expands axes
// (the operand's axes map in order), it remembers the operand, reshaped to the output's rank with size-1
// axes, which a Mul can broadcast implicitly: ReduceSum can then fuse a product of it.
func (b *Builder) BroadcastInDim(x backends.Op, outputShape shapes.Shape, broadcastAxes []int) (backends.Op, error) {
	op, err := b.Builder.BroadcastInDim(x, outputShape, broadcastAxes)
	if err != nil {
		return op, err
	}
	xShape, err := b.Builder.OpShape(x)
	if err != nil || xShape.Rank() != len(broadcastAxes) || !slices.IsSorted(broadcastAxes) || xShape.Rank() == 0 {
		return op, nil
	}
	dims := slices.Repeat([]int{1}, outputShape.Rank())
	for i, axis := range broadcastAxes {
		if i > 0 && broadcastAxes[i-1] == axis {
			return op, nil
		}
		dims[axis] = xShape.Dimensions[i]
	}
	if src, err := b.Builder.Reshape(x, dims...); err == nil {
		if b.broadcastSources == nil {
			b.broadcastSources = make(map[backends.Op]backends.Op)
		}
		b.broadcastSources[op] = src
	}
	return op, nil
}

// Mul implements backends.Builder.Mul (SimpleGo's), remembering the operands for ReduceSum.
func (b *Builder) Mul(lhs, rhs backends.Op) (backends.Op, error) {
	op, err := b.Builder.Mul(lhs, rhs)
	if err == nil {
		if b.mulOperands == nil {
			b.mulOperands = make(map[backends.Op][2]backends.Op)
		}
		b.mulOperands[op] = [2]backends.Op{lhs, rhs}
	}
	return op, err
}

// ReduceSum implements backends.Builder.ReduceSum: SimpleGo's, except that a sum over the product of two
// broadcast operands is computed by DotGeneral (see MulSumFusions).
func (b *Builder) ReduceSum(x backends.Op, axes ...int) (backends.Op, error) {
	if operands, ok := b.mulOperands[x]; ok {
		for i, operand := range operands {
			if src, ok := b.broadcastSources[operand]; ok {
				operands[i] = src // The unbroadcast operand: Mul broadcasts it implicitly.
			}
		}
		if op, ok := fuseMulSum(b.Builder, operands[0], operands[1], axes); ok {
			mulSumFusedCount.Add(1)
			return op, nil
		}
	}
	return b.Builder.ReduceSum(x, axes...)
}

// Kinds of axes of a broadcast product, see fuseMulSum.
const (
	axisContract = iota // Both operands full, summed.
	axisBatch           // Both operands full, kept.
	axisCrossA          // Only a full (b broadcast), kept.
	axisCrossB          // Only b full, kept.
	axisTrivial         // Both of size 1.
	axisSumA            // Only a full, summed: a is reduced beforehand.
	axisSumB            // Only b full, summed.
)

// fuseMulSum returns DotGeneral's equivalent of ReduceSum(Mul(a, b), axes), or false when the pattern is
// not a worthwhile contraction (then the caller keeps SimpleGo's ReduceSum; nothing was built).
func fuseMulSum(bb backends.Builder, a, b backends.Op, axes []int) (backends.Op, bool) {
	sa, errA := bb.OpShape(a)
	sb, errB := bb.OpShape(b)
	if errA != nil || errB != nil || sa.Rank() != sb.Rank() || sa.Rank() == 0 || !sa.DType.IsFloat() || sa.DType != sb.DType {
		return nil, false
	}
	rank := sa.Rank()
	reduced := make([]bool, rank)
	for _, axis := range axes {
		if axis < 0 || axis >= rank || reduced[axis] {
			return nil, false
		}
		reduced[axis] = true
	}
	kinds := make([]int, rank)
	productSize, numContract := 1, 0
	for axis := range rank {
		da, db := sa.Dimensions[axis], sb.Dimensions[axis]
		switch {
		case da == db && da > 1 && reduced[axis]:
			kinds[axis] = axisContract
			numContract++
		case da == db && da > 1:
			kinds[axis] = axisBatch
		case da > 1 && db == 1 && reduced[axis]:
			kinds[axis] = axisSumA
		case da > 1 && db == 1:
			kinds[axis] = axisCrossA
		case da == 1 && db > 1 && reduced[axis]:
			kinds[axis] = axisSumB
		case da == 1 && db > 1:
			kinds[axis] = axisCrossB
		case da == 1 && db == 1:
			kinds[axis] = axisTrivial
		default:
			return nil, false // Not a broadcast: leave it to SimpleGo, which will report the error.
		}
		productSize *= max(da, db)
	}
	// Only a contraction whose product is larger than its operands is worth it: a plain
	// ReduceSum(Mul(x, y)) of equal shapes (a loss) stays as it is.
	if numContract == 0 || productSize <= sa.Size()+sb.Size() {
		return nil, false
	}

	c := newComposer(bb, "ReduceSum(Mul)")
	// Sum the axes that only one operand has, keeping them as size-1 axes.
	for _, side := range []struct {
		op   *backends.Op
		s    *shapes.Shape
		kind int
	}{{&a, &sa, axisSumA}, {&b, &sb, axisSumB}} {
		var sumAxes []int
		for axis, k := range kinds {
			if k == side.kind {
				sumAxes = append(sumAxes, axis)
			}
		}
		if len(sumAxes) > 0 {
			dims := slices.Clone(side.s.Dimensions)
			for _, axis := range sumAxes {
				dims[axis] = 1
			}
			*side.op = c.reshape(c.reduceSum(*side.op, sumAxes...), dims...)
			*side.s = shapes.Make(side.s.DType, dims...)
		}
	}

	// Drop the size-1 axes of each operand and map the remaining ones.
	squeeze := func(op backends.Op, s shapes.Shape) (backends.Op, []int) {
		newAxis := make([]int, rank)
		var dims []int
		for axis, d := range s.Dimensions {
			newAxis[axis] = -1
			if d > 1 {
				newAxis[axis] = len(dims)
				dims = append(dims, d)
			}
		}
		return c.reshape(op, dims...), newAxis
	}
	a2, mapA := squeeze(a, sa)
	b2, mapB := squeeze(b, sb)
	var contractA, contractB, batchA, batchB []int
	var outDims []int // Kept non-trivial axes, in DotGeneral's output order.
	var outAxes []int // Their original axes.
	for axis, k := range kinds {
		switch k {
		case axisContract:
			contractA, contractB = append(contractA, mapA[axis]), append(contractB, mapB[axis])
		case axisBatch:
			batchA, batchB = append(batchA, mapA[axis]), append(batchB, mapB[axis])
			outAxes = append(outAxes, axis)
		}
	}
	for _, kind := range []int{axisCrossA, axisCrossB} {
		for axis, k := range kinds {
			if k == kind {
				outAxes = append(outAxes, axis)
			}
		}
	}
	for _, axis := range outAxes {
		outDims = append(outDims, max(sa.Dimensions[axis], sb.Dimensions[axis]))
	}
	y := c.dot(a2, contractA, batchA, b2, contractB, batchB)
	y = c.reshape(y, outDims...)
	// Back to the original order of the kept axes, with the size-1 ones.
	sorted := slices.Clone(outAxes)
	slices.Sort(sorted)
	perm := make([]int, len(sorted))
	for i, axis := range sorted {
		perm[i] = slices.Index(outAxes, axis)
	}
	y = c.transpose(y, perm...)
	var finalDims []int
	for axis := range rank {
		if !reduced[axis] {
			finalDims = append(finalDims, max(sa.Dimensions[axis], sb.Dimensions[axis]))
		}
	}
	y = c.reshape(y, finalDims...)
	if c.err != nil {
		return nil, false
	}
	return y, true
}
