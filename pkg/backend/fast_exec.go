package backend

import (
	"math"
	"reflect"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// fastExecutable runs a graph built by fastBuilder: its steps in order, light segments on the extended
// pure-Go backend and heavy ops on the project's kernels.
type fastExecutable struct {
	backend    *FastBackend
	name       string
	params     []*fastNode
	paramNames []string
	outputs    []*fastNode
	steps      []any
	// lastUse[node id] is the last step that reads the node (math.MaxInt for graph outputs); only nodes
	// that cross a step boundary have an entry.
	lastUse map[int]int
	// plan places the values that only heavy ops read, and their scratch space, in an arena.
	plan *arenaPlan
}

// Compile implements backends.Builder.
func (b *fastBuilder) Compile(outputs []backends.Op, shardings []*backends.ShardingSpec) (backends.Executable, error) {
	if b.compiled {
		return nil, errors.Errorf("backend %q: builder %q already compiled", FastBackendName, b.name)
	}
	if len(shardings) > 0 {
		return nil, errors.Errorf("backend %q: sharding is not supported", FastBackendName)
	}
	if err := b.readyGroup(outputs); err != nil {
		return nil, err
	}
	e := &fastExecutable{backend: b.backend, name: b.name, params: b.params, paramNames: b.paramNames,
		steps: b.steps, lastUse: map[int]int{}}
	for _, op := range outputs {
		n, err := b.node(op)
		if err != nil {
			return nil, err
		}
		if n.seg != nil {
			n.seg.export(n)
		}
		e.outputs = append(e.outputs, n)
		e.lastUse[n.id] = math.MaxInt
	}
	b.compiled = true
	e.steps = liveSteps(b.steps, e.outputs)
	for i, st := range e.steps {
		var ins []*fastNode
		switch st := st.(type) {
		case *fastSegment:
			ins = st.imports
			if len(st.exports) == 0 {
				continue // Nothing of it is used: it is never run.
			}
			exportOps := make([]backends.Op, len(st.exports))
			for j, n := range st.exports {
				exportOps[j] = n.op
			}
			exe, err := st.b.Compile(exportOps, nil)
			if err != nil {
				return nil, errors.WithMessagef(err, "backend %q: compiling segment %d of %q", FastBackendName, i, b.name)
			}
			st.exe = exe
		case *fastHeavy:
			ins = st.inputs
		}
		for _, n := range ins {
			if last, ok := e.lastUse[n.id]; !ok || last < i {
				e.lastUse[n.id] = i
			}
		}
	}
	external := map[int]bool{}
	for _, n := range e.outputs {
		external[n.id] = true
	}
	for _, st := range e.steps {
		if s, ok := st.(*fastSegment); ok {
			for _, n := range s.imports {
				external[n.id] = true
			}
		}
	}
	e.plan = newArenaPlan(e.steps, e.lastUse, external)
	return e, nil
}

// liveSteps returns the steps that contribute to the outputs, dropping the others (e.g. the gradient
// with respect to a network's input, which the graph package builds along with the weights'), and
// trims the exports of light segments to the values something reads.
func liveSteps(steps []any, outputs []*fastNode) []any {
	needed := map[*fastNode]bool{}
	for _, n := range outputs {
		needed[n] = true
	}
	live := make([]bool, len(steps))
	for i := len(steps) - 1; i >= 0; i-- {
		switch st := steps[i].(type) {
		case *fastHeavy:
			for _, o := range st.outputs {
				live[i] = live[i] || needed[o]
			}
			if live[i] {
				for _, in := range st.inputs {
					needed[in] = true
				}
			}
		case *fastSegment:
			var keep []*fastNode
			for _, x := range st.exports {
				if needed[x] {
					keep = append(keep, x)
				}
			}
			st.exports = keep
			if len(keep) > 0 {
				live[i] = true
				for _, in := range st.imports {
					needed[in] = true
				}
			}
		}
	}
	var out []any
	for i, st := range steps {
		if live[i] {
			out = append(out, st)
		}
	}
	return out
}

// Finalize implements backends.Executable.
func (e *fastExecutable) Finalize() {
	e.plan.release()
	for _, st := range e.steps {
		if s, ok := st.(*fastSegment); ok && s.exe != nil {
			s.exe.Finalize()
			s.exe = nil
		}
	}
}

// Inputs implements backends.Executable.
func (e *fastExecutable) Inputs() (names []string, inputShapes []shapes.Shape) {
	inputShapes = make([]shapes.Shape, len(e.params))
	for i, p := range e.params {
		inputShapes[i] = p.shape
	}
	return e.paramNames, inputShapes
}

// Outputs implements backends.Executable.
func (e *fastExecutable) Outputs() (outputShapes []shapes.Shape) {
	outputShapes = make([]shapes.Shape, len(e.outputs))
	for i, n := range e.outputs {
		outputShapes[i] = n.shape
	}
	return outputShapes
}

// Execute implements backends.Executable.
func (e *fastExecutable) Execute(inputs []backends.Buffer, donate []bool, _ backends.DeviceNum) (outs []backends.Buffer, err error) {
	be := e.backend.Backend
	if len(inputs) != len(e.params) {
		return nil, errors.Errorf("backend %q: %q takes %d inputs, got %d", FastBackendName, e.name, len(e.params), len(inputs))
	}
	values := make(map[int]backends.Buffer, len(e.lastUse))
	owned := make(map[int]bool, len(e.lastUse))
	for i, p := range e.params {
		shape, err := be.BufferShape(inputs[i])
		if err != nil {
			return nil, errors.WithMessagef(err, "backend %q: input #%d of %q", FastBackendName, i, e.name)
		}
		if !shape.Equal(p.shape) {
			return nil, errors.Errorf("backend %q: input #%d (%q) of %q: want shape %s, got %s",
				FastBackendName, i, e.paramNames[i], e.name, p.shape, shape)
		}
		values[p.id] = inputs[i]
		owned[p.id] = i < len(donate) && donate[i]
	}
	// On failure, free what this execution owns.
	defer func() {
		if err != nil {
			for id, buf := range values {
				if owned[id] && buf != nil {
					_ = be.BufferFinalize(buf)
				}
			}
		}
	}()
	release := func(n *fastNode, step int) {
		if e.lastUse[n.id] == step {
			if buf := values[n.id]; buf != nil && owned[n.id] {
				_ = be.BufferFinalize(buf)
			}
			delete(values, n.id)
		}
	}
	arena := e.plan.get()
	defer e.plan.put(arena)
	profiling := fastProfiling.Load()
	for i, st := range e.steps {
		var start time.Time
		if profiling {
			start = time.Now()
		}
		switch st := st.(type) {
		case *fastSegment:
			if st.exe == nil {
				continue
			}
			ins := make([]backends.Buffer, len(st.imports))
			don := make([]bool, len(st.imports))
			for j, n := range st.imports {
				ins[j] = values[n.id]
				if ins[j] == nil {
					return nil, errors.Errorf("backend %q: %q step %d: value %d not computed", FastBackendName, e.name, i, n.id)
				}
				don[j] = owned[n.id] && e.lastUse[n.id] == i
			}
			res, err := st.exe.Execute(ins, don, 0)
			if err != nil {
				return nil, errors.WithMessagef(err, "backend %q: %q step %d", FastBackendName, e.name, i)
			}
			for _, n := range st.imports {
				if don := owned[n.id] && e.lastUse[n.id] == i; don {
					delete(values, n.id) // Consumed by the segment.
				} else {
					release(n, i)
				}
			}
			for j, n := range st.exports {
				values[n.id] = res[j]
				owned[n.id] = true
			}
		case *fastHeavy:
			if st.runRaw != nil {
				if err := e.runRaw(st, i, values, owned, release); err != nil {
					return nil, err
				}
				break
			}
			ins := make([][]float32, len(st.inputs))
			for j, n := range st.inputs {
				if off, ok := e.plan.offsets[n.id]; ok {
					ins[j] = arena[off : off+n.shape.Size()]
					continue
				}
				buf := values[n.id]
				if buf == nil {
					return nil, errors.Errorf("backend %q: %q step %d: value %d not computed", FastBackendName, e.name, i, n.id)
				}
				flat, err := be.BufferData(buf)
				if err != nil {
					return nil, err
				}
				ins[j] = flat.([]float32)
			}
			outFlats := make([][]float32, len(st.outputs))
			inPlace := false
			for j, out := range st.outputs {
				if off, ok := e.plan.offsets[out.id]; ok {
					outFlats[j] = arena[off : off+out.shape.Size()]
					continue
				}
				if st.runInPlace != nil && !fastNoInPlace {
					// Write over an input buffer this step is the last to read (e.g. a donated variable
					// being updated), as an optimizer updates in place.
					if k := e.reusableInput(st, i, out, values, owned, be); k >= 0 {
						n := st.inputs[k]
						values[out.id], owned[out.id] = values[n.id], true
						delete(values, n.id)
						outFlats[j] = ins[k]
						inPlace = true
						fastInPlaceCount.Add(1)
						continue
					}
				}
				buf, flat, err := be.NewSharedBuffer(0, out.shape)
				if err != nil {
					return nil, err
				}
				outFlats[j] = flat.([]float32)
				values[out.id] = buf
				owned[out.id] = true
			}
			if inPlace {
				st.runInPlace(ins, outFlats, e.backend.threads)
			} else if st.runScratch != nil {
				off := e.plan.scratch[i]
				st.runScratch(ins, outFlats, arena[off:off+st.scratch], e.backend.threads)
			} else {
				st.run(ins, outFlats, e.backend.threads)
			}
			for _, n := range st.inputs {
				release(n, i)
			}
		}
		if profiling {
			recordStep(st, time.Since(start))
		}
	}
	outs = make([]backends.Buffer, len(e.outputs))
	returned := map[int]bool{}
	for i, n := range e.outputs {
		buf := values[n.id]
		if buf == nil {
			return nil, errors.Errorf("backend %q: %q: output #%d not computed", FastBackendName, e.name, i)
		}
		if owned[n.id] && !returned[n.id] {
			outs[i] = buf
			returned[n.id] = true
			continue
		}
		// A caller's buffer, or one already returned: return a copy.
		flat, err := be.BufferData(buf)
		if err != nil {
			return nil, err
		}
		c, cflat, err := be.NewSharedBuffer(0, n.shape)
		if err != nil {
			return nil, err
		}
		copyAny(cflat, flat)
		outs[i] = c
	}
	// Free owned values that are not returned (e.g. donated inputs not used as outputs).
	for id, buf := range values {
		if owned[id] && !returned[id] {
			_ = be.BufferFinalize(buf)
		}
	}
	values = nil
	return outs, nil
}

// runRaw executes a raw heavy step (see fastHeavy.runRaw) at index step.
func (e *fastExecutable) runRaw(st *fastHeavy, step int, values map[int]backends.Buffer, owned map[int]bool, release func(*fastNode, int)) error {
	be := e.backend.Backend
	ins := make([]any, len(st.inputs))
	for j, n := range st.inputs {
		buf := values[n.id]
		if buf == nil {
			return errors.Errorf("backend %q: %q step %d: value %d not computed", FastBackendName, e.name, step, n.id)
		}
		flat, err := be.BufferData(buf)
		if err != nil {
			return err
		}
		ins[j] = flat
	}
	outs := make([]any, len(st.outputs))
	for j, out := range st.outputs {
		buf, flat, err := be.NewSharedBuffer(0, out.shape)
		if err != nil {
			return err
		}
		outs[j] = flat
		values[out.id], owned[out.id] = buf, true
	}
	st.runRaw(ins, outs, e.backend.threads)
	for _, n := range st.inputs {
		release(n, step)
	}
	return nil
}

// reusableInput returns the index of an input of heavy step st (at index step) whose buffer can hold
// output out: owned by this execution, read for the last time by this step (and only once by it), of
// out's shape, not in the arena; -1 if none.
func (e *fastExecutable) reusableInput(st *fastHeavy, step int, out *fastNode, values map[int]backends.Buffer, owned map[int]bool, be *Backend) int {
	for k, n := range st.inputs {
		buf := values[n.id]
		if buf == nil || !owned[n.id] || e.lastUse[n.id] != step || !n.shape.Equal(out.shape) {
			continue
		}
		if _, inArena := e.plan.offsets[n.id]; inArena {
			continue
		}
		twice := false
		for k2, n2 := range st.inputs {
			twice = twice || (k2 != k && n2 == n)
		}
		if shape, err := be.BufferShape(buf); twice || err != nil || !shape.Equal(out.shape) {
			continue
		}
		return k
	}
	return -1
}

// copyAny copies the flat slice src into dst, slices of the same element type.
func copyAny(dst, src any) {
	reflect.Copy(reflect.ValueOf(dst), reflect.ValueOf(src))
}
