package backend

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/pkg/errors"
)

// composer builds sequences of backend ops with a sticky error, so that the composed ops of this package
// read as straight-line code: after the first failure every call is a no-op returning nil, and the error
// is reported once by the caller via c.err.
type composer struct {
	b   backends.Builder
	op  string // name of the op being composed, for error messages.
	err error
}

func newComposer(b backends.Builder, opName string) *composer {
	return &composer{b: b, op: opName}
}

// fail records the first error, wrapped with the op being composed.
func (c *composer) fail(err error) {
	if c.err == nil && err != nil {
		c.err = errors.WithMessagef(err, "surrogo backend: composing %s", c.op)
	}
}

// failf records a formatted error.
func (c *composer) failf(format string, args ...any) {
	c.fail(fmt.Errorf(format, args...))
}

func (c *composer) result(op backends.Op) (backends.Op, error) {
	if c.err != nil {
		return nil, c.err
	}
	return op, nil
}

func (c *composer) shape(x backends.Op) shapes.Shape {
	if c.err != nil {
		return shapes.Invalid()
	}
	s, err := c.b.OpShape(x)
	c.fail(err)
	return s
}

func (c *composer) do(op backends.Op, err error) backends.Op {
	if err != nil {
		c.fail(err)
		return nil
	}
	return op
}

func (c *composer) reshape(x backends.Op, dims ...int) backends.Op {
	if c.err != nil {
		return nil
	}
	if s := c.shape(x); c.err == nil && sameInts(s.Dimensions, dims) {
		return x
	}
	return c.do(c.b.Reshape(x, dims...))
}

func (c *composer) transpose(x backends.Op, perm ...int) backends.Op {
	if c.err != nil {
		return nil
	}
	if isIdentityPerm(perm) {
		return x
	}
	return c.do(c.b.Transpose(x, perm...))
}

func (c *composer) slice(x backends.Op, starts, limits, strides []int) backends.Op {
	if c.err != nil {
		return nil
	}
	if strides == nil {
		strides = make([]int, len(starts))
		for i := range strides {
			strides[i] = 1
		}
	}
	return c.do(c.b.Slice(x, starts, limits, strides))
}

func (c *composer) concat(axis int, xs ...backends.Op) backends.Op {
	if c.err != nil {
		return nil
	}
	if len(xs) == 1 {
		return xs[0]
	}
	return c.do(c.b.Concatenate(axis, xs...))
}

func (c *composer) broadcastInDim(x backends.Op, shape shapes.Shape, axes []int) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.BroadcastInDim(x, shape, axes))
}

// fill returns a tensor of the given shape filled with the scalar op.
func (c *composer) fill(scalar backends.Op, shape shapes.Shape) backends.Op {
	return c.broadcastInDim(scalar, shape, nil)
}

func (c *composer) scalar(dtype dtypes.DType, value float64) backends.Op {
	if c.err != nil {
		return nil
	}
	var flat any
	switch dtype {
	case dtypes.Float32:
		flat = []float32{float32(value)}
	case dtypes.Float64:
		flat = []float64{value}
	default:
		// Go through float64 and convert: covers BFloat16 and the integer types.
		c64 := c.do(c.b.Constant([]float64{value}))
		return c.convert(c.reshape(c64), dtype)
	}
	op := c.do(c.b.Constant(flat))
	return op
}

func (c *composer) convert(x backends.Op, dtype dtypes.DType) backends.Op {
	if c.err != nil {
		return nil
	}
	if c.shape(x).DType == dtype {
		return x
	}
	return c.do(c.b.ConvertDType(x, dtype))
}

func (c *composer) dot(lhs backends.Op, lhsContract, lhsBatch []int, rhs backends.Op, rhsContract, rhsBatch []int) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.DotGeneral(lhs, lhsContract, lhsBatch, rhs, rhsContract, rhsBatch))
}

func (c *composer) add(a, b backends.Op) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.Add(a, b))
}

func (c *composer) sub(a, b backends.Op) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.Sub(a, b))
}

func (c *composer) mul(a, b backends.Op) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.Mul(a, b))
}

func (c *composer) div(a, b backends.Op) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.Div(a, b))
}

func (c *composer) rsqrt(a backends.Op) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.Rsqrt(a))
}

func (c *composer) reduceSum(x backends.Op, axes ...int) backends.Op {
	if c.err != nil {
		return nil
	}
	if len(axes) == 0 {
		return x
	}
	return c.do(c.b.ReduceSum(x, axes...))
}

func (c *composer) where(cond, onTrue, onFalse backends.Op) backends.Op {
	if c.err != nil {
		return nil
	}
	return c.do(c.b.Where(cond, onTrue, onFalse))
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isIdentityPerm(perm []int) bool {
	for i, p := range perm {
		if p != i {
			return false
		}
	}
	return true
}

func prod(xs []int) int {
	p := 1
	for _, x := range xs {
		p *= x
	}
	return p
}
