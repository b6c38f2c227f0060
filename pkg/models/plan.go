package models

import (
	"fmt"
	"math/bits"
	"slices"
)

// nn2Plan is the spatial plan of the 2021 autoencoder NN2 for one lattice size (see the package
// documentation, "The NN2 size plan").
//
// NN2 layer by layer at the paper's N = 100 (Table 1, right, with the sizes of the authors' Flux
// code), at the 2021 cpu scale's N = 60 (R = 3, l = 12: the paper's R/N and l/N) and at the smoke
// scale's N = 40 (R = 2, l = 8), channels for width W (64 in the paper); every convolution but
// the last two is followed by LeakyReLU (slope 0.01), BatchNorm and dropout D3 follow the first,
// dropout D4 precedes the last transposed convolution, ReLU and BatchNorm follow it:
//
//	layer                        N = 100 (paper)        N = 60 (cpu)          N = 40 (smoke)
//	Conv3x3 pad 1, 1 -> W        W x 100 x 100          W x 60 x 60           W x 40 x 40
//	MeanPool 2                   W x 50 x 50            W x 30 x 30           W x 20 x 20
//	Conv3x3 pad 1, -> 2W         2W x 50 x 50           2W x 30 x 30          2W x 20 x 20
//	MeanPool 2                   2W x 26 x 26 (pad 1)   2W x 15 x 15          2W x 10 x 10
//	Conv3x3 pad 1, -> 4W         4W x 26 x 26           4W x 15 x 15          4W x 10 x 10
//	MeanPool 2                   4W x 13 x 13           4W x 7 x 7            4W x 5 x 5
//	Conv3x3 pad 1, -> 8W         8W x 13 x 13           8W x 7 x 7            8W x 5 x 5
//	MeanPool 2                   8W x 6 x 6             8W x 3 x 3            8W x 3 x 3 (pad 1)
//	Conv3x3 pad 1, -> 16W        16W x 6 x 6            -                     -
//	MeanPool 2                   16W x 3 x 3            -                     -
//	Conv3x3 valid (bottleneck)   32W x 1 x 1            16W x 1 x 1           16W x 1 x 1
//	ConvT3x3 stride 2            16W x 3 x 3 (pad 0)    8W x 3 x 3 (pad 0)    8W x 3 x 3 (pad 0)
//	ConvT3x3 stride 2            8W x 7 x 7 (pad 0)     4W x 7 x 7 (pad 0)    4W x 5 x 5 (pad 1)
//	ConvT3x3 stride 2            4W x 13 x 13 (pad 1)   2W x 15 x 15 (pad 0)  2W x 11 x 11 (pad 0)
//	ConvT3x3 stride 2            2W x 25 x 25 (pad 1)   W x 31 x 31 (pad 0)   W x 21 x 21 (pad 1)
//	ConvT3x3 stride 2            W x 51 x 51 (pad 0)    -                     -
//	ConvT4x4 stride 2, -> 1      1 x 100 x 100 (pad 2)  1 x 60 x 60 (pad 2)   1 x 40 x 40 (pad 2)
//
// At N = 60 NN2 has four levels instead of five (60/2 + 1 = 31 = 2^5 - 1 is reached from 1 in four
// stride-2 steps), so its bottleneck has 16W channels (1024 at W = 64) instead of 32W, and 12.5M
// parameters at W = 64 instead of 50.3M. Poolings of odd sizes drop the last row and column, as
// Flux's MeanPool does (15 -> 7, 7 -> 3; the paper's 13 -> 6, 6 -> 3). NN1 has no pooling: it is
// the same at every N. TestPlanNN2Reduced checks these sizes.
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
