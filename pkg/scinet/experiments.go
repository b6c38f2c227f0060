package scinet

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/surrogo/surrogo/pkg/scinet/oscillator"
)

// Space says in which coordinates an experiment samples, feeds and predicts the oscillator.
type Space string

const (
	// Real space: inputs (ω, γ), outputs (φ, A), (ω, γ) drawn from a normal distribution.
	Real Space = "real"
	// Log space: inputs (ln ω, ln γ), outputs (φ, ln A), (ln ω, ln γ) drawn from a normal distribution.
	// "γ, ω, and A are replaced with ln γ, ln ω, and ln A ... while ϕ is passed in the same way".
	Log Space = "log"
)

// Validate reports whether s is Real or Log.
func (s Space) Validate() error {
	if s != Real && s != Log {
		return fmt.Errorf("scinet: unknown space %q (valid: real, log)", s)
	}
	return nil
}

// The damping band of the training data: "any datapoints with γ < 1e−3 were folded back ... through
// a reflection over the line γ = 1e−3 ... Values that left the underdamped regime with γ > 1 were also
// reflected back over that line."
const (
	GammaMin = 1e-3
	GammaMax = 1.0
)

// Experiment is one row of the review's "Experiment Summary" table (2020-table1): a normal distribution
// of the inputs, in real or log space, that SciNet is trained on.
type Experiment struct {
	Name  string `json:"name"`
	Space Space  `json:"space"`
	// OmegaMean, GammaMean, OmegaSigma, GammaSigma parameterise the normal distribution of the
	// (ω, γ) inputs in Real space, of (ln ω, ln γ) in Log space.
	OmegaMean  float64 `json:"omega_mean"`
	GammaMean  float64 `json:"gamma_mean"`
	OmegaSigma float64 `json:"omega_sigma"`
	GammaSigma float64 `json:"gamma_sigma"`
	// Table reproduces the row as printed in the paper (means of log experiments read "ln 1.0" etc.).
	Table [5]string `json:"table"`
	// Purpose and Reported summarise what the paper says the experiment was for and what it found.
	Purpose  string `json:"purpose"`
	Reported string `json:"reported"`
}

// TableHeader is the header of the review's experiment table.
var TableHeader = [6]string{"name", "real / log", "Mean of ω", "Mean of γ", "Sigma of ω", "Sigma of γ"}

// TableQuote is the paper's sentence introducing the table. (It says "on the latent space"; the
// distributions are those of the inputs ω and γ.)
const TableQuote = "I ran 7 experiments; 4 in real-space, and 3 in log-space (γ, ω, and A are replaced with " +
	"ln γ, ln ω, and ln A, and training data is drawn from a normal distribution in logspace, while ϕ is " +
	"passed in the same way it was before). ... Here are the means and standard deviations of these 7 " +
	"probability density distributions on the latent space:"

// Experiments returns the seven experiments of the review's table, in its order.
func Experiments() []Experiment {
	ln := math.Log
	return []Experiment{
		{Name: "boring_patch", Space: Real, OmegaMean: 1.5, GammaMean: 0.5, OmegaSigma: 0.1, GammaSigma: 0.1,
			Table:    [5]string{"real", "1.5", "0.5", "0.1", "0.1"},
			Purpose:  "control: a patch far from resonance where A and φ vary smoothly (figs. 5, 13-17)",
			Reported: "r.m.s. error 3.4% of the range of φ, amplitude r.m.s. error about 6.4%; 3 latents unused, parameters 3 and 4 used, tracking A and φ; extrapolation 'somewhat sensible'"},
		{Name: "center_very_broad", Space: Real, OmegaMean: 1.0, GammaMean: 0.5, OmegaSigma: 0.2, GammaSigma: 0.2,
			Table:    [5]string{"real", "1.0", "0.5", "0.2", "0.2"},
			Purpose:  "cover most of the interesting behaviour of φ and A with few points near resonance (figs. 18, 20)",
			Reported: "within 2.8% of the ground-truth amplitude on average; all 5 latents used, none unit-normal"},
		{Name: "peak_broad", Space: Real, OmegaMean: 1.0, GammaMean: 0.0, OmegaSigma: 0.1, GammaSigma: 0.1,
			Table:    [5]string{"real", "1.0", "0.0", "0.1", "0.1"},
			Purpose:  "centred on the resonant peak while covering ground around it (figs. 19, 21)",
			Reported: "within 2.8% of the ground-truth amplitude on average; all 5 latents used; peak heights differ; odd extrapolation"},
		{Name: "peak_narrow", Space: Real, OmegaMean: 1.0, GammaMean: 0.0, OmegaSigma: 0.01, GammaSigma: 0.01,
			Table:    [5]string{"real", "1.0", "0.0", "0.01", "0.01"},
			Purpose:  "train immediately around the discontinuity (fig. 22)",
			Reported: "outright failure: the learning curve has flattened yet modelled φ is nothing like the ground truth"},
		{Name: "logspace_broad", Space: Log, OmegaMean: ln(1.0), GammaMean: ln(0.5), OmegaSigma: 2.0, GammaSigma: 2.0,
			Table:    [5]string{"log", "ln 1.0", "ln 0.5", "2.0", "2.0"},
			Purpose:  "a broad domain in log space, so the sharp peak is more manageable (figs. 23, 24)",
			Reported: "mean amplitude error / amplitude range (log coordinates) about 1e-3, phase error < 1%; 2 latents used; the asymptotically linear ridge is missed and not extrapolated"},
		{Name: "logspace_near_peak", Space: Log, OmegaMean: ln(1.0), GammaMean: ln(0.01), OmegaSigma: 1.0, GammaSigma: 1.0,
			Table:    [5]string{"log", "ln 1.0", "ln 0.01", "1.0", "1.0"},
			Purpose:  "log space near the peak (fig. 25)",
			Reported: "errors on the same scale as logspace_broad; at 6σ the smoother parts of φ are not matched"},
		{Name: "logspace_near_peak_narrow", Space: Log, OmegaMean: ln(1.0), GammaMean: ln(0.01), OmegaSigma: 0.1, GammaSigma: 0.1,
			Table:    [5]string{"log", "ln 1.0", "ln 0.01", "0.1", "0.1"},
			Purpose:  "narrow log-space patch near the peak: losing small effects (figs. 26, 27)",
			Reported: "a single latent (parameter 2) used, almost a proxy for ω; the γ-dependent slope of the ln A ridge is lost; errors on the logspace scale"},
	}
}

// ExperimentByName returns the experiment called name.
func ExperimentByName(name string) (Experiment, error) {
	for _, e := range Experiments() {
		if e.Name == name {
			return e, nil
		}
	}
	return Experiment{}, fmt.Errorf("scinet: unknown experiment %q", name)
}

// Validate reports the first invalid field of e.
func (e Experiment) Validate() error {
	if e.Name == "" {
		return fmt.Errorf("scinet: experiment has no name")
	}
	if err := e.Space.Validate(); err != nil {
		return fmt.Errorf("scinet: experiment %s: %w", e.Name, err)
	}
	for _, v := range []float64{e.OmegaMean, e.GammaMean, e.OmegaSigma, e.GammaSigma} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("scinet: experiment %s has a non-finite parameter", e.Name)
		}
	}
	if !(e.OmegaSigma > 0) || !(e.GammaSigma > 0) {
		return fmt.Errorf("scinet: experiment %s: sigmas must be > 0, got %g and %g", e.Name, e.OmegaSigma, e.GammaSigma)
	}
	return nil
}

// gammaBand returns the damping band in the experiment's input coordinate.
func (e Experiment) gammaBand() (lo, hi float64) {
	if e.Space == Log {
		return math.Log(GammaMin), math.Log(GammaMax)
	}
	return GammaMin, GammaMax
}

// Sample draws one input (u, v) of the experiment's training distribution: in Real space u = ω, v = γ;
// in Log space u = ln ω, v = ln γ. The damping coordinate is folded into the band [1e−3, 1] by
// reflection at its edges ([oscillator.Fold]), in the coordinate the normal distribution lives in
// (in log space, over ln γ = ln 1e−3 and ln γ = 0). In real space ω is reflected over 0 (|ω|): the
// drive cos(ωt) is even in ω, so this only keeps inputs physical (it changes nothing for the
// table's distributions, where ω < 0 has probability below 1e−6).
func (e Experiment) Sample(rng *rand.Rand) (u, v float64) {
	u = e.OmegaMean + e.OmegaSigma*rng.NormFloat64()
	v = e.GammaMean + e.GammaSigma*rng.NormFloat64()
	lo, hi := e.gammaBand()
	v, _ = oscillator.Fold(v, lo, hi) // lo < hi are constants: no error.
	if e.Space == Real {
		u = math.Abs(u)
	}
	return u, v
}

// Truth returns the exact outputs at input (u, v) in the experiment's coordinates: (φ, A) in Real
// space, (φ, ln A) in Log space.
func (e Experiment) Truth(u, v float64) (phase, amp float64) {
	if e.Space == Log {
		w, g := math.Exp(u), math.Exp(v)
		return oscillator.Phase(w, g), oscillator.LogAmplitude(w, g)
	}
	return oscillator.Phase(u, v), oscillator.Amplitude(u, v)
}

// Labels returns the axis labels of the experiment's inputs and amplitude output.
func (e Experiment) Labels() (omega, gamma, amp string) {
	if e.Space == Log {
		return "ln ω", "ln γ", "ln A"
	}
	return "ω", "γ", "A"
}

// Window returns the rectangle mean ± k·sigma of the inputs, clipped to where the ground truth is
// finite and physical: in Real space ω ≥ 0 and γ ≥ 1e−3 (the training floor, keeping away from the
// pole at ω = 1, γ = 0). With clipToBand the damping axis is also clipped to the training band
// [1e−3, 1] (in the experiment's coordinate), where all training data lie after folding.
func (e Experiment) Window(k float64, clipToBand bool) (uLo, uHi, vLo, vHi float64) {
	uLo, uHi = e.OmegaMean-k*e.OmegaSigma, e.OmegaMean+k*e.OmegaSigma
	vLo, vHi = e.GammaMean-k*e.GammaSigma, e.GammaMean+k*e.GammaSigma
	lo, hi := e.gammaBand()
	if e.Space == Real {
		uLo = math.Max(uLo, 0)
		vLo = math.Max(vLo, GammaMin)
	}
	if clipToBand {
		vLo, vHi = math.Max(vLo, lo), math.Min(vHi, hi)
		if vHi <= vLo { // the band lies outside the window: show the band
			vLo, vHi = lo, hi
		}
	}
	return uLo, uHi, vLo, vHi
}

// sampler returns the training sampler of the experiment for SciNet: inputs (u, v) and targets
// (φ, A or ln A) per row.
func (e Experiment) sampler() func(rng *rand.Rand, x, y []float32) {
	return func(rng *rand.Rand, x, y []float32) {
		for i := 0; i < len(x)/2; i++ {
			u, v := e.Sample(rng)
			p, a := e.Truth(u, v)
			x[2*i], x[2*i+1] = float32(u), float32(v)
			y[2*i], y[2*i+1] = float32(p), float32(a)
		}
	}
}

// TruthGrids returns the exact φ and amplitude (A, or ln A in log space) of the experiment on a
// points × points grid over the window mean ± k·σ (see [Experiment.Window]).
func TruthGrids(e Experiment, k float64, clipToBand bool, points int) (phase, amp Grid) {
	uLo, uHi, vLo, vHi := e.Window(k, clipToBand)
	wl, gl, al := e.Labels()
	us, vs := linspace(uLo, uHi, points), linspace(vLo, vHi, points)
	phase = newGrid("true φ", wl, gl, us, vs, func(u, v float64) float64 { p, _ := e.Truth(u, v); return p })
	amp = newGrid("true "+al, wl, gl, us, vs, func(u, v float64) float64 { _, a := e.Truth(u, v); return a })
	return phase, amp
}
