package training

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/surrogo/surrogo/pkg/metrics"

	"github.com/surrogo/surrogo/pkg/atomicfile"
)

// History is the record of a run, written to RUN/history.json after every epoch. The per-epoch
// lists have one entry per kept epoch, in order: Epoch[i] = i+1. Epochs discarded by a roll-back
// leave these lists; their losses are in the roll-back events.
type History struct {
	// Epoch numbers the kept epochs from 1. The loss schedule of epoch e is that of index e-1
	// (package loss counts from 0).
	Epoch []int `json:"epoch"`
	// TrainLoss is the mean training loss of each epoch: the mean over its steps of the batch
	// losses, each weighted by its number of examples (with dropout and target noise, as
	// trained).
	TrainLoss []float64 `json:"train_loss"`
	// TestLoss is the loss on the test set after each epoch, in evaluation mode (no dropout,
	// BatchNorm's moving averages, no target noise), with that epoch's prefactor.
	TestLoss []float64 `json:"test_loss"`
	// Prefactor is the loss prefactor of each epoch ("exp", "step" or "none").
	Prefactor []string `json:"prefactor"`
	// Retries is the number of roll-backs each epoch triggered before it was kept.
	Retries []int `json:"retries"`
	// Elapsed is the training time (seconds, all sessions of the run) when each epoch ended.
	Elapsed []float64 `json:"elapsed_s"`
	// SamplesPerSecond is the training throughput of each epoch (examples per second of its
	// training steps, evaluation excluded).
	SamplesPerSecond []float64 `json:"samples_per_s"`

	// Rollbacks lists the roll-backs in the order they happened.
	Rollbacks []RollbackEvent `json:"rollbacks"`
	// NumRollbacks is the number of roll-backs: the events of Rollbacks that are not Accepted.
	NumRollbacks int `json:"num_rollbacks"`
	// EpochsRun counts every epoch trained, discarded ones included.
	EpochsRun int `json:"epochs_run"`

	// Best describes the kept model (RUN/checkpoints/best.ckpt).
	Best Best `json:"best"`
	// Status is "running", "done", "paused" (stopped by a time limit or a signal: run the same
	// command again to continue) or "failed".
	Status string `json:"status"`
	// Message explains a "paused" or "failed" status.
	Message string `json:"message,omitempty"`
}

// RollbackEvent records one roll-back, or a trigger that was not acted on because the epoch had
// used up its retries (Accepted).
type RollbackEvent struct {
	// AfterEpoch is the epoch n+1 whose loss triggered.
	AfterEpoch int `json:"after_epoch"`
	// ToEpoch is the epoch whose state training went back to (n-s); equal to AfterEpoch when
	// Accepted.
	ToEpoch int `json:"to_epoch"`
	// TrainLoss and TestLoss are the losses of the triggering epoch (null when not finite).
	TrainLoss JSONFloat `json:"train_loss"`
	TestLoss  JSONFloat `json:"test_loss"`
	// Value and Threshold are the tested quantity and its threshold (see Decision).
	Value     JSONFloat `json:"value"`
	Threshold JSONFloat `json:"threshold"`
	// Reason says why, in words.
	Reason string `json:"reason"`
	// Discarded holds the training losses of the epochs ToEpoch+1 .. AfterEpoch that were thrown
	// away (the last one is TrainLoss).
	Discarded []JSONFloat `json:"discarded"`
	// Accepted is true when the epoch had no retries left and was kept despite the trigger.
	Accepted bool `json:"accepted,omitempty"`
	// EpochsRun is History.EpochsRun when it happened.
	EpochsRun int `json:"epochs_run"`
}

// Best describes the kept model.
type Best struct {
	// Criterion is the selection criterion.
	Criterion Selection `json:"criterion"`
	// Epoch is the epoch whose weights were kept (0: none yet).
	Epoch int `json:"epoch"`
	// Loss is its value of the criterion.
	Loss JSONFloat `json:"loss"`
	// TrainLoss and TestLoss are its two losses.
	TrainLoss JSONFloat `json:"train_loss"`
	TestLoss  JSONFloat `json:"test_loss"`
	// EpochsRun is History.EpochsRun when it was trained (it identifies the epoch among retries).
	EpochsRun int `json:"epochs_run"`
}

// JSONFloat is a float64 that encodes NaN and infinities as JSON null and decodes null as NaN
// (metrics.JSONFloat).
type JSONFloat = metrics.JSONFloat

// Len returns the number of kept epochs.
func (h *History) Len() int { return len(h.Epoch) }

// truncate keeps the first n epochs of the per-epoch lists.
func (h *History) truncate(n int) {
	h.Epoch = h.Epoch[:n]
	h.TrainLoss = h.TrainLoss[:n]
	h.TestLoss = h.TestLoss[:n]
	h.Prefactor = h.Prefactor[:n]
	h.Retries = h.Retries[:n]
	h.Elapsed = h.Elapsed[:n]
	h.SamplesPerSecond = h.SamplesPerSecond[:n]
}

// clone returns a deep copy.
func (h *History) clone() History {
	c := *h
	c.Epoch = slices.Clone(h.Epoch)
	c.TrainLoss = slices.Clone(h.TrainLoss)
	c.TestLoss = slices.Clone(h.TestLoss)
	c.Prefactor = slices.Clone(h.Prefactor)
	c.Retries = slices.Clone(h.Retries)
	c.Elapsed = slices.Clone(h.Elapsed)
	c.SamplesPerSecond = slices.Clone(h.SamplesPerSecond)
	c.Rollbacks = slices.Clone(h.Rollbacks)
	for i := range c.Rollbacks {
		c.Rollbacks[i].Discarded = slices.Clone(h.Rollbacks[i].Discarded)
	}
	return c
}

// check verifies that the per-epoch lists are consistent.
func (h *History) check() error {
	n := len(h.Epoch)
	for name, l := range map[string]int{
		"train_loss": len(h.TrainLoss), "test_loss": len(h.TestLoss), "prefactor": len(h.Prefactor),
		"retries": len(h.Retries), "elapsed_s": len(h.Elapsed), "samples_per_s": len(h.SamplesPerSecond),
	} {
		if l != n {
			return fmt.Errorf("history: %s has %d entries for %d epochs", name, l, n)
		}
	}
	for i, e := range h.Epoch {
		if e != i+1 {
			return fmt.Errorf("history: epoch[%d] = %d, want %d", i, e, i+1)
		}
	}
	n = 0
	for _, ev := range h.Rollbacks {
		if !ev.Accepted {
			n++
		}
	}
	if h.NumRollbacks != n {
		return fmt.Errorf("history: num_rollbacks = %d but %d roll-back events", h.NumRollbacks, n)
	}
	return nil
}

// JSON returns the history as indented JSON.
func (h *History) JSON() ([]byte, error) {
	c := h.clone()
	// Empty lists encode as [], not null, so readers always find lists.
	for _, p := range []*[]int{&c.Epoch, &c.Retries} {
		if *p == nil {
			*p = []int{}
		}
	}
	for _, p := range []*[]float64{&c.TrainLoss, &c.TestLoss, &c.Elapsed, &c.SamplesPerSecond} {
		if *p == nil {
			*p = []float64{}
		}
	}
	if c.Prefactor == nil {
		c.Prefactor = []string{}
	}
	if c.Rollbacks == nil {
		c.Rollbacks = []RollbackEvent{}
	}
	data, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// ReadHistory reads a history.json file.
func ReadHistory(path string) (*History, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var h History
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("training: %s: %w", path, err)
	}
	if err := h.check(); err != nil {
		return nil, fmt.Errorf("training: %s: %w", path, err)
	}
	return &h, nil
}

// write writes the history atomically.
func (h *History) write(path string) error {
	data, err := h.JSON()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, atomicfile.DefaultPerm)
}
