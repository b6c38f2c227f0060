package backend

import (
	"fmt"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

//go:generate go run ./internal/genfast fast_ops_gen.go

// fastNode is a value of a graph built by fastBuilder: a graph parameter, the result of an op in a light
// segment, or the output of a heavy op. It is the backends.Op the builder hands out.
type fastNode struct {
	id    int
	shape shapes.Shape

	// param is the index of the graph parameter this node is, or -1.
	param int
	// seg and op locate a light node: the segment that computes it and its op in that segment's builder.
	seg *fastSegment
	op  backends.Op
	// heavy is the step that computes a heavy op's output.
	heavy *fastHeavy
	// fx is the element-wise expression of a fusible node not yet materialized (see fast_fuse.go).
	fx *fusedExpr
	// uses counts the fusible nodes built on this one.
	uses int
	// view describes a heavy Transpose's output as its source read through strides, so that a
	// matrix product can read the source in place instead (the Transpose step then has no reader
	// left and is dropped at compilation).
	view *stridedView
	// dot records the operands of a DotGeneral's output, so that a transpose of it that exchanges
	// the two operands' free axes is computed as the product with the operands exchanged.
	dot *dotArgs
}

// stridedView is a value held by src in another order: element (i_0, ..., i_r-1) of the view is
// src's element sum_a i_a*strides[a].
type stridedView struct {
	src     *fastNode
	strides []int
}

// dotArgs are the arguments of a DotGeneral.
type dotArgs struct {
	lhs, rhs                   backends.Op
	lc, lb, rc, rb             []int // Normalized axes.
	lhsFree, rhsFree, batchLen int   // Numbers of output axes of each group.
}

// producer returns the index of the step that computes n, or -1 for a graph parameter.
func (n *fastNode) producer() int {
	switch {
	case n.seg != nil:
		return n.seg.step
	case n.heavy != nil:
		return n.heavy.step
	}
	return -1
}

// fastSegment is a run of light ops, built, compiled and executed by the extended pure-Go backend.
type fastSegment struct {
	fb   *fastBuilder
	step int
	b    *Builder
	err  error

	// imports are the nodes computed elsewhere that this segment reads, in the order of its parameters.
	imports   []*fastNode
	importOps map[*fastNode]backends.Op
	// exports are the nodes of this segment read by a later step or returned by the graph, in the order
	// of the compiled executable's outputs.
	exports   []*fastNode
	exportSet map[*fastNode]bool

	exe backends.Executable

	// ops counts the ops built in this segment by name (diagnostics, see FastProfile).
	ops map[string]int
}

// note counts an op built in this segment.
func (s *fastSegment) note(name string) {
	if s.ops == nil {
		s.ops = map[string]int{}
	}
	s.ops[name]++
}

// fastHeavy is an op run by the fast backend's own kernels.
type fastHeavy struct {
	step    int
	name    string
	inputs  []*fastNode
	outputs []*fastNode
	run     heavyKernel
	// runRaw, if not nil, replaces run: it receives the inputs' and outputs' typed storage ([]uint64,
	// []float32, ...), none of which is in the arena.
	runRaw func(ins, outs []any, threads int)
	// reversal is set on Reverse steps (see ConvGeneral).
	reversal *reversal
	// runInPlace, if not nil, is run when outputs may share storage with inputs (see fastExecutable).
	runInPlace heavyKernel
	// scratch is the size of the scratch space runScratch needs (then run is nil).
	scratch    int
	runScratch func(ins, outs [][]float32, scratch []float32, threads int)
}

// heavyKernel computes a heavy op: ins are the float32 storage of its inputs, outs the storage of its
// outputs (not zeroed: the kernel must write every element).
type heavyKernel func(ins, outs [][]float32, threads int)

// fastBuilder implements backends.Builder for FastBackend (see its documentation). The methods of ops
// that run on the extended pure-Go backend are generated (fast_ops_gen.go).
type fastBuilder struct {
	backend *FastBackend
	name    string

	nodes      []*fastNode
	params     []*fastNode
	paramNames []string
	// steps are *fastSegment or *fastHeavy, in execution order.
	steps []any
	// cur is the open light segment, nil after a heavy op.
	cur *fastSegment

	compiled bool
}

// Compile-time check.
var _ backends.Builder = (*fastBuilder)(nil)

func newFastBuilder(b *FastBackend, name string) *fastBuilder {
	return &fastBuilder{backend: b, name: name}
}

// Name implements backends.Builder.
func (b *fastBuilder) Name() string { return b.name }

func (b *fastBuilder) newNode(shape shapes.Shape) *fastNode {
	n := &fastNode{id: len(b.nodes), shape: shape, param: -1}
	b.nodes = append(b.nodes, n)
	return n
}

// node checks that op is a node of this builder.
func (b *fastBuilder) node(op backends.Op) (*fastNode, error) {
	n, ok := op.(*fastNode)
	if !ok || n == nil || n.id >= len(b.nodes) || b.nodes[n.id] != n {
		return nil, errors.Errorf("backend %q: op %v (%T) was not built by builder %q", FastBackendName, op, op, b.name)
	}
	return n, nil
}

// light returns the open light segment, opening a new one after a heavy op. Its sticky error is reset:
// it reports the problems of the op being built.
func (b *fastBuilder) light() *fastSegment {
	if b.compiled {
		return &fastSegment{err: errors.Errorf("backend %q: builder %q already compiled", FastBackendName, b.name)}
	}
	if b.cur == nil {
		inner := b.backend.Backend.Builder(fmt.Sprintf("%s#%d", b.name, len(b.steps))).(*Builder)
		b.cur = &fastSegment{fb: b, step: len(b.steps), b: inner,
			importOps: map[*fastNode]backends.Op{}, exportSet: map[*fastNode]bool{}}
		b.steps = append(b.steps, b.cur)
	}
	b.cur.err = nil
	return b.cur
}

// use returns the op of this segment's builder that holds x: x's own op if the segment computes it,
// otherwise a parameter of the segment fed with x (imported once).
func (s *fastSegment) use(x backends.Op) backends.Op {
	if s.err != nil {
		return nil
	}
	n, err := s.fb.node(x)
	if err != nil {
		s.err = err
		return nil
	}
	if n.fx != nil {
		s.err = errors.Errorf("backend %q: internal error: node %d used before materialization", FastBackendName, n.id)
		return nil
	}
	if n.seg == s {
		return n.op
	}
	if op, ok := s.importOps[n]; ok {
		return op
	}
	op, err := s.b.Parameter(fmt.Sprintf("v%d", n.id), n.shape, nil)
	if err != nil {
		s.err = err
		return nil
	}
	s.importOps[n] = op
	s.imports = append(s.imports, n)
	if n.seg != nil {
		n.seg.export(n)
	}
	return op
}

// useAll is use over a slice.
func (s *fastSegment) useAll(xs []backends.Op) []backends.Op {
	ops := make([]backends.Op, len(xs))
	for i, x := range xs {
		ops[i] = s.use(x)
	}
	return ops
}

// export makes n an output of its segment.
func (s *fastSegment) export(n *fastNode) {
	if !s.exportSet[n] {
		s.exportSet[n] = true
		s.exports = append(s.exports, n)
	}
}

// wrap returns a new node for an op built in this segment.
func (s *fastSegment) wrap(op backends.Op) backends.Op {
	if s.err != nil {
		return nil
	}
	shape, err := s.b.OpShape(op)
	if err != nil {
		s.err = err
		return nil
	}
	n := s.fb.newNode(shape)
	n.seg, n.op = s, op
	return n
}

// wrapAll is wrap over a slice.
func (s *fastSegment) wrapAll(ops []backends.Op) []backends.Op {
	out := make([]backends.Op, len(ops))
	for i, op := range ops {
		out[i] = s.wrap(op)
	}
	return out
}

// fastHeavyCount counts the heavy ops built by every fast builder (for tests and diagnostics).
var fastHeavyCount atomic.Int64

// fastNoInPlace disables in-place updates (tests compare both); fastInPlaceCount counts them.
var (
	fastNoInPlace    bool
	fastInPlaceCount atomic.Int64
)

// fastFusedCount counts the fused element-wise steps built (for tests and diagnostics).
var fastFusedCount atomic.Int64

// addHeavy appends a heavy op reading inputs (materialized) and producing one value of the given shape.
func (b *fastBuilder) addHeavy(name string, shape shapes.Shape, run func(ins [][]float32, out []float32, threads int), inputs ...*fastNode) *fastNode {
	return b.addHeavyN(name, []shapes.Shape{shape}, func(ins, outs [][]float32, threads int) {
		run(ins, outs[0], threads)
	}, inputs...)[0]
}

// addHeavyScratch is addHeavy for a kernel that needs scratch float32s (from the executable's arena).
func (b *fastBuilder) addHeavyScratch(name string, shape shapes.Shape, scratch int, run func(ins [][]float32, out, scratch []float32, threads int), inputs ...*fastNode) *fastNode {
	out := b.addHeavyN(name, []shapes.Shape{shape}, nil, inputs...)[0]
	h := out.heavy
	h.scratch = scratch
	h.runScratch = func(ins, outs [][]float32, s []float32, threads int) { run(ins, outs[0], s, threads) }
	return out
}

// addHeavyN appends a heavy op reading inputs (materialized) and producing values of the given shapes.
func (b *fastBuilder) addHeavyN(name string, outShapes []shapes.Shape, run heavyKernel, inputs ...*fastNode) []*fastNode {
	fastHeavyCount.Add(1)
	h := &fastHeavy{step: len(b.steps), name: name, inputs: inputs, run: run}
	for _, in := range inputs {
		if in.fx != nil {
			panic("backend: heavy op input not materialized") // A bug of this package.
		}
		if in.seg != nil {
			in.seg.export(in)
		}
	}
	outs := make([]*fastNode, len(outShapes))
	for i, shape := range outShapes {
		outs[i] = b.newNode(shape)
		outs[i].heavy = h
	}
	h.outputs = outs
	b.steps = append(b.steps, h)
	b.cur = nil // Later light ops may read the heavy outputs: they go to a new segment.
	return outs
}

// OpShape implements backends.Builder.
func (b *fastBuilder) OpShape(op backends.Op) (shapes.Shape, error) {
	n, err := b.node(op)
	if err != nil {
		return shapes.Invalid(), err
	}
	return n.shape, nil
}

// Parameter implements backends.Builder.
func (b *fastBuilder) Parameter(name string, shape shapes.Shape, sharding *backends.ShardingSpec) (backends.Op, error) {
	if sharding != nil {
		return nil, errors.Errorf("backend %q: sharding is not supported", FastBackendName)
	}
	if !shape.Ok() {
		return nil, errors.Errorf("backend %q: parameter %q has an invalid shape", FastBackendName, name)
	}
	n := b.newNode(shape.Clone())
	n.param = len(b.params)
	b.params = append(b.params, n)
	b.paramNames = append(b.paramNames, name)
	return n, nil
}

// Constant implements backends.Builder: a light op.
func (b *fastBuilder) Constant(flat any, dims ...int) (backends.Op, error) {
	s := b.light()
	if s.err != nil {
		return nil, s.err
	}
	op, err := s.b.Constant(flat, dims...)
	if err != nil {
		return nil, err
	}
	return s.wrap(op), s.err
}

// DistributedSPMD implements backends.Builder: not supported (one device).
func (b *fastBuilder) DistributedSPMD(numDevices int) error {
	return errors.Errorf("backend %q: distributed execution is not supported", FastBackendName)
}

// DistributedAutoSharding implements backends.Builder: not supported (one device).
func (b *fastBuilder) DistributedAutoSharding(meshes ...backends.Mesh) error {
	return errors.Errorf("backend %q: distributed execution is not supported", FastBackendName)
}

// DeviceAssignment implements backends.Builder: only device 0 exists.
func (b *fastBuilder) DeviceAssignment(devices ...backends.DeviceNum) error {
	for _, d := range devices {
		if d != 0 {
			return errors.Errorf("backend %q: only device 0 exists, got %d", FastBackendName, d)
		}
	}
	return nil
}
