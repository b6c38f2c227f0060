package scinet

import (
	"fmt"
	"testing"

	"github.com/surrogo/surrogo/pkg/scinet/nn"
)

// The benchmarks measure training steps per second on the backend selected by $GOMLX_BACKEND (default:
// the extended pure-Go backend of package backend), e.g.
//
//	go test -run - -bench Step -benchtime 20x ./pkg/scinet
//	GOMLX_BACKEND=stablehlo:cuda go test -run - -bench Step -benchtime 200x ./pkg/scinet
//
// One benchmark iteration is one Adam step on a fresh batch (sampling included); compilation happens
// before the timer starts.

// BenchmarkToyNetStep: the one-hidden-layer nets of figures 7-10 (1 -> h -> 1, ReLU, batch 2048).
func BenchmarkToyNetStep(b *testing.B) {
	backend := testBackend(b)
	for _, hidden := range []int{8, 128} {
		{
			b.Run(fmt.Sprintf("hidden=%d", hidden), func(b *testing.B) {
				spec := nn.MLPSpec{Inputs: 1, Hidden: []int{hidden}, Outputs: 1, Activation: nn.ReLU}
				l, err := nn.NewMLPLearner(backend, spec, 1e-4, 1)
				if err != nil {
					b.Fatal(err)
				}
				if err := l.Train(1, 2048, 1, toySampler(Shift)); err != nil { // compile outside the timing
					b.Fatal(err)
				}
				b.ResetTimer()
				if err := l.Train(b.N, 2048, b.N, toySampler(Shift)); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			})
		}
	}
}

// BenchmarkSciNetStep: the paper's SciNet (2 -> [500, 100] -> 5 latents -> [100, 150] -> 2, ELU) on
// boring_patch samples, at the cpu scale's batch 256, at 512 and at the paper's 2048.
func BenchmarkSciNetStep(b *testing.B) {
	backend := testBackend(b)
	e, _ := ExperimentByName("boring_patch")
	for _, batch := range []int{256, 512, 2048} {
		{
			b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
				m, err := NewModel(backend, PaperModel(), 1e-3, 1)
				if err != nil {
					b.Fatal(err)
				}
				if err := m.Train(1, batch, 1, e.sampler()); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				if err := m.Train(b.N, batch, b.N, e.sampler()); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			})
		}
	}
}
