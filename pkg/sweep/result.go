package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
)

// Result is the content of a finished run's result file OUT/runs/ID.json. Everything but
// Provenance is a function of the configuration (bit for bit on the pure-Go backend): a run
// trained in one go, or killed and resumed any number of times, gives the same bytes there.
type Result struct {
	// Sweep is the sweep's name, ID and Index the run's id and position.
	Sweep string `json:"sweep"`
	ID    string `json:"id"`
	Index int    `json:"index"`
	// Scale is the sweep's scale.
	Scale scale.Scale `json:"scale"`
	// ConfigHash is ConfigHash(Config): a result with the hash of a run's declared
	// configuration is that run's, finished.
	ConfigHash string `json:"config_hash"`
	// Config is the training configuration (data.dir left out: it depends on the machine).
	Config training.Config `json:"config"`
	// Training summarizes the training history.
	Training TrainingSummary `json:"training"`
	// Evals holds the metrics of each evaluation, by name.
	Evals map[string]*Metrics `json:"evals"`
	// Provenance says where, when and with what the result was computed.
	Provenance Provenance `json:"provenance"`
}

// TrainingSummary is the part of the training history a result keeps.
type TrainingSummary struct {
	// Epochs is the number of kept epochs, EpochsRun all epochs trained (roll-backs included),
	// Rollbacks the number of roll-backs.
	Epochs    int `json:"epochs"`
	EpochsRun int `json:"epochs_run"`
	Rollbacks int `json:"rollbacks"`
	// Best is the kept model (its epoch is the "kept epoch").
	Best training.Best `json:"best"`
	// TrainLoss and TestLoss are the losses of the kept epochs (History).
	TrainLoss []training.JSONFloat `json:"train_loss"`
	TestLoss  []training.JSONFloat `json:"test_loss"`
}

// Metrics are the measurements of one evaluation: the parts of training.Report that its Eval
// asked for. Errors are in field units.
type Metrics struct {
	// Eval is the resolved evaluation.
	Eval Eval `json:"eval"`
	// Checkpoint describes the evaluated weights (File is the file's base name).
	Checkpoint training.CheckpointInfo `json:"checkpoint"`
	// Data describes the evaluated examples.
	Data training.DataInfo `json:"data"`
	// Loss is the training loss over the examples and MAE the mean absolute error.
	Loss training.JSONFloat `json:"loss"`
	MAE  training.JSONFloat `json:"mae"`
	// Regions and RegionMeans: MetricRegions.
	Regions     []training.RegionResult `json:"regions,omitempty"`
	RegionMeans []training.RegionMean   `json:"region_means,omitempty"`
	// Residual: MetricResidual.
	Residual *metrics.ResidualSummary `json:"residual,omitempty"`
	// Slices and SliceAggregate: MetricSlices.
	Slices         []training.SliceResult         `json:"slices,omitempty"`
	SliceAggregate *training.SliceAggregateResult `json:"slice_aggregate,omitempty"`
	// PDF: MetricPDF.
	PDF *training.PDFResult `json:"pdf,omitempty"`
}

// Provenance records how a result was computed. It is the only part of a Result that differs
// between two computations of the same run.
type Provenance struct {
	// SweepHash is the sweep declaration's hash when the run finished.
	SweepHash string `json:"sweep_hash"`
	// Commit is the code's git commit ("+dirty" with uncommitted changes; "unknown" if none).
	Commit string `json:"commit"`
	// Backend describes the backend and device that trained and evaluated the model.
	Backend string `json:"backend"`
	// Go is the Go version, Host the machine's name.
	Go   string `json:"go"`
	Host string `json:"host"`
	// Date is when the result was written (RFC 3339, UTC).
	Date string `json:"date"`
	// TrainSeconds is the training time over all sessions of the run, EvalSeconds the time of
	// the evaluations, Elapsed their sum.
	TrainSeconds float64 `json:"train_s"`
	EvalSeconds  float64 `json:"eval_s"`
	Elapsed      float64 `json:"elapsed_s"`
}

// KeptEpoch returns the epoch of the kept model.
func (r *Result) KeptEpoch() int { return r.Training.Best.Epoch }

// ReadResult reads a result file.
func ReadResult(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: not a sweep result: %w", path, err)
	}
	if r.ID == "" || r.ConfigHash == "" {
		return nil, fmt.Errorf("%s: not a sweep result (no id or config_hash)", path)
	}
	return &r, nil
}

// JSON returns the result as JSON with one line per top-level field and per evaluation, so that
// the file stays small and its diffs readable.
func (r *Result) JSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n")
	field := func(key string, v any, last bool) error {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("sweep: encoding the result's %s: %w", key, err)
		}
		fmt.Fprintf(&b, "  %q: %s", key, data)
		if !last {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		return nil
	}
	for _, f := range []struct {
		key string
		v   any
	}{{"sweep", r.Sweep}, {"id", r.ID}, {"index", r.Index}, {"scale", r.Scale}, {"config_hash", r.ConfigHash},
		{"config", r.Config}, {"training", r.Training}} {
		if err := field(f.key, f.v, false); err != nil {
			return nil, err
		}
	}
	b.WriteString("  \"evals\": {")
	names := make([]string, 0, len(r.Evals))
	for name := range r.Evals {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		data, err := json.Marshal(r.Evals[name])
		if err != nil {
			return nil, fmt.Errorf("sweep: encoding the result's evaluation %q: %w", name, err)
		}
		sep := ","
		if i == len(names)-1 {
			sep = "\n  "
		}
		fmt.Fprintf(&b, "\n    %q: %s%s", name, data, sep)
	}
	b.WriteString("},\n")
	if err := field("provenance", r.Provenance, true); err != nil {
		return nil, err
	}
	b.WriteString("}\n")
	if !json.Valid(b.Bytes()) { // cannot happen
		return nil, fmt.Errorf("sweep: the encoding of result %s is not valid JSON", r.ID)
	}
	return b.Bytes(), nil
}

// matches reports whether the result is that of the planned run: the same configuration (by
// hash, or by the hash of its recorded configuration read with the present code, so that a field
// added to training.Config since does not orphan it) and every declared evaluation present.
func (r *Result) matches(p *Planned) (sameConfig, complete bool) {
	sameConfig = r.ConfigHash == p.Hash || ConfigHash(r.Config) == p.Hash
	if !sameConfig {
		return false, false
	}
	for _, e := range p.Evals {
		m, ok := r.Evals[e.Name]
		if !ok || m.Eval.Split != e.Split || m.Eval.Checkpoint != e.Checkpoint || !containsAll(m.Eval.Metrics, e.Metrics) {
			return true, false
		}
	}
	return true, true
}

// extendedBy reports whether the planned run continues the run of this result: the same
// configuration except for more epochs. Such a result is superseded when the run finishes, and
// the run resumes from the shorter run's checkpoints when the work directory has them
// (Plan.AdoptShorter) instead of starting over.
func (r *Result) extendedBy(p *Planned) bool { return shorterOf(r.Config, p) }

// shorterOf reports whether c is p's configuration with fewer epochs.
func shorterOf(c training.Config, p *Planned) bool {
	if c.Epochs >= p.Config.Epochs {
		return false
	}
	c.Epochs = p.Config.Epochs
	return ConfigHash(c) == p.Hash
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// metricsOf keeps the parts of a report its evaluation asked for.
func metricsOf(e Eval, rep *training.Report) *Metrics {
	m := &Metrics{Eval: e, Checkpoint: rep.Checkpoint, Data: rep.Data, Loss: rep.Loss, MAE: rep.MAE}
	m.Checkpoint.File = filepath.Base(m.Checkpoint.File)
	for _, name := range e.Metrics {
		switch name {
		case MetricRegions:
			m.Regions, m.RegionMeans = rep.Regions, rep.RegionMeans
		case MetricResidual:
			res := rep.Residual
			m.Residual = &res
		case MetricSlices:
			agg := rep.SliceAggregate
			m.Slices, m.SliceAggregate = rep.Slices, &agg
		case MetricPDF:
			pdf := rep.PDF
			m.PDF = &pdf
		}
	}
	return m
}

// Record is the content of OUT/sweep-record.json: which sweep the results directory belongs to.
type Record struct {
	// Name and Scale identify the sweep the directory belongs to.
	Name  string      `json:"name"`
	Scale scale.Scale `json:"scale"`
	// Hash is the declaration's hash when it was last run, and Declaration the declaration.
	Hash        string          `json:"hash"`
	Declaration json.RawMessage `json:"declaration"`
}

// readRecord reads the record of a results directory; nil when there is none.
func readRecord(out string) (*Record, error) {
	path := filepath.Join(out, RecordFile)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil || rec.Name == "" {
		return nil, fmt.Errorf("%w: %s is not a sweep record (%v); the directory is not a sweep's results directory", ErrConflict, path, err)
	}
	return &rec, nil
}

// checkRecord refuses a results directory that belongs to another sweep.
func (p *Plan) checkRecord() error {
	rec, err := readRecord(p.Out)
	if err != nil || rec == nil {
		return err
	}
	if rec.Name != p.Sweep.Name || rec.Scale != p.Sweep.Scale {
		return fmt.Errorf("%w: the results directory %s holds sweep %q at scale %s, not %q at scale %s: give this sweep another out directory",
			ErrConflict, p.Out, rec.Name, rec.Scale, p.Sweep.Name, p.Sweep.Scale)
	}
	return nil
}

// writeRecord records the sweep in its results directory (when it changed).
func (p *Plan) writeRecord() error {
	if rec, err := readRecord(p.Out); err == nil && rec != nil && rec.Hash == p.Hash {
		return nil
	}
	decl := *p.Sweep
	decl.Out, decl.Work, decl.Data.Dir = "", "", ""
	rec := Record{Name: p.Sweep.Name, Scale: p.Sweep.Scale, Hash: p.Hash, Declaration: json.RawMessage(decl.JSON())}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p.Out, 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(p.Out, RecordFile), append(data, '\n'), atomicfile.DefaultPerm)
}

// provenance fills in what does not depend on the run.
func provenance(sweepHash, backendDesc, out string) Provenance {
	host, _ := os.Hostname()
	return Provenance{SweepHash: sweepHash, Commit: gitCommit(out), Backend: backendDesc, Go: runtime.Version(),
		Host: host, Date: time.Now().UTC().Format(time.RFC3339)}
}

// gitCommit returns the commit the binary was built from (Go's build information), or else the
// commit of the git checkout holding dir, with "+dirty" when it has uncommitted changes, or
// "unknown".
func gitCommit(dir string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if modified == "true" {
				rev += "+dirty"
			}
			return rev
		}
	}
	for ; dir != ""; dir = filepath.Dir(dir) {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		commit += "+dirty"
	}
	return commit
}
