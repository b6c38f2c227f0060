package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/surrogo/surrogo/pkg/atomicfile"
)

// Slurm: a sweep as a job array of the Slurm workload manager. Every array task runs
// `surrogo sweep run SWEEP --shard i/n`: with one task per run (the default) n is the number of
// runs and task i runs run i; with Shards = n, task i runs the runs of index i mod n. Because
// Run resumes and skips finished runs, a cancelled, preempted, timed-out or failed task is
// continued by submitting again, which submits only the runs (or shards) not done.
//
// Submissions are recorded in WORK/slurm/jobs.json (job id, tasks and their runs, log files), so
// that SlurmStatus joins the runs' state with Slurm's job state, read with `scontrol show job`
// (no job accounting needed: sacct is not used). Task logs go to WORK/slurm/logs.

// SlurmDir is the directory of a sweep's Slurm scripts, records and logs, in its work directory.
const SlurmDir = "slurm"

// SlurmOptions are the settings of a sweep's Slurm job array.
type SlurmOptions struct {
	// Executable is the surrogo binary the tasks run (absolute; it must be reachable from the
	// compute nodes), and SweepFile the sweep file they run (absolute).
	Executable string
	SweepFile  string
	// Partition, Gres, CPUsPerTask and Time are sbatch's --partition, --gres, --cpus-per-task and
	// --time (zero values: the cluster's defaults).
	Partition   string
	Gres        string
	CPUsPerTask int
	Time        string
	// MaxParallel > 0 limits the number of tasks running at once (--array=...%K).
	MaxParallel int
	// Shards > 0 runs the sweep as that many tasks (shard i/Shards each); 0 is one task per run.
	Shards int
	// Wait makes SubmitSlurm return when every task has ended (WaitSlurm); its error then
	// wraps ErrFailed when a task did not complete.
	Wait bool
	// Sbatch is the sbatch command (default "sbatch" on the PATH); Scontrol likewise.
	Sbatch, Scontrol string
}

var (
	slurmNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.,-]+$`)
	slurmGresPattern = regexp.MustCompile(`^[A-Za-z0-9_.:,+-]+$`)
	slurmTimePattern = regexp.MustCompile(`^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2}|UNLIMITED|INFINITE)$`)
)

// Validate reports the first invalid option (an error wrapping ErrInvalid that names it by its
// command-line flag).
func (o *SlurmOptions) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	switch {
	case o.Partition != "" && !slurmNamePattern.MatchString(o.Partition):
		return bad("--partition: %q is not a partition name (letters, digits, '_', '.', '-'; ',' between several)", o.Partition)
	case o.Gres != "" && !slurmGresPattern.MatchString(o.Gres):
		return bad("--gres: %q is not a generic resource list (e.g. gpu:1 or gpu:a100:2)", o.Gres)
	case o.Time != "" && !slurmTimePattern.MatchString(o.Time):
		return bad("--time: %q is not a Slurm time limit (minutes, M:S, H:M:S, D-H, D-H:M or D-H:M:S)", o.Time)
	case o.CPUsPerTask < 0:
		return bad("--cpus-per-task: must be positive (or 0 for the cluster's default), got %d", o.CPUsPerTask)
	case o.MaxParallel < 0:
		return bad("--max-parallel: must be positive (or 0 for no limit), got %d", o.MaxParallel)
	case o.Shards < 0:
		return bad("--shards: must be positive (or 0 for one task per run), got %d", o.Shards)
	case o.SweepFile == "" || !filepath.IsAbs(o.SweepFile):
		return bad("the sweep file must be given by an absolute path, got %q", o.SweepFile)
	case o.Executable == "" || !filepath.IsAbs(o.Executable):
		return bad("--surrogo: the surrogo binary must be given by an absolute path, got %q", o.Executable)
	}
	fi, err := os.Stat(o.Executable)
	switch {
	case err != nil:
		return bad("--surrogo: %v", err)
	case fi.IsDir() || fi.Mode()&0o111 == 0:
		return bad("--surrogo: %s is not an executable file", o.Executable)
	}
	return nil
}

// SlurmJob is the record of one submitted job array (an element of WORK/slurm/jobs.json).
type SlurmJob struct {
	// JobID is the array's job id (sbatch's answer) and Submitted when it was submitted (RFC
	// 3339, UTC).
	JobID     string `json:"job_id"`
	Submitted string `json:"submitted"`
	// Script is the submitted script, Logs the pattern of the tasks' log files (%A: job id, %a:
	// task id).
	Script string `json:"script"`
	Logs   string `json:"logs"`
	// Shards is n of the tasks' --shard i/n; Tasks lists the array's tasks and their runs.
	Shards int         `json:"shards"`
	Tasks  []SlurmTask `json:"tasks"`
	// SweepHash is the sweep declaration's hash at submission.
	SweepHash string `json:"sweep_hash"`
}

// SlurmTask is one array task: its index (the shard i of --shard i/n) and the ids of its runs.
type SlurmTask struct {
	Task int      `json:"task"`
	Runs []string `json:"runs"`
}

// Log returns the log file of task i of the job.
func (j *SlurmJob) Log(task int) string {
	return strings.NewReplacer("%A", j.JobID, "%a", strconv.Itoa(task)).Replace(j.Logs)
}

// SlurmSubmission is what Plan.PrepareSlurm prepares and Plan.SubmitSlurm submits.
type SlurmSubmission struct {
	// Script is the sbatch script, Array its --array value and Tasks its tasks; no tasks means
	// nothing to submit (every run is done or left to active tasks).
	Script string
	Array  string
	Tasks  []SlurmTask
	// Shards is n of the tasks' --shard i/n; Logs the pattern of the tasks' log files.
	Shards int
	Logs   string
	// Done counts the runs already done; Active lists the runs left to still pending or
	// running tasks of earlier submissions (not submitted again).
	Done   int
	Active []string
	// Warning is set when Slurm could not be asked about earlier submissions.
	Warning string
	// Job is the record of the submitted job (SubmitSlurm).
	Job *SlurmJob
}

// ActiveSlurmStates are the Slurm job states of a task that is still to run or running.
var ActiveSlurmStates = []string{"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED",
	"REQUEUE_FED", "REQUEUE_HOLD", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD"}

// FailedSlurmStates are the Slurm job states of a task that ended in error: its runs not done
// are shown failed, with the task's log. (CANCELLED, TIMEOUT, PREEMPTED and DEADLINE are
// interruptions: those runs stay pending and resume when submitted again.)
var FailedSlurmStates = []string{"FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL"}

// PrepareSlurm writes the job-array script for the runs of the sweep that are not done and not
// covered by active tasks of earlier submissions. It writes nothing and submits nothing; it
// refuses (ErrConflict) a sweep that Run would refuse.
func (p *Plan) PrepareSlurm(ctx context.Context, opt SlurmOptions) (*SlurmSubmission, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	st, err := p.Status(Shard{})
	if err != nil {
		return nil, err
	}
	for _, r := range st.Runs {
		if r.State == Conflict {
			return nil, fmt.Errorf("%w: run %q: %s", ErrConflict, r.ID, r.Error)
		}
	}
	sst, err := p.SlurmStatus(ctx, st, opt.Scontrol)
	if err != nil {
		return nil, err
	}
	sub := &SlurmSubmission{Shards: opt.Shards, Logs: filepath.Join(p.Work, SlurmDir, "logs", p.Sweep.Name+"-%A_%a.log")}
	if sub.Shards == 0 {
		sub.Shards = len(p.Runs)
	}
	left := map[int]bool{} // indices of the runs to submit
	for _, r := range st.Runs {
		t := sst.Tasks[r.ID]
		switch {
		case r.State == Done:
			sub.Done++
		case t != nil && slices.Contains(ActiveSlurmStates, t.State):
			sub.Active = append(sub.Active, r.ID)
		default:
			left[r.Index] = true
		}
	}
	if sst.Warning != "" {
		sub.Warning = sst.Warning
	}
	var ids []int
	for i := range sub.Shards {
		// A task lists the runs of its shard that are not done; it is submitted when one of them
		// is left to no active task.
		task, submit := SlurmTask{Task: i}, false
		for _, r := range p.Runs {
			if r.Index%sub.Shards == i && st.Runs[r.Index].State != Done {
				task.Runs = append(task.Runs, r.ID)
				submit = submit || left[r.Index]
			}
		}
		if submit {
			sub.Tasks = append(sub.Tasks, task)
			ids = append(ids, i)
		}
	}
	if len(sub.Tasks) == 0 {
		return sub, nil
	}
	sub.Array = arraySpec(ids)
	if opt.MaxParallel > 0 {
		sub.Array += "%" + strconv.Itoa(opt.MaxParallel)
	}
	sub.Script = p.slurmScript(opt, sub)
	return sub, nil
}

// slurmScript writes the sbatch script of a submission.
func (p *Plan) slurmScript(opt SlurmOptions, sub *SlurmSubmission) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	directive := func(format string, args ...any) { fmt.Fprintf(&b, "#SBATCH "+format+"\n", args...) }
	directive("--job-name=surrogo-%s", p.Sweep.Name)
	directive("--array=%s", sub.Array)
	directive("--output=%s", sub.Logs)
	directive("--open-mode=append")
	directive("--chdir=%s", p.Sweep.resolve("."))
	if opt.Partition != "" {
		directive("--partition=%s", opt.Partition)
	}
	if opt.Gres != "" {
		directive("--gres=%s", opt.Gres)
	}
	if opt.CPUsPerTask > 0 {
		directive("--cpus-per-task=%d", opt.CPUsPerTask)
	}
	if opt.Time != "" {
		directive("--time=%s", opt.Time)
	}
	fmt.Fprintf(&b, "#\n# surrogo sweep %s (scale %s): %d runs, results in %s\n", p.Sweep.Name, p.Sweep.Scale, len(p.Runs), p.Out)
	if sub.Shards == len(p.Runs) {
		fmt.Fprintf(&b, "# One array task per run: task i runs run i (--shard i/%d).\n", sub.Shards)
	} else {
		fmt.Fprintf(&b, "# %d shards: task i runs the runs of index i mod %d (--shard i/%d).\n", sub.Shards, sub.Shards, sub.Shards)
	}
	b.WriteString("# Each task resumes its runs from their checkpoints and skips finished ones: after a\n" +
		"# failure, cancellation or time limit, `surrogo sweep submit --slurm` again submits what is left.\n")
	for _, t := range sub.Tasks {
		fmt.Fprintf(&b, "#   task %d: %s\n", t.Task, strings.Join(t.Runs, " "))
	}
	b.WriteString("set -u\n")
	fmt.Fprintf(&b, "echo \"surrogo sweep %s: task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID on $(hostname) at $(date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ)\"\n", p.Sweep.Name)
	fmt.Fprintf(&b, "exec %s sweep run %s --shard \"$SLURM_ARRAY_TASK_ID/%d\" --quiet --verbose\n",
		shQuote(opt.Executable), shQuote(opt.SweepFile), sub.Shards)
	return b.String()
}

// SubmitSlurm writes the prepared script to WORK/slurm, submits it with sbatch, and records the
// job in WORK/slurm/jobs.json. With opt.Wait it then waits for the job's end (WaitSlurm).
func (p *Plan) SubmitSlurm(ctx context.Context, opt SlurmOptions, sub *SlurmSubmission) error {
	if len(sub.Tasks) == 0 {
		return errors.New("sweep: nothing to submit")
	}
	dir := filepath.Join(p.Work, SlurmDir)
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	now := time.Now().UTC()
	script := filepath.Join(dir, fmt.Sprintf("%s-%s.sh", p.Sweep.Name, now.Format("20060102T150405.000")))
	if err := atomicfile.WriteFile(script, []byte(sub.Script), 0o755); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	cmd := exec.CommandContext(ctx, first(opt.Sbatch, "sbatch"), "--parsable", script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("sweep: sbatch %s: %v: %s", script, err, oneLine(stderr.String()))
	}
	jobID := parseJobID(stdout.String())
	if jobID == "" {
		return fmt.Errorf("sweep: sbatch %s: no job id in its answer %q", script, stdout.String())
	}
	sub.Job = &SlurmJob{JobID: jobID, Submitted: now.Format(time.RFC3339), Script: script, Logs: sub.Logs,
		Shards: sub.Shards, Tasks: sub.Tasks, SweepHash: p.Hash}
	if err := p.recordJob(sub.Job); err != nil {
		return err
	}
	if opt.Wait {
		return p.WaitSlurm(ctx, sub.Job, opt.Scontrol, nil)
	}
	return nil
}

// WaitSlurm waits until no task of the job is pending or running, asking `scontrol show job`
// every second or so (less often as the wait grows, at most every 30 s), and writes a line to
// log (if not nil) whenever the count of tasks per state changes. It returns an error wrapping
// ErrFailed, naming the tasks and their logs, when a task did not complete; a job Slurm no
// longer knows counts as ended, its tasks completed when their runs are done.
func (p *Plan) WaitSlurm(ctx context.Context, job *SlurmJob, scontrol string, log io.Writer) error {
	start := time.Now()
	last := ""
	for {
		recs, err := scontrolJob(ctx, first(scontrol, "scontrol"), job.JobID)
		if err != nil {
			return fmt.Errorf("sweep: waiting for job %s: %w", job.JobID, err)
		}
		counts := map[string]int{}
		active := false
		for _, t := range job.Tasks {
			state := "(ended)"
			if rec := recs[t.Task]; rec != nil {
				state = rec.State
			}
			counts[state]++
			active = active || slices.Contains(ActiveSlurmStates, state)
		}
		var names []string
		for k := range counts {
			names = append(names, k)
		}
		slices.Sort(names)
		var parts []string
		for _, k := range names {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
		if line := strings.Join(parts, ", "); line != last && log != nil {
			fmt.Fprintf(log, "job %s (%s): %s\n", job.JobID, time.Since(start).Round(time.Second), line)
			last = line
		} else {
			last = line
		}
		if !active {
			return p.slurmVerdict(job, recs)
		}
		wait := min(time.Second+time.Since(start)/60, 30*time.Second)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// slurmVerdict reports the tasks of an ended job that did not complete.
func (p *Plan) slurmVerdict(job *SlurmJob, recs map[int]*slurmRecord) error {
	st, err := p.Status(Shard{})
	if err != nil {
		return err
	}
	state := map[string]State{}
	for _, r := range st.Runs {
		state[r.ID] = r.State
	}
	var bad []string
	for _, t := range job.Tasks {
		rec := recs[t.Task]
		switch {
		case rec != nil && rec.State == "COMPLETED":
			continue
		case rec == nil:
			done := true
			for _, id := range t.Runs {
				done = done && state[id] == Done
			}
			if done {
				continue
			}
			bad = append(bad, fmt.Sprintf("task %d (runs not done; log %s)", t.Task, job.Log(t.Task)))
		default:
			bad = append(bad, fmt.Sprintf("task %d %s (exit %s; log %s)", t.Task, rec.State, rec.ExitCode, job.Log(t.Task)))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("sweep %s: %w: job %s: %d of %d tasks did not complete: %s", p.Sweep.Name, ErrFailed, job.JobID,
			len(bad), len(job.Tasks), strings.Join(bad, "; "))
	}
	return nil
}

// parseJobID reads the job id of sbatch --parsable ("ID" or "ID;CLUSTER").
func parseJobID(out string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	id, _, _ := strings.Cut(strings.TrimSpace(line), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return ""
	}
	return id
}

func (p *Plan) recordJob(job *SlurmJob) error {
	jobs, err := p.SlurmJobs()
	if err != nil {
		return err
	}
	jobs = append(jobs, *job)
	data, err := json.MarshalIndent(jobs, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.slurmJobsFile()), 0o755); err != nil {
		return fmt.Errorf("sweep: recording job %s: %w", job.JobID, err)
	}
	if err := atomicfile.WriteFile(p.slurmJobsFile(), append(data, '\n'), atomicfile.DefaultPerm); err != nil {
		return fmt.Errorf("sweep: recording job %s: %w", job.JobID, err)
	}
	return nil
}

func (p *Plan) slurmJobsFile() string { return filepath.Join(p.Work, SlurmDir, "jobs.json") }

// SlurmJobs returns the recorded submissions of the sweep, oldest first (none: nil).
func (p *Plan) SlurmJobs() ([]SlurmJob, error) {
	data, err := os.ReadFile(p.slurmJobsFile())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var jobs []SlurmJob
	if err := json.Unmarshal(data, &jobs); err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", p.slurmJobsFile(), err)
	}
	return jobs, nil
}

// SlurmTaskState is Slurm's view of the latest array task that covers a run.
type SlurmTaskState struct {
	// JobID is the array's job id and Task the task's index.
	JobID string `json:"job_id"`
	Task  int    `json:"task"`
	// State is Slurm's JobState (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...),
	// empty when Slurm no longer knows the job (it forgets ended jobs after MinJobAge).
	State string `json:"state,omitempty"`
	// Reason is Slurm's reason for a pending task, ExitCode the task's exit code ("1:0").
	Reason   string `json:"reason,omitempty"`
	ExitCode string `json:"exit_code,omitempty"`
	// Log is the task's log file, LogTail its last lines for a failed task.
	Log     string   `json:"log"`
	LogTail []string `json:"log_tail,omitempty"`
}

// SlurmStatus is a sweep's status joined with the Slurm job state of its runs' latest tasks.
type SlurmStatus struct {
	*Status
	// Jobs are the recorded submissions, Tasks the latest task of each run, by run id.
	Jobs  []SlurmJob                 `json:"slurm_jobs"`
	Tasks map[string]*SlurmTaskState `json:"slurm_tasks"`
	// Warning says why Slurm's states are missing (e.g. scontrol not found).
	Warning string `json:"slurm_warning,omitempty"`
}

// SlurmStatus joins the status with what Slurm says of the recorded submissions (`scontrol show
// job`; scontrol is the command, "" for scontrol on the PATH): a run whose latest task is
// running is running, one whose task is pending is pending, and one whose task failed (FAILED,
// OUT_OF_MEMORY, NODE_FAIL, BOOT_FAIL) is failed, with the task's log. Done runs stay done. It
// returns a status without tasks when nothing was submitted, and a Warning (not an error) when
// Slurm cannot be asked.
func (p *Plan) SlurmStatus(ctx context.Context, st *Status, scontrol string) (*SlurmStatus, error) {
	jobs, err := p.SlurmJobs()
	if err != nil {
		return nil, err
	}
	s := &SlurmStatus{Status: st, Jobs: jobs, Tasks: map[string]*SlurmTaskState{}}
	if len(jobs) == 0 {
		return s, nil
	}
	// The latest task covering each run.
	type ref struct {
		job  *SlurmJob
		task int
	}
	latest := map[string]ref{}
	for k := range jobs {
		for _, t := range jobs[k].Tasks {
			for _, id := range t.Runs {
				latest[id] = ref{&jobs[k], t.Task}
			}
		}
	}
	states := map[string]map[int]*slurmRecord{} // by job id, by task
	for _, r := range st.Runs {
		l, ok := latest[r.ID]
		if !ok {
			continue
		}
		recs, asked := states[l.job.JobID]
		if !asked && s.Warning == "" {
			var err error
			recs, err = scontrolJob(ctx, first(scontrol, "scontrol"), l.job.JobID)
			if err != nil {
				s.Warning = err.Error()
			}
			states[l.job.JobID] = recs
		}
		ts := &SlurmTaskState{JobID: l.job.JobID, Task: l.task, Log: l.job.Log(l.task)}
		if rec := recs[l.task]; rec != nil {
			ts.State, ts.Reason, ts.ExitCode = rec.State, rec.Reason, rec.ExitCode
			if ts.Reason == "None" {
				ts.Reason = ""
			}
			if rec.StdOut != "" && !strings.Contains(rec.StdOut, "%") && !strings.Contains(rec.StdOut, "4294967294") {
				ts.Log = rec.StdOut
			}
		}
		s.Tasks[r.ID] = ts
	}
	// Join the states.
	for i := range st.Runs {
		r := &st.Runs[i]
		ts := s.Tasks[r.ID]
		if ts == nil || r.State == Done || r.State == Conflict {
			continue
		}
		single := false
		for _, j := range jobs {
			if j.JobID == ts.JobID {
				for _, t := range j.Tasks {
					single = single || t.Task == ts.Task && len(t.Runs) == 1
				}
			}
		}
		old := r.State
		switch {
		case slices.Contains(FailedSlurmStates, ts.State) && r.State != Running:
			r.State = Failed
			msg := fmt.Sprintf("Slurm task %s_%d %s", ts.JobID, ts.Task, ts.State)
			if ts.ExitCode != "" {
				msg += " (exit " + ts.ExitCode + ")"
			}
			if r.Error != "" {
				msg = r.Error + "; " + msg
			}
			r.Error = msg
			ts.LogTail = logTail(ts.Log, 5)
		case (ts.State == "RUNNING" || ts.State == "COMPLETING" || ts.State == "CONFIGURING") && single && r.State != Failed:
			r.State = Running
		case ts.State == "PENDING" && r.State != Running:
			r.State = Pending
		}
		st.Totals[old]--
		st.Totals[r.State]++
	}
	return s, nil
}

// slurmRecord is the part of a `scontrol show job` record that status uses.
type slurmRecord struct {
	State, Reason, ExitCode, StdOut string
}

// scontrolJob asks `scontrol show job -o ID` for the tasks of a job array, by task index. A job
// Slurm no longer knows gives no tasks and no error.
func scontrolJob(ctx context.Context, scontrol, jobID string) (map[int]*slurmRecord, error) {
	if _, err := exec.LookPath(scontrol); err != nil {
		return nil, fmt.Errorf("%s not found (%v): Slurm's job states are not shown", scontrol, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, scontrol, "show", "job", "-o", jobID)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if strings.Contains(stderr.String(), "Invalid job id") {
			return nil, nil
		}
		return nil, fmt.Errorf("%s show job %s: %v: %s", scontrol, jobID, err, oneLine(stderr.String()))
	}
	return parseScontrol(stdout.String()), nil
}

// parseScontrol reads the one-line records of `scontrol show job -o` of a job array: a record
// per task that has started, and one for the tasks still pending together (ArrayTaskId=3-5%2).
func parseScontrol(out string) map[int]*slurmRecord {
	recs := map[int]*slurmRecord{}
	for _, line := range strings.Split(out, "\n") {
		f := scontrolFields(line)
		if f["JobId"] == "" {
			continue
		}
		rec := &slurmRecord{State: f["JobState"], Reason: f["Reason"], ExitCode: f["ExitCode"], StdOut: f["StdOut"]}
		for _, task := range expandArray(f["ArrayTaskId"]) {
			recs[task] = rec
		}
	}
	return recs
}

// scontrolFields splits a record "Key=value Key=value ..." (a value may hold spaces: words
// without '=' belong to the value before).
func scontrolFields(line string) map[string]string {
	f := map[string]string{}
	last := ""
	for _, w := range strings.Fields(line) {
		k, v, ok := strings.Cut(w, "=")
		if !ok || !scontrolKey.MatchString(k) {
			if last != "" {
				f[last] += " " + w
			}
			continue
		}
		f[k], last = v, k
	}
	return f
}

var scontrolKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_/:]*$`)

// expandArray expands an array's task list ("0,2-4,7%2", "1-7:2") into the task indices.
func expandArray(s string) []int {
	s, _, _ = strings.Cut(s, "%")
	var out []int
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		rng, stepS, _ := strings.Cut(part, ":")
		step := 1
		if stepS != "" {
			if n, err := strconv.Atoi(stepS); err == nil && n > 0 {
				step = n
			}
		}
		a, b, isRange := strings.Cut(rng, "-")
		lo, err := strconv.Atoi(a)
		if err != nil {
			continue
		}
		hi := lo
		if isRange {
			if hi, err = strconv.Atoi(b); err != nil {
				continue
			}
		}
		for i := lo; i <= hi && i-lo < 1<<20; i += step {
			out = append(out, i)
		}
	}
	return out
}

// arraySpec writes sorted task indices as an --array list with ranges ("0-3,5,7-9").
func arraySpec(ids []int) string {
	var parts []string
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(ids[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", ids[i], ids[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// logTail returns the last n non-empty lines of a file (none if it cannot be read).
func logTail(path string, n int) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if len(data) > 64<<10 {
		data = data[len(data)-64<<10:]
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		// A progress report's carriage returns: keep the last state of the line.
		if k := strings.LastIndexByte(strings.TrimRight(l, "\r"), '\r'); k >= 0 {
			l = l[k+1:]
		}
		if l = strings.TrimRight(l, "\r "); l != "" {
			lines = append(lines, l)
		}
	}
	return lines[max(0, len(lines)-n):]
}

// shQuote quotes a string for the shell.
func shQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+:=@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Table writes the status as text: the recorded jobs, one line per run with its Slurm task and
// state, the log of a failed task and its last lines, then the totals.
func (s *SlurmStatus) Table() string {
	if len(s.Jobs) == 0 {
		return s.Status.Table()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sweep %s (scale %s, shard %s): %s\n", s.Name, s.Scale, s.Shard, s.Out)
	for _, j := range s.Jobs {
		note := ""
		if j.SweepHash != "" && j.SweepHash != s.Hash {
			note = " (submitted with another declaration of the sweep: its tasks may run other runs)"
		}
		fmt.Fprintf(&b, "slurm job %s: %d tasks, submitted %s; logs %s%s\n", j.JobID, len(j.Tasks), j.Submitted, j.Logs, note)
	}
	if s.Warning != "" {
		fmt.Fprintf(&b, "slurm: %s\n", s.Warning)
	}
	w := 2
	for _, r := range s.Runs {
		w = max(w, len(r.ID))
	}
	for _, r := range s.Runs {
		detail := r.detail()
		task := "-"
		var tail []string
		if ts := s.Tasks[r.ID]; ts != nil {
			task = fmt.Sprintf("%s_%d %s", ts.JobID, ts.Task, first(ts.State, "(ended)"))
			if ts.Reason != "" && ts.State == "PENDING" {
				task += " (" + ts.Reason + ")"
			}
			switch {
			case r.State == Failed || slices.Contains(FailedSlurmStates, ts.State):
				detail += "; log " + ts.Log
				tail = ts.LogTail
			case r.State != Done && ts.State == "":
				if _, err := os.Stat(ts.Log); err == nil {
					detail += "; last log " + ts.Log
				}
			}
		}
		fmt.Fprintf(&b, "  %3d  %-*s  %-8s  %-24s  %s\n", r.Index, w, r.ID, r.State, task, detail)
		for _, l := range tail {
			fmt.Fprintf(&b, "         | %s\n", l)
		}
	}
	var parts []string
	for _, st := range States {
		parts = append(parts, fmt.Sprintf("%d %s", s.Totals[st], st))
	}
	fmt.Fprintf(&b, "total %d: %s\n", len(s.Runs), strings.Join(parts, ", "))
	if len(s.Undeclared) > 0 {
		fmt.Fprintf(&b, "%d result files no run declares (left alone): %s\n", len(s.Undeclared), strings.Join(s.Undeclared, ", "))
	}
	return b.String()
}
