// Package gemm is a fast float32 matrix multiplication (C = A·B) for the CPU, written for the
// convolutions and dense layers of CNN training.
//
// It follows the BLIS/GotoBLAS design: B is packed into kc×nr panels, A into mr×kc panels (or read
// in place when that is cheaper), both blocked for the caches, and an assembly micro-kernel keeps an
// mr×nr tile of C in registers. Operands are strided views (Matrix), optionally with row/column
// offset tables, so that a transposed matrix or an im2col patch matrix needs no copy.
//
// # Kernels
//
// On amd64 the kernel is chosen at run time (golang.org/x/sys/cpu): "avx512" (AVX-512F+VL: 14×32
// zmm tiles, 28×16 for N ≤ 16 and 28×8 ymm for N ≤ 8, or for N ≤ 8, a row-major A and K ≥ 16 a
// 28×8 "pair" kernel whose zmm lanes sum even and odd k separately), else "avx2" (AVX2+FMA: 6×16,
// and 12×8 for N ≤ 8), else "generic" (pure Go, 4×8), which is also the only kernel on other
// architectures and with the purego build tag. SetKernel forces one, for tests and benchmarks.
// Cache blocking: kc = 320 (14×32) or 256 (others), mc ≈ 1000 rows, nc = 4096 columns.
//
// # Performance notes
//
//   - A is read in place, without packing, when it is a plain strided matrix (no offset tables)
//     and N is at most 256 (avx512) or 128 (avx2): the usual case of a convolution, whose N is the
//     number of output channels. A row-major A (ColStride 1) is best.
//   - With a column offset table (ColOff) and no more than 256/128 columns in C, A is also read in
//     place, through a table of column deltas; its rows may have a RowOff table, best when it is
//     made of long runs of evenly spaced offsets (the pixels of an image row); tiles whose rows
//     have more than two jumps are packed. This makes an im2col patch matrix described by offset
//     tables nearly as fast as a materialized one (15-35% slower in BenchmarkIm2col, not
//     counting the cost of materializing it).
//   - Otherwise A is packed, and B is always packed (it is small in a convolution).
//   - C may have any strides; a C with ColStride 1 is written directly by the kernels, one with
//     RowStride 1 is computed as Cᵀ = Bᵀ·Aᵀ, any other C goes through a small temporary tile.
//   - No alignment is required of any operand.
//
// # Threads and determinism
//
// Options.Threads goroutines (default GOMAXPROCS) share a product: by rows of C when there are
// enough of them, else by columns, and by K (each goroutine with its own partial C, summed in a
// fixed order) when K is much larger than M and N, as in a convolution's kernel gradient. Small
// products use fewer goroutines. The partition depends only on the shapes, the kernel and
// Threads, so results are bit-for-bit reproducible; they are even independent of Threads except
// when K is split. Goroutines are long-lived workers, started on first use; the pool grows with
// the number of concurrent Mul calls.
//
// # Memory
//
// Mul allocates nothing in steady state: packing buffers and K-split partial products come from
// a sync.Pool. The largest are a kc×nc panel of B (≤ 5 MB), an mc×kc block of A (≤ 1.3 MB) per
// goroutine, and, when K is split, an M×N partial product per extra goroutine.
//
// Mul is safe for concurrent use by several goroutines (on distinct outputs).
package gemm

import (
	"fmt"
	"runtime"
)

// Matrix is a rows×cols view of float32 data. Element (i, j) is Data[rowOff(i)+colOff(j)], where
// rowOff(i) = RowOff[i] if RowOff != nil else i*RowStride, and colOff(j) = ColOff[j] if ColOff != nil else j*ColStride.
// Offset tables let a caller describe an im2col patch matrix of a (padded) image without materializing it.
type Matrix struct {
	Data                 []float32
	Rows, Cols           int
	RowStride, ColStride int
	RowOff, ColOff       []int
}

// Options of Mul.
type Options struct {
	Accumulate bool // C += A·B instead of C = A·B
	Threads    int  // goroutines to use; <= 0 means runtime.GOMAXPROCS(0)
}

// RowMajor returns the rows×cols row-major view of data (RowStride = cols, ColStride = 1).
// data may be longer than rows·cols.
func RowMajor(data []float32, rows, cols int) Matrix {
	return Matrix{Data: data, Rows: rows, Cols: cols, RowStride: cols, ColStride: 1}
}

// ColMajor returns the rows×cols column-major view of data (RowStride = 1, ColStride = rows).
func ColMajor(data []float32, rows, cols int) Matrix {
	return Matrix{Data: data, Rows: rows, Cols: cols, RowStride: 1, ColStride: rows}
}

// T returns the transposed view of m (no data is copied).
func (m Matrix) T() Matrix {
	return Matrix{Data: m.Data, Rows: m.Cols, Cols: m.Rows, RowStride: m.ColStride, ColStride: m.RowStride,
		RowOff: m.ColOff, ColOff: m.RowOff}
}

// At returns element (i, j) of m.
func (m Matrix) At(i, j int) float32 { return m.Data[m.rowOff(i)+m.colOff(j)] }

// Set sets element (i, j) of m.
func (m Matrix) Set(i, j int, v float32) { m.Data[m.rowOff(i)+m.colOff(j)] = v }

func (m Matrix) rowOff(i int) int {
	if m.RowOff != nil {
		return m.RowOff[i]
	}
	return i * m.RowStride
}

func (m Matrix) colOff(j int) int {
	if m.ColOff != nil {
		return m.ColOff[j]
	}
	return j * m.ColStride
}

// offRange returns the minimum and maximum of rowOff (or colOff) over n entries.
func offRange(tab []int, stride, n int) (lo, hi int) {
	if tab != nil {
		if len(tab) < n {
			panic(fmt.Sprintf("gemm: offset table has %d entries, want %d", len(tab), n))
		}
		lo, hi = tab[0], tab[0]
		for _, v := range tab[1:n] {
			lo = min(lo, v)
			hi = max(hi, v)
		}
		return lo, hi
	}
	a, b := 0, (n-1)*stride
	return min(a, b), max(a, b)
}

// check panics unless every element of m lies inside m.Data (the kernels read memory unchecked).
func (m Matrix) check(name string) {
	if m.Rows < 0 || m.Cols < 0 {
		panic(fmt.Sprintf("gemm: %s has negative shape %d×%d", name, m.Rows, m.Cols))
	}
	if m.Rows == 0 || m.Cols == 0 {
		return
	}
	rlo, rhi := offRange(m.RowOff, m.RowStride, m.Rows)
	clo, chi := offRange(m.ColOff, m.ColStride, m.Cols)
	if rlo+clo < 0 || rhi+chi >= len(m.Data) {
		panic(fmt.Sprintf("gemm: %s (%d×%d) indexes [%d, %d], outside its Data of length %d",
			name, m.Rows, m.Cols, rlo+clo, rhi+chi, len(m.Data)))
	}
}

// fewRows is the most rows of A for which Mul reads B in place (see Mul).
const fewRows = 32

// Mul computes C = A·B (or C += A·B). C must have RowOff == ColOff == nil (plain strides, any strides, e.g. ColStride 1 or a transposed layout). A is M×K, B is K×N, C is M×N. Panics on mismatched shapes (programming error). Results must be deterministic: the same inputs, kernel and Threads give bit-identical C (fixed partitioning and summation order, no dependence on goroutine timing).
//
// For a given kernel, the result does not even depend on Threads unless K is split between
// goroutines (M and N small, K large: see "Threads and determinism" in the package documentation).
// Mul also panics if an element of A, B or C would lie outside its Data (offset tables and strides
// are checked up front, since the kernels read memory unchecked). Strides may be zero.
// C must not overlap A or B. Mul may be called concurrently from several goroutines.
func Mul(c, a, b Matrix, opt Options) {
	if c.RowOff != nil || c.ColOff != nil {
		panic("gemm: C must not have offset tables")
	}
	if a.Rows != c.Rows || b.Cols != c.Cols || a.Cols != b.Rows {
		panic(fmt.Sprintf("gemm: shapes do not match: C %d×%d = A %d×%d · B %d×%d",
			c.Rows, c.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
	c.check("C")
	a.check("A")
	b.check("B")
	m, n, k := c.Rows, c.Cols, a.Cols
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !opt.Accumulate {
			for i := 0; i < m; i++ {
				r := c.rowOff(i)
				for j := 0; j < n; j++ {
					c.Data[r+j*c.ColStride] = 0
				}
			}
		}
		return
	}
	switch {
	case m <= fewRows && n >= 4*m && b.ColOff == nil:
		// Few rows and many columns (a convolution's backward pass at a 1x1 or 2x2 bottleneck: M is the
		// batch, N and K in the thousands): the time goes into reading B, which the kernels would pack
		// (gathering it when it is stored column by column). As Cᵀ = Bᵀ·Aᵀ, B is read in place as the
		// left operand and only the small A is packed.
		c, a, b = c.T(), b.T(), a.T()
		m, n = n, m
	case c.ColStride != 1 && c.RowStride == 1 && n > 1:
		// A C stored column by column is computed as Cᵀ = Bᵀ·Aᵀ, whose rows are contiguous.
		c, a, b = c.T(), b.T(), a.T()
		m, n = n, m
	}
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	if n == 1 && m <= gemvMaxRows {
		av := toView(a)
		if runs := gemvRuns(&av, k); runs != nil {
			mulVec(toView(c), av, toView(b), m, k, runs, opt.Accumulate, threads)
			return
		}
	}
	kern := currentKernel()
	kd := kern.choose(n)
	mulParallel(kd, toView(c), toView(a), toView(b), m, n, k, opt.Accumulate, threads)
}
