package gemm
import ("testing";"fmt")
func BenchmarkX(b *testing.B) {
	for _, s := range []benchShape{{m:4096,n:16,k:72},{m:32768,n:16,k:72},{m:4096,n:8,k:9},{m:131072,n:8,k:9},{m:4096,n:32,k:144},{m:4096,n:64,k:288}} {
		b.Run(fmt.Sprintf("M%d_N%d_K%d", s.m, s.n, s.k), func(b *testing.B) {
			a := RowMajor(randSlice(s.m*s.k), s.m, s.k)
			bm := RowMajor(randSlice(s.k*s.n), s.k, s.n)
			c := RowMajor(make([]float32, s.m*s.n), s.m, s.n)
			cpu0 := cpuSeconds()
			for b.Loop() { Mul(c, a, bm, Options{Threads: 1}) }
			reportFlops(b, s.m, s.n, s.k, cpuSeconds()-cpu0)
		})
	}
}
