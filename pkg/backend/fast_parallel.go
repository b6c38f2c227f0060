package backend

import "sync"

// parallelRange splits [0, n) into at most parts contiguous ranges of nearly equal size and calls fn on
// each in its own goroutine (the first in the caller's), returning when all are done. The split depends
// only on n and parts, so results that depend on it are deterministic.
func parallelRange(n, parts int, fn func(lo, hi int)) {
	if parts > n {
		parts = n
	}
	if parts <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for p := 1; p < parts; p++ {
		lo, hi := p*n/parts, (p+1)*n/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, n/parts)
	wg.Wait()
}
