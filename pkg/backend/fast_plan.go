package backend

import (
	"slices"
	"sync"
)

// Memory plan.
//
// A value computed by a heavy op and read only by heavy ops (not by a light segment, not returned) never
// needs to be a SimpleGo buffer: it lives in an arena of the executable, at an offset chosen at compile
// time so that values whose lifetimes overlap never share memory, like the scratch space of the
// convolutions (their padded images). The arena is allocated once per concurrent execution and reused,
// so a training step allocates (almost) nothing, and the memory it holds is the peak of the live values,
// not what a pool of freed buffers of every size accumulates.

// arenaAlign is the alignment of arena offsets, in float32 (a cache line).
const arenaAlign = 16

// planInterval is a value (or a step's scratch space) to place: size elements, live from step first to
// step last, inclusive.
type planInterval struct {
	id          int // node id, or -1-step for scratch space
	size        int
	first, last int
	offset      int
}

// planArena assigns offsets to the intervals (largest first, lowest offset that overlaps no interval
// live at the same time) and returns the arena size.
func planArena(items []*planInterval) int {
	order := slices.Clone(items)
	slices.SortStableFunc(order, func(a, b *planInterval) int {
		if a.size != b.size {
			return b.size - a.size
		}
		return a.first - b.first
	})
	var placed []*planInterval
	total := 0
	for _, it := range order {
		var busy []*planInterval
		for _, p := range placed {
			if p.first <= it.last && it.first <= p.last {
				busy = append(busy, p)
			}
		}
		slices.SortFunc(busy, func(a, b *planInterval) int { return a.offset - b.offset })
		off := 0
		for _, p := range busy {
			if off+it.size <= p.offset {
				break
			}
			off = max(off, roundUpTo(p.offset+p.size, arenaAlign))
		}
		it.offset = off
		placed = append(placed, it)
		total = max(total, off+it.size)
	}
	return roundUpTo(total, arenaAlign)
}

func roundUpTo(x, r int) int { return (x + r - 1) / r * r }

// arenaPlan is the memory plan of an executable.
type arenaPlan struct {
	size    int
	offsets map[int]int // node id -> offset of values that live in the arena
	scratch map[int]int // step -> offset of its scratch space

	mu   sync.Mutex
	free [][]float32 // arenas not in use
}

// newArenaPlan plans the arena of the executable's heavy values and scratch spaces; external holds the
// ids of values read by light segments or returned.
func newArenaPlan(steps []any, lastUse map[int]int, external map[int]bool) *arenaPlan {
	for _, st := range steps { // Raw steps read typed buffers.
		if h, ok := st.(*fastHeavy); ok && h.runRaw != nil {
			for _, n := range h.inputs {
				external[n.id] = true
			}
		}
	}
	var items []*planInterval
	for i, st := range steps {
		h, ok := st.(*fastHeavy)
		if !ok {
			continue
		}
		for _, n := range h.outputs {
			if external[n.id] || h.runRaw != nil {
				continue
			}
			last, used := lastUse[n.id]
			if !used {
				last = i
			}
			items = append(items, &planInterval{id: n.id, size: n.shape.Size(), first: i, last: last})
		}
		if h.scratch > 0 {
			items = append(items, &planInterval{id: -1 - i, size: h.scratch, first: i, last: i})
		}
	}
	p := &arenaPlan{offsets: map[int]int{}, scratch: map[int]int{}}
	p.size = planArena(items)
	for _, it := range items {
		if it.id >= 0 {
			p.offsets[it.id] = it.offset
		} else {
			p.scratch[-1-it.id] = it.offset
		}
	}
	return p
}

// get returns an arena for one execution.
func (p *arenaPlan) get() []float32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		a := p.free[n-1]
		p.free = p.free[:n-1]
		return a
	}
	return make([]float32, p.size)
}

// put returns an arena after an execution.
func (p *arenaPlan) put(a []float32) {
	p.mu.Lock()
	p.free = append(p.free, a)
	p.mu.Unlock()
}

// release drops the arenas kept for reuse.
func (p *arenaPlan) release() {
	p.mu.Lock()
	p.free = nil
	p.mu.Unlock()
}
