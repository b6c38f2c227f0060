package training

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/loss"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/nn"
	"github.com/surrogo/surrogo/pkg/scale"
)

// testN is the lattice side of the test problems (the smallest size edcnn accepts, so that the
// recorded model configuration validates).
const testN = 32

// tinyModel is a two-layer CNN with dropout: small enough for fast tests, with every kind of
// state a real model has (weights, biases, an RNG-driven layer).
func tinyModel(ctx *context.Context, x *Node) *Node {
	x = nn.Conv2D(ctx.In("c1"), x, 4, 3).Done()
	x = nn.LeakyReLU(x, 0.02)
	x = nn.Dropout(ctx, x, 0.1)
	return nn.Conv2D(ctx.In("c2"), x, 1, 3).Done()
}

// tinyData returns a memory data set of examples random inputs (a few bright pixels) whose
// targets are the inputs blurred by two passes of a 3x3 box filter: a local linear map the tiny
// model can learn. The first nTrain examples are the training set, the rest the test set.
func tinyData(t testing.TB, examples, nTrain int, seed uint64) *Data {
	t.Helper()
	n := testN
	rng := rand.New(rand.NewPCG(seed, 7))
	in := make([]float32, examples*n*n)
	out := make([]float32, len(in))
	ns := make([]int32, examples)
	for e := range examples {
		img := in[e*n*n : (e+1)*n*n]
		k := 1 + rng.IntN(3)
		ns[e] = int32(k)
		for range 6 * k {
			img[rng.IntN(n*n)] = float32(0.2 + 0.8*rng.Float64())
		}
		blur := func(src []float32) []float32 {
			dst := make([]float32, len(src))
			for r := range n {
				for c := range n {
					var s float32
					for dr := -1; dr <= 1; dr++ {
						for dc := -1; dc <= 1; dc++ {
							if rr, cc := r+dr, c+dc; rr >= 0 && cc >= 0 && rr < n && cc < n {
								s += src[rr*n+cc]
							}
						}
					}
					dst[r*n+c] = s / 9
				}
			}
			return dst
		}
		copy(out[e*n*n:], blur(blur(img)))
	}
	src, err := NewMemorySource(n, in, out, ns)
	if err != nil {
		t.Fatal(err)
	}
	train := make([]int, nTrain)
	test := make([]int, examples-nTrain)
	for i := range train {
		train[i] = i
	}
	for i := range test {
		test[i] = nTrain + i
	}
	return MemoryData(src, train, test)
}

// tinyConfig is a valid configuration for the tiny problems.
func tinyConfig(epochs int) Config {
	return Config{
		Model:         models.Config{Name: models.EDCNN, Size: testN, Width: 4},
		Loss:          loss.Config{Metric: loss.MSE, Prefactor: loss.PrefactorNone},
		Optimizer:     DefaultOptimizer(1e-2),
		Epochs:        epochs,
		BatchSize:     4,
		EvalBatchSize: 8,
		Seed:          42,
		Scale:         scale.Smoke,
		Data:          DataConfig{Train: "train", Test: "test"},
		Select:        SelectTestLoss,
		Rollback:      DefaultRollback(),
		Checkpoint:    CheckpointPolicy{Keep: 1},
	}
}

var (
	testBackendOnce sync.Once
	testBackend     backends.Backend
	testBackendErr  error
)

// goBackend returns the extended pure-Go backend shared by the tests.
func goBackend(t testing.TB) backends.Backend {
	t.Helper()
	testBackendOnce.Do(func() { testBackend, testBackendErr = backend.NewExtendedGo("") })
	if testBackendErr != nil {
		t.Fatal(testBackendErr)
	}
	return testBackend
}

// tinyOptions are Run options for the tiny problems.
func tinyOptions(t testing.TB, data *Data) Options {
	return Options{Backend: goBackend(t), Data: data, Model: tinyModel}
}

func finiteAll(xs []float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
