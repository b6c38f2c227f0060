package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Dense adds a fully connected layer act(x·W + b) mapping x, shape [batch, in], to [batch, outputs],
// with variables "weights" [in, outputs] and "biases" [outputs] (of x's dtype) in ctx's current scope.
//
// Weights and biases are initialised like PyTorch's nn.Linear (the framework of the review's
// implementation): uniform in [-1/sqrt(in), 1/sqrt(in)], drawn from the context's RNG.
// It panics (GoMLX's graph-building convention) if x is not a matrix or outputs < 1.
func Dense(ctx *context.Context, x *graph.Node, outputs int, act Activation) *graph.Node {
	if x.Rank() != 2 {
		panic(fmt.Sprintf("nn.Dense: input must have shape [batch, features], got %s", x.Shape()))
	}
	if outputs < 1 {
		panic(fmt.Sprintf("nn.Dense: outputs must be >= 1, got %d", outputs))
	}
	g := x.Graph()
	in := x.Shape().Dimensions[1]
	bound := 1 / math.Sqrt(float64(in))
	ctx = ctx.WithInitializer(initializers.RandomUniformFn(ctx, -bound, bound))
	w := ctx.VariableWithShape("weights", shapes.Make(x.DType(), in, outputs)).ValueGraph(g)
	b := ctx.VariableWithShape("biases", shapes.Make(x.DType(), outputs)).ValueGraph(g)
	return act.Apply(graph.Add(matmul(x, w), graph.InsertAxes(b, 0)))
}

// matmul returns a·b for matrices a [n, k] and b [k, m]. For k == 1 (an outer product, e.g. a layer
// with a single input) it multiplies with broadcasting instead, which the pure-Go backend runs about
// twice as fast as its matrix-product kernel.
func matmul(a, b *graph.Node) *graph.Node {
	if a.Shape().Dimensions[1] == 1 {
		return graph.Mul(a, b)
	}
	return graph.Dot(a, b)
}

// Stack adds one [Dense] layer per entry of widths, each followed by act; layer i lives in scope
// "layer_<i>" of ctx. An empty widths returns x.
func Stack(ctx *context.Context, x *graph.Node, widths []int, act Activation) *graph.Node {
	for i, width := range widths {
		x = Dense(ctx.In(fmt.Sprintf("layer_%d", i)), x, width, act)
	}
	return x
}

// MLP adds a fully connected net: a [Stack] of hidden layers with activation act, then a linear
// (identity) output layer of outputs units in scope "layer_<len(hidden)>".
func MLP(ctx *context.Context, x *graph.Node, hidden []int, outputs int, act Activation) *graph.Node {
	h := Stack(ctx, x, hidden, act)
	return Dense(ctx.In(fmt.Sprintf("layer_%d", len(hidden))), h, outputs, Identity)
}

// ParameterCount returns the number of weights and biases of a fully connected net with the given
// input width, hidden widths and output width.
func ParameterCount(inputs int, hidden []int, outputs int) int {
	n, prev := 0, inputs
	for _, h := range append(append([]int(nil), hidden...), outputs) {
		n += prev*h + h
		prev = h
	}
	return n
}
