package models_test

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/surrogo/surrogo/pkg/models"
)

// BenchmarkTrainStep measures one training step (forward, backward, Adam update) on the test backend
// ($GOMLX_BACKEND; by default the extended pure-Go one) at CPU scale, and reports samples/s and the
// effective convolution GFLOP/s (3x the forward FLOPs per sample).
func BenchmarkTrainStep(b *testing.B) {
	for _, bc := range []struct {
		name               string
		size, width, batch int
	}{
		{models.EDCNN, 64, 8, 8},
		{models.EDCNN, 128, 16, 8},
		{models.DCNNAE, 100, 4, 8},
	} {
		b.Run(fmt.Sprintf("%s/N=%d/W=%d/B=%d", bc.name, bc.size, bc.width, bc.batch), func(b *testing.B) {
			c, err := models.Default(bc.name, bc.size)
			if err != nil {
				b.Fatal(err)
			}
			c.Width = bc.width
			a, err := models.Analyze(c)
			if err != nil {
				b.Fatal(err)
			}
			trainer, _ := newTrainer(b, c, 1e-3, 1)
			x, y := randomImages(bc.batch, bc.size, 1), randomImages(bc.batch, bc.size, 2)
			step := func() {
				if _, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}); err != nil {
					b.Fatal(err)
				}
			}
			step() // Compilation.
			b.ResetTimer()
			for b.Loop() {
				step()
			}
			perSec := float64(b.N*bc.batch) / b.Elapsed().Seconds()
			b.ReportMetric(perSec, "samples/s")
			b.ReportMetric(3*float64(a.FLOPs)*perSec/1e9, "GFLOP/s")
		})
	}
}
