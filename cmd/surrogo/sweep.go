package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/fig2021"
	"github.com/surrogo/surrogo/pkg/figures/fig2023"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/surrogo/surrogo/pkg/sweep"
	"github.com/surrogo/surrogo/pkg/training"
)

func init() {
	register(&command{name: "sweep run", summary: "run a declared list of training runs to completion; resumable, shardable", run: runSweepRun})
	register(&command{name: "sweep status", summary: "show which runs of a sweep are done, running, pending or failed", run: runSweepStatus})
}

// sweepOutput and sweepProgress are where the sweep commands write their log and output (stdout)
// and progress (stderr); tests replace them.
var sweepOutput, sweepProgress io.Writer = os.Stdout, os.Stderr

const sweepFileHelp = `
A sweep file (JSON) declares the runs; relative paths are relative to the file's directory:

  {
    "name": "demo", "scale": "smoke", "out": "figures/demo/smoke",
    "data": {"recipe": "2023", "seed": 1},          (or {"dir": "a data-set cache"})
    "defaults": {"model": "edcnn", "set": {"epochs": 4}},
    "runs": [
      {"id": "80E1", "codename": "80E1"},
      {"id": "80E1-s2", "codename": "80E1", "set": {"seed": 2}},
      {"id": "20S1", "codename": "20S1", "evals": [{"split": "test"}, {"split": "k05/test"}]}
    ]
  }

A run's configuration is what "surrogo train" builds from --model, --codename and --scale (or
"config": a whole config.json), with single fields changed by "set" (a JSON merge patch of the
config, e.g. {"optimizer": {"learning_rate": 0.001}}). "evals" (default: the kept model on the
test subset) list the subsets, weights (best or last) and metrics (regions, residual, slices,
pdf) measured after training. "work" names the directory of checkpoints and generated data
(default .cache/sweeps/NAME/SCALE in the checkout, or $SURROGO_CACHE_DIR/sweeps/NAME/SCALE).

Each finished run writes OUT/runs/ID.json (metrics, configuration and its hash, kept epoch,
provenance), meant to be committed; OUT/sweep-record.json ties the directory to the sweep.`

func runSweepRun(args []string) error {
	fs := newFlags("sweep run", "SWEEP.json [--shard i/n] [--max-time D] [flags]", `
Trains and evaluates every run of the sweep that is not done, one after the other, with a
progress report and time left over the whole sweep (or shard). Idempotent and resumable: a run
whose result file holds its configuration (same hash) is never trained again; a run that was
interrupted (a kill, --max-time, Ctrl-C) resumes from its last checkpoint; the same command on
another machine with the committed results continues where they stop. A failed run is recorded
(see "surrogo sweep status") and the others go on; running the command again retries it.

--shard i/n runs only the runs whose index (position in the file, from 0) is i modulo n, so
that n machines or the array jobs of a cluster scheduler split the sweep: the shards 0/n ...
(n-1)/n are disjoint and together the whole sweep. Processes running the same runs at once on
one machine skip the runs another one holds.

Nothing finished is overwritten: a result file holding another configuration, or a results
directory of another sweep, is refused before any work (exit status 2). A run declared again
with more epochs and nothing else changed is the exception: it continues from the checkpoints
of the shorter run (when this machine has them) and its result replaces the shorter one's. After one of the 2023
sweeps of this checkout at the cpu scale (figures/sweeps/2023-*-cpu.json), the claims table of
notebooks/README.md is regenerated from the finished runs, and after the 2021 Table 2 sweep
(figures/sweeps/2021-table2-cpu.json) its 2021 Table 2: commit them with the runs.
Exit status: 0 when every run of the shard is done (or being run by another process), 1 when
runs failed or the sweep paused (--max-time, Ctrl-C), 2 for bad input.`+"\n"+sweepFileHelp)
	shardFlag := fs.String("shard", "", "run only the runs of index i mod n (e.g. 0/2 and 1/2)")
	maxTime := fs.Duration("max-time", 0, "pause (saving the current run's state) after this long, e.g. 50m; rerun to continue")
	interval := fs.Duration("checkpoint-interval", sweep.DefaultCheckpointInterval, "also save a run's state within epochs this often (0: at epoch ends only)")
	quiet := fs.Bool("quiet", false, "no progress report")
	verbose := fs.Bool("verbose", false, "also print the training log (a line per epoch)")
	file, err := parseSweepArgs(fs, args)
	if err != nil {
		return err
	}
	if *maxTime < 0 {
		return badInputf("--max-time: must be positive (or 0 for no limit), got %s", *maxTime)
	}
	if *interval < 0 {
		return badInputf("--checkpoint-interval: must be positive (or 0 for epoch ends only), got %s", *interval)
	}
	shard, err := sweep.ParseShard(*shardFlag)
	if err != nil {
		return badInputf("--shard: %v", strings.TrimPrefix(err.Error(), sweep.ErrInvalid.Error()+": "))
	}
	p, err := loadSweep(file)
	if err != nil {
		return err
	}
	opt := sweep.Options{Shard: shard, MaxTime: *maxTime, Log: sweepOutput, CheckpointInterval: *interval}
	if *interval == 0 {
		opt.CheckpointInterval = -1
	}
	if !*quiet {
		opt.Progress = sweepProgress
	}
	if *verbose {
		opt.TrainLog = sweepOutput
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := p.Run(ctx, opt)
	if !errors.Is(err, sweep.ErrInvalid) && !errors.Is(err, sweep.ErrConflict) {
		updateClaims(p)
	}
	switch {
	case errors.Is(err, sweep.ErrInvalid), errors.Is(err, sweep.ErrConflict):
		return badInput(fmt.Errorf("%s: %w", file, err))
	case errors.Is(err, training.ErrPaused), errors.Is(err, sweep.ErrFailed):
		fmt.Fprintf(sweepOutput, "%v\n", err)
		return reportedError{err}
	case err != nil:
		return err
	}
	msg := fmt.Sprintf("sweep %s (shard %s): done in %s: %d trained, %d were done", p.Sweep.Name, shard,
		sum.Elapsed.Round(1e9), len(sum.Trained), len(sum.Skipped))
	if len(sum.Busy) > 0 {
		msg += fmt.Sprintf(", %d left to the processes running them (%s)", len(sum.Busy), strings.Join(sum.Busy, ", "))
	}
	fmt.Fprintln(sweepOutput, msg)
	return nil
}

// updateClaims regenerates the 2023 claims table of notebooks/README.md when p writes the cpu
// results of a 2023 sweep of this checkout (fig2023.ClaimsRead), and its 2021 Table 2 after the
// cpu Table 2 sweep (fig2021.Table2Read), so that the tables follow the finished runs; a failure
// is reported, not fatal (the runs are saved).
func updateClaims(p *sweep.Plan) {
	repo, err := figures.RepoRoot()
	if err == nil && fig2021.Table2Read(repo, p.Out) {
		changed, err := fig2021.UpdateTable2Readme(repo)
		switch {
		case err != nil:
			fmt.Fprintf(sweepOutput, "warning: notebooks/README.md's 2021 Table 2 not updated: %v\n", err)
		case changed:
			fmt.Fprintln(sweepOutput, "notebooks/README.md: the 2021 Table 2 now reflects the finished runs (commit it with them)")
		}
		return
	}
	if err != nil || !fig2023.ClaimsRead(repo, p.Out) {
		return
	}
	changed, err := fig2023.UpdateClaimsReadme(repo)
	switch {
	case err != nil:
		fmt.Fprintf(sweepOutput, "warning: notebooks/README.md's claims table not updated: %v\n", err)
	case changed:
		fmt.Fprintln(sweepOutput, "notebooks/README.md: the 2023 claims table now reflects the finished runs (commit it with them)")
	}
}

func runSweepStatus(args []string) error {
	fs := newFlags("sweep status", "SWEEP.json [--shard i/n] [--json]", `
Shows every run of the sweep (or of a shard) with its state and the totals:

  done      its result file holds its configuration and every declared evaluation
  running   a live process holds its work directory (the pid is shown when known)
  pending   not finished and not being run; the epochs already trained are resumed
  failed    the last attempt failed (the error is shown); "surrogo sweep run" retries it
  conflict  its result file holds another configuration (move it away to train this one)

For a sweep submitted with "surrogo sweep submit --slurm", each run also shows its latest
Slurm array task and that task's job state (from "scontrol show job": no job accounting needed):
a run whose task runs is running, one whose task is queued pending, and one whose task failed
is failed, with the task's log file and its last lines. Cancelled and timed-out tasks leave
their runs pending: submitting again continues them.

It writes nothing. --json prints the same as JSON.`+"\n"+sweepFileHelp)
	shardFlag := fs.String("shard", "", "only the runs of index i mod n")
	asJSON := fs.Bool("json", false, "print JSON")
	file, err := parseSweepArgs(fs, args)
	if err != nil {
		return err
	}
	shard, err := sweep.ParseShard(*shardFlag)
	if err != nil {
		return badInputf("--shard: %v", strings.TrimPrefix(err.Error(), sweep.ErrInvalid.Error()+": "))
	}
	p, err := loadSweep(file)
	if err != nil {
		return err
	}
	st, err := p.Status(shard)
	switch {
	case errors.Is(err, sweep.ErrConflict):
		return badInput(fmt.Errorf("%s: %w", file, err))
	case err != nil:
		return err
	}
	return printSweepStatus(p, st, *asJSON) // with the Slurm states of a submitted sweep (sweep_submit.go)
}

// parseSweepArgs parses flags given before or after the one positional argument, the sweep file.
func parseSweepArgs(fs *flag.FlagSet, args []string) (string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args, -1); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(pos) {
	case 0:
		return "", badInputf("a sweep file SWEEP.json is required (see --help)")
	case 1:
		return pos[0], nil
	}
	return "", badInputf("unexpected arguments %q (one sweep file; see --help)", pos[1:])
}

// loadSweep loads and plans a sweep file; its problems are usage errors naming the file.
func loadSweep(file string) (*sweep.Plan, error) {
	sw, err := sweep.Load(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, badInputf("%s: no such sweep file", file)
		}
		return nil, badInput(err)
	}
	p, err := sw.Plan()
	if err != nil {
		return nil, badInput(fmt.Errorf("sweep file %s: %w", file, err))
	}
	return p, nil
}
