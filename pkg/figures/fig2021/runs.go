package fig2021

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/surrogate"
	"github.com/surrogo/surrogo/pkg/training"
)

// The training runs and the data cache shared by the figures of the trained models. Both live
// under the figures' cache directory (not committed), so an interrupted computation resumes:
// the data cache from its last shard, each run from its last epoch.

// Generation records how the data set's targets were computed.
type Generation struct {
	// Configurations is the size of the data set (the paper's M: 20000).
	Configurations int `json:"configurations"`
	// Solved is the number of targets this computation solved (0 when the cache existed), Seconds
	// the wall time of those solves and Workers the concurrent solves.
	Solved  int     `json:"solved"`
	Seconds float64 `json:"seconds"`
	Workers int     `json:"workers"`
	// Recorded is the generation time that the cache's provenance records, over all sessions
	// that solved targets (the cache may have been made by an earlier computation).
	Recorded float64 `json:"recorded_seconds"`
}

// openData generates (or verifies) the data cache of spec under <cache>/datasets/<spec ID>, the
// directory every figure of the same data set shares, and opens it.
func openData(run *figures.Run, spec dataset.Spec) (*datastore.Store, Generation, error) {
	gen := Generation{Configurations: spec.Len()}
	st, res, err := run.DataSet(spec)
	if err != nil {
		return nil, gen, err
	}
	gen.Solved, gen.Seconds = res.Solved, res.Elapsed.Seconds()
	dir := st.Dir()
	gen.Recorded, gen.Workers = RecordedGeneration(dir)
	return st, gen, nil
}

// newBackend returns the backend of $GOMLX_BACKEND and records it in the run's provenance.
func newBackend(run *figures.Run) (backends.Backend, error) { return run.NewBackend() }

// RunDir returns the directory of the training run of model number with configuration cfg under
// the cache root cache (surrogate.DefaultCache() in a notebook; the figures' cache directory in
// `surrogo figure`): training/<data ID>/2021-model<NN>-w<width>-e<epochs>[-norollback]-<key>,
// where key hashes the whole configuration (the data cache's location excepted) and
// surrogate.CodeVersion, so that a changed setting or training code never meets an older run.
// The runs the Table 2 sweep declares train in its slots instead: pass TrainDir as
// surrogate.TrainOptions.Dir to train (or find) the run the figures use.
func RunDir(cache string, cfg training.Config, number int) string {
	c := cfg
	c.Data.Dir = ""
	sum := sha256.Sum256(append(c.JSON(), surrogate.CodeVersion...))
	name := fmt.Sprintf("2021-model%02d-w%d-e%d", number, c.Model.Width, c.Epochs)
	if !c.Rollback.Enabled {
		name += "-norollback"
	}
	return filepath.Join(cache, "training", c.Data.ID, name+"-"+hex.EncodeToString(sum[:4]))
}

// trainModel trains model number of the protocol on the data cache (or finds the finished run)
// and returns its directory and history. rollback false turns the roll-back off (Fig. 4a). A run
// the Table 2 sweep declares is trained in the sweep's slot, others in RunDir (TrainDir).
func trainModel(run *figures.Run, p *Protocol, store *datastore.Store, b backends.Backend, number int, rollback bool) (string, *training.History, error) {
	cfg, err := p.runConfig(number, store.Dir())
	if err != nil {
		return "", nil, err
	}
	spec := store.Spec()
	cfg.Data.ID = spec.ID()
	if !rollback {
		cfg.Rollback.Enabled = false
	}
	cache, err := run.CacheDir()
	if err != nil {
		return "", nil, err
	}
	dir, err := TrainDir(cache, cfg, number)
	if err != nil {
		return "", nil, err
	}
	start := time.Now()
	h, err := run.Train(cfg, dir, training.Options{Backend: b})
	if err != nil {
		return dir, nil, fmt.Errorf("model %d (%s): %w", number, dir, err)
	}
	if h.Status != "done" {
		return dir, nil, fmt.Errorf("model %d (%s): training ended with status %q: %s", number, dir, h.Status, h.Message)
	}
	rb := "with"
	if !rollback {
		rb = "without"
	}
	run.Logf("model %d %s roll-back: %d epochs (%d run, %d roll-backs), kept epoch %d (train loss %.4g); %.0f s training, %.0f s this call",
		number, rb, h.Len(), h.EpochsRun, h.NumRollbacks, h.Best.Epoch, float64(h.Best.TrainLoss), trainingSeconds(h), time.Since(start).Seconds())
	return dir, h, nil
}

// trainingSeconds is the training time of a run (all its sessions).
func trainingSeconds(h *training.History) float64 {
	if len(h.Elapsed) == 0 {
		return 0
	}
	return h.Elapsed[len(h.Elapsed)-1]
}

// TrainingRecord is what the figures need of a run's history.
type TrainingRecord struct {
	// TrainLoss and TestLoss are the losses of the kept epochs (1, 2, ...).
	TrainLoss []training.JSONFloat `json:"train_loss"`
	TestLoss  []training.JSONFloat `json:"test_loss"`
	// Rollbacks are the roll-back events, in order.
	Rollbacks []RollbackEvent `json:"rollbacks"`
	// NumRollbacks counts the roll-backs acted on; EpochsRun every epoch trained.
	NumRollbacks int `json:"num_rollbacks"`
	EpochsRun    int `json:"epochs_run"`
	// BestEpoch is the kept epoch and BestTrainLoss its loss.
	BestEpoch     int                `json:"best_epoch"`
	BestTrainLoss training.JSONFloat `json:"best_train_loss"`
	// Seconds is the training time (the paper's E).
	Seconds float64 `json:"seconds"`
}

// RollbackEvent is one roll-back: the losses of the discarded epochs ToEpoch+1 .. AfterEpoch.
type RollbackEvent struct {
	AfterEpoch int                  `json:"after_epoch"`
	ToEpoch    int                  `json:"to_epoch"`
	Loss       training.JSONFloat   `json:"loss"`
	Threshold  training.JSONFloat   `json:"threshold"`
	Discarded  []training.JSONFloat `json:"discarded"`
	Accepted   bool                 `json:"accepted,omitempty"`
}

// Record extracts the TrainingRecord of a history (the losses, the roll-backs, the kept epoch).
func Record(h *training.History) TrainingRecord {
	r := TrainingRecord{NumRollbacks: h.NumRollbacks, EpochsRun: h.EpochsRun, BestEpoch: h.Best.Epoch,
		BestTrainLoss: h.Best.TrainLoss, Seconds: trainingSeconds(h)}
	for i := range h.TrainLoss {
		r.TrainLoss = append(r.TrainLoss, training.JSONFloat(h.TrainLoss[i]))
		r.TestLoss = append(r.TestLoss, training.JSONFloat(h.TestLoss[i]))
	}
	for _, e := range h.Rollbacks {
		r.Rollbacks = append(r.Rollbacks, RollbackEvent{AfterEpoch: e.AfterEpoch, ToEpoch: e.ToEpoch, Loss: e.TrainLoss,
			Threshold: e.Threshold, Discarded: e.Discarded, Accepted: e.Accepted})
	}
	return r
}

// finite reports whether v is a finite number.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// errIncomplete is returned by renderers given results without the parts they draw.
var errIncomplete = errors.New("results are incomplete")

// RecordedGeneration returns how long the data-set cache in dir took to generate: the sum of the
// generation times of the sessions in its provenance.jsonl that solved targets, and the largest
// worker count among them (0, 0 when none). It is the paper's M·δ as this machine spent it.
func RecordedGeneration(dir string) (seconds float64, workers int) {
	data, err := os.ReadFile(filepath.Join(dir, datastore.ProvenanceFile))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		var p datastore.Provenance
		if strings.TrimSpace(line) == "" || json.Unmarshal([]byte(line), &p) != nil || p.Solved == 0 {
			continue
		}
		seconds += p.ElapsedS
		workers = max(workers, p.Workers)
	}
	return seconds, workers
}

// decodeJSON decodes saved results.
func decodeJSON(raw json.RawMessage, v any) error { return json.Unmarshal(raw, v) }
