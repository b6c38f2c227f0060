package training

import (
	"fmt"
	"io"
	"time"

	"github.com/surrogo/surrogo/pkg/progress"
)

// reporter prints the progress of training: one progress.Reporter per epoch counting its steps
// (a bar on a terminal, a line every few seconds elsewhere), described by the last and mean
// batch loss, the training rate and the time left in the run. A nil *reporter, or one without
// a writer, prints nothing.
type reporter struct {
	w                    io.Writer
	epochs, steps, batch int
	epoch, stepStart     int
	start                time.Time
	bar                  *progress.Reporter
}

func newReporter(w io.Writer, epochs, steps, batch int) *reporter {
	return &reporter{w: w, epochs: epochs, steps: steps, batch: batch}
}

// startEpoch starts the report of epoch e (from 1) at step.
func (r *reporter) startEpoch(e, step int) {
	if r == nil || r.w == nil {
		return
	}
	r.bar.Done()
	r.epoch, r.stepStart, r.start = e, step, time.Now()
	r.bar = progress.New(r.w, fmt.Sprintf("epoch %d/%d", e, r.epochs), int64(r.steps),
		progress.Options{Unit: "steps", Initial: int64(step)}) // step > 0: a resumed epoch
}

// step reports that step (from 1, within the epoch) ended with batch loss l, mean loss mean and rate samples/s.
func (r *reporter) step(step int, l, mean, rate float64) {
	if r == nil || r.w == nil || r.bar == nil {
		return
	}
	left := ""
	if done := step - r.stepStart; done > 0 {
		perStep := time.Since(r.start).Seconds() / float64(done)
		runLeft := perStep * float64(r.steps-step+r.steps*(r.epochs-r.epoch))
		left = ", run left " + progress.FormatDuration(time.Duration(runLeft*float64(time.Second)))
	}
	r.bar.Describe(fmt.Sprintf("loss %.4g (mean %.4g), %.1f samples/s%s", l, mean, rate, left))
	r.bar.Add(1)
}

// evaluating ends the report of the epoch's steps: the test loss is being computed.
func (r *reporter) evaluating() {
	if r == nil || r.w == nil {
		return
	}
	r.bar.Done()
}

// clear erases the bar on a terminal, so that a log line can be printed.
func (r *reporter) clear() {
	if r == nil || r.w == nil {
		return
	}
	r.bar.Clear()
}
