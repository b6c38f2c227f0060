package backend

import (
	"slices"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// ConvStats counts how ConvGeneral ops were lowered (see ConvLoweringCounts).
type ConvStats struct {
	// KernelLoop counts convolutions lowered as one DotGeneral over patches gathered per kernel position.
	KernelLoop int
	// OutputLoop counts convolutions lowered as one DotGeneral over windows gathered per output position
	// (fewer output positions than kernel positions, as in the gradient with respect to a kernel).
	OutputLoop int
	// Fallback counts convolutions left to SimpleGo's direct (slow) ConvGeneral.
	Fallback int
}

var (
	convKernelLoopCount atomic.Int64
	convOutputLoopCount atomic.Int64
	convFallbackCount   atomic.Int64
)

// ConvLoweringCounts returns how many ConvGeneral ops this package built in each way since the program
// started (all builders together). It is meant for tests and diagnostics.
func ConvLoweringCounts() ConvStats {
	return ConvStats{
		KernelLoop: int(convKernelLoopCount.Load()),
		OutputLoop: int(convOutputLoopCount.Load()),
		Fallback:   int(convFallbackCount.Load()),
	}
}

// ConvGeneral implements backends.Builder.ConvGeneral as matrix multiplications: SimpleGo's own
// ConvGeneral is a direct loop (~0.3 GFLOP/s on 2 cores) while its DotGeneral is blocked and parallel.
// Every layout, stride, padding (negative included), input dilation and kernel dilation is supported;
// convolutions with channel or batch grouping are left to SimpleGo's direct implementation.
//
// The (padded, dilated: interior padding) input is read through strided Slices, one per kernel position
// or one per output position, whichever are fewer:
//
//   - kernel loop (the usual case, and the gradient with respect to the input, a convolution of the
//     output gradient with the flipped kernel): the input is brought to [batch, spatial..., channels];
//     the slice of kernel position k holds input[o*stride + k*kernelDilation] for every output position
//     o; the slices concatenated along the channels form the im2col matrix [batch*outputs, K*Cin], which
//     is multiplied by the kernel [K*Cin, Cout]. SimpleGo's "large" DotGeneral does it, unless rounding
//     the dimensions up to its 32x32 blocks wastes more than a quarter of the work (few channels): then
//     its "small" DotGeneral does it on chunks of rows, with the kernel broadcast to every chunk, reading
//     both operands in place and running the chunks in parallel.
//   - output loop (the gradient with respect to a kernel: the graph package emits a convolution whose
//     "kernel" is the output gradient and whose "output" is kernel-sized): the slice of output position o
//     is the input window it reads. If the per-position products are small, the input is brought to
//     [channels, batch, spatial...], the windows of a group of positions are concatenated into
//     [channels, group*batch, K], multiplied per channel (the DotGeneral's batch axis, in parallel) with
//     the kernel [channels, Cout, K] and summed over the channels; otherwise the windows are stacked and
//     contracted by the large DotGeneral.
//
// The result is transposed into the requested output layout. Memory: the im2col matrix holds K (e.g. 9)
// times the input.
func (b *Builder) ConvGeneral(input, kernel backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	p, err := newConvParams(b.Builder, input, kernel, axes, strides, paddings, inputDilations, kernelDilations,
		channelGroupCount, batchGroupCount)
	if err != nil {
		return nil, err
	}
	if p.channelGroups > 1 || p.batchGroups > 1 || b.backend.directConv {
		convFallbackCount.Add(1)
		return b.Builder.ConvGeneral(input, kernel, p.axes, p.strides, p.paddings, p.inputDilations,
			p.kernelDilations, p.channelGroups, p.batchGroups)
	}
	return convAsDot(b.Builder, input, kernel, p)
}

// convParams holds the sanitized parameters of a ConvGeneral: nil slices replaced by their defaults.
type convParams struct {
	axes                                      backends.ConvolveAxesConfig
	strides, inputDilations, kernelDilations  []int
	paddings                                  [][2]int
	channelGroups, batchGroups                int
	inputShape, kernelShape, outputShape      shapes.Shape
	spatialRank                               int
	kernelSpatialDims, outputSpatialDims      []int
	numKernelPositions, numOutputPositions    int
	kernelExtent                              []int // (K-1)*kernelDilation + 1 per spatial axis.
	inputSpatialAxes, kernelSpatialAxes       []int
	inputChannelsAxis, inputBatchAxis         int
	kernelInChannelsAxis, kernelOutChannelsAx int
}

func newConvParams(bb backends.Builder, input, kernel backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (*convParams, error) {
	c := newComposer(bb, "ConvGeneral")
	inShape, kShape := c.shape(input), c.shape(kernel)
	if c.err != nil {
		return nil, c.err
	}
	d := inShape.Rank() - 2
	if d < 0 {
		d = 0
	}
	ones := func(xs []int) []int {
		if len(xs) == 0 {
			return slices.Repeat([]int{1}, d)
		}
		return slices.Clone(xs)
	}
	p := &convParams{
		axes:            axes.Clone(),
		strides:         ones(strides),
		inputDilations:  ones(inputDilations),
		kernelDilations: ones(kernelDilations),
		paddings:        slices.Clone(paddings),
		channelGroups:   max(channelGroupCount, 1),
		batchGroups:     max(batchGroupCount, 1),
		inputShape:      inShape,
		kernelShape:     kShape,
		spatialRank:     d,
	}
	if len(p.paddings) == 0 {
		p.paddings = make([][2]int, d)
	}
	outShape, err := shapeinference.ConvGeneralOp(inShape, kShape, p.axes, p.strides, p.paddings,
		p.inputDilations, p.kernelDilations, p.channelGroups, p.batchGroups)
	if err != nil {
		return nil, err
	}
	p.outputShape = outShape
	p.inputSpatialAxes = p.axes.InputSpatial
	p.kernelSpatialAxes = p.axes.KernelSpatial
	p.inputChannelsAxis, p.inputBatchAxis = p.axes.InputChannels, p.axes.InputBatch
	p.kernelInChannelsAxis, p.kernelOutChannelsAx = p.axes.KernelInputChannels, p.axes.KernelOutputChannels
	p.kernelSpatialDims = make([]int, d)
	p.outputSpatialDims = make([]int, d)
	p.kernelExtent = make([]int, d)
	for i := range d {
		p.kernelSpatialDims[i] = kShape.Dimensions[p.axes.KernelSpatial[i]]
		p.outputSpatialDims[i] = outShape.Dimensions[p.axes.OutputSpatial[i]]
		p.kernelExtent[i] = (p.kernelSpatialDims[i]-1)*p.kernelDilations[i] + 1
	}
	p.numKernelPositions = prod(p.kernelSpatialDims)
	p.numOutputPositions = prod(p.outputSpatialDims)
	return p, nil
}

// smallDotMaxCrosses is SimpleGo's threshold (16 blocks of 32x32 float32) below which a DotGeneral
// runs its "small" algorithm: it reads operands laid out as [batch, cross, contracting] in place (no
// repacking copy) and runs the batch entries in parallel. Above it, the "large" algorithm first copies
// both operands, element by element, into 32x32 blocks: that copy costs as much as the multiplication
// itself when the output has few channels.
const smallDotMaxCrosses = 16 * 32 * 32

// convPlan names one of the lowerings (see Builder.ConvGeneral).
type convPlan int

const (
	planKernelLoopRows convPlan = iota
	planKernelLoopCol2im
	planOutputLoopGrouped
	planOutputLoopShifted
	planOutputLoopStacked
)

// convPlanOverride, when not nil, replaces the choice of a plan within the same loop family (tests use it
// to exercise every lowering on every case).
var convPlanOverride func(kernelLoop bool) convPlan

func choosePlan(p *convParams) convPlan {
	kernelLoop := p.numKernelPositions <= p.numOutputPositions
	if convPlanOverride != nil {
		return convPlanOverride(kernelLoop)
	}
	switch {
	case kernelLoop && col2imCost(p) < im2colCost(p):
		return planKernelLoopCol2im
	case kernelLoop:
		return planKernelLoopRows
	case shiftedPlanOK(p):
		return planOutputLoopShifted
	case groupedPlanOK(p):
		return planOutputLoopGrouped
	default:
		return planOutputLoopStacked
	}
}

// convAsDot builds the convolution as Pad + strided Slices + Concatenate + DotGeneral + Transpose.
func convAsDot(bb backends.Builder, input, kernel backends.Op, p *convParams) (backends.Op, error) {
	c := newComposer(bb, "ConvGeneral")
	var result backends.Op
	var roles []int
	switch choosePlan(p) {
	case planKernelLoopRows:
		convKernelLoopCount.Add(1)
		result, roles = convKernelLoopRows(c, input, kernel, p)
	case planKernelLoopCol2im:
		convKernelLoopCount.Add(1)
		result, roles = convKernelLoopCol2im(c, input, kernel, p)
	case planOutputLoopGrouped:
		convOutputLoopCount.Add(1)
		result, roles = convOutputLoopGrouped(c, input, kernel, p)
	case planOutputLoopShifted:
		convOutputLoopCount.Add(1)
		result, roles = convOutputLoopShifted(c, input, kernel, p)
	default:
		convOutputLoopCount.Add(1)
		result, roles = convOutputLoopStacked(c, input, kernel, p)
	}
	return c.result(transposeToOutput(c, result, roles, p))
}

// Roles of the axes of an intermediate result: a spatial index i >= 0, or one of these.
const (
	roleBatch    = -1
	roleChannels = -2
)

// transposeToOutput transposes x, whose axes have the given roles, into the requested output layout.
func transposeToOutput(c *composer, x backends.Op, roles []int, p *convParams) backends.Op {
	perm := make([]int, p.spatialRank+2)
	perm[p.axes.OutputBatch] = slices.Index(roles, roleBatch)
	perm[p.axes.OutputChannels] = slices.Index(roles, roleChannels)
	for i, axis := range p.axes.OutputSpatial {
		perm[axis] = slices.Index(roles, i)
	}
	return c.transpose(x, perm...)
}

// padSpatial dilates and pads the spatial axes of x, given the positions of those axes in x.
func padSpatial(c *composer, x backends.Op, spatialAxes []int, p *convParams) backends.Op {
	rank := c.shape(x).Rank()
	cfg := make([]backends.PadAxis, rank)
	needPad := false
	for i, axis := range spatialAxes {
		cfg[axis] = backends.PadAxis{Start: p.paddings[i][0], End: p.paddings[i][1], Interior: p.inputDilations[i] - 1}
		if cfg[axis] != (backends.PadAxis{}) {
			needPad = true
		}
	}
	if !needPad || c.err != nil {
		return x
	}
	xp, err := padOp(c.b, x, zeroScalar(c, p.inputShape.DType), cfg)
	c.fail(err)
	return xp
}

// kernelPositionSlice returns the slice of the padded input xp (spatial axes at spatialAxes) read by
// kernel position k for every output position.
func kernelPositionSlice(c *composer, xp backends.Op, xpDims, spatialAxes, k []int, p *convParams) backends.Op {
	rank := len(xpDims)
	starts, limits, strides := make([]int, rank), slices.Clone(xpDims), slices.Repeat([]int{1}, rank)
	for i, axis := range spatialAxes {
		starts[axis] = k[i] * p.kernelDilations[i]
		limits[axis] = starts[axis] + (p.outputSpatialDims[i]-1)*p.strides[i] + 1
		strides[axis] = p.strides[i]
	}
	return c.slice(xp, starts, limits, strides)
}

// outputPositionWindow returns the window of the padded input xp read for output position o.
func outputPositionWindow(c *composer, xp backends.Op, xpDims, spatialAxes, o []int, p *convParams) backends.Op {
	rank := len(xpDims)
	starts, limits, strides := make([]int, rank), slices.Clone(xpDims), slices.Repeat([]int{1}, rank)
	for i, axis := range spatialAxes {
		starts[axis] = o[i] * p.strides[i]
		limits[axis] = starts[axis] + p.kernelExtent[i]
		strides[axis] = p.kernelDilations[i]
	}
	return c.slice(xp, starts, limits, strides)
}

// convKernelLoopRows: the input is brought to [batch, spatial..., channels]; the slices of each kernel
// position are concatenated along the channels into an im2col matrix [batch*out..., K*Cin], multiplied
// with the kernel [K*Cin, Cout]. The matrix is already in SimpleGo's [cross, contracting] layout: its
// large DotGeneral copies it into blocks fastest (rank 2), and its small one reads it in place.
func convKernelLoopRows(c *composer, input, kernel backends.Op, p *convParams) (backends.Op, []int) {
	d := p.spatialRank
	perm := append([]int{p.inputBatchAxis}, p.inputSpatialAxes...)
	perm = append(perm, p.inputChannelsAxis)
	xc := c.transpose(input, perm...)
	spatialAxes := make([]int, d)
	for i := range d {
		spatialAxes[i] = 1 + i
	}
	xp := padSpatial(c, xc, spatialAxes, p)
	xpDims := slices.Clone(c.shape(xp).Dimensions)
	if c.err != nil {
		return nil, nil
	}
	parts := make([]backends.Op, 0, p.numKernelPositions)
	for k := range iterPositions(p.kernelSpatialDims) {
		parts = append(parts, kernelPositionSlice(c, xp, xpDims, spatialAxes, k, p))
	}
	patches := c.concat(d+1, parts...)

	batch := p.inputShape.Dimensions[p.inputBatchAxis]
	cin := p.kernelShape.Dimensions[p.kernelInChannelsAxis]
	cout := p.kernelShape.Dimensions[p.kernelOutChannelsAx]
	contract := p.numKernelPositions * cin
	rows := batch * p.numOutputPositions
	kPerm := append(slices.Clone(p.kernelSpatialAxes), p.kernelInChannelsAxis, p.kernelOutChannelsAx)
	kc := c.reshape(c.transpose(kernel, kPerm...), contract, cout) // [K*Cin, Cout]
	var y backends.Op
	if numChunks, rowsPerChunk := rowChunks(rows, contract, cout); numChunks > 0 {
		// SimpleGo's small DotGeneral, on chunks of rows, with the kernel [Cout, K*Cin] broadcast to
		// each chunk: both operands are read in place, and the chunks run in parallel.
		lhs := c.reshape(patches, numChunks, rowsPerChunk, contract)
		kt := c.transpose(kc, 1, 0)
		rhs := c.broadcastInDim(kt, shapes.Make(p.kernelShape.DType, numChunks, cout, contract), []int{1, 2})
		y = c.dot(lhs, []int{2}, []int{0}, rhs, []int{2}, []int{0})
	} else {
		// SimpleGo's large DotGeneral: it copies the operands into 32x32 blocks first.
		lhs := c.reshape(patches, rows, contract)
		y = c.dot(lhs, []int{1}, nil, kc, []int{0}, nil)
	}
	yDims := append([]int{batch}, p.outputSpatialDims...)
	y = c.reshape(y, append(yDims, cout)...)
	roles := []int{roleBatch}
	for i := range d {
		roles = append(roles, i)
	}
	return y, append(roles, roleChannels)
}

// rowChunks decides between SimpleGo's two DotGeneral algorithms for an im2col product
// [rows, contract] x [contract, cout]. The large one pads both dimensions of the output and the
// contracting dimension to multiples of 32: when that wastes more than a quarter of the work (few
// channels), it returns a split of the rows into numChunks chunks of rowsPerChunk rows for the small one
// (at most smallDotMaxCrosses outputs per chunk); otherwise numChunks is 0.
func rowChunks(rows, contract, cout int) (numChunks, rowsPerChunk int) {
	pad32 := func(n int) float64 { return float64((n+31)/32*32) / float64(n) }
	if pad32(contract)*pad32(cout) <= 1.25 && rows*cout > smallDotMaxCrosses {
		return 0, 0
	}
	maxRows := max(smallDotMaxCrosses/cout, 1)
	if rows >= 2 {
		maxRows = min(maxRows, rows/2) // At least two chunks, for two cores.
	}
	rowsPerChunk = largestDivisorAtMost(rows, maxRows)
	if rowsPerChunk < min(16, maxRows) {
		return 0, 0 // The row count has no useful divisor: each chunk would be tiny.
	}
	return rows / rowsPerChunk, rowsPerChunk
}

func largestDivisorAtMost(n, limit int) int {
	for d := min(limit, n); d > 1; d-- {
		if n%d == 0 {
			return d
		}
	}
	return 1
}

// Rough costs, in nanoseconds on the 2-core reference machine, of SimpleGo operations: moving one element
// in a Slice, Concatenate, Pad or element-wise op; copying one element into DotGeneral's blocks; one FLOP
// of the large (blocked) and small DotGeneral kernels. They only rank the lowerings of a convolution.
const (
	costMove      = 1.0
	costBlockCopy = 6.0
	costFlopLarge = 1 / 3.9
	costFlopSmall = 1 / 2.4
)

// dotCost estimates a [rows, contract] x [contract, cross] product, with the algorithm rowChunks picks.
func dotCost(rows, contract, cross int) float64 {
	flops := 2 * float64(rows) * float64(contract) * float64(cross)
	if n, _ := rowChunks(rows, contract, cross); n > 0 {
		return flops*costFlopSmall + costMove*float64(n*cross*contract) // Broadcast kernel.
	}
	pad32 := func(n int) float64 { return float64((n + 31) / 32 * 32) }
	blocked := pad32(rows) * pad32(contract) * pad32(cross) / (float64(rows) * float64(contract) * float64(cross))
	return flops*costFlopLarge*blocked + costBlockCopy*float64(rows*contract)
}

// im2colCost estimates convKernelLoopRows: slices and concatenation of K*Cin values per output pixel.
func im2colCost(p *convParams) float64 {
	batch := p.inputShape.Dimensions[p.inputBatchAxis]
	cin := p.kernelShape.Dimensions[p.kernelInChannelsAxis]
	cout := p.kernelShape.Dimensions[p.kernelOutChannelsAx]
	rows := batch * p.numOutputPositions
	return 2*costMove*float64(rows*p.numKernelPositions*cin) + dotCost(rows, p.numKernelPositions*cin, cout)
}

// col2imCost estimates convKernelLoopCol2im: the product of every input pixel with the kernel, then
// padding, slicing and summing K*Cout values per output pixel.
func col2imCost(p *convParams) float64 {
	batch := p.inputShape.Dimensions[p.inputBatchAxis]
	cin := p.kernelShape.Dimensions[p.kernelInChannelsAxis]
	cout := p.kernelShape.Dimensions[p.kernelOutChannelsAx]
	inRows := batch
	padded := batch
	for i, axis := range p.inputSpatialAxes {
		n := p.inputShape.Dimensions[axis]
		inRows *= n
		padded *= max((n-1)*p.inputDilations[i]+1+p.paddings[i][0]+p.paddings[i][1], 1)
	}
	outRows := batch * p.numOutputPositions
	moves := 2*float64(padded*p.numKernelPositions*cout) + // Pad the products.
		2*float64(outRows*p.numKernelPositions*cout) // Slice and sum them.
	return costMove*moves + dotCost(inRows, cin, p.numKernelPositions*cout)
}

// convKernelLoopCol2im: the input [batch, spatial..., Cin] is multiplied by the kernel as a matrix
// [Cin, K*Cout], giving for every input pixel its contribution to each kernel position; these products
// are padded and dilated like the input would be, and the output sums, over the kernel positions k, the
// strided slice of the products of position k read by the outputs. It moves K*Cout values per pixel
// instead of im2col's K*Cin, and works on the undilated input: it is the better lowering when the
// output has fewer channels than the input, and for input-dilated convolutions (transposed convolutions,
// gradients of strided convolutions).
func convKernelLoopCol2im(c *composer, input, kernel backends.Op, p *convParams) (backends.Op, []int) {
	d := p.spatialRank
	perm := append([]int{p.inputBatchAxis}, p.inputSpatialAxes...)
	perm = append(perm, p.inputChannelsAxis)
	xc := c.transpose(input, perm...)
	xDims := slices.Clone(c.shape(xc).Dimensions)
	if c.err != nil {
		return nil, nil
	}
	cin := p.kernelShape.Dimensions[p.kernelInChannelsAxis]
	cout := p.kernelShape.Dimensions[p.kernelOutChannelsAx]
	nk := p.numKernelPositions
	rows := prod(xDims[:d+1])

	// Products: [rows, Cin] x [Cin, K*Cout].
	kPerm := append([]int{p.kernelInChannelsAxis}, p.kernelSpatialAxes...)
	kPerm = append(kPerm, p.kernelOutChannelsAx)
	kc := c.reshape(c.transpose(kernel, kPerm...), cin, nk*cout)
	var z backends.Op
	if numChunks, rowsPerChunk := rowChunks(rows, cin, nk*cout); numChunks > 0 {
		lhs := c.reshape(xc, numChunks, rowsPerChunk, cin)
		rhs := c.broadcastInDim(c.transpose(kc, 1, 0), shapes.Make(p.kernelShape.DType, numChunks, nk*cout, cin), []int{1, 2})
		z = c.dot(lhs, []int{2}, []int{0}, rhs, []int{2}, []int{0})
	} else {
		z = c.dot(c.reshape(xc, rows, cin), []int{1}, nil, kc, []int{0}, nil)
	}
	zDims := append(slices.Clone(xDims[:d+1]), nk, cout)
	z = c.reshape(z, zDims...) // [batch, spatial..., K, Cout]
	spatialAxes := make([]int, d)
	for i := range d {
		spatialAxes[i] = 1 + i
	}
	zp := padSpatial(c, z, spatialAxes, p)
	zpDims := slices.Clone(c.shape(zp).Dimensions)
	if c.err != nil {
		return nil, nil
	}
	yDims := append([]int{xDims[0]}, p.outputSpatialDims...)
	yDims = append(yDims, cout)
	var y backends.Op
	ki := 0
	for k := range iterPositions(p.kernelSpatialDims) {
		starts, limits, strides := make([]int, d+3), slices.Clone(zpDims), slices.Repeat([]int{1}, d+3)
		for i := range d {
			starts[1+i] = k[i] * p.kernelDilations[i]
			limits[1+i] = starts[1+i] + (p.outputSpatialDims[i]-1)*p.strides[i] + 1
			strides[1+i] = p.strides[i]
		}
		starts[d+1], limits[d+1] = ki, ki+1
		part := c.reshape(c.slice(zp, starts, limits, strides), yDims...)
		if y == nil {
			y = part
		} else {
			y = c.add(y, part)
		}
		ki++
	}
	roles := []int{roleBatch}
	for i := range d {
		roles = append(roles, i)
	}
	return y, append(roles, roleChannels)
}

// channelsFirstPadded brings the input to [channels, batch, spatial...] and pads (and dilates) its
// spatial axes, returning it with its dimensions and the positions of its spatial axes.
func channelsFirstPadded(c *composer, input backends.Op, p *convParams) (xp backends.Op, xpDims, spatialAxes []int) {
	perm := append([]int{p.inputChannelsAxis, p.inputBatchAxis}, p.inputSpatialAxes...)
	xc := c.transpose(input, perm...)
	spatialAxes = make([]int, p.spatialRank)
	for i := range spatialAxes {
		spatialAxes[i] = 2 + i
	}
	xp = padSpatial(c, xc, spatialAxes, p)
	if c.err != nil {
		return nil, nil, spatialAxes
	}
	return xp, slices.Clone(c.shape(xp).Dimensions), spatialAxes
}

// groupedPlanOK tells whether convOutputLoopGrouped applies: each output position's product
// [batch, Cout] fits SimpleGo's small DotGeneral, and the per-channel partial products it sums
// ([channels, batch, Cout] per output position) are much smaller than the windows themselves.
func groupedPlanOK(p *convParams) bool {
	n := p.inputShape.Dimensions[p.inputBatchAxis]
	cout := p.kernelShape.Dimensions[p.kernelOutChannelsAx]
	return n*cout <= smallDotMaxCrosses && 4*cout <= p.numKernelPositions
}

// convOutputLoopGrouped: the input is brought to [channels, batch, spatial...] and the kernel to
// [channels, Cout, K]; the windows of a group of output positions are concatenated into
// [channels, group*batch, K], multiplied per channel (the DotGeneral's batch axis, run in parallel) and
// summed over the channels. This is the convolution the graph package emits for the gradient with
// respect to a kernel, where "channels" is the original batch and K the original output size.
func convOutputLoopGrouped(c *composer, input, kernel backends.Op, p *convParams) (backends.Op, []int) {
	d := p.spatialRank
	xp, xpDims, spatialAxes := channelsFirstPadded(c, input, p)
	if c.err != nil {
		return nil, nil
	}
	channels, n := xpDims[0], xpDims[1]
	cout := p.kernelShape.Dimensions[p.kernelOutChannelsAx]
	kPerm := append([]int{p.kernelInChannelsAxis, p.kernelOutChannelsAx}, p.kernelSpatialAxes...)
	rhs := c.reshape(c.transpose(kernel, kPerm...), channels, cout, p.numKernelPositions)

	perGroup := max(smallDotMaxCrosses/(n*cout), 1)
	numGroups := (p.numOutputPositions + perGroup - 1) / perGroup
	perGroup = (p.numOutputPositions + numGroups - 1) / numGroups
	var groups, parts []backends.Op
	flush := func() {
		if len(parts) == 0 {
			return
		}
		lhs := c.concat(1, parts...)
		lhs = c.reshape(lhs, channels, len(parts)*n, p.numKernelPositions)
		y := c.dot(lhs, []int{2}, []int{0}, rhs, []int{2}, []int{0}) // [channels, group*n, Cout]
		groups = append(groups, c.reduceSum(y, 0))
		parts = parts[:0]
	}
	for o := range iterPositions(p.outputSpatialDims) {
		parts = append(parts, outputPositionWindow(c, xp, xpDims, spatialAxes, o, p))
		if len(parts) == perGroup {
			flush()
		}
	}
	flush()
	y := c.concat(0, groups...) // [numOutputPositions*n, Cout]
	y = c.reshape(y, append(slices.Clone(p.outputSpatialDims), n, cout)...)
	var roles []int
	for i := range d {
		roles = append(roles, i)
	}
	return y, append(roles, roleBatch, roleChannels)
}

// shiftedPlanOK tells whether convOutputLoopShifted applies and beats convOutputLoopGrouped: the
// kernel has fewer output channels than a third of the batch (in the gradient with respect to a kernel:
// fewer output than input channels), the products fit SimpleGo's small DotGeneral, and the kernel is
// large (the output gradient).
func shiftedPlanOK(p *convParams) bool {
	n := p.inputShape.Dimensions[p.inputBatchAxis]
	cout := p.kernelShape.Dimensions[p.kernelOutChannelsAx]
	return 3*cout < n && n*p.numOutputPositions*cout <= smallDotMaxCrosses && 4*cout <= p.numKernelPositions
}

// convOutputLoopShifted: instead of one input window per output position (n values per position), the
// kernel is shifted to each output position o, by padding it into the padded input's extent (start
// o*stride, interior kernelDilation-1: Cout values per position); the input [channels, batch, P] is then
// multiplied per channel with the shifted kernels [channels, O*Cout, P] and summed over the channels.
func convOutputLoopShifted(c *composer, input, kernel backends.Op, p *convParams) (backends.Op, []int) {
	d := p.spatialRank
	xp, xpDims, _ := channelsFirstPadded(c, input, p)
	if c.err != nil {
		return nil, nil
	}
	channels, n := xpDims[0], xpDims[1]
	positions := prod(xpDims[2:])
	cout := p.kernelShape.Dimensions[p.kernelOutChannelsAx]
	kPerm := append([]int{p.kernelInChannelsAxis, p.kernelOutChannelsAx}, p.kernelSpatialAxes...)
	kc := c.transpose(kernel, kPerm...) // [channels, Cout, K...]
	zero := zeroScalar(c, p.kernelShape.DType)
	var shifted []backends.Op
	for o := range iterPositions(p.outputSpatialDims) {
		cfg := make([]backends.PadAxis, d+2)
		for i := range d {
			start := o[i] * p.strides[i]
			cfg[2+i] = backends.PadAxis{Start: start, End: xpDims[2+i] - start - p.kernelExtent[i],
				Interior: p.kernelDilations[i] - 1}
		}
		w, err := padOp(c.b, kc, zero, cfg) // [channels, Cout, P...]
		c.fail(err)
		shifted = append(shifted, w)
	}
	rhs := c.reshape(c.concat(1, shifted...), channels, p.numOutputPositions*cout, positions)
	lhs := c.reshape(xp, channels, n, positions)
	y := c.dot(lhs, []int{2}, []int{0}, rhs, []int{2}, []int{0}) // [channels, n, O*Cout]
	y = c.reduceSum(y, 0)
	y = c.reshape(y, append(append([]int{n}, p.outputSpatialDims...), cout)...)
	roles := []int{roleBatch}
	for i := range d {
		roles = append(roles, i)
	}
	return y, append(roles, roleChannels)
}

// convOutputLoopStacked: the windows of each output position, in the input's own layout, are stacked on
// a new leading axis and contracted (spatial axes and channels) against the kernel by SimpleGo's
// "large" DotGeneral.
func convOutputLoopStacked(c *composer, input, kernel backends.Op, p *convParams) (backends.Op, []int) {
	d := p.spatialRank
	xp := padSpatial(c, input, p.inputSpatialAxes, p)
	xpDims := slices.Clone(c.shape(xp).Dimensions)
	if c.err != nil {
		return nil, nil
	}
	sliceDims := slices.Clone(xpDims)
	for i, axis := range p.inputSpatialAxes {
		sliceDims[axis] = p.kernelSpatialDims[i]
	}
	stackDims := append([]int{1}, sliceDims...)
	parts := make([]backends.Op, 0, p.numOutputPositions)
	for o := range iterPositions(p.outputSpatialDims) {
		s := outputPositionWindow(c, xp, xpDims, p.inputSpatialAxes, o, p)
		parts = append(parts, c.reshape(s, stackDims...))
	}
	windows := c.concat(0, parts...)
	lhsContract := make([]int, 0, d+1)
	for _, axis := range p.inputSpatialAxes {
		lhsContract = append(lhsContract, 1+axis)
	}
	lhsContract = append(lhsContract, 1+p.inputChannelsAxis)
	rhsContract := append(slices.Clone(p.kernelSpatialAxes), p.kernelInChannelsAxis)
	y := c.dot(windows, lhsContract, nil, kernel, rhsContract, nil) // [numOutputPositions, batch, Cout]
	yDims := append(slices.Clone(p.outputSpatialDims),
		p.inputShape.Dimensions[p.inputBatchAxis], p.kernelShape.Dimensions[p.kernelOutChannelsAx])
	y = c.reshape(y, yDims...)
	var roles []int
	for i := range d {
		roles = append(roles, i)
	}
	return y, append(roles, roleBatch, roleChannels)
}

// iterPositions yields every multi-index of the given dimensions in row-major order. The yielded slice is
// reused between iterations.
func iterPositions(dims []int) func(yield func([]int) bool) {
	return func(yield func([]int) bool) {
		for _, d := range dims {
			if d <= 0 {
				return
			}
		}
		idx := make([]int, len(dims))
		for {
			if !yield(idx) {
				return
			}
			axis := len(dims) - 1
			for ; axis >= 0; axis-- {
				idx[axis]++
				if idx[axis] < dims[axis] {
					break
				}
				idx[axis] = 0
			}
			if axis < 0 {
				return
			}
		}
	}
}
