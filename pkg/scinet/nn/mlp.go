package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// MLPSpec describes a fully connected regression net: Inputs -> Hidden... (each followed by
// Activation) -> Outputs (identity).
type MLPSpec struct {
	Inputs     int        `json:"inputs"`
	Hidden     []int      `json:"hidden"`
	Outputs    int        `json:"outputs"`
	Activation Activation `json:"activation"`
}

// Validate reports the first invalid field of s.
func (s MLPSpec) Validate() error {
	if s.Inputs < 1 || s.Outputs < 1 {
		return fmt.Errorf("nn: MLPSpec: Inputs and Outputs must be >= 1, got %d and %d", s.Inputs, s.Outputs)
	}
	for i, h := range s.Hidden {
		if h < 1 {
			return fmt.Errorf("nn: MLPSpec: Hidden[%d] must be >= 1, got %d", i, h)
		}
	}
	if err := s.Activation.Validate(); err != nil {
		return fmt.Errorf("nn: MLPSpec.Activation: %w", err)
	}
	return nil
}

// Parameters returns the number of weights and biases of the net.
func (s MLPSpec) Parameters() int { return ParameterCount(s.Inputs, s.Hidden, s.Outputs) }

// Model returns the net's forward pass as a ModelFunc.
func (s MLPSpec) Model() ModelFunc {
	return func(ctx *context.Context, x *graph.Node) *graph.Node {
		return MLP(ctx, x, s.Hidden, s.Outputs, s.Activation)
	}
}

// Objective returns the L2 training objective ([SumSquaredError]) of the net.
func (s MLPSpec) Objective() Objective {
	model := s.Model()
	return func(ctx *context.Context, x, y *graph.Node) (*graph.Node, []*graph.Node) {
		return SumSquaredError(model(ctx, x), y), nil
	}
}

// NewMLPLearner returns a [Learner] for the net described by spec, trained with Adam at learningRate
// on the L2 loss, seeded by seed.
func NewMLPLearner(backend backends.Backend, spec MLPSpec, learningRate float64, seed uint64) (*Learner, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return NewLearner(backend, Config{
		Inputs: spec.Inputs, Outputs: spec.Outputs, LearningRate: learningRate, Seed: seed,
		Objective: spec.Objective(), Predict: spec.Model(),
	})
}
