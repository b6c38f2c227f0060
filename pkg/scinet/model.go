package scinet

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/surrogo/surrogo/pkg/scinet/nn"
)

// ModelConfig describes a SciNet: a β-VAE-style encoder from observations to the means and standard
// deviations of independent Gaussian latents, and a decoder from a latent sample (concatenated with
// optional question inputs) to the answers.
//
//	observation --Encoder (act)--> h --linear--> μ, ln σ;   z = μ + σ·ε (training) or μ (evaluation)
//	[z, question] --Decoder (act)--> --linear--> answer
//
// The loss is the reconstruction error plus β times the KL divergence from the prior N(0, 1):
//
//	loss = mean_batch Σ_outputs (answer − target)² + β · mean_batch Σ_latents ½(μ² + σ² − ln σ² − 1).
type ModelConfig struct {
	// Inputs is the width of the observation; Questions the number of question inputs (may be 0).
	Inputs    int `json:"inputs"`
	Questions int `json:"questions"`
	// Outputs is the width of the answer.
	Outputs int `json:"outputs"`
	// Encoder and Decoder are the hidden-layer widths.
	Encoder []int `json:"encoder"`
	Decoder []int `json:"decoder"`
	// Latent is the number of latent variables.
	Latent int `json:"latent"`
	// Activation of every hidden layer (the output layers are linear).
	Activation nn.Activation `json:"activation"`
	// Beta weighs the KL term.
	Beta float64 `json:"beta"`
}

// PaperModel returns the review's SciNet for the oscillator: 2 inputs (ω, γ), no questions, encoder
// [500, 100], 5 latents, decoder [100, 150], 2 outputs (φ, A), ELU, β = 0.01.
func PaperModel() ModelConfig {
	return ModelConfig{Inputs: 2, Outputs: 2, Encoder: []int{500, 100}, Latent: 5, Decoder: []int{100, 150},
		Activation: nn.ELU, Beta: 0.01}
}

// Validate reports the first invalid field of c.
func (c ModelConfig) Validate() error {
	switch {
	case c.Inputs < 1 || c.Outputs < 1:
		return fmt.Errorf("scinet: ModelConfig: Inputs and Outputs must be >= 1, got %d and %d", c.Inputs, c.Outputs)
	case c.Questions < 0:
		return fmt.Errorf("scinet: ModelConfig.Questions must be >= 0, got %d", c.Questions)
	case c.Latent < 1:
		return fmt.Errorf("scinet: ModelConfig.Latent must be >= 1, got %d", c.Latent)
	case !(c.Beta >= 0) || math.IsInf(c.Beta, 0):
		return fmt.Errorf("scinet: ModelConfig.Beta must be finite and >= 0, got %g", c.Beta)
	}
	for i, w := range c.Encoder {
		if w < 1 {
			return fmt.Errorf("scinet: ModelConfig.Encoder[%d] must be >= 1, got %d", i, w)
		}
	}
	for i, w := range c.Decoder {
		if w < 1 {
			return fmt.Errorf("scinet: ModelConfig.Decoder[%d] must be >= 1, got %d", i, w)
		}
	}
	if err := c.Activation.Validate(); err != nil {
		return fmt.Errorf("scinet: ModelConfig.Activation: %w", err)
	}
	return nil
}

// Parameters returns the number of trainable scalars.
func (c ModelConfig) Parameters() int {
	enc := nn.ParameterCount(c.Inputs, c.Encoder, 0)
	h := c.Inputs
	if len(c.Encoder) > 0 {
		h = c.Encoder[len(c.Encoder)-1]
	}
	heads := 2 * (h*c.Latent + c.Latent)
	return enc + heads + nn.ParameterCount(c.Latent+c.Questions, c.Decoder, c.Outputs)
}

// Noise returns the standard normal draws ε, shaped like mu, of the reparameterisation
// z = μ + σ·ε; a nil Noise evaluates the model at z = μ.
type Noise func(mu *graph.Node) *graph.Node

// Forward adds the model to the graph: x holds the observation columns followed by the question
// columns. It returns the answers pred [batch, Outputs] and the latent means mu and log standard
// deviations logSigma [batch, Latent]. The decoder reads z = μ + σ·noise(μ), or z = μ when noise is
// nil (evaluation). The encoder lives in scope "encoder", the heads in "latent_mu" and
// "latent_log_sigma", the decoder in "decoder".
func (c ModelConfig) Forward(ctx *context.Context, x *graph.Node, noise Noise) (pred, mu, logSigma *graph.Node) {
	obs := x
	var q *graph.Node
	if c.Questions > 0 {
		obs = graph.Slice(x, graph.AxisRange(), graph.AxisRange(0, c.Inputs))
		q = graph.Slice(x, graph.AxisRange(), graph.AxisRange(c.Inputs, c.Inputs+c.Questions))
	}
	h := nn.Stack(ctx.In("encoder"), obs, c.Encoder, c.Activation)
	mu = nn.Dense(ctx.In("latent_mu"), h, c.Latent, nn.Identity)
	logSigma = nn.Dense(ctx.In("latent_log_sigma"), h, c.Latent, nn.Identity)
	z := mu
	if noise != nil {
		z = graph.Add(mu, graph.Mul(graph.Exp(logSigma), noise(mu)))
	}
	if q != nil {
		z = graph.Concatenate([]*graph.Node{z, q}, 1)
	}
	pred = nn.MLP(ctx.In("decoder"), z, c.Decoder, c.Outputs, c.Activation)
	return pred, mu, logSigma
}

// Loss adds the training loss for answers y: reconstruction + β·KL, returning the total and both
// terms (scalars). noise draws the reparameterisation's ε (see [ModelConfig.Forward]).
func (c ModelConfig) Loss(ctx *context.Context, x, y *graph.Node, noise Noise) (loss, reconstruction, kl *graph.Node) {
	pred, mu, logSigma := c.Forward(ctx, x, noise)
	reconstruction = nn.SumSquaredError(pred, y)
	kl = KLGraph(mu, logSigma)
	return graph.Add(reconstruction, graph.MulScalar(kl, c.Beta)), reconstruction, kl
}

// KLGraph returns the KL divergence of N(μ, σ²) from N(0, 1), summed over the latent axis and averaged
// over the batch: mean_b Σ_i ½(μ² + σ² − 2 ln σ − 1), for mu and logSigma = ln σ of shape [batch, latent].
func KLGraph(mu, logSigma *graph.Node) *graph.Node {
	sigma2 := graph.Exp(graph.MulScalar(logSigma, 2))
	terms := graph.Sub(graph.Add(graph.Mul(mu, mu), sigma2), graph.AddScalar(graph.MulScalar(logSigma, 2), 1))
	batch := float64(mu.Shape().Dimensions[0])
	return graph.DivScalar(graph.ReduceAllSum(terms), 2*batch)
}

// KL returns the KL divergence of N(mu, sigma²) from N(0, 1) for one latent: ln(1/σ) + (σ² + μ²)/2 − ½.
func KL(mu, sigma float64) float64 {
	return -math.Log(sigma) + (sigma*sigma+mu*mu)/2 - 0.5
}

// objective is the training objective of the learner: the loss and its terms ("reconstruction",
// "kl"), with ε drawn from the context's RNG.
func (c ModelConfig) objective(ctx *context.Context, x, y *graph.Node) (*graph.Node, []*graph.Node) {
	noise := func(mu *graph.Node) *graph.Node { return ctx.RandomNormal(mu.Graph(), mu.Shape()) }
	loss, recon, kl := c.Loss(ctx, x, y, noise)
	return loss, []*graph.Node{recon, kl}
}

// Model is a SciNet bound to a backend: its variables, its optimiser state and its training sampler.
type Model struct {
	Config  ModelConfig
	learner *nn.Learner
}

// NewModel creates an untrained SciNet with the given Adam learning rate and seed.
func NewModel(backend backends.Backend, cfg ModelConfig, learningRate float64, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l, err := nn.NewLearner(backend, nn.Config{
		Inputs: cfg.Inputs + cfg.Questions, Outputs: cfg.Outputs, LearningRate: learningRate, Seed: seed,
		Objective: cfg.objective,
		Predict: func(ctx *context.Context, x *graph.Node) *graph.Node {
			pred, _, _ := cfg.Forward(ctx, x, nil)
			return pred
		},
		Terms: []string{"reconstruction", "kl"},
	})
	if err != nil {
		return nil, err
	}
	return &Model{Config: cfg, learner: l}, nil
}

// Learner returns the underlying learner (context, learning curve, step count).
func (m *Model) Learner() *nn.Learner { return m.learner }

// Train takes steps Adam steps on fresh batches from sample (rows: observation then question columns;
// targets: Outputs columns), recording the learning curve every recordEvery steps.
func (m *Model) Train(steps, batch, recordEvery int, sample nn.Sampler) error {
	return m.learner.Train(steps, batch, recordEvery, sample)
}

// Encoding holds evaluation-mode outputs for a set of rows, all row-major.
type Encoding struct {
	// Pred is rows × Outputs answers computed from z = μ.
	Pred []float64
	// Mu and LogSigma are rows × Latent.
	Mu, LogSigma []float64
}

// Evaluate runs the model in evaluation mode (z = μ) on the rows of x (observation then question
// columns, row-major).
func (m *Model) Evaluate(x []float64) (*Encoding, error) {
	cfg := m.Config
	outs, err := m.learner.Eval("evaluate", func(ctx *context.Context, x *graph.Node) []*graph.Node {
		pred, mu, logSigma := cfg.Forward(ctx, x, nil)
		return []*graph.Node{pred, mu, logSigma}
	}, x)
	if err != nil {
		return nil, err
	}
	if len(outs) == 0 {
		return &Encoding{}, nil
	}
	return &Encoding{Pred: outs[0], Mu: outs[1], LogSigma: outs[2]}, nil
}
