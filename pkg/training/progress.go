package training

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/surrogo/surrogo/pkg/progress"
)

// reporter prints the progress of training: the epoch, the step, the last and mean batch loss,
// the training rate and the time left. On a terminal it rewrites one line a few times a second;
// elsewhere it prints a line every few seconds. A nil *reporter, or one without a writer, prints
// nothing.
type reporter struct {
	mu        sync.Mutex
	w         io.Writer
	terminal  bool
	interval  time.Duration
	epochs    int
	steps     int
	batch     int
	epoch     int
	stepStart int
	start     time.Time
	last      time.Time
	shown     int // length of the line on screen (terminal)
}

func newReporter(w io.Writer, epochs, steps, batch int) *reporter {
	r := &reporter{w: w, epochs: epochs, steps: steps, batch: batch}
	if w != nil {
		r.terminal = progress.IsTerminal(w)
		r.interval = progress.DefaultLogInterval
		if r.terminal {
			r.interval = progress.DefaultTerminalInterval
		}
	}
	return r
}

// startEpoch starts the report of epoch e (from 1) at step.
func (r *reporter) startEpoch(e, step int) {
	if r == nil || r.w == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.epoch, r.stepStart, r.start = e, step, time.Now()
	r.last = time.Time{}
}

// step reports that step (from 1) ended with batch loss l, mean loss mean and rate samples/s.
func (r *reporter) step(step int, l, mean, rate float64) {
	if r == nil || r.w == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if !r.last.IsZero() && now.Sub(r.last) < r.interval && step < r.steps {
		return
	}
	r.last = now
	done := step - r.stepStart
	left := ""
	if done > 0 {
		perStep := now.Sub(r.start).Seconds() / float64(done)
		epochLeft := perStep * float64(r.steps-step)
		runLeft := epochLeft + perStep*float64(r.steps)*float64(r.epochs-r.epoch)
		left = fmt.Sprintf("  left %s (epoch) %s (run)",
			progress.FormatDuration(time.Duration(epochLeft*float64(time.Second))),
			progress.FormatDuration(time.Duration(runLeft*float64(time.Second))))
	}
	r.print(fmt.Sprintf("epoch %d/%d  step %d/%d  loss %.4g (mean %.4g)  %.1f samples/s%s",
		r.epoch, r.epochs, step, r.steps, l, mean, rate, left))
}

// evaluating reports that the test loss is being computed.
func (r *reporter) evaluating() {
	if r == nil || r.w == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.terminal {
		r.print(fmt.Sprintf("epoch %d/%d  computing the test loss", r.epoch, r.epochs))
	}
}

// print writes a report line (the caller holds the lock).
func (r *reporter) print(s string) {
	if r.terminal {
		pad := ""
		if len(s) < r.shown {
			pad = strings.Repeat(" ", r.shown-len(s))
		}
		fmt.Fprintf(r.w, "\r%s%s", s, pad)
		r.shown = len(s)
		return
	}
	fmt.Fprintln(r.w, s)
}

// clear erases the line on a terminal, so that a log line can be printed.
func (r *reporter) clear() {
	if r == nil || r.w == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.terminal && r.shown > 0 {
		fmt.Fprintf(r.w, "\r%s\r", strings.Repeat(" ", r.shown))
		r.shown = 0
	}
}
