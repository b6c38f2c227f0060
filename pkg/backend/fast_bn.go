package backend

import (
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
)

// Batch normalization, reductions: heavy ops with their own kernels for float32 over the last axis
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

// channelSums computes per channel, over the rows of x [rows, channels], the sums of f(row, x) into
// float64 partials, one goroutine per share of the rows, combined in a fixed order (deterministic).
// f adds row r's contribution to acc (len k*channels).
func channelSums(rows, channels, k, threads int, f func(r int, acc []float64)) []float64 {
	parts := threadsFor(rows*channels, threads)
	if parts > rows {
		parts = max(rows, 1)
	}
	partials := make([][]float64, parts)
	parallelRange(parts, parts, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			acc := make([]float64, k*channels)
			for r := p * rows / parts; r < (p+1)*rows/parts; r++ {
				f(r, acc)
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
	vec := shapes.Make(dtypes.Float32, ch)
	run := func(ins, outs [][]float32, threads int) {
		xs, scale, offset := ins[0], ins[1], ins[2]
		y, mean, variance := outs[0], outs[1], outs[2]
		// Shifted sums (by the first row) keep the variance accurate when the mean is large.
		shift := xs[:ch]
		sums := channelSums(rows, ch, 2, threads, func(r int, acc []float64) {
			row := xs[r*ch : (r+1)*ch]
			s1, s2 := acc[:ch], acc[ch:]
			for c, v := range row {
				d := float64(v - shift[c])
				s1[c] += d
				s2[c] += d * d
			}
		})
		a := make([]float32, ch) // scale / sqrt(var + eps)
		bb := make([]float32, ch)
		for c := range ch {
			m1 := sums[c] / float64(rows)
			v := max(sums[ch+c]/float64(rows)-m1*m1, 0)
			mu := m1 + float64(shift[c])
			mean[c], variance[c] = float32(mu), float32(v)
			inv := 1 / math.Sqrt(v+float64(epsilon))
			a[c] = float32(float64(scale[c]) * inv)
			bb[c] = float32(float64(offset[c]) - mu*float64(scale[c])*inv)
		}
		parallelRange(rows, threadsFor(rows*ch, threads), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				src, dst := xs[r*ch:(r+1)*ch], y[r*ch:(r+1)*ch]
				for c, v := range src {
					dst[c] = v*a[c] + bb[c]
				}
			}
		})
	}
	outs := b.addHeavyN("BatchNormForTraining", []shapes.Shape{x.shape, vec, vec}, run, x, sc, of)
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
		parallelRange(rows, threadsFor(rows*ch, threads), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				src, dst := xs[r*ch:(r+1)*ch], y[r*ch:(r+1)*ch]
				for c, v := range src {
					dst[c] = v*a[c] + bb[c]
				}
			}
		})
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
	vec := shapes.Make(dtypes.Float32, ch)
	run := func(ins, outs [][]float32, threads int) {
		xs, scale, mean, variance, dy := ins[0], ins[1], ins[2], ins[3], ins[4]
		dx, dScale, dOffset := outs[0], outs[1], outs[2]
		inv := make([]float64, ch)
		for c := range ch {
			inv[c] = 1 / math.Sqrt(float64(variance[c])+float64(epsilon))
		}
		sums := channelSums(rows, ch, 2, threads, func(r int, acc []float64) {
			xr, gr := xs[r*ch:(r+1)*ch], dy[r*ch:(r+1)*ch]
			sg, sgx := acc[:ch], acc[ch:]
			for c, g := range gr {
				sg[c] += float64(g)
				sgx[c] += float64(g) * float64(xr[c]-mean[c])
			}
		})
		// dx = scale*inv/R * (R*dy - sum(dy) - xhat*sum(dy*xhat)), xhat = (x-mean)*inv.
		k1, k2, k3 := make([]float32, ch), make([]float32, ch), make([]float32, ch)
		for c := range ch {
			sumG, sumGXhat := sums[c], sums[ch+c]*inv[c]
			dOffset[c], dScale[c] = float32(sumG), float32(sumGXhat)
			f := float64(scale[c]) * inv[c]
			k1[c] = float32(f)                                     // times dy
			k2[c] = float32(f * inv[c] * sumGXhat / float64(rows)) // times (x - mean)
			k3[c] = float32(f * sumG / float64(rows))              // constant
		}
		parallelRange(rows, threadsFor(rows*ch, threads), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				xr, gr, dr := xs[r*ch:(r+1)*ch], dy[r*ch:(r+1)*ch], dx[r*ch:(r+1)*ch]
				for c, g := range gr {
					dr[c] = g*k1[c] - (xr[c]-mean[c])*k2[c] - k3[c]
				}
			}
		})
	}
	outs := b.addHeavyN("BatchNormGradient", []shapes.Shape{nodes[0].shape, vec, vec}, run, nodes...)
	return outs[0], outs[1], outs[2], nil
}

// ReduceSum implements backends.Builder: for float32 over leading or trailing axes, a heavy op that
// evaluates its operand's fused expression block by block and accumulates it (float64, per goroutine,
// combined in a fixed order); otherwise the extended backend's ReduceSum.
func (b *fastBuilder) ReduceSum(x backends.Op, axes ...int) (backends.Op, error) {
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	light := func() (backends.Op, error) {
		outs, err := b.lightOp("ReduceSum", []backends.Op{x}, func(s *fastSegment, ins []backends.Op) ([]backends.Op, error) {
			y, err := s.b.ReduceSum(ins[0], axes...)
			return []backends.Op{y}, err
		})
		if err != nil {
			return nil, err
		}
		return outs[0], nil
	}
	if n.shape.DType != dtypes.Float32 || n.shape.Size() < fuseMinSize {
		return light()
	}
	r := n.shape.Rank()
	if len(axes) == 0 { // The graph package's ReduceAllSum.
		for a := range r {
			axes = append(axes, a)
		}
	}
	norm, err := normalizeAxes(r, axes)
	if err != nil {
		return light()
	}
	seen := map[int]bool{}
	for _, a := range norm {
		seen[a] = true
	}
	leading, trailing := true, true
	for a := range len(seen) {
		leading = leading && seen[a]
		trailing = trailing && seen[r-1-a]
	}
	if len(seen) != len(norm) || !(leading || trailing) {
		if op, ok, err := b.reduceSumHeavy(n, norm); ok || err != nil {
			return op, err
		}
		return light()
	}
	out, err := shapeinference.ReduceOp(n.shape, norm)
	if err != nil {
		return light()
	}
	var prog *fuseProgram
	keep := false // Also write the operand: it is a computed expression others may read.
	if n.fx != nil {
		if prog, err = b.compileFused(n); err != nil {
			return nil, err
		}
		ops := 0
		for _, ins := range prog.instrs {
			if ins.op != "load" {
				ops++
			}
		}
		keep = ops >= 2
		if !keep && len(prog.shared) > 0 {
			keep = true // The outputs after the operand are the shared subexpressions.
		}
	} else {
		prog = &fuseProgram{size: n.shape.Size(), leaves: []*fastNode{n}, roots: []int{0},
			instrs: []fuseInstr{{op: "load", leaf: 0, mode: accessFull, scalar: -1}}}
	}
	size, outSize := prog.size, out.Size()
	run := func(ins, outs [][]float32, threads int) {
		y := outs[0]
		blocks := (size + fuseBlock - 1) / fuseBlock
		parts := min(threadsFor(size, threads), blocks)
		partials := make([][]float64, max(parts, 1))
		parallelRange(parts, parts, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				acc := make([]float64, outSize)
				w := prog.newWorker()
				for bl := p * blocks / parts; bl < (p+1)*blocks/parts; bl++ {
					i0 := bl * fuseBlock
					m := min(fuseBlock, size-i0)
					prog.eval(w, ins, i0, m)
					v := w.regs[prog.roots[0]]
					if keep {
						for k, r := range prog.roots {
							copy(outs[1+k][i0:i0+m], w.regs[r])
						}
					}
					if leading {
						// Keep the trailing outSize elements: index i mod outSize.
						idx := i0 % outSize
						for _, e := range v {
							acc[idx] += float64(e)
							idx++
							if idx == outSize {
								idx = 0
							}
						}
					} else {
						d := size / outSize
						q, rr := i0/d, i0%d
						for _, e := range v {
							acc[q] += float64(e)
							rr++
							if rr == d {
								rr, q = 0, q+1
							}
						}
					}
				}
				w.release()
				partials[p] = acc
			}
		})
		total := partials[0]
		for _, acc := range partials[1:] {
			for i, v := range acc {
				total[i] += v
			}
		}
		for i, v := range total {
			y[i] = float32(v)
		}
	}
	if !keep {
		return b.addHeavyN("ReduceSum", []shapes.Shape{out}, run, prog.leaves...)[0], nil
	}
	written := append([]*fastNode{n}, prog.shared...)
	outShapes := []shapes.Shape{out}
	for _, m := range written {
		outShapes = append(outShapes, m.shape)
	}
	outs := b.addHeavyN("ReduceSum", outShapes, run, prog.leaves...)
	b.adoptOutputs(outs[1:], written)
	fastFusedCount.Add(1)
	return outs[0], nil
}
