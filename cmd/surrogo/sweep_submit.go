package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/surrogo/surrogo/pkg/sweep"
)

func init() {
	register(&command{name: "sweep submit", summary: "run a sweep on a Slurm cluster as a job array (resubmitting finishes it)", run: runSweepSubmit})
}

func runSweepSubmit(args []string) error {
	fs := newFlags("sweep submit", "--slurm SWEEP.json [--partition P] [--gres gpu:1] [--cpus-per-task C] [--time T] [--max-parallel K] [--dry-run]", `
Runs the sweep on a Slurm cluster: writes an sbatch job-array script with one array task per run
that is not done (or, with --shards n, one task per shard i/n that holds such a run), submits it
with sbatch, and prints the job id and where the logs go. Run it on a login node, from a
directory the compute nodes see: the tasks run this surrogo binary (--surrogo to name another)
on this sweep file, and write the results and checkpoints where a local run would.

Every task runs "surrogo sweep run SWEEP --shard i/n": it resumes its run from its checkpoint and
skips finished runs, and the results are the same files, with the same bytes apart from their
provenance, as a local run's. A task that fails, is cancelled (scancel), preempted or stopped at
its --time limit (it saves its state on Slurm's SIGTERM) is continued by the same command again:
it submits only the runs not done, and none still queued or running in an earlier job.

"surrogo sweep status SWEEP" then shows each run with its Slurm task and job state (from
"scontrol show job"; no job accounting needed) and, for a failed task, its log and last lines.
The scripts, the record of the jobs (jobs.json) and the tasks' logs are in WORK/slurm.
--dry-run prints the script and submits nothing; --wait waits for the job's end (exit status
1 if a task did not complete).

Results depend on the backend: the tasks inherit this shell's environment (sbatch's default),
GOMLX_BACKEND included; with --gres gpu:1, set GOMLX_BACKEND=stablehlo:cuda before submitting.
Exit status: 0 when submitted (or nothing is left to do), 1 when sbatch fails or, with --wait,
a task did not complete, 2 for bad input.`+"\n"+sweepFileHelp)
	slurm := fs.Bool("slurm", false, "submit to Slurm (sbatch); required: the only scheduler supported")
	partition := fs.String("partition", "", "sbatch --partition (default: the cluster's)")
	gres := fs.String("gres", "", "sbatch --gres per task, e.g. gpu:1")
	cpus := fs.Int("cpus-per-task", 0, "sbatch --cpus-per-task (0: the cluster's default)")
	timeLimit := fs.String("time", "", "sbatch --time per task, e.g. 4:00:00 or 1-00:00:00 (a task stopped at the limit resumes when resubmitted)")
	maxParallel := fs.Int("max-parallel", 0, "run at most K tasks at once (--array=...%K; 0: no limit)")
	shards := fs.Int("shards", 0, "n tasks, each running shard i/n (0: one task per run)")
	exe := fs.String("surrogo", "", "the surrogo binary the tasks run, reachable from the compute nodes (default: this one)")
	dryRun := fs.Bool("dry-run", false, "print the script; submit nothing")
	wait := fs.Bool("wait", false, "wait until every task has ended; exit status 1 if one did not complete")
	file, err := parseSweepArgs(fs, args)
	if err != nil {
		return err
	}
	if !*slurm {
		return badInputf("--slurm is required (Slurm is the only scheduler supported)")
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return badInputf("%s: %v", file, err)
	}
	opt := sweep.SlurmOptions{SweepFile: abs, Partition: *partition, Gres: *gres, CPUsPerTask: *cpus, Time: *timeLimit,
		MaxParallel: *maxParallel, Shards: *shards, Executable: *exe, Wait: *wait}
	if opt.Executable == "" {
		if opt.Executable, err = os.Executable(); err != nil {
			return badInputf("--surrogo: this binary's path is unknown (%v): give it", err)
		}
	} else if opt.Executable, err = filepath.Abs(opt.Executable); err != nil {
		return badInputf("--surrogo: %v", err)
	}
	if err := opt.Validate(); err != nil {
		return badInput(errors.New(strings.TrimPrefix(err.Error(), sweep.ErrInvalid.Error()+": ")))
	}
	if *dryRun && *wait {
		return badInputf("--wait: nothing to wait for with --dry-run")
	}
	if !*dryRun {
		if _, err := exec.LookPath("sbatch"); err != nil {
			return badInputf("--slurm: sbatch not found on the PATH: run this on a Slurm login node (or --dry-run to see the script)")
		}
	}
	p, err := loadSweep(file)
	if err != nil {
		return err
	}
	if *shards > len(p.Runs) {
		return badInputf("--shards: %d, but the sweep has %d runs", *shards, len(p.Runs))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sub, err := p.PrepareSlurm(ctx, opt)
	switch {
	case errors.Is(err, sweep.ErrInvalid), errors.Is(err, sweep.ErrConflict):
		return badInput(fmt.Errorf("%s: %w", file, err))
	case err != nil:
		return err
	}
	out := sweepOutput
	name := p.Sweep.Name
	if sub.Warning != "" {
		fmt.Fprintf(sweepProgress, "surrogo sweep submit: warning: %s\n", sub.Warning)
	}
	if len(sub.Tasks) == 0 {
		msg := fmt.Sprintf("sweep %s: nothing to submit: %d of %d runs done", name, sub.Done, len(p.Runs))
		if len(sub.Active) > 0 {
			msg += fmt.Sprintf(", %d in tasks still queued or running (%s); see surrogo sweep status %s", len(sub.Active), strings.Join(sub.Active, ", "), file)
		}
		fmt.Fprintln(out, msg)
		return nil
	}
	if *dryRun {
		_, err := io.WriteString(out, sub.Script)
		return err
	}
	err = p.SubmitSlurm(ctx, sweep.SlurmOptions{}, sub) // submit without waiting: the job is reported first
	if err != nil {
		return err
	}
	job := sub.Job
	per := "one per run"
	if sub.Shards != len(p.Runs) {
		per = fmt.Sprintf("one per shard i/%d", sub.Shards)
	}
	fmt.Fprintf(out, "sweep %s: submitted Slurm job %s: %s (--array=%s), %s; %s done before\n", name, job.JobID,
		submitPlural(len(sub.Tasks), "array task"), sub.Array, per, submitPlural(sub.Done, "run"))
	if len(sub.Active) > 0 {
		fmt.Fprintf(out, "left to tasks of earlier jobs still queued or running: %s\n", strings.Join(sub.Active, ", "))
	}
	fmt.Fprintf(out, "script: %s\nlogs:   %s\n", job.Script, strings.ReplaceAll(job.Logs, "%A_%a", job.JobID+"_TASK"))
	fmt.Fprintf(out, "follow: surrogo sweep status %s; cancel: scancel %s; submit again to continue after failures\n", file, job.JobID)
	if !*wait {
		return nil
	}
	if err := p.WaitSlurm(ctx, job, "", out); err != nil {
		if errors.Is(err, sweep.ErrFailed) {
			fmt.Fprintln(out, err)
			return reportedError{err}
		}
		return err
	}
	fmt.Fprintf(out, "sweep %s: job %s completed\n", name, job.JobID)
	return nil
}

// printSweepStatus writes the status of a sweep (sweep status), with the Slurm state of its runs'
// tasks when it was submitted with "sweep submit --slurm".
func printSweepStatus(p *sweep.Plan, st *sweep.Status, asJSON bool) error {
	sst, err := p.SlurmStatus(context.Background(), st, "")
	if err != nil {
		return err
	}
	var v any = st
	if len(sst.Jobs) > 0 {
		v = sst
	}
	if asJSON {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = sweepOutput.Write(append(data, '\n'))
		return err
	}
	_, err = io.WriteString(sweepOutput, sst.Table())
	return err
}

// submitPlural writes "1 run", "2 runs".
func submitPlural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
