package backend

import (
	"math/bits"
	"sync"
)

// scratchPools holds reusable float32 scratch slices by power-of-two capacity class, so that steady-state
// training steps do not allocate (and zero) the padded images of their convolutions.
var scratchPools [64]sync.Pool

// getScratch returns a slice of n float32 (contents undefined).
func getScratch(n int) []float32 {
	if n == 0 {
		return nil
	}
	class := bits.Len(uint(n - 1))
	if v := scratchPools[class].Get(); v != nil {
		return (*v.(*[]float32))[:n]
	}
	return make([]float32, n, 1<<class)
}

// putScratch returns a slice obtained from getScratch.
func putScratch(s []float32) {
	if cap(s) == 0 {
		return
	}
	class := bits.Len(uint(cap(s) - 1))
	if cap(s) != 1<<class {
		return
	}
	s = s[:cap(s)]
	scratchPools[class].Put(&s)
}
