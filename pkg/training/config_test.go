package training

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/loss"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
)

func TestConfigValidate(t *testing.T) {
	if err := func() error { c := tinyConfig(3); return c.Validate() }(); err != nil {
		t.Fatalf("valid configuration rejected: %v", err)
	}
	for _, tc := range []struct {
		field  string
		mutate func(c *Config)
	}{
		{"model", func(c *Config) { c.Model.Name = "unet" }},
		{"model", func(c *Config) { c.Model.Size = 33 }},
		{"loss", func(c *Config) { c.Loss.Metric = "l3" }},
		{"optimizer.name", func(c *Config) { c.Optimizer.Name = "sgd" }},
		{"optimizer.learning_rate", func(c *Config) { c.Optimizer.LearningRate = 0 }},
		{"optimizer.learning_rate", func(c *Config) { c.Optimizer.LearningRate = math.Inf(1) }},
		{"optimizer.beta1", func(c *Config) { c.Optimizer.Beta1 = 1 }},
		{"optimizer.beta2", func(c *Config) { c.Optimizer.Beta2 = -0.1 }},
		{"optimizer.epsilon", func(c *Config) { c.Optimizer.Epsilon = math.NaN() }},
		{"epochs", func(c *Config) { c.Epochs = 0 }},
		{"batch_size", func(c *Config) { c.BatchSize = 0 }},
		{"eval_batch_size", func(c *Config) { c.EvalBatchSize = -1 }},
		{"data.train", func(c *Config) { c.Data.Train = "" }},
		{"data.test", func(c *Config) { c.Data.Test = "" }},
		{"scale", func(c *Config) { c.Scale = "huge" }},
		{"select", func(c *Config) { c.Select = "loss" }},
		{"rollback.rule", func(c *Config) { c.Rollback.Enabled = true; c.Rollback.Rule = "ratio" }},
		{"rollback.c", func(c *Config) { c.Rollback.Enabled = true; c.Rollback.C = 0 }},
		{"rollback.m", func(c *Config) { c.Rollback.Enabled = true; c.Rollback.M = 0 }},
		{"rollback.s", func(c *Config) { c.Rollback.Enabled = true; c.Rollback.S = -1 }},
		{"rollback.max_retries", func(c *Config) { c.Rollback.Enabled = true; c.Rollback.MaxRetries = -1 }},
		{"checkpoint.interval_seconds", func(c *Config) { c.Checkpoint.IntervalSeconds = -1 }},
		{"checkpoint.keep", func(c *Config) { c.Checkpoint.Keep = 0 }},
		{"checkpoint.keep", func(c *Config) { c.Rollback.Enabled = true; c.Checkpoint.Keep = 5 }},
	} {
		c := tinyConfig(3)
		tc.mutate(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("%s: invalid configuration accepted", tc.field)
			continue
		}
		if !strings.Contains(err.Error(), "field "+tc.field) {
			t.Errorf("%s: error %q does not name the field", tc.field, err)
		}
	}
	// A disabled roll-back's parameters are not checked.
	c := tinyConfig(3)
	c.Rollback = Rollback{}
	if err := c.Validate(); err != nil {
		t.Errorf("disabled roll-back rejected: %v", err)
	}
}

func TestNewConfig(t *testing.T) {
	c, err := NewConfig(models.EDCNN, scale.Smoke, 32, "80S1_a6000_b1")
	if err != nil {
		t.Fatal(err)
	}
	want := codename.MustParse("80S1_a6000_b1")
	if c.Loss != want.Loss || c.Optimizer.LearningRate != want.LearningRate || c.Data.Train != "train/80" ||
		c.Epochs != 2 || c.Select != SelectTestLoss || c.Rollback.Enabled || c.Model.Size != 32 || c.Model.Width != 4 {
		t.Errorf("smoke 80S1_a6000_b1: %s", c.JSON())
	}
	c, err = NewConfig(models.EDCNN, scale.Paper, 512, "4E2")
	if err != nil {
		t.Fatal(err)
	}
	if c.Epochs != 89 || c.BatchSize != 25 || c.Model.Width != 64 || c.Data.Train != "train/4" || c.Codename != "4E2" {
		t.Errorf("paper 4E2: %s", c.JSON())
	}
	c, err = NewConfig(models.DCNNAE, scale.Paper, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Epochs != Paper2021Epochs || c.Select != SelectTrainLoss || !c.Rollback.Enabled || c.Rollback.C != 5 ||
		c.Rollback.M != 20 || c.Rollback.S != 5 || c.Checkpoint.Keep != 11 || c.Data.Train != "train" ||
		c.Loss.Prefactor != loss.PrefactorExp || c.Loss.Metric != loss.MAE {
		t.Errorf("paper dcnn-ae: %s", c.JSON())
	}
	for _, bad := range []struct{ name, code string }{{"unet", ""}, {models.EDCNN, "81E1"}} {
		if _, err := NewConfig(bad.name, scale.Smoke, 32, bad.code); err == nil {
			t.Errorf("NewConfig(%q, %q) accepted", bad.name, bad.code)
		}
	}
	if _, err := NewConfig(models.EDCNN, scale.Smoke, 33, ""); err == nil {
		t.Error("edcnn on a 33 x 33 lattice accepted")
	}
}

func TestConfigJSONAndDiff(t *testing.T) {
	c := tinyConfig(3)
	back, err := ParseConfig(c.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(c, back); len(d) != 0 {
		t.Errorf("round trip changed %v", d)
	}
	if _, err := ParseConfig([]byte(`{"epochs": 3, "colour": "red"}`)); err == nil {
		t.Error("unknown field accepted")
	}
	o := c
	o.Optimizer.LearningRate = 1
	o.Data.Dir = "/elsewhere"
	o.Checkpoint.IntervalSeconds = 60
	o.Rollback.C = 7
	d := Diff(c, o)
	if len(d) != 2 || !strings.HasPrefix(d[0], "optimizer.learning_rate:") || !strings.HasPrefix(d[1], "rollback.c:") {
		t.Errorf("Diff = %q, want the learning rate and rollback.c only", d)
	}
	o = c
	o.Data.ID = "0123456789abcdef"
	if d := Diff(c, o); len(d) != 0 {
		t.Errorf("an unset data ID differs: %v", d)
	}
}

func TestParseNames(t *testing.T) {
	if s, err := ParseSelection(" Train-Loss "); err != nil || s != SelectTrainLoss {
		t.Errorf("ParseSelection: %v %v", s, err)
	}
	if _, err := ParseSelection("best"); err == nil {
		t.Error("ParseSelection accepted best")
	}
	if r, err := ParseRollbackRule("LEVEL"); err != nil || r != RuleLevel {
		t.Errorf("ParseRollbackRule: %v %v", r, err)
	}
	if _, err := ParseRollbackRule("ratio"); err == nil {
		t.Error("ParseRollbackRule accepted ratio")
	}
}
