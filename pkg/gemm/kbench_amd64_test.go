//go:build amd64 && !purego

package gemm

import (
	"testing"
)

func BenchmarkMicroKernel(b *testing.B) {
	for _, kd := range append(append([]*kernelDesc{}, avx512Set.tiles...), avx2Set.tiles...) {
		b.Run(kd.name, func(b *testing.B) {
			k := 256
			a := randSlice(kd.mr * k)
			bb := randSlice(kd.nr * k)
			c := make([]float32, kd.mr*kd.nr)
			cpu0 := cpuSeconds()
			for b.Loop() {
				kd.fn(k, a, 1, kd.mr, bb, c, kd.nr, true, kd.mr, kd.nr)
			}
			reportFlops(b, kd.mr, kd.nr, k, cpuSeconds()-cpu0)
		})
		if kd.fnPair == nil {
			continue
		}
		b.Run(kd.name+"pair", func(b *testing.B) {
			k := 256
			a := randSlice(kd.mr * k) // row-major mr×k
			bb := randSlice(kd.nr * k)
			c := make([]float32, kd.mr*kd.nr)
			cpu0 := cpuSeconds()
			for b.Loop() {
				kd.fnPair(k, a, k, 1, bb, c, kd.nr, true, kd.mr, kd.nr)
			}
			reportFlops(b, kd.mr, kd.nr, k, cpuSeconds()-cpu0)
		})
	}
}
