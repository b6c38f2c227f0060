package metrics

import (
	"fmt"
	"math"
)

// float is the element type of the slices the accumulators take.
type float interface{ ~float32 | ~float64 }

// checkSlices verifies that the named slices have the same, non-zero length and hold only
// finite values.
func checkSlices[F float](names []string, xs ...[]F) error {
	for i, x := range xs {
		if len(x) != len(xs[0]) {
			return fmt.Errorf("metrics: %s has %d values but %s has %d", names[i], len(x), names[0], len(xs[0]))
		}
	}
	for i, x := range xs {
		for j, v := range x {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("metrics: %s[%d] = %v is not finite", names[i], j, f)
			}
		}
	}
	return nil
}

// welford accumulates the count, mean and sum of squared deviations of a stream
// (Welford 1962; merged with Chan, Golub and LeVeque's formula).
type welford struct {
	n    int64
	mean float64
	m2   float64
}

func (w *welford) add(x float64) {
	w.n++
	d := x - w.mean
	w.mean += d / float64(w.n)
	w.m2 += d * (x - w.mean)
}

func (w *welford) merge(o welford) {
	if o.n == 0 {
		return
	}
	if w.n == 0 {
		*w = o
		return
	}
	n := w.n + o.n
	d := o.mean - w.mean
	w.mean += d * float64(o.n) / float64(n)
	w.m2 += o.m2 + d*d*float64(w.n)*float64(o.n)/float64(n)
	w.n = n
}

// std returns the sample standard deviation (divisor n-1, as Julia's std), NaN for n < 2.
func (w welford) std() float64 {
	if w.n < 2 {
		return math.NaN()
	}
	return math.Sqrt(w.m2 / float64(w.n-1))
}
