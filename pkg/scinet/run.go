package scinet

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/surrogo/surrogo/pkg/scinet/nn"
)

// UsedSNR is the threshold above which a latent counts as used: the spread of its mean over the
// evaluation samples, std(μ_i), divided by the noise of its samples, rms(σ_i). The review decides by
// eye from the histogram of μ ("If a variable is unused, all the values of μ_i will be near 0, while
// if its used, the variables will be spread out ... The distinction is always very stark"). A latent
// the decoder ignores is pulled to μ = 0, σ = 1 by the KL term; in the seven experiments at the cpu
// scale such latents measured SNRs of 0.02 to 0.12, latents in use 0.45 to 160. Measuring the
// spread against σ rather than in absolute terms makes the rule independent of the latent's scale and
// offset (early in training μ may sit far from 0 with little spread, which a raw KL threshold would
// count as used). SNR 0.3 corresponds to about 0.04 nats of information (LatentStats.Information).
const UsedSNR = 0.3

// Errors are the accuracy metrics of a SciNet on fresh samples of its training distribution, in the
// experiment's output coordinates (φ and A in real space, φ and ln A in log space).
type Errors struct {
	// PhaseRMS is the r.m.s. phase error (radians); PhaseRange is max − min of the true φ over the
	// samples; PhaseRMSOverRange and PhaseRMSOverPi are PhaseRMS divided by those ranges (the review's
	// "r.m.s. error is only 3.4 percent of the range of ϕ").
	PhaseRMS          float64 `json:"phase_rms"`
	PhaseRange        float64 `json:"phase_range"`
	PhaseRMSOverRange float64 `json:"phase_rms_over_range"`
	PhaseRMSOverPi    float64 `json:"phase_rms_over_pi"`
	// AmpRMS is the r.m.s. error of A (ln A in log space); AmpRange the range of the true values;
	// AmpRMSOverRange and AmpMeanAbsOverRange divide the r.m.s. and mean absolute errors by it (log space:
	// "the average amplitude error divided by the amplitude range (in log coordinates)").
	AmpRMS              float64 `json:"amp_rms"`
	AmpRange            float64 `json:"amp_range"`
	AmpRMSOverRange     float64 `json:"amp_rms_over_range"`
	AmpMeanAbsOverRange float64 `json:"amp_mean_abs_over_range"`
	// AmpRelRMS is the r.m.s. relative amplitude error sqrt(mean((Â/A − 1)²)), with Â = exp(ln Â) in log
	// space (the review's "within 2.8 percent of the ground truth amplitude").
	AmpRelRMS float64 `json:"amp_rel_rms"`
	// AmpMeanRel is the mean relative amplitude error mean(|Â/A − 1|).
	AmpMeanRel float64 `json:"amp_mean_rel"`
}

// LatentStats summarises one latent variable over the evaluation samples.
type LatentStats struct {
	// Index is the latent's position, 0-based (the review's "parameter 3" may be 0- or 1-based; which
	// latents a net uses depends on its seed anyway).
	Index int `json:"index"`
	// MuMean and MuStd are the mean and standard deviation of μ_i.
	MuMean float64 `json:"mu_mean"`
	MuStd  float64 `json:"mu_std"`
	// SigmaMean is the mean of σ_i and SigmaRMS its root mean square.
	SigmaMean float64 `json:"sigma_mean"`
	SigmaRMS  float64 `json:"sigma_rms"`
	// SNR is MuStd / SigmaRMS.
	SNR float64 `json:"snr"`
	// Information is ½ ln(1 + SNR²) nats: the information a Gaussian channel with this signal and noise
	// carries (exact for Gaussian μ and constant σ), an estimate of what the latent tells the decoder.
	Information float64 `json:"information"`
	// KL is the mean KL divergence of N(μ_i, σ_i²) from N(0, 1), in nats (the latent's share of the
	// loss's KL term).
	KL float64 `json:"kl"`
	// CorrPhase and CorrAmp are the Pearson correlations of μ_i with the true φ and the true amplitude
	// (A, or ln A in log space) over the evaluation samples (figure 16: latents that "track A and ϕ").
	CorrPhase float64 `json:"corr_phase"`
	CorrAmp   float64 `json:"corr_amp"`
	// Used is SNR > UsedSNR.
	Used bool `json:"used"`
	// Histogram bins μ_i (figures 5, 15, 20).
	Histogram Histogram `json:"histogram"`
}

// Region is the model evaluated on a rectangle of the input plane, against the ground truth.
type Region struct {
	// Name is "training" or "extrapolation"; Sigmas the half-width of the window in standard deviations.
	Name   string  `json:"name"`
	Sigmas float64 `json:"sigmas"`
	// TruePhase, ModelPhase, TrueAmp, ModelAmp are φ and A (ln A in log space) on the grid.
	TruePhase  Grid `json:"true_phase"`
	ModelPhase Grid `json:"model_phase"`
	TrueAmp    Grid `json:"true_amp"`
	ModelAmp   Grid `json:"model_amp"`
	// Mu holds μ_i on the grid, one per latent (figure 26's "graph of parameter 2").
	Mu []Grid `json:"mu,omitempty"`
}

// PhaseError returns model − true φ on the region's grid.
func (r *Region) PhaseError() Grid {
	return difference("model − "+r.TruePhase.Label, r.ModelPhase, r.TruePhase)
}

// AmpError returns model − true amplitude (A, or ln A in log space) on the region's grid.
func (r *Region) AmpError() Grid {
	return difference("model − "+r.TrueAmp.Label, r.ModelAmp, r.TrueAmp)
}

// difference returns a − b on a's grid (both sampled on the same grid).
func difference(label string, a, b Grid) Grid {
	d := Grid{Label: label, XLabel: a.XLabel, YLabel: a.YLabel, X: a.X, Y: a.Y, Z: make([]float64, len(a.Z))}
	for i := range d.Z {
		d.Z[i] = a.Z[i] - b.Z[i]
	}
	return d
}

// Scatter holds evaluation samples point by point (figures 16, 20, 26: latents against outputs).
// Omega and Gamma are the inputs in the experiment's coordinates.
type Scatter struct {
	Omega      []float64   `json:"omega"`
	Gamma      []float64   `json:"gamma"`
	TruePhase  []float64   `json:"true_phase"`
	TrueAmp    []float64   `json:"true_amp"`
	ModelPhase []float64   `json:"model_phase"`
	ModelAmp   []float64   `json:"model_amp"`
	Mu         [][]float64 `json:"mu"` // Mu[i][k]: latent i of sample k
}

// ExperimentResult is everything the review shows about one experiment.
type ExperimentResult struct {
	Experiment Experiment       `json:"experiment"`
	Model      ModelConfig      `json:"model"`
	Parameters int              `json:"parameters"`
	Provenance Provenance       `json:"provenance"`
	Curve      nn.LearningCurve `json:"curve"`
	Errors     Errors           `json:"errors"`
	Latents    []LatentStats    `json:"latents"`
	// UsedLatents lists the indices of the used latents.
	UsedLatents []int `json:"used_latents"`
	// Training is the window mean ± 2σ (damping clipped to the band [1e−3, 1] the data were folded into);
	// Extrapolation is mean ± ExtrapolationSigmas·σ (figure 25: "at 6σ away from the mean").
	Training      Region  `json:"training"`
	Extrapolation Region  `json:"extrapolation"`
	Scatter       Scatter `json:"scatter"`
}

// Evaluation windows, in standard deviations of the training distribution.
const (
	TrainingSigmas      = 2
	ExtrapolationSigmas = 6
)

// RunExperiment trains a SciNet (cfg, usually [PaperModel]) on the experiment's distribution with the
// given budget and seed, then evaluates it: errors, latent statistics and histograms on
// Budget.EvalSamples fresh samples, grids on the training and extrapolation windows, and the first
// Budget.ScatterSamples samples point by point.
func RunExperiment(backend backends.Backend, e Experiment, cfg ModelConfig, b Budget, seed uint64) (*ExperimentResult, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if cfg.Inputs != 2 || cfg.Outputs != 2 || cfg.Questions != 0 {
		return nil, fmt.Errorf("scinet: the oscillator experiments need Inputs=2, Outputs=2, Questions=0; got %d, %d, %d",
			cfg.Inputs, cfg.Outputs, cfg.Questions)
	}
	start := time.Now()
	m, err := NewModel(backend, cfg, b.LearningRate, seed)
	if err != nil {
		return nil, err
	}
	if err := m.Train(b.Steps, b.Batch, b.recordEvery(), e.sampler()); err != nil {
		return nil, fmt.Errorf("scinet: training %s: %w", e.Name, err)
	}
	r := &ExperimentResult{Experiment: e, Model: cfg, Parameters: cfg.Parameters(), Curve: m.Learner().Curve()}
	if err := r.evaluateSamples(m, b, seed); err != nil {
		return nil, err
	}
	if r.Training, err = evaluateRegion(m, e, "training", TrainingSigmas, true, b.GridPoints); err != nil {
		return nil, err
	}
	if r.Extrapolation, err = evaluateRegion(m, e, "extrapolation", ExtrapolationSigmas, false, b.GridPoints); err != nil {
		return nil, err
	}
	r.Provenance = Provenance{Scale: b.Scale, Steps: m.Learner().Steps(), Batch: b.Batch, LearningRate: b.LearningRate,
		Seed: seed, Backend: backendName(backend),
		ElapsedSeconds: time.Since(start).Seconds()}
	return r, nil
}

// evaluateSamples fills Errors, Latents, UsedLatents and Scatter from fresh samples of the training
// distribution (a random stream independent of training).
func (r *ExperimentResult) evaluateSamples(m *Model, b Budget, seed uint64) error {
	e := r.Experiment
	n := b.EvalSamples
	rng := rand.New(rand.NewPCG(seed, 0xe7a1))
	x := make([]float64, 2*n)
	tp, ta := make([]float64, n), make([]float64, n)
	for k := range n {
		u, v := e.Sample(rng)
		x[2*k], x[2*k+1] = u, v
		tp[k], ta[k] = e.Truth(u, v)
	}
	enc, err := m.Evaluate(x)
	if err != nil {
		return fmt.Errorf("scinet: evaluating %s: %w", e.Name, err)
	}
	mp, ma := column(enc.Pred, 2, 0), column(enc.Pred, 2, 1)
	r.Errors = errorMetrics(e.Space, tp, ta, mp, ma)
	L := m.Config.Latent
	for i := range L {
		mu, ls := column(enc.Mu, L, i), column(enc.LogSigma, L, i)
		st := LatentStats{Index: i}
		var kl, sig, sig2 float64
		for k := range mu {
			s := math.Exp(ls[k])
			sig += s
			sig2 += s * s
			kl += KL(mu[k], s)
		}
		st.MuMean, st.MuStd = meanStd(mu)
		st.SigmaMean, st.SigmaRMS, st.KL = sig/float64(n), math.Sqrt(sig2/float64(n)), kl/float64(n)
		st.SNR = st.MuStd / st.SigmaRMS
		st.Information = 0.5 * math.Log1p(st.SNR*st.SNR)
		st.Used = st.SNR > UsedSNR
		st.CorrPhase, st.CorrAmp = correlation(mu, tp), correlation(mu, ta)
		if st.Histogram, err = NewHistogram(fmt.Sprintf("μ_%d", i), mu, 40); err != nil {
			return err
		}
		r.Latents = append(r.Latents, st)
		if st.Used {
			r.UsedLatents = append(r.UsedLatents, i)
		}
	}
	s := b.ScatterSamples
	r.Scatter = Scatter{
		Omega: column(x[:2*s], 2, 0), Gamma: column(x[:2*s], 2, 1),
		TruePhase: append([]float64(nil), tp[:s]...), TrueAmp: append([]float64(nil), ta[:s]...),
		ModelPhase: append([]float64(nil), mp[:s]...), ModelAmp: append([]float64(nil), ma[:s]...),
	}
	for i := range L {
		r.Scatter.Mu = append(r.Scatter.Mu, column(enc.Mu[:L*s], L, i))
	}
	return nil
}

// errorMetrics computes the Errors of predictions (mp, ma) against truths (tp, ta).
func errorMetrics(space Space, tp, ta, mp, ma []float64) Errors {
	var er Errors
	n := float64(len(tp))
	er.PhaseRMS = rms(mp, tp)
	er.PhaseRange = spread(tp)
	er.PhaseRMSOverRange = er.PhaseRMS / er.PhaseRange
	er.PhaseRMSOverPi = er.PhaseRMS / math.Pi
	er.AmpRMS = rms(ma, ta)
	er.AmpRange = spread(ta)
	er.AmpRMSOverRange = er.AmpRMS / er.AmpRange
	var abs, rel2, rel float64
	for k := range ta {
		abs += math.Abs(ma[k] - ta[k])
		q := ma[k]/ta[k] - 1
		if space == Log {
			q = math.Expm1(ma[k] - ta[k])
		}
		rel2 += q * q
		rel += math.Abs(q)
	}
	er.AmpMeanAbsOverRange = abs / n / er.AmpRange
	er.AmpRelRMS = math.Sqrt(rel2 / n)
	er.AmpMeanRel = rel / n
	return er
}

// evaluateRegion evaluates the model on a points × points grid over the window mean ± k·σ.
func evaluateRegion(m *Model, e Experiment, name string, k float64, clipToBand bool, points int) (Region, error) {
	uLo, uHi, vLo, vHi := e.Window(k, clipToBand)
	us, vs := linspace(uLo, uHi, points), linspace(vLo, vHi, points)
	x := make([]float64, 0, 2*points*points)
	for _, v := range vs {
		for _, u := range us {
			x = append(x, u, v)
		}
	}
	enc, err := m.Evaluate(x)
	if err != nil {
		return Region{}, fmt.Errorf("scinet: evaluating %s on the %s window: %w", e.Name, name, err)
	}
	wl, gl, al := e.Labels()
	mk := func(label string, z []float64) Grid {
		return Grid{Label: label, XLabel: wl, YLabel: gl, X: us, Y: vs, Z: z}
	}
	n := points * points
	tp, ta := make([]float64, n), make([]float64, n)
	for i := range n {
		tp[i], ta[i] = e.Truth(x[2*i], x[2*i+1])
	}
	mp, ma := column(enc.Pred, 2, 0), column(enc.Pred, 2, 1)
	reg := Region{Name: name, Sigmas: k,
		TruePhase: mk("true φ", tp), ModelPhase: mk("model φ", mp),
		TrueAmp: mk("true "+al, ta), ModelAmp: mk("model "+al, ma),
	}
	L := m.Config.Latent
	for i := range L {
		reg.Mu = append(reg.Mu, mk(fmt.Sprintf("μ_%d", i), column(enc.Mu, L, i)))
	}
	return reg, nil
}

// column returns column j of a row-major matrix with cols columns.
func column(a []float64, cols, j int) []float64 {
	out := make([]float64, len(a)/cols)
	for i := range out {
		out[i] = a[i*cols+j]
	}
	return out
}

// meanStd returns the mean and (population) standard deviation of xs.
func meanStd(xs []float64) (mean, std float64) {
	for _, v := range xs {
		mean += v
	}
	mean /= float64(len(xs))
	for _, v := range xs {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}

// correlation returns the Pearson correlation coefficient of xs and ys (0 when either is constant).
func correlation(xs, ys []float64) float64 {
	mx, sx := meanStd(xs)
	my, sy := meanStd(ys)
	if sx == 0 || sy == 0 {
		return 0
	}
	c := 0.0
	for i := range xs {
		c += (xs[i] - mx) * (ys[i] - my)
	}
	return c / float64(len(xs)) / (sx * sy)
}

// spread returns max − min of xs.
func spread(xs []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range xs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return hi - lo
}

// RunAll runs every experiment of the table with the same model, budget and seed, in table order.
func RunAll(backend backends.Backend, cfg ModelConfig, b Budget, seed uint64) ([]*ExperimentResult, error) {
	var out []*ExperimentResult
	var errs []error
	for _, e := range Experiments() {
		r, err := RunExperiment(backend, e, cfg, b, seed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}
