package surrogate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"

	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
)

// CodeVersion is part of the key of the training runs that TrainOptions.Cache keeps: it changes
// when a change of the training code makes earlier runs unfit for reuse.
const CodeVersion = "surrogate/v1"

// NewConfig returns the configuration of the 2023 paper's ED-CNN for data, trained with the
// loss, learning rate and training subset of a 2023 codename ("1E1": exponential-weighted MAE
// on the whole training set; "80E1": the same on 1/80 of it; see package codename), and the
// batch sizes, width (8) and epochs (10) of the cpu preset of training.NewConfig. Change any
// field (Model.Width, Epochs, BatchSize, Seed, Optimizer.LearningRate, ...) before Train.
func NewConfig(data *Data, code string) (training.Config, error) {
	cfg, err := training.NewConfig(models.EDCNN, scale.CPU, data.N(), code)
	if err != nil {
		return cfg, err
	}
	cfg.Scale = "" // a record only: a user's experiment has no named scale
	cfg.Data.ID = data.Spec.ID()
	return cfg, nil
}

// TrainOptions are the settings of Train that do not change what it computes.
type TrainOptions struct {
	// Dir is the run directory: its checkpoints let an interrupted Train continue where it
	// stopped, and a finished run there with the same configuration is returned as it is.
	// Empty (and Cache empty) trains in a temporary directory that Close removes.
	Dir string
	// Cache, when Dir is empty, is the root of the configuration-keyed run cache: the run lives
	// in Cache/training/<data ID>/<model>-<codename>-w<width>-e<epochs>-<key>, where key hashes
	// the whole configuration and CodeVersion, so the same call reuses the trained model and a
	// changed setting trains a new one.
	Cache string
	// Backend runs the model; nil creates one with backend.New() ($GOMLX_BACKEND; the fast
	// pure-Go backend by default), released by Model.Close.
	Backend backends.Backend
	// Log receives a line per epoch; Progress a progress bar.
	Log, Progress io.Writer
}

// Model is a trained surrogate: the kept weights of a training run.
type Model struct {
	// Dir is the run directory (config.json, history.json, checkpoints/).
	Dir string
	// Config is the run's configuration and History its record (losses per epoch, kept epoch).
	Config  training.Config
	History *training.History
	// Reused is true when Train found the run finished (in TrainOptions.Dir or the cache).
	Reused bool

	pred    *training.Predictor
	backend backends.Backend
	owned   bool // backend created here
	temp    bool // Dir is removed by Close
}

// RunDir returns the directory that TrainOptions.Cache gives the run of cfg (on the data set
// cfg.Data.ID, which Train sets): Cache/training/<data ID>/<model>-<codename>-w<width>-e<epochs>-<key>,
// where key is the SHA-256 of the configuration (without the data cache's location) and
// CodeVersion. The figures' training runs live there too, so a notebook that trains a figure's
// configuration finds the figure's run.
func RunDir(cache string, cfg training.Config) string {
	c := cfg
	c.Data.Dir = ""
	sum := sha256.Sum256(append(c.JSON(), CodeVersion...))
	name := fmt.Sprintf("%s-%s-w%d-e%d-%s", c.Model.Name, c.Codename, c.Model.Width, c.Epochs, hex.EncodeToString(sum[:4]))
	return filepath.Join(cache, "training", c.Data.ID, name)
}

// Train trains the network of cfg on data (its subsets cfg.Data.Train and cfg.Data.Test) and
// returns the kept model.
func Train(ctx context.Context, data *Data, cfg training.Config, opt TrainOptions) (*Model, error) {
	if cfg.Data.ID == "" {
		cfg.Data.ID = data.Spec.ID()
	}
	cfg.Data.Dir = data.Dir
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	td, err := data.trainingData(cfg.Data.Train, cfg.Data.Test)
	if err != nil {
		return nil, err
	}
	m := &Model{Dir: opt.Dir}
	switch {
	case m.Dir != "":
	case opt.Cache != "":
		c := cfg
		c.Data.ID = data.Spec.ID()
		m.Dir = RunDir(opt.Cache, c)
	default:
		if m.Dir, err = os.MkdirTemp("", "surrogate-run-"); err != nil {
			return nil, err
		}
		m.temp = true
	}
	if err := m.openBackend(opt.Backend); err != nil {
		m.Close()
		return nil, err
	}
	if h, err := training.ReadHistory(filepath.Join(m.Dir, training.HistoryFile)); err == nil && h.Status == "done" {
		if old, err := training.ReadConfig(m.Dir); err == nil && len(training.Diff(old, cfg)) == 0 {
			m.Reused = true
		}
	}
	topt := training.Options{Backend: m.backend, Data: td, Log: opt.Log, Progress: opt.Progress}
	if m.Reused {
		topt.Log, topt.Progress = nil, nil
		logf(opt.Log, "training run %s: reused (finished, same configuration)", m.Dir)
	}
	h, err := training.Run(ctx, cfg, m.Dir, topt)
	if err != nil {
		m.Close()
		return nil, err
	}
	m.History = h
	if err := m.load(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Load loads the kept model of a run directory (Train's TrainOptions.Dir, Model.Save's
// directory, `surrogo train --out`). b nil creates a backend, released by Close.
func Load(dir string, b backends.Backend) (*Model, error) {
	m := &Model{Dir: dir}
	if err := m.openBackend(b); err != nil {
		return nil, err
	}
	h, err := training.ReadHistory(filepath.Join(dir, training.HistoryFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		m.Close()
		return nil, err
	}
	m.History, m.Reused = h, true
	if err := m.load(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func (m *Model) openBackend(b backends.Backend) error {
	if b != nil {
		m.backend = b
		return nil
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	m.backend, m.owned = b, true
	return nil
}

func (m *Model) load() error {
	p, err := training.LoadPredictor(m.Dir, "best", m.backend, nil)
	if err != nil {
		return err
	}
	m.pred, m.Config = p, p.Config()
	return nil
}

// Close releases the backend the model created and removes its temporary run directory (a
// model trained without TrainOptions.Dir or Cache, and not saved).
func (m *Model) Close() error {
	if m.pred != nil {
		m.pred.Close()
		m.pred = nil
	}
	if m.owned && m.backend != nil {
		m.backend.Finalize()
	}
	m.backend = nil
	if m.temp {
		m.temp = false
		return os.RemoveAll(m.Dir)
	}
	return nil
}

// N returns the lattice side the model takes.
func (m *Model) N() int { return m.Config.Model.Size }

// Epoch returns the epoch of the kept weights.
func (m *Model) Epoch() int { return m.pred.Checkpoint().Epoch }

// Predict returns the predicted fields of input images: one or more N x N images, row-major,
// one after the other.
func (m *Model) Predict(inputs []float32) ([]float32, error) {
	nn := m.N() * m.N()
	if len(inputs) == 0 || len(inputs)%nn != 0 {
		return nil, fmt.Errorf("surrogate: Predict: %d values are not a whole number of %d x %d images", len(inputs), m.N(), m.N())
	}
	return m.pred.Predict(inputs, len(inputs)/nn)
}

// Evaluate predicts the subset split of data ("test", "train", "k07/test", ...; "" is the
// run's test set) and measures the predictions with the metrics of both papers: the region MAE
// per number of sources of 2023 (Report.Regions, RegionMeans; see ByCount), and the residual
// statistics, slices and field densities of 2021.
func (m *Model) Evaluate(ctx context.Context, data *Data, split string) (*training.Report, error) {
	if split == "" {
		split = m.Config.Data.Test
	}
	td, err := data.trainingData(m.Config.Data.Train, split)
	if err != nil {
		return nil, err
	}
	return training.Evaluate(ctx, m.Dir, training.EvalOptions{Backend: m.backend, Data: td, Split: split})
}

// ByCount returns a region's MAE for each number of sources of a report (the curves of the 2023
// paper's Figs. 5-13): sources[i] sources, mae[i] (NaN when no pixel of the region exists).
func ByCount(rep *training.Report, r metrics.Region) (sources []int, mae []float64) {
	for _, x := range rep.Regions {
		if x.Region == r.String() {
			sources = append(sources, x.NSources)
			mae = append(mae, float64(x.MAE))
		}
	}
	return sources, mae
}

// Mean returns a region's MAE averaged over the numbers of sources, each weighing the same (the
// 2023 paper's Fig. 14 average); NaN when the region is empty.
func Mean(rep *training.Report, r metrics.Region) float64 {
	for _, x := range rep.RegionMeans {
		if x.Region == r.String() {
			return float64(x.MAE)
		}
	}
	return math.NaN()
}

// Save writes the model to dir (its configuration, history and kept weights), which Load reads.
// A model trained in a temporary directory is kept there from now on.
func (m *Model) Save(dir string) error {
	if abs, err := filepath.Abs(dir); err == nil {
		if cur, err := filepath.Abs(m.Dir); err == nil && abs == cur {
			m.temp = false
			return nil
		}
	}
	for _, name := range []string{training.ConfigFile, training.HistoryFile, filepath.Join("checkpoints", "best.ckpt")} {
		data, err := os.ReadFile(filepath.Join(m.Dir, name))
		if err != nil {
			if name == training.HistoryFile && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
