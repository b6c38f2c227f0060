package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

// Shard selects the runs whose index is I modulo N (0 <= I < N). The zero value selects every run.
type Shard struct {
	// I is the shard's number and N the number of shards.
	I, N int
}

// ParseShard parses "i/n" (0 <= i < n); "" is the whole sweep.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%w: shard %q: want i/n with 0 <= i < n (e.g. 0/2 and 1/2 split a sweep in two)", ErrInvalid, s)
	}
	return Shard{I: i, N: n}, nil
}

// Contains reports whether the run of the given index belongs to the shard.
func (s Shard) Contains(index int) bool { return s.N <= 1 || index%s.N == s.I }

// String returns "i/n", or "all".
func (s Shard) String() string {
	if s.N <= 1 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// Planned is a run of a sweep with its resolved configuration and its files.
type Planned struct {
	// Index is the run's position in the sweep, ID its id.
	Index int
	ID    string
	// Config is the resolved training configuration (data.dir and data.id filled in).
	Config training.Config
	// Hash is the configuration's fingerprint (ConfigHash).
	Hash string
	// Evals are the resolved evaluations (names, splits, checkpoints and metrics filled in).
	Evals []Eval
	// Result is the result file, Slot the run's work directory (locked while a process works on
	// it) and RunDir the training run directory inside it.
	Result, Slot, RunDir string
	// TrainExamples is the size of the training subset (the progress counts epochs times it).
	TrainExamples int
}

// Plan is a sweep resolved against its data set: every run's configuration, hash and files.
type Plan struct {
	// Sweep is the declaration.
	Sweep *Sweep
	// Hash is the declaration's fingerprint (Sweep.Hash).
	Hash string
	// Out and Work are the absolute results and work directories.
	Out, Work string
	// DataDir is the data-set cache and DataSpec its data set; Generate says whether the sweep
	// generates it (a recipe) rather than reading an existing cache.
	DataDir  string
	DataSpec dataset.Spec
	Generate bool
	// Runs are the sweep's runs, in order.
	Runs []Planned
}

// Files and directories of a sweep (see the package documentation).
const (
	RecordFile  = "sweep-record.json"
	RunsDir     = "runs"
	FailureFile = "failure.json"
)

// Plan validates the sweep and resolves every run: its configuration (training.NewConfig from
// the model, codename and scale, or the given config, then the set), its hash, its evaluations and
// its files. It reads the data set's description (a cache's manifest) but no examples, and writes
// nothing. Problems of the declaration are errors wrapping ErrInvalid.
func (s *Sweep) Plan() (*Plan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	p := &Plan{Sweep: s, Hash: s.Hash(), Out: s.resolve(s.Out)}
	if err := p.resolveData(); err != nil {
		return nil, err
	}
	p.Work = s.resolve(s.Work)
	if p.Work == "" {
		p.Work = defaultWork(p.Out, s)
	}
	if p.Generate {
		p.DataDir = filepath.Join(p.Work, "data", p.DataSpec.ID())
	}
	splits, err := p.DataSpec.Split()
	if err != nil {
		return nil, s.invalid("field data: %v", err)
	}
	for i := range s.Runs {
		pr, err := p.resolveRun(i, splits)
		if err != nil {
			return nil, err
		}
		p.Runs = append(p.Runs, pr)
	}
	return p, nil
}

func (p *Plan) resolveData() error {
	s, d := p.Sweep, p.Sweep.Data
	if d.Dir != "" {
		p.DataDir = s.resolve(d.Dir)
		st, err := datastore.Open(p.DataDir)
		if err != nil {
			return s.invalid("field data.dir: %v", err)
		}
		p.DataSpec = st.Spec()
		return nil
	}
	r, _ := dataset.ParseRecipe(d.Recipe)
	spec, err := dataset.New(r, s.Scale, d.Seed)
	if err != nil {
		return s.invalid("field data: %v", err)
	}
	if d.SourceModel != "" {
		spec.Model, _ = solver.ParseSourceModel(d.SourceModel)
	}
	if err := spec.Validate(); err != nil {
		return s.invalid("field data: %v", err)
	}
	p.DataSpec, p.Generate = spec, true
	return nil
}

// defaultWork is the work directory of a sweep that names none.
func defaultWork(out string, s *Sweep) string {
	tail := filepath.Join("sweeps", s.Name, string(s.Scale))
	if root := os.Getenv("SURROGO_CACHE_DIR"); root != "" {
		return filepath.Join(root, tail)
	}
	for d := out; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			bytes.Contains(data, []byte("module github.com/surrogo/surrogo\n")) {
			return filepath.Join(d, ".cache", tail)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if c, err := os.UserCacheDir(); err == nil {
		return filepath.Join(c, "surrogo", tail)
	}
	return filepath.Join(out, ".work")
}

// resolveRun builds the configuration of run i.
func (p *Plan) resolveRun(i int, splits *dataset.Splits) (Planned, error) {
	s := p.Sweep
	r, def := &s.Runs[i], &s.Defaults
	where := fmt.Sprintf("run %q", r.ID)
	bad := func(format string, args ...any) error {
		return s.invalid("%s: %s", where, fmt.Sprintf(format, args...))
	}
	spec := p.DataSpec
	var cfg training.Config
	base := r.Config
	if base == nil && r.Model == "" && r.Codename == "" {
		base = def.Config
	}
	if base != nil {
		cfg = *base
		if cfg.Scale != "" && cfg.Scale != s.Scale {
			return Planned{}, bad("config field scale: %q is not the sweep's scale %q", cfg.Scale, s.Scale)
		}
		cfg.Scale = s.Scale
	} else {
		model, code := first(r.Model, def.Model, models.EDCNN), first(r.Codename, def.Codename)
		var err error
		if cfg, err = training.NewConfig(model, s.Scale, spec.N, code); err != nil {
			return Planned{}, bad("%v", err)
		}
	}
	// The data fields belong to the sweep: a config's own are replaced.
	cfg.Data.Dir, cfg.Data.ID = "", ""
	if len(def.Set) > 0 || len(r.Set) > 0 {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(cfg.JSON()))
		dec.UseNumber() // a seed above 2^53 stays exact
		if err := dec.Decode(&m); err != nil {
			return Planned{}, bad("%v", err)
		}
		m = mergePatch(mergePatch(m, def.Set), r.Set).(map[string]any)
		data, err := json.Marshal(m)
		if err != nil {
			return Planned{}, bad("set: %v", err)
		}
		if cfg, err = training.ParseConfig(data); err != nil {
			return Planned{}, bad("set: %v", strings.TrimPrefix(err.Error(), "training: "))
		}
	}
	if err := cfg.Validate(); err != nil {
		return Planned{}, bad("%v", strings.TrimPrefix(err.Error(), "training: "))
	}
	if cfg.Model.Size != spec.N {
		return Planned{}, bad("config field model.size: %d, but the data set's lattice is %d x %d", cfg.Model.Size, spec.N, spec.N)
	}
	want := map[string]dataset.Recipe{models.EDCNN: dataset.Recipe2023, models.DCNNAE: dataset.Recipe2021}[cfg.Model.Name]
	if want != "" && spec.Recipe != dataset.RecipeCustom && spec.Recipe != want {
		return Planned{}, bad("model %s is the model of the %s paper, but the data set is of the %s recipe", cfg.Model.Name, want, spec.Recipe)
	}
	train, err := splits.Subset(cfg.Data.Train)
	if err != nil {
		return Planned{}, bad("config field data.train: %v", err)
	}
	if _, err := splits.Subset(cfg.Data.Test); err != nil {
		return Planned{}, bad("config field data.test: %v", err)
	}
	cfg.Data.ID = spec.ID()
	cfg.Data.Dir = p.DataDir
	evals := r.Evals
	if len(evals) == 0 {
		evals = def.Evals
	}
	if len(evals) == 0 {
		evals = []Eval{{}}
	}
	var resolved []Eval
	names := map[string]bool{}
	for k, e := range evals {
		e.Split = first(e.Split, cfg.Data.Test)
		e.Name = e.resolvedName(cfg.Data.Test)
		e.Checkpoint = first(e.Checkpoint, "best")
		if len(e.Metrics) == 0 {
			e.Metrics = []string{MetricRegions}
		}
		if names[e.Name] {
			return Planned{}, bad("evals[%d]: two evaluations named %q (give them names)", k, e.Name)
		}
		names[e.Name] = true
		if _, err := splits.Subset(e.Split); err != nil {
			return Planned{}, bad("evals[%d]: split: %v", k, err)
		}
		resolved = append(resolved, e)
	}
	hash := ConfigHash(cfg)
	slot := filepath.Join(p.Work, RunsDir, r.ID+"-"+hash[:12])
	return Planned{
		Index: i, ID: r.ID, Config: cfg, Hash: hash, Evals: resolved,
		Result: filepath.Join(p.Out, RunsDir, r.ID+".json"), Slot: slot, RunDir: filepath.Join(slot, "train"),
		TrainExamples: len(train.Indices),
	}, nil
}

// ConfigHash returns the fingerprint of a training configuration (SHA-256 of its JSON, hex)
// without the fields that do not change what is computed or that depend on the machine
// (data.dir, checkpoint.interval_seconds).
func ConfigHash(cfg training.Config) string {
	cfg.Data.Dir = ""
	cfg.Checkpoint.IntervalSeconds = 0
	return hashBytes(cfg.JSON())
}

// Select returns the runs of the shard.
func (p *Plan) Select(sh Shard) []Planned {
	var out []Planned
	for _, r := range p.Runs {
		if sh.Contains(r.Index) {
			out = append(out, r)
		}
	}
	return out
}

// mergePatch applies a JSON merge patch (RFC 7386) to target.
func mergePatch(target any, patch map[string]any) any {
	if patch == nil {
		return target
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	out := make(map[string]any, len(t))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(out, k)
		case map[string]any:
			out[k] = mergePatch(out[k], pv)
		default:
			out[k] = v
		}
	}
	return out
}

func first(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
