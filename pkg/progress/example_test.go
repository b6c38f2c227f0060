package progress_test

import (
	"os"

	"github.com/surrogo/surrogo/pkg/progress"
)

// Report the progress of parallel work on standard error: a bar redrawn in place on a
// terminal, a line every 5 seconds in a log.
func Example() {
	work := make(chan int)
	r := progress.New(os.Stderr, "solve", 1000, progress.Options{Unit: "solves"})
	done := make(chan bool)
	for range 4 {
		go func() {
			for range work {
				r.Add(1) // safe from many goroutines
			}
			done <- true
		}()
	}
	for i := range 1000 {
		work <- i
	}
	close(work)
	for range 4 {
		<-done
	}
	r.Done() // in a log: "solve: 1000/1000 solves (100.0%), <rate> solves/s, <time> elapsed"
}
