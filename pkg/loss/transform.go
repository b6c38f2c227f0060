package loss

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// The "App Trans" sqrt models (80S1_a4000_b10_sqrt, 80S1_a6000_b1_sqrt, 80SH_sqrt) were
// "trained by applying square root to the training data". The authors' loader applies
// np.sqrt(np.absolute(v)) to every file it reads, inputs and targets alike, and maps
// predictions and targets back with v**2 before measuring errors. This package follows it:
// Config.Build and EpochLoss take targets in field units and transform them themselves (the
// prefactor then sees sqrt(|y|)); the network input must be transformed by the caller with
// Apply or ApplyNode; predictions go back to field units with Invert or InvertNode.

// Apply transforms values in place: v -> sqrt(|v|) for TransformSqrt, unchanged for
// TransformNone ("" means none).
func (t Transform) Apply(values []float32) error {
	switch t {
	case TransformNone, "":
		return nil
	case TransformSqrt:
		for i, v := range values {
			values[i] = float32(math.Sqrt(math.Abs(float64(v))))
		}
		return nil
	}
	return fmt.Errorf("loss: unknown transform %q (want one of %q)", t, Transforms)
}

// Invert maps transformed values (such as predictions) back to field units in place:
// v -> v*v for TransformSqrt, as the authors' code does (pred.pow(2)). Note that a negative
// prediction -s maps to s^2, the same value as s.
func (t Transform) Invert(values []float32) error {
	switch t {
	case TransformNone, "":
		return nil
	case TransformSqrt:
		for i, v := range values {
			values[i] = v * v
		}
		return nil
	}
	return fmt.Errorf("loss: unknown transform %q (want one of %q)", t, Transforms)
}

// ApplyNode is Apply as a graph operation.
func (t Transform) ApplyNode(x *Node) (*Node, error) {
	switch t {
	case TransformNone, "":
		return x, nil
	case TransformSqrt:
		return Sqrt(Abs(x)), nil
	}
	return nil, fmt.Errorf("loss: unknown transform %q (want one of %q)", t, Transforms)
}

// InvertNode is Invert as a graph operation.
func (t Transform) InvertNode(x *Node) (*Node, error) {
	switch t {
	case TransformNone, "":
		return x, nil
	case TransformSqrt:
		return Square(x), nil
	}
	return nil, fmt.Errorf("loss: unknown transform %q (want one of %q)", t, Transforms)
}
