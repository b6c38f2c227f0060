package gemm

import (
	"sync"
	"sync/atomic"
)

// Partitioning of a product between goroutines. It depends only on the shapes, the kernel and
// the thread count, never on timing, so results are reproducible.
const (
	splitM = iota
	splitN
	splitK
)

// minFlopsPerThread is the least work worth handing to another goroutine.
const minFlopsPerThread = 1 << 21

// job is one Mul shared by its goroutines.
type job struct {
	kd      *kernelDesc
	c, a, b view
	m, n, k int
	acc     bool
	mode, t int
	reduce  bool // second phase of splitK: C += partials
	ws      []*workspace
	wg      sync.WaitGroup
}

var jobPool = sync.Pool{New: func() any { return new(job) }}

type task struct {
	j    *job
	part int
}

var (
	workersMu sync.Mutex
	nWorkers  int
	tasks     = make(chan task)
	inFlight  atomic.Int64 // parallel Mul calls running, to size the worker pool
)

func worker() {
	for t := range tasks {
		t.j.runPart(t.part)
		t.j.wg.Done()
	}
}

// ensureWorkers makes sure n background goroutines serve tasks.
func ensureWorkers(n int) {
	workersMu.Lock()
	for nWorkers < n {
		nWorkers++
		go worker()
	}
	workersMu.Unlock()
}

// span returns part i of [0, n) split into t near-equal contiguous ranges.
func span(n, t, i int) (lo, hi int) { return n * i / t, n * (i + 1) / t }

func mulParallel(kd *kernelDesc, c, a, b view, m, n, k int, accumulate bool, threads int) {
	flops := 2 * int64(m) * int64(n) * int64(k)
	t := int(min(int64(threads), max(1, flops/minFlopsPerThread)))
	mt, nt := (m+kd.mr-1)/kd.mr, (n+kd.nr-1)/kd.nr
	mode := splitM
	switch {
	case t == 1:
	case k >= 4*max(m, n) && k >= 256*t:
		mode = splitK
	case mt >= 2*t || mt >= nt:
		mode = splitM
		t = min(t, mt)
	default:
		mode = splitN
		t = min(t, nt)
	}
	if t == 1 {
		ws := wsPool.Get().(*workspace)
		gemmSerial(kd, ws, c, a, b, m, n, k, accumulate)
		wsPool.Put(ws)
		return
	}
	j := jobPool.Get().(*job)
	j.kd, j.c, j.a, j.b, j.m, j.n, j.k, j.acc, j.mode, j.t, j.reduce = kd, c, a, b, m, n, k, accumulate, mode, t, false
	for len(j.ws) < t {
		j.ws = append(j.ws, nil)
	}
	for i := range t {
		j.ws[i] = wsPool.Get().(*workspace)
	}
	j.runAll()
	if mode == splitK {
		j.reduce = true
		j.runAll()
	}
	for i := range t {
		wsPool.Put(j.ws[i])
		j.ws[i] = nil
	}
	j.c, j.a, j.b = view{}, view{}, view{}
	jobPool.Put(j)
}

// runAll runs parts 1..t-1 on the workers and part 0 here, and waits for all. The pool grows with
// the number of concurrent calls, so that they seldom wait for each other's parts.
func (j *job) runAll() {
	n := inFlight.Add(1)
	defer inFlight.Add(-1)
	ensureWorkers(int(n) * (j.t - 1))
	j.wg.Add(j.t - 1)
	for i := 1; i < j.t; i++ {
		tasks <- task{j, i}
	}
	j.runPart(0)
	j.wg.Wait()
}

func (j *job) runPart(part int) {
	ws := j.ws[part]
	kd := j.kd
	switch {
	case j.reduce:
		j.reducePart(part)
	case j.mode == splitM:
		lo, hi := span((j.m+kd.mr-1)/kd.mr, j.t, part)
		r0, r1 := lo*kd.mr, min(j.m, hi*kd.mr)
		if r1 > r0 {
			gemmSerial(kd, ws, j.c.sub(r0, 0), j.a.sub(r0, 0), j.b, r1-r0, j.n, j.k, j.acc)
		}
	case j.mode == splitN:
		lo, hi := span((j.n+kd.nr-1)/kd.nr, j.t, part)
		c0, c1 := lo*kd.nr, min(j.n, hi*kd.nr)
		if c1 > c0 {
			gemmSerial(kd, ws, j.c.sub(0, c0), j.a, j.b.sub(0, c0), j.m, c1-c0, j.k, j.acc)
		}
	default: // splitK
		k0, k1 := span(j.k, j.t, part)
		if part == 0 {
			gemmSerial(kd, ws, j.c, j.a.sub(0, k0), j.b.sub(k0, 0), j.m, j.n, k1-k0, j.acc)
			return
		}
		ws.partial = grow(ws.partial, j.m*j.n)
		p := view{data: ws.partial, rs: j.n, cs: 1}
		gemmSerial(kd, ws, p, j.a.sub(0, k0), j.b.sub(k0, 0), j.m, j.n, k1-k0, false)
	}
}

// reducePart adds the partial products of parts 1..t-1, in that order, to rows of C.
func (j *job) reducePart(part int) {
	r0, r1 := span(j.m, j.t, part)
	c, n := &j.c, j.n
	for i := r0; i < r1; i++ {
		row := c.base + c.ro(i)
		if c.cs == 1 {
			dst := c.data[row : row+n]
			for q := 1; q < j.t; q++ {
				src := j.ws[q].partial[i*n : i*n+n]
				addTo(dst, src)
			}
			continue
		}
		for jj := 0; jj < n; jj++ {
			idx := row + jj*c.cs
			s := c.data[idx]
			for q := 1; q < j.t; q++ {
				s += j.ws[q].partial[i*n+jj]
			}
			c.data[idx] = s
		}
	}
}

func addTo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
