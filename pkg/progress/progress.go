// Package progress reports the progress of a long computation (data generation, training,
// evaluation) as a count out of a total, with the rate and the estimated time left.
//
// On a terminal the report is github.com/schollz/progressbar/v3's bar, redrawn in place a few
// times a second. Anywhere else (a log file, a pipe, CI) a bar redrawn with carriage returns
// would fill the log, so the report is a plain line every few seconds instead, with the same
// count, rate and time left. A Reporter is safe for concurrent use.
//
//	r := progress.New(os.Stderr, "solve", 1000, progress.Options{Unit: "solves"})
//	for range 1000 {
//		work()
//		r.Add(1)
//	}
//	r.Done()
//
// All methods of a nil *Reporter do nothing.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// Default intervals between two reports.
const (
	DefaultTerminalInterval = 200 * time.Millisecond // on a terminal (the bar redrawn in place)
	DefaultLogInterval      = 5 * time.Second        // elsewhere (one new line each time)
)

// Options configures a Reporter. The zero value selects the defaults.
type Options struct {
	// Unit names what is counted, e.g. "solves" (default "items").
	Unit string
	// Initial is the count already done when the Reporter starts (a resumed computation): it
	// counts toward the total but not toward the rate.
	Initial int64
	// Interval is the least time between two reports (default DefaultTerminalInterval on a
	// terminal and DefaultLogInterval elsewhere).
	Interval time.Duration
	// Terminal says whether the writer is a terminal; nil detects it (IsTerminal).
	Terminal *bool
}

// Reporter prints the progress of one computation. Create it with New.
type Reporter struct {
	bar *progressbar.ProgressBar // on a terminal

	w        io.Writer
	label    string
	unit     string
	total    int64
	initial  int64
	interval time.Duration

	mu       sync.Mutex
	desc     string
	count    int64
	start    time.Time
	last     time.Time
	finished bool
}

// New returns a Reporter that writes the progress of label toward total items to w. A total
// of 0 or less means unknown: no percentage and no time left.
func New(w io.Writer, label string, total int64, opt Options) *Reporter {
	r := &Reporter{w: w, label: label, unit: opt.Unit, total: total, initial: opt.Initial,
		count: opt.Initial, interval: opt.Interval, start: time.Now()}
	r.last = r.start
	if r.unit == "" {
		r.unit = "items"
	}
	terminal := IsTerminal(w)
	if opt.Terminal != nil {
		terminal = *opt.Terminal
	}
	if r.interval <= 0 {
		r.interval = DefaultLogInterval
		if terminal {
			r.interval = DefaultTerminalInterval
		}
	}
	if terminal {
		// The bar counts the items of this session only, so that its rate and time left are
		// right when a computation resumes; the label says where it resumed.
		max := total - opt.Initial
		if total <= 0 {
			max = -1 // a spinner
		}
		if opt.Initial > 0 {
			label = fmt.Sprintf("%s (%d done before)", label, opt.Initial)
			r.label = label // for Describe
		}
		r.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionSetWidth(20),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(r.unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(r.interval),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		r.bar.StartWithoutRender()
	}
	return r
}

// IsTerminal reports whether w is an *os.File open on a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && f != nil && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Add counts n more items done and reports if the interval has passed since the last report.
func (r *Reporter) Add(n int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count += n
	if r.finished {
		return
	}
	if r.bar != nil {
		r.bar.Add64(n)
		return
	}
	if t := time.Now(); t.Sub(r.last) >= r.interval {
		r.last = t
		fmt.Fprintln(r.w, r.line(t, false))
	}
}

// Describe sets a text shown after the label in the next reports (a loss, a phase).
func (r *Reporter) Describe(s string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.desc = s
	if r.bar != nil {
		if s != "" {
			s = r.label + " " + s
		} else {
			s = r.label
		}
		r.bar.Describe(s)
	}
}

// Clear erases the bar from a terminal, so that a log line can be printed; the next report
// draws it again.
func (r *Reporter) Clear() {
	if r == nil || r.bar == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bar.Clear()
}

// Count returns the number of items done, Options.Initial included.
func (r *Reporter) Count() int64 {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Done prints the final report (count, rate and elapsed time). Later calls of Add count but
// print nothing; later calls of Done do nothing.
func (r *Reporter) Done() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return
	}
	r.finished = true
	if r.bar != nil {
		if r.total > 0 && r.count >= r.total {
			r.bar.Finish() // the full bar, the elapsed time and a newline
		} else {
			r.bar.Exit() // stopped short (an error, an unknown total): keep the bar, end the line
		}
		return
	}
	fmt.Fprintln(r.w, r.line(time.Now(), true))
}

// line formats a log line: "gen: 20/100 solves (20.0%), 4.00 solves/s, ETA 20s"; r.mu is held.
func (r *Reporter) line(t time.Time, final bool) string {
	s := r.label
	if r.desc != "" {
		s += " " + r.desc
	}
	if r.total > 0 {
		s += fmt.Sprintf(": %d/%d %s (%.1f%%)", r.count, r.total, r.unit, 100*float64(r.count)/float64(r.total))
	} else {
		s += fmt.Sprintf(": %d %s", r.count, r.unit)
	}
	el := t.Sub(r.start)
	rate := 0.0
	if el > 0 {
		rate = float64(r.count-r.initial) / el.Seconds()
	}
	if rate > 0 {
		s += fmt.Sprintf(", %.3g %s/s", rate, r.unit)
	}
	switch {
	case final:
		s += ", " + FormatDuration(el) + " elapsed"
	case r.total > 0 && r.count < r.total && rate > 0:
		s += ", ETA " + FormatDuration(time.Duration(float64(r.total-r.count)/rate*float64(time.Second)))
	case r.total > 0 && r.count < r.total:
		s += ", ETA unknown"
	}
	return s
}

// FormatDuration writes d rounded for a progress line: "850ms", "42s", "3m7s", "2h5m0s".
func FormatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
