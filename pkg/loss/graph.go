package loss

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gopjrt/dtypes"
)

// Func is a loss as a graph function: it takes the targets (as the dataset gives them, before
// Config.Transform) and the network's predictions, of equal shapes, and returns the scalar
// mean of the pixel losses over all pixels and samples (Eq. 7). Like every GoMLX graph-building
// function it panics if the shapes differ.
type Func func(yTrue, yPred *Node) *Node

// Build validates c and returns the loss of the given epoch (0-based), with the prefactor the
// schedule assigns to that epoch. It never adds target noise (see NewEpochLoss for that).
func (c Config) Build(epoch int) (Func, error) {
	p, err := c.PrefactorAt(epoch)
	if err != nil {
		return nil, err
	}
	n := c.normalized()
	return func(yTrue, yPred *Node) *Node {
		t, yp := n.prepare(yTrue, yPred)
		return ReduceAllMean(n.pixelLoss(p, t, yp))
	}, nil
}

// LossFn is Build wrapped in the signature of train.Trainer: it uses labels[0] and
// predictions[0] and panics, when the graph is built, if there are extra labels (masks or
// weights are not part of the paper's losses).
func (c Config) LossFn(epoch int) (losses.LossFn, error) {
	f, err := c.Build(epoch)
	if err != nil {
		return nil, err
	}
	return func(labels, predictions []*Node) *Node {
		checkOne(labels, predictions)
		return f(labels[0], predictions[0])
	}, nil
}

func checkOne(labels, predictions []*Node) {
	if len(labels) != 1 || len(predictions) != 1 {
		panic(fmt.Errorf("loss: want exactly one label and one prediction tensor, got %d and %d", len(labels), len(predictions)))
	}
}

// computeDType is the dtype the loss is computed in: float64 and float32 stay as they are,
// half-precision types are promoted to float32 so that the mean over 512^2 pixels keeps its
// precision.
func computeDType(d dtypes.DType) dtypes.DType {
	if d == dtypes.Float64 {
		return dtypes.Float64
	}
	return dtypes.Float32
}

// prepare checks the shapes, converts both tensors to the compute dtype and applies the
// transform to the targets.
func (c Config) prepare(yTrue, yPred *Node) (t, yp *Node) {
	if !yTrue.Shape().EqualDimensions(yPred.Shape()) {
		panic(fmt.Errorf("loss: targets %s and predictions %s have different dimensions", yTrue.Shape(), yPred.Shape()))
	}
	dt := computeDType(yPred.DType())
	t, yp = yTrue, yPred
	if t.DType() != dt {
		t = ConvertDType(t, dt)
	}
	if yp.DType() != dt {
		yp = ConvertDType(yp, dt)
	}
	if c.Transform == TransformSqrt {
		t = Sqrt(Abs(t))
	}
	return t, yp
}

// pixelLoss returns P * M(yhat - t) per pixel for the normalized, valid configuration c.
func (c Config) pixelLoss(p Prefactor, t, yp *Node) *Node {
	m := c.metricGraph(Abs(Sub(yp, t)))
	w := c.prefactorGraph(p, t, yp)
	if w == nil {
		return m
	}
	return Mul(w, m)
}

// prefactorGraph returns the prefactor map, or nil for PrefactorNone.
func (c Config) prefactorGraph(p Prefactor, t, yp *Node) *Node {
	switch p {
	case PrefactorExp:
		if c.WeightBy == WeightTarget {
			// exp(-(1 - t)/w) = exp((t - 1)/w)
			return Exp(DivScalar(AddScalar(t, -1), c.W))
		}
		// exp(-|1 - yhat|/w)
		return Exp(DivScalar(Neg(Abs(OneMinus(yp))), c.W))
	case PrefactorStep:
		v := t
		if c.WeightBy == WeightPrediction {
			v = yp
		}
		return AddScalar(MulScalar(Tanh(MulScalar(v, c.B)), c.A), 1)
	default:
		return nil
	}
}

// metricGraph returns M(e) given |e|.
func (c Config) metricGraph(absErr *Node) *Node {
	switch c.Metric {
	case MSE:
		return Square(absErr)
	case Huber:
		// 1/2 min(|e|,d)^2 + d*(|e| - min(|e|,d)): the JAX/GoMLX form, one branch per side.
		q := MinScalar(absErr, c.Delta)
		return Add(MulScalar(Square(q), 0.5), MulScalar(Sub(absErr, q), c.Delta))
	case InverseHuber:
		lin := MulScalar(AddScalar(absErr, -c.Delta/2), c.Delta)
		quad := MulScalar(Square(absErr), 0.5)
		return Where(LessOrEqual(absErr, Scalar(absErr.Graph(), absErr.DType(), c.Delta)), lin, quad)
	default: // MAE
		return absErr
	}
}

// PixelLoss returns the loss of one pixel, P * M(yhat - t), in float64 for the given
// prefactor, target y (before the transform) and prediction yhat. It is the reference the
// graph functions are tested against and may be used to evaluate a loss on the host.
func (c Config) PixelLoss(p Prefactor, y, yhat float64) (float64, error) {
	if err := c.Validate(); err != nil {
		return 0, err
	}
	n := c.normalized()
	if !isOneOf(p, Prefactors) {
		return 0, fmt.Errorf("loss: unknown prefactor %q", p)
	}
	if (p == PrefactorExp && !n.usesExp()) || (p == PrefactorStep && !n.usesStep()) {
		return 0, fmt.Errorf("loss: prefactor %q is never used by this configuration (its parameters are unset)", p)
	}
	t := y
	if n.Transform == TransformSqrt {
		t = math.Sqrt(math.Abs(y))
	}
	e := math.Abs(yhat - t)
	var m float64
	switch n.Metric {
	case MAE:
		m = e
	case MSE:
		m = e * e
	case Huber:
		if e <= n.Delta {
			m = e * e / 2
		} else {
			m = n.Delta * (e - n.Delta/2)
		}
	case InverseHuber:
		if e <= n.Delta {
			m = n.Delta * (e - n.Delta/2)
		} else {
			m = e * e / 2
		}
	}
	w := 1.0
	switch p {
	case PrefactorExp:
		if n.WeightBy == WeightTarget {
			w = math.Exp(-(1 - t) / n.W)
		} else {
			w = math.Exp(-math.Abs(1-yhat) / n.W)
		}
	case PrefactorStep:
		v := t
		if n.WeightBy == WeightPrediction {
			v = yhat
		}
		w = 1 + n.A*math.Tanh(n.B*v)
	}
	return w * m, nil
}
