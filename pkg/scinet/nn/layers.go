package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Grads maps each trainable variable to the graph node holding the gradient of the loss with respect
// to it. Hand-written backward passes ([DenseTape.Backward], [Tape.Backward]) accumulate into it.
type Grads map[*context.Variable]*graph.Node

// add accumulates g into the gradient of v.
func (gs Grads) add(v *context.Variable, g *graph.Node) {
	if prev, ok := gs[v]; ok {
		g = graph.Add(prev, g)
	}
	gs[v] = g
}

// DenseTape records one fully connected layer's forward pass, out = act(in·W + b), so that its
// gradients can be computed by hand (see [DenseTape.Backward]).
type DenseTape struct {
	// Weights [in, outputs] and Biases [outputs] are the layer's variables.
	Weights, Biases *context.Variable
	// In, Pre and Out are the layer's input, pre-activation and output nodes, all [batch, *].
	In, Pre, Out *graph.Node
	// Act is the layer's activation.
	Act Activation
}

// Dense adds a fully connected layer out = act(x·W + b) mapping x, shape [batch, in], to
// [batch, outputs], with variables "weights" [in, outputs] and "biases" [outputs] in ctx's current
// scope, and returns its tape.
//
// Weights and biases are initialised like PyTorch's nn.Linear (the framework of the review's
// implementation): uniform in [-1/sqrt(in), 1/sqrt(in)], drawn from the context's RNG.
// It panics (GoMLX's graph-building convention) if x is not a matrix or outputs < 1.
func Dense(ctx *context.Context, x *graph.Node, outputs int, act Activation) *DenseTape {
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
	t := &DenseTape{
		Weights: ctx.VariableWithShape("weights", shapes.Make(x.DType(), in, outputs)),
		Biases:  ctx.VariableWithShape("biases", shapes.Make(x.DType(), outputs)),
		In:      x,
		Act:     act,
	}
	w, b := t.Weights.ValueGraph(g), t.Biases.ValueGraph(g)
	t.Pre = graph.Add(matmul(x, w), graph.InsertAxes(b, 0))
	t.Out = act.Apply(t.Pre)
	return t
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

// Backward takes dOut, the gradient of the loss with respect to the layer's output, accumulates the
// gradients of its weights and biases into grads, and returns the gradient with respect to its input
// when needInput is set (nil otherwise). All products run as matrix products: GoMLX v0.25's automatic
// gradient of a matrix product materialises a [batch, in, outputs] tensor, ruinous on the pure-Go backend.
func (t *DenseTape) Backward(dOut *graph.Node, needInput bool, grads Grads) (dIn *graph.Node) {
	dPre := t.Act.Backward(t.Pre, t.Out, dOut)
	// dW = inᵀ·dPre, db = sum over the batch of dPre, dIn = dPre·Wᵀ.
	grads.add(t.Weights, graph.DotGeneral(t.In, []int{0}, nil, dPre, []int{0}, nil))
	grads.add(t.Biases, graph.ReduceSum(dPre, 0))
	if !needInput {
		return nil
	}
	w := t.Weights.ValueGraph(dPre.Graph())
	if dPre.Shape().Dimensions[1] == 1 {
		return matmul(dPre, graph.Reshape(w, 1, w.Shape().Dimensions[0]))
	}
	return graph.DotGeneral(dPre, []int{1}, nil, w, []int{1}, nil)
}

// Tape records the forward pass of a stack of dense layers built by [Stack] or [Forward].
type Tape struct {
	// Input is the stack's input node.
	Input *graph.Node
	// Layers are the dense layers, input first.
	Layers []*DenseTape
}

// Output returns the output of the last layer (the input if there are no layers).
func (t *Tape) Output() *graph.Node {
	if len(t.Layers) == 0 {
		return t.Input
	}
	return t.Layers[len(t.Layers)-1].Out
}

// Backward back-propagates dOut (the gradient of the loss with respect to the output) through the
// layers, accumulating the variables' gradients into grads; it returns the gradient with respect to
// the input when needInput is set (nil otherwise).
func (t *Tape) Backward(dOut *graph.Node, needInput bool, grads Grads) *graph.Node {
	d := dOut
	for i := len(t.Layers) - 1; i >= 0; i-- {
		d = t.Layers[i].Backward(d, needInput || i > 0, grads)
	}
	if !needInput {
		return nil
	}
	return d
}

// Stack adds one [Dense] layer per entry of widths, each followed by act; layer i lives in scope
// "layer_<i>" of ctx. An empty widths gives an empty stack whose output is x.
func Stack(ctx *context.Context, x *graph.Node, widths []int, act Activation) *Tape {
	t := &Tape{Input: x}
	for i, width := range widths {
		l := Dense(ctx.In(fmt.Sprintf("layer_%d", i)), x, width, act)
		t.Layers = append(t.Layers, l)
		x = l.Out
	}
	return t
}

// Forward adds a fully connected net: a [Stack] of hidden layers with activation act, then a linear
// (identity) output layer of outputs units in scope "layer_<len(hidden)>".
func Forward(ctx *context.Context, x *graph.Node, hidden []int, outputs int, act Activation) *Tape {
	t := Stack(ctx, x, hidden, act)
	out := Dense(ctx.In(fmt.Sprintf("layer_%d", len(hidden))), t.Output(), outputs, Identity)
	t.Layers = append(t.Layers, out)
	return t
}

// MLP is [Forward] returning only the output node.
func MLP(ctx *context.Context, x *graph.Node, hidden []int, outputs int, act Activation) *graph.Node {
	return Forward(ctx, x, hidden, outputs, act).Output()
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
