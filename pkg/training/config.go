package training

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/loss"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
)

// Config is the complete, JSON-serializable description of a training run: with the same Config
// and data, Run produces the same weights (bit for bit on the pure-Go backend). Run writes it to
// RUN/config.json.
type Config struct {
	// Model is the network (package models); Model.Size must equal the data set's lattice size.
	Model models.Config `json:"model"`
	// Codename is the 2023 paper's codename the loss, learning rate, epochs and training subset
	// were derived from (NewConfig), or empty. It is a record: the fields below are what is used.
	Codename string `json:"codename,omitempty"`
	// Loss is the training loss with its per-epoch prefactor schedule (package loss).
	Loss loss.Config `json:"loss"`
	// Optimizer is Adam's configuration.
	Optimizer Optimizer `json:"optimizer"`
	// Epochs is the number of epochs to train.
	Epochs int `json:"epochs"`
	// BatchSize is the number of training examples per step (25 in both papers). The last batch
	// of an epoch is smaller when the training set is not a multiple of it.
	BatchSize int `json:"batch_size"`
	// EvalBatchSize is the number of examples per evaluation call (test loss, predictions).
	EvalBatchSize int `json:"eval_batch_size"`
	// Seed determines the initial weights, the order of the training examples in every epoch and
	// the random numbers of dropout and target noise.
	Seed uint64 `json:"seed"`
	// Scale is the named scale the run was configured for (a record; see NewConfig).
	Scale scale.Scale `json:"scale"`
	// Data names the data set and its training and test subsets.
	Data DataConfig `json:"data"`
	// Select is the criterion that chooses the kept ("best") model.
	Select Selection `json:"select"`
	// Rollback configures the roll-back of the 2021 paper (Eq. 3).
	Rollback Rollback `json:"rollback"`
	// Checkpoint configures how often the training state is saved.
	Checkpoint CheckpointPolicy `json:"checkpoint"`
}

// Optimizer configures Adam (Kingma and Ba), the optimizer of both papers.
type Optimizer struct {
	// Name is "adam", the only optimizer.
	Name string `json:"name"`
	// LearningRate is Adam's step size (1e-4 in the authors' 2023 script).
	LearningRate float64 `json:"learning_rate"`
	// Beta1 and Beta2 are the decay rates of the moment estimates (0.9 and 0.999: PyTorch, Flux).
	Beta1 float64 `json:"beta1"`
	Beta2 float64 `json:"beta2"`
	// Epsilon is added to the root of the second moment (1e-8: PyTorch, Flux).
	Epsilon float64 `json:"epsilon"`
}

// DefaultOptimizer returns Adam with PyTorch's and Flux's defaults and the given learning rate.
func DefaultOptimizer(lr float64) Optimizer {
	return Optimizer{Name: "adam", LearningRate: lr, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
}

// DataConfig names the data a run trains and is tested on.
type DataConfig struct {
	// Dir is the data-set cache directory (made by `surrogo data gen`, package datastore). It may
	// change between a run and its resumption (the cache was moved); ID may not.
	Dir string `json:"dir,omitempty"`
	// ID is the data set's fingerprint (dataset.Spec.ID). Run fills it in when it is empty and
	// refuses data with another ID.
	ID string `json:"id,omitempty"`
	// Train and Test name the subsets (dataset.Splits.Subset), e.g. "train/80" and "test".
	Train string `json:"train"`
	Test  string `json:"test"`
}

// Selection is the criterion by which the kept model is chosen among the epochs.
type Selection string

const (
	// SelectTestLoss keeps the weights with the lowest loss on the test set (2023 paper: "saved
	// the model with the lowest loss function value over the corresponding test set").
	SelectTestLoss Selection = "test-loss"
	// SelectTrainLoss keeps the weights with the lowest training loss (2021 paper: "we adopted
	// the network configuration with the lowest loss function regardless of the epoch").
	SelectTrainLoss Selection = "train-loss"
)

// Selections lists the selection criteria.
var Selections = []Selection{SelectTestLoss, SelectTrainLoss}

// ParseSelection returns the criterion named s.
func ParseSelection(s string) (Selection, error) {
	for _, v := range Selections {
		if strings.EqualFold(strings.TrimSpace(s), string(v)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown selection %q (want one of %q)", s, Selections)
}

// CheckpointPolicy says how often the training state is saved (see the package documentation for
// the files). The state is always saved after every epoch.
type CheckpointPolicy struct {
	// IntervalSeconds > 0 also saves the state within an epoch, after the first step that ends
	// at least this many seconds after the previous save, so that a run killed mid-epoch loses
	// at most that much work. 0 saves at the end of epochs only.
	IntervalSeconds float64 `json:"interval_seconds,omitempty"`
	// Keep is the number of end-of-epoch states kept on disk: at least 1, and with roll-back at
	// least Rollback.S+1 (NewConfig takes 2*S+1, see DefaultKeep).
	Keep int `json:"keep,omitempty"`
}

// DefaultKeep is the number of end-of-epoch states NewConfig keeps for a roll-back r: 2s+1, so
// that a roll-back that follows another one within s epochs still finds the state it goes back to
// (see Rollback).
func DefaultKeep(r Rollback) int { return 2*r.S + 1 }

// Scale presets of NewConfig: epochs (0: the codename's or the paper's), batch sizes and the
// model width (channels of the first convolution).
type scalePreset struct {
	epochs, batch, evalBatch, width int
}

var presets = map[scale.Scale]scalePreset{
	scale.Smoke: {epochs: 2, batch: 4, evalBatch: 16, width: 4},
	scale.CPU:   {epochs: 10, batch: 8, evalBatch: 32, width: 8},
	scale.GPU:   {epochs: 20, batch: 25, evalBatch: 64, width: 32},
	scale.Paper: {epochs: 0, batch: 25, evalBatch: 64, width: models.PaperWidth},
}

// Paper2021Epochs is the number of epochs of the 2021 paper ("we trained the NNs over 800 epochs").
const Paper2021Epochs = 800

// DefaultSeed is the seed NewConfig uses.
const DefaultSeed = 1

// NewConfig returns the configuration of a run of model name ("edcnn" or "dcnn-ae") at scale sc
// on a data set of lattice size n, following the protocol of the model's paper:
//
//   - edcnn (2023): the codename (default "1E1" when empty: exponential-MAE on the whole training
//     set) gives the loss, the learning rate, the epochs at paper scale and the training subset
//     train/<divisor>; the kept model is the one with the lowest test loss; no roll-back.
//   - dcnn-ae (2021): the model of models.Default (the paper's model 9), the exponential-MAE loss
//     with w = 1 (or the codename's loss, divisor and learning rate when one is given), 800 epochs
//     at paper scale, the whole training set; the kept model is the one with the lowest training
//     loss; roll-back with C = 5, m = 20, s = 5.
//
// Scales below paper keep the protocol and shrink the work:
//
//	scale  epochs          batch  eval batch  model width
//	smoke  2               4      16          4
//	cpu    10              8      32          8
//	gpu    20              25     64          32
//	paper  codename / 800  25     64          64
//
// The test set is "test" at every scale. Every field may be changed afterwards; call Validate.
func NewConfig(name string, sc scale.Scale, n int, code string) (Config, error) {
	p, ok := presets[sc]
	if !ok {
		return Config{}, fmt.Errorf("training: unknown scale %q (want one of %q)", sc, scale.All)
	}
	m, err := models.Default(name, n)
	if err != nil {
		return Config{}, fmt.Errorf("training: model: %w", err)
	}
	m.Width = p.width
	cfg := Config{
		Model:         m,
		BatchSize:     p.batch,
		EvalBatchSize: p.evalBatch,
		Seed:          DefaultSeed,
		Scale:         sc,
		Data:          DataConfig{Train: "train", Test: "test"},
		Rollback:      DefaultRollback(),
	}
	var cn *codename.Config
	if code == "" && name == models.EDCNN {
		code = "1E1"
	}
	if code != "" {
		c, err := codename.Parse(code)
		if err != nil {
			return Config{}, fmt.Errorf("training: codename: %w", err)
		}
		cn = &c
		cfg.Codename = c.Codename
		cfg.Loss = c.Loss
		cfg.Optimizer = DefaultOptimizer(c.LearningRate)
		if c.Divisor != 1 {
			cfg.Data.Train = fmt.Sprintf("train/%d", c.Divisor)
		}
	} else {
		cfg.Loss = loss.Config{Prefactor: loss.PrefactorExp, W: codename.DefaultW, Metric: loss.MAE}
		cfg.Optimizer = DefaultOptimizer(codename.DefaultLearningRate)
	}
	switch name {
	case models.EDCNN:
		cfg.Select = SelectTestLoss
		cfg.Rollback.Enabled = false
		cfg.Epochs = p.epochs
		if cfg.Epochs == 0 {
			cfg.Epochs = cn.Epochs
		}
	case models.DCNNAE:
		cfg.Select = SelectTrainLoss
		cfg.Rollback.Enabled = true
		cfg.Epochs = p.epochs
		if cfg.Epochs == 0 {
			cfg.Epochs = Paper2021Epochs
		}
	}
	cfg.Checkpoint = CheckpointPolicy{Keep: 1}
	if cfg.Rollback.Enabled {
		cfg.Checkpoint.Keep = DefaultKeep(cfg.Rollback)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Validate reports the first problem of the configuration as an error naming the offending field
// by its JSON path (e.g. "optimizer.learning_rate").
func (c *Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("training: config field %s: %s", field, fmt.Sprintf(format, args...))
	}
	if err := c.Model.Validate(); err != nil {
		return fmt.Errorf("training: config field model: %w", err)
	}
	if err := c.Loss.Validate(); err != nil {
		return fmt.Errorf("training: config field loss: %w", err)
	}
	o := c.Optimizer
	switch {
	case o.Name != "adam":
		return bad("optimizer.name", "%q is not supported (want \"adam\")", o.Name)
	case !finitePositive(o.LearningRate):
		return bad("optimizer.learning_rate", "must be positive and finite, got %g", o.LearningRate)
	case o.LearningRate > MaxLearningRate:
		return bad("optimizer.learning_rate", "%g is above the limit %g (Adam moves every weight by about the learning rate per step)", o.LearningRate, float64(MaxLearningRate))
	case !(o.Beta1 >= 0 && o.Beta1 < 1):
		return bad("optimizer.beta1", "must be in [0, 1), got %g", o.Beta1)
	case !(o.Beta2 >= 0 && o.Beta2 < 1):
		return bad("optimizer.beta2", "must be in [0, 1), got %g", o.Beta2)
	case !finitePositive(o.Epsilon) || o.Epsilon > 1:
		return bad("optimizer.epsilon", "must be in (0, 1], got %g", o.Epsilon)
	case c.Epochs < 1:
		return bad("epochs", "must be at least 1, got %d", c.Epochs)
	case c.Epochs > MaxEpochs:
		return bad("epochs", "%d is above the limit %d", c.Epochs, MaxEpochs)
	case c.BatchSize < 1:
		return bad("batch_size", "must be at least 1, got %d", c.BatchSize)
	case c.EvalBatchSize < 1:
		return bad("eval_batch_size", "must be at least 1, got %d", c.EvalBatchSize)
	case c.Data.Train == "":
		return bad("data.train", "a training subset name is required (e.g. \"train\" or \"train/80\")")
	case c.Data.Test == "":
		return bad("data.test", "a test subset name is required (e.g. \"test\")")
	}
	if c.Scale != "" {
		if _, err := scale.Parse(string(c.Scale)); err != nil {
			return bad("scale", "%v", err)
		}
	}
	if _, err := ParseSelection(string(c.Select)); err != nil {
		return bad("select", "%v", err)
	}
	if err := c.Rollback.Validate(); err != nil {
		return err
	}
	cp := c.Checkpoint
	switch {
	case !(cp.IntervalSeconds >= 0) || math.IsInf(cp.IntervalSeconds, 0):
		return bad("checkpoint.interval_seconds", "must be >= 0 and finite, got %g", cp.IntervalSeconds)
	case cp.Keep < 1:
		return bad("checkpoint.keep", "must be at least 1, got %d", cp.Keep)
	case c.Rollback.Enabled && cp.Keep < c.Rollback.S+1:
		return bad("checkpoint.keep", "must be at least rollback.s+1 = %d to roll back s epochs, got %d",
			c.Rollback.S+1, cp.Keep)
	}
	return nil
}

// Limits of Validate beyond the papers' ranges: Adam's step size and the number of epochs.
const (
	MaxLearningRate = 1
	MaxEpochs       = 1_000_000
)

func finitePositive(x float64) bool { return x > 0 && !math.IsInf(x, 0) }

// JSON returns the configuration as indented JSON (the content of RUN/config.json).
func (c *Config) JSON() []byte {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil { // cannot happen: the Config holds only plain values
		panic(err)
	}
	return append(data, '\n')
}

// ParseConfig decodes a Config from JSON, rejecting unknown fields, and validates it.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("training: decoding the configuration: %w", err)
	}
	if dec.More() {
		return Config{}, errors.New("training: decoding the configuration: trailing data after the JSON object")
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// mutableFields are the JSON paths of the fields that may differ between a run and the command
// that resumes it: they do not change what is computed.
var mutableFields = map[string]bool{
	"data.dir":                    true,
	"checkpoint.interval_seconds": true,
}

// Diff lists the differences between two configurations that matter for resuming a run: one line
// per JSON path whose value differs ("optimizer.learning_rate: 0.0001 != 0.001"), sorted. Fields
// that do not change the computation (data.dir, checkpoint.interval_seconds) are ignored, and so is
// an empty data.id on either side.
func Diff(a, b Config) []string {
	var ma, mb any
	_ = json.Unmarshal(a.JSON(), &ma)
	_ = json.Unmarshal(b.JSON(), &mb)
	var out []string
	diffJSON("", ma, mb, &out)
	kept := out[:0]
	for _, d := range out {
		path := d[:strings.Index(d, ":")]
		if mutableFields[path] {
			continue
		}
		if path == "data.id" && (a.Data.ID == "" || b.Data.ID == "") {
			continue
		}
		kept = append(kept, d)
	}
	sort.Strings(kept)
	return kept
}

func diffJSON(path string, a, b any, out *[]string) {
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if okA && okB {
		keys := map[string]bool{}
		for k := range ma {
			keys[k] = true
		}
		for k := range mb {
			keys[k] = true
		}
		for k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			diffJSON(p, ma[k], mb[k], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		*out = append(*out, fmt.Sprintf("%s: %s != %s", path, ja, jb))
	}
}
