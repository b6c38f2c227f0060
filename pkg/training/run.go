package training

import (
	stdctx "context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/loader"
	"github.com/surrogo/surrogo/pkg/models"
)

// File names in a run directory.
const (
	ConfigFile  = "config.json"
	HistoryFile = "history.json"
)

// Options are the settings of Run that do not change what it computes.
type Options struct {
	// Backend runs the computations; nil means backend.New() ($GOMLX_BACKEND, by default the
	// extended pure-Go backend).
	Backend backends.Backend
	// Data replaces the data named by Config.Data (for tests and in-memory experiments).
	Data *Data
	// Model replaces the network built from Config.Model (for tests and custom architectures;
	// Config.Model.Size must still be the lattice size, and the rest is recorded as is).
	Model ModelFn
	// Progress, if not nil, receives a progress line (epoch, step, loss, rate, time left).
	Progress io.Writer
	// Log, if not nil, receives one line per epoch and one per roll-back, resumption or stop.
	Log io.Writer
	// MaxTime > 0 pauses the run (saving its state) once this call has run that long; the same
	// call again continues it.
	MaxTime time.Duration
	// Force discards a run directory holding another configuration instead of failing.
	Force bool

	// hook, set by tests, is called at named points of a run (see runner.at) to observe the state
	// or to simulate a crash there.
	hook func(point string, r *runner)
}

// ErrPaused is wrapped by the error Run returns when it stopped early (Options.MaxTime or a
// cancelled context) after saving its state: calling Run again with the same configuration and
// directory continues the run.
var ErrPaused = errors.New("training paused")

// ErrConfigMismatch is wrapped by the error Run returns when the run directory holds a run with
// another configuration (and Options.Force is not set).
var ErrConfigMismatch = errors.New("the run directory holds another configuration")

// ErrRunDir is wrapped by the error Run returns when the run directory cannot be used: it is
// not a directory, or another process is writing it (then the error also wraps a
// *datastore.LockedError naming that process).
var ErrRunDir = errors.New("unusable run directory")

// NonFiniteError is returned by Run when a loss or the weights became NaN or infinite and
// roll-back could not handle it (disabled, or no retries left). No checkpoint holds the bad state.
type NonFiniteError struct {
	// Epoch is the epoch (from 1) in which it happened, and Step the training step (from 1; 0
	// when it was found after the epoch's steps, in the test loss or the weights).
	Epoch, Step int
	// What says what was found, e.g. "training loss NaN at step 7 of 12".
	What string
	// Checkpoint is the last good checkpoint, from which a rerun would resume.
	Checkpoint string
	// Rollback says whether roll-back was on (it then ran out of retries for the epoch).
	Rollback bool
}

func (e *NonFiniteError) Error() string {
	advice := "lower the learning rate, or enable roll-back"
	if e.Rollback {
		advice = "roll-back is on and used up its retries for this epoch: lower the learning rate, or allow more retries"
	}
	return fmt.Sprintf("training: epoch %d: %s; training stopped (the last good state is %s; %s)",
		e.Epoch, e.What, e.Checkpoint, advice)
}

// Run trains the model of cfg in the run directory dir, or continues the run found there.
//
// It writes dir/config.json (cfg, with the data set's ID), dir/history.json after every epoch,
// and checkpoints in dir/checkpoints (see the package documentation). If dir already holds a run
// with the same configuration (fields that do not change the computation excepted: data.dir and
// checkpoint.interval_seconds), training continues from its latest checkpoint; a run that is
// complete is left as it is. A configuration that differs only in the number of epochs extends
// (or shortens) the run, as long as it has not trained more epochs than asked. A damaged
// dir/config.json is rewritten when the checkpoints hold the same configuration. A different
// configuration is an error unless opt.Force, which discards the old run: it removes the files
// Run and Evaluate write (known names), never other files.
//
// Run holds an exclusive lock on dir while it works (datastore.LockDir): a second Run on the
// same directory fails at once with an error wrapping ErrRunDir and a *datastore.LockedError.
//
// Run returns the history. When it stops early (opt.MaxTime, or ctx cancelled), it saves its
// state and returns an error wrapping ErrPaused; when a loss or the weights become non-finite
// and roll-back cannot handle it, a *NonFiniteError.
func Run(ctx stdctx.Context, cfg Config, dir string, opt Options) (*History, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, dir: dir, ckptDir: filepath.Join(dir, checkpointDir), opt: opt,
		sessionStart: time.Now(), logw: opt.Log}
	defer r.close()
	if err := r.setup(); err != nil {
		return nil, err
	}
	return r.train(ctx)
}

// runner is one call of Run.
type runner struct {
	cfg     Config
	dir     string
	ckptDir string
	opt     Options
	data    *Data
	eng     *engine
	st      runState
	test    *loader.Loader
	rep     *reporter
	logw    io.Writer

	unlock       func()           // releases the lock on dir
	sessionStart time.Time        // when this call started
	elapsedBase  float64          // run time before this call (from the checkpoint)
	lastSave     time.Time        // when the state was last saved
	savedStep    int              // st.Step at the last save
	progressed   bool             // whether this call has taken a training step
	ownBackend   backends.Backend // the backend this call created (finalized by close)
}

// close releases what the call created.
func (r *runner) close() {
	if r.unlock != nil {
		defer r.unlock()
	}
	if r.test != nil {
		r.test.Close()
	}
	if r.ownBackend != nil {
		r.ownBackend.Finalize()
	}
}

// at calls the test hook, if any, at a named point.
func (r *runner) at(point string) {
	if r.opt.hook != nil {
		r.opt.hook(point, r)
	}
}

// logf prints a log line (after clearing the progress line).
func (r *runner) logf(format string, args ...any) {
	if r.logw != nil {
		r.rep.clear()
		fmt.Fprintf(r.logw, format+"\n", args...)
	}
}

// setup prepares the directory, the data, the model and the state (fresh or resumed).
func (r *runner) setup() error {
	cfg := &r.cfg
	if fi, err := os.Stat(r.dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("training: %w: %s is a file, not a directory", ErrRunDir, r.dir)
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return fmt.Errorf("training: %w: %w", ErrRunDir, err)
	}
	unlock, err := datastore.LockDir(r.dir)
	if err != nil {
		return fmt.Errorf("training: %w: %w", ErrRunDir, err)
	}
	r.unlock = unlock
	if err := os.MkdirAll(r.ckptDir, 0o755); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	r.data = r.opt.Data
	if r.data == nil {
		d, err := OpenData(cfg.Data)
		if err != nil {
			return err
		}
		r.data = d
	}
	if err := r.data.check(cfg.Model.Size); err != nil {
		return err
	}
	switch {
	case cfg.Data.ID == "":
		cfg.Data.ID = r.data.ID
	case r.data.ID != "" && r.data.ID != cfg.Data.ID:
		return fmt.Errorf("training: %w: the data is data set %s, but config field data.id says %s", ErrDataMismatch, r.data.ID, cfg.Data.ID)
	}
	if err := r.checkConfigFile(); err != nil {
		return err
	}
	b := r.opt.Backend
	if b == nil {
		var err error
		if b, err = backend.New(); err != nil {
			return fmt.Errorf("training: backend: %w", err)
		}
		r.ownBackend = b
	}
	net := r.opt.Model
	if net == nil {
		fn, err := models.Build(cfg.Model)
		if err != nil {
			return fmt.Errorf("training: config field model: %w", err)
		}
		net = fn
	}
	eng, err := newEngine(b, cfg, net)
	if err != nil {
		return err
	}
	r.eng = eng
	if err := eng.init(min(cfg.BatchSize, len(r.data.Train.Indices))); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	if r.test, err = loader.New(r.data.Source, r.data.Test.Indices,
		loader.Options{Name: "test", BatchSize: cfg.EvalBatchSize}); err != nil {
		return fmt.Errorf("training: test set: %w", err)
	}
	r.rep = newReporter(r.opt.Progress, cfg.Epochs, r.stepsPerEpoch(), cfg.BatchSize)
	if err := r.resume(); err != nil {
		return err
	}
	// The configuration is recorded once the checkpoints have agreed with it.
	if err := atomicfile.WriteFile(filepath.Join(r.dir, ConfigFile), r.cfg.JSON(), atomicfile.DefaultPerm); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	r.elapsedBase = r.st.Elapsed
	r.lastSave, r.savedStep = time.Now(), r.st.Step
	return nil
}

// resumeDiff lists the differences between the configuration of a saved run and cfg that
// forbid continuing it: Diff without the number of epochs, which a resumed run may change (resume
// checks it against the epochs already trained).
func resumeDiff(saved, cfg Config) []string {
	saved.Epochs = cfg.Epochs
	return Diff(saved, cfg)
}

// checkConfigFile compares dir/config.json with the configuration. A damaged file is left to
// the checkpoints: resume compares them with the configuration, and setup rewrites the file.
func (r *runner) checkConfigFile() error {
	path := filepath.Join(r.dir, ConfigFile)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("training: %w", err)
	default:
		prev, perr := ParseConfig(data)
		if perr != nil {
			r.logf("%s is damaged (%v); the checkpoints decide whether this is the same run, and it will be rewritten", path, perr)
			return nil
		}
		if diffs := resumeDiff(prev, r.cfg); len(diffs) > 0 {
			if !r.opt.Force {
				return fmt.Errorf("training: %w: %s was trained with another configuration (%s); use another directory, or --force to discard that run",
					ErrConfigMismatch, r.dir, strings.Join(diffs, "; "))
			}
			return r.discard()
		}
	}
	return nil
}

// discard removes the files of a previous run that Run and Evaluate write (the checkpoints,
// the history, the configuration, evaluation reports and predictions), by name: files it does
// not know stay.
func (r *runner) discard() error {
	var errs []error
	remove := func(path string) {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if entries, err := os.ReadDir(r.ckptDir); err == nil {
		for _, e := range entries {
			if name := e.Name(); isCheckpointName(name) {
				remove(filepath.Join(r.ckptDir, name))
			}
		}
	}
	remove(filepath.Join(r.dir, HistoryFile))
	remove(filepath.Join(r.dir, ConfigFile))
	if entries, err := os.ReadDir(r.dir); err == nil {
		for _, e := range entries {
			name := e.Name()
			switch {
			case strings.HasPrefix(name, "eval-") && strings.HasSuffix(name, ".json") && !e.IsDir():
				remove(filepath.Join(r.dir, name))
			case strings.HasPrefix(name, "predictions-") && e.IsDir():
				pdir := filepath.Join(r.dir, name)
				for _, f := range predictionFiles {
					remove(filepath.Join(pdir, f))
				}
				os.Remove(pdir) // only if now empty
			case strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-"):
				remove(filepath.Join(r.dir, name))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("training: discarding the old run: %w", errors.Join(errs...))
	}
	r.logf("discarded the previous run in %s (different configuration; --force)", r.dir)
	return nil
}

// isCheckpointName reports whether name is a file Run writes in RUN/checkpoints.
func isCheckpointName(name string) bool {
	if _, ok := parseEpochFile(name); ok {
		return true
	}
	return name == bestFile || name == partialFile || strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")
}

// resume loads the latest valid checkpoint, or saves the initial state of a fresh run.
func (r *runner) resume() error {
	c, err := r.latestCheckpoint()
	if err != nil {
		return err
	}
	if c == nil {
		r.st = runState{Triggers: make([]int, r.cfg.Epochs+1)}
		r.st.History.Best.Criterion = r.cfg.Select
		r.st.History.Status = "running"
		snap, err := takeSnapshot(r.eng.ctx)
		if err != nil {
			return fmt.Errorf("training: the initial weights: %w", err)
		}
		return r.saveEpochState(snap)
	}
	if err := c.snap.restore(r.eng.ctx, restoreAll); err != nil {
		return fmt.Errorf("training: resuming from %s: %w", c.path, err)
	}
	r.st = c.header.State.clone()
	if err := r.st.History.check(); err != nil {
		return fmt.Errorf("training: %s: %w", c.path, err)
	}
	if saved := c.header.Config.Epochs; saved != r.cfg.Epochs {
		if r.st.Epoch > r.cfg.Epochs {
			return fmt.Errorf("training: %w: %s has already trained %d epochs, more than the %d asked (config field epochs); ask for at least %d, or use another directory",
				ErrConfigMismatch, r.dir, r.st.Epoch, r.cfg.Epochs, r.st.Epoch)
		}
		r.logf("changing the run in %s from %d to %d epochs", r.dir, saved, r.cfg.Epochs)
	}
	// Triggers has one entry per epoch (from 1); extending the run adds epochs without any.
	tr := make([]int, r.cfg.Epochs+1)
	copy(tr, r.st.Triggers)
	r.st.Triggers = tr
	keepPartial := c.header.Kind == kindPartial && r.st.Epoch < r.cfg.Epochs
	if !keepPartial {
		r.st.Step, r.st.PartialSum, r.st.PartialCount, r.st.PartialSeconds = 0, 0, 0, 0
	}
	r.prune(keepPartial)
	r.logf("resuming %s from %s (%s)", r.dir, filepath.Base(c.path), r.where())
	return nil
}

// latestCheckpoint returns the valid checkpoint with the highest sequence number, nil if none.
func (r *runner) latestCheckpoint() (*checkpoint, error) {
	files, err := checkpointFiles(r.ckptDir)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	type cand struct {
		path string
		seq  int64
	}
	var cands []cand
	for _, f := range files {
		c, err := readCheckpoint(f, true)
		if err != nil {
			r.logf("ignoring %s: %v", f, err)
			continue
		}
		cands = append(cands, cand{f, c.header.State.Seq})
	}
	slices.SortFunc(cands, func(a, b cand) int { return int(b.seq - a.seq) })
	for _, cd := range cands {
		c, err := readCheckpoint(cd.path, false)
		if err != nil {
			r.logf("ignoring %v", err)
			continue
		}
		if d := resumeDiff(c.header.Config, r.cfg); len(d) > 0 {
			if r.opt.Force {
				return nil, r.discard()
			}
			return nil, fmt.Errorf("training: %w: checkpoint %s was saved with another configuration (%s); to continue that run, give its configuration (surrogo train --config %s --out %s); otherwise use another directory, or --force to discard it",
				ErrConfigMismatch, cd.path, strings.Join(d, "; "), cd.path, r.dir)
		}
		return c, nil
	}
	return nil, nil
}

// prune deletes the files that the current state makes obsolete: epoch states after the current
// epoch (a discarded branch) or beyond the Keep newest, the partial state unless keepPartial, and
// temporary files left by a killed write.
func (r *runner) prune(keepPartial bool) {
	entries, err := os.ReadDir(r.ckptDir)
	if err != nil {
		return
	}
	var epochs []int
	for _, e := range entries {
		name := e.Name()
		switch ep, ok := parseEpochFile(name); {
		case ok && ep > r.st.Epoch:
			os.Remove(filepath.Join(r.ckptDir, name))
		case ok:
			epochs = append(epochs, ep)
		case name == partialFile && !keepPartial:
			os.Remove(filepath.Join(r.ckptDir, name))
		case strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-"):
			os.Remove(filepath.Join(r.ckptDir, name))
		}
	}
	slices.Sort(epochs)
	for len(epochs) > r.cfg.Checkpoint.Keep {
		os.Remove(filepath.Join(r.ckptDir, epochFile(epochs[0])))
		epochs = epochs[1:]
	}
}

// elapsed returns the run's training time so far, in seconds.
func (r *runner) elapsed() float64 { return r.elapsedBase + time.Since(r.sessionStart).Seconds() }

// saveEpochState writes the state after epoch st.Epoch (st.Step == 0), then prunes.
func (r *runner) saveEpochState(snap *snapshot) error {
	r.st.Seq++
	r.st.Elapsed = r.elapsed()
	path := filepath.Join(r.ckptDir, epochFile(r.st.Epoch))
	if err := writeCheckpoint(path, kindEpoch, &r.cfg, &r.st, snap); err != nil {
		return fmt.Errorf("training: saving %s: %w", path, err)
	}
	r.lastSave, r.savedStep = time.Now(), 0
	r.at("epoch-saved")
	r.prune(false)
	return nil
}

// savePartial writes the state in the middle of an epoch.
func (r *runner) savePartial() error {
	snap, err := takeSnapshot(r.eng.ctx)
	if err != nil {
		return err
	}
	r.st.Seq++
	r.st.Elapsed = r.elapsed()
	path := filepath.Join(r.ckptDir, partialFile)
	if err := writeCheckpoint(path, kindPartial, &r.cfg, &r.st, snap); err != nil {
		return fmt.Errorf("training: saving %s: %w", path, err)
	}
	r.lastSave, r.savedStep = time.Now(), r.st.Step
	r.at("partial-saved")
	return nil
}

// lastGood names the checkpoint a rerun would resume from.
func (r *runner) lastGood() string {
	if r.savedStep > 0 {
		return filepath.Join(r.ckptDir, partialFile)
	}
	return filepath.Join(r.ckptDir, epochFile(r.st.Epoch))
}

func (r *runner) writeHistory() error {
	return r.st.History.write(filepath.Join(r.dir, HistoryFile))
}

// stepsPerEpoch returns the number of training steps of an epoch.
func (r *runner) stepsPerEpoch() int {
	return (len(r.data.Train.Indices) + r.cfg.BatchSize - 1) / r.cfg.BatchSize
}

// epochResult is the outcome of training one epoch.
type epochResult struct {
	train, test float64
	seconds     float64 // training time of the epoch (steps and data)
	examples    int
	snap        *snapshot // the state after the epoch (nil when bad)
	bad         string    // what was non-finite, "" if nothing
	badStep     int       // the step where it was found (0: after the steps)
}

// train runs the remaining epochs.
func (r *runner) train(ctx stdctx.Context) (*History, error) {
	cfg := &r.cfg
	for r.st.Epoch < cfg.Epochs {
		e := r.st.Epoch + 1
		res, err := r.runEpoch(ctx, e)
		if err != nil {
			return r.stop(err)
		}
		r.st.History.EpochsRun++
		if cfg.Rollback.Enabled {
			d := cfg.Rollback.Check(r.st.History.TrainLoss, res.train)
			if res.bad != "" {
				d = Decision{Trigger: true, Value: math.NaN(), Threshold: math.NaN(), Reason: res.bad}
			}
			if d.Trigger {
				if r.st.Triggers[e] < cfg.Rollback.MaxRetries {
					if err := r.rollBack(e, res, d); err != nil {
						return r.stop(err)
					}
					continue
				}
				if res.bad == "" {
					r.recordAccepted(e, res, d)
				}
			}
		}
		if res.bad != "" {
			return r.stop(&NonFiniteError{Epoch: e, Step: res.badStep, What: res.bad, Checkpoint: r.lastGood(),
				Rollback: cfg.Rollback.Enabled})
		}
		if err := r.keep(e, res); err != nil {
			return r.stop(err)
		}
	}
	r.st.History.Status, r.st.History.Message = "done", ""
	if err := r.writeHistory(); err != nil {
		return nil, err
	}
	r.rep.clear()
	h := r.st.History.clone()
	return &h, nil
}

// stop records why the run stopped and returns the error.
func (r *runner) stop(err error) (*History, error) {
	h := &r.st.History
	if errors.Is(err, ErrPaused) {
		h.Status = "paused"
	} else {
		h.Status = "failed"
	}
	h.Message = err.Error()
	r.logf("%s", err)
	if werr := r.writeHistory(); werr != nil {
		err = errors.Join(err, werr)
	}
	c := h.clone()
	return &c, err
}

// trainLoader returns the loader of epoch e's training batches from step on.
func (r *runner) trainLoader(e, step int) (*loader.Loader, error) {
	cfg := &r.cfg
	l, err := newTrainLoader(r.data, cfg, r.st.Rollbacks)
	if err != nil {
		return nil, err
	}
	if step == 0 {
		l.SetEpoch(e - 1)
		return l, nil
	}
	// Resuming within the epoch: the rest of the epoch's order, in the same batches (nil when
	// the state was saved after the epoch's last step).
	order := l.Order(e - 1)
	l.Close()
	if step*cfg.BatchSize >= len(order) {
		return nil, nil
	}
	return loader.New(r.data.Source, order[step*cfg.BatchSize:],
		loader.Options{Name: "train", BatchSize: cfg.BatchSize})
}

// newTrainLoader returns the loader of the training set after the given number of roll-backs:
// epoch e (from 0) visits the examples in an order drawn from (Seed, roll-backs, e).
func newTrainLoader(data *Data, cfg *Config, rollbacks int) (*loader.Loader, error) {
	l, err := loader.New(data.Source, data.Train.Indices, loader.Options{Name: "train", BatchSize: cfg.BatchSize,
		Shuffle: true, Seed: orderSeed(cfg.Seed, rollbacks)})
	if err != nil {
		return nil, fmt.Errorf("training: training set: %w", err)
	}
	return l, nil
}

// runEpoch trains epoch e (from 1) from the current state and evaluates it.
func (r *runner) runEpoch(ctx stdctx.Context, e int) (res epochResult, err error) {
	cfg := &r.cfg
	if err := r.eng.loss.SetEpoch(e - 1); err != nil {
		return res, err
	}
	if r.st.Step == 0 {
		if err := r.eng.ctx.SetRNGStateFromSeed(derivedSeed(cfg.Seed, "epoch", e, r.st.Rollbacks)); err != nil {
			return res, err
		}
		r.st.PartialSum, r.st.PartialCount, r.st.PartialSeconds = 0, 0, 0
	}
	r.at("epoch-start")
	ld, err := r.trainLoader(e, r.st.Step)
	if err != nil {
		return res, err
	}
	if ld != nil {
		defer ld.Close()
	}
	steps := r.stepsPerEpoch()
	r.rep.startEpoch(e, r.st.Step)
	interval := time.Duration(cfg.Checkpoint.IntervalSeconds * float64(time.Second))
	for ld != nil {
		if perr := r.pauseCheck(ctx); perr != nil {
			return res, perr
		}
		t0 := time.Now()
		b, err := ld.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, fmt.Errorf("training: epoch %d: %w", e, err)
		}
		l, err := r.eng.step(b)
		if err != nil {
			return res, fmt.Errorf("training: epoch %d, step %d: %w", e, r.st.Step+1, err)
		}
		if !isFinite(l) {
			res.bad = fmt.Sprintf("training loss %g at step %d of %d", l, r.st.Step+1, steps)
			res.badStep, res.train, res.test = r.st.Step+1, l, math.NaN()
			return res, nil
		}
		r.st.Step++
		r.progressed = true
		r.st.PartialSum += l * float64(b.Size())
		r.st.PartialCount += b.Size()
		r.st.PartialSeconds += time.Since(t0).Seconds()
		r.at("step")
		r.rep.step(r.st.Step, l, r.st.PartialSum/float64(r.st.PartialCount), float64(r.st.PartialCount)/r.st.PartialSeconds)
		if interval > 0 && time.Since(r.lastSave) >= interval && r.st.Step < steps {
			if err := r.savePartial(); err != nil {
				var nf errNonFinite
				if errors.As(err, &nf) {
					res.bad = fmt.Sprintf("%v after step %d of %d", err, r.st.Step, steps)
					res.badStep, res.train, res.test = r.st.Step, math.NaN(), math.NaN()
					return res, nil
				}
				return res, err
			}
		}
	}
	res.train = r.st.PartialSum / float64(r.st.PartialCount)
	res.seconds, res.examples = r.st.PartialSeconds, r.st.PartialCount
	if perr := r.pauseCheck(ctx); perr != nil {
		return res, perr
	}
	r.rep.evaluating()
	if res.test, err = r.eng.evalLoss(r.test, 0); err != nil {
		return res, fmt.Errorf("training: epoch %d: test loss: %w", e, err)
	}
	if !isFinite(res.test) {
		res.bad = fmt.Sprintf("test loss %g after the epoch (training loss %g)", res.test, res.train)
		return res, nil
	}
	if res.snap, err = takeSnapshot(r.eng.ctx); err != nil {
		var nf errNonFinite
		if errors.As(err, &nf) {
			res.bad = fmt.Sprintf("%v after the epoch", err)
			return res, nil
		}
		return res, err
	}
	return res, nil
}

// pauseCheck saves the state and returns an ErrPaused error when the context is done or the
// time limit has passed.
func (r *runner) pauseCheck(ctx stdctx.Context) error {
	var why string
	switch {
	case ctx.Err() != nil:
		why = fmt.Sprintf("interrupted (%v)", ctx.Err())
	case r.opt.MaxTime > 0 && r.progressed && time.Since(r.sessionStart) >= r.opt.MaxTime:
		why = fmt.Sprintf("time limit of %s reached", r.opt.MaxTime)
	default:
		return nil
	}
	if r.st.Step != r.savedStep {
		if err := r.savePartial(); err != nil {
			var nf errNonFinite
			if !errors.As(err, &nf) {
				return err
			}
			// A non-finite state is never saved: the rerun repeats the steps since the last save.
		}
	}
	return fmt.Errorf("%w: %s %s; run the same command again to continue", ErrPaused, why, r.where())
}

// where says where the run stands: "after epoch 3 of 6" or "in epoch 4 of 6 after step 27 of 40".
func (r *runner) where() string {
	if r.st.Step > 0 {
		return fmt.Sprintf("in epoch %d of %d after step %d of %d", r.st.Epoch+1, r.cfg.Epochs, r.st.Step, r.stepsPerEpoch())
	}
	return fmt.Sprintf("after epoch %d of %d", r.st.Epoch, r.cfg.Epochs)
}

// keep appends epoch e to the history, updates the best model and saves the state.
func (r *runner) keep(e int, res epochResult) error {
	h := &r.st.History
	h.Epoch = append(h.Epoch, e)
	h.TrainLoss = append(h.TrainLoss, res.train)
	h.TestLoss = append(h.TestLoss, res.test)
	h.Prefactor = append(h.Prefactor, string(r.eng.loss.Prefactor()))
	h.Retries = append(h.Retries, r.st.Triggers[e])
	h.Elapsed = append(h.Elapsed, r.elapsed())
	h.SamplesPerSecond = append(h.SamplesPerSecond, float64(res.examples)/max(res.seconds, 1e-9))
	r.st.Epoch, r.st.Step = e, 0
	r.st.PartialSum, r.st.PartialCount, r.st.PartialSeconds = 0, 0, 0
	crit := res.test
	if r.cfg.Select == SelectTrainLoss {
		crit = res.train
	}
	isBest := h.Best.Epoch == 0 || crit < float64(h.Best.Loss)
	if isBest {
		h.Best = Best{Criterion: r.cfg.Select, Epoch: e, Loss: JSONFloat(crit), TrainLoss: JSONFloat(res.train),
			TestLoss: JSONFloat(res.test), EpochsRun: h.EpochsRun}
		st := r.st
		st.Seq++ // the epoch state below gets the same number
		path := filepath.Join(r.ckptDir, bestFile)
		if err := writeCheckpoint(path, kindBest, &r.cfg, &st, res.snap); err != nil {
			return fmt.Errorf("training: saving %s: %w", path, err)
		}
		r.at("best-saved")
	}
	if err := r.saveEpochState(res.snap); err != nil {
		return err
	}
	if err := r.writeHistory(); err != nil {
		return err
	}
	mark := ""
	if isBest {
		mark = "  best"
	}
	r.rep.clear()
	r.logf("epoch %d/%d  train %.6g  test %.6g  [%s]  %s  %.1f samples/s%s", e, r.cfg.Epochs, res.train, res.test,
		r.eng.loss.Prefactor(), fmtSeconds(res.seconds), h.SamplesPerSecond[len(h.SamplesPerSecond)-1], mark)
	return nil
}

// rollBack discards epochs target+1 .. e and continues from the state after epoch target.
func (r *runner) rollBack(e int, res epochResult, d Decision) error {
	target := r.oldestKept(r.cfg.Rollback.Target(e))
	if target != r.cfg.Rollback.Target(e) {
		d.Reason += fmt.Sprintf(" (the state of epoch %d is no longer kept: back to epoch %d)", r.cfg.Rollback.Target(e), target)
	}
	path := filepath.Join(r.ckptDir, epochFile(target))
	c, err := readCheckpoint(path, false)
	if err != nil {
		return fmt.Errorf("training: rolling back to epoch %d: %w", target, err)
	}
	if err := c.snap.restore(r.eng.ctx, restoreAll); err != nil {
		return fmt.Errorf("training: rolling back to epoch %d (%s): %w", target, path, err)
	}
	h := &r.st.History
	ev := RollbackEvent{AfterEpoch: e, ToEpoch: target, TrainLoss: JSONFloat(res.train), TestLoss: JSONFloat(res.test),
		Value: JSONFloat(d.Value), Threshold: JSONFloat(d.Threshold), Reason: d.Reason, EpochsRun: h.EpochsRun}
	for _, l := range h.TrainLoss[target:] {
		ev.Discarded = append(ev.Discarded, JSONFloat(l))
	}
	ev.Discarded = append(ev.Discarded, JSONFloat(res.train))
	h.Rollbacks = append(h.Rollbacks, ev)
	h.truncate(target)
	r.st.Triggers[e]++
	r.st.Rollbacks++
	h.NumRollbacks = r.st.Rollbacks
	r.st.Epoch, r.st.Step = target, 0
	r.st.PartialSum, r.st.PartialCount, r.st.PartialSeconds = 0, 0, 0
	if err := r.saveEpochState(c.snap); err != nil {
		return err
	}
	r.at("rolled-back")
	if err := r.writeHistory(); err != nil {
		return err
	}
	r.rep.clear()
	r.logf("roll-back %d after epoch %d: %s; back to epoch %d (retry %d of %d for epoch %d)",
		r.st.Rollbacks, e, d.Reason, target, r.st.Triggers[e], r.cfg.Rollback.MaxRetries, e)
	return nil
}

// oldestKept returns the earliest epoch at or after target whose state is on disk (at most the
// current epoch, whose state always is). An earlier roll-back deletes the states after its
// target, and the Keep limit the older ones, so a roll-back soon after another may find the
// state of epoch n-s gone; it then goes back as far as it can.
func (r *runner) oldestKept(target int) int {
	for ep := target; ep < r.st.Epoch; ep++ {
		if _, err := os.Stat(filepath.Join(r.ckptDir, epochFile(ep))); err == nil {
			return ep
		}
	}
	return r.st.Epoch
}

// recordAccepted logs a trigger that was not acted on because epoch e has no retries left.
func (r *runner) recordAccepted(e int, res epochResult, d Decision) {
	h := &r.st.History
	h.Rollbacks = append(h.Rollbacks, RollbackEvent{AfterEpoch: e, ToEpoch: e, TrainLoss: JSONFloat(res.train),
		TestLoss: JSONFloat(res.test), Value: JSONFloat(d.Value), Threshold: JSONFloat(d.Threshold),
		Reason: d.Reason, Accepted: true, EpochsRun: h.EpochsRun})
	r.logf("epoch %d kept despite %s: no retries left (%d)", e, d.Reason, r.cfg.Rollback.MaxRetries)
}

// fmtSeconds writes a duration in seconds compactly.
func fmtSeconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
}
