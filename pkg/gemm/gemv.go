package gemm

import (
	"sync"

	"github.com/surrogo/surrogo/pkg/vec"
)

// A product with a single output column (C = A·b, e.g. the kernel gradient of a convolution with one
// output channel) leaves at most 1/8 of a register tile busy. When A's columns come in runs of
// consecutive offsets (a row-major A, or an im2col table: a run per image row), it is computed instead
// as dot products of those runs with b gathered into one contiguous vector.

// gemvMinRun is the shortest mean run length for which mulVec is used, gemvMaxRows the most rows: with
// many rows (a convolution with one output channel, rather than its kernel gradient) the register tiles
// of the ordinary kernels do better than one dot product per row.
const (
	gemvMinRun  = 16
	gemvMaxRows = 4096
)

var gemvPool = sync.Pool{New: func() any { return new([]float32) }}

// gemvRuns returns the column runs of A over all its k columns, or nil if they are too short.
func gemvRuns(a *view, k int) []colRun {
	var runs []colRun
	if a.colOff == nil {
		if a.cs != 1 {
			return nil
		}
		return []colRun{{0, k, 0}}
	}
	for p := 0; p < k; {
		q := p + 1
		for q < k && a.colOff[q] == a.colOff[p]+(q-p) {
			q++
		}
		runs = append(runs, colRun{p, q - p, a.colOff[p]})
		p = q
	}
	if len(runs)*gemvMinRun > k {
		return nil
	}
	return runs
}

// mulVec computes the single column C = A·B (C += A·B if accumulate) as dot products over A's column
// runs, splitting the rows over threads (deterministic: each row is summed in a fixed order).
func mulVec(c, a, b view, m, k int, runs []colRun, accumulate bool, threads int) {
	bp := gemvPool.Get().(*[]float32)
	bv := grow(*bp, k)
	for p := range k {
		bv[p] = b.data[b.base+b.ro(p)+b.co(0)]
	}
	rowsPer := (m + threads - 1) / threads
	if m*k < 1<<16 {
		rowsPer = m
	}
	var wg sync.WaitGroup
	for lo := 0; lo < m; lo += rowsPer {
		hi := min(lo+rowsPer, m)
		work := func() {
			tp := gemvPool.Get().(*[]float32)
			longest := 0
			for _, r := range runs {
				longest = max(longest, r.n)
			}
			tmp := grow(*tp, longest)
			for i := lo; i < hi; i++ {
				row := a.base + a.ro(i)
				var sum float64
				for _, r := range runs {
					t := tmp[:r.n]
					vec.Mul(t, a.data[row+r.off:row+r.off+r.n], bv[r.p0:r.p0+r.n])
					sum += vec.SumF64(t)
				}
				ci := c.base + c.ro(i)
				if accumulate {
					c.data[ci] += float32(sum)
				} else {
					c.data[ci] = float32(sum)
				}
			}
			*tp = tmp
			gemvPool.Put(tp)
		}
		if hi == m {
			work()
		} else {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work()
			}()
		}
	}
	wg.Wait()
	*bp = bv
	gemvPool.Put(bp)
}
