package sweep

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestArraySpec(t *testing.T) {
	for _, tc := range []struct {
		ids  []int
		want string
	}{
		{[]int{0}, "0"},
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{0, 2, 3, 4, 7}, "0,2-4,7"},
		{[]int{1, 3, 5}, "1,3,5"},
	} {
		if got := arraySpec(tc.ids); got != tc.want {
			t.Errorf("arraySpec(%v) = %q, want %q", tc.ids, got, tc.want)
		}
		if got := expandArray(tc.want + "%2"); !slices.Equal(got, tc.ids) {
			t.Errorf("expandArray(%q) = %v, want %v", tc.want, got, tc.ids)
		}
	}
	if got := expandArray("1-7:3"); !slices.Equal(got, []int{1, 4, 7}) {
		t.Errorf("expandArray(1-7:3) = %v", got)
	}
}

// scontrolSample is `scontrol show job -o 15` of Slurm 22.05 for an array of five tasks
// (--array=0-4%2): two ended, one running, two pending together (shortened).
const scontrolSample = `JobId=16 ArrayJobId=15 ArrayTaskId=0 ArrayTaskThrottle=2 JobName=surrogo-tiny UserId=root(0) JobState=COMPLETED Reason=None Dependency=(null) ExitCode=0:0 AllocNode:Sid=localhost:25670 CPUs/Task=1 Command=/w/slurm/tiny.sh WorkDir=/w StdErr=/w/slurm/logs/tiny-15_0.log StdIn=/dev/null StdOut=/w/slurm/logs/tiny-15_0.log Power=
JobId=17 ArrayJobId=15 ArrayTaskId=1 ArrayTaskThrottle=2 JobName=surrogo-tiny UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 Comment=a comment with spaces StdErr=/w/slurm/logs/tiny-15_1.log StdOut=/w/slurm/logs/tiny-15_1.log Power=
JobId=18 ArrayJobId=15 ArrayTaskId=2 ArrayTaskThrottle=2 JobName=surrogo-tiny UserId=root(0) JobState=RUNNING Reason=None ExitCode=0:0 StdOut=/w/slurm/logs/tiny-15_2.log Power=
JobId=15 ArrayJobId=15 ArrayTaskId=3-4%2 ArrayTaskThrottle=2 JobName=surrogo-tiny UserId=root(0) JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0 StdOut=/w/slurm/logs/tiny-15_4294967294.log Power=
`

func TestParseScontrol(t *testing.T) {
	recs := parseScontrol(scontrolSample)
	want := map[int]string{0: "COMPLETED", 1: "FAILED", 2: "RUNNING", 3: "PENDING", 4: "PENDING"}
	if len(recs) != len(want) {
		t.Fatalf("%d tasks, want %d: %v", len(recs), len(want), recs)
	}
	for task, state := range want {
		if recs[task] == nil || recs[task].State != state {
			t.Errorf("task %d: %+v, want %s", task, recs[task], state)
		}
	}
	if r := recs[1]; r.ExitCode != "1:0" || r.StdOut != "/w/slurm/logs/tiny-15_1.log" || r.Reason != "NonZeroExitCode" {
		t.Errorf("task 1: %+v", r)
	}
	f := scontrolFields(strings.Split(scontrolSample, "\n")[1])
	if f["Comment"] != "a comment with spaces" || f["AllocNode:Sid"] != "" {
		t.Errorf("fields: Comment %q", f["Comment"])
	}
	if f := scontrolFields(strings.Split(scontrolSample, "\n")[0]); f["AllocNode:Sid"] != "localhost:25670" || f["CPUs/Task"] != "1" {
		t.Errorf("fields: %v", f)
	}
}

// slurmTestOptions returns options with an executable that exists and the sweep file of dir.
func slurmTestOptions(t *testing.T, dir string) SlurmOptions {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return SlurmOptions{Executable: exe, SweepFile: filepath.Join(dir, "sweep.json")}
}

func TestSlurmOptionsValidate(t *testing.T) {
	base := slurmTestOptions(t, t.TempDir())
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(*SlurmOptions)
		want string
	}{
		{func(o *SlurmOptions) { o.Partition = "gpu; rm -rf" }, "--partition"},
		{func(o *SlurmOptions) { o.Gres = "gpu 1" }, "--gres"},
		{func(o *SlurmOptions) { o.Time = "4h" }, "--time"},
		{func(o *SlurmOptions) { o.Time = "1-2-3" }, "--time"},
		{func(o *SlurmOptions) { o.CPUsPerTask = -1 }, "--cpus-per-task"},
		{func(o *SlurmOptions) { o.MaxParallel = -2 }, "--max-parallel"},
		{func(o *SlurmOptions) { o.Shards = -1 }, "--shards"},
		{func(o *SlurmOptions) { o.Executable = "surrogo" }, "--surrogo"},
		{func(o *SlurmOptions) { o.Executable = "/nonexistent/surrogo" }, "--surrogo"},
		{func(o *SlurmOptions) { o.Executable = os.TempDir() }, "--surrogo"},
		{func(o *SlurmOptions) { o.SweepFile = "sweep.json" }, "absolute"},
	} {
		o := base
		tc.edit(&o)
		if err := o.Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an ErrInvalid naming %q", o, err, tc.want)
		}
	}
	for _, good := range []string{"30", "30:00", "4:00:00", "1-00", "2-12:30", "1-00:00:00", "UNLIMITED"} {
		o := base
		o.Time = good
		if err := o.Validate(); err != nil {
			t.Errorf("--time %s: %v", good, err)
		}
	}
}

// TestSlurmScript: the job array of the runs not done, one task per run or per shard, with the
// requested resources; a run left to an active task is not submitted again.
func TestSlurmScript(t *testing.T) {
	dir := t.TempDir()
	sw := tinySweep(t, dir, "a", "b", "c", "d", "e")
	sw.Base = dir
	p, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	// Run b is done.
	if _, err := p.Run(context.Background(), Options{Backend: goBackend(t), Shard: Shard{I: 1, N: 5}}); err != nil {
		t.Fatal(err)
	}
	opt := slurmTestOptions(t, dir)
	opt.Executable = filepath.Join(dir, "my tools", "surrogo") // quoted in the script
	os.Mkdir(filepath.Dir(opt.Executable), 0o755)
	os.WriteFile(opt.Executable, []byte("#!/bin/sh\n"), 0o755)
	opt.Partition, opt.Gres, opt.CPUsPerTask, opt.Time, opt.MaxParallel = "gpu", "gpu:1", 8, "4:00:00", 2
	sub, err := p.PrepareSlurm(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#!/bin/bash\n", "#SBATCH --job-name=surrogo-tiny\n", "#SBATCH --array=0,2-4%2\n",
		"#SBATCH --output=" + filepath.Join(p.Work, "slurm", "logs", "tiny-%A_%a.log") + "\n",
		"#SBATCH --partition=gpu\n", "#SBATCH --gres=gpu:1\n", "#SBATCH --cpus-per-task=8\n", "#SBATCH --time=4:00:00\n",
		"#SBATCH --chdir=" + dir + "\n", "#   task 2: c\n",
		"exec '" + opt.Executable + "' sweep run " + filepath.Join(dir, "sweep.json") + ` --shard "$SLURM_ARRAY_TASK_ID/5"`,
	} {
		if !strings.Contains(sub.Script, want) {
			t.Errorf("the script lacks %q:\n%s", want, sub.Script)
		}
	}
	if sub.Done != 1 || len(sub.Tasks) != 4 || sub.Shards != 5 || strings.Contains(sub.Script, "task 1:") {
		t.Errorf("submission %+v", sub)
	}

	// Two shards: shard 1 holds b (done) and d: it runs d.
	opt.Shards, opt.MaxParallel, opt.Partition, opt.Gres, opt.CPUsPerTask, opt.Time = 2, 0, "", "", 0, ""
	sub, err = p.PrepareSlurm(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Array != "0-1" || !strings.Contains(sub.Script, "#   task 0: a c e\n") || !strings.Contains(sub.Script, "#   task 1: d\n") ||
		!strings.Contains(sub.Script, `--shard "$SLURM_ARRAY_TASK_ID/2"`) || strings.Contains(sub.Script, "--partition") ||
		strings.Contains(sub.Script, "--gres") || strings.Contains(sub.Script, "--time") {
		t.Errorf("two shards: %+v\n%s", sub, sub.Script)
	}

	// A recorded job whose task 3 (run d) is running and task 4 (run e) failed: d is not
	// submitted again; e is.
	job := SlurmJob{JobID: "15", Logs: filepath.Join(p.Work, "slurm", "logs", "tiny-%A_%a.log"), Shards: 5,
		Tasks: []SlurmTask{{0, []string{"a"}}, {2, []string{"c"}}, {3, []string{"d"}}, {4, []string{"e"}}}}
	if err := p.recordJob(&job); err != nil {
		t.Fatal(err)
	}
	opt.Scontrol = fakeScontrol(t, `JobId=16 ArrayJobId=15 ArrayTaskId=0 JobState=CANCELLED Reason=None ExitCode=0:15
JobId=17 ArrayJobId=15 ArrayTaskId=3 JobState=RUNNING Reason=None ExitCode=0:0
JobId=18 ArrayJobId=15 ArrayTaskId=4 JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0
JobId=15 ArrayJobId=15 ArrayTaskId=2 JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0
`)
	opt.Shards = 0
	sub, err = p.PrepareSlurm(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Array != "0,4" || !slices.Equal(sub.Active, []string{"c", "d"}) || sub.Warning != "" {
		t.Errorf("with active tasks: array %q, active %v, warning %q", sub.Array, sub.Active, sub.Warning)
	}
}

// fakeScontrol writes a scontrol that prints out for `scontrol show job -o 15` and says that
// other jobs are unknown, as Slurm does for jobs it has forgotten.
func fakeScontrol(t *testing.T, out string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "out"), []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "scontrol")
	script := "#!/bin/sh\n[ \"$4\" = 15 ] && exec cat " + filepath.Join(dir, "out") +
		"\necho 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSlurmStatus: the runs' states joined with their tasks' Slurm states; the log of a failed
// task and its last lines; a forgotten job; a missing scontrol.
func TestSlurmStatus(t *testing.T) {
	dir := t.TempDir()
	p, err := tinySweep(t, dir, "a", "b", "c", "d", "e", "f").Plan()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(context.Background(), Options{Backend: goBackend(t), Shard: Shard{I: 0, N: 6}}); err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(p.Work, "slurm", "logs")
	os.MkdirAll(logs, 0o755)
	os.WriteFile(filepath.Join(logs, "tiny-15_1.log"), []byte("task 1\nprogress 10%\rprogress 100%\n[1/1] b: failed: out of luck\n\n"), 0o644)
	for _, j := range []SlurmJob{
		{JobID: "9", Logs: filepath.Join(logs, "tiny-%A_%a.log"), Shards: 6, Tasks: []SlurmTask{{5, []string{"f"}}}}, // forgotten
		{JobID: "15", Logs: filepath.Join(logs, "tiny-%A_%a.log"), Shards: 6,
			Tasks: []SlurmTask{{0, []string{"a"}}, {1, []string{"b"}}, {2, []string{"c"}}, {3, []string{"d"}}, {4, []string{"e"}}}},
	} {
		if err := p.recordJob(&j); err != nil {
			t.Fatal(err)
		}
	}
	scontrol := fakeScontrol(t, `JobId=16 ArrayJobId=15 ArrayTaskId=0 JobState=COMPLETED Reason=None ExitCode=0:0
JobId=17 ArrayJobId=15 ArrayTaskId=1 JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0 StdOut=`+filepath.Join(logs, "tiny-15_1.log")+`
JobId=18 ArrayJobId=15 ArrayTaskId=2 JobState=RUNNING Reason=None ExitCode=0:0
JobId=19 ArrayJobId=15 ArrayTaskId=3 JobState=CANCELLED Reason=None ExitCode=0:15
JobId=15 ArrayJobId=15 ArrayTaskId=4 JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0
`)
	st, err := p.Status(Shard{})
	if err != nil {
		t.Fatal(err)
	}
	sst, err := p.SlurmStatus(context.Background(), st, scontrol)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]State{"a": Done, "b": Failed, "c": Running, "d": Pending, "e": Pending, "f": Pending}
	for _, r := range sst.Runs {
		if r.State != want[r.ID] {
			t.Errorf("run %s: %s, want %s", r.ID, r.State, want[r.ID])
		}
	}
	if sst.Totals[Done] != 1 || sst.Totals[Failed] != 1 || sst.Totals[Running] != 1 || sst.Totals[Pending] != 3 {
		t.Errorf("totals %v", sst.Totals)
	}
	if ts := sst.Tasks["b"]; ts == nil || ts.ExitCode != "1:0" || !slices.Equal(ts.LogTail, []string{"task 1", "progress 100%", "[1/1] b: failed: out of luck"}) {
		t.Errorf("task of b: %+v", ts)
	}
	if ts := sst.Tasks["f"]; ts == nil || ts.State != "" || ts.Log != filepath.Join(logs, "tiny-9_5.log") {
		t.Errorf("task of f (job forgotten by Slurm): %+v", ts)
	}
	table := sst.Table()
	for _, want := range []string{"slurm job 15: 5 tasks", "15_1 FAILED", "log " + filepath.Join(logs, "tiny-15_1.log"),
		"| [1/1] b: failed: out of luck", "15_4 PENDING (JobArrayTaskLimit)", "15_3 CANCELLED", "9_5 (ended)",
		"total 6: 1 done, 1 running, 3 pending, 1 failed, 0 conflict"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}

	// Without scontrol: the files' states and a warning.
	st, _ = p.Status(Shard{})
	sst, err = p.SlurmStatus(context.Background(), st, filepath.Join(dir, "no-scontrol"))
	if err != nil || !strings.Contains(sst.Warning, "not found") || sst.Totals[Pending] != 5 || !strings.Contains(sst.Table(), "slurm: ") {
		t.Errorf("without scontrol: %v, warning %q, totals %v", err, sst.Warning, sst.Totals)
	}
}
