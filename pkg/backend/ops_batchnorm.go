package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// Batch normalization, composed of reductions and broadcast element-wise arithmetic, with XLA's semantics
// (https://openxla.org/xla/operation_semantics#batchnormtraining): statistics over every axis but
// featureAxis, the biased variance (divided by N), and epsilon added to the variance.

// bnAxes validates the operand and per-feature shapes and returns the reduced axes and the count N.
func bnAxes(c *composer, op string, operand backends.Op, featureAxis int, perFeature ...backends.Op) (shapes.Shape, []int, int, error) {
	xShape := c.shape(operand)
	if c.err != nil {
		return xShape, nil, 0, c.err
	}
	if !xShape.DType.IsFloat() {
		return xShape, nil, 0, errors.Errorf("%s: operand must be a float tensor, got %s", op, xShape)
	}
	if featureAxis < 0 || featureAxis >= xShape.Rank() {
		return xShape, nil, 0, errors.Errorf("%s: featureAxis %d out of range for operand %s", op, featureAxis, xShape)
	}
	features := xShape.Dimensions[featureAxis]
	for i, v := range perFeature {
		s := c.shape(v)
		if c.err != nil {
			return xShape, nil, 0, c.err
		}
		if s.Rank() != 1 || s.Dimensions[0] != features || s.DType != xShape.DType {
			return xShape, nil, 0, errors.Errorf("%s: per-feature input #%d must be shaped [%d] of %s (operand %s, featureAxis %d), got %s",
				op, i, features, xShape.DType, xShape, featureAxis, s)
		}
	}
	var axes []int
	n := 1
	for axis, dim := range xShape.Dimensions {
		if axis != featureAxis {
			axes = append(axes, axis)
			n *= dim
		}
	}
	return xShape, axes, n, nil
}

// bnBroadcast broadcasts a per-feature vector [F] to the operand's shape along featureAxis.
func bnBroadcast(c *composer, v backends.Op, xShape shapes.Shape, featureAxis int) backends.Op {
	return c.broadcastInDim(v, xShape, []int{featureAxis})
}

// BatchNormForInference implements backends.Builder.BatchNormForInference:
// (x - mean) * scale / sqrt(variance + epsilon) + offset, per feature.
func (b *Builder) BatchNormForInference(operand, scale, offset, mean, variance backends.Op, epsilon float32, featureAxis int) (backends.Op, error) {
	c := newComposer(b.Builder, "BatchNormForInference")
	xShape, _, _, err := bnAxes(c, "BatchNormForInference", operand, featureAxis, scale, offset, mean, variance)
	if err != nil {
		return nil, err
	}
	// Per feature: a = scale * rsqrt(variance + eps), shift = offset - mean * a; then y = x*a + shift.
	eps := c.scalar(xShape.DType, float64(epsilon))
	a := c.mul(scale, c.rsqrt(c.add(variance, eps)))
	shift := c.sub(offset, c.mul(mean, a))
	y := c.add(c.mul(operand, bnBroadcast(c, a, xShape, featureAxis)), bnBroadcast(c, shift, xShape, featureAxis))
	return c.result(y)
}

// BatchNormForTraining implements backends.Builder.BatchNormForTraining: it normalizes with the batch mean
// and (biased) variance of each feature, and returns them too.
func (b *Builder) BatchNormForTraining(operand, scale, offset backends.Op, epsilon float32, featureAxis int) (normalized, batchMean, batchVariance backends.Op, err error) {
	c := newComposer(b.Builder, "BatchNormForTraining")
	xShape, axes, n, err := bnAxes(c, "BatchNormForTraining", operand, featureAxis, scale, offset)
	if err != nil {
		return nil, nil, nil, err
	}
	invN := c.scalar(xShape.DType, 1/float64(n))
	mean := c.mul(c.reduceSum(operand, axes...), invN)
	centered := c.sub(operand, bnBroadcast(c, mean, xShape, featureAxis))
	variance := c.mul(c.reduceSum(c.mul(centered, centered), axes...), invN)
	eps := c.scalar(xShape.DType, float64(epsilon))
	a := c.mul(scale, c.rsqrt(c.add(variance, eps)))
	y := c.add(c.mul(centered, bnBroadcast(c, a, xShape, featureAxis)), bnBroadcast(c, offset, xShape, featureAxis))
	if c.err != nil {
		return nil, nil, nil, c.err
	}
	return y, mean, variance, nil
}

// BatchNormGradient implements backends.Builder.BatchNormGradient, given the batch mean and variance used
// in the forward pass and the gradient of the output (XLA's batch_norm_grad):
//
//	gradOffset  = sum(dy)
//	gradScale   = sum(dy * (x - mean)) / sqrt(variance + eps)
//	gradOperand = scale / sqrt(variance + eps) * (dy - mean(dy) - (x - mean) * mean(dy * (x - mean)) / (variance + eps))
func (b *Builder) BatchNormGradient(operand, scale, mean, variance, gradOutput backends.Op, epsilon float32, featureAxis int) (gradOperand, gradScale, gradOffset backends.Op, err error) {
	c := newComposer(b.Builder, "BatchNormGradient")
	xShape, axes, n, err := bnAxes(c, "BatchNormGradient", operand, featureAxis, scale, mean, variance)
	if err != nil {
		return nil, nil, nil, err
	}
	if gShape := c.shape(gradOutput); c.err == nil && !gShape.Equal(xShape) {
		return nil, nil, nil, errors.Errorf("BatchNormGradient: gradOutput %s must have the operand's shape %s", gShape, xShape)
	}
	invN := c.scalar(xShape.DType, 1/float64(n))
	eps := c.scalar(xShape.DType, float64(epsilon))
	varEps := c.add(variance, eps)
	invStd := c.rsqrt(varEps)
	centered := c.sub(operand, bnBroadcast(c, mean, xShape, featureAxis))
	sumDy := c.reduceSum(gradOutput, axes...)
	sumDyCentered := c.reduceSum(c.mul(gradOutput, centered), axes...)

	gradOffset = sumDy
	gradScale = c.mul(sumDyCentered, invStd)
	// Per feature: k1 = mean(dy), k2 = mean(dy*(x-mean)) / (var+eps), a = scale / sqrt(var+eps).
	k1 := c.mul(sumDy, invN)
	k2 := c.div(c.mul(sumDyCentered, invN), varEps)
	a := c.mul(scale, invStd)
	inner := c.sub(c.sub(gradOutput, bnBroadcast(c, k1, xShape, featureAxis)),
		c.mul(centered, bnBroadcast(c, k2, xShape, featureAxis)))
	gradOperand = c.mul(inner, bnBroadcast(c, a, xShape, featureAxis))
	if c.err != nil {
		return nil, nil, nil, c.err
	}
	return gradOperand, gradScale, gradOffset, nil
}
