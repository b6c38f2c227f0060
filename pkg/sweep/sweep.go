package sweep

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

// ErrInvalid is wrapped by every error caused by the declaration of a sweep: a file that does not
// parse, an unknown codename or field, duplicate run ids, a bad shard.
var ErrInvalid = errors.New("invalid sweep")

// ErrConflict is wrapped by the errors of Run and Status when finished results would be
// overwritten: the output directory belongs to another sweep, or a run's result file holds
// another configuration.
var ErrConflict = errors.New("conflict with finished results")

// Sweep is the declaration of a list of training runs (see the package documentation for its
// JSON form).
type Sweep struct {
	// Name identifies the sweep (letters, digits, '.', '_' and '-'); a results directory holds
	// the results of one sweep name.
	Name string `json:"name"`
	// Scale is the named scale of every run (training.NewConfig) and of a generated data set.
	Scale scale.Scale `json:"scale"`
	// Out is the results directory (OUT/runs/ID.json), meant to be committed.
	Out string `json:"out"`
	// Work is the directory of checkpoints and generated data (not committed); empty selects the
	// default (see the package documentation).
	Work string `json:"work,omitempty"`
	// Data is the data set every run trains and is tested on.
	Data Data `json:"data"`
	// Defaults apply to every run: its model, codename, configuration, set and evals are used
	// where the run gives none, and the run's set is merged over the defaults' set. Its ID must
	// be empty.
	Defaults RunSpec `json:"defaults,omitzero"`
	// Runs are the runs, in order: a run's index is its position (it decides its shard).
	Runs []RunSpec `json:"runs"`

	// Base is the directory relative paths (Out, Work, Data.Dir) are resolved against: Load
	// sets the sweep file's directory; empty means the working directory.
	Base string `json:"-"`
	// File is the file the sweep was read from (for messages), if any.
	File string `json:"-"`
}

// Data names the data set of a sweep: a paper recipe and seed at the sweep's scale (generated
// when missing), or an existing data-set cache.
type Data struct {
	// Recipe is "2023" or "2021" (dataset.New at the sweep's scale), with Seed.
	Recipe string `json:"recipe,omitempty"`
	Seed   uint64 `json:"seed,omitempty"`
	// SourceModel is "relaxation" (the default, the authors' data) or "clamped".
	SourceModel string `json:"source_model,omitempty"`
	// Dir is an existing data-set cache (made by `surrogo data gen`), instead of a recipe.
	Dir string `json:"dir,omitempty"`
}

// RunSpec declares one run.
type RunSpec struct {
	// ID names the run and its result file (letters, digits, '.', '_', '-' and '+'); unique in
	// the sweep.
	ID string `json:"id,omitempty"`
	// Model is the network: "edcnn" (the default) or "dcnn-ae".
	Model string `json:"model,omitempty"`
	// Codename is a 2023 codename (e.g. "80E1", "4T-5"): the loss, learning rate, epochs at
	// paper scale and training subset (training.NewConfig).
	Codename string `json:"codename,omitempty"`
	// Config is a whole training configuration instead of Model and Codename (its data fields
	// are the sweep's; its scale must be the sweep's or empty).
	Config *training.Config `json:"config,omitempty"`
	// Set changes single fields of the configuration: a JSON merge patch (RFC 7386) of
	// training.Config's JSON, e.g. {"epochs": 5, "model": {"width": 8}}. The data fields and the
	// scale belong to the sweep and cannot be set.
	Set map[string]any `json:"set,omitempty"`
	// Evals lists what is measured after training (default: the kept model on the run's test
	// subset, metric "regions").
	Evals []Eval `json:"evals,omitempty"`
}

// Eval declares one evaluation of a trained run (training.Evaluate).
type Eval struct {
	// Name is the evaluation's key in the result file (default: the split).
	Name string `json:"name,omitempty"`
	// Split is the subset of the data set (default the run's test subset): "test", "train/80",
	// "k07/test", ... (dataset.Splits.Subset).
	Split string `json:"split,omitempty"`
	// Checkpoint is "best" (the kept model; the default) or "last".
	Checkpoint string `json:"checkpoint,omitempty"`
	// Metrics lists the parts of the report kept in the result besides the loss and the MAE
	// (default ["regions"]); see Metrics.
	Metrics []string `json:"metrics,omitempty"`
}

// The metric names of Eval.Metrics: parts of training.Report.
const (
	MetricRegions  = "regions"  // MAE per region per number of sources, and region means (2023)
	MetricResidual = "residual" // residual statistics (2021, Table 2)
	MetricSlices   = "slices"   // residual statistics in slices along y = x (2021, Figs. 8-10)
	MetricPDF      = "pdf"      // field-value densities (2021, Fig. 11)
)

// MetricNames lists the metric names.
var MetricNames = []string{MetricRegions, MetricResidual, MetricSlices, MetricPDF}

var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
)

// Load reads and validates the sweep file path. Relative paths in it are relative to its
// directory.
func Load(path string) (*Sweep, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	sw, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("sweep file %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	sw.Base, sw.File = filepath.Dir(abs), path
	return sw, nil
}

// Parse decodes a sweep from JSON, rejecting unknown fields, and validates it.
func Parse(data []byte) (*Sweep, error) {
	var sw Sweep
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&sw); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, jsonError(data, err))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrInvalid)
	}
	if err := sw.Validate(); err != nil {
		return nil, err
	}
	return &sw, nil
}

// jsonError adds the line and column to a JSON decoding error.
func jsonError(data []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return "not a sweep: " + err.Error()
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Sprintf("not a sweep: line %d, column %d: %v", line, col, err)
}

// invalid formats an error wrapping ErrInvalid, prefixed with the sweep's file or name.
func (s *Sweep) invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Validate reports the first problem of the declaration that can be found without reading the
// data: names, scale, data, duplicate ids, models, codenames, sets and evals. Plan checks the
// resolved configurations.
func (s *Sweep) Validate() error {
	switch {
	case s.Name == "":
		return s.invalid("field name: a sweep name is required")
	case !namePattern.MatchString(s.Name):
		return s.invalid("field name: %q must be letters, digits, '.', '_' or '-'", s.Name)
	case s.Out == "":
		return s.invalid("field out: the results directory is required (e.g. \"figures/%s/%s\")", s.Name, s.Scale)
	}
	if _, err := scale.Parse(string(s.Scale)); err != nil {
		return s.invalid("field scale: %v", err)
	}
	d := s.Data
	switch {
	case d.Dir == "" && d.Recipe == "":
		return s.invalid("field data: give a recipe (\"2023\" or \"2021\") and seed, or the dir of a data-set cache")
	case d.Dir != "" && (d.Recipe != "" || d.Seed != 0 || d.SourceModel != ""):
		return s.invalid("field data: dir and recipe/seed/source_model exclude each other")
	case d.Recipe != "":
		r, err := dataset.ParseRecipe(d.Recipe)
		if err != nil || r == dataset.RecipeCustom {
			return s.invalid("field data.recipe: %q is not a paper recipe (want 2023 or 2021; use dir for other data)", d.Recipe)
		}
		if d.SourceModel != "" {
			if _, err := solver.ParseSourceModel(d.SourceModel); err != nil {
				return s.invalid("field data.source_model: %v", err)
			}
		}
	}
	if s.Defaults.ID != "" {
		return s.invalid("field defaults.id: defaults have no id")
	}
	if err := s.validateRun(&s.Defaults, "defaults"); err != nil {
		return err
	}
	if len(s.Runs) == 0 {
		return s.invalid("field runs: no runs")
	}
	seen := map[string]int{}
	for i := range s.Runs {
		r := &s.Runs[i]
		where := fmt.Sprintf("runs[%d]", i)
		switch {
		case r.ID == "":
			return s.invalid("%s: an id is required", where)
		case !idPattern.MatchString(r.ID):
			return s.invalid("%s: id %q must be letters, digits, '.', '_', '+' or '-'", where, r.ID)
		}
		if j, dup := seen[strings.ToLower(r.ID)]; dup {
			return s.invalid("%s: duplicate run id %q (runs[%d] has it; ids are compared without case)", where, r.ID, j)
		}
		seen[strings.ToLower(r.ID)] = i
		if err := s.validateRun(r, fmt.Sprintf("run %q", r.ID)); err != nil {
			return err
		}
	}
	return nil
}

// forbiddenSet are the configuration fields a run cannot set: they belong to the sweep.
var forbiddenSet = map[string]string{"scale": "the sweep's scale", "codename": "the run's codename field"}

func (s *Sweep) validateRun(r *RunSpec, where string) error {
	if r.Model != "" && !slices.Contains(models.Names(), r.Model) {
		return s.invalid("%s: unknown model %q (want one of %q)", where, r.Model, models.Names())
	}
	if r.Codename != "" {
		if _, err := codename.Parse(r.Codename); err != nil {
			return s.invalid("%s: %v", where, err) // the error names the codename
		}
	}
	if r.Config != nil && (r.Model != "" || r.Codename != "") {
		return s.invalid("%s: config and model/codename exclude each other (change fields of a config with set)", where)
	}
	for k, v := range r.Set {
		if why, bad := forbiddenSet[k]; bad {
			return s.invalid("%s: set.%s: cannot be set (it is %s)", where, k, why)
		}
		if k == "data" {
			m, ok := v.(map[string]any)
			if !ok {
				return s.invalid("%s: set.data: want an object with train and test", where)
			}
			for dk := range m {
				if dk != "train" && dk != "test" {
					return s.invalid("%s: set.data.%s: cannot be set (the sweep's data field decides it)", where, dk)
				}
			}
		}
	}
	names := map[string]bool{}
	for i, e := range r.Evals {
		ew := fmt.Sprintf("%s: evals[%d]", where, i)
		if e.Checkpoint != "" && e.Checkpoint != "best" && e.Checkpoint != "last" {
			return s.invalid("%s: checkpoint %q (want best or last)", ew, e.Checkpoint)
		}
		for _, m := range e.Metrics {
			if !slices.Contains(MetricNames, m) {
				return s.invalid("%s: unknown metric %q (want some of %q)", ew, m, MetricNames)
			}
		}
		name := e.resolvedName("")
		if name != "" && !idPattern.MatchString(strings.ReplaceAll(name, "/", "-")) {
			return s.invalid("%s: name %q must be letters, digits, '/', '.', '_', '+' or '-'", ew, name)
		}
		if names[name] {
			return s.invalid("%s: two evaluations named %q (give them names)", ew, name)
		}
		names[name] = true
	}
	return nil
}

// resolvedName is the evaluation's key: its name, else its split, else the test subset's name.
func (e Eval) resolvedName(test string) string {
	switch {
	case e.Name != "":
		return e.Name
	case e.Split != "":
		return e.Split
	}
	return test
}

// JSON returns the declaration as indented JSON.
func (s *Sweep) JSON() []byte {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil { // cannot happen for a parsed sweep; a Set holding a channel would
		panic(err)
	}
	return append(data, '\n')
}

// Hash returns a fingerprint of the declaration (SHA-256, hex) that does not depend on where it
// lives: the paths (out, work, data.dir) are left out.
func (s *Sweep) Hash() string {
	c := *s
	c.Out, c.Work, c.Data.Dir = "", "", ""
	return hashBytes(c.JSON())
}

func hashBytes(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// resolve makes a path of the sweep absolute (against Base).
func (s *Sweep) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	base := s.Base
	if base == "" {
		if wd, err := os.Getwd(); err == nil {
			base = wd
		}
	}
	return filepath.Join(base, p)
}
