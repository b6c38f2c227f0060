package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Activation names a nonlinearity applied element-wise after a dense layer.
type Activation string

// The nonlinearities of the review's figure 2, plus the identity used on output layers.
const (
	// ReLU is max(x, 0).
	ReLU Activation = "relu"
	// ELU is x for x > 0 and exp(x) - 1 otherwise (alpha = 1), the nonlinearity of SciNet.
	ELU Activation = "elu"
	// Sigmoid is 1 / (1 + exp(-x)).
	Sigmoid Activation = "sigmoid"
	// Identity leaves its input unchanged (the output layer of every net here).
	Identity Activation = "identity"
)

// Activations lists the supported activations in a stable order.
var Activations = []Activation{ReLU, ELU, Sigmoid, Identity}

// ParseActivation returns the Activation called name, or an error naming the valid choices.
func ParseActivation(name string) (Activation, error) {
	for _, a := range Activations {
		if string(a) == name {
			return a, nil
		}
	}
	return "", fmt.Errorf("nn: unknown activation %q (valid: relu, elu, sigmoid, identity)", name)
}

// Validate reports whether a is one of the supported activations.
func (a Activation) Validate() error {
	_, err := ParseActivation(string(a))
	return err
}

// Apply adds the activation to the graph. It panics (GoMLX's graph-building convention) on an unknown
// activation; validate configurations with [Activation.Validate] first.
func (a Activation) Apply(x *graph.Node) *graph.Node {
	switch a {
	case ReLU:
		return graph.Where(graph.GreaterThan(x, graph.ZerosLike(x)), x, graph.ZerosLike(x))
	case ELU:
		// exp(min(x,0)) - 1 keeps the unused branch finite, so the gradient of Where never sees inf*0.
		// (GoMLX v0.25 defines no gradient for Expm1, so Exp - 1 keeps automatic differentiation possible.)
		return graph.Where(graph.GreaterThan(x, graph.ZerosLike(x)), x,
			graph.AddScalar(graph.Exp(graph.Min(x, graph.ZerosLike(x))), -1))
	case Sigmoid:
		return graph.Sigmoid(x)
	case Identity:
		return x
	}
	panic(fmt.Sprintf("nn: unknown activation %q", string(a)))
}

// Eval evaluates the activation on the host, in float64 (used for the curves of figure 2).
// An unknown activation returns NaN.
func (a Activation) Eval(x float64) float64 {
	switch a {
	case ReLU:
		return math.Max(x, 0)
	case ELU:
		if x > 0 {
			return x
		}
		return math.Expm1(x)
	case Sigmoid:
		return 1 / (1 + math.Exp(-x))
	case Identity:
		return x
	}
	return math.NaN()
}
