package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/surrogo/surrogo/pkg/sweep"
)

// surrogoMainEnv makes the test binary behave as the surrogo command (its arguments are surrogo's):
// the Slurm tasks of TestSweepSubmitSlurm run the test binary, which "sweep submit" names as the
// binary to run (os.Executable), with this variable in the environment sbatch passes on.
const surrogoMainEnv = "SURROGO_TEST_AS_SURROGO"

func init() {
	if os.Getenv(surrogoMainEnv) == "1" {
		os.Exit(run(os.Args[1:]))
	}
}

// slurmRuns are the runs of the Slurm test: four smoke-scale ED-CNNs of 20 training examples,
// 5 epochs each (about a second each on one core).
const slurmRuns = `    {"id": "r0", "codename": "80E1", "set": {"seed": 1, "epochs": 5}},
    {"id": "r1", "codename": "80E1", "set": {"seed": 2, "epochs": 5}},
    {"id": "r2", "codename": "40E1", "set": {"seed": 3, "epochs": 5}},
    {"id": "r3", "codename": "80E1", "set": {"seed": 4, "epochs": 5, "optimizer": {"learning_rate": 0.001}}}`

var slurmRunIDs = []string{"r0", "r1", "r2", "r3"}

// TestSweepSubmitSlurm runs sweeps on a real one-node Slurm cluster that it starts (Debian's
// slurm-wlm and munge, installed if missing; everything in a temporary directory, traffic on
// 127.0.0.1) and stops: a job array of four tasks to completion, with the results of a local run;
// a job array cancelled mid-run with scancel and submitted again, finishing without retraining
// the finished runs; a task that fails, shown failed by sweep status with its log; and a last
// submission that resumes the failed run from its checkpoint.
func TestSweepSubmitSlurm(t *testing.T) {
	start := time.Now()
	c := startSlurm(t)
	t.Logf("one-node Slurm cluster up in %s (node %s)", time.Since(start).Round(time.Millisecond), c.node)
	t.Setenv("GOMLX_BACKEND", "goext") // the deterministic pure-Go backend, in the tasks too
	cache := smokeCache(t)
	dir := t.TempDir()

	// The reference: the sweep run locally.
	ref := writeSweep(t, filepath.Join(dir, "ref"), "slurm", cache, slurmRuns)
	t0 := time.Now()
	if code, out, stderr := runSweepCLI(t, "sweep", "run", ref, "--quiet"); code != 0 {
		t.Fatalf("local sweep: exit %d\n%s%s", code, out, stderr)
	}
	local := time.Since(t0)
	t.Setenv(surrogoMainEnv, "1") // for the tasks: sbatch passes the environment on

	sameAsLocal := func(name string) {
		t.Helper()
		for _, id := range slurmRunIDs {
			a := withoutProvenance(t, filepath.Join(dir, "ref", "out", "runs", id+".json"))
			b := withoutProvenance(t, filepath.Join(dir, name, "out", "runs", id+".json"))
			if a != b {
				t.Errorf("sweep %s, run %s: the result differs from the local run's:\n%s\n%s", name, id, a, b)
			}
		}
	}

	// 1. A job array of four tasks, one per run, to completion: the local run's results.
	t0 = time.Now()
	a := writeSweep(t, filepath.Join(dir, "a"), "slurm", cache, slurmRuns)
	code, out, stderr := runSweepCLI(t, "sweep", "submit", "--slurm", a, "--cpus-per-task", "1", "--time", "10:00", "--wait")
	t.Logf("sweep submit --wait (%s):\n%s%s", time.Since(t0).Round(time.Millisecond), out, stderr)
	if code != 0 || !strings.Contains(out, "4 array tasks (--array=0-3)") || !strings.Contains(out, "completed") {
		t.Fatalf("submit: exit %d", code)
	}
	sameAsLocal("a")
	code, out, _ = runSweepCLI(t, "sweep", "status", a)
	t.Logf("status:\n%s", out)
	if code != 0 || !strings.Contains(out, "total 4: 4 done") || strings.Count(out, " COMPLETED ") != 4 {
		t.Errorf("status after the job: exit %d", code)
	}
	code, out, _ = runSweepCLI(t, "sweep", "submit", "--slurm", a)
	if code != 0 || !strings.Contains(out, "nothing to submit: 4 of 4 runs done") {
		t.Errorf("submitting a finished sweep: exit %d\n%s", code, out)
	}

	// 2. Cancelled mid-run: two tasks at a time; scancel once a run is done and another one has
	// trained an epoch. A run of a few seconds can finish between the moment it is seen mid-run
	// and the moment Slurm's signal reaches it (on a loaded machine): then the cancellation is
	// tried again on a fresh copy of the sweep, up to three times.
	t0 = time.Now()
	var (
		b, mid string // the sweep file, and a run cancelled after an epoch
		pb     *sweep.Plan
		st     *sweep.Status
	)
	for attempt := 1; ; attempt++ {
		var job sweep.SlurmJob
		b, pb, job, mid = submitAndCatchMidRun(t, c, filepath.Join(dir, fmt.Sprintf("b%d", attempt)), cache)
		c.command(t, "scancel", job.JobID)
		if err := pb.WaitSlurm(context.Background(), &job, "", nil); err == nil || !strings.Contains(err.Error(), "CANCELLED") {
			t.Errorf("waiting for the cancelled job: %v", err)
		}
		var err error
		if st, err = pb.Status(sweep.Shard{}); err != nil {
			t.Fatal(err)
		}
		caught := true
		for _, r := range st.Runs {
			if r.ID == mid && r.State == sweep.Done {
				caught = false
			}
		}
		if caught {
			// The cancelled task of the mid-run run received SIGTERM and saved its state.
			for _, task := range job.Tasks {
				if task.Runs[0] == mid {
					if log, err := os.ReadFile(job.Log(task.Task)); err != nil || !strings.Contains(string(log), "paused") {
						t.Errorf("the log of the cancelled task of %s should say that the sweep paused: %v\n%s", mid, err, log)
					}
				}
			}
			break
		}
		if attempt == 3 {
			t.Fatalf("three times, run %s finished before the cancellation reached it", mid)
		}
		t.Logf("attempt %d: run %s finished before the cancellation reached it; again", attempt, mid)
	}
	finished := map[string][]byte{} // the runs done before the cancellation, their result files' bytes
	for _, r := range st.Runs {
		if r.State == sweep.Done {
			finished[r.ID], _ = os.ReadFile(r.Result)
		}
	}
	code, out, _ = runSweepCLI(t, "sweep", "status", b)
	t.Logf("cancelled after %s; run %s mid-run; status:\n%s", time.Since(t0).Round(time.Millisecond), mid, out)
	if code != 0 || !strings.Contains(out, "CANCELLED") || strings.Contains(out, " failed ") || len(finished) == 0 || len(finished) == 4 {
		t.Errorf("status after scancel: exit %d, %d runs done", code, len(finished))
	}

	// 3. Submitted again with the mid-run run made to fail (its work directory replaced by a
	// file): the other runs finish, the failed task is reported with its log.
	var slot string
	for _, r := range pb.Runs {
		if r.ID == mid {
			slot = r.Slot
		}
	}
	if err := os.Rename(slot, slot+".aside"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(slot, []byte("not a directory\n"), 0o644)
	t0 = time.Now()
	code, out, stderr = runSweepCLI(t, "sweep", "submit", "--slurm", b, "--wait")
	t.Logf("resubmission with a failing run (%s):\n%s%s", time.Since(t0).Round(time.Millisecond), out, stderr)
	want := submitPlural(4-len(finished), "array task") + " (--array="
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "FAILED") || !strings.Contains(out, "1 of "+strconv.Itoa(4-len(finished))+" tasks did not complete") {
		t.Errorf("resubmission: exit %d, want 1 and %q", code, want)
	}
	code, out, _ = runSweepCLI(t, "sweep", "status", b)
	t.Logf("status:\n%s", out)
	var failedLine string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), mid[1:]+"  "+mid+" ") { // "  0  r0  failed ..."
			failedLine = l
		}
	}
	if code != 0 || !strings.Contains(failedLine, " failed ") || !strings.Contains(failedLine, "FAILED") ||
		!strings.Contains(failedLine, "log "+filepath.Join(pb.Work, "slurm", "logs")) || !strings.Contains(out, "| ") ||
		!strings.Contains(out, "not a directory") || !strings.Contains(out, "total 4: 3 done, 0 running, 0 pending, 1 failed") {
		t.Errorf("status with a failed task: exit %d; line of %s: %q", code, mid, failedLine)
	}
	code, out, _ = runSweepCLI(t, "sweep", "status", b, "--json")
	var sst sweep.SlurmStatus
	if err := json.Unmarshal([]byte(out), &sst); err != nil || code != 0 || sst.Status == nil || len(sst.Jobs) != 2 {
		t.Fatalf("status --json: exit %d, %v\n%s", code, err, out)
	}
	if ts := sst.Tasks[mid]; ts == nil || ts.State != "FAILED" || len(ts.LogTail) == 0 || sst.Totals[sweep.Failed] != 1 {
		t.Errorf("status --json of %s: %+v", mid, ts)
	} else if log, err := os.ReadFile(ts.Log); err != nil || !strings.Contains(string(log), "not a directory") {
		t.Errorf("the failed task's log %s: %v\n%s", ts.Log, err, log)
	}

	// 4. Repaired and submitted again: only the failed run, resumed from its checkpoint.
	os.Remove(slot)
	if err := os.Rename(slot+".aside", slot); err != nil {
		t.Fatal(err)
	}
	t0 = time.Now()
	code, out, stderr = runSweepCLI(t, "sweep", "submit", "--slurm", b, "--wait")
	t.Logf("last resubmission (%s):\n%s%s", time.Since(t0).Round(time.Millisecond), out, stderr)
	if code != 0 || !strings.Contains(out, "1 array task (--array=") || !strings.Contains(out, "3 runs done before") {
		t.Errorf("last resubmission: exit %d", code)
	}
	jobs, _ := pb.SlurmJobs()
	last := jobs[len(jobs)-1]
	if log, _ := os.ReadFile(last.Log(last.Tasks[0].Task)); len(jobs) != 3 || !strings.Contains(string(log), mid+": training") ||
		strings.Contains(string(log), "(0/5 epochs done)") {
		t.Errorf("the last task (%v) should resume %s from its checkpoint; its log:\n%s", last.Tasks, mid, log)
	}
	for id, data := range finished {
		now, _ := os.ReadFile(filepath.Join(pb.Out, "runs", id+".json"))
		if !bytes.Equal(now, data) {
			t.Errorf("run %s, done before the cancellation, was written again", id)
		}
		for _, j := range jobs[1:] {
			for _, task := range j.Tasks {
				if strings.Contains(" "+strings.Join(task.Runs, " ")+" ", " "+id+" ") {
					t.Errorf("run %s, done before the cancellation, was submitted again in job %s", id, j.JobID)
				}
			}
		}
	}
	sameAsLocal(filepath.Base(filepath.Dir(b)))
	code, out, _ = runSweepCLI(t, "sweep", "status", b)
	if code != 0 || !strings.Contains(out, "total 4: 4 done") {
		t.Errorf("final status: exit %d\n%s", code, out)
	}
	t.Logf("local sweep %s; the whole test %s", local.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// submitAndCatchMidRun writes the Slurm test's sweep into dir, submits it two tasks at a time, and
// returns once a run is done and another one has trained an epoch but not finished: the sweep
// file, its plan, the job and the mid-run run.
func submitAndCatchMidRun(t *testing.T, c *slurmCluster, dir, cache string) (string, *sweep.Plan, sweep.SlurmJob, string) {
	t.Helper()
	b := writeSweep(t, dir, "slurm", cache, slurmRuns)
	pb := loadPlan(t, b)
	code, out, stderr := runSweepCLI(t, "sweep", "submit", "--slurm", b, "--max-parallel", "2")
	if code != 0 || !strings.Contains(out, "--array=0-3%2") {
		t.Fatalf("submit: exit %d\n%s%s", code, out, stderr)
	}
	jobs, err := pb.SlurmJobs()
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs.json: %v %v", jobs, err)
	}
	var mid string
	for deadline := time.Now().Add(60 * time.Second); mid == ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no run was seen done while another one was mid-run\n%s", c.logs())
		}
		st, err := pb.Status(sweep.Shard{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Totals[sweep.Done] == 0 {
			continue
		}
		for _, r := range st.Runs {
			if r.State == sweep.Running && r.EpochsDone >= 1 && r.EpochsDone < r.Epochs {
				mid = r.ID
			}
		}
		if st.Totals[sweep.Done] == 4 {
			t.Fatal("the sweep finished before it could be cancelled mid-run")
		}
	}
	return b, pb, jobs[0], mid
}

// loadPlan loads and plans a sweep file.
func loadPlan(t *testing.T, file string) *sweep.Plan {
	t.Helper()
	sw, err := sweep.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sw.Plan()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// slurmCluster is a one-node Slurm cluster of the test: munged, slurmctld and slurmd with their
// configuration, state, key and socket in dir.
type slurmCluster struct {
	dir, conf, node string
	daemons         []*exec.Cmd
}

// slurmCommands are the programs the test needs, and the Debian packages that hold them.
var slurmCommands = map[string]string{"munged": "munge", "slurmctld": "slurmctld", "slurmd": "slurmd",
	"sbatch": "slurm-client", "scontrol": "slurm-client", "scancel": "slurm-client", "sinfo": "slurm-client", "squeue": "slurm-client"}

// slurmPath finds a program of Slurm or munge (the daemons are in /usr/sbin, which a user's PATH
// may lack).
func slurmPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin", "/sbin"} {
		if fi, err := os.Stat(filepath.Join(d, name)); err == nil && fi.Mode()&0o111 != 0 {
			return filepath.Join(d, name)
		}
	}
	return ""
}

// ensureSlurm installs Debian's slurm-wlm and munge when a program is missing; it skips the test,
// saying why, only when they cannot be installed.
func ensureSlurm(t *testing.T) {
	var missing []string
	for name := range slurmCommands {
		if slurmPath(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return
	}
	slices.Sort(missing)
	if os.Geteuid() != 0 {
		t.Skipf("Slurm is not installed (%s missing) and installing it needs root: apt-get install slurm-wlm munge", strings.Join(missing, ", "))
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skipf("Slurm is not installed (%s missing) and there is no apt-get to install it", strings.Join(missing, ", "))
	}
	t.Logf("installing slurm-wlm and munge (%s missing)", strings.Join(missing, ", "))
	install := func() ([]byte, error) {
		cmd := exec.Command("apt-get", "install", "-y", "-q", "--no-install-recommends", "slurm-wlm", "munge")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	out, err := install()
	if err != nil {
		upd, uerr := exec.Command("apt-get", "update", "-q").CombinedOutput()
		if uerr != nil {
			t.Skipf("Slurm cannot be installed: apt-get install: %v; apt-get update: %v\n%s\n%s", err, uerr, out, upd)
		}
		if out, err = install(); err != nil {
			t.Skipf("Slurm cannot be installed: apt-get install slurm-wlm munge: %v\n%s", err, out)
		}
	}
	for name := range slurmCommands {
		if slurmPath(name) == "" {
			t.Fatalf("apt-get installed slurm-wlm and munge, but %s is still missing", name)
		}
	}
}

// freePorts returns n TCP ports free on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// startSlurm starts a one-node cluster and points SLURM_CONF at it for the test; the cleanup
// cancels every job, stops the daemons and every process left of the cluster, and checks that
// none survives.
func startSlurm(t *testing.T) *slurmCluster {
	ensureSlurm(t)
	if os.Geteuid() != 0 {
		t.Skip("the one-node Slurm cluster runs slurmd, which needs root")
	}
	dir, err := os.MkdirTemp("", "slurm") // short: the munge socket's path must fit a sockaddr
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	c := &slurmCluster{dir: dir, conf: filepath.Join(dir, "slurm.conf"), node: strings.Split(host, ".")[0]}
	t.Cleanup(func() { c.stop(t) })
	for _, d := range []string{"munge", "state", "spool", "logs"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(dir, "munge"), 0o711) // munged wants its socket's directory so
	key := make([]byte, 1024)
	rand.Read(key)
	if err := os.WriteFile(filepath.Join(dir, "munge", "key"), key, 0o400); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "munge", "socket")
	c.daemon(t, "munged", "--foreground", "--socket="+socket, "--key-file="+filepath.Join(dir, "munge", "key"),
		"--pid-file="+filepath.Join(dir, "munge", "pid"), "--seed-file="+filepath.Join(dir, "munge", "seed"), "--origin=127.0.0.1")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(socket); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("munged did not create its socket\n%s", c.logs())
		}
	}
	ports := freePorts(t, 2)
	conf := fmt.Sprintf(`# A one-node cluster of TestSweepSubmitSlurm.
ClusterName=surrogotest
SlurmctldHost=%[1]s(127.0.0.1)
SlurmctldPort=%[2]d
SlurmdPort=%[3]d
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=%[4]s
StateSaveLocation=%[5]s/state
SlurmdSpoolDir=%[5]s/spool
SlurmctldPidFile=%[5]s/slurmctld.pid
SlurmdPidFile=%[5]s/slurmd.pid
SlurmctldLogFile=%[5]s/logs/slurmctld.log
SlurmdLogFile=%[5]s/logs/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MinJobAge=600
KillWait=5
SlurmdParameters=config_overrides
NodeName=%[1]s NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN
PartitionName=debug Nodes=%[1]s Default=YES MaxTime=INFINITE State=UP
`, c.node, ports[0], ports[1], socket, dir)
	if err := os.WriteFile(c.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLURM_CONF", c.conf) // every client command (sbatch, scontrol, scancel) reads it
	c.daemon(t, "slurmctld", "-D", "-f", c.conf)
	c.daemon(t, "slurmd", "-D", "-f", c.conf, "-N", c.node)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out, _ := exec.Command(slurmPath("sinfo"), "--noheader", "--format=%T").Output()
		if strings.TrimSpace(string(out)) == "idle" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node is not idle after 30 s (sinfo: %q)\n%s", out, c.logs())
		}
	}
	return c
}

// daemon starts a daemon of the cluster in the foreground, its output in dir/logs.
func (c *slurmCluster) daemon(t *testing.T, name string, args ...string) {
	t.Helper()
	log, err := os.Create(filepath.Join(c.dir, "logs", name+".out"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(slurmPath(name), args...)
	cmd.Env = append(os.Environ(), "SLURM_CONF="+c.conf)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	c.daemons = append(c.daemons, cmd)
}

// command runs a Slurm client command.
func (c *slurmCluster) command(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(slurmPath(name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// logs returns the last lines of the daemons' logs.
func (c *slurmCluster) logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(c.dir, "logs", "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "== %s\n%s\n", f, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
	return b.String()
}

// stop cancels the jobs, stops the daemons, ends any process left with the cluster's
// configuration in its environment (job steps), and fails the test if one survives.
func (c *slurmCluster) stop(t *testing.T) {
	if len(c.daemons) > 1 {
		scancel := exec.Command(slurmPath("scancel"), "--user="+strconv.Itoa(os.Geteuid()))
		scancel.Env = append(os.Environ(), "SLURM_CONF="+c.conf)
		scancel.Run()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			sq := exec.Command(slurmPath("squeue"), "--noheader", "--format=%i")
			sq.Env = scancel.Env
			if out, err := sq.Output(); err != nil || strings.TrimSpace(string(out)) == "" {
				break
			}
		}
	}
	if t.Failed() {
		t.Logf("the cluster's logs:\n%s", c.logs())
	}
	for i := len(c.daemons) - 1; i >= 0; i-- {
		d := c.daemons[i]
		d.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- d.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not stop on SIGTERM within 10 s: killed", filepath.Base(d.Path))
			d.Process.Kill()
			<-done
		}
	}
	// Job steps (slurmstepd) and tasks inherit SLURM_CONF from slurmd.
	for _, pid := range c.processes() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	time.Sleep(50 * time.Millisecond)
	if left := c.processes(); len(left) > 0 {
		t.Errorf("processes of the cluster still alive after its stop: %v", left)
	}
	os.RemoveAll(c.dir)
}

// processes lists the live processes whose environment holds the cluster's SLURM_CONF.
func (c *slurmCluster) processes() []int {
	want := []byte("SLURM_CONF=" + c.conf + "\x00")
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, want) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && strings.Contains(string(stat), ") Z ") {
			continue // a zombie: gone, not yet reaped
		}
		pids = append(pids, pid)
	}
	return pids
}

// TestSweepSubmitDryRun: --dry-run prints the job-array script and writes nothing; no Slurm needed.
func TestSweepSubmitDryRun(t *testing.T) {
	dir := t.TempDir()
	file := writeSweep(t, dir, "dry", smokeCache(t), slurmRuns)
	code, out, stderr := runSweepCLI(t, "sweep", "submit", "--slurm", file, "--dry-run", "--partition", "gpu", "--gres", "gpu:1",
		"--cpus-per-task", "8", "--time", "1-00:00:00", "--max-parallel", "2")
	exe, _ := os.Executable()
	for _, want := range []string{"#!/bin/bash\n", "#SBATCH --array=0-3%2\n", "#SBATCH --partition=gpu\n", "#SBATCH --gres=gpu:1\n",
		"#SBATCH --cpus-per-task=8\n", "#SBATCH --time=1-00:00:00\n", "#SBATCH --job-name=surrogo-dry\n",
		"#SBATCH --output=" + filepath.Join(dir, "work", "slurm", "logs", "dry-%A_%a.log") + "\n",
		"exec " + exe + " sweep run " + file + ` --shard "$SLURM_ARRAY_TASK_ID/4" --quiet --verbose` + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the script lacks %q", want)
		}
	}
	if code != 0 || stderr != "" || t.Failed() {
		t.Fatalf("exit %d, stderr %q; script:\n%s", code, stderr, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "work", "slurm")); err == nil {
		t.Error("--dry-run wrote WORK/slurm")
	}
	code, out, _ = runSweepCLI(t, "sweep", "submit", "--slurm", file, "--dry-run", "--shards", "3")
	if code != 0 || !strings.Contains(out, "#SBATCH --array=0-2\n") || !strings.Contains(out, "#   task 0: r0 r3\n") ||
		!strings.Contains(out, `--shard "$SLURM_ARRAY_TASK_ID/3"`) {
		t.Errorf("--shards 3: exit %d\n%s", code, out)
	}
	t.Logf("the script of --dry-run:\n%s", out)
}

// TestSweepSubmitBadInput: every bad input exits with status 2 before any work, with one line
// naming it.
func TestSweepSubmitBadInput(t *testing.T) {
	tmp := t.TempDir()
	good := writeSweep(t, filepath.Join(tmp, "good"), "good", smokeCache(t), slurmRuns)
	conflict := writeSweep(t, filepath.Join(tmp, "conflict"), "conflict", smokeCache(t), slurmRuns)
	os.MkdirAll(filepath.Join(tmp, "conflict", "out", "runs"), 0o755)
	os.WriteFile(filepath.Join(tmp, "conflict", "out", "runs", "r1.json"), []byte(`{"id": "r1", "config_hash": "0123"}`), 0o644)
	noPath, oldPath := t.TempDir(), os.Getenv("PATH")
	t.Setenv("PATH", oldPath) // restored at the end whatever happens
	for _, tc := range []struct {
		args []string
		path string // PATH for the case
		want string
	}{
		{args: []string{good, "--dry-run"}, want: "--slurm"},
		{args: []string{"--slurm"}, want: "SWEEP.json"},
		{args: []string{"--slurm", filepath.Join(tmp, "missing.json")}, want: "missing.json"},
		{args: []string{"--slurm", good, good}, want: "unexpected"},
		{args: []string{"--slurm", good, "--time", "4h"}, want: "--time"},
		{args: []string{"--slurm", good, "--gres", "gpu 1"}, want: "--gres"},
		{args: []string{"--slurm", good, "--partition", "a;b"}, want: "--partition"},
		{args: []string{"--slurm", good, "--cpus-per-task", "-1"}, want: "--cpus-per-task"},
		{args: []string{"--slurm", good, "--max-parallel", "-1"}, want: "--max-parallel"},
		{args: []string{"--slurm", good, "--shards", "-1"}, want: "--shards"},
		{args: []string{"--slurm", good, "--shards", "9", "--dry-run"}, want: "--shards"},
		{args: []string{"--slurm", good, "--surrogo", filepath.Join(tmp, "nothing")}, want: "--surrogo"},
		{args: []string{"--slurm", good, "--surrogo", tmp}, want: "--surrogo"},
		{args: []string{"--slurm", good, "--dry-run", "--wait"}, want: "--wait"},
		{args: []string{"--slurm", good}, path: noPath, want: "sbatch not found"},
		{args: []string{"--slurm", conflict, "--dry-run"}, want: "another configuration"},
		{args: []string{"--slurm", good, "--bogus"}, want: "-bogus"},
	} {
		if tc.path != "" {
			os.Setenv("PATH", tc.path)
		}
		code, out, stderr := runSweepCLI(t, append([]string{"sweep", "submit"}, tc.args...)...)
		os.Setenv("PATH", oldPath)
		lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(stderr, tc.want) || !strings.HasPrefix(stderr, "surrogo sweep submit: ") || out != "" {
			t.Errorf("%q: exit %d, stderr %q (want 2 and one line naming %q); output %q", tc.args, code, stderr, tc.want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "good", "work")); err == nil {
		t.Error("a refused submission wrote the work directory")
	}
}
