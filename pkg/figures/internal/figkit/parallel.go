package figkit

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Progress is called by Parallel after item completions: done items of total, and the time
// since the loop started.
type Progress func(done, total int, elapsed time.Duration)

// Parallel calls fn(worker, i) once for every i in [0, n), on workers goroutines of an
// errgroup (0 means runtime.GOMAXPROCS(0)); worker, in [0, workers), lets fn use per-goroutine
// state such as a solver. Items are handed out in increasing order. progress, when non-nil, is
// called every time another tenth of the items is done (and at the end), never concurrently.
// Parallel returns the first error of fn (with its item number), after which no new items are
// started, or the context's error when ctx is cancelled first.
func Parallel(ctx context.Context, n, workers int, fn func(worker, i int) error, progress Progress) error {
	if n < 0 {
		return fmt.Errorf("figkit.Parallel: negative item count %d", n)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	var (
		next, done atomic.Int64
		mu         sync.Mutex
		reported   int
		start      = time.Now()
	)
	for w := range min(workers, max(n, 1)) {
		g.Go(func() error {
			for {
				if gctx.Err() != nil {
					return ctx.Err() // nil when another worker failed: g.Wait returns its error
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return nil
				}
				if err := fn(w, i); err != nil {
					return fmt.Errorf("item %d: %w", i, err)
				}
				if d := int(done.Add(1)); progress != nil {
					mu.Lock()
					if tenth := d * 10 / n; tenth > reported { // the lock keeps reports ordered
						reported = tenth
						progress(d, n, time.Since(start))
					}
					mu.Unlock()
				}
			}
		})
	}
	return g.Wait()
}
