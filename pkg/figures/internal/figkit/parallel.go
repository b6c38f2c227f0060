package figkit

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Progress is called by Parallel after item completions: done items of total, and the time
// since the loop started.
type Progress func(done, total int, elapsed time.Duration)

// Parallel calls fn(worker, i) once for every i in [0, n), on workers goroutines (0 means
// runtime.GOMAXPROCS(0)); worker, in [0, workers), lets fn use per-goroutine state such as a
// solver. Items are handed out in increasing order. progress, when non-nil, is called from
// the loop every time another tenth of the items is done (and at the end), never
// concurrently. Parallel returns the first error of fn (with its item number), after which no
// new items are started, or the context's error when ctx is cancelled first.
func Parallel(ctx context.Context, n, workers int, fn func(worker, i int) error, progress Progress) error {
	if n < 0 {
		return fmt.Errorf("figkit.Parallel: negative item count %d", n)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(n, 1))
	var (
		next, done atomic.Int64
		stop       atomic.Bool
		mu         sync.Mutex
		firstErr   error
		reported   int
		wg         sync.WaitGroup
	)
	start := time.Now()
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		stop.Store(true)
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for !stop.Load() {
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(w, i); err != nil {
					fail(fmt.Errorf("item %d: %w", i, err))
					return
				}
				d := int(done.Add(1))
				if progress != nil {
					mu.Lock()
					// Report when another tenth is done; the lock keeps the reports ordered.
					if tenth := d * 10 / n; tenth > reported {
						reported = tenth
						progress(d, n, time.Since(start))
					}
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	return firstErr
}
