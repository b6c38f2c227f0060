package loss

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// BenchmarkLoss512 evaluates the loss and its gradient for a batch of 8 fields of 512x512
// (the paper's size) on the test backend.
func BenchmarkLoss512(b *testing.B) {
	for _, c := range []Config{
		{Prefactor: PrefactorExp, W: 1, Metric: MAE},
		{Prefactor: PrefactorStep, A: 4000, B: 10, Metric: InverseHuber, Delta: 0.15},
	} {
		b.Run(string(c.Prefactor)+"-"+string(c.Metric), func(b *testing.B) {
			f, err := c.Build(0)
			if err != nil {
				b.Fatal(err)
			}
			backend := goBackend(b)
			exec := MustNewExec(backend, func(y, yh *Node) (*Node, *Node) {
				l := f(y, yh)
				return l, Gradient(l, yh)[0]
			})
			const n = 8 * 512 * 512
			rng := rand.New(rand.NewPCG(1, 1))
			y, yh := make([]float32, n), make([]float32, n)
			for i := range y {
				y[i] = float32(rng.Float64())
				yh[i] = y[i] + float32(0.01*rng.NormFloat64())
			}
			ty := tensors.FromFlatDataAndDimensions(y, 8, 512, 512, 1)
			tyh := tensors.FromFlatDataAndDimensions(yh, 8, 512, 512, 1)
			b.SetBytes(int64(2 * 4 * n))
			for b.Loop() {
				out := exec.MustExec(ty, tyh)
				for _, t := range out {
					t.FinalizeAll()
				}
			}
		})
	}
}
