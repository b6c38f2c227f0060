// Package gemm is a fast float32 matrix multiplication (C = A·B) for the CPU, written for the
// convolutions and dense layers of CNN training.
//
// It follows the BLIS/GotoBLAS design: B is packed into kc×nr panels, A into mr×kc panels (or read
// in place when that is cheaper), both blocked for the caches, and an assembly micro-kernel keeps an
// mr×nr tile of C in registers (AVX-512 or AVX2+FMA on amd64, chosen at run time; a pure-Go kernel
// elsewhere). Operands are strided views (Matrix), optionally with row/column offset tables, so
// that a transposed matrix or an im2col patch matrix needs no copy.
//
// Mul is safe for concurrent use; it allocates nothing in steady state (packing buffers are pooled).
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

// Mul computes C = A·B (or C += A·B). C must have RowOff == ColOff == nil (plain strides, any strides, e.g. ColStride 1 or a transposed layout). A is M×K, B is K×N, C is M×N. Panics on mismatched shapes (programming error). Results must be deterministic: the same inputs, kernel and Threads give bit-identical C (fixed partitioning and summation order, no dependence on goroutine timing).
//
// For a given kernel, the result does not depend on Threads unless K is split between threads
// (M and N small, K large: see the package's partitioning in Mul's implementation).
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
	// A C stored column by column is computed as Cᵀ = Bᵀ·Aᵀ, whose rows are contiguous.
	if c.ColStride != 1 && c.RowStride == 1 && n > 1 {
		c, a, b = c.T(), b.T(), a.T()
		m, n = n, m
	}
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	kern := currentKernel()
	kd := kern.choose(n)
	mulParallel(kd, toView(c), toView(a), toView(b), m, n, k, opt.Accumulate, threads)
}
