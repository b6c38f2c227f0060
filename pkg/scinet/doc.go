// Package scinet computes the data behind every figure and the table of "SciNet: Promise and
// Pitfalls" (A. Bolshakov, 2020), a review of SciNet (Iten et al., PRL 2020): the extrapolation
// failures of small ReLU/ELU nets, a polynomial fit for comparison, and SciNet — a β-VAE-style
// encoder/decoder — trained on the steady state of the driven damped oscillator in seven experiments.
//
// Results are Go structs that marshal to JSON (curves, grids, histograms, metrics) with their
// provenance (scale, steps, batch, learning rate, seed, backend, elapsed time); plotting is left to
// the caller (package fig2020 draws them). Training runs on any GoMLX backend, passed as an argument
// (package github.com/surrogo/surrogo/pkg/backend picks one from $GOMLX_BACKEND, by default the
// extended pure-Go backend), is differentiated by GoMLX's automatic differentiation, and is
// deterministic from the seed on the pure-Go backend. Compute budgets are named by the project-wide
// scales of package github.com/surrogo/surrogo/pkg/scale (see [ToyBudget] and [SciNetBudget]).
//
// # Figures and functions
//
//	2020-fig01   ArcsinApproximations (arcsin, Taylor polynomials, least-squares fits)
//	2020-fig02   ActivationCurves (sigmoid, ReLU, ELU)
//	2020-fig03,04,06  diagrams of the trained architectures (PaperModel, the toy nets' nn.MLPSpec)
//	2020-fig05   RunExperiment(boring_patch).Latents[i].Histogram (a used and an unused latent)
//	2020-fig07   Extrapolation(Shift, 8 hidden units, ReLU and ELU)
//	2020-fig08   Extrapolation(Shift, 128 hidden units, ReLU and ELU)
//	2020-fig09   Extrapolation(Step, 8, ...).Nets[i].Near (and error against TruthNear)
//	2020-fig10   Extrapolation(Step, 8, ...).Poly and .Nets[i].Far (FitStepPolynomial alone for the fit)
//	2020-fig11   OscillatorSurfaces(Real)
//	2020-fig12   OscillatorSurfaces(Log)
//	2020-fig13,14  RunExperiment(boring_patch).Training: TruePhase/TrueAmp, ModelPhase/ModelAmp
//	2020-fig15   boring_patch .Latents[i].Histogram for the used latents
//	2020-fig16   boring_patch .Scatter (Mu[i] against ModelPhase, ModelAmp)
//	2020-fig17   boring_patch .Extrapolation: TruePhase, ModelPhase
//	2020-fig18   center_very_broad .Training (truth and model, φ and A)
//	2020-fig19   peak_broad .Training
//	2020-fig20   center_very_broad .Latents[i].Histogram and .Scatter
//	2020-fig21   peak_broad .Extrapolation
//	2020-fig22   peak_narrow .Curve, .Training.TruePhase, .Training.ModelPhase
//	2020-fig23   logspace_broad .Training (φ and ln A)
//	2020-fig24   logspace_broad .Training.AmpError() and .Extrapolation.AmpError()
//	2020-fig25   logspace_near_peak .Extrapolation (6σ)
//	2020-fig26   logspace_near_peak_narrow .Training.Mu[i], .Scatter (the single used latent)
//	2020-fig27   logspace_near_peak_narrow .Training TrueAmp and ModelAmp (ln A)
//	2020-table1  Experiments (with TableHeader and TableQuote)
//
// # Caching
//
// [TrainToyNetCached] and [RunExperimentCached] keep a trained and evaluated net under a cache
// directory, in a file named by a hash of its whole configuration and [CodeVersion] ([CachePath]):
// the notebooks and the figures (which pass the same cache root) train once and share the result,
// and any changed setting trains anew.
//
// # Choices where the paper is silent or ambiguous
//
//   - The nets are initialised like PyTorch's nn.Linear and trained with Adam (β 0.9, 0.999, ε 1e-8),
//     as in the review's PyTorch implementation. The SciNet learning rate is not given: 1e-3.
//   - Figure 9's "8 hidden layers" is one hidden layer of 8 units: the review's polynomial has "the
//     same degree as the number of free parameters in these neural nets (25)", and 1-8-1 has 25.
//   - The KL term is the standard one, ½Σ(μ² + σ² − ln σ² − 1); the review prints it with the sign of
//     its bracket reversed and without the −1, which would reward large μ.
//   - Damping values are folded into [1e-3, 1] by reflection, in the coordinate the normal distribution
//     lives in (ln γ for log-space experiments), repeatedly for far tails; ω is reflected over 0.
//   - "Used" latents: spread of μ larger than the sampling noise σ, std(μ)/rms(σ) > [UsedSNR] (the
//     review judges the spread of μ histograms by eye).
//   - Budgets shorter than the paper's raise the learning rate of the one-hidden-layer nets (smoke
//     scale, and the cpu scale of the 128-unit nets), keeping steps × learning rate at the paper's 5
//     (see [ToyBudget]); SciNet keeps 1e-3 at every scale (see [SciNetBudget]).
package scinet
