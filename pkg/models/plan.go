package models

import (
	"fmt"
	"math/bits"
	"slices"
)

// nn2Plan is the spatial plan of the 2021 autoencoder NN2 for one lattice size (see the package
// documentation, "The NN2 size plan").
type nn2Plan struct {
	encSizes []int // N, then the size after each mean pooling; the last is 3.
	encPads  []int // Pad of each mean pooling (Flux's MeanPool pad), one per level.
	decSizes []int // 1, then the size after each 3x3 stride-2 transposed convolution, then N.
	decPads  []int // Pad of each 3x3 stride-2 transposed convolution, one per level.
	finalPad int   // Pad of the final 4x4 stride-2 transposed convolution: 2 (the paper's) or 1.
}

// levels is the number of pooling levels (and of 3x3 transposed convolutions).
func (p nn2Plan) levels() int { return len(p.encPads) }

// paperEncPads are the pads of NN2's mean poolings in the authors' Flux code (100 -> 50 -> 26 -> 13 ->
// 6 -> 3), and paperDecPads those of its 3x3 stride-2 transposed convolutions (1 -> 3 -> 7 -> 13 ->
// 25 -> 51).
var (
	paperEncPads = []int{0, 1, 0, 0, 0}
	paperDecPads = []int{0, 0, 1, 1, 0}
)

// poolSize is the output size of a 2x2 stride-2 mean pooling with pad on each side.
func poolSize(in, pad int) int { return (in + 2*pad) / 2 }

// encoderSizes applies the poolings with the given pads to n.
func encoderSizes(n int, pads []int) []int {
	sizes := []int{n}
	for _, p := range pads {
		n = poolSize(n, p)
		sizes = append(sizes, n)
	}
	return sizes
}

// planNN2 computes NN2's size plan for an even lattice size n >= 4.
func planNN2(n int) (nn2Plan, error) {
	if n < 4 || n%2 != 0 {
		return nn2Plan{}, fmt.Errorf("size: dcnn-ae needs an even size >= 4, got %d", n)
	}
	var p nn2Plan
	// The final 4x4 stride-2 transposed convolution: out = 2*in + 2 - 2*q, with in odd (every 3x3
	// stride-2 step, out = 2*in + 1 - 2*pad, gives an odd size).
	t := n/2 + 1
	p.finalPad = 2
	if n%4 != 0 {
		t, p.finalPad = n/2, 1
	}
	// Walk the 3x3 steps back from t to 1: the previous size is whichever of (t-1)/2 (pad 0) and
	// (t+1)/2 (pad 1) is odd, so the chain is unique.
	back := []int{t}
	var backPads []int
	for t > 1 {
		if (t-1)/2%2 == 1 {
			t = (t - 1) / 2
			backPads = append(backPads, 0)
		} else {
			t = (t + 1) / 2
			backPads = append(backPads, 1)
		}
		back = append(back, t)
	}
	slices.Reverse(back)
	slices.Reverse(backPads)
	p.decSizes = append(back, n)
	p.decPads = backPads
	levels := len(backPads)

	// The encoder: levels poolings from n to 3.
	if levels == len(paperEncPads) && encoderSizes(n, paperEncPads)[levels] == 3 {
		p.encPads = slices.Clone(paperEncPads)
	} else {
		// Fewest padded levels first; among those, the smallest mask with the first level as the most
		// significant bit, i.e. the deepest levels padded first.
		best := -1
		for mask := 0; mask < 1<<levels; mask++ {
			if encoderSizes(n, maskPads(mask, levels))[levels] != 3 {
				continue
			}
			if best < 0 || bits.OnesCount(uint(mask)) < bits.OnesCount(uint(best)) {
				best = mask
			}
		}
		if best < 0 {
			return nn2Plan{}, fmt.Errorf("size: no 2x2 mean pooling chain takes %d to 3 in %d levels", n, levels)
		}
		p.encPads = maskPads(best, levels)
	}
	p.encSizes = encoderSizes(n, p.encPads)
	return p, nil
}

// maskPads turns a bit mask into pads, the first level being the most significant bit.
func maskPads(mask, levels int) []int {
	pads := make([]int, levels)
	for i := range levels {
		pads[i] = (mask >> (levels - 1 - i)) & 1
	}
	return pads
}
