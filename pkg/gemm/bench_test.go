package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

type benchShape struct {
	name    string
	m, n, k int
	aT      bool // A stored transposed (column-major), as in a convolution's kernel gradient
}

var benchShapes = []benchShape{
	{name: "dense1024", m: 1024, n: 1024, k: 1024},
	{name: "conv_M32768_N16_K72", m: 32768, n: 16, k: 72},
	{name: "conv_M32768_N32_K144", m: 32768, n: 32, k: 144},
	{name: "conv_M8192_N64_K288", m: 8192, n: 64, k: 288},
	{name: "conv_M131072_N8_K9", m: 131072, n: 8, k: 9},
	{name: "kgrad_M144_N32_K131072_AT", m: 144, n: 32, k: 131072, aT: true},
}

// reportFlops reports GFLOP/s (wall clock) and GFLOP per CPU second (the efficiency per core,
// less sensitive to other processes competing for the cores).
func reportFlops(b *testing.B, m, n, k int, cpu float64) {
	flop := 2 * float64(m) * float64(n) * float64(k) * float64(b.N)
	b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(flop/cpu/1e9, "GFLOP/cpu-s")
	}
}

func randSlice(n int) []float32 {
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32() - 0.5
	}
	return s
}

func BenchmarkMul(b *testing.B) {
	defer SetKernel("")
	for _, kernel := range Kernels() {
		for _, s := range benchShapes {
			if kernel == "generic" && s.name != "dense1024" {
				continue
			}
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/t%d", kernel, s.name, threads), func(b *testing.B) {
					if err := SetKernel(kernel); err != nil {
						b.Fatal(err)
					}
					a := RowMajor(randSlice(s.m*s.k), s.m, s.k)
					if s.aT {
						a = ColMajor(a.Data, s.m, s.k)
					}
					bm := RowMajor(randSlice(s.k*s.n), s.k, s.n)
					c := RowMajor(make([]float32, s.m*s.n), s.m, s.n)
					opt := Options{Threads: threads}
					Mul(c, a, bm, opt)
					cpu0 := cpuSeconds()
					for b.Loop() {
						Mul(c, a, bm, opt)
					}
					reportFlops(b, s.m, s.n, s.k, cpuSeconds()-cpu0)
				})
			}
		}
	}
}

func BenchmarkGonum(b *testing.B) {
	for _, s := range []benchShape{benchShapes[0], benchShapes[3]} {
		b.Run(s.name, func(b *testing.B) {
			a := blas32.General{Rows: s.m, Cols: s.k, Stride: s.k, Data: randSlice(s.m * s.k)}
			bm := blas32.General{Rows: s.k, Cols: s.n, Stride: s.n, Data: randSlice(s.k * s.n)}
			c := blas32.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: make([]float32, s.m*s.n)}
			cpu0 := cpuSeconds()
			for b.Loop() {
				blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, bm, 0, c)
			}
			reportFlops(b, s.m, s.n, s.k, cpuSeconds()-cpu0)
		})
	}
}

// BenchmarkIm2col multiplies an im2col patch matrix described by offset tables (no copy) of a
// padded NHWC image (batch 8, 64×64, 3×3 kernel), against the same matrix materialized.
func BenchmarkIm2col(b *testing.B) {
	const batch, h, w, kh, kw = 8, 64, 64, 3, 3
	for _, ch := range [][2]int{{8, 16}, {16, 32}, {32, 64}} {
		cin, cout := ch[0], ch[1]
		hp, wp := h+kh-1, w+kw-1
		img := randSlice(batch * hp * wp * cin)
		m, k := batch*h*w, kh*kw*cin
		a := Matrix{Data: img, Rows: m, Cols: k, RowOff: make([]int, m), ColOff: make([]int, k)}
		for n := range batch {
			for y := range h {
				for x := range w {
					a.RowOff[(n*h+y)*w+x] = ((n*hp+y)*wp + x) * cin
				}
			}
		}
		for dy := range kh {
			for dx := range kw {
				for c := range cin {
					a.ColOff[(dy*kw+dx)*cin+c] = (dy*wp+dx)*cin + c
				}
			}
		}
		dense := RowMajor(make([]float32, m*k), m, k)
		for i := range m {
			for j := range k {
				dense.Set(i, j, a.At(i, j))
			}
		}
		bm := RowMajor(randSlice(k*cout), k, cout)
		c := RowMajor(make([]float32, m*cout), m, cout)
		// Kernel gradient: dW (9·Cin × Cout) = patchesᵀ · dY.
		dy := RowMajor(randSlice(m*cout), m, cout)
		dw := RowMajor(make([]float32, k*cout), k, cout)
		for _, mode := range []string{"tables", "materialized"} {
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("Cin%d_Cout%d/kgrad_%s/t%d", cin, cout, mode, threads), func(b *testing.B) {
					aa := a.T()
					if mode == "materialized" {
						aa = dense.T()
					}
					opt := Options{Threads: threads}
					cpu0 := cpuSeconds()
					for b.Loop() {
						Mul(dw, aa, dy, opt)
					}
					reportFlops(b, k, cout, m, cpuSeconds()-cpu0)
				})
			}
		}
		for _, mode := range []string{"tables", "materialized"} {
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("Cin%d_Cout%d/%s/t%d", cin, cout, mode, threads), func(b *testing.B) {
					aa := a
					if mode == "materialized" {
						aa = dense
					}
					opt := Options{Threads: threads}
					cpu0 := cpuSeconds()
					for b.Loop() {
						Mul(c, aa, bm, opt)
					}
					reportFlops(b, m, cout, k, cpuSeconds()-cpu0)
				})
			}
		}
	}
}
