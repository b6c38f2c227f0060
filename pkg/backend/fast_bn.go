package backend

import (
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/vec"
)

// Batch normalization: heavy ops with their own kernels for float32 over the last axis
// (channels-last images, as the models of this project use); other cases run on the extended backend.

// lightOp builds an op of the extended backend in the current light segment after materializing its
// operands; build receives the segment's ops for them.
func (b *fastBuilder) lightOp(name string, inputs []backends.Op, build func(s *fastSegment, ins []backends.Op) ([]backends.Op, error)) ([]backends.Op, error) {
	if err := b.ready(inputs...); err != nil {
		return nil, err
	}
	s := b.light()
	s.note(name)
	ins := s.useAll(inputs)
	if s.err != nil {
		return nil, s.err
	}
	outs, err := build(s, ins)
	if err != nil {
		return nil, err
	}
	res := s.wrapAll(outs)
	return res, s.err
}

// channelsLast returns (rows, channels) of x when featureAxis is its last axis, or ok false.
func channelsLast(x *fastNode, featureAxis int) (rows, channels int, ok bool) {
	r := x.shape.Rank()
	if featureAxis < 0 {
		featureAxis += r
	}
	if r == 0 || featureAxis != r-1 || x.shape.DType != dtypes.Float32 {
		return 0, 0, false
	}
	channels = x.shape.Dimensions[r-1]
	if channels == 0 {
		return 0, 0, false
	}
	return x.shape.Size() / channels, channels, true
}

// chanBlocks splits a [rows, c] array into blocks of whole rows, about fuseBlock elements each (a power
// of two rows when c divides fuseBlock, so that foldRows can add them as a tree).
type chanBlocks struct {
	rows, c, rowsPer int
}

func newChanBlocks(rows, c int) chanBlocks {
	per := 1
	for per*2*c <= fuseBlock {
		per *= 2
	}
	return chanBlocks{rows: rows, c: c, rowsPer: per}
}

func (cb chanBlocks) count() int { return (cb.rows + cb.rowsPer - 1) / cb.rowsPer }

// span returns the element range of block i.
func (cb chanBlocks) span(i int) (lo, hi int) {
	return i * cb.rowsPer * cb.c, min((i+1)*cb.rowsPer, cb.rows) * cb.c
}

// tile returns v (one value per channel) repeated for a whole block.
func (cb chanBlocks) tile(v []float32) []float32 {
	t := make([]float32, cb.rowsPer*cb.c)
	for r := range cb.rowsPer {
		copy(t[r*cb.c:], v)
	}
	return t
}

// forBlocks calls fn on the blocks in parallel shares (fixed by the block count and threads), each
// with its own float64 accumulator of k*c values and float32 scratch of two blocks; it returns the
// accumulators summed in share order (deterministic).
func (cb chanBlocks) forBlocks(threads, k int, fn func(lo, hi int, acc []float64, tmp []float32)) []float64 {
	n := cb.count()
	parts := max(min(threadsFor(cb.rows*cb.c, threads), n), 1)
	partials := make([][]float64, parts)
	parallelRange(parts, parts, func(plo, phi int) {
		tmp := getScratch(2 * cb.rowsPer * cb.c)
		defer putScratch(tmp)
		for p := plo; p < phi; p++ {
			acc := make([]float64, k*cb.c)
			for i := p * n / parts; i < (p+1)*n/parts; i++ {
				lo, hi := cb.span(i)
				fn(lo, hi, acc, tmp)
			}
			partials[p] = acc
		}
	})
	total := partials[0]
	for _, acc := range partials[1:] {
		for i, v := range acc {
			total[i] += v
		}
	}
	return total
}

// foldRows adds the rows (width c) of v into acc (float64, c values): pairwise in float32 when the row
// count is a power of two, row after row otherwise; tmp needs len(v)/2 (or c) elements.
func foldRows(acc []float64, v, tmp []float32, c int) {
	k := len(v) / c
	switch {
	case k == 1:
		vec.AccumulateF64(acc, v)
		return
	case k&(k-1) == 0:
		h := len(v) / 2
		vec.Add(tmp[:h], v[:h], v[h:2*h])
		for h > c {
			h2 := h / 2
			vec.Add(tmp[:h2], tmp[:h2], tmp[h2:h])
			h = h2
		}
	default:
		copy(tmp[:c], v[:c])
		for r := 1; r < k; r++ {
			vec.Add(tmp[:c], tmp[:c], v[r*c:(r+1)*c])
		}
	}
	vec.AccumulateF64(acc, tmp[:c])
}

// affineChannels writes y = x*a + b per channel (a, b tiled to a block) for a [rows, c] array.
func affineChannels(y, x, a, b []float32, cb chanBlocks, threads int) {
	parallelRange(cb.count(), threadsFor(cb.rows*cb.c, threads), func(blo, bhi int) {
		for i := blo; i < bhi; i++ {
			lo, hi := cb.span(i)
			vec.Mul(y[lo:hi], x[lo:hi], a)
			vec.Add(y[lo:hi], y[lo:hi], b)
		}
	})
}

// BatchNormForTraining implements backends.Builder: a heavy op for float32 with the feature axis last
// (two passes: statistics, then normalization); otherwise the extended backend's composition.
func (b *fastBuilder) BatchNormForTraining(operand, scale, offset backends.Op, epsilon float32, featureAxis int) (backends.Op, backends.Op, backends.Op, error) {
	if err := b.ready(operand, scale, offset); err != nil {
		return nil, nil, nil, err
	}
	x, _ := b.node(operand)
	sc, _ := b.node(scale)
	of, _ := b.node(offset)
	rows, ch, ok := channelsLast(x, featureAxis)
	if !ok || sc.shape.DType != dtypes.Float32 || of.shape.DType != dtypes.Float32 || sc.shape.Size() != ch || of.shape.Size() != ch {
		outs, err := b.lightOp("BatchNormForTraining", []backends.Op{operand, scale, offset}, func(s *fastSegment, ins []backends.Op) ([]backends.Op, error) {
			y, m, v, err := s.b.BatchNormForTraining(ins[0], ins[1], ins[2], epsilon, featureAxis)
			return []backends.Op{y, m, v}, err
		})
		if err != nil {
			return nil, nil, nil, err
		}
		return outs[0], outs[1], outs[2], nil
	}
	vecShape := shapes.Make(dtypes.Float32, ch)
	run := func(ins, outs [][]float32, threads int) {
		xs, scale, offset := ins[0], ins[1], ins[2]
		y, mean, variance := outs[0], outs[1], outs[2]
		cb := newChanBlocks(rows, ch)
		// Sums shifted by the first row keep the variance accurate when the mean is large.
		shift := cb.tile(xs[:ch])
		sums := cb.forBlocks(threads, 2, func(lo, hi int, acc []float64, tmp []float32) {
			u, t := tmp[:hi-lo], tmp[cb.rowsPer*ch:]
			vec.Sub(u, xs[lo:hi], shift)
			foldRows(acc[:ch], u, t, ch)
			vec.Mul(u, u, u)
			foldRows(acc[ch:], u, t, ch)
		})
		a := make([]float32, ch) // scale / sqrt(var + eps)
		bb := make([]float32, ch)
		for c := range ch {
			m1 := sums[c] / float64(rows)
			v := max(sums[ch+c]/float64(rows)-m1*m1, 0)
			mu := m1 + float64(xs[c])
			mean[c], variance[c] = float32(mu), float32(v)
			inv := 1 / math.Sqrt(v+float64(epsilon))
			a[c] = float32(float64(scale[c]) * inv)
			bb[c] = float32(float64(offset[c]) - mu*float64(scale[c])*inv)
		}
		affineChannels(y, xs, cb.tile(a), cb.tile(bb), cb, threads)
	}
	outs := b.addHeavyN("BatchNormForTraining", []shapes.Shape{x.shape, vecShape, vecShape}, run, x, sc, of)
	return outs[0], outs[1], outs[2], nil
}

// BatchNormForInference implements backends.Builder: a heavy op for float32 with the feature axis last.
func (b *fastBuilder) BatchNormForInference(operand, scale, offset, mean, variance backends.Op, epsilon float32, featureAxis int) (backends.Op, error) {
	in := []backends.Op{operand, scale, offset, mean, variance}
	if err := b.ready(in...); err != nil {
		return nil, err
	}
	nodes := make([]*fastNode, len(in))
	for i, op := range in {
		nodes[i], _ = b.node(op)
	}
	rows, ch, ok := channelsLast(nodes[0], featureAxis)
	for _, n := range nodes[1:] {
		ok = ok && n.shape.DType == dtypes.Float32 && n.shape.Size() == ch
	}
	if !ok {
		outs, err := b.lightOp("BatchNormForInference", in, func(s *fastSegment, ins []backends.Op) ([]backends.Op, error) {
			y, err := s.b.BatchNormForInference(ins[0], ins[1], ins[2], ins[3], ins[4], epsilon, featureAxis)
			return []backends.Op{y}, err
		})
		if err != nil {
			return nil, err
		}
		return outs[0], nil
	}
	run := func(ins [][]float32, y []float32, threads int) {
		xs, scale, offset, mean, variance := ins[0], ins[1], ins[2], ins[3], ins[4]
		a, bb := make([]float32, ch), make([]float32, ch)
		for c := range ch {
			inv := 1 / math.Sqrt(float64(variance[c])+float64(epsilon))
			a[c] = float32(float64(scale[c]) * inv)
			bb[c] = float32(float64(offset[c]) - float64(mean[c])*float64(scale[c])*inv)
		}
		cb := newChanBlocks(rows, ch)
		affineChannels(y, xs, cb.tile(a), cb.tile(bb), cb, threads)
	}
	return b.addHeavy("BatchNormForInference", nodes[0].shape, run, nodes...), nil
}

// BatchNormGradient implements backends.Builder: a heavy op for float32 with the feature axis last
// (two passes: the per-channel sums of the output gradient and of its product with the normalized
// input, then the input gradient).
func (b *fastBuilder) BatchNormGradient(operand, scale, mean, variance, gradOutput backends.Op, epsilon float32, featureAxis int) (backends.Op, backends.Op, backends.Op, error) {
	in := []backends.Op{operand, scale, mean, variance, gradOutput}
	if err := b.ready(in...); err != nil {
		return nil, nil, nil, err
	}
	nodes := make([]*fastNode, len(in))
	for i, op := range in {
		nodes[i], _ = b.node(op)
	}
	rows, ch, ok := channelsLast(nodes[0], featureAxis)
	for _, n := range nodes[1:4] {
		ok = ok && n.shape.DType == dtypes.Float32 && n.shape.Size() == ch
	}
	ok = ok && nodes[4].shape.Equal(nodes[0].shape)
	if !ok {
		outs, err := b.lightOp("BatchNormGradient", in, func(s *fastSegment, ins []backends.Op) ([]backends.Op, error) {
			gx, gs, go_, err := s.b.BatchNormGradient(ins[0], ins[1], ins[2], ins[3], ins[4], epsilon, featureAxis)
			return []backends.Op{gx, gs, go_}, err
		})
		if err != nil {
			return nil, nil, nil, err
		}
		return outs[0], outs[1], outs[2], nil
	}
	vecShape := shapes.Make(dtypes.Float32, ch)
	run := func(ins, outs [][]float32, threads int) {
		xs, scale, mean, variance, dy := ins[0], ins[1], ins[2], ins[3], ins[4]
		dx, dScale, dOffset := outs[0], outs[1], outs[2]
		cb := newChanBlocks(rows, ch)
		meanT := cb.tile(mean)
		sums := cb.forBlocks(threads, 2, func(lo, hi int, acc []float64, tmp []float32) {
			u, t := tmp[:hi-lo], tmp[cb.rowsPer*ch:]
			foldRows(acc[:ch], dy[lo:hi], t, ch)
			vec.Sub(u, xs[lo:hi], meanT)
			vec.Mul(u, u, dy[lo:hi])
			foldRows(acc[ch:], u, t, ch)
		})
		// dx = scale*inv/R * (R*dy - sum(dy) - xhat*sum(dy*xhat)), xhat = (x-mean)*inv.
		k1, k2, k3 := make([]float32, ch), make([]float32, ch), make([]float32, ch)
		for c := range ch {
			inv := 1 / math.Sqrt(float64(variance[c])+float64(epsilon))
			sumG, sumGXhat := sums[c], sums[ch+c]*inv
			dOffset[c], dScale[c] = float32(sumG), float32(sumGXhat)
			f := float64(scale[c]) * inv
			k1[c] = float32(f)                                  // times dy
			k2[c] = float32(f * inv * sumGXhat / float64(rows)) // times (x - mean)
			k3[c] = float32(f * sumG / float64(rows))           // constant
		}
		k1T, k2T, k3T := cb.tile(k1), cb.tile(k2), cb.tile(k3)
		parallelRange(cb.count(), threadsFor(rows*ch, threads), func(blo, bhi int) {
			tmp := getScratch(cb.rowsPer * ch)
			defer putScratch(tmp)
			for i := blo; i < bhi; i++ {
				lo, hi := cb.span(i)
				n := hi - lo
				t, d := tmp[:n], dx[lo:hi]
				vec.Sub(t, xs[lo:hi], meanT)
				vec.Mul(t, t, k2T)
				vec.Mul(d, dy[lo:hi], k1T)
				vec.Sub(d, d, t)
				vec.Sub(d, d, k3T)
			}
		})
	}
	outs := b.addHeavyN("BatchNormGradient", []shapes.Shape{nodes[0].shape, vecShape, vecShape}, run, nodes...)
	return outs[0], outs[1], outs[2], nil
}
