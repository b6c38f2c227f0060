package backend

import (
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
	plan := newFastConvPlan(p)
	inputData, err := b.dataOf(input)
	if err != nil {
		return nil, err
	}
	kernelData, err := b.dataOf(kernel)
	if err != nil {
		return nil, err
	}
	return b.addHeavyScratch("ConvGeneral", p.outputShape, plan.scratchSize(), plan.run, inputData, kernelData), nil
}

// fastConvPlan holds what a heavy convolution precomputes at build time.
type fastConvPlan struct {
	d int
	// Input: dims and strides (row-major) of the operand, and its axes.
	inStrides              []int
	inBatchDim, inChannels int
	inBatchStride          int
	inChanStride           int
	inSpatialDims          []int
	inSpatialStrides       []int
	// Padded image [batch, padded spatial..., channels]: dims, strides and where input element x_d lands
	// (x_d*inputDilation + low padding, possibly outside when the padding is negative).
	padDims    []int
	padStrides []int
	padSize    int
	lowPad     []int
	inDil      []int
	// GEMM operands and output.
	aRows, aCols axesIndex // im2col rows (batch, output position) and columns (kernel position, channel)
	bRows, bCols axesIndex // kernel rows (kernel position, input channel) and columns (output channel)
	cRows        axesIndex // output rows (batch, output position)
	cColStride   int       // output channel stride
	m, n, k      int
}

func newFastConvPlan(p *convParams) *fastConvPlan {
	d := p.spatialRank
	in, ks, out := p.inputShape.Dimensions, p.kernelShape.Dimensions, p.outputShape.Dimensions
	f := &fastConvPlan{d: d, inStrides: rowMajorStrides(in), lowPad: make([]int, d), inDil: p.inputDilations}
	f.inBatchDim, f.inChannels = in[p.inputBatchAxis], in[p.inputChannelsAxis]
	f.inBatchStride, f.inChanStride = f.inStrides[p.inputBatchAxis], f.inStrides[p.inputChannelsAxis]
	f.padDims = []int{f.inBatchDim}
	for i, a := range p.inputSpatialAxes {
		f.inSpatialDims = append(f.inSpatialDims, in[a])
		f.inSpatialStrides = append(f.inSpatialStrides, f.inStrides[a])
		dilated := (in[a]-1)*p.inputDilations[i] + 1
		f.padDims = append(f.padDims, max(dilated+p.paddings[i][0]+p.paddings[i][1], 0))
		f.lowPad[i] = p.paddings[i][0]
	}
	f.padDims = append(f.padDims, f.inChannels)
	f.padStrides = rowMajorStrides(f.padDims)
	f.padSize = prod(f.padDims)

	// im2col rows: (batch, output position...), offset of the window's origin.
	rows := make([]int, 0, f.inBatchDim*p.numOutputPositions)
	var rec func(k, off int)
	rec = func(k, off int) {
		if k == d {
			rows = append(rows, off)
			return
		}
		for o := range p.outputSpatialDims[k] {
			rec(k+1, off+o*p.strides[k]*f.padStrides[1+k])
		}
	}
	for bi := range f.inBatchDim {
		rec(0, bi*f.padStrides[0])
	}
	f.aRows = axesIndex{size: len(rows), table: rows}
	// im2col columns: (kernel position..., input channel).
	cols := make([]int, 0, p.numKernelPositions*f.inChannels)
	var recK func(k, off int)
	recK = func(k, off int) {
		if k == d {
			for c := range f.inChannels {
				cols = append(cols, off+c)
			}
			return
		}
		for i := range p.kernelSpatialDims[k] {
			recK(k+1, off+i*p.kernelDilations[k]*f.padStrides[1+k])
		}
	}
	recK(0, 0)
	f.aCols = axesIndex{size: len(cols), table: cols}
	if isProgression(cols) {
		f.aCols = axesIndex{size: len(cols), stride: 1}
	}
	// Kernel rows (kernel position..., input channel) and columns (output channel).
	kst := rowMajorStrides(ks)
	f.bRows = newAxesIndex(ks, kst, append(append([]int{}, p.kernelSpatialAxes...), p.kernelInChannelsAxis))
	f.bCols = newAxesIndex(ks, kst, []int{p.kernelOutChannelsAx})
	// Output rows (batch, output position...) and channel stride.
	ost := rowMajorStrides(out)
	f.cRows = newAxesIndex(out, ost, append([]int{p.axes.OutputBatch}, p.axes.OutputSpatial...))
	f.cColStride = ost[p.axes.OutputChannels]
	f.m, f.n, f.k = f.aRows.size, f.bCols.size, f.aCols.size
	return f
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

// pad writes the zero-padded, dilated image of x into dst (f.padSize elements).
func (f *fastConvPlan) pad(dst, x []float32, threads int) {
	clear(dst)
	d := f.d
	// Outer loop over batch and the leading spatial axes, inner copy along the last spatial axis and the
	// channels; parallel over the batch.
	parallelRange(f.inBatchDim, threads, func(lo, hi int) {
		idx := make([]int, d)
		for bi := lo; bi < hi; bi++ {
			f.padRec(dst, x, 0, bi*f.inBatchStride, bi*f.padStrides[0], idx)
		}
	})
}

func (f *fastConvPlan) padRec(dst, x []float32, k, src, dstOff int, idx []int) {
	if k == f.d {
		c, cs := f.inChannels, f.inChanStride
		if cs == 1 {
			copy(dst[dstOff:dstOff+c], x[src:src+c])
			return
		}
		for ci := range c {
			dst[dstOff+ci] = x[src+ci*cs]
		}
		return
	}
	n, st, pst, dil, low, pdim := f.inSpatialDims[k], f.inSpatialStrides[k], f.padStrides[1+k], f.inDil[k], f.lowPad[k], f.padDims[1+k]
	if k == f.d-1 && dil == 1 && f.inChanStride == 1 && st == f.inChannels {
		// The last spatial axis and the channels are one contiguous run on both sides.
		lo, hi := max(0, -low), min(n, pdim-low) // Input positions that land inside.
		if lo < hi {
			c := f.inChannels
			copy(dst[dstOff+(lo+low)*pst:dstOff+(hi+low)*pst], x[src+lo*st:src+lo*st+(hi-lo)*c])
		}
		return
	}
	for i := range n {
		pos := i*dil + low
		if pos < 0 || pos >= pdim {
			continue
		}
		f.padRec(dst, x, k+1, src+i*st, dstOff+pos*pst, idx)
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
