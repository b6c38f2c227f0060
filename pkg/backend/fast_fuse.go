package backend

import (
	"math"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/pkg/errors"
	"github.com/surrogo/surrogo/pkg/vec"
)

// Element-wise fusion.
//
// The element-wise ops of a float32 graph (arithmetic, comparisons, Where, broadcasts of a vector along
// the leading or trailing axes, reshapes) are not built when GoMLX asks for them: they become fusible
// nodes that record the op and its operands. A fusible node is materialized when something else needs its
// value (a matrix product, a convolution, an op left to SimpleGo, a graph output): then the whole
// expression that produces it, down to materialized values, runs as one heavy step that evaluates the
// expression on blocks of fuseBlock elements held in L1/L2 cache, on all threads, and writes only the
// result. A LeakyReLU, its gradient, a bias addition or an Adam update is one pass over memory instead
// of one pass per op. ReduceSum over leading or trailing axes evaluates its operand's expression the
// same way and accumulates it (float64), so that a bias gradient or a loss never materializes its
// operand. Expressions of fewer than fuseMinSize elements are built as ordinary light ops instead.

const (
	// fuseBlock is the number of elements evaluated at a time per register.
	fuseBlock = 1024
	// fuseMinSize is the smallest output that runs as a fused heavy step; smaller ones are light ops.
	fuseMinSize = 1
	// fuseParallelSize is the smallest output evaluated with more than one thread.
	fuseParallelSize = 1 << 15
)

// accessMode says how a fused expression reads a materialized value (a leaf).
type accessMode int

const (
	accessFull    accessMode = iota // element i of the leaf
	accessScalar                    // the leaf's only element
	accessMod                       // element i mod n (a vector broadcast along the leading axes)
	accessDiv                       // element i / n (a vector broadcast along the trailing axes)
	accessGeneral                   // any broadcast: the offset follows the output index
)

// fusedExpr is the recorded element-wise op of a fusible node.
type fusedExpr struct {
	op   string
	args []*fastNode
	// BroadcastInDim of a leaf: how the leaf is read; for accessGeneral, the output dimensions and the
	// leaf's stride along each output axis (0 where it is broadcast).
	mode    accessMode
	n       int
	outDims []int
	strides []int
	// For the light fallback: BroadcastInDim's shape, axes and operand dimensions (its leaf may be the
	// source of a reshape), Reshape's dimensions.
	shape  shapes.Shape
	axes   []int
	inDims []int
}

var (
	fuseUnary = map[string]backends.OpType{"Neg": backends.OpTypeNeg, "Abs": backends.OpTypeAbs,
		"Exp": backends.OpTypeExp, "Log": backends.OpTypeLog, "Sqrt": backends.OpTypeSqrt,
		"Rsqrt": backends.OpTypeRsqrt, "Tanh": backends.OpTypeTanh, "Logistic": backends.OpTypeLogistic}
	fuseBinary = map[string]backends.OpType{"Add": backends.OpTypeAdd, "Sub": backends.OpTypeSub,
		"Mul": backends.OpTypeMul, "Div": backends.OpTypeDiv, "Max": backends.OpTypeMax,
		"Min": backends.OpTypeMin, "Pow": backends.OpTypePow}
	fuseCompare = map[string]backends.OpType{"GreaterOrEqual": backends.OpTypeGreaterOrEqual,
		"GreaterThan": backends.OpTypeGreaterThan, "LessOrEqual": backends.OpTypeLessOrEqual,
		"LessThan": backends.OpTypeLessThan, "Equal": backends.OpTypeEqual, "NotEqual": backends.OpTypeNotEqual}
)

// ready materializes the fusible nodes among ops (see materialize).
func (b *fastBuilder) ready(ops ...backends.Op) error {
	for _, op := range ops {
		n, err := b.node(op)
		if err != nil {
			return err
		}
		if n.fx != nil {
			if err := b.materialize(n); err != nil {
				return err
			}
		}
	}
	return nil
}

// dataOf returns the node whose value holds n's data in the same element order: the source of a
// reshape of a materialized value, or n itself, materialized.
func (b *fastBuilder) dataOf(n *fastNode) (*fastNode, error) {
	if r := resolve(n); r != n {
		return r, nil
	}
	return n, b.materialize(n)
}

// resolve follows chains of reshapes (and identities) down to a materialized value: it returns the
// node holding the data of n, in the same element order, or n itself.
func resolve(n *fastNode) *fastNode {
	m := n
	for m.fx != nil && (m.fx.op == "Reshape" || m.fx.op == "Identity") {
		m = m.fx.args[0]
	}
	if m.fx != nil { // A chain ending in a computed expression: n must be materialized itself.
		return n
	}
	return m
}

// fusibleValue reports whether n can be an operand of a fused expression: float32, or a boolean that
// is itself fused (a comparison).
func fusibleValue(n *fastNode) bool {
	return n.shape.DType == dtypes.Float32 || (n.shape.DType == dtypes.Bool && n.fx != nil)
}

// newFused returns a fusible node.
func (b *fastBuilder) newFused(shape shapes.Shape, fx *fusedExpr) *fastNode {
	n := b.newNode(shape)
	n.fx = fx
	for _, a := range fx.args {
		a.uses++
	}
	return n
}

// elementwiseArgs checks that every operand is fusible and has the output's size or one element.
func elementwiseArgs(out shapes.Shape, args ...*fastNode) bool {
	for _, a := range args {
		if !fusibleValue(a) || (a.shape.Size() != out.Size() && a.shape.Size() != 1) {
			return false
		}
		if a.shape.Size() == 1 && a.fx != nil && out.Size() != 1 {
			return false // A computed scalar: materialize it rather than broadcast an expression.
		}
	}
	return true
}

func (b *fastBuilder) fuseUnaryOp(name string, x backends.Op, light func(backends.Op) (backends.Op, error)) (backends.Op, error) {
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	if n.shape.DType != dtypes.Float32 {
		return light(x)
	}
	out, err := shapeinference.UnaryOp(fuseUnary[name], n.shape)
	if err != nil || !elementwiseArgs(out, n) {
		return light(x)
	}
	return b.newFused(out, &fusedExpr{op: name, args: []*fastNode{n}}), nil
}

func (b *fastBuilder) fuseBinaryOp(name string, lhs, rhs backends.Op, light func(a, b backends.Op) (backends.Op, error)) (backends.Op, error) {
	l, err := b.node(lhs)
	if err != nil {
		return nil, err
	}
	r, err := b.node(rhs)
	if err != nil {
		return nil, err
	}
	if l.shape.DType != dtypes.Float32 || r.shape.DType != dtypes.Float32 {
		return light(lhs, rhs)
	}
	var out shapes.Shape
	if opType, ok := fuseCompare[name]; ok {
		out, err = shapeinference.ComparisonOp(opType, l.shape, r.shape)
	} else {
		out, err = shapeinference.BinaryOp(fuseBinary[name], l.shape, r.shape)
	}
	args := []*fastNode{l, r}
	if err == nil {
		err = b.materializeScalars(out, args)
	}
	if err != nil || !b.broadcastArgs(out, args) || !elementwiseArgs(out, args...) {
		return light(lhs, rhs)
	}
	return b.newFused(out, &fusedExpr{op: name, args: args}), nil
}

// Where implements backends.Builder (fusible).
func (b *fastBuilder) Where(condition, onTrue, onFalse backends.Op) (backends.Op, error) {
	c, err := b.node(condition)
	if err != nil {
		return nil, err
	}
	t, err := b.node(onTrue)
	if err != nil {
		return nil, err
	}
	f, err := b.node(onFalse)
	if err != nil {
		return nil, err
	}
	if t.shape.DType != dtypes.Float32 || f.shape.DType != dtypes.Float32 || c.fx == nil || c.shape.DType != dtypes.Bool {
		return b.lightWhere(condition, onTrue, onFalse)
	}
	out, err := shapeinference.WhereOp(c.shape, t.shape, f.shape)
	args := []*fastNode{c, t, f}
	if err == nil {
		err = b.materializeScalars(out, args)
	}
	if err != nil || !b.broadcastArgs(out, args) || !elementwiseArgs(out, args...) {
		return b.lightWhere(condition, onTrue, onFalse)
	}
	return b.newFused(out, &fusedExpr{op: "Where", args: args}), nil
}

// BroadcastInDim implements backends.Builder: fusible when a float32 operand is broadcast along
// leading or trailing axes (or is a single element).
func (b *fastBuilder) BroadcastInDim(x backends.Op, outputShape shapes.Shape, broadcastAxes []int) (backends.Op, error) {
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	light := func() (backends.Op, error) { return b.lightBroadcastInDim(x, outputShape, broadcastAxes) }
	if n.shape.DType != dtypes.Float32 || outputShape.DType != dtypes.Float32 ||
		shapeinference.BroadcastInDimOp(n.shape, outputShape, broadcastAxes) != nil {
		return light()
	}
	src := resolve(n) // A reshape of a materialized value reads that value.
	if src.fx != nil {
		if err := b.materialize(n); err != nil {
			return nil, err
		}
		src = n
	}
	fx := &fusedExpr{op: "BroadcastInDim", args: []*fastNode{src}, shape: outputShape.Clone(),
		axes: slices.Clone(broadcastAxes), inDims: slices.Clone(n.shape.Dimensions)}
	// The output axes the operand spans with more than one element.
	var spanned []int
	for i, a := range broadcastAxes {
		if n.shape.Dimensions[i] != 1 {
			spanned = append(spanned, a)
		}
	}
	r := outputShape.Rank()
	contiguous := true
	for i := 1; i < len(spanned); i++ {
		contiguous = contiguous && spanned[i] == spanned[i-1]+1
	}
	switch {
	case n.shape.Size() == 1:
		fx.mode = accessScalar
	case contiguous && spanned[len(spanned)-1] == r-1:
		fx.mode, fx.n = accessMod, n.shape.Size()
	case contiguous && spanned[0] == 0:
		fx.mode, fx.n = accessDiv, outputShape.Size()/n.shape.Size()
	default:
		fx.mode = accessGeneral
		fx.outDims = slices.Clone(outputShape.Dimensions)
		fx.strides = make([]int, r)
		st := rowMajorStrides(n.shape.Dimensions)
		for i, a := range broadcastAxes {
			if n.shape.Dimensions[i] != 1 {
				fx.strides[a] = st[i]
			}
		}
	}
	return b.newFused(outputShape.Clone(), fx), nil
}

// materializeScalars gives a value to the computed single-element float32 operands of an element-wise op
// with a larger output (a learning rate times a bias correction, say), so that the expression reads them
// as scalars.
func (b *fastBuilder) materializeScalars(out shapes.Shape, args []*fastNode) error {
	for _, a := range args {
		if a.fx != nil && a.shape.Size() == 1 && out.Size() != 1 && a.shape.DType == dtypes.Float32 {
			if err := b.materialize(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// implicitBroadcast returns a fusible node reading leaf n broadcast to out's dimensions (same rank,
// n's dimensions equal to out's or 1), as BinaryOp and Where allow.
func (b *fastBuilder) implicitBroadcast(n *fastNode, out shapes.Shape) (*fastNode, error) {
	axes := make([]int, out.Rank())
	for i := range axes {
		axes[i] = i
	}
	target := out.Clone()
	target.DType = n.shape.DType
	op, err := b.BroadcastInDim(n, target, axes)
	if err != nil {
		return nil, err
	}
	m := op.(*fastNode)
	if m.fx == nil {
		return nil, errors.Errorf("backend %q: broadcast of %s to %s not fused", FastBackendName, n.shape, target)
	}
	return m, nil
}

// broadcastArgs replaces the operands of an element-wise op that BinaryOp or Where broadcast
// implicitly (dimensions of 1, same rank) by explicit fused broadcasts; ok is false when one cannot be.
func (b *fastBuilder) broadcastArgs(out shapes.Shape, args []*fastNode) (ok bool) {
	for i, a := range args {
		if a.shape.Size() == out.Size() || a.shape.Size() == 1 {
			continue
		}
		if resolve(a).fx != nil || a.shape.Rank() != out.Rank() || a.shape.DType != dtypes.Float32 {
			return false
		}
		m, err := b.implicitBroadcast(a, out)
		if err != nil {
			return false
		}
		args[i] = m
	}
	return true
}

// Reshape implements backends.Builder: a reshape of a fusible node is fused (element order is kept).
func (b *fastBuilder) Reshape(x backends.Op, dimensions ...int) (backends.Op, error) {
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	if n.shape.DType != dtypes.Float32 {
		return b.lightReshape(x, dimensions...)
	}
	out, err := shapeinference.ReshapeOp(n.shape, dimensions)
	if err != nil {
		return b.lightReshape(x, dimensions...)
	}
	return b.newFused(out, &fusedExpr{op: "Reshape", args: []*fastNode{n}, axes: slices.Clone(dimensions)}), nil
}

// Identity implements backends.Builder: for float32, an alias of its operand (no copy; the graph
// package emits it for StopGradient).
func (b *fastBuilder) Identity(x backends.Op) (backends.Op, error) {
	n, err := b.node(x)
	if err != nil {
		return nil, err
	}
	if n.shape.DType != dtypes.Float32 {
		return b.lightIdentity(x)
	}
	return b.newFused(n.shape, &fusedExpr{op: "Identity", args: []*fastNode{n}}), nil
}

// materialize gives the fusible node n a value: a fused heavy step for a large float32 result, light
// ops otherwise. n keeps its identity.
func (b *fastBuilder) materialize(n *fastNode) error {
	if n.fx == nil {
		return nil
	}
	if n.shape.DType != dtypes.Float32 || n.shape.Size() < fuseMinSize {
		return b.replayLight(n)
	}
	return b.materializeFused("Fused", n)
}

// materializeFused builds one fused heavy step computing the fusible nodes ns (float32, same size) and
// makes them its outputs.
func (b *fastBuilder) materializeFused(name string, ns ...*fastNode) error {
	prog, err := b.compileFused(ns...)
	if err != nil {
		return err
	}
	all := append(slices.Clone(ns), prog.shared...)
	outShapes := make([]shapes.Shape, len(all))
	for i, n := range all {
		outShapes[i] = n.shape
	}
	placeholders := b.addHeavyN(name, outShapes, prog.run, prog.leaves...)
	placeholders[0].heavy.runInPlace = prog.runInPlace
	b.adoptOutputs(placeholders, all)
	fastFusedCount.Add(1)
	return nil
}

// adoptOutputs makes the nodes ns the outputs of the heavy step that built placeholders (one each), so
// that every reference to ns sees the values.
func (b *fastBuilder) adoptOutputs(placeholders, ns []*fastNode) {
	placeholders = slices.Clone(placeholders) // It may share h.outputs' storage.
	h := placeholders[0].heavy
	first := slices.Index(h.outputs, placeholders[0])
	for i, n := range ns {
		h.outputs[first+i] = n
		n.heavy, n.fx = h, nil
		b.nodes[placeholders[i].id] = nil // Never handed out.
	}
}

// readyGroup materializes the fusible nodes among ops, computing the large float32 ones of equal size
// together in one fused step (e.g. the new value, first and second moments of an Adam update).
func (b *fastBuilder) readyGroup(ops []backends.Op) error {
	groups := map[int][]*fastNode{}
	var sizes []int
	for _, op := range ops {
		n, err := b.node(op)
		if err != nil {
			return err
		}
		if n.fx == nil || resolve(n) != n || n.shape.DType != dtypes.Float32 || n.shape.Size() < fuseMinSize {
			continue
		}
		if slices.Contains(groups[n.shape.Size()], n) {
			continue
		}
		if groups[n.shape.Size()] == nil {
			sizes = append(sizes, n.shape.Size())
		}
		groups[n.shape.Size()] = append(groups[n.shape.Size()], n)
	}
	for _, size := range sizes {
		if err := b.materializeFused("Fused", groups[size]...); err != nil {
			return err
		}
	}
	return b.ready(ops...)
}

// replayLight builds n's expression as light ops of the current segment.
func (b *fastBuilder) replayLight(n *fastNode) error {
	for _, a := range n.fx.args {
		if a.fx != nil {
			if err := b.replayLight(a); err != nil {
				return err
			}
		}
	}
	fx := n.fx
	ins := make([]backends.Op, len(fx.args))
	for i, a := range fx.args {
		ins[i] = a
	}
	var op backends.Op
	var err error
	switch {
	case fuseUnary[fx.op] != 0 || fx.op == "Identity":
		op, err = b.lightUnaryByName(fx.op, ins[0])
	case fuseBinary[fx.op] != 0 || fuseCompare[fx.op] != 0:
		op, err = b.lightBinaryByName(fx.op, ins[0], ins[1])
	case fx.op == "Where":
		op, err = b.lightWhere(ins[0], ins[1], ins[2])
	case fx.op == "BroadcastInDim":
		in := ins[0]
		if !slices.Equal(fx.args[0].shape.Dimensions, fx.inDims) {
			if in, err = b.lightReshape(in, fx.inDims...); err != nil {
				return err
			}
		}
		op, err = b.lightBroadcastInDim(in, fx.shape, fx.axes)
	case fx.op == "Reshape":
		op, err = b.lightReshape(ins[0], fx.axes...)
	default:
		err = errors.Errorf("backend %q: cannot replay fused op %q", FastBackendName, fx.op)
	}
	if err != nil {
		return err
	}
	// Take over the light node's place: n becomes it.
	m := op.(*fastNode)
	n.seg, n.op, n.fx = m.seg, m.op, nil
	b.nodes[m.id] = nil
	return nil
}

func (b *fastBuilder) lightUnaryByName(name string, x backends.Op) (backends.Op, error) {
	switch name {
	case "Neg":
		return b.lightNeg(x)
	case "Abs":
		return b.lightAbs(x)
	case "Exp":
		return b.lightExp(x)
	case "Log":
		return b.lightLog(x)
	case "Sqrt":
		return b.lightSqrt(x)
	case "Rsqrt":
		return b.lightRsqrt(x)
	case "Tanh":
		return b.lightTanh(x)
	case "Logistic":
		return b.lightLogistic(x)
	case "Identity":
		return b.lightIdentity(x)
	}
	return nil, errors.Errorf("backend %q: unknown unary op %q", FastBackendName, name)
}

func (b *fastBuilder) lightBinaryByName(name string, x, y backends.Op) (backends.Op, error) {
	switch name {
	case "Add":
		return b.lightAdd(x, y)
	case "Sub":
		return b.lightSub(x, y)
	case "Mul":
		return b.lightMul(x, y)
	case "Div":
		return b.lightDiv(x, y)
	case "Max":
		return b.lightMax(x, y)
	case "Min":
		return b.lightMin(x, y)
	case "Pow":
		return b.lightPow(x, y)
	case "GreaterOrEqual":
		return b.lightGreaterOrEqual(x, y)
	case "GreaterThan":
		return b.lightGreaterThan(x, y)
	case "LessOrEqual":
		return b.lightLessOrEqual(x, y)
	case "LessThan":
		return b.lightLessThan(x, y)
	case "Equal":
		return b.lightEqual(x, y)
	case "NotEqual":
		return b.lightNotEqual(x, y)
	}
	return nil, errors.Errorf("backend %q: unknown binary op %q", FastBackendName, name)
}

// Neg implements backends.Builder (fusible).
func (b *fastBuilder) Neg(x backends.Op) (backends.Op, error) {
	return b.fuseUnaryOp("Neg", x, b.lightNeg)
}

// Abs implements backends.Builder (fusible).
func (b *fastBuilder) Abs(x backends.Op) (backends.Op, error) {
	return b.fuseUnaryOp("Abs", x, b.lightAbs)
}

// Exp implements backends.Builder (fusible).
func (b *fastBuilder) Exp(x backends.Op) (backends.Op, error) {
	return b.fuseUnaryOp("Exp", x, b.lightExp)
}

// Log implements backends.Builder (fusible).
func (b *fastBuilder) Log(x backends.Op) (backends.Op, error) {
	return b.fuseUnaryOp("Log", x, b.lightLog)
}

// Sqrt implements backends.Builder (fusible).
func (b *fastBuilder) Sqrt(x backends.Op) (backends.Op, error) {
	return b.fuseUnaryOp("Sqrt", x, b.lightSqrt)
}

// Rsqrt implements backends.Builder (fusible).
func (b *fastBuilder) Rsqrt(x backends.Op) (backends.Op, error) {
	return b.fuseUnaryOp("Rsqrt", x, b.lightRsqrt)
}

// Tanh implements backends.Builder (fusible).
func (b *fastBuilder) Tanh(x backends.Op) (backends.Op, error) {
	return b.fuseUnaryOp("Tanh", x, b.lightTanh)
}

// Logistic implements backends.Builder (fusible).
func (b *fastBuilder) Logistic(x backends.Op) (backends.Op, error) {
	return b.fuseUnaryOp("Logistic", x, b.lightLogistic)
}

// Add implements backends.Builder (fusible).
func (b *fastBuilder) Add(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("Add", x, y, b.lightAdd)
}

// Sub implements backends.Builder (fusible).
func (b *fastBuilder) Sub(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("Sub", x, y, b.lightSub)
}

// Mul implements backends.Builder (fusible).
func (b *fastBuilder) Mul(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("Mul", x, y, b.lightMul)
}

// Div implements backends.Builder (fusible).
func (b *fastBuilder) Div(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("Div", x, y, b.lightDiv)
}

// Max implements backends.Builder (fusible).
func (b *fastBuilder) Max(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("Max", x, y, b.lightMax)
}

// Min implements backends.Builder (fusible).
func (b *fastBuilder) Min(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("Min", x, y, b.lightMin)
}

// Pow implements backends.Builder (fusible).
func (b *fastBuilder) Pow(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("Pow", x, y, b.lightPow)
}

// GreaterOrEqual implements backends.Builder (fusible).
func (b *fastBuilder) GreaterOrEqual(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("GreaterOrEqual", x, y, b.lightGreaterOrEqual)
}

// GreaterThan implements backends.Builder (fusible).
func (b *fastBuilder) GreaterThan(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("GreaterThan", x, y, b.lightGreaterThan)
}

// LessOrEqual implements backends.Builder (fusible).
func (b *fastBuilder) LessOrEqual(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("LessOrEqual", x, y, b.lightLessOrEqual)
}

// LessThan implements backends.Builder (fusible).
func (b *fastBuilder) LessThan(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("LessThan", x, y, b.lightLessThan)
}

// Equal implements backends.Builder (fusible).
func (b *fastBuilder) Equal(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("Equal", x, y, b.lightEqual)
}

// NotEqual implements backends.Builder (fusible).
func (b *fastBuilder) NotEqual(x, y backends.Op) (backends.Op, error) {
	return b.fuseBinaryOp("NotEqual", x, y, b.lightNotEqual)
}

// fuseInstr is one instruction of a fused program: it fills the register of its own index.
type fuseInstr struct {
	op   string
	args []int // registers read
	// scalar >= 0: args[scalar] is a single-element leaf, read as a scalar from leaf sleaf instead of a
	// register (the register is not filled unless another instruction needs it).
	scalar, sleaf int
	// skip marks a scalar load whose register no instruction reads.
	skip bool
	// root is the index of the program output this instruction writes in place, or -1.
	root    int
	leaf    int // for "load": index of the leaf; -1 otherwise
	mode    accessMode
	n       int
	outDims []int
	strides []int
}

// fuseProgram evaluates fused expressions (all of one size) block by block.
type fuseProgram struct {
	instrs []fuseInstr
	leaves []*fastNode
	roots  []int // registers of the results
	size   int   // elements of each result
	// shared are fusible nodes inside the expressions that other expressions also read: the program
	// writes them too (after the requested roots), so that they are computed once.
	shared []*fastNode
}

// scalarAware lists the ops that can read one operand as a scalar.
func scalarAware(op string) bool {
	return fuseBinary[op] != 0 || fuseCompare[op] != 0
}

// compileFused turns the expressions of roots (all of the same size) into one program over their
// materialized leaves; shared subexpressions are computed once.
func (b *fastBuilder) compileFused(roots ...*fastNode) (*fuseProgram, error) {
	p := &fuseProgram{size: roots[0].shape.Size()}
	regs := map[*fastNode]int{}
	leafIdx := map[*fastNode]int{}
	leaf := func(m *fastNode) int {
		i, ok := leafIdx[m]
		if !ok {
			i = len(p.leaves)
			p.leaves = append(p.leaves, m)
			leafIdx[m] = i
		}
		return i
	}
	var visit func(m *fastNode) (int, error)
	visit = func(m *fastNode) (int, error) {
		if r, ok := regs[m]; ok {
			return r, nil
		}
		ins := fuseInstr{leaf: -1, scalar: -1}
		switch {
		case m.fx == nil:
			ins.op, ins.leaf, ins.mode = "load", leaf(m), accessFull
			if m.shape.Size() == 1 && p.size != 1 {
				ins.mode = accessScalar
			} else if m.shape.Size() != p.size {
				return 0, errors.Errorf("backend %q: fused leaf of %d elements in an expression of %d", FastBackendName, m.shape.Size(), p.size)
			}
		case m.fx.op == "BroadcastInDim":
			ins.op, ins.leaf, ins.mode, ins.n = "load", leaf(m.fx.args[0]), m.fx.mode, m.fx.n
			ins.outDims, ins.strides = m.fx.outDims, m.fx.strides
		case m.fx.op == "Reshape" || m.fx.op == "Identity":
			r, err := visit(m.fx.args[0])
			if err != nil {
				return 0, err
			}
			regs[m] = r
			return r, nil
		default:
			ins.op = m.fx.op
			for _, a := range m.fx.args {
				r, err := visit(a)
				if err != nil {
					return 0, err
				}
				ins.args = append(ins.args, r)
			}
			if scalarAware(ins.op) {
				for k, r := range ins.args {
					if a := &p.instrs[r]; a.op == "load" && a.mode == accessScalar {
						ins.scalar, ins.sleaf = k, a.leaf
						break
					}
				}
			}
		}
		p.instrs = append(p.instrs, ins)
		regs[m] = len(p.instrs) - 1
		return regs[m], nil
	}
	for _, r := range roots {
		if r.shape.Size() != p.size {
			return nil, errors.Errorf("backend %q: fused outputs of different sizes", FastBackendName)
		}
		k, err := visit(r)
		if err != nil {
			return nil, err
		}
		p.roots = append(p.roots, k)
	}
	// Shared float32 subexpressions become outputs too.
	isRoot := map[*fastNode]bool{}
	for _, r := range roots {
		isRoot[r] = true
	}
	for m, k := range regs {
		ins := &p.instrs[k]
		if m.fx == nil || isRoot[m] || m.uses < 2 || ins.op == "load" || m.shape.DType != dtypes.Float32 ||
			m.fx.op == "Reshape" || m.fx.op == "Identity" || slices.Contains(p.shared, m) {
			continue
		}
		p.shared = append(p.shared, m)
	}
	slices.SortFunc(p.shared, func(x, y *fastNode) int { return x.id - y.id }) // Deterministic order.
	for _, m := range p.shared {
		p.roots = append(p.roots, regs[m])
	}
	// Scalar loads read only as scalars need no register.
	needed := make([]bool, len(p.instrs))
	for _, k := range p.roots {
		needed[k] = true
	}
	for _, ins := range p.instrs {
		for j, r := range ins.args {
			if j != ins.scalar {
				needed[r] = true
			}
		}
	}
	for k := range p.instrs {
		p.instrs[k].skip = !needed[k] && p.instrs[k].op == "load" && p.instrs[k].mode == accessScalar
		p.instrs[k].root = -1
	}
	for j, k := range p.roots {
		if p.instrs[k].root < 0 && p.instrs[k].op != "load" {
			p.instrs[k].root = j
		}
	}
	return p, nil
}

// fuseWorker holds one goroutine's registers.
type fuseWorker struct {
	regs [][]float32
	mem  []float32
	part []float32 // a reduction's partial sums of one block
}

func (p *fuseProgram) newWorker() *fuseWorker {
	mem := getScratch((len(p.instrs) + 1) * fuseBlock)
	return &fuseWorker{regs: make([][]float32, len(p.instrs)), mem: mem, part: mem[len(p.instrs)*fuseBlock:]}
}

func (w *fuseWorker) release() { putScratch(w.mem) }

// eval computes elements [i0, i0+n) of every register (n <= fuseBlock); leaves are the leaves' data.
// Registers of full loads alias the leaf's storage; a computed root k is written straight into
// outs[k] when outs is not nil.
func (p *fuseProgram) eval(w *fuseWorker, leaves, outs [][]float32, i0, n int) {
	for k := range p.instrs {
		ins := &p.instrs[k]
		if ins.skip {
			continue
		}
		if ins.op == "load" && ins.mode == accessFull {
			w.regs[k] = leaves[ins.leaf][i0 : i0+n]
			continue
		}
		dst := w.mem[k*fuseBlock : k*fuseBlock+n]
		if ins.root >= 0 && outs != nil {
			dst = outs[ins.root][i0 : i0+n]
		}
		w.regs[k] = dst
		if ins.op == "load" {
			src := leaves[ins.leaf]
			switch ins.mode {
			case accessScalar:
				fill(dst, src[0])
			case accessMod:
				m := ins.n
				idx := i0 % m
				for j := 0; j < len(dst); {
					run := min(m-idx, len(dst)-j)
					copy(dst[j:j+run], src[idx:idx+run])
					j += run
					idx = 0
				}
			case accessDiv:
				d := ins.n
				q, r := i0/d, i0%d
				for j := 0; j < len(dst); {
					run := min(d-r, len(dst)-j)
					fill(dst[j:j+run], src[q])
					j += run
					r, q = 0, q+1
				}
			case accessGeneral:
				loadGeneral(dst, src, ins.outDims, ins.strides, i0)
			}
			continue
		}
		if ins.scalar >= 0 {
			s := leaves[ins.sleaf][0]
			a := w.regs[ins.args[1-ins.scalar]][:n]
			evalScalar(ins.op, dst, a, s, ins.scalar == 0)
			continue
		}
		evalOp(ins.op, dst, w.regs, ins.args)
	}
}

func fill(dst []float32, v float32) { vec.Fill(dst, v) }

// loadGeneral fills dst with the elements i0, i0+1, ... of a broadcast of src: output dimensions dims,
// src's stride along each output axis in strides (0 where broadcast).
func loadGeneral(dst, src []float32, dims, strides []int, i0 int) {
	r := len(dims)
	index := make([]int, r)
	off, rem := 0, i0
	for a := r - 1; a >= 0; a-- {
		index[a] = rem % dims[a]
		rem /= dims[a]
		off += index[a] * strides[a]
	}
	last, lastStride := dims[r-1], strides[r-1]
	for j := 0; j < len(dst); {
		n := min(last-index[r-1], len(dst)-j) // A run along the last axis.
		switch lastStride {
		case 0:
			vec.Fill(dst[j:j+n], src[off])
		case 1:
			copy(dst[j:j+n], src[off:off+n])
		default:
			for t := range n {
				dst[j+t] = src[off+t*lastStride]
			}
		}
		j += n
		off += n * lastStride
		index[r-1] += n
		for a := r - 1; a > 0 && index[a] == dims[a]; a-- { // Carry.
			off -= index[a] * strides[a]
			index[a] = 0
			index[a-1]++
			off += strides[a-1]
		}
	}
}

// evalOp computes one element-wise op on a block. Booleans are 1 and 0.
func evalOp(op string, dst []float32, regs [][]float32, args []int) {
	a := regs[args[0]][:len(dst)]
	switch op {
	case "Neg":
		vec.Neg(dst, a)
	case "Abs":
		vec.Abs(dst, a)
	case "Sqrt":
		vec.Sqrt(dst, a)
	case "Exp":
		for j, x := range a {
			dst[j] = float32(math.Exp(float64(x)))
		}
	case "Log":
		for j, x := range a {
			dst[j] = float32(math.Log(float64(x)))
		}
	case "Rsqrt":
		for j, x := range a {
			dst[j] = float32(1 / math.Sqrt(float64(x)))
		}
	case "Tanh":
		for j, x := range a {
			dst[j] = float32(math.Tanh(float64(x)))
		}
	case "Logistic":
		for j, x := range a {
			dst[j] = float32(1 / (1 + math.Exp(-float64(x))))
		}
	case "Where":
		vec.Where(dst, a, regs[args[1]][:len(dst)], regs[args[2]][:len(dst)])
	default:
		evalBinary(op, dst, a, regs[args[1]][:len(dst)])
	}
}

// evalBinary computes a binary op of two blocks.
func evalBinary(op string, dst, a, c []float32) {
	switch op {
	case "Add":
		vec.Add(dst, a, c)
	case "Sub":
		vec.Sub(dst, a, c)
	case "Mul":
		vec.Mul(dst, a, c)
	case "Div":
		vec.Div(dst, a, c)
	case "Max":
		vec.Max(dst, a, c)
	case "Min":
		vec.Min(dst, a, c)
	case "GreaterOrEqual":
		vec.GreaterOrEqual(dst, a, c)
	case "GreaterThan":
		vec.GreaterThan(dst, a, c)
	case "LessOrEqual":
		vec.LessOrEqual(dst, a, c)
	case "LessThan":
		vec.LessThan(dst, a, c)
	case "Equal":
		vec.Equal(dst, a, c)
	case "NotEqual":
		vec.NotEqual(dst, a, c)
	case "Pow":
		for j := range dst {
			dst[j] = float32(math.Pow(float64(a[j]), float64(c[j])))
		}
	default:
		panic("backend: unknown fused op " + op) // A bug of this package: every fused op is listed here.
	}
}

func b2f(v bool) float32 {
	if v {
		return 1
	}
	return 0
}

// threadsFor returns how many goroutines evaluate size elements.
func threadsFor(size, threads int) int {
	if size < fuseParallelSize {
		return 1
	}
	return threads
}

// run is the heavy kernel of materialized fused expressions: outs[k] receives root k.
func (p *fuseProgram) run(ins, outs [][]float32, threads int) { p.runBlocks(ins, outs, threads, true) }

// runInPlace is run for outputs that may share storage with inputs (an update written over the
// donated old value): each block is computed entirely from the inputs before its results are copied
// out, and blocks are disjoint, so no input is read after it was overwritten.
func (p *fuseProgram) runInPlace(ins, outs [][]float32, threads int) {
	p.runBlocks(ins, outs, threads, false)
}

func (p *fuseProgram) runBlocks(ins, outs [][]float32, threads int, direct bool) {
	blocks := (p.size + fuseBlock - 1) / fuseBlock
	parallelRange(blocks, threadsFor(p.size, threads), func(lo, hi int) {
		w := p.newWorker()
		defer w.release()
		for bl := lo; bl < hi; bl++ {
			i0 := bl * fuseBlock
			n := min(fuseBlock, p.size-i0)
			if direct {
				p.eval(w, ins, outs, i0, n)
			} else {
				p.eval(w, ins, nil, i0, n)
			}
			for k, r := range p.roots {
				if !direct || p.instrs[r].root != k { // Not written in place (a load, or a root twice).
					copy(outs[k][i0:i0+n], w.regs[r])
				}
			}
		}
	})
}

// evalScalar computes a binary op of a block a and a scalar s: s is the left operand if left.
func evalScalar(op string, dst, a []float32, s float32, left bool) {
	switch op {
	case "Add":
		vec.AddScalar(dst, a, s)
	case "Mul":
		vec.MulScalar(dst, a, s)
	case "Max":
		vec.MaxScalar(dst, a, s)
	case "Min":
		vec.MinScalar(dst, a, s)
	case "Equal":
		vec.EqualScalar(dst, a, s)
	case "NotEqual":
		vec.NotEqualScalar(dst, a, s)
	case "Sub":
		if left {
			vec.ScalarSub(dst, a, s)
		} else {
			vec.SubScalar(dst, a, s)
		}
	case "Div":
		if left {
			vec.ScalarDiv(dst, a, s)
		} else {
			vec.DivScalar(dst, a, s)
		}
	case "GreaterOrEqual": // s >= a is a <= s.
		if left {
			vec.LessOrEqualScalar(dst, a, s)
		} else {
			vec.GreaterOrEqualScalar(dst, a, s)
		}
	case "GreaterThan":
		if left {
			vec.LessThanScalar(dst, a, s)
		} else {
			vec.GreaterThanScalar(dst, a, s)
		}
	case "LessOrEqual":
		if left {
			vec.GreaterOrEqualScalar(dst, a, s)
		} else {
			vec.LessOrEqualScalar(dst, a, s)
		}
	case "LessThan":
		if left {
			vec.GreaterThanScalar(dst, a, s)
		} else {
			vec.LessThanScalar(dst, a, s)
		}
	default: // Pow.
		tmp := getScratch(len(dst))
		vec.Fill(tmp, s)
		if left {
			evalBinary(op, dst, tmp, a)
		} else {
			evalBinary(op, dst, a, tmp)
		}
		putScratch(tmp)
	}
}
