package vec

import (
	"math/rand/v2"
	"testing"
)

const benchN = 1024 // the evaluator's block size

func benchData(seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := make([]float32, benchN)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// benchKernels runs f on 1024 elements for every available kernel (generic is the baseline) and
// reports G elements/s.
func benchKernels(b *testing.B, f func(dst, x, y, c []float32)) {
	defer SetKernel("")
	x, y := benchData(1), benchData(2)
	c := make([]float32, benchN)
	GreaterThan(c, x, y)
	dst := make([]float32, benchN)
	for _, k := range Kernels() {
		b.Run(k, func(b *testing.B) {
			if err := SetKernel(k); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				f(dst, x, y, c)
			}
			b.ReportMetric(float64(benchN)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	benchKernels(b, func(dst, x, y, _ []float32) { Add(dst, x, y) })
}

func BenchmarkMulScalar(b *testing.B) {
	benchKernels(b, func(dst, x, _, _ []float32) { MulScalar(dst, x, 1.5) })
}

func BenchmarkWhere(b *testing.B) {
	benchKernels(b, func(dst, x, y, c []float32) { Where(dst, c, x, y) })
}

func BenchmarkGreaterOrEqualScalar(b *testing.B) {
	benchKernels(b, func(dst, x, _, _ []float32) { GreaterOrEqualScalar(dst, x, 0.25) })
}

func BenchmarkMax(b *testing.B) {
	benchKernels(b, func(dst, x, y, _ []float32) { Max(dst, x, y) })
}

func BenchmarkAccumulateF64(b *testing.B) {
	acc := make([]float64, benchN)
	benchKernels(b, func(_, x, _, _ []float32) { AccumulateF64(acc, x) })
}

func BenchmarkSumF64(b *testing.B) {
	var sink float64
	benchKernels(b, func(_, x, _, _ []float32) { sink += SumF64(x) })
	_ = sink
}

func BenchmarkDivScalar(b *testing.B) {
	benchKernels(b, func(dst, x, _, _ []float32) { DivScalar(dst, x, 1.5) })
}
