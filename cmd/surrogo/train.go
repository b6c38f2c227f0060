package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/loss"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
)

func init() {
	register(&command{name: "train", summary: "train a surrogate (2023 ED-CNN or 2021 DCNN+AE) on a data-set cache; resumable", run: runTrain})
}

// trainOutput is where the train command writes its log (stdout) and progress (stderr); tests
// replace them.
var trainOutput, trainProgress io.Writer = os.Stdout, os.Stderr

func runTrain(args []string) error {
	fs := newFlags("train", "--model edcnn|dcnn-ae --data DIR --out RUN [--codename 80E1] [--scale S] [flags]", `
Trains a surrogate model on a data-set cache made by "surrogo data gen", following the protocol
of the model's paper, and writes the run directory RUN:

  RUN/config.json        the full configuration (every setting below, resolved)
  RUN/history.json       per epoch: train_loss, test_loss, prefactor, retries, elapsed_s,
                         samples_per_s (lists), the roll-back events, the kept model, the status
  RUN/checkpoints/       best.ckpt (the kept model), epoch-NNNNNN.ckpt (the latest states),
                         partial.ckpt (a state within an epoch)

Protocols: edcnn (2023 paper) keeps the model with the lowest test loss, without roll-back;
dcnn-ae (2021 paper) keeps the one with the lowest training loss, with roll-back (C = 5,
m = 20, s = 5). The codename (2023 paper, Tables 2-8, e.g. 80E1, 4T-5, 80S1_a6000_b1_sqrt)
sets the loss, the learning rate, the epochs at paper scale and the training subset
train/<divisor>. The scale sets the epochs, batch sizes and model width:
  smoke 2 epochs, batch 4, width 4;  cpu 10, 8, 8;  gpu 20, 25, 32;
  paper: the codename's epochs (800 for dcnn-ae), batch 25, width 64.
Every setting can be changed with the flags below; --config starts from a config.json instead.

Running the same command again continues the run from its last checkpoint (after a kill,
--max-time or Ctrl-C) and, on the pure-Go backend, ends with the same weights as an
uninterrupted run. A RUN directory holding another configuration is an error unless --force,
which discards it. A NaN or infinite loss rolls back (when roll-back is on) or stops the run
with a message saying where; no checkpoint ever holds such a state.

The backend is $GOMLX_BACKEND (default: the extended pure-Go backend; "stablehlo:cuda" for XLA
on a GPU).`)
	modelName := fs.String("model", "", "model: edcnn (2023 paper) or dcnn-ae (2021 paper) (required unless --config)")
	code := fs.String("codename", "", "2023 codename (e.g. 80E1, 40S1, 4R, 4T-5, 80S1_a6000_b1_sqrt); edcnn default 1E1")
	dataDir := fs.String("data", "", "data-set cache directory (made by surrogo data gen) (required)")
	scaleName := fs.String("scale", "", "scale: smoke, cpu, gpu or paper (default $SURROGO_SCALE, else cpu)")
	out := fs.String("out", "", "run directory (required)")
	configFile := fs.String("config", "", "start from this configuration file (e.g. another run's config.json, or a checkpoint RUN/checkpoints/*.ckpt)")
	force := fs.Bool("force", false, "discard a run in --out that has another configuration")
	maxTime := fs.Duration("max-time", 0, "pause (saving the state) after this long, e.g. 9m; rerun to continue")
	printConfig := fs.Bool("print-config", false, "print the resolved configuration and exit without training")
	quiet := fs.Bool("quiet", false, "no progress line (epoch lines are still printed)")

	// Optimization and data.
	epochs := fs.Int("epochs", 0, "number of epochs")
	lr := fs.Float64("lr", 0, "Adam learning rate")
	beta1 := fs.Float64("beta1", 0, "Adam beta1 (default 0.9)")
	beta2 := fs.Float64("beta2", 0, "Adam beta2 (default 0.999)")
	eps := fs.Float64("adam-epsilon", 0, "Adam epsilon (default 1e-8)")
	batch := fs.Int("batch", 0, "training batch size")
	evalBatch := fs.Int("eval-batch", 0, "evaluation batch size")
	seed := fs.Uint64("seed", 0, "seed of the weights, the data order and dropout (default 1)")
	trainSubset := fs.String("train", "", "training subset (e.g. train, train/80, train/20/B, k07/train)")
	testSubset := fs.String("test", "", "test subset (e.g. test, test/8, k07/test)")
	sel := fs.String("select", "", "kept model: test-loss (2023) or train-loss (2021)")

	// Model.
	width := fs.Int("width", 0, "channels of the first convolution (64 in the papers)")
	noBN := fs.Bool("no-batchnorm", false, "remove every BatchNorm layer")
	slope := fs.Float64("leaky-slope", 0, "LeakyReLU slope (0.02 in the papers)")
	model2021 := fs.Int("model2021", 0, "dcnn-ae: the architecture of model N (1-14) of the 2021 paper's Table 2")
	p1 := fs.Float64("p1", 0, "dcnn-ae: weight of NN1 (0 or 1)")
	p2 := fs.Float64("p2", 0, "dcnn-ae: weight of NN2 (0 or 1)")
	d1 := fs.Float64("d1", 0, "dcnn-ae: dropout D1")
	d2 := fs.Float64("d2", 0, "dcnn-ae: dropout D2")
	d3 := fs.Float64("d3", 0, "dcnn-ae: dropout D3")
	d4 := fs.Float64("d4", 0, "dcnn-ae: dropout D4")

	// Loss.
	prefactor := fs.String("prefactor", "", "loss prefactor: none, exp or step")
	metric := fs.String("metric", "", "loss metric: mae, mse, huber or inverse_huber")
	w := fs.Float64("w", 0, "exponential prefactor width w")
	a := fs.Float64("a", 0, "step prefactor amplitude a")
	b := fs.Float64("b", 0, "step prefactor steepness b")
	delta := fs.Float64("delta", 0, "Huber / inverse-Huber delta")
	weightBy := fs.String("weight-by", "", "prefactor evaluated on: target (papers' text), prediction, authors_code")
	transform := fs.String("transform", "", "data transform: none or sqrt")
	noise := fs.Float64("noise", -1, "std of Gaussian noise on the targets (0.01 for 4E2-2; 0 for none)")
	schedule := fs.String("schedule", "", "prefactor schedule: fixed, random (4R) or toggle (4T-k)")
	period := fs.Int("period", 0, "toggle schedule: epochs between toggles")
	stepProb := fs.Float64("step-prob", -1, "random schedule: probability of the step prefactor (0.8 for 4R)")
	scheduleSeed := fs.Int64("schedule-seed", 0, "random schedule: seed of the per-epoch draws")

	// Roll-back and checkpoints.
	rollback := fs.Bool("rollback", false, "roll back on loss jumps (2021 paper); --rollback=false turns it off")
	rule := fs.String("rollback-rule", "", "roll-back test: level (L(n+1) > C*mean of the last m losses; the default), eq3 (Eq. 3 as printed: L(n+1)/L(n) > C*mean), authors-code")
	rbC := fs.Float64("rollback-c", 0, "roll-back threshold factor C (5)")
	rbM := fs.Int("rollback-m", 0, "roll-back window m, in epochs (20)")
	rbS := fs.Int("rollback-s", -1, "roll-back distance s: go back to epoch n-s (5)")
	rbRetries := fs.Int("rollback-retries", -1, "roll-backs one epoch may trigger before it is kept (3)")
	ckptInterval := fs.Duration("checkpoint-interval", -1, "also save the state within epochs this often (e.g. 5m; 0: at epoch ends only)")
	keep := fs.Int("keep", 0, "end-of-epoch states kept on disk (at least rollback-s+1 with roll-back; default 2s+1, or 1 without)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *out == "" {
		return badInputf("--out RUN is required (see --help)")
	}
	if err := checkOutDir("--out", *out); err != nil {
		return err
	}
	if *maxTime < 0 {
		return badInputf("--max-time: must be positive (or 0 for no limit), got %s", *maxTime)
	}
	if err := checkFloatFlags(fs, set); err != nil {
		return err
	}
	if set["checkpoint-interval"] && *ckptInterval < 0 {
		return badInputf("--checkpoint-interval: must be positive (or 0 for epoch ends only), got %s", *ckptInterval)
	}
	if set["width"] && *width < 1 {
		return badInputf("--width: must be at least 1 (the papers' width is %d), got %d", models.PaperWidth, *width)
	}
	if set["leaky-slope"] && !(*slope > 0) {
		return badInputf("--leaky-slope: must be positive (the papers' slope is %g), got %g", models.PaperLeakySlope, *slope)
	}

	// The starting configuration: a file, or the protocol of the model at the scale.
	var cfg training.Config
	if *configFile != "" {
		var err error
		for _, name := range []string{"model", "codename", "scale"} {
			if set[name] {
				return badInputf("--%s cannot be used with --config (the file sets it; change single fields with the other flags)", name)
			}
		}
		if strings.HasSuffix(*configFile, ".ckpt") {
			if cfg, err = training.CheckpointConfig(*configFile); err != nil {
				return badInputf("--config: %v", err)
			}
		} else {
			data, err := os.ReadFile(*configFile)
			if err != nil {
				return badInputf("--config: %v", err)
			}
			if cfg, err = training.ParseConfig(data); err != nil {
				return badInputf("--config %s: %v", *configFile, err)
			}
		}
		if *dataDir == "" {
			*dataDir = cfg.Data.Dir
		}
	}
	if *dataDir == "" {
		return badInputf("--data DIR is required (see --help)")
	}
	store, err := datastore.Open(*dataDir)
	if err != nil {
		return badInputf("--data: %v", err)
	}
	if spec := store.Spec(); *configFile != "" && cfg.Data.ID != "" && cfg.Data.ID != spec.ID() {
		return badInputf("--data: %s holds data set %s, but %s was trained on data set %s (its data.id); give that data set's directory, or remove data.id from the file to train on other data",
			*dataDir, spec.ID(), *configFile, cfg.Data.ID)
	}
	if *configFile == "" {
		if *modelName == "" {
			return badInputf("--model is required: one of %v (see --help)", models.Names())
		}
		sc, err := scale.FromEnv()
		if err != nil {
			return badInput(err)
		}
		if *scaleName != "" {
			if sc, err = scale.Parse(*scaleName); err != nil {
				return badInputf("--scale: %v", err)
			}
		}
		if err := checkRecipe(*modelName, store, *dataDir); err != nil {
			return err
		}
		if cfg, err = training.NewConfig(*modelName, sc, store.N(), *code); err != nil {
			return badInputf("--model/--codename/--scale: %v", err)
		}
	}
	if abs, err := filepath.Abs(*dataDir); err == nil {
		cfg.Data.Dir = abs
	}

	// Flags override single fields.
	if set["model2021"] {
		mc, err := models.Model2021(*model2021, cfg.Model.Size)
		if err != nil {
			return badInputf("--model2021: %v", err)
		}
		mc.Width = cfg.Model.Width
		cfg.Model = mc
	}
	m := &cfg.Model
	setInt(set, "width", &m.Width, *width)
	setFloat(set, "leaky-slope", &m.LeakySlope, *slope)
	setFloat(set, "p1", &m.P1, *p1)
	setFloat(set, "p2", &m.P2, *p2)
	setFloat(set, "d1", &m.D1, *d1)
	setFloat(set, "d2", &m.D2, *d2)
	setFloat(set, "d3", &m.D3, *d3)
	setFloat(set, "d4", &m.D4, *d4)
	if set["no-batchnorm"] {
		m.NoBatchNorm = *noBN
	}
	o := &cfg.Optimizer
	setFloat(set, "lr", &o.LearningRate, *lr)
	setFloat(set, "beta1", &o.Beta1, *beta1)
	setFloat(set, "beta2", &o.Beta2, *beta2)
	setFloat(set, "adam-epsilon", &o.Epsilon, *eps)
	setInt(set, "epochs", &cfg.Epochs, *epochs)
	setInt(set, "batch", &cfg.BatchSize, *batch)
	setInt(set, "eval-batch", &cfg.EvalBatchSize, *evalBatch)
	if set["seed"] {
		cfg.Seed = *seed
	}
	if set["train"] {
		cfg.Data.Train = *trainSubset
	}
	if set["test"] {
		cfg.Data.Test = *testSubset
	}
	if set["select"] {
		s, err := training.ParseSelection(*sel)
		if err != nil {
			return badInputf("--select: %v", err)
		}
		cfg.Select = s
	}
	if err := applyLossFlags(&cfg.Loss, set, lossFlags{
		prefactor: *prefactor, metric: *metric, w: *w, a: *a, b: *b, delta: *delta, weightBy: *weightBy,
		transform: *transform, noise: *noise, schedule: *schedule, period: *period, stepProb: *stepProb,
		scheduleSeed: *scheduleSeed,
	}); err != nil {
		return badInput(err)
	}
	rb := &cfg.Rollback
	if set["rollback"] {
		rb.Enabled = *rollback
	}
	if set["rollback-rule"] {
		r, err := training.ParseRollbackRule(*rule)
		if err != nil {
			return badInputf("--rollback-rule: %v", err)
		}
		rb.Rule = r
	}
	setFloat(set, "rollback-c", &rb.C, *rbC)
	setInt(set, "rollback-m", &rb.M, *rbM)
	setInt(set, "rollback-s", &rb.S, *rbS)
	setInt(set, "rollback-retries", &rb.MaxRetries, *rbRetries)
	if set["checkpoint-interval"] {
		cfg.Checkpoint.IntervalSeconds = ckptInterval.Seconds()
	}
	setInt(set, "keep", &cfg.Checkpoint.Keep, *keep)
	if !set["keep"] && (set["rollback"] || set["rollback-s"]) {
		cfg.Checkpoint.Keep = 1
		if rb.Enabled {
			cfg.Checkpoint.Keep = training.DefaultKeep(*rb)
		}
	}
	if err := cfg.Validate(); err != nil {
		return badInput(err)
	}
	if err := checkTrainInputs(&cfg, store, *dataDir, *out); err != nil {
		return err
	}
	if *printConfig {
		_, err := trainOutput.Write(cfg.JSON())
		return err
	}

	b0, err := backend.New()
	if err != nil {
		return err
	}
	defer b0.Finalize()
	spec := store.Spec()
	fmt.Fprintf(trainOutput, "surrogo train: %s on %s (%s)\n", cfg.Model.Describe(), cfg.Data.Dir, spec.Describe())
	fmt.Fprintf(trainOutput, "  scale %s, %d epochs, batch %d, Adam lr %g, loss %s, select %s, roll-back %s; backend %s\n",
		cfg.Scale, cfg.Epochs, cfg.BatchSize, cfg.Optimizer.LearningRate, cfg.Loss.String(), cfg.Select,
		describeRollback(cfg.Rollback), backend.Describe(b0))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opt := training.Options{Backend: b0, Log: trainOutput, MaxTime: *maxTime, Force: *force}
	if !*quiet {
		opt.Progress = trainProgress
	}
	start := time.Now()
	h, err := training.Run(ctx, cfg, *out, opt)
	switch {
	case errors.Is(err, training.ErrConfigMismatch), errors.Is(err, training.ErrDataMismatch):
		return badInput(err)
	case errors.Is(err, training.ErrRunDir):
		return badInputf("--out: %v", errors.Unwrap(err))
	case err != nil && h != nil:
		return reportedError{err} // the run's log has said why it stopped
	case err != nil:
		return err
	}
	fmt.Fprintf(trainOutput, "done in %s: %d epochs (%d run, %d roll-backs); kept epoch %d (%s %.6g): %s\n",
		time.Since(start).Round(time.Second), h.Len(), h.EpochsRun, h.NumRollbacks, h.Best.Epoch, h.Best.Criterion,
		float64(h.Best.Loss), filepath.Join(*out, "checkpoints", "best.ckpt"))
	return nil
}

// checkRecipe refuses a data set of the other paper's recipe for a paper's model.
func checkRecipe(model string, store *datastore.Store, dataDir string) error {
	var want dataset.Recipe
	switch model {
	case models.EDCNN:
		want = dataset.Recipe2023
	case models.DCNNAE:
		want = dataset.Recipe2021
	}
	if spec := store.Spec(); want != "" && spec.Recipe != dataset.RecipeCustom && spec.Recipe != want {
		return badInputf("--data: %s holds a %s-recipe data set, but %s is the model of the %s paper: give a %s data set (surrogo data gen --recipe %s)",
			dataDir, spec.Recipe, model, want, want, want)
	}
	return nil
}

// checkTrainInputs checks the resolved configuration against the data and the run directory
// before any work: the model's lattice and paper against the data set's, the subsets, and
// whether another process is training in the directory.
func checkTrainInputs(cfg *training.Config, store *datastore.Store, dataDir, out string) error {
	m := cfg.Model
	if err := checkRecipe(m.Name, store, dataDir); err != nil {
		return err
	}
	switch {
	case m.Width < 1:
		return badInputf("config field model.width: must be at least 1 (0 would silently build the papers' width %d), got %d", models.PaperWidth, m.Width)
	case m.LeakySlope == 0:
		return badInputf("config field model.leaky_slope: must be positive (0 would silently mean the papers' %g)", models.PaperLeakySlope)
	case m.Size != store.N():
		return badInputf("--data: the data set's lattice is %d x %d, the model's (config field model.size) %d x %d", store.N(), store.N(), m.Size, m.Size)
	}
	if _, err := training.OpenData(cfg.Data); err != nil {
		return badInputf("--data/--train/--test: %v", err)
	}
	if pid, locked := datastore.LockedBy(out); locked {
		return badInputf("--out: %v", &datastore.LockedError{Dir: out, PID: pid})
	}
	return nil
}

// checkFloatFlags refuses a floating-point flag given a value that is not a finite number that
// float32 can hold (the models compute in float32).
func checkFloatFlags(fs *flag.FlagSet, set map[string]bool) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if !ok || err != nil || !set[f.Name] {
			return
		}
		if v, ok := g.Get().(float64); ok && !(math.Abs(v) <= math.MaxFloat32) {
			err = badInputf("--%s: %g is not a finite number of float32 range (|x| <= %.3g)", f.Name, v, math.MaxFloat32)
		}
	})
	return err
}

func setInt(set map[string]bool, name string, dst *int, v int) {
	if set[name] {
		*dst = v
	}
}

func setFloat(set map[string]bool, name string, dst *float64, v float64) {
	if set[name] {
		*dst = v
	}
}

func describeRollback(r training.Rollback) string {
	if !r.Enabled {
		return "off"
	}
	return fmt.Sprintf("%s C=%g m=%d s=%d", r.Rule, r.C, r.M, r.S)
}

// lossFlags are the values of the loss flags.
type lossFlags struct {
	prefactor, metric, weightBy, transform, schedule string
	w, a, b, delta, noise, stepProb                  float64
	period                                           int
	scheduleSeed                                     int64
}

// applyLossFlags changes the loss configuration by the flags given, and then zeroes the
// parameters the loss no longer uses and fills in the paper's values of those it now uses.
func applyLossFlags(c *loss.Config, set map[string]bool, f lossFlags) error {
	var err error
	if set["metric"] {
		if c.Metric, err = loss.ParseMetric(f.metric); err != nil {
			return fmt.Errorf("--metric: %w", err)
		}
	}
	if set["schedule"] {
		switch f.schedule {
		case string(loss.ScheduleFixed):
			c.Schedule = loss.Schedule{}
			if c.Prefactor == "" {
				c.Prefactor = loss.PrefactorExp
			}
		case string(loss.ScheduleRandom):
			c.Schedule, c.Prefactor = loss.RandomSchedule(0), ""
		case string(loss.ScheduleToggle):
			c.Schedule, c.Prefactor = loss.ToggleSchedule(1), ""
		default:
			return fmt.Errorf("--schedule: unknown schedule %q (want fixed, random or toggle)", f.schedule)
		}
	}
	if set["prefactor"] {
		if c.Prefactor, err = loss.ParsePrefactor(f.prefactor); err != nil {
			return fmt.Errorf("--prefactor: %w", err)
		}
		c.Schedule = loss.Schedule{}
	}
	fixed := c.Schedule.Kind == "" || c.Schedule.Kind == loss.ScheduleFixed
	if set["period"] {
		if c.Schedule.Kind != loss.ScheduleToggle {
			return errors.New("--period needs a toggle schedule")
		}
		c.Schedule.Period = f.period
	}
	if set["step-prob"] || set["schedule-seed"] {
		if c.Schedule.Kind != loss.ScheduleRandom {
			return errors.New("--step-prob and --schedule-seed need a random schedule")
		}
		if set["step-prob"] {
			c.Schedule.StepProbability = f.stepProb
		}
		if set["schedule-seed"] {
			c.Schedule.Seed = f.scheduleSeed
		}
	}
	usesExp := !fixed || c.Prefactor == loss.PrefactorExp
	usesStep := !fixed || c.Prefactor == loss.PrefactorStep
	param := func(name string, uses bool, dst *float64, v, def float64) error {
		switch {
		case uses && set[name]:
			*dst = v
		case uses && *dst == 0:
			*dst = def
		case !uses && set[name]:
			return fmt.Errorf("--%s: the loss (prefactor %q, schedule %q, metric %q) does not use it", name, c.Prefactor, c.Schedule.Kind, c.Metric)
		case !uses:
			*dst = 0
		}
		return nil
	}
	if err := param("w", usesExp, &c.W, f.w, codename.DefaultW); err != nil {
		return err
	}
	if err := param("a", usesStep, &c.A, f.a, codename.DefaultA); err != nil {
		return err
	}
	if err := param("b", usesStep, &c.B, f.b, codename.DefaultB); err != nil {
		return err
	}
	if err := param("delta", c.Metric.HasDelta(), &c.Delta, f.delta, codename.DefaultDelta); err != nil {
		return err
	}
	if set["weight-by"] {
		if c.WeightBy, err = loss.ParseWeightBy(f.weightBy); err != nil {
			return fmt.Errorf("--weight-by: %w", err)
		}
	}
	if set["transform"] {
		if c.Transform, err = loss.ParseTransform(f.transform); err != nil {
			return fmt.Errorf("--transform: %w", err)
		}
	}
	if set["noise"] {
		c.TargetNoiseStd = f.noise
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("loss flags: %w", err)
	}
	return nil
}
