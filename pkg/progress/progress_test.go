package progress

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLogLines(t *testing.T) {
	var buf bytes.Buffer
	no := false
	r := New(&buf, "gen", 100, Options{Unit: "solves", Interval: 50 * time.Millisecond, Terminal: &no})
	r.Add(10) // before the interval: silent
	if buf.Len() != 0 {
		t.Fatalf("printed before the interval: %q", buf.String())
	}
	time.Sleep(60 * time.Millisecond)
	r.Add(10)
	line := regexp.MustCompile(`^gen: 20/100 solves \(20\.0%\), [0-9.e+]+ solves/s, ETA [0-9.]+m?s\n$`)
	if !line.MatchString(buf.String()) {
		t.Fatalf("log line %q", buf.String())
	}
	r.Describe("loss 0.5")
	r.Done()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 || !regexp.MustCompile(`^gen loss 0\.5: 20/100 solves \(20\.0%\), .* solves/s, [0-9.]+m?s elapsed$`).MatchString(lines[1]) {
		t.Fatalf("lines %q", lines)
	}
	r.Done()
	r.Add(1)
	if strings.Count(buf.String(), "\n") != 2 || r.Count() != 21 {
		t.Errorf("Done twice or Add after Done printed: %q (count %d)", buf.String(), r.Count())
	}
}

func TestInitialAndUnknownTotal(t *testing.T) {
	var buf bytes.Buffer
	no := false
	r := New(&buf, "gen", 100, Options{Initial: 60, Terminal: &no})
	if got := r.line(r.start, false); got != "gen: 60/100 items (60.0%), ETA unknown" {
		t.Errorf("line before any progress: %q", got)
	}
	r.count = 80 // 20 new items in 2 s: 10/s, 20 left: 2 s
	if got, want := r.line(r.start.Add(2*time.Second), false), "gen: 80/100 items (80.0%), 10 items/s, ETA 2s"; got != want {
		t.Errorf("resumed: got %q, want %q", got, want)
	}
	r = New(&buf, "gen", 0, Options{Unit: "batches", Terminal: &no})
	r.count = 3
	if got, want := r.line(r.start.Add(time.Second), false), "gen: 3 batches, 3 batches/s"; got != want {
		t.Errorf("unknown total: got %q, want %q", got, want)
	}
}

// TestTerminal checks that a terminal gets progressbar's bar, redrawn in place with carriage
// returns, and one newline at the end.
func TestTerminal(t *testing.T) {
	var buf bytes.Buffer
	yes := true
	r := New(&buf, "gen", 10, Options{Unit: "solves", Initial: 2, Interval: time.Nanosecond, Terminal: &yes})
	for range 8 {
		r.Add(1)
	}
	r.Done()
	out := buf.String()
	if strings.Count(out, "\r") < 8 || strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("terminal output %q", out)
	}
	last := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\r")+1:]
	for _, want := range []string{"gen (2 done before)", "100%", "(8/8, ", "solves/s"} {
		if !strings.Contains(last, want) {
			t.Errorf("last bar %q lacks %q", last, want)
		}
	}
	// Stopped short: the bar stays and the line ends.
	buf.Reset()
	r = New(&buf, "gen", 10, Options{Terminal: &yes})
	r.Add(3)
	r.Done()
	if out := buf.String(); !strings.HasSuffix(out, "\n") || !strings.Contains(out, "3/10") {
		t.Errorf("stopped bar %q", out)
	}
}

func TestConcurrentAdd(t *testing.T) {
	for _, term := range []bool{false, true} {
		var buf bytes.Buffer
		r := New(&buf, "x", 8000, Options{Interval: time.Nanosecond, Terminal: &term})
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
			if !term && !strings.HasPrefix(l, "x: ") {
				t.Fatalf("interleaved output line %q", l)
			}
		}
	}
}

func TestNilReporter(t *testing.T) {
	var r *Reporter
	r.Add(1)
	r.Describe("x")
	r.Clear()
	r.Done()
	if r.Count() != 0 {
		t.Error("a nil Reporter must do nothing")
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"}, {850 * time.Millisecond, "850ms"}, {42 * time.Second, "42s"},
		{187 * time.Second, "3m7s"}, {2*time.Hour + 5*time.Minute + 400*time.Millisecond, "2h5m0s"},
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
