package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/progress"
	"github.com/surrogo/surrogo/pkg/training"
)

// Options are the settings of Run that do not change what it computes.
type Options struct {
	// Shard selects the runs (the zero value: all).
	Shard Shard
	// MaxTime > 0 pauses the sweep (the current run saves its state) once Run has run that
	// long; Run again continues.
	MaxTime time.Duration
	// Backend trains and evaluates the models; nil means backend.New() ($GOMLX_BACKEND).
	Backend backends.Backend
	// Progress, if not nil, receives a progress report over the whole shard (examples trained
	// out of the total, rate, time left) and the data generation's.
	Progress io.Writer
	// Log, if not nil, receives a line when a run starts, ends, fails or is skipped.
	Log io.Writer
	// TrainLog, if not nil, receives the training's log (a line per epoch).
	TrainLog io.Writer
	// CheckpointInterval also saves a run's state within an epoch this often, so that a kill
	// loses at most that much work (default 5 minutes; negative: at epoch ends only). It does
	// not change what is computed.
	CheckpointInterval time.Duration
}

// DefaultCheckpointInterval is the default of Options.CheckpointInterval.
const DefaultCheckpointInterval = 5 * time.Minute

// Summary says what a call of Run did.
type Summary struct {
	// Trained lists the runs this call finished; Skipped those already done before it.
	Trained, Skipped []string
	// Busy lists the runs another process was working on (left to it).
	Busy []string
	// Failed lists the runs that failed, with their errors (recorded for Status).
	Failed map[string]string
	// Paused says that the call stopped early (Options.MaxTime or a cancelled context); Left
	// counts the runs of the shard that are not done.
	Paused bool
	Left   int
	// Elapsed is the time the call took.
	Elapsed time.Duration
}

// ErrFailed is wrapped by the error of Run when runs of the shard failed (the others ran).
var ErrFailed = errors.New("runs failed")

// testHookBeforeTrain, set by tests, is called before a run trains; an error fails the run.
var testHookBeforeTrain func(id string) error

// Run trains and evaluates the runs of the shard that are not done, one after the other, and
// writes their result files (see the package documentation). A run another process works on is
// skipped (Summary.Busy); a failed run is recorded and the next one started. It returns an error
// wrapping ErrInvalid or ErrConflict before any work when the sweep is invalid or would overwrite
// results; an error wrapping training.ErrPaused when it stopped early (MaxTime, ctx); and one
// wrapping ErrFailed when runs failed. The Summary is returned in every case but the first.
func Run(ctx context.Context, sw *Sweep, opt Options) (*Summary, error) {
	p, err := sw.Plan()
	if err != nil {
		return nil, err
	}
	return p.Run(ctx, opt)
}

// Run is the function Run for a plan.
func (p *Plan) Run(ctx context.Context, opt Options) (*Summary, error) {
	start := time.Now()
	st, err := p.Status(opt.Shard)
	if err != nil {
		return nil, err
	}
	var conflicts []string
	for _, r := range st.Runs {
		if r.State == Conflict {
			conflicts = append(conflicts, fmt.Sprintf("run %q: %s", r.ID, r.Error))
		}
	}
	if n := len(conflicts); n > 0 {
		if n > 3 {
			conflicts = append(conflicts[:3], fmt.Sprintf("and %d more (see sweep status)", n-3))
		}
		return nil, fmt.Errorf("%w: %s", ErrConflict, strings.Join(conflicts, "; "))
	}
	if err := p.writeRecord(); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	sum := &Summary{Failed: map[string]string{}}
	x := &execution{p: p, opt: opt, sum: sum, logw: opt.Log}
	if opt.MaxTime > 0 {
		x.deadline = start.Add(opt.MaxTime)
	}
	runs := p.Select(opt.Shard)
	var todo []*Planned
	var total, initial int64
	for i, r := range runs {
		rs := st.Runs[i]
		work := int64(r.Config.Epochs) * int64(r.TrainExamples)
		total += work
		if rs.State == Done {
			initial += work
			sum.Skipped = append(sum.Skipped, r.ID)
			continue
		}
		initial += int64(min(rs.EpochsDone, r.Config.Epochs)) * int64(r.TrainExamples)
		todo = append(todo, &runs[i])
	}
	x.logf("sweep %s (scale %s, shard %s): %d runs, %d done, %d to run; results in %s", p.Sweep.Name, p.Sweep.Scale,
		opt.Shard, len(runs), len(sum.Skipped), len(todo), p.Out)
	defer func() { sum.Elapsed = time.Since(start) }()
	if len(todo) == 0 {
		return sum, nil
	}
	if err := x.ensureData(ctx); err != nil {
		if ctx.Err() != nil {
			sum.Paused, sum.Left = true, len(todo)
			return sum, fmt.Errorf("sweep %s: %w while generating the data set (%v): run again to continue", p.Sweep.Name, training.ErrPaused, ctx.Err())
		}
		return sum, fmt.Errorf("sweep %s: data: %w", p.Sweep.Name, err)
	}
	b := opt.Backend
	if b == nil {
		if b, err = backend.New(); err != nil {
			return sum, fmt.Errorf("sweep: backend: %w", err)
		}
		defer b.Finalize()
	}
	x.backend, x.backendDesc = b, backend.Describe(b).String()
	if opt.Progress != nil {
		x.rep = progress.New(opt.Progress, "sweep "+p.Sweep.Name, total, progress.Options{Unit: "examples", Initial: initial})
		defer x.rep.Done()
	}
	for k, r := range todo {
		if x.timeUp() || ctx.Err() != nil {
			sum.Paused = true
			break
		}
		x.prefix = fmt.Sprintf("[%d/%d] %s", k+1, len(todo), r.ID)
		if err := x.runOne(ctx, r); err != nil {
			if errors.Is(err, training.ErrPaused) || ctx.Err() != nil {
				sum.Paused = true
				break
			}
			sum.Failed[r.ID] = oneLine(err.Error())
			x.logf("%s: failed: %s", x.prefix, oneLine(err.Error()))
			if werr := writeFailure(r, err); werr != nil {
				x.logf("%s: recording the failure: %v", x.prefix, werr)
			}
		}
	}
	sum.Left = len(runs) - len(sum.Skipped) - len(sum.Trained)
	switch {
	case sum.Paused:
		return sum, fmt.Errorf("sweep %s: %w: %d of %d runs not done; run the same command again to continue", p.Sweep.Name, training.ErrPaused, sum.Left, len(runs))
	case len(sum.Failed) > 0:
		var ids []string
		for _, r := range runs {
			if msg, ok := sum.Failed[r.ID]; ok {
				ids = append(ids, fmt.Sprintf("%s (%s)", r.ID, msg))
			}
		}
		return sum, fmt.Errorf("sweep %s: %w: %d of %d: %s", p.Sweep.Name, ErrFailed, len(sum.Failed), len(runs), strings.Join(ids, "; "))
	}
	return sum, nil
}

// execution is one call of Plan.Run.
type execution struct {
	p           *Plan
	opt         Options
	sum         *Summary
	deadline    time.Time
	backend     backends.Backend
	backendDesc string
	rep         *progress.Reporter
	logw        io.Writer
	prefix      string
}

func (x *execution) logf(format string, args ...any) {
	if x.logw == nil {
		return
	}
	x.rep.Clear()
	fmt.Fprintf(x.logw, format+"\n", args...)
}

func (x *execution) timeUp() bool { return !x.deadline.IsZero() && !time.Now().Before(x.deadline) }

// ensureData generates the data set of a recipe sweep when it is missing or incomplete (a
// complete cache is verified and kept), waiting while another process generates it.
func (x *execution) ensureData(ctx context.Context) error {
	p := x.p
	if !p.Generate {
		return nil
	}
	if st, err := datastore.Open(p.DataDir); err == nil {
		if spec := st.Spec(); spec.ID() == p.DataSpec.ID() {
			return nil
		}
	}
	x.logf("sweep %s: generating the data set %s into %s", p.Sweep.Name, p.DataSpec.ID(), p.DataDir)
	for {
		_, err := datastore.Generate(ctx, p.DataSpec, p.DataDir, datastore.Options{Progress: x.opt.Progress})
		var le *datastore.LockedError
		if !errors.As(err, &le) {
			return err
		}
		x.logf("sweep %s: %v; waiting", p.Sweep.Name, le)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// runOne trains and evaluates one run in its slot and writes its result.
func (x *execution) runOne(ctx context.Context, r *Planned) error {
	if err := os.MkdirAll(r.Slot, 0o755); err != nil {
		return err
	}
	unlock, err := datastore.LockDir(r.Slot)
	if err != nil {
		var le *datastore.LockedError
		if errors.As(err, &le) {
			x.sum.Busy = append(x.sum.Busy, r.ID)
			x.logf("%s: skipped: %v", x.prefix, le)
			return nil
		}
		return err
	}
	defer unlock()
	// Another process may have finished it since the status was taken.
	old, _ := ReadResult(r.Result)
	if old != nil {
		same, complete := old.matches(r)
		switch {
		case !same && old.extendedBy(r):
			old = nil // superseded: its evaluations are of the shorter run
		case !same:
			return fmt.Errorf("%w: %s holds another configuration", ErrConflict, r.Result)
		case complete:
			x.sum.Skipped = append(x.sum.Skipped, r.ID)
			return nil
		}
	}
	if err := x.p.AdoptShorter(r); err != nil {
		return err
	}
	if testHookBeforeTrain != nil {
		if err := testHookBeforeTrain(r.ID); err != nil {
			return err
		}
	}
	cfg := r.Config
	switch iv := x.opt.CheckpointInterval; {
	case iv == 0:
		cfg.Checkpoint.IntervalSeconds = DefaultCheckpointInterval.Seconds()
	case iv > 0:
		cfg.Checkpoint.IntervalSeconds = iv.Seconds()
	}
	tr := &tracker{x: x, r: r}
	tr.last = tr.epochs()
	x.logf("%s: training %s (%d/%d epochs done) in %s", x.prefix, cfg.Model.Describe(), tr.last, cfg.Epochs, r.RunDir)
	topt := training.Options{Backend: x.backend, Log: tr}
	if !x.deadline.IsZero() {
		topt.MaxTime = time.Until(x.deadline)
		if topt.MaxTime <= 0 {
			return training.ErrPaused
		}
	}
	h, err := training.Run(ctx, cfg, r.RunDir, topt)
	if err != nil {
		return err
	}
	tr.update()
	evalStart := time.Now()
	res := &Result{Sweep: x.p.Sweep.Name, ID: r.ID, Index: r.Index, Scale: x.p.Sweep.Scale, ConfigHash: r.Hash,
		Config: r.Config, Evals: map[string]*Metrics{}}
	res.Config.Data.Dir = ""
	if old != nil { // a finished run re-evaluated: keep what it measured before
		for k, m := range old.Evals {
			res.Evals[k] = m
		}
	}
	var testMAE string
	for _, e := range r.Evals {
		rep, err := training.Evaluate(ctx, r.RunDir, training.EvalOptions{Backend: x.backend, Split: e.Split, Checkpoint: e.Checkpoint})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: %w", training.ErrPaused, ctx.Err())
			}
			return fmt.Errorf("evaluation %q: %w", e.Name, err)
		}
		res.Evals[e.Name] = metricsOf(e, rep)
		if testMAE == "" {
			testMAE = fmt.Sprintf("%s MAE %.4g", e.Name, float64(rep.MAE))
		}
	}
	res.Training = summarize(h)
	res.Provenance = provenance(x.p.Hash, x.backendDesc, x.p.Out)
	if n := len(h.Elapsed); n > 0 {
		res.Provenance.TrainSeconds = h.Elapsed[n-1]
	}
	res.Provenance.EvalSeconds = time.Since(evalStart).Seconds()
	res.Provenance.Elapsed = res.Provenance.TrainSeconds + res.Provenance.EvalSeconds
	data, err := res.JSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.Result), 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(r.Result, data, atomicfile.DefaultPerm); err != nil {
		return err
	}
	os.Remove(filepath.Join(r.Slot, FailureFile))
	x.sum.Trained = append(x.sum.Trained, r.ID)
	x.logf("%s: done: kept epoch %d of %d, %s (%.1fs): %s", x.prefix, res.KeptEpoch(), h.Len(), testMAE,
		res.Provenance.Elapsed, r.Result)
	return nil
}

// summarize keeps the part of a history a result records.
func summarize(h *training.History) TrainingSummary {
	s := TrainingSummary{Epochs: h.Len(), EpochsRun: h.EpochsRun, Rollbacks: h.NumRollbacks, Best: h.Best,
		TrainLoss: make([]training.JSONFloat, len(h.TrainLoss)), TestLoss: make([]training.JSONFloat, len(h.TestLoss))}
	for i, v := range h.TrainLoss {
		s.TrainLoss[i] = training.JSONFloat(v)
	}
	for i, v := range h.TestLoss {
		s.TestLoss[i] = training.JSONFloat(v)
	}
	return s
}

// tracker is the training log of a run: it forwards the lines to Options.TrainLog and advances
// the sweep's progress by the epochs the run's history has gained (the history is written
// before each epoch's line).
type tracker struct {
	x    *execution
	r    *Planned
	mu   sync.Mutex
	last int
}

func (t *tracker) Write(b []byte) (int, error) {
	if w := t.x.opt.TrainLog; w != nil {
		t.x.rep.Clear()
		w.Write(b)
	}
	t.update()
	return len(b), nil
}

func (t *tracker) epochs() int {
	h, err := training.ReadHistory(filepath.Join(t.r.RunDir, training.HistoryFile))
	if err != nil {
		return 0
	}
	return min(h.Len(), t.r.Config.Epochs)
}

func (t *tracker) update() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := t.epochs(); n > t.last {
		t.x.rep.Add(int64(n-t.last) * int64(t.r.TrainExamples))
		t.last = n
	}
}

// shorterSlot returns the slot in the work directory holding the longest training of r with
// fewer epochs (its configuration is r's but for the number of epochs), and the epochs it has
// trained; "" when there is none. Such a training is a run declared earlier with fewer epochs,
// finished or not.
func (p *Plan) shorterSlot(r *Planned) (slot string, trained int) {
	ents, err := os.ReadDir(filepath.Join(p.Work, RunsDir))
	if err != nil {
		return "", 0
	}
	for _, e := range ents {
		dir := filepath.Join(p.Work, RunsDir, e.Name())
		hash, ok := strings.CutPrefix(e.Name(), r.ID+"-")
		if !ok || len(hash) != 12 || dir == r.Slot {
			continue
		}
		c, err := training.ReadConfig(filepath.Join(dir, "train"))
		if err != nil || !shorterOf(c, r) {
			continue
		}
		h, err := training.ReadHistory(filepath.Join(dir, "train", training.HistoryFile))
		if err != nil || h.Len() <= trained {
			continue
		}
		slot, trained = dir, h.Len()
	}
	return slot, trained
}

// AdoptShorter moves the training directory of the longest shorter training of r
// (shorterSlot) into r's slot, so that training resumes after its last epoch instead of
// starting over. Run calls it before training a run; code that trains in a sweep's slots
// itself calls it first. It does nothing when r's slot already has a training directory or there is no
// such training (a fresh machine with the committed results only: the run then trains from the
// start). The shorter slot is locked while its directory moves, then removed.
func (p *Plan) AdoptShorter(r *Planned) error {
	if _, err := os.Stat(r.RunDir); err == nil {
		return nil
	}
	from, trained := p.shorterSlot(r)
	if from == "" {
		return nil
	}
	unlock, err := datastore.LockDir(from)
	if err != nil {
		return fmt.Errorf("continuing the training of %d epochs in %s: %w", trained, from, err)
	}
	err = os.MkdirAll(r.Slot, 0o755)
	if err == nil {
		err = os.Rename(filepath.Join(from, "train"), r.RunDir)
	}
	if err == nil {
		os.Remove(filepath.Join(from, FailureFile))
	}
	unlock()
	if err != nil {
		return fmt.Errorf("continuing the training of %d epochs: %w", trained, err)
	}
	os.Remove(from) // the emptied slot (kept when something else is left in it)
	return nil
}
