package backend

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/gemm"
)

// ConvGeneral implements backends.Builder. A float32 convolution without grouping is a heavy op: the
// input is copied once into a zero-padded (and, for input dilation, dilated) image laid out as
// [batch, spatial..., channels], and the convolution is one matrix product whose left operand is the
// im2col matrix of that image read in place through offset tables (rows: batch and output position;
// columns: kernel position and input channel; see gemm.Matrix), never materialized, and whose right
// operand is the kernel read in place. The gradients GoMLX builds for a convolution are convolutions of
// the same kind (the kernel gradient convolves the input with the output gradient, the batch and channel
// axes exchanged), so they run the same way. Other convolutions run on the extended pure-Go backend.
func (b *fastBuilder) ConvGeneral(inputOp, kernelOp backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	input, err := b.node(inputOp)
	if err != nil {
		return nil, err
	}
	kernel, err := b.node(kernelOp)
	if err != nil {
		return nil, err
	}
	lightConv := func() (backends.Op, error) {
		if err := b.ready(input, kernel); err != nil {
			return nil, err
		}
		s := b.light()
		x, k := s.use(input), s.use(kernel)
		if s.err != nil {
			return nil, s.err
		}
		op, err := s.b.ConvGeneral(x, k, axes, strides, paddings, inputDilations, kernelDilations,
			channelGroupCount, batchGroupCount)
		if err != nil {
			return nil, err
		}
		return s.wrap(op), s.err
	}
	if input.shape.DType != dtypes.Float32 || kernel.shape.DType != dtypes.Float32 ||
		max(channelGroupCount, 1) != 1 || max(batchGroupCount, 1) != 1 {
		return lightConv()
	}
	p, err := newConvParams(b, input, kernel, axes, strides, paddings, inputDilations, kernelDilations,
		channelGroupCount, batchGroupCount)
	if err != nil {
		return nil, err
	}
	if p.outputShape.Size() == 0 || p.inputShape.Size() == 0 || p.kernelShape.Size() == 0 {
		return lightConv()
	}
	// A kernel reversed along spatial axes is read from its source with reversed offsets.
	var kernelRev []bool
	if h := kernel.heavy; kernel.fx == nil && h != nil && h.reversal != nil && len(h.outputs) == 1 &&
		!h.reversal.axes[p.kernelInChannelsAxis] && !h.reversal.axes[p.kernelOutChannelsAx] {
		kernelRev = h.reversal.axes
	}
	plan := newFastConvPlan(p, kernelRev)
	inputData, err := b.dataOf(input)
	if err != nil {
		return nil, err
	}
	kernelData := kernel.heavy.reversalSource(kernelRev)
	if kernelData == nil {
		if kernelData, err = b.dataOf(kernel); err != nil {
			return nil, err
		}
	}
	return b.addHeavyScratch("ConvGeneral", p.outputShape, plan.scratchSize(), plan.run, inputData, kernelData), nil
}

// fastConvPlan holds what a heavy convolution precomputes at build time.
//
// The padded image P holds the input with its spatial axes padded (and dilated), in the input's own
// axis order, so that making it is a copy of contiguous runs; the im2col matrix reads it through offset
// tables whatever the order. For a single output channel (a matrix-vector product, computed as dot
// products over contiguous runs of columns; see gemm) P is laid out [batch, spatial..., channels]
// instead, which makes the columns (kernel position, channel) of the kernel-gradient convolution
// contiguous runs.
type fastConvPlan struct {
	d int
	// Per axis of P (in P's order): the input's dimension and stride, P's dimension and stride, where
	// input index i lands (i*dil + low; outside when the padding is negative), and whether a block of
	// that axis and the deeper ones is contiguous in both (copied at once).
	inDims, inSt, pDims, pSt, low, dil []int
	contig                             []bool
	padSize                            int
	// GEMM operands and output.
	aRows, aCols axesIndex // im2col rows (batch, output position) and columns (kernel position, channel)
	bRows, bCols axesIndex // kernel rows (kernel position, input channel) and columns (output channel)
	cRows        axesIndex // output rows (batch, output position)
	cColStride   int       // output channel stride
	m, n, k      int
}

// newFastConvPlan plans the convolution p; kernelRev, if not nil, marks the kernel axes to read
// reversed (the kernel operand is then the Reverse's source).
func newFastConvPlan(p *convParams, kernelRev []bool) *fastConvPlan {
	d := p.spatialRank
	in, ks, out := p.inputShape.Dimensions, p.kernelShape.Dimensions, p.outputShape.Dimensions
	r := len(in)
	f := &fastConvPlan{d: d}
	inStrides := rowMajorStrides(in)
	order := make([]int, r)
	for a := range r {
		order[a] = a
	}
	if ks[p.kernelOutChannelsAx] == 1 {
		order = append(append([]int{p.inputBatchAxis}, p.inputSpatialAxes...), p.inputChannelsAxis)
	}
	spatialIndex := map[int]int{}
	for i, a := range p.inputSpatialAxes {
		spatialIndex[a] = i
	}
	pos := make([]int, r) // pos[input axis] = its index in P
	for k, a := range order {
		pos[a] = k
		f.inDims = append(f.inDims, in[a])
		f.inSt = append(f.inSt, inStrides[a])
		if i, ok := spatialIndex[a]; ok {
			dilated := (in[a]-1)*p.inputDilations[i] + 1
			f.pDims = append(f.pDims, max(dilated+p.paddings[i][0]+p.paddings[i][1], 0))
			f.low = append(f.low, p.paddings[i][0])
			f.dil = append(f.dil, p.inputDilations[i])
		} else {
			f.pDims = append(f.pDims, in[a])
			f.low = append(f.low, 0)
			f.dil = append(f.dil, 1)
		}
	}
	f.pSt = rowMajorStrides(f.pDims)
	f.padSize = prod(f.pDims)
	f.contig = make([]bool, r)
	deeperSame := true // axes deeper than k: same dimensions and strides in the input and in P
	for k := r - 1; k >= 0; k-- {
		f.contig[k] = deeperSame && f.dil[k] == 1 && f.inSt[k] == f.pSt[k]
		deeperSame = deeperSame && f.pDims[k] == f.inDims[k] && f.inSt[k] == f.pSt[k]
	}
	sB, sC := f.pSt[pos[p.inputBatchAxis]], f.pSt[pos[p.inputChannelsAxis]]
	sS := make([]int, d)
	for i, a := range p.inputSpatialAxes {
		sS[i] = f.pSt[pos[a]]
	}
	nBatch, nChan := in[p.inputBatchAxis], in[p.inputChannelsAxis]
	kst, ost := rowMajorStrides(ks), rowMajorStrides(out)

	// The product's rows are (batch, output position...) and its contraction (kernel position...,
	// input channel); each is enumerated with its components ordered by their stride in P, largest
	// first, so that neighbouring rows (and neighbouring columns of the im2col matrix) are close in
	// memory: the channels innermost for an ordinary convolution, outermost for a kernel gradient
	// (whose "channels" are the batch).
	rowComps := []convComp{{dim: nBatch, p: sB, other: ost[p.axes.OutputBatch]}}
	for k := range d {
		rowComps = append(rowComps, convComp{dim: p.outputSpatialDims[k], p: p.strides[k] * sS[k], other: ost[p.axes.OutputSpatial[k]]})
	}
	colComps := []convComp{}
	kBase := 0 // Offset of the kernel's first element in its data (reversed axes start at their end).
	for k := range d {
		st := kst[p.kernelSpatialAxes[k]]
		if kernelRev != nil && kernelRev[p.kernelSpatialAxes[k]] {
			kBase += (p.kernelSpatialDims[k] - 1) * st
			st = -st
		}
		colComps = append(colComps, convComp{dim: p.kernelSpatialDims[k], p: p.kernelDilations[k] * sS[k], other: st})
	}
	colComps = append(colComps, convComp{dim: nChan, p: sC, other: kst[p.kernelInChannelsAxis]})
	sortComps(rowComps)
	sortComps(colComps)
	f.aRows = tableIndex(compOffsets(rowComps, false))
	f.cRows = tableIndex(compOffsets(rowComps, true))
	f.aCols = tableIndex(compOffsets(colComps, false))
	bOffs := compOffsets(colComps, true)
	for i := range bOffs {
		bOffs[i] += kBase
	}
	f.bRows = tableIndex(bOffs)
	f.bCols = newAxesIndex(ks, kst, []int{p.kernelOutChannelsAx})
	f.cColStride = ost[p.axes.OutputChannels]
	f.m, f.n, f.k = f.aRows.size, f.bCols.size, f.aCols.size
	return f
}

// convComp is one component of the rows or columns of a convolution's product: its size, its stride in
// the padded image P, and its stride in the other operand (the output for rows, the kernel for columns).
type convComp struct{ dim, p, other int }

// sortComps orders components by their stride in P, largest first (stable).
func sortComps(cs []convComp) {
	slices.SortStableFunc(cs, func(a, b convComp) int { return b.p - a.p })
}

// compOffsets enumerates the components row-major (the first varies slowest) and returns the offset of
// each combination in P, or in the other operand if other.
func compOffsets(cs []convComp, other bool) []int {
	offs := []int{0}
	for _, c := range cs {
		st := c.p
		if other {
			st = c.other
		}
		next := make([]int, 0, len(offs)*c.dim)
		for _, o := range offs {
			for i := range c.dim {
				next = append(next, o+i*st)
			}
		}
		offs = next
	}
	return offs
}

// tableIndex returns the axesIndex of an offset table: a stride when the offsets are evenly spaced.
func tableIndex(offs []int) axesIndex {
	if len(offs) <= 1 {
		return axesIndex{size: len(offs)}
	}
	st := offs[1] - offs[0]
	for i, o := range offs {
		if o != offs[0]+i*st {
			return axesIndex{size: len(offs), table: offs}
		}
	}
	if offs[0] != 0 {
		return axesIndex{size: len(offs), table: offs}
	}
	return axesIndex{size: len(offs), stride: st}
}

// isProgression reports whether xs is 0, 1, 2, ...
func isProgression(xs []int) bool {
	for i, x := range xs {
		if x != i {
			return false
		}
	}
	return true
}

// pad writes the zero-padded, dilated image of x into dst (f.padSize elements), in parallel over the
// first axis.
func (f *fastConvPlan) pad(dst, x []float32, threads int) {
	clear(dst)
	if f.transposed2D() {
		f.padTransposed2D(dst, x, threads)
		return
	}
	if f.contig[0] {
		f.padRec(dst, x, 0, 0, 0)
		return
	}
	parallelRange(f.inDims[0], threadsFor(f.padSize, threads), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if p := i*f.dil[0] + f.low[0]; p >= 0 && p < f.pDims[0] {
				f.padRec(dst, x, 1, i*f.inSt[0], p*f.pSt[0])
			}
		}
	})
}

// transposed2D reports whether P's first axis is the input's contiguous one and its last axis is not
// (the [batch, spatial, channels] image of an [N, H, W, C] input whose batch and channel roles are
// exchanged, as in a kernel gradient), with 2 undilated spatial axes.
func (f *fastConvPlan) transposed2D() bool {
	return len(f.inDims) == 4 && f.inSt[0] == 1 && f.inSt[3] != 1 && f.dil[1] == 1 && f.dil[2] == 1 &&
		f.low[0] == 0 && f.low[3] == 0
}

// padTransposed2D is pad for transposed2D: tiles of 16 pixels of a row are moved at once, so that
// reads run along the input's contiguous axis and writes fill whole cache lines of P.
func (f *fastConvPlan) padTransposed2D(dst, x []float32, threads int) {
	const tile = 16
	c0, b3 := f.inDims[0], f.inDims[3]
	hLo, hHi := max(0, -f.low[1]), min(f.inDims[1], f.pDims[1]-f.low[1])
	wLo, wHi := max(0, -f.low[2]), min(f.inDims[2], f.pDims[2]-f.low[2])
	if hLo >= hHi || wLo >= wHi {
		return
	}
	parallelRange(hHi-hLo, threadsFor(f.padSize, threads), func(lo, hi int) {
		for h := hLo + lo; h < hLo+hi; h++ {
			for w0 := wLo; w0 < wHi; w0 += tile {
				wn := min(tile, wHi-w0)
				for b := range b3 {
					src := b*f.inSt[3] + h*f.inSt[1] + w0*f.inSt[2]
					dbase := (h+f.low[1])*f.pSt[1] + (w0+f.low[2])*f.pSt[2] + b*f.pSt[3]
					for w := range wn {
						row := x[src+w*f.inSt[2] : src+w*f.inSt[2]+c0]
						d := dbase + w*f.pSt[2]
						for c, v := range row {
							dst[c*f.pSt[0]+d] = v
						}
					}
				}
			}
		}
	})
}

// padRec copies axis k and the deeper ones of the block of x at src into dst at dstOff.
func (f *fastConvPlan) padRec(dst, x []float32, k, src, dstOff int) {
	n, inSt, pSt, dil, low, pdim := f.inDims[k], f.inSt[k], f.pSt[k], f.dil[k], f.low[k], f.pDims[k]
	lo, hi := 0, n // Input indices that land inside (for dil == 1).
	if dil == 1 {
		lo, hi = max(0, -low), min(n, pdim-low)
		if lo >= hi {
			return
		}
	}
	switch {
	case f.contig[k]:
		// This axis and the deeper ones are one contiguous run on both sides.
		copy(dst[dstOff+(lo+low)*pSt:dstOff+(hi+low)*pSt], x[src+lo*inSt:src+hi*inSt])
	case k == len(f.inDims)-1:
		for i := lo; i < hi; i++ {
			if p := i*dil + low; p >= 0 && p < pdim {
				dst[dstOff+p*pSt] = x[src+i*inSt]
			}
		}
	default:
		for i := lo; i < hi; i++ {
			if p := i*dil + low; p >= 0 && p < pdim {
				f.padRec(dst, x, k+1, src+i*inSt, dstOff+p*pSt)
			}
		}
	}
}

// scratchSize is the scratch space run needs: the padded image, and the product before it is scattered
// into an output whose rows are not evenly spaced.
func (f *fastConvPlan) scratchSize() int {
	s := roundUpTo(f.padSize, arenaAlign)
	if f.cRows.table != nil {
		s += f.m * f.n
	}
	return s
}

// run computes the convolution: ins are the input and the kernel.
func (f *fastConvPlan) run(ins [][]float32, out, scratch []float32, threads int) {
	x, w := ins[0], ins[1]
	padded := scratch[:f.padSize]
	f.pad(padded, x, threads)
	a := matrix(padded, f.aRows, f.aCols)
	bm := matrix(w, f.bRows, f.bCols)
	if f.cRows.table == nil {
		c := gemm.Matrix{Data: out, Rows: f.m, Cols: f.n, RowStride: f.cRows.stride, ColStride: f.cColStride}
		gemm.Mul(c, a, bm, gemm.Options{Threads: threads})
		return
	}
	tmp := scratch[roundUpTo(f.padSize, arenaAlign):][:f.m*f.n]
	gemm.Mul(gemm.Matrix{Data: tmp, Rows: f.m, Cols: f.n, RowStride: f.n, ColStride: 1}, a, bm, gemm.Options{Threads: threads})
	for i := range f.m {
		row := f.cRows.table[i]
		for j := range f.n {
			out[row+j*f.cColStride] = tmp[i*f.n+j]
		}
	}
}
