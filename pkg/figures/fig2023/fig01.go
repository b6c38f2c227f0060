package fig2023

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/datastore"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/loss"
	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/surrogate"
	"github.com/surrogo/surrogo/pkg/training"
	"github.com/surrogo/surrogo/solver"
)

// Fig. 1: a) the input of a 19-source configuration, b) its stationary state (the target) and
// c) the prediction of a trained ED-CNN, here with d) the absolute error |prediction - target|.
// The model is trained as the paper's best loss, exponential-weighted MAE (codename E1), on the
// whole training set of the 2023 data set at the run's scale, keeping the weights with the
// lowest test loss; the configuration is the first 19-source configuration of the test set.

func init() {
	figures.Register(figures.Def[Fig01Results]{
		// Version 1: the cpu scale's geometry (N = 128, R = 1.25, l = 5) and width 8.
		ID: "2023-fig01", Version: 1, Compute: computeFig01, Render: renderFig01, Summary: summaryFig01,
	})
}

const (
	// fig01Sources is the number of sources of the configuration shown (the paper's 19).
	fig01Sources = 19
	// fig01Codename is the model trained: exponential-weighted MAE on 100% of the training set,
	// the loss that performs best in the paper (Fig. 14, "models trained with exponential
	// prefactor and MAE consistently show better performance").
	fig01Codename = "1E1"
	// fig01Example is the .npy file of the example: [3, N, N] float32 input, target, prediction.
	fig01Example = "example.npy"
)

// fig01Training returns the width and epochs of the ED-CNN at scale s, where they differ from
// training.NewConfig's (0: keep NewConfig's). At cpu scale (N = 128, R = 1.25, l = 5) the width is
// the cpu sweeps' 8 and the epochs 20 of the codename's 56, so that the figure takes minutes on two
// cores (the cpu ladder sweep trains the same 1E1 for its 56 epochs); at paper scale the
// codename's 56 epochs, width 64.
func fig01Training(s scale.Scale) (width, epochs int, err error) {
	switch s {
	case scale.Smoke, scale.GPU, scale.Paper:
		return 0, 0, nil
	case scale.CPU:
		return 8, 20, nil
	}
	return 0, 0, fmt.Errorf("unknown scale %q", s)
}

// Fig01Results are the results behind Fig. 1.
type Fig01Results struct {
	// DataSet describes the 2023 data set at the run's scale (dataset.Spec.Describe) and DataID
	// is its fingerprint (the cache directory's name).
	DataSet string `json:"data_set"`
	DataID  string `json:"data_id"`
	N       int    `json:"n"`
	Model   string `json:"model"` // source model of the targets
	// Radius and DiffusionLength are the data set's source radius and sqrt(D/gamma), in cells.
	Radius          float64 `json:"radius,omitempty"`
	DiffusionLength float64 `json:"diffusion_length,omitempty"`
	// Train and Test are the sizes of the training and test subsets the model used.
	Train int `json:"train"`
	Test  int `json:"test"`
	// DataSeconds is the time spent generating or verifying the data-set cache in this run.
	DataSeconds float64 `json:"data_seconds"`

	// Training describes the trained model.
	Training Fig01Training `json:"training"`
	// TestSet is the kept model's error on the whole test set.
	TestSet Fig01TestSet `json:"test_set"`
	// Example is the configuration shown.
	Example Fig01Example `json:"example"`
}

// Fig01Training describes the training run behind the prediction.
type Fig01Training struct {
	Codename     string  `json:"codename"`
	Loss         string  `json:"loss"`    // the loss, from the codename
	Network      string  `json:"network"` // models.Config.Describe
	Width        int     `json:"width"`
	Params       int     `json:"params"`
	Epochs       int     `json:"epochs"`
	BatchSize    int     `json:"batch_size"`
	LearningRate float64 `json:"learning_rate"`
	Seed         uint64  `json:"seed"`
	Select       string  `json:"select"` // how the kept model was chosen
	// Run is the run directory's name under the cache (training/<data ID>/<Run>).
	Run string `json:"run"`
	// TrainLoss and TestLoss are the losses after each epoch.
	TrainLoss []float64 `json:"train_loss"`
	TestLoss  []float64 `json:"test_loss"`
	// BestEpoch is the kept epoch (lowest test loss).
	BestEpoch int `json:"best_epoch"`
	// Seconds is the training time (all sessions of the run) and SamplesPerSecond the mean
	// training throughput.
	Seconds          float64 `json:"seconds"`
	SamplesPerSecond float64 `json:"samples_per_s"`
	// Reused is true when the run was found complete in the cache (trained by an earlier call).
	Reused bool `json:"reused"`
}

// Fig01TestSet is the kept model's error on the test set (package training's Evaluate).
type Fig01TestSet struct {
	Examples int     `json:"examples"`
	MAE      float64 `json:"mae"` // over all pixels of all test examples
	// RegionMAE is the MAE of each region (whole, sources, field, R1, R2, R3), averaged over the
	// numbers of sources with equal weights (the paper's Fig. 14 average).
	RegionMAE map[string]float64 `json:"region_mae"`
	// SameCount is the MAE of each region over the test examples with fig01Sources sources.
	SameCount map[string]float64 `json:"same_count"`
	// SameCountExamples is their number.
	SameCountExamples int `json:"same_count_examples"`
}

// Fig01Example is the configuration of the figure.
type Fig01Example struct {
	Index    int             `json:"index"` // configuration index in the data set
	NSources int             `json:"n_sources"`
	Sources  []solver.Source `json:"sources"`
	// Fields is the .npy file (float32, [3, N, N]) of the input, the target and the prediction.
	Fields string `json:"fields"`
	// MAE is the example's MAE in each region (whole, sources, field, R1, R2, R3); a region
	// without pixels is left out.
	MAE map[string]float64 `json:"mae"`
	// MaxError is the largest |prediction - target| and MaxErrorAt its cell (row, col).
	MaxError   float64 `json:"max_error"`
	MaxErrorAt [2]int  `json:"max_error_at"`
	// TargetMax and PredictionMax are the largest values of the two fields.
	TargetMax     float64 `json:"target_max"`
	PredictionMax float64 `json:"prediction_max"`
}

// newBackend returns the backend selected by $GOMLX_BACKEND (package backend: the extended pure-Go
// backend by default) and records it in the run's provenance.
func newBackend(run *figures.Run) (backends.Backend, error) { return run.NewBackend() }

// trainingData returns the examples of spec for training and evaluation, with the training and
// test subsets named train and test. Below paper scale they come from the data-set cache
// <cache>/datasets/<spec ID>, generated (or verified, when it exists) with datastore's default
// target settings, so that every figure of the 2023 paper at the same scale and seed shares
// one cache. At paper scale the 400,000 targets of 512 x 512 (420 GB) do not fit on a disk;
// they are then solved on the fly by a datastore.Generator (close it with the returned
// function).
func trainingData(run *figures.Run, spec dataset.Spec, train, test string) (*training.Data, func(), error) {
	sp, err := spec.Split()
	if err != nil {
		return nil, nil, err
	}
	d := &training.Data{ID: spec.ID(), Description: spec.Describe(), MaxSources: spec.MaxSources}
	if d.Train, err = sp.Subset(train); err != nil {
		return nil, nil, err
	}
	if d.Test, err = sp.Subset(test); err != nil {
		return nil, nil, err
	}
	if spec.Scale == scale.Paper {
		gen, err := datastore.NewGenerator(spec, datastore.TargetOptions{})
		if err != nil {
			return nil, nil, err
		}
		d.Source = gen
		run.Logf("paper scale: targets of data set %s are solved on the fly", spec.ID())
		return d, func() { gen.Close() }, nil
	}
	st, _, err := run.DataSet(spec)
	if err != nil {
		return nil, nil, err
	}
	d.Source = st
	return d, func() {}, nil
}

// trainingRunDir returns the directory of the training run of cfg under the cache,
// training/<data ID>/<model>-<codename>-w<width>-e<epochs>-<hash>, where hash fingerprints the
// whole configuration, so that a changed setting never meets an older run's checkpoints.
func trainingRunDir(run *figures.Run, cfg training.Config) (string, error) {
	root, err := run.CacheDir()
	if err != nil {
		return "", err
	}
	return surrogate.RunDir(root, cfg), nil
}

// Fig01Setup returns the data set and the training configuration of Fig. 1 at a scale and seed:
// the 2023 data set, and the ED-CNN trained as 1E1 with the scale's width and epochs
// (fig01Training). The notebook trains it with package surrogate; computeFig01 finds that run.
func Fig01Setup(s scale.Scale, seed uint64) (dataset.Spec, training.Config, error) {
	spec, err := dataset.New(dataset.Recipe2023, s, seed)
	if err != nil {
		return spec, training.Config{}, err
	}
	cfg, err := training.NewConfig(models.EDCNN, s, spec.N, fig01Codename)
	if err != nil {
		return spec, cfg, err
	}
	width, epochs, err := fig01Training(s)
	if err != nil {
		return spec, cfg, err
	}
	if width > 0 {
		cfg.Model.Width = width
	}
	if epochs > 0 {
		cfg.Epochs = epochs
	}
	cfg.Seed = seed
	cfg.Data.ID = spec.ID()
	return spec, cfg, cfg.Validate()
}

func computeFig01(run *figures.Run) (Fig01Results, error) {
	var res Fig01Results
	spec, cfg, err := Fig01Setup(run.Scale, run.Seed)
	if err != nil {
		return res, err
	}

	start := time.Now()
	data, closeData, err := trainingData(run, spec, cfg.Data.Train, cfg.Data.Test)
	if err != nil {
		return res, err
	}
	defer closeData()
	res = Fig01Results{DataSet: spec.Describe(), DataID: spec.ID(), N: spec.N, Model: string(spec.Model),
		Radius: spec.Radius, DiffusionLength: math.Sqrt(spec.D / spec.Gamma),
		Train: len(data.Train.Indices), Test: len(data.Test.Indices), DataSeconds: time.Since(start).Seconds()}

	b, err := newBackend(run)
	if err != nil {
		return res, err
	}
	defer b.Finalize()
	dir, err := trainingRunDir(run, cfg)
	if err != nil {
		return res, err
	}
	reused := false
	if h, err := training.ReadHistory(filepath.Join(dir, training.HistoryFile)); err == nil && h.Status == "done" {
		reused = true
	}
	run.Logf("training %s (%s, %d epochs, batch %d) on %d examples in %s", cfg.Model.Describe(), fig01Codename,
		cfg.Epochs, cfg.BatchSize, res.Train, dir)
	h, err := run.Train(cfg, dir, training.Options{Backend: b, Data: data, Log: run.Log})
	if err != nil {
		return res, err
	}
	if h.Best.Epoch < 1 {
		return res, fmt.Errorf("training run %s kept no model", dir)
	}
	lossText, err := lossName(fig01Codename)
	if err != nil {
		return res, err
	}
	an, err := models.Analyze(cfg.Model)
	if err != nil {
		return res, err
	}
	res.Training = Fig01Training{Codename: fig01Codename, Loss: lossText, Network: cfg.Model.Describe(),
		Width: cfg.Model.Width, Params: an.Params, Epochs: cfg.Epochs, BatchSize: cfg.BatchSize,
		LearningRate: cfg.Optimizer.LearningRate, Seed: cfg.Seed, Select: string(cfg.Select),
		Run: filepath.Base(dir), TrainLoss: h.TrainLoss, TestLoss: h.TestLoss,
		BestEpoch: h.Best.Epoch, Reused: reused}
	if n := len(h.Elapsed); n > 0 {
		res.Training.Seconds = h.Elapsed[n-1]
	}
	for _, r := range h.SamplesPerSecond {
		res.Training.SamplesPerSecond += r / float64(len(h.SamplesPerSecond))
	}

	// The kept model on the whole test set.
	rep, err := training.Evaluate(run.Context(), dir, training.EvalOptions{Backend: b, Data: data})
	if err != nil {
		return res, err
	}
	res.TestSet = Fig01TestSet{Examples: rep.Data.Examples, MAE: float64(rep.MAE),
		RegionMAE: map[string]float64{}, SameCount: map[string]float64{}}
	for _, m := range rep.RegionMeans {
		if v := float64(m.MAE); !math.IsNaN(v) {
			res.TestSet.RegionMAE[m.Region] = v
		}
	}
	for _, r := range rep.Regions {
		if r.NSources != fig01Sources {
			continue
		}
		if v := float64(r.MAE); !math.IsNaN(v) {
			res.TestSet.SameCount[r.Region] = v
		}
		if r.Region == metrics.Whole.String() {
			res.TestSet.SameCountExamples = int(r.Images)
		}
	}

	// The example: the first 19-source configuration of the test set.
	sp, err := spec.Split()
	if err != nil {
		return res, err
	}
	_, test, err := sp.FixedCount(fig01Sources)
	if err != nil {
		return res, err
	}
	if len(test.Indices) == 0 {
		return res, fmt.Errorf("the test set at scale %s has no configuration with %d sources", run.Scale, fig01Sources)
	}
	idx := test.Indices[0]
	p, err := training.LoadPredictor(dir, "best", b, nil)
	if err != nil {
		return res, err
	}
	defer p.Close()
	nn := spec.N * spec.N
	fields := make([]float32, 3*nn)
	input, target := fields[:nn], fields[nn:2*nn]
	ns := make([]int32, 1)
	if err := data.Source.Fill([]int{idx}, input, target, ns); err != nil {
		return res, err
	}
	pred, err := p.Predict(input, 1)
	if err != nil {
		return res, err
	}
	copy(fields[2*nn:], pred)
	srcs, err := spec.Sources(idx)
	if err != nil {
		return res, err
	}
	ex, err := describeExample(input, target, pred, int(ns[0]), spec.N)
	if err != nil {
		return res, err
	}
	ex.Index, ex.Sources, ex.Fields = idx, srcs, fig01Example
	res.Example = ex
	if err := npy.WriteFile(run.Path(fig01Example), []int{3, spec.N, spec.N}, fields); err != nil {
		return res, err
	}
	run.Logf("test MAE %.4g; configuration %d (%d sources): MAE %.4g, largest error %.3g", res.TestSet.MAE,
		idx, ex.NSources, ex.MAE[metrics.Whole.String()], ex.MaxError)
	return res, nil
}

// describeExample measures the prediction of one configuration (metrics.MeasureImage): the MAE
// per region, the largest error and where it is, and the maxima of the two fields.
func describeExample(input, target, pred []float32, nSources, n int) (Fig01Example, error) {
	ex := Fig01Example{NSources: nSources, MAE: map[string]float64{}}
	e, err := metrics.MeasureImage(input, target, pred, n, nSources)
	if err != nil {
		return ex, err
	}
	for r, v := range e.MAE {
		ex.MAE[r.String()] = v
	}
	ex.MaxError, ex.MaxErrorAt = e.MaxError, e.MaxErrorAt
	ex.TargetMax, ex.PredictionMax = e.TargetMax, e.PredictionMax
	return ex, nil
}

// lossName says in words which loss a codename of kind E (exponential prefactor) trains with,
// e.g. "exponential-weighted MAE, exp(−(1−y)/w) |ŷ − y| with w = 1 (weighted by the target)".
func lossName(code string) (string, error) {
	c, err := codename.Parse(code)
	if err != nil {
		return "", err
	}
	l := c.Loss
	if l.Prefactor != loss.PrefactorExp || l.Metric != loss.MAE {
		return "", fmt.Errorf("codename %s: want an exponential-weighted MAE loss, got %s", code, l.String())
	}
	by := l.WeightBy
	if by == "" {
		by = loss.WeightTarget
	}
	return fmt.Sprintf("exponential-weighted MAE, exp(−(1−y)/w)·|ŷ − y| with w = %g, weighted by the %s", l.W, by), nil
}

// fig01Stamp is the scale stamp of Fig. 1.
func fig01Stamp(s scale.Scale, r Fig01Results) string {
	st := figkit.Stamp(s, "512×512, 320k training samples, width 64, up to 100 epochs", false)
	if s == scale.Paper {
		return st
	}
	return st + fmt.Sprintf(" · here %d×%d, %s training samples, width %d, %d epochs", r.N, r.N,
		thousands(r.Train), r.Training.Width, r.Training.Epochs)
}

func renderFig01(run *figures.Run, r Fig01Results) error {
	fields, err := readFields(run.Path(r.Example.Fields), 3, r.N)
	if err != nil {
		return err
	}
	nn := r.N * r.N
	input, target, pred := fields[:nn], fields[nn:2*nn], fields[2*nn:]
	absErr := make([]float64, nn)
	for i := range absErr {
		absErr[i] = math.Abs(float64(pred[i]) - float64(target[i]))
	}
	whole := r.Example.MAE[metrics.Whole.String()]

	in := plots.NewHeatmap(input)
	in.Title = fmt.Sprintf("initial condition: %d sources", r.Example.NSources)
	in.Color = plots.ColorScale{Label: "source value"}.Fixed(0, 1)
	out := plots.NewHeatmap(target)
	out.Title = "stationary state (target)"
	out.Color = plots.ColorScale{Label: "c"}.Fixed(0, 1)
	pr := plots.NewHeatmap(pred)
	pr.Title = fmt.Sprintf("ED-CNN prediction (%s)", r.Training.Codename)
	pr.Color = plots.ColorScale{Label: "ĉ"}.Fixed(0, 1)
	er := plots.NewHeatmap(absErr)
	er.Title = fmt.Sprintf("|ĉ − c|: MAE %.3f, max %.2f", whole, r.Example.MaxError)
	er.Color = plots.ColorScale{Map: plots.Inferno, Label: "absolute error"}.Fixed(0, max(r.Example.MaxError, 1e-6))
	for _, h := range []*plots.Heatmap{in, out, pr, er} {
		h.HideAxes = true
	}
	fig := plots.NewFigure(1, 4, in, out, pr, er)
	fig.Letters, fig.LetterFormat = true, "%s)"
	fig.Title = fmt.Sprintf("Input, stationary solution and ED-CNN prediction for %d sources on %d×%d (test configuration %d)",
		r.Example.NSources, r.N, r.N, r.Example.Index)
	fig.Width, fig.Height = 15*vg.Inch, 4.3*vg.Inch
	fig.Stamp = fig01Stamp(run.Scale, r)
	for _, ext := range []string{".png", ".svg"} {
		if err := fig.Save(run.Path(run.ID + ext)); err != nil {
			return err
		}
	}
	return nil
}

// fig01RegionOrder is the order of the regions in the summary's table.
var fig01RegionOrder = []string{"whole", "sources", "field", "R1", "R2", "R3"}

func summaryFig01(r Fig01Results) string {
	t := r.Training
	if len(t.TestLoss) == 0 || t.BestEpoch < 1 || t.BestEpoch > len(t.TestLoss) || r.Example.MAE == nil {
		return "results are incomplete"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Model.** %s, trained as **%s** (%s) with Adam (learning rate %g, batch %d, seed %d) for %d epochs on "+
		"the %s training configurations of the data set; the kept model is epoch %d, the lowest test loss (%.4g; training loss %.4g). "+
		"%s parameters; training took %.0f s (%.1f samples/s)",
		t.Network, t.Codename, t.Loss, t.LearningRate, t.BatchSize, t.Seed, t.Epochs, thousands(r.Train), t.BestEpoch,
		t.TestLoss[t.BestEpoch-1], t.TrainLoss[t.BestEpoch-1], thousands(t.Params), t.Seconds, t.SamplesPerSecond)
	if t.Reused {
		b.WriteString(", in an earlier call (the run was found complete in the cache)")
	}
	b.WriteString(".\n\n")
	fmt.Fprintf(&b, "**Data.** %s. Test set: %s configurations.\n\n", r.DataSet, thousands(r.Test))

	b.WriteString("| MAE | whole | sources | field | R1 | R2 | R3 |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	row := func(name string, m map[string]float64) {
		fmt.Fprintf(&b, "| %s |", name)
		for _, reg := range fig01RegionOrder {
			if v, ok := m[reg]; ok {
				fmt.Fprintf(&b, " %.4f |", v)
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
	row(fmt.Sprintf("this configuration (%d, %d sources)", r.Example.Index, r.Example.NSources), r.Example.MAE)
	row(fmt.Sprintf("test configurations with %d sources (%d)", fig01Sources, r.TestSet.SameCountExamples), r.TestSet.SameCount)
	row(fmt.Sprintf("whole test set (%s), mean over source counts", thousands(r.TestSet.Examples)), r.TestSet.RegionMAE)
	fmt.Fprintf(&b, "\nPanel d: the largest error of this configuration is %.3f at (row %d, col %d); the target's maximum is %.3f "+
		"and the prediction's %.3f. Test-set MAE over all pixels: %.4f.\n",
		r.Example.MaxError, r.Example.MaxErrorAt[0], r.Example.MaxErrorAt[1], r.Example.TargetMax, r.Example.PredictionMax, r.TestSet.MAE)

	b.WriteString("\nLosses per epoch (train / test): ")
	var parts []string
	for i := range t.TestLoss {
		mark := ""
		if i+1 == t.BestEpoch {
			mark = " (kept)"
		}
		parts = append(parts, fmt.Sprintf("%d: %.4g / %.4g%s", i+1, t.TrainLoss[i], t.TestLoss[i], mark))
	}
	b.WriteString(strings.Join(parts, "; ") + ".\n")

	paperN, paperTrain, paperTest := 512, 320000, 80000
	fmt.Fprintf(&b, "\n**Reduced vs the paper.** lattice %d×%d (paper %d×%d); %s training and %s test configurations "+
		"(paper %s and %s); width %d (paper 64), so the bottleneck is %d×%d×%d (paper 16×16×2048); %d epochs (paper up to 100, "+
		"56 for 1E1); batch %d (paper 25). Same physics, protocol, loss, learning rate and model selection.",
		r.N, r.N, paperN, paperN, thousands(r.Train), thousands(r.Test), thousands(paperTrain), thousands(paperTest),
		t.Width, r.N/32, r.N/32, 32*t.Width, t.Epochs, t.BatchSize)
	switch {
	case r.N < paperN && r.Radius > 0 && math.Abs(r.Radius*float64(paperN)/float64(r.N)-5) < 1e-9:
		fmt.Fprintf(&b, " The source radius (%g cells) and the diffusion length (%g cells) shrink with the lattice, the "+
			"paper's R/N and l/N, so %d sources cover about the fraction of the lattice they cover at 512×512.",
			r.Radius, r.DiffusionLength, r.Example.NSources)
	case r.N < paperN && r.Radius > 0:
		fmt.Fprintf(&b, " The source radius is %g cells and the diffusion length %g cells on a %d×%d lattice (the paper: 5 "+
			"and 20 on 512×512): %d sources cover %.1f times the fraction of the lattice they cover in the paper.",
			r.Radius, r.DiffusionLength, r.N, r.N, r.Example.NSources, r.Radius*r.Radius*float64(paperN*paperN)/(25*float64(r.N*r.N)))
	}
	b.WriteString("\n")
	return b.String()
}
