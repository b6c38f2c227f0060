package loss

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// EpochScope and EpochVariable name the non-trainable context variable (a float32 scalar,
// 1 for the step prefactor and 0 for the exponential one) through which EpochLoss switches
// the prefactor between epochs without rebuilding the graph.
const (
	// EpochScope is the absolute context scope of the selector variable.
	EpochScope = "/surrogo/loss"
	// EpochVariable is the name of the selector variable.
	EpochVariable = "prefactor_is_step"
)

// EpochLoss is a train.Trainer loss that follows a Config through the epochs: call SetEpoch
// before each epoch and pass LossFn to train.NewTrainer. When the schedule changes the
// prefactor, both prefactors are in the graph and a context variable selects one, so XLA
// compiles the training step once. When Config.TargetNoiseStd > 0 it adds Gaussian noise to
// the (transformed) targets in training graphs only (context.Context.IsTraining), drawn from
// the context's random number generator (seed it with Context.SetRNGStateFromSeed).
type EpochLoss struct {
	cfg   Config
	ctx   *context.Context
	sel   *context.Variable
	epoch int
	pref  Prefactor
}

// NewEpochLoss validates c and returns its loss, positioned at epoch 0. ctx must be the
// context the trainer uses (or one connected to it): the selector variable and the random
// number generator state live there.
func NewEpochLoss(ctx *context.Context, c Config) (l *EpochLoss, err error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, fmt.Errorf("loss: NewEpochLoss needs a non-nil context")
	}
	l = &EpochLoss{cfg: c.normalized(), ctx: ctx, epoch: -1}
	if l.cfg.Schedule.Kind != ScheduleFixed {
		err = catch(func() {
			l.sel = ctx.InAbsPath(EpochScope).Checked(false).
				VariableWithValue(EpochVariable, float32(0)).SetTrainable(false)
		})
		if err != nil {
			return nil, fmt.Errorf("loss: creating the prefactor selector variable: %w", err)
		}
	}
	if err := l.SetEpoch(0); err != nil {
		return nil, err
	}
	return l, nil
}

// catch runs f and returns the panic it raised, if any, as an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	f()
	return nil
}

// SetEpoch selects the prefactor of the given epoch (0-based) for the following training steps.
func (l *EpochLoss) SetEpoch(epoch int) error {
	p, err := l.cfg.PrefactorAt(epoch)
	if err != nil {
		return err
	}
	if l.sel != nil {
		v := float32(0)
		if p == PrefactorStep {
			v = 1
		}
		if err := l.sel.SetValue(tensors.FromValue(v)); err != nil {
			return fmt.Errorf("loss: setting the prefactor of epoch %d: %w", epoch, err)
		}
	}
	l.epoch, l.pref = epoch, p
	return nil
}

// Epoch returns the epoch last given to SetEpoch.
func (l *EpochLoss) Epoch() int { return l.epoch }

// Prefactor returns the prefactor of the current epoch.
func (l *EpochLoss) Prefactor() Prefactor { return l.pref }

// Config returns the (normalized) configuration of the loss.
func (l *EpochLoss) Config() Config { return l.cfg }

// LossFn has the signature of train.LossFn. It uses labels[0] and predictions[0] and panics,
// when the graph is built, on extra labels or different shapes.
func (l *EpochLoss) LossFn(labels, predictions []*Node) *Node {
	checkOne(labels, predictions)
	t, yp := l.cfg.prepare(labels[0], predictions[0])
	g := yp.Graph()
	if l.cfg.TargetNoiseStd > 0 && l.ctx.IsTraining(g) {
		noise := l.ctx.RandomNormal(g, t.Shape())
		t = Add(t, MulScalar(noise, l.cfg.TargetNoiseStd))
	}
	if l.sel == nil {
		return ReduceAllMean(l.cfg.pixelLoss(l.cfg.Prefactor, t, yp))
	}
	m := l.cfg.metricGraph(Abs(Sub(yp, t)))
	wExp := l.cfg.prefactorGraph(PrefactorExp, t, yp)
	wStep := l.cfg.prefactorGraph(PrefactorStep, t, yp)
	isStep := GreaterThan(ConvertDType(l.sel.ValueGraph(g), t.DType()), Scalar(g, t.DType(), 0.5))
	return ReduceAllMean(Mul(Where(isStep, wStep, wExp), m))
}
