package metrics

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// image512 returns a synthetic 512x512 input, target and prediction.
func image512() (input, target, prediction []float32) {
	const n = 512 * 512
	rng := rand.New(rand.NewPCG(7, 8))
	input, target, prediction = make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range target {
		target[i] = float32(rng.Float64() * rng.Float64())
		prediction[i] = target[i] + float32(0.003*rng.NormFloat64())
		if i%40 == 0 {
			input[i] = 0.5
		}
	}
	return
}

func BenchmarkRegionAccumulatorAdd512(b *testing.B) {
	in, tg, pr := image512()
	a, _ := NewRegionAccumulator(20)
	b.SetBytes(int64(3 * 4 * len(in)))
	for i := 0; b.Loop(); i++ {
		if err := a.Add(in, tg, pr, 1+i%20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResidualStatsAdd512(b *testing.B) {
	_, tg, pr := image512()
	s, _ := NewResidualStats(ResidualOptions{})
	b.SetBytes(int64(2 * 4 * len(tg)))
	for b.Loop() {
		if err := s.Add(tg, pr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSliceStatsAdd512(b *testing.B) {
	_, tg, pr := image512()
	s, _ := NewSliceStats(SliceOptions{})
	b.SetBytes(int64(2 * 4 * len(tg)))
	for b.Loop() {
		if err := s.Add(tg, pr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFieldPDFAdd512(b *testing.B) {
	_, tg, pr := image512()
	p, _ := NewFieldPDF(-0.1, 1.1, 240)
	b.SetBytes(int64(2 * 4 * len(tg)))
	for b.Loop() {
		if err := p.Add(tg, pr); err != nil {
			b.Fatal(err)
		}
	}
}

// Example: the MAE per region of one image with 3 sources (Fig. 3 regions).
func ExampleRegionAccumulator() {
	a, _ := NewRegionAccumulator(20)
	input := []float32{0, 1, 0, 0}
	target := []float32{0.3, 1, 0.15, 0.01}
	prediction := []float32{0.25, 0.9, 0.15, 0.02}
	if err := a.Add(input, target, prediction, 3); err != nil {
		panic(err)
	}
	for _, r := range Regions {
		s, _ := a.Stat(r, 3)
		fmt.Printf("%-7s pixels %d  MAE %.4f\n", r, s.Pixels, s.MAE)
	}
	// Output:
	// whole   pixels 4  MAE 0.0400
	// sources pixels 1  MAE 0.1000
	// field   pixels 3  MAE 0.0200
	// R1      pixels 1  MAE 0.0500
	// R2      pixels 1  MAE 0.0000
	// R3      pixels 0  MAE NaN
}

// Example: the statistics of Table 2 of the 2021 paper for a few pixels.
func ExampleResidualStats() {
	s, _ := NewResidualStats(ResidualOptions{})
	_ = s.Add([]float32{0, 0.5, 1, 0.2}, []float32{0.1, 0.3, 1.5, 0.2})
	sum := s.Summary()
	fmt.Printf("mean %.3f  p99 %.3f (+-%.0e)  max %.3f\n", sum.Mean, sum.P99.Estimate, sum.P99.ErrorBound(), sum.Max)
	fmt.Printf("relative: %d pixels, %d with y = 0 left out, mean %.3f\n", sum.RelN, sum.RelExcluded, sum.RelMean)
	// Output:
	// mean 0.200  p99 0.491 (+-3e-08)  max 0.500
	// relative: 3 pixels, 1 with y = 0 left out, mean 0.300
}
