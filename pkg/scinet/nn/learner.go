package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gopjrt/dtypes"
)

// ModelFunc builds a model's predictions, shape [batch, outputs], from its inputs x, shape
// [batch, inputs]. ctx.IsTraining(x.Graph()) tells training graphs from evaluation graphs.
type ModelFunc func(ctx *context.Context, x *graph.Node) *graph.Node

// Objective builds the training graph of one batch (x [batch, inputs], y [batch, outputs]): the scalar
// loss to minimise and the values of the loss terms named in Config.Terms (same order). GoMLX's
// automatic differentiation computes the gradients.
type Objective func(ctx *context.Context, x, y *graph.Node) (loss *graph.Node, terms []*graph.Node)

// EvalFunc builds any number of evaluation outputs, each of shape [batch, k], from inputs x of shape
// [batch, inputs]. It runs with ctx.IsTraining false.
type EvalFunc func(ctx *context.Context, x *graph.Node) []*graph.Node

// Sampler fills x (batch*inputs values, row-major) and y (batch*outputs values) with one batch of fresh
// training pairs drawn from rng. It must draw all its randomness from rng, so runs are reproducible.
type Sampler func(rng *rand.Rand, x, y []float32)

// Config configures a [Learner].
type Config struct {
	// Inputs and Outputs are the widths of the model's input and output rows.
	Inputs, Outputs int
	// LearningRate of Adam (stored in the context parameter optimizers.ParamLearningRate).
	LearningRate float64
	// Seed seeds the weights, the in-graph RNG (context.ParamInitialSeed) and the training sampler.
	Seed uint64
	// Objective builds the training loss (and the terms named in Terms).
	Objective Objective
	// Predict builds the evaluation-mode predictions used by [Learner.Predict].
	Predict ModelFunc
	// Terms names the extra loss terms returned by Objective; each becomes a learning-curve column.
	Terms []string
}

// LearningCurve records the training loss. Each entry is the mean of the per-step batch losses over the
// steps since the previous entry; Step is the number of optimisation steps taken when it was recorded.
type LearningCurve struct {
	Step []int     `json:"step"`
	Loss []float64 `json:"loss"`
	// Terms holds the recorded loss terms (for SciNet: "reconstruction" and "kl"), aligned with Step.
	Terms map[string][]float64 `json:"terms,omitempty"`
}

// Learner couples a GoMLX context (the model's variables and hyperparameters), Adam, and a seeded
// sampler RNG, and trains on fresh batches. Create it with [NewLearner].
//
// Each training step is one compiled graph: the objective, its gradients, and Adam's update
// (optimizers.Adam with PyTorch's defaults: betas 0.9, 0.999, epsilon 1e-8).
type Learner struct {
	backend backends.Backend
	ctx     *context.Context
	cfg     Config
	rng     *rand.Rand
	steps   int
	curve   LearningCurve
	train   *context.Exec
	execs   map[string]*context.Exec
	xbuf    []float32
	ybuf    []float32
}

// SumSquaredError is the L2 loss used throughout: the squared error summed over the output columns and
// averaged over the batch (for one output, the mean squared error).
func SumSquaredError(pred, y *graph.Node) *graph.Node {
	d := graph.Sub(pred, y)
	return graph.DivScalar(graph.ReduceAllSum(graph.Mul(d, d)), float64(pred.Shape().Dimensions[0]))
}

// NewLearner validates cfg and creates the seeded context holding the learning rate. Variables are
// created by the first training or evaluation call.
func NewLearner(backend backends.Backend, cfg Config) (*Learner, error) {
	switch {
	case backend == nil:
		return nil, errors.New("nn: NewLearner: backend is nil")
	case cfg.Inputs < 1 || cfg.Outputs < 1:
		return nil, fmt.Errorf("nn: NewLearner: Inputs and Outputs must be >= 1, got %d and %d", cfg.Inputs, cfg.Outputs)
	case !(cfg.LearningRate > 0) || math.IsInf(cfg.LearningRate, 0):
		return nil, fmt.Errorf("nn: NewLearner: LearningRate must be positive and finite, got %g", cfg.LearningRate)
	case cfg.Objective == nil:
		return nil, errors.New("nn: NewLearner: Objective is nil")
	case cfg.Predict == nil:
		return nil, errors.New("nn: NewLearner: Predict is nil")
	}
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, contextSeed(cfg.Seed))
	ctx.SetParam(optimizers.ParamLearningRate, cfg.LearningRate)
	l := &Learner{
		backend: backend, ctx: ctx, cfg: cfg,
		rng:   rand.New(rand.NewPCG(cfg.Seed, 0x5c1e7)),
		execs: map[string]*context.Exec{},
	}
	if len(cfg.Terms) > 0 {
		l.curve.Terms = map[string][]float64{}
	}
	return l, nil
}

// contextSeed maps a seed to GoMLX's int64 initializer seed, where 0 would mean "unseeded".
func contextSeed(seed uint64) int64 {
	s := int64(seed & math.MaxInt64)
	if s == 0 {
		s = 0x2020
	}
	return s
}

// catch converts a panic raised while building or running graphs into an error.
func catch(err *error, where string) {
	if r := recover(); r != nil {
		if e, ok := r.(error); ok {
			*err = fmt.Errorf("nn: %s: %w", where, e)
		} else {
			*err = fmt.Errorf("nn: %s: %v", where, r)
		}
	}
}

// Context returns the learner's GoMLX context (variables and hyperparameters).
func (l *Learner) Context() *context.Context { return l.ctx }

// Backend returns the backend the learner runs on.
func (l *Learner) Backend() backends.Backend { return l.backend }

// Steps returns the number of optimisation steps taken so far.
func (l *Learner) Steps() int { return l.steps }

// Curve returns a copy of the learning curve recorded so far.
func (l *Learner) Curve() LearningCurve {
	c := LearningCurve{Step: append([]int(nil), l.curve.Step...), Loss: append([]float64(nil), l.curve.Loss...)}
	if l.curve.Terms != nil {
		c.Terms = map[string][]float64{}
		for k, v := range l.curve.Terms {
			c.Terms[k] = append([]float64(nil), v...)
		}
	}
	return c
}

// trainStepGraph builds one training step: the objective, its gradients (GoMLX's automatic
// differentiation) and Adam's update.
func (l *Learner) trainStepGraph(ctx *context.Context, x, y *graph.Node) []*graph.Node {
	g := x.Graph()
	ctx.SetTraining(g, true)
	loss, terms := l.cfg.Objective(ctx, x, y)
	if len(terms) != len(l.cfg.Terms) {
		panic(fmt.Sprintf("objective returned %d loss terms, Config.Terms names %d", len(terms), len(l.cfg.Terms)))
	}
	optimizers.Adam().Epsilon(1e-8).Done().UpdateGraph(ctx, g, loss)
	return append([]*graph.Node{loss}, terms...)
}

// Train takes steps optimisation steps, each on a fresh batch of batch samples from sample, and appends
// to the learning curve every recordEvery steps (and after the last step). recordEvery < 1 records
// every step. A non-finite loss stops training with an error.
func (l *Learner) Train(steps, batch, recordEvery int, sample Sampler) (err error) {
	switch {
	case steps < 0:
		return fmt.Errorf("nn: Train: steps must be >= 0, got %d", steps)
	case batch < 1:
		return fmt.Errorf("nn: Train: batch must be >= 1, got %d", batch)
	case sample == nil:
		return errors.New("nn: Train: sampler is nil")
	}
	if recordEvery < 1 {
		recordEvery = 1
	}
	defer catch(&err, "Train")
	if l.train == nil {
		l.train, err = context.NewExec(l.backend, l.ctx, l.trainStepGraph)
		if err != nil {
			return fmt.Errorf("nn: Train: %w", err)
		}
	}
	nIn, nOut := batch*l.cfg.Inputs, batch*l.cfg.Outputs
	if cap(l.xbuf) < nIn {
		l.xbuf = make([]float32, nIn)
	}
	if cap(l.ybuf) < nOut {
		l.ybuf = make([]float32, nOut)
	}
	x, y := l.xbuf[:nIn], l.ybuf[:nOut]
	var sumLoss float64
	sumTerms := make([]float64, len(l.cfg.Terms))
	n := 0
	for s := 0; s < steps; s++ {
		sample(l.rng, x, y)
		xt := tensors.FromFlatDataAndDimensions(x, batch, l.cfg.Inputs)
		yt := tensors.FromFlatDataAndDimensions(y, batch, l.cfg.Outputs)
		ms, err := l.train.Exec(xt, yt)
		xt.MustFinalizeAll()
		yt.MustFinalizeAll()
		if err != nil {
			return fmt.Errorf("nn: Train: step %d: %w", l.steps+1, err)
		}
		loss := scalar(ms[0])
		for i := range l.cfg.Terms {
			sumTerms[i] += scalar(ms[1+i])
		}
		for _, m := range ms {
			m.MustFinalizeAll()
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("nn: Train: loss became %g at step %d (lower the learning rate?)", loss, l.steps+1)
		}
		sumLoss += loss
		n++
		l.steps++
		if n == recordEvery || s == steps-1 {
			l.curve.Step = append(l.curve.Step, l.steps)
			l.curve.Loss = append(l.curve.Loss, sumLoss/float64(n))
			for i, name := range l.cfg.Terms {
				l.curve.Terms[name] = append(l.curve.Terms[name], sumTerms[i]/float64(n))
				sumTerms[i] = 0
			}
			sumLoss, n = 0, 0
		}
	}
	return nil
}

// scalar reads a scalar float tensor as float64.
func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

// evalChunk is the largest batch of evaluation graphs. Smaller evaluations are padded to the next power
// of two, so that a handful of compiled graphs serve any number of rows.
const evalChunk = 4096

// Eval runs fn (cached under key, so the graph is compiled once) on the rows of x, a row-major matrix
// of rows x Config.Inputs values, and returns each output of fn as a row-major []float64.
func (l *Learner) Eval(key string, fn EvalFunc, x []float64) (outs [][]float64, err error) {
	if fn == nil {
		return nil, errors.New("nn: Eval: fn is nil")
	}
	if len(x)%l.cfg.Inputs != 0 {
		return nil, fmt.Errorf("nn: Eval: len(x)=%d is not a multiple of Inputs=%d", len(x), l.cfg.Inputs)
	}
	defer catch(&err, "Eval "+key)
	exec, found := l.execs[key]
	if !found {
		exec, err = context.NewExec(l.backend, l.ctx.Checked(false), func(ctx *context.Context, x *graph.Node) []*graph.Node {
			ctx.SetTraining(x.Graph(), false)
			return fn(ctx, x)
		})
		if err != nil {
			return nil, fmt.Errorf("nn: Eval %s: %w", key, err)
		}
		l.execs[key] = exec
	}
	rows := len(x) / l.cfg.Inputs
	size := evalChunk
	for size/2 >= rows && size > 16 {
		size /= 2
	}
	chunk := make([]float32, size*l.cfg.Inputs)
	for start := 0; start < rows; start += size {
		n := min(size, rows-start)
		clear(chunk)
		for i, v := range x[start*l.cfg.Inputs : (start+n)*l.cfg.Inputs] {
			chunk[i] = float32(v)
		}
		in := tensors.FromFlatDataAndDimensions(chunk, size, l.cfg.Inputs)
		res, err := exec.Exec(in)
		in.MustFinalizeAll()
		if err != nil {
			return nil, fmt.Errorf("nn: Eval %s: %w", key, err)
		}
		if outs == nil {
			outs = make([][]float64, len(res))
		}
		for i, t := range res {
			if t.Rank() != 2 || t.Shape().Dimensions[0] != size {
				return nil, fmt.Errorf("nn: Eval %s: output %d has shape %s, want [batch, k]", key, i, t.Shape())
			}
			k := t.Shape().Dimensions[1]
			outs[i] = appendFlat(outs[i], t, n*k)
			t.MustFinalizeAll()
		}
	}
	return outs, nil
}

// appendFlat appends the first n values of t (float32 or float64) to dst as float64.
func appendFlat(dst []float64, t *tensors.Tensor, n int) []float64 {
	switch t.DType() {
	case dtypes.Float32:
		tensors.MustConstFlatData(t, func(f []float32) {
			for _, v := range f[:n] {
				dst = append(dst, float64(v))
			}
		})
	case dtypes.Float64:
		tensors.MustConstFlatData(t, func(f []float64) { dst = append(dst, f[:n]...) })
	default:
		panic(fmt.Sprintf("unsupported output dtype %s", t.DType()))
	}
	return dst
}

// Predict evaluates the model (in evaluation mode) on the rows of x, a row-major matrix of
// rows x Config.Inputs values, and returns the rows x Config.Outputs predictions.
func (l *Learner) Predict(x []float64) ([]float64, error) {
	model := l.cfg.Predict
	outs, err := l.Eval("predict", func(ctx *context.Context, x *graph.Node) []*graph.Node {
		return []*graph.Node{model(ctx, x)}
	}, x)
	if err != nil {
		return nil, err
	}
	if len(outs) == 0 {
		return nil, nil
	}
	return outs[0], nil
}

// NumParameters returns the number of trainable scalars in the model (0 before the first call that
// builds a graph).
func (l *Learner) NumParameters() int {
	n := 0
	for v := range l.ctx.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}
