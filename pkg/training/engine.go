package training

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/loader"
	"github.com/surrogo/surrogo/pkg/loss"
)

// ModelFn is a network: it maps input images [B, N, N, 1] to predictions [B, N, N, 1]. It is the
// signature of models.Fn; ctx.IsTraining tells training graphs from evaluation graphs.
type ModelFn = func(ctx *context.Context, x *Node) *Node

// modelScope is the context scope of the network's variables.
const modelScope = "model"

// engine holds the compiled computations of a run: a training step (forward, loss, gradients,
// Adam), the evaluation loss, and the prediction.
type engine struct {
	cfg       *Config
	backend   backends.Backend
	ctx       *context.Context
	net       ModelFn
	loss      *loss.EpochLoss
	transform loss.Transform
	opt       optimizers.Interface
	n         int

	trainExec, evalExec, predictExec *context.Exec
}

// newEngine creates the context, the loss and the executors; variables are created by init.
func newEngine(b backends.Backend, cfg *Config, net ModelFn) (*engine, error) {
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, derivedSeed(cfg.Seed, "init", 0, 0))
	if err := ctx.SetRNGStateFromSeed(derivedSeed(cfg.Seed, "init", 0, 0)); err != nil {
		return nil, fmt.Errorf("training: seeding the random number generator: %w", err)
	}
	l, err := loss.NewEpochLoss(ctx, cfg.Loss)
	if err != nil {
		return nil, fmt.Errorf("training: loss: %w", err)
	}
	o := cfg.Optimizer
	e := &engine{
		cfg: cfg, backend: b, ctx: ctx, net: net, loss: l, n: cfg.Model.Size,
		transform: cfg.Loss.Transform,
		opt:       optimizers.Adam().LearningRate(o.LearningRate).Betas(o.Beta1, o.Beta2).Epsilon(o.Epsilon).Done(),
	}
	uc := ctx.Checked(false)
	if e.trainExec, err = context.NewExec(b, uc, e.trainGraph); err != nil {
		return nil, fmt.Errorf("training: creating the training step: %w", err)
	}
	if e.evalExec, err = context.NewExec(b, uc, e.evalGraph); err != nil {
		return nil, fmt.Errorf("training: creating the evaluation step: %w", err)
	}
	if e.predictExec, err = context.NewExec(b, uc, e.predictGraph); err != nil {
		return nil, fmt.Errorf("training: creating the prediction: %w", err)
	}
	// Full batches and the short last batch of an epoch or of the test set.
	for _, x := range []*context.Exec{e.trainExec, e.evalExec, e.predictExec} {
		x.SetMaxCache(8)
	}
	return e, nil
}

// derivedSeed maps (seed, label, a, b) to a non-zero int64 seed for GoMLX's random number
// generator (0 would mean "unseeded" to GoMLX): the first 8 bytes of a SHA-256.
func derivedSeed(seed uint64, label string, a, b int) int64 {
	h := sha256.New()
	io.WriteString(h, "surrogo/training/v1\x00"+label+"\x00")
	var buf [24]byte
	binary.LittleEndian.PutUint64(buf[0:], seed)
	binary.LittleEndian.PutUint64(buf[8:], uint64(a))
	binary.LittleEndian.PutUint64(buf[16:], uint64(b))
	h.Write(buf[:])
	s := int64(binary.LittleEndian.Uint64(h.Sum(nil)) & math.MaxInt64)
	if s == 0 {
		s = 1
	}
	return s
}

// orderSeed is the loader seed of the training order after the given number of roll-backs.
func orderSeed(seed uint64, rollbacks int) uint64 {
	return uint64(derivedSeed(seed, "order", rollbacks, 0))
}

// forward applies the data transform to the inputs and runs the network: predictions in the
// transformed space (what the loss compares with the transformed targets).
func (e *engine) forward(ctx *context.Context, x *Node) *Node {
	x, err := e.transform.ApplyNode(x)
	if err != nil {
		panic(err)
	}
	y := e.net(ctx.In(modelScope), x)
	if !y.Shape().Equal(x.Shape()) {
		panic(fmt.Errorf("the model maps %s to %s; want the input shape", x.Shape(), y.Shape()))
	}
	return y
}

// trainGraph is one training step: forward pass, loss, gradients and Adam's update. It returns
// the batch loss.
func (e *engine) trainGraph(ctx *context.Context, x, y *Node) *Node {
	g := x.Graph()
	ctx.SetTraining(g, true)
	pred := e.forward(ctx, x)
	l := e.loss.LossFn([]*Node{y}, []*Node{pred})
	train.SetLossNoRegularization(ctx, l)
	train.AddLoss(ctx, l)
	e.opt.UpdateGraph(ctx, g, train.GetLosses(ctx, g))
	train.ExecPerStepUpdateGraphFn(ctx, g)
	return l
}

// evalGraph is the loss of a batch in evaluation mode.
func (e *engine) evalGraph(ctx *context.Context, x, y *Node) *Node {
	ctx.SetTraining(x.Graph(), false)
	return e.loss.LossFn([]*Node{y}, []*Node{e.forward(ctx, x)})
}

// predictGraph is the prediction of a batch in field units (the transform undone).
func (e *engine) predictGraph(ctx *context.Context, x *Node) *Node {
	ctx.SetTraining(x.Graph(), false)
	y, err := e.transform.InvertNode(e.forward(ctx, x))
	if err != nil {
		panic(err)
	}
	return y
}

// init creates every variable (the network's, Adam's, the random number generator's) by building
// a training graph for batches of the given size, and initializes them from the seed. The graph is
// built on its own and thrown away (context.Exec.PreCompile cannot be used: in GoMLX v0.25 it
// donates, and so resets, the variables a graph updates).
func (e *engine) init(batch int) (err error) {
	defer catchPanic(&err, "initializing the model")
	g := NewGraph(e.backend, "surrogo-init")
	defer g.Finalize()
	x := Parameter(g, "x", e.imageShape(batch))
	y := Parameter(g, "y", e.imageShape(batch))
	e.trainGraph(e.ctx.Checked(false), x, y)
	return e.ctx.InitializeVariables(e.backend, nil)
}

// initInference creates the network's variables (by building a prediction graph) and
// initializes them; a checkpoint then sets their values.
func (e *engine) initInference(batch int) (err error) {
	defer catchPanic(&err, "initializing the model")
	g := NewGraph(e.backend, "surrogo-init")
	defer g.Finalize()
	e.predictGraph(e.ctx.Checked(false), Parameter(g, "x", e.imageShape(batch)))
	return e.ctx.InitializeVariables(e.backend, nil)
}

// imageShape is the shape of a batch of images.
func (e *engine) imageShape(batch int) shapes.Shape {
	return shapes.Make(dtypes.Float32, batch, e.n, e.n, 1)
}

// step runs one training step on a batch and returns its loss.
func (e *engine) step(b *loader.Batch) (float64, error) {
	x, y := e.tensors(b)
	defer x.FinalizeAll()
	defer y.FinalizeAll()
	out, err := e.trainExec.Exec(x, y)
	if err != nil {
		return math.NaN(), err
	}
	return scalarOut(out)
}

// evalBatch returns the evaluation loss of a batch.
func (e *engine) evalBatch(b *loader.Batch) (float64, error) {
	x, y := e.tensors(b)
	defer x.FinalizeAll()
	defer y.FinalizeAll()
	out, err := e.evalExec.Exec(x, y)
	if err != nil {
		return math.NaN(), err
	}
	return scalarOut(out)
}

// predictBatch returns the predictions (field units) of a batch, len(b.Indices)*N*N values.
func (e *engine) predictBatch(b *loader.Batch) ([]float32, error) {
	x := tensors.FromFlatDataAndDimensions(b.Inputs, b.Size(), e.n, e.n, 1)
	defer x.FinalizeAll()
	out, err := e.predictExec.Exec(x)
	if err != nil {
		return nil, err
	}
	defer out[0].FinalizeAll()
	pred := make([]float32, b.Size()*e.n*e.n)
	err = tensors.ConstFlatData(out[0], func(flat []float32) { copy(pred, flat) })
	return pred, err
}

func (e *engine) tensors(b *loader.Batch) (x, y *tensors.Tensor) {
	x = tensors.FromFlatDataAndDimensions(b.Inputs, b.Size(), e.n, e.n, 1)
	y = tensors.FromFlatDataAndDimensions(b.Targets, b.Size(), e.n, e.n, 1)
	return x, y
}

// evalLoss returns the loss of every example of l (one pass), each example weighing the same.
func (e *engine) evalLoss(l *loader.Loader, epoch int) (float64, error) {
	l.SetEpoch(epoch)
	var sum float64
	var count int
	for {
		b, err := l.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return math.NaN(), err
		}
		v, err := e.evalBatch(b)
		if err != nil {
			return math.NaN(), err
		}
		sum += v * float64(b.Size())
		count += b.Size()
	}
	return sum / float64(count), nil
}

// scalarOut reads the scalar float output of an executor and frees the outputs.
func scalarOut(out []*tensors.Tensor) (float64, error) {
	defer func() {
		for _, t := range out {
			t.FinalizeAll()
		}
	}()
	if len(out) == 0 {
		return math.NaN(), fmt.Errorf("no output")
	}
	switch v := out[0].Value().(type) {
	case float32:
		return float64(v), nil
	case float64:
		return v, nil
	}
	return math.NaN(), fmt.Errorf("loss of dtype %s", out[0].DType())
}

// catchPanic turns a panic (GoMLX reports graph-building errors that way) into an error.
func catchPanic(err *error, what string) {
	if r := recover(); r != nil {
		if e, ok := r.(error); ok {
			*err = fmt.Errorf("%s: %w", what, e)
		} else {
			*err = fmt.Errorf("%s: %v", what, r)
		}
	}
}
