// Package progress reports the progress of a long computation (data generation, training,
// figures) as a count out of a total, with the rate and the estimated time left.
//
// On a terminal the report is one line rewritten in place (with a carriage return) a few times
// a second; on anything else (a log file, a pipe, a CI log) it is a new line every few
// seconds, so logs stay short. A Reporter is safe for concurrent use: workers call Add as they
// finish items, and the Reporter decides when to print.
//
//	r := progress.New(os.Stderr, "solve", 1000, progress.Options{Unit: "solves"})
//	for range 1000 {
//		work()
//		r.Add(1)
//	}
//	r.Done() // the final line: count, average rate and elapsed time
//
// The rate is the average since New over the items counted after New (Options.Initial, the
// items already done when a computation resumes, count toward the total but not the rate).
// All methods of a nil *Reporter do nothing, so a caller can leave progress reporting out.
package progress

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"
)

// Default intervals between two reports.
const (
	DefaultTerminalInterval = 200 * time.Millisecond // on a terminal (line rewritten in place)
	DefaultLogInterval      = 5 * time.Second        // elsewhere (one new line each time)
)

// Options configures a Reporter. The zero value selects the defaults.
type Options struct {
	// Unit names what is counted, e.g. "solves" or "batches" (default "items"). The rate is
	// reported in Unit per second.
	Unit string
	// Initial is the count already done when the Reporter starts (a resumed computation): it
	// counts toward the total but not toward the rate.
	Initial int64
	// Interval is the least time between two reports (default DefaultTerminalInterval on a
	// terminal and DefaultLogInterval elsewhere).
	Interval time.Duration
	// Terminal says whether the writer is a terminal. Nil detects it: the writer is a terminal
	// when it is an *os.File on a character device.
	Terminal *bool
}

// Reporter prints the progress of one computation to a writer. Create it with New.
type Reporter struct {
	w        io.Writer
	label    string
	unit     string
	total    int64
	initial  int64
	interval time.Duration
	terminal bool
	now      func() time.Time // the clock (tests replace it)

	mu       sync.Mutex
	count    int64
	start    time.Time
	last     time.Time // time of the last report
	lastLen  int       // length of the last line written on a terminal
	finished bool
}

// New returns a Reporter that writes the progress of label toward total items to w. A total
// of 0 or less means unknown: the report then has no percentage and no estimated time left.
func New(w io.Writer, label string, total int64, opt Options) *Reporter {
	return newReporter(w, label, total, opt, time.Now)
}

func newReporter(w io.Writer, label string, total int64, opt Options, now func() time.Time) *Reporter {
	r := &Reporter{w: w, label: label, unit: opt.Unit, total: total, initial: opt.Initial, now: now}
	if r.unit == "" {
		r.unit = "items"
	}
	if opt.Terminal != nil {
		r.terminal = *opt.Terminal
	} else {
		r.terminal = IsTerminal(w)
	}
	r.interval = opt.Interval
	if r.interval <= 0 {
		r.interval = DefaultLogInterval
		if r.terminal {
			r.interval = DefaultTerminalInterval
		}
	}
	r.count = opt.Initial
	r.start = now()
	r.last = r.start
	return r
}

// IsTerminal reports whether w is an *os.File open on a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Add counts n more items done and prints a report if the interval has passed since the last.
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
	if t := r.now(); t.Sub(r.last) >= r.interval {
		r.last = t
		r.print(t, false)
	}
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

// Rate returns the average number of items per second since New, counting only the items
// added after New (0 before any time has passed).
func (r *Reporter) Rate() float64 {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rate(r.now())
}

func (r *Reporter) rate(t time.Time) float64 {
	el := t.Sub(r.start).Seconds()
	if el <= 0 {
		return 0
	}
	return float64(r.count-r.initial) / el
}

// Done prints the final report (count, average rate and elapsed time) and ends the line on a
// terminal. Later calls of Add count but print nothing, and later calls of Done do nothing.
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
	r.print(r.now(), true)
}

// Line returns the text of a report at this moment, without printing it.
func (r *Reporter) Line() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.line(r.now(), false)
}

// print writes a report; r.mu is held.
func (r *Reporter) print(t time.Time, final bool) {
	s := r.line(t, final)
	if r.terminal {
		pad := ""
		if n := r.lastLen - len(s); n > 0 {
			pad = strings.Repeat(" ", n) // blank out the rest of a longer previous line
		}
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(r.w, "\r%s%s%s", s, pad, end)
		r.lastLen = len(s)
		return
	}
	fmt.Fprintln(r.w, s)
}

// line formats a report; r.mu is held.
func (r *Reporter) line(t time.Time, final bool) string {
	var b strings.Builder
	if r.label != "" {
		b.WriteString(r.label)
		b.WriteString(": ")
	}
	if r.total > 0 {
		fmt.Fprintf(&b, "%d/%d %s (%.1f%%)", r.count, r.total, r.unit, 100*float64(r.count)/float64(r.total))
	} else {
		fmt.Fprintf(&b, "%d %s", r.count, r.unit)
	}
	rate := r.rate(t)
	el := t.Sub(r.start)
	if rate > 0 {
		fmt.Fprintf(&b, ", %s %s/s", formatRate(rate), r.unit)
	}
	switch {
	case final:
		fmt.Fprintf(&b, ", %s elapsed", FormatDuration(el))
	case r.total > 0 && rate > 0 && r.count < r.total:
		left := time.Duration(float64(r.total-r.count) / rate * float64(time.Second))
		fmt.Fprintf(&b, ", ETA %s", FormatDuration(left))
	case r.total > 0 && r.count < r.total:
		b.WriteString(", ETA unknown")
	}
	return b.String()
}

// formatRate prints a rate with three significant digits (no exponent for usual values).
func formatRate(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	case x >= 1:
		return fmt.Sprintf("%.2f", x)
	}
	return fmt.Sprintf("%.3g", x)
}

// FormatDuration writes d compactly for a progress line: "850ms", "42s", "3m07s", "2h05m",
// "3d04h".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	s := int64(math.Round(d.Seconds()))
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}
