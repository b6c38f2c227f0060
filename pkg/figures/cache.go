package figures

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/training"
)

// The expensive steps the figures share: the backend, the data-set caches and the training runs,
// each cached under CacheDir keyed by its full configuration, and recorded as reused or computed.

// NewBackend returns the backend selected by $GOMLX_BACKEND (package backend: the fast CPU
// backend by default) and records it in the run's provenance (an accelerator's devices as the
// device; package figures describes the CPU otherwise).
func (r *Run) NewBackend() (backends.Backend, error) {
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	info := backend.Describe(b)
	device := ""
	if !info.Extended && info.Name != backend.StockGoBackendName {
		device = strings.Join(info.Devices, ", ")
	}
	r.UsedBackend(fmt.Sprintf("%s (%s)", info.Name, info.Description), device)
	return b, nil
}

// DataSet generates (or verifies, when it exists) the data-set cache of spec under
// CacheDir("datasets", spec.ID()), the directory that every figure of the same data set shares,
// and opens it. The Spec's ID fingerprints its whole configuration.
func (r *Run) DataSet(spec dataset.Spec) (*datastore.Store, *datastore.Result, error) {
	dir, err := r.CacheDir("datasets", spec.ID())
	if err != nil {
		return nil, nil, err
	}
	res, err := datastore.Generate(r.Context(), spec, dir, datastore.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("data set cache %s: %w", dir, err)
	}
	r.Logf("data set %s in %s: %d shards reused, %d generated (%d solves) in %.1f s",
		spec.ID(), dir, res.Reused, res.Generated, res.Solved, res.Elapsed.Seconds())
	r.Step(res.Generated == 0, "data set %s", spec.ID())
	st, err := datastore.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	return st, res, nil
}

// TrainingDir returns the directory of the training run of cfg under the cache,
// training/<data ID>/<name>-<hash>, where the hash fingerprints the whole configuration (the
// data cache's location excepted), so that a changed setting never meets an older run's
// checkpoints.
func (r *Run) TrainingDir(cfg training.Config, name string) (string, error) {
	c := cfg
	c.Data.Dir = ""
	sum := sha256.Sum256(c.JSON())
	return r.CacheDir("training", c.Data.ID, name+"-"+hex.EncodeToString(sum[:4]))
}

// Train trains cfg in dir (TrainingDir), or returns the finished run found there, and records
// which.
func (r *Run) Train(cfg training.Config, dir string, opt training.Options) (*training.History, error) {
	reused := false
	if h, err := training.ReadHistory(filepath.Join(dir, training.HistoryFile)); err == nil && h.Status == "done" {
		reused = true
	}
	h, err := training.Run(r.Context(), cfg, dir, opt)
	if err == nil {
		name := filepath.Base(dir)
		if name == "train" { // a sweep's slot, SLOT/train: the slot names the run
			name = filepath.Base(filepath.Dir(dir))
		}
		r.Step(reused, "training run %s", name)
	}
	return h, err
}
