package backend

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/vec"
)

// reduceSumOfProduct computes ReduceSum(Mul(Broadcast(a), Broadcast(b))) as a matrix product when the
// broadcasts make it a contraction (GoMLX builds the gradients of dense layers this way; see
// fuseMulSum), instead of materializing the broadcast product.
func (b *fastBuilder) reduceSumOfProduct(n *fastNode, axes []int) (backends.Op, bool) {
	if n.fx == nil || n.fx.op != "Mul" || len(axes) == 0 {
		return nil, false
	}
	var operands [2]backends.Op
	broadcast := false
	for i, a := range n.fx.args {
		operands[i] = a
		if a.fx == nil || a.fx.op != "BroadcastInDim" || a.fx.inDims == nil {
			continue
		}
		// The unbroadcast operand at the output's rank, with 1 on the broadcast axes.
		dims := slices.Repeat([]int{1}, a.shape.Rank())
		for j, axis := range a.fx.axes {
			dims[axis] = a.fx.inDims[j]
		}
		src, err := b.Reshape(a.fx.args[0], dims...)
		if err != nil {
			return nil, false
		}
		operands[i], broadcast = src, true
	}
	if !broadcast {
		return nil, false
	}
	op, ok := fuseMulSum(b, operands[0], operands[1], axes)
	if ok {
		mulSumFusedCount.Add(1)
	}
	return op, ok
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
	if op, ok := b.reduceSumOfProduct(n, axes); ok {
		return op, nil
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
			instrs: []fuseInstr{{op: "load", leaf: 0, mode: accessFull, scalar: -1, root: -1}}}
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
					prog.eval(w, ins, nil, i0, m)
					v := w.regs[prog.roots[0]]
					if keep {
						for k, r := range prog.roots {
							copy(outs[1+k][i0:i0+m], w.regs[r])
						}
					}
					switch {
					case leading && outSize <= fuseBlock && fuseBlock%outSize == 0:
						// Blocks start at multiples of outSize: add the block's rows in float32 (at most
						// fuseBlock/outSize of them), then into the float64 accumulator.
						foldRows(acc, v, w.part, outSize)
					case leading:
						// Keep the trailing outSize elements: index i mod outSize.
						idx := i0 % outSize
						for _, e := range v {
							acc[idx] += float64(e)
							idx++
							if idx == outSize {
								idx = 0
							}
						}
					case size/outSize >= fuseBlock && (size/outSize)%fuseBlock == 0:
						// Whole blocks fall in one output element.
						acc[i0/(size/outSize)] += vec.SumF64(v)
					default:
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
		sumPartials(y, partials)
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
