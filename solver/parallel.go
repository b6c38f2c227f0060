package solver

// rowFunc processes the rows [lo, hi) of a lattice; w is the index of the worker running it
// (0 <= w < workers), which selects its scratch buffers.
type rowFunc func(w, lo, hi int)

// job is one band of rows handed to a helper goroutine; a nil f tells it to quit.
type job struct {
	f         rowFunc
	w, lo, hi int
}

// team splits loops over rows into bands run by workers goroutines: the caller's goroutine
// and workers-1 helpers that live for the duration of one solve (start .. stop), so that an
// idle Solver holds no goroutine.
type team struct {
	workers int
	jobs    []chan job
	done    chan struct{}
}

func (t *team) init(workers int) {
	t.workers = workers
	if workers <= 1 {
		return
	}
	t.jobs = make([]chan job, workers-1)
	for i := range t.jobs {
		t.jobs[i] = make(chan job, 1)
	}
	t.done = make(chan struct{}, workers-1)
}

// start launches the helper goroutines.
func (t *team) start() {
	for _, ch := range t.jobs {
		go t.loop(ch)
	}
}

// stop ends the helper goroutines.
func (t *team) stop() {
	for _, ch := range t.jobs {
		ch <- job{}
	}
}

func (t *team) loop(ch chan job) {
	for j := range ch {
		if j.f == nil {
			return
		}
		j.f(j.w, j.lo, j.hi)
		t.done <- struct{}{}
	}
}

// parallelRows is the fewest rows a loop must have to be split between workers: below it
// the hand-off (waking a goroutine costs 5 to 30 us here, and a pipeline needs two or three
// of them) costs about as much as it saves. Measured on the 2-core machine, N = 100 solved
// no faster with two workers than with one.
const parallelRows = 128

// rows runs f over the rows [0, n) in bands, one per worker, and returns when all are done.
func (t *team) rows(n int, f rowFunc) {
	nw := t.bands(n)
	if nw == 1 {
		f(0, 0, n)
		return
	}
	for w := 1; w < nw; w++ {
		t.jobs[w-1] <- job{f: f, w: w, lo: w * n / nw, hi: (w + 1) * n / nw}
	}
	f(0, 0, n/nw)
	for w := 1; w < nw; w++ {
		<-t.done
	}
}

// partialStride spaces the per-worker partial sums a cache line apart.
const partialStride = 8

// bands returns the number of bands rows splits n rows into.
func (t *team) bands(n int) int {
	if t.workers <= 1 || n < parallelRows {
		return 1
	}
	return min(t.workers, n)
}

// stage is one step of a pipeline: run processes row i, and needs the previous stage to
// have processed the rows i-back .. i+ahead first.
type stage struct {
	run         func(w, i int)
	back, ahead int
}

// pipeline runs a chain of row stages in one sweep over the lattice (a wavefront: stage s
// trails stage s-1 by its ahead rows), so that each row is loaded from memory once for all
// the stages instead of once per stage. With several bands, each band first runs the
// wavefront on the rows whose dependencies lie inside it, then the remaining rows near the
// band edges are done stage by stage, one synchronized phase per stage.
//
// Correctness needs, besides the stated reads, that a stage never overwrite data that the
// previous stage reads from a row that is still pending; the red-black and transfer stages
// used here satisfy it because back is at least the previous stage's read reach.
type pipeline struct {
	t          *team
	n          int
	stages     []stage
	lag        []int // lag[s]: rows by which stage s trails stage 0
	accA, accB []int // rows at the start / end of an inner band that stage s leaves to later phases
	phases     []rowFunc
}

func newPipeline(t *team, n int, stages ...stage) *pipeline {
	p := &pipeline{t: t, n: n, stages: stages}
	k := len(stages)
	p.lag, p.accA, p.accB = make([]int, k), make([]int, k), make([]int, k)
	for s := 1; s < k; s++ {
		p.lag[s] = p.lag[s-1] + stages[s].ahead
		p.accA[s] = p.accA[s-1] + stages[s].back
		p.accB[s] = p.accB[s-1] + stages[s].ahead
	}
	p.phases = make([]rowFunc, k)
	p.phases[0] = p.wavefront
	for s := 1; s < k; s++ {
		p.phases[s] = func(w, lo, hi int) { p.leftover(s, w, lo, hi) }
	}
	return p
}

// edges returns the rows that stage s leaves at the start and at the end of the band.
func (p *pipeline) edges(s, lo, hi int) (a, b int) {
	if lo > 0 {
		a = p.accA[s]
	}
	if hi < p.n {
		b = p.accB[s]
	}
	return a, b
}

func (p *pipeline) wavefront(w, lo, hi int) {
	last := p.lag[len(p.lag)-1]
	for t := lo; t < hi+last; t++ {
		for s := range p.stages {
			i := t - p.lag[s]
			a, b := p.edges(s, lo, hi)
			if i >= lo+a && i < hi-b {
				p.stages[s].run(w, i)
			}
		}
	}
}

func (p *pipeline) leftover(s, w, lo, hi int) {
	a, b := p.edges(s, lo, hi)
	a = min(lo+a, hi)
	for i := lo; i < a; i++ {
		p.stages[s].run(w, i)
	}
	for i := max(hi-b, a); i < hi; i++ {
		p.stages[s].run(w, i)
	}
}

// run executes the pipeline over all rows.
func (p *pipeline) run() {
	p.t.rows(p.n, p.phases[0])
	if p.t.bands(p.n) == 1 {
		return
	}
	for s := 1; s < len(p.stages); s++ {
		if p.accA[s]+p.accB[s] > 0 {
			p.t.rows(p.n, p.phases[s])
		}
	}
}
