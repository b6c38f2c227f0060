package progress

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a manual clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTest(buf *bytes.Buffer, total int64, terminal bool, opt Options) (*Reporter, *clock) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	opt.Terminal = &terminal
	return newReporter(buf, "gen", total, opt, c.now), c
}

func TestLogLines(t *testing.T) {
	var buf bytes.Buffer
	r, c := newTest(&buf, 100, false, Options{Unit: "solves"})
	c.advance(time.Second)
	r.Add(10) // 1 s < 5 s: silent
	if buf.Len() != 0 {
		t.Fatalf("printed before the interval: %q", buf.String())
	}
	c.advance(4 * time.Second)
	r.Add(10) // 5 s: 20 solves at 4/s, 80 left: 20 s
	want := "gen: 20/100 solves (20.0%), 4.00 solves/s, ETA 20s\n"
	if got := buf.String(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	c.advance(time.Second)
	r.Add(5) // 1 s after the last report: silent
	c.advance(15 * time.Second)
	r.Done()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 || lines[1] != "gen: 25/100 solves (25.0%), 1.19 solves/s, 21s elapsed" {
		t.Fatalf("lines %q", lines)
	}
	r.Done()
	r.Add(1)
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Errorf("Done twice or Add after Done printed: %q", buf.String())
	}
	if r.Count() != 26 {
		t.Errorf("Count = %d, want 26", r.Count())
	}
}

func TestTerminalRewritesInPlace(t *testing.T) {
	var buf bytes.Buffer
	r, c := newTest(&buf, 1000, true, Options{Unit: "solves"})
	c.advance(time.Second)
	r.Add(500)
	c.advance(time.Second)
	r.Add(1)
	out := buf.String()
	if strings.Contains(out, "\n") || strings.Count(out, "\r") != 2 {
		t.Fatalf("terminal output %q: want two \\r-prefixed reports and no newline", out)
	}
	c.advance(time.Second)
	r.Done()
	out = buf.String()
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("Done on a terminal: %q", out)
	}
	// A shorter line blanks out the rest of a longer previous one.
	buf.Reset()
	r, c = newTest(&buf, 0, true, Options{})
	r.lastLen = 80
	c.advance(time.Second)
	r.Add(1)
	if got := buf.String(); len(got) != 81 || !strings.HasPrefix(got, "\rgen: 1 items, 1.00 items/s") {
		t.Errorf("padded line %q (length %d, want 81)", got, len(got))
	}
}

func TestInitialAndUnknownTotal(t *testing.T) {
	var buf bytes.Buffer
	r, c := newTest(&buf, 100, false, Options{Initial: 60, Interval: time.Second})
	if r.Line() != "gen: 60/100 items (60.0%), ETA unknown" {
		t.Errorf("line before any progress: %q", r.Line())
	}
	c.advance(2 * time.Second)
	r.Add(20) // 20 new items in 2 s: 10/s, 20 left: 2 s
	if got, want := buf.String(), "gen: 80/100 items (80.0%), 10.0 items/s, ETA 2s\n"; got != want {
		t.Errorf("resumed: got %q, want %q", got, want)
	}
	if r.Rate() != 10 {
		t.Errorf("Rate = %g, want 10", r.Rate())
	}
	buf.Reset()
	r, c = newTest(&buf, 0, false, Options{Unit: "batches", Interval: time.Second})
	c.advance(time.Second)
	r.Add(3)
	if got, want := buf.String(), "gen: 3 batches, 3.00 batches/s\n"; got != want {
		t.Errorf("unknown total: got %q, want %q", got, want)
	}
}

func TestConcurrentAdd(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "x", 8000, Options{Interval: time.Nanosecond})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				r.Add(1)
			}
		})
	}
	wg.Wait()
	r.Done()
	if r.Count() != 8000 {
		t.Fatalf("Count = %d, want 8000", r.Count())
	}
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if !strings.HasPrefix(l, "x: ") {
			t.Fatalf("interleaved output line %q", l)
		}
	}
}

func TestNilReporter(t *testing.T) {
	var r *Reporter
	r.Add(1)
	r.Done()
	if r.Count() != 0 || r.Rate() != 0 || r.Line() != "" {
		t.Error("a nil Reporter must do nothing")
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0ms"}, {850 * time.Millisecond, "850ms"}, {42 * time.Second, "42s"},
		{187 * time.Second, "3m07s"}, {2*time.Hour + 5*time.Minute, "2h05m"}, {76 * time.Hour, "3d04h"},
	} {
		if got := FormatDuration(tc.d); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is not a terminal")
	}
}
