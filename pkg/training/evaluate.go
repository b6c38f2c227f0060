package training

import (
	stdctx "context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/surrogo/surrogo/pkg/atomicfile"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/loader"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/progress"
)

// EvalOptions configures Evaluate. The zero value evaluates the best model on the run's test set.
type EvalOptions struct {
	// Backend runs the model; nil means backend.New().
	Backend backends.Backend
	// Data replaces the run's data (Config.Data); DataDir replaces only its directory (a moved
	// cache; its data set must be the run's).
	Data    *Data
	DataDir string
	// Split is the subset to evaluate (default the run's test subset, Config.Data.Test), any name
	// dataset.Splits.Subset knows: "test", "train/80", "k07/test", ...
	Split string
	// Checkpoint is "best" (default: the kept model) or "last" (the latest end-of-epoch state).
	Checkpoint string
	// Model replaces the network built from the run's Config.Model (as Options.Model of Run).
	Model ModelFn
	// Predictions > 0 writes the inputs, targets and predictions of the first Predictions
	// examples of the split as .npy files to PredictionsDir (default RUN/predictions-<split>).
	Predictions    int
	PredictionsDir string
	// PDFBins is the number of bins of the field densities over [-0.1, 1.1) (default 120).
	PDFBins int
	// Progress, if not nil, receives a progress report.
	Progress io.Writer
}

// Report holds the metrics of a model on a data set: the per-region errors per number of sources
// of the 2023 paper (Figs. 5-17), and the residual statistics, slices and field densities of the
// 2021 paper (Table 2, Figs. 6, 8-11). All errors are in field units (any training transform is
// undone). Numbers that are undefined (an empty region) are null in JSON.
type Report struct {
	// Run is the run directory.
	Run string `json:"run"`
	// Checkpoint describes the evaluated weights.
	Checkpoint CheckpointInfo `json:"checkpoint"`
	// Model describes the network (models.Config.Describe).
	Model string `json:"model"`
	// Config is the run's configuration.
	Config Config `json:"config"`
	// Data describes the evaluated examples.
	Data DataInfo `json:"data"`
	// Backend names the backend that computed the predictions.
	Backend string `json:"backend"`

	// Loss is the training loss (with the prefactor of the checkpoint's epoch, no noise) over the
	// examples, each weighing the same.
	Loss JSONFloat `json:"loss"`
	// MAE is the mean absolute error over all pixels of all examples.
	MAE JSONFloat `json:"mae"`

	// Regions holds the MAE of each region (whole, sources, field, R1, R2, R3) for each number
	// of sources (2023 paper, Fig. 3 regions; metrics.RegionAccumulator).
	Regions []RegionResult `json:"regions"`
	// RegionMeans holds each region's MAE averaged over the numbers of sources, each number
	// weighing the same (2023 paper, Figs. 14 and 17).
	RegionMeans []RegionMean `json:"region_means"`

	// Residual holds the mean, 99th percentile and maximum of the residual |y - yhat| and of the
	// relative residual (2021 paper, Table 2 and Fig. 6), and the range of the predictions.
	Residual metrics.ResidualSummary `json:"residual"`
	// Slices and SliceAggregate are the residual statistics in slices along y = x of the
	// (target, prediction) plane (2021 paper, Figs. 8-10; default options of metrics.SliceStats).
	Slices         []SliceResult        `json:"slices"`
	SliceAggregate SliceAggregateResult `json:"slice_aggregate"`
	// PDF holds the densities of target and predicted field values (2021 paper, Fig. 11).
	PDF PDFResult `json:"pdf"`

	// Predictions lists the .npy files written (Options.Predictions), if any.
	Predictions *PredictionFiles `json:"predictions,omitempty"`
	// Seconds is the evaluation time and SamplesPerSecond its rate (data, model and metrics).
	Seconds          float64 `json:"seconds"`
	SamplesPerSecond float64 `json:"samples_per_s"`
}

// CheckpointInfo describes the weights a report evaluates.
type CheckpointInfo struct {
	File      string    `json:"file"`
	Kind      string    `json:"kind"`  // "best" or "epoch"
	Epoch     int       `json:"epoch"` // the epoch whose weights these are
	TrainLoss JSONFloat `json:"train_loss"`
	TestLoss  JSONFloat `json:"test_loss"`
	Criterion Selection `json:"criterion"`
}

// DataInfo describes the evaluated examples.
type DataInfo struct {
	ID          string `json:"id,omitempty"`
	Description string `json:"description"`
	Split       string `json:"split"`
	Examples    int    `json:"examples"`
	N           int    `json:"n"`
}

// RegionResult is metrics.RegionStat with JSON-safe numbers.
type RegionResult struct {
	Region           string    `json:"region"`
	NSources         int       `json:"n_sources"`
	Images           int64     `json:"images"`
	ImagesWithRegion int64     `json:"images_with_region"`
	Pixels           int64     `json:"pixels"`
	MAE              JSONFloat `json:"mae"`
	ImageMAE         JSONFloat `json:"image_mae"`
	AreaFraction     JSONFloat `json:"area_fraction"`
}

// RegionMean is a region's MAE averaged over the numbers of sources that have pixels in it.
type RegionMean struct {
	Region string    `json:"region"`
	MAE    JSONFloat `json:"mae"`
	Counts int       `json:"counts"`
}

// SliceResult is metrics.Slice with JSON-safe numbers.
type SliceResult struct {
	Lo      float64   `json:"lo"`
	Hi      float64   `json:"hi"`
	N       int64     `json:"n"`
	Mean    JSONFloat `json:"mean"`
	Std     JSONFloat `json:"std"`
	MeanAbs JSONFloat `json:"mean_abs"`
}

// SliceAggregateResult is metrics.SliceAggregate with JSON-safe numbers.
type SliceAggregateResult struct {
	Slices         int       `json:"slices"`
	MeanOfMeans    JSONFloat `json:"mean_of_means"`
	MaxOfMeans     JSONFloat `json:"max_of_means"`
	MeanOfStds     JSONFloat `json:"mean_of_stds"`
	MaxOfStds      JSONFloat `json:"max_of_stds"`
	MeanOfAbsMeans JSONFloat `json:"mean_of_abs_means"`
	MaxOfAbsMeans  JSONFloat `json:"max_of_abs_means"`
}

// PDFResult holds field-value densities on common bins.
type PDFResult struct {
	Edges      []float64 `json:"edges"`
	Target     []float64 `json:"target"`
	Prediction []float64 `json:"prediction"`
}

// PredictionFiles names the .npy files of the saved predictions: inputs, targets and predictions
// [K, N, N] float32, numbers of sources [K] int32 and configuration indices [K] int64.
type PredictionFiles struct {
	Dir         string `json:"dir"`
	Inputs      string `json:"inputs"`
	Targets     string `json:"targets"`
	Predictions string `json:"predictions"`
	NSources    string `json:"nsources"`
	Indices     string `json:"indices"`
}

// ReadConfig reads the configuration of the run in dir (dir/config.json).
func ReadConfig(dir string) (Config, error) {
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return Config{}, fmt.Errorf("training: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("training: %s: %w", filepath.Join(dir, ConfigFile), err)
	}
	return c, nil
}

// Evaluate loads a model of the run in dir (the best one by default), predicts a subset of its
// data and measures the predictions with the metrics of both papers.
func Evaluate(ctx stdctx.Context, dir string, opt EvalOptions) (*Report, error) {
	start := time.Now()
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	ck, err := openEvalCheckpoint(dir, opt.Checkpoint)
	if err != nil {
		return nil, err
	}
	if d := resumeDiff(ck.header.Config, cfg); len(d) > 0 {
		return nil, fmt.Errorf("training: %w: %s and %s describe different runs (%s); the directory mixes two runs: train again into a new directory",
			ErrConfigMismatch, filepath.Join(dir, ConfigFile), ck.path, strings.Join(d, "; "))
	}
	data := opt.Data
	if data == nil {
		dc := cfg.Data
		if opt.DataDir != "" {
			dc.Dir = opt.DataDir
		}
		if data, err = OpenData(dc); err != nil {
			return nil, err
		}
	}
	if data.Source.N() != cfg.Model.Size {
		return nil, fmt.Errorf("training: %w: the data's lattice is %d x %d, the model's %d x %d", ErrDataMismatch, data.Source.N(),
			data.Source.N(), cfg.Model.Size, cfg.Model.Size)
	}
	split := opt.Split
	if split == "" {
		split = cfg.Data.Test
	}
	sub, err := data.Subset(split)
	if err != nil {
		return nil, err
	}
	if len(sub.Indices) == 0 {
		return nil, fmt.Errorf("training: subset %q is empty", split)
	}
	b := opt.Backend
	if b == nil {
		if b, err = backend.New(); err != nil {
			return nil, fmt.Errorf("training: backend: %w", err)
		}
		defer b.Finalize()
	}
	eng, err := loadEngine(b, &cfg, ck, opt.Model, min(cfg.EvalBatchSize, len(sub.Indices)))
	if err != nil {
		return nil, err
	}
	rep := &Report{Run: dir, Config: cfg, Model: cfg.Model.Describe(), Backend: backend.Describe(b).String(),
		Data: DataInfo{ID: data.ID, Description: data.Description, Split: split, Examples: len(sub.Indices), N: cfg.Model.Size}}
	rep.Checkpoint = checkpointInfo(ck, &cfg)
	m, err := newEvalMetrics(data.MaxSources, opt.PDFBins)
	if err != nil {
		return nil, err
	}
	var pw *predictionWriter
	if opt.Predictions > 0 {
		pdir := opt.PredictionsDir
		if pdir == "" {
			pdir = filepath.Join(dir, "predictions-"+strings.ReplaceAll(split, "/", "-"))
		}
		pw = &predictionWriter{dir: pdir, n: cfg.Model.Size, limit: min(opt.Predictions, len(sub.Indices))}
	}
	ld, err := loader.New(data.Source, sub.Indices, loader.Options{Name: "eval", BatchSize: cfg.EvalBatchSize})
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	defer ld.Close()
	pr := progress.New(opt.Progress, "eval "+split, int64(len(sub.Indices)), progress.Options{Unit: "examples"})
	if opt.Progress == nil {
		pr = nil
	}
	exec, err := context.NewExec(b, eng.ctx.Checked(false), func(ctx *context.Context, x, y *Node) (*Node, *Node) {
		ctx.SetTraining(x.Graph(), false)
		pred := eng.forward(ctx, x)
		l := eng.loss.LossFn([]*Node{y}, []*Node{pred})
		pred, err := eng.transform.InvertNode(pred)
		if err != nil {
			panic(err)
		}
		return l, pred
	})
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	var lossSum float64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		bt, err := ld.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
		x, y := eng.tensors(bt)
		out, err := exec.Exec(x, y)
		x.FinalizeAll()
		y.FinalizeAll()
		if err != nil {
			return nil, fmt.Errorf("training: predicting: %w", err)
		}
		l, _ := scalarOut(out[:1])
		lossSum += l * float64(bt.Size())
		pred := make([]float32, bt.Size()*cfg.Model.Size*cfg.Model.Size)
		err = tensors.ConstFlatData(out[1], func(flat []float32) { copy(pred, flat) })
		out[1].FinalizeAll()
		if err != nil {
			return nil, err
		}
		if err := m.add(bt, pred); err != nil {
			return nil, fmt.Errorf("training: metrics: %w", err)
		}
		if pw != nil {
			pw.add(bt, pred)
		}
		pr.Add(int64(bt.Size()))
	}
	pr.Done()
	rep.Loss = JSONFloat(lossSum / float64(len(sub.Indices)))
	m.report(rep)
	if pw != nil {
		if rep.Predictions, err = pw.write(); err != nil {
			return nil, err
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.SamplesPerSecond = float64(len(sub.Indices)) / rep.Seconds
	return rep, nil
}

// loadEngine builds the inference graph of the run's model, sets its variables from the
// checkpoint, and positions the loss at the checkpoint's epoch.
func loadEngine(b backends.Backend, cfg *Config, ck *checkpoint, net ModelFn, batch int) (*engine, error) {
	if net == nil {
		fn, err := models.Build(cfg.Model)
		if err != nil {
			return nil, fmt.Errorf("training: %s: model: %w", ConfigFile, err)
		}
		net = fn
	}
	eng, err := newEngine(b, cfg, net)
	if err != nil {
		return nil, err
	}
	if err := eng.initInference(max(batch, 1)); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	if err := ck.snap.restore(eng.ctx, restoreUsed); err != nil {
		return nil, fmt.Errorf("training: %s: %w", ck.path, err)
	}
	if err := eng.loss.SetEpoch(max(ck.header.State.Epoch-1, 0)); err != nil {
		return nil, err
	}
	return eng, nil
}

// Predictor computes the predictions of a trained model, for figures and applications.
type Predictor struct {
	eng   *engine
	cfg   Config
	info  CheckpointInfo
	owned backends.Backend // the backend LoadPredictor created, if any
}

// LoadPredictor loads the model of the run in dir: which is "best" (default) or "last" (see
// EvalOptions.Checkpoint). b nil means backend.New(); net nil builds the run's Config.Model.
func LoadPredictor(dir, which string, b backends.Backend, net ModelFn) (*Predictor, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	ck, err := openEvalCheckpoint(dir, which)
	if err != nil {
		return nil, err
	}
	var owned backends.Backend
	if b == nil {
		if b, err = backend.New(); err != nil {
			return nil, fmt.Errorf("training: backend: %w", err)
		}
		owned = b
	}
	eng, err := loadEngine(b, &cfg, ck, net, cfg.EvalBatchSize)
	if err != nil {
		if owned != nil {
			owned.Finalize()
		}
		return nil, err
	}
	return &Predictor{eng: eng, cfg: cfg, info: checkpointInfo(ck, &cfg), owned: owned}, nil
}

// Close releases the backend LoadPredictor created (none when it was given one). The Predictor
// must not be used afterwards.
func (p *Predictor) Close() {
	if p.owned != nil {
		p.owned.Finalize()
		p.owned = nil
	}
}

// Config returns the run's configuration.
func (p *Predictor) Config() Config { return p.cfg }

// Checkpoint describes the loaded weights.
func (p *Predictor) Checkpoint() CheckpointInfo { return p.info }

// Predict returns the predicted fields (field units, N*N values each, row-major) of the input
// images, count of them one after the other in inputs (N = Config().Model.Size).
func (p *Predictor) Predict(inputs []float32, count int) ([]float32, error) {
	n := p.cfg.Model.Size
	if count < 1 || len(inputs) != count*n*n {
		return nil, fmt.Errorf("training: Predict: %d values for %d images of %d x %d", len(inputs), count, n, n)
	}
	out := make([]float32, 0, len(inputs))
	bs := p.cfg.EvalBatchSize
	for start := 0; start < count; start += bs {
		k := min(bs, count-start)
		b := &loader.Batch{N: n, Indices: make([]int, k), Inputs: inputs[start*n*n : (start+k)*n*n]}
		pred, err := p.eng.predictBatch(b)
		if err != nil {
			return nil, fmt.Errorf("training: Predict: %w", err)
		}
		out = append(out, pred...)
	}
	return out, nil
}

// ErrNoModel is wrapped by the error of Evaluate and LoadPredictor when the run has no finished
// epoch to load: it failed or was stopped before the end of its first epoch, or is still in it.
var ErrNoModel = errors.New("the run has no finished epoch")

// noModel explains why the run in dir has no model: what its history says, and what to do.
func noModel(dir string) error {
	why := "no checkpoint of a finished epoch"
	if h, err := ReadHistory(filepath.Join(dir, HistoryFile)); err == nil {
		switch h.Status {
		case "failed":
			why = fmt.Sprintf("its training failed before the end of an epoch: %s", h.Message)
		case "paused":
			why = "it was paused before the end of its first epoch; run the same surrogo train command again to continue"
		case "running":
			why = "its training has not finished an epoch yet"
		}
	}
	if pid, locked := datastore.LockedBy(dir); locked {
		why += fmt.Sprintf(" (it is being trained now, by pid %d)", pid)
	}
	return fmt.Errorf("training: %w: %s: %s", ErrNoModel, dir, why)
}

// openEvalCheckpoint reads the checkpoint to evaluate: "best" or "last".
func openEvalCheckpoint(dir, which string) (*checkpoint, error) {
	cdir := filepath.Join(dir, checkpointDir)
	switch which {
	case "", "best":
		c, err := readCheckpoint(filepath.Join(cdir, bestFile), false)
		if errors.Is(err, os.ErrNotExist) {
			return nil, noModel(dir)
		}
		return c, err
	case "last":
		files, err := checkpointFiles(cdir)
		if err != nil {
			return nil, err
		}
		var last *checkpoint
		for _, f := range files {
			if ep, ok := parseEpochFile(filepath.Base(f)); !ok || ep == 0 {
				continue // epoch 0 is the untrained initial state
			}
			c, err := readCheckpoint(f, true)
			if err != nil {
				continue
			}
			if last == nil || c.header.State.Seq > last.header.State.Seq {
				last = c
			}
		}
		if last == nil {
			return nil, noModel(dir)
		}
		return readCheckpoint(last.path, false)
	}
	return nil, fmt.Errorf("training: unknown checkpoint %q (want best or last)", which)
}

func checkpointInfo(c *checkpoint, cfg *Config) CheckpointInfo {
	st := &c.header.State
	info := CheckpointInfo{File: c.path, Kind: c.header.Kind, Epoch: st.Epoch, Criterion: cfg.Select,
		TrainLoss: JSONFloat(math.NaN()), TestLoss: JSONFloat(math.NaN())}
	if h := &st.History; st.Epoch >= 1 && st.Epoch <= h.Len() {
		info.TrainLoss, info.TestLoss = JSONFloat(h.TrainLoss[st.Epoch-1]), JSONFloat(h.TestLoss[st.Epoch-1])
	}
	return info
}

// evalMetrics accumulates the metrics of a report.
type evalMetrics struct {
	regions  *metrics.RegionAccumulator
	residual *metrics.ResidualStats
	slices   *metrics.SliceStats
	pdf      *metrics.FieldPDF
	absSum   float64
	pixels   int64
}

func newEvalMetrics(maxSources, pdfBins int) (*evalMetrics, error) {
	if pdfBins <= 0 {
		pdfBins = 120
	}
	m := &evalMetrics{}
	var err error
	if m.regions, err = metrics.NewRegionAccumulator(max(maxSources, 1)); err != nil {
		return nil, err
	}
	if m.residual, err = metrics.NewResidualStats(metrics.ResidualOptions{}); err != nil {
		return nil, err
	}
	if m.slices, err = metrics.NewSliceStats(metrics.SliceOptions{}); err != nil {
		return nil, err
	}
	if m.pdf, err = metrics.NewFieldPDF(-0.1, 1.1, pdfBins); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *evalMetrics) add(b *loader.Batch, pred []float32) error {
	nn := b.N * b.N
	for j := range b.Size() {
		in, tg, pr := b.Input(j), b.Target(j), pred[j*nn:(j+1)*nn]
		if err := m.regions.Add(in, tg, pr, int(b.NSources[j])); err != nil {
			return fmt.Errorf("example %d: %w", b.Indices[j], err)
		}
		for i := range tg {
			m.absSum += math.Abs(float64(tg[i]) - float64(pr[i]))
		}
		m.pixels += int64(nn)
	}
	if err := m.residual.Add(b.Targets, pred); err != nil {
		return err
	}
	if err := m.slices.Add(b.Targets, pred); err != nil {
		return err
	}
	return m.pdf.Add(b.Targets, pred)
}

func (m *evalMetrics) report(rep *Report) {
	rep.MAE = JSONFloat(m.absSum / float64(m.pixels))
	for _, s := range m.regions.Results() {
		rep.Regions = append(rep.Regions, RegionResult{Region: s.Region.String(), NSources: s.NSources, Images: s.Images,
			ImagesWithRegion: s.ImagesWithRegion, Pixels: s.Pixels, MAE: JSONFloat(s.MAE),
			ImageMAE: JSONFloat(s.ImageMAE), AreaFraction: JSONFloat(s.AreaFraction)})
	}
	for _, r := range metrics.Regions {
		mean, counts, err := m.regions.MeanOverCounts(r)
		if err != nil {
			mean = math.NaN()
		}
		rep.RegionMeans = append(rep.RegionMeans, RegionMean{Region: r.String(), MAE: JSONFloat(mean), Counts: counts})
	}
	rep.Residual = m.residual.Summary()
	for _, sl := range m.slices.Slices() {
		rep.Slices = append(rep.Slices, SliceResult{Lo: sl.Lo, Hi: sl.Hi, N: sl.N, Mean: JSONFloat(sl.Mean),
			Std: JSONFloat(sl.Std), MeanAbs: JSONFloat(sl.MeanAbs)})
	}
	a := m.slices.Aggregate()
	rep.SliceAggregate = SliceAggregateResult{Slices: a.Slices, MeanOfMeans: JSONFloat(a.MeanOfMeans),
		MaxOfMeans: JSONFloat(a.MaxOfMeans), MeanOfStds: JSONFloat(a.MeanOfStds), MaxOfStds: JSONFloat(a.MaxOfStds),
		MeanOfAbsMeans: JSONFloat(a.MeanOfAbsMeans), MaxOfAbsMeans: JSONFloat(a.MaxOfAbsMeans)}
	rep.PDF = PDFResult{Edges: m.pdf.Target.Edges(), Target: m.pdf.Target.Density(), Prediction: m.pdf.Prediction.Density()}
}

// predictionWriter keeps the first examples of an evaluation for .npy files.
type predictionWriter struct {
	dir                   string
	n, limit              int
	inputs, targets, pred []float32
	nsources              []int32
	indices               []int64
}

func (w *predictionWriter) add(b *loader.Batch, pred []float32) {
	nn := w.n * w.n
	for j := 0; j < b.Size() && len(w.nsources) < w.limit; j++ {
		w.inputs = append(w.inputs, b.Input(j)...)
		w.targets = append(w.targets, b.Target(j)...)
		w.pred = append(w.pred, pred[j*nn:(j+1)*nn]...)
		w.nsources = append(w.nsources, b.NSources[j])
		w.indices = append(w.indices, int64(b.Indices[j]))
	}
}

// predictionFiles are the names of the files of a predictions directory.
var predictionFiles = []string{"inputs.npy", "targets.npy", "predictions.npy", "nsources.npy", "indices.npy"}

func (w *predictionWriter) write() (*PredictionFiles, error) {
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	k := len(w.nsources)
	f := &PredictionFiles{Dir: w.dir, Inputs: predictionFiles[0], Targets: predictionFiles[1], Predictions: predictionFiles[2],
		NSources: predictionFiles[3], Indices: predictionFiles[4]}
	for _, item := range []struct {
		name  string
		shape []int
		data  any
	}{
		{f.Inputs, []int{k, w.n, w.n}, w.inputs},
		{f.Targets, []int{k, w.n, w.n}, w.targets},
		{f.Predictions, []int{k, w.n, w.n}, w.pred},
		{f.NSources, []int{k}, w.nsources},
		{f.Indices, []int{k}, w.indices},
	} {
		if err := npy.WriteFile(filepath.Join(w.dir, item.name), item.shape, item.data); err != nil {
			return nil, fmt.Errorf("training: writing predictions: %w", err)
		}
	}
	return f, nil
}

// JSON returns the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// WriteFile writes the report as JSON to path, atomically.
func (r *Report) WriteFile(path string) error {
	data, err := r.JSON()
	if err != nil {
		return fmt.Errorf("training: encoding the report: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("training: %w", err)
		}
	}
	return atomicfile.WriteFile(path, data, atomicfile.DefaultPerm)
}

// ReadReport reads a report written by Report.WriteFile.
func ReadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("training: %s: %w", path, err)
	}
	return &r, nil
}
