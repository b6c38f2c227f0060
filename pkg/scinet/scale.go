package scinet

import (
	"fmt"

	"github.com/surrogo/surrogo/pkg/scale"
)

// Budget is the compute budget of one training run and its evaluation.
type Budget struct {
	// Scale is recorded in the results' provenance.
	Scale scale.Scale `json:"scale"`
	// Steps is the number of Adam steps; each draws Batch fresh samples.
	Steps int `json:"steps"`
	Batch int `json:"batch"`
	// LearningRate of Adam.
	LearningRate float64 `json:"learning_rate"`
	// RecordEvery is the learning-curve resolution, in steps.
	RecordEvery int `json:"record_every"`
	// GridPoints is the resolution of evaluation grids and curves (points per axis).
	GridPoints int `json:"grid_points"`
	// EvalSamples is the number of fresh samples from the training distribution used for error metrics,
	// latent statistics and histograms.
	EvalSamples int `json:"eval_samples"`
	// ScatterSamples is how many of those samples are returned point by point (latent-vs-output plots).
	ScatterSamples int `json:"scatter_samples"`
}

// Validate reports the first invalid field of b.
func (b Budget) Validate() error {
	switch {
	case b.Steps < 0:
		return fmt.Errorf("scinet: Budget.Steps must be >= 0, got %d", b.Steps)
	case b.Batch < 1:
		return fmt.Errorf("scinet: Budget.Batch must be >= 1, got %d", b.Batch)
	case !(b.LearningRate > 0):
		return fmt.Errorf("scinet: Budget.LearningRate must be > 0, got %g", b.LearningRate)
	case b.GridPoints < 2:
		return fmt.Errorf("scinet: Budget.GridPoints must be >= 2, got %d", b.GridPoints)
	case b.EvalSamples < 2:
		return fmt.Errorf("scinet: Budget.EvalSamples must be >= 2, got %d", b.EvalSamples)
	case b.ScatterSamples < 0 || b.ScatterSamples > b.EvalSamples:
		return fmt.Errorf("scinet: Budget.ScatterSamples must be in [0, EvalSamples=%d], got %d", b.EvalSamples, b.ScatterSamples)
	}
	return nil
}

// recordEvery returns the learning-curve resolution: RecordEvery, or about 200 points per run.
func (b Budget) recordEvery() int {
	if b.RecordEvery > 0 {
		return b.RecordEvery
	}
	return max(1, b.Steps/200)
}

// ToyBudget returns the budget of a one-hidden-layer extrapolation net (figures 7-10) with the given
// hidden width. The review trains 50000 steps of 2048 samples at learning rate 1e-4. The cpu scale
// keeps that protocol for small nets (hidden <= 32: about a minute per net on 2 cores); wider nets
// (figure 8's 128 units, about 80 steps/s on 2 cores) take 5000 steps at learning rate 1e-3, and the
// smoke scale 500 steps of 256 at 1e-2, so that steps × learning rate (how far Adam can move a
// weight) stays about 5 as in the paper.
func ToyBudget(s scale.Scale, hidden int) (Budget, error) {
	if hidden < 1 {
		return Budget{}, fmt.Errorf("scinet: ToyBudget: hidden must be >= 1, got %d", hidden)
	}
	paper := Budget{Scale: s, Steps: 50000, Batch: 2048, LearningRate: 1e-4, GridPoints: 401, EvalSamples: 204800}
	switch s {
	case scale.Smoke:
		return Budget{Scale: s, Steps: 500, Batch: 256, LearningRate: 1e-2, GridPoints: 81, EvalSamples: 4096}, nil
	case scale.CPU:
		if hidden <= 32 {
			return paper, nil
		}
		return Budget{Scale: s, Steps: 5000, Batch: 2048, LearningRate: 1e-3, GridPoints: 401, EvalSamples: 65536}, nil
	case scale.GPU, scale.Paper:
		return paper, nil
	}
	return Budget{}, fmt.Errorf("scinet: no toy budget for scale %q", s)
}

// SciNetBudget returns the budget of the SciNet oscillator experiments (figures 5, 13-27). The paper
// gives 50000 steps of 2048 samples and no learning rate; 1e-3 (PyTorch's Adam default) is used at
// every scale.
func SciNetBudget(s scale.Scale) (Budget, error) {
	switch s {
	case scale.Smoke:
		return Budget{Scale: s, Steps: 40, Batch: 64, LearningRate: 1e-3, GridPoints: 12, EvalSamples: 512, ScatterSamples: 128}, nil
	case scale.CPU:
		return Budget{Scale: s, Steps: 3000, Batch: 256, LearningRate: 1e-3, GridPoints: 50, EvalSamples: 16384, ScatterSamples: 1000}, nil
	case scale.GPU:
		return Budget{Scale: s, Steps: 10000, Batch: 2048, LearningRate: 1e-3, GridPoints: 100, EvalSamples: 65536, ScatterSamples: 4000}, nil
	case scale.Paper:
		return Budget{Scale: s, Steps: 50000, Batch: 2048, LearningRate: 1e-3, GridPoints: 100, EvalSamples: 65536, ScatterSamples: 4000}, nil
	}
	return Budget{}, fmt.Errorf("scinet: no SciNet budget for scale %q", s)
}
