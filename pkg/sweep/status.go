package sweep

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/training"
)

// State is where a run of a sweep stands.
type State string

// The states of a run.
const (
	// Done: its result file exists with its configuration and every declared evaluation.
	Done State = "done"
	// Running: a live process holds its slot's lock (RunStatus.PID says which, when known).
	Running State = "running"
	// Pending: not finished and not being worked on; RunStatus.EpochsDone says how far its
	// checkpoints go (Run resumes from there).
	Pending State = "pending"
	// Failed: the last attempt failed (RunStatus.Error); Run tries it again.
	Failed State = "failed"
	// Conflict: its result file holds another configuration; Run refuses to overwrite it.
	Conflict State = "conflict"
)

// States lists the states in the order of the totals.
var States = []State{Done, Running, Pending, Failed, Conflict}

// RunStatus is the state of one run.
type RunStatus struct {
	// Index is the run's position in the sweep, ID its id and State where it stands.
	Index int    `json:"index"`
	ID    string `json:"id"`
	State State  `json:"state"`
	// PID is the process holding a running run's slot (0 when the system does not say).
	PID int `json:"pid,omitempty"`
	// Error is the error of a failed run, or what a conflict is about.
	Error string `json:"error,omitempty"`
	// Epochs is the number of epochs of the run, EpochsDone those trained so far (from the
	// result, or from the training history in its slot).
	Epochs     int `json:"epochs"`
	EpochsDone int `json:"epochs_done"`
	// KeptEpoch is the kept model's epoch of a finished run.
	KeptEpoch int `json:"kept_epoch,omitempty"`
	// Note adds detail: "re-evaluate" when a finished training lacks a declared evaluation,
	// "extend from N epochs" when the result file holds the same run with fewer epochs.
	Note string `json:"note,omitempty"`
	// Result is the result file and Slot the run's work directory.
	Result string `json:"result"`
	Slot   string `json:"slot"`
}

// Status is the state of a sweep (or of a shard of it).
type Status struct {
	Name  string      `json:"name"`
	Scale string      `json:"scale"`
	Hash  string      `json:"hash"`
	Shard string      `json:"shard"`
	Out   string      `json:"out"`
	Work  string      `json:"work"`
	Runs  []RunStatus `json:"runs"`
	// Totals counts the runs in each state.
	Totals map[State]int `json:"totals"`
	// Undeclared lists result files in OUT/runs that no run of the sweep declares (left alone).
	Undeclared []string `json:"undeclared,omitempty"`
}

// Finished reports whether every run of the status is done.
func (s *Status) Finished() bool { return s.Totals[Done] == len(s.Runs) }

// Status reports the state of every run of the shard (Shard{} for all). It reads the result
// files, the slots' locks, failure records and histories; it writes nothing. A results directory
// of another sweep is an error wrapping ErrConflict.
func (p *Plan) Status(sh Shard) (*Status, error) {
	if err := p.checkRecord(); err != nil {
		return nil, err
	}
	st := &Status{Name: p.Sweep.Name, Scale: string(p.Sweep.Scale), Hash: p.Hash, Shard: sh.String(), Out: p.Out,
		Work: p.Work, Totals: map[State]int{}}
	for _, s := range States {
		st.Totals[s] = 0
	}
	for _, r := range p.Select(sh) {
		rs := p.runStatus(&r)
		st.Totals[rs.State]++
		st.Runs = append(st.Runs, rs)
	}
	declared := map[string]bool{}
	for _, r := range p.Runs {
		declared[filepath.Base(r.Result)] = true
	}
	if ents, err := os.ReadDir(filepath.Join(p.Out, RunsDir)); err == nil {
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".json") && !declared[e.Name()] {
				st.Undeclared = append(st.Undeclared, e.Name())
			}
		}
	}
	sort.Strings(st.Undeclared)
	return st, nil
}

// runStatus finds the state of one run.
func (p *Plan) runStatus(r *Planned) RunStatus {
	rs := RunStatus{Index: r.Index, ID: r.ID, State: Pending, Epochs: r.Config.Epochs, Result: r.Result, Slot: r.Slot}
	if res, err := ReadResult(r.Result); err == nil {
		same, complete := res.matches(r)
		switch {
		case !same && res.extendedBy(r):
			rs.Note = fmt.Sprintf("extend from %d epochs", res.Training.Epochs)
		case !same:
			rs.State = Conflict
			rs.Error = fmt.Sprintf("%s holds another configuration (hash %.12s, declared %.12s): move it away to train the declared one",
				r.Result, res.ConfigHash, r.Hash)
			return rs
		case complete:
			rs.State, rs.EpochsDone, rs.KeptEpoch = Done, res.Training.Epochs, res.KeptEpoch()
			return rs
		default:
			rs.EpochsDone, rs.Note = res.Training.Epochs, "re-evaluate"
		}
	} else if !os.IsNotExist(err) {
		rs.State, rs.Error = Conflict, err.Error()
		return rs
	}
	if h, err := training.ReadHistory(filepath.Join(r.RunDir, training.HistoryFile)); err == nil && h.Len() > rs.EpochsDone {
		rs.EpochsDone = h.Len()
	} else if err != nil {
		if _, trained := p.shorterSlot(r); trained > 0 {
			rs.EpochsDone = trained // Run continues that training
		}
	}
	if pid, locked := datastore.LockedBy(r.Slot); locked {
		rs.State, rs.PID = Running, pid
		return rs
	}
	if f, err := readFailure(r.Slot); err == nil && f.Hash == r.Hash {
		rs.State, rs.Error = Failed, f.Error
	}
	return rs
}

// Failure is the record of a failed attempt at a run (WORK/runs/ID-HASH/failure.json).
type Failure struct {
	// ID is the run's id, Hash its configuration hash, Error the error (one line) and Date
	// when it happened (RFC 3339, UTC).
	ID    string `json:"id"`
	Hash  string `json:"config_hash"`
	Error string `json:"error"`
	Date  string `json:"date"`
}

func readFailure(slot string) (*Failure, error) {
	data, err := os.ReadFile(filepath.Join(slot, FailureFile))
	if err != nil {
		return nil, err
	}
	var f Failure
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

func writeFailure(r *Planned, err error) error {
	data, _ := json.MarshalIndent(Failure{ID: r.ID, Hash: r.Hash, Error: oneLine(err.Error()),
		Date: time.Now().UTC().Format(time.RFC3339)}, "", "  ")
	return atomicfile.WriteFile(filepath.Join(r.Slot, FailureFile), append(data, '\n'), atomicfile.DefaultPerm)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// Table writes the status as text: one line per run, then the totals.
func (s *Status) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sweep %s (scale %s, shard %s): %s\n", s.Name, s.Scale, s.Shard, s.Out)
	w := 2
	for _, r := range s.Runs {
		w = max(w, len(r.ID))
	}
	for _, r := range s.Runs {
		detail := r.detail()
		fmt.Fprintf(&b, "  %3d  %-*s  %-8s  %s\n", r.Index, w, r.ID, r.State, detail)
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

// detail describes a run's progress on one line: epochs, then the kept epoch, the pid holding it, or
// the error, and any note.
func (r RunStatus) detail() string {
	d := fmt.Sprintf("%d/%d epochs", r.EpochsDone, r.Epochs)
	switch r.State {
	case Done:
		d += fmt.Sprintf(", kept epoch %d", r.KeptEpoch)
	case Running:
		if r.PID > 0 {
			d += fmt.Sprintf(", pid %d", r.PID)
		}
	case Failed, Conflict:
		d += ": " + r.Error
	}
	if r.Note != "" {
		d += " (" + r.Note + ")"
	}
	return d
}
