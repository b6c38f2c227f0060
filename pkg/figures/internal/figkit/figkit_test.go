package figkit

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/surrogo/surrogo/pkg/scale"
)

func TestTableValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		table Table
		want  string // substring of the error; "" for none
	}{
		{"ok", Table{Columns: []string{"a", "b"}, Rows: [][]string{{"1", "2"}}}, ""},
		{"grouped", Table{Groups: []Group{{"x", 1}, {"y", 1}}, Columns: []string{"a", "b"}, Rows: [][]string{{"1", "2"}}}, ""},
		{"no columns", Table{Rows: [][]string{{"1"}}}, "no columns"},
		{"no rows", Table{Title: "t", Columns: []string{"a"}}, "no rows"},
		{"ragged", Table{Columns: []string{"a", "b"}, Rows: [][]string{{"1", "2"}, {"3"}}}, "row 1 has 1 cells, want 2"},
		{"bad span", Table{Groups: []Group{{"x", 0}, {"y", 2}}, Columns: []string{"a", "b"}, Rows: [][]string{{"1", "2"}}}, "spans 0"},
		{"spans", Table{Groups: []Group{{"x", 1}}, Columns: []string{"a", "b"}, Rows: [][]string{{"1", "2"}}}, "groups span 1 columns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.table.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestTableMarkdown(t *testing.T) {
	plain := Table{Columns: []string{"name", "value"}, Rows: [][]string{{"a|b", "1"}, {"c", "2"}}, Notes: []string{"A note."}}
	want := "| name | value |\n| --- | --- |\n| a\\|b | 1 |\n| c | 2 |\n\nA note.\n"
	if got := plain.Markdown(); got != want {
		t.Errorf("plain table:\n%s\nwant\n%s", got, want)
	}
	grouped := Table{
		Groups:  []Group{{"Left", 1}, {"Right", 2}},
		Columns: []string{"l", "r1", "r2"},
		Rows:    [][]string{{"x", "y", "z"}, {"", "u", "v"}, {"w", "", ""}},
	}
	want = "**Left**\n\n| l |\n| --- |\n| x |\n| w |\n\n**Right**\n\n| r1 | r2 |\n| --- | --- |\n| y | z |\n| u | v |\n"
	if got := grouped.Markdown(); got != want {
		t.Errorf("grouped table:\n%s\nwant\n%s", got, want)
	}
}

func TestTableFigure(t *testing.T) {
	small := Table{Title: "small", Columns: []string{"a"}, Rows: [][]string{{"1"}}}
	wide := Table{Title: "wide", Groups: []Group{{"g", 2}}, Columns: []string{"a", "a much longer column header"},
		Rows: [][]string{{"1", "2"}, {"3", "4"}, {"5", "6"}}, Notes: []string{strings.Repeat("words ", 80)}}
	var widths, heights []float64
	for _, tb := range []Table{small, wide} {
		fig, err := tb.Figure("stamp")
		if err != nil {
			t.Fatal(err)
		}
		data, err := fig.Render("png")
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", tb.Title, err)
		}
		widths = append(widths, float64(img.Bounds().Dx()))
		heights = append(heights, float64(img.Bounds().Dy()))
	}
	if widths[1] <= widths[0] || heights[1] <= heights[0] {
		t.Errorf("the larger table should give the larger figure: %v x %v", widths, heights)
	}
	if _, err := (&Table{}).Figure(""); err == nil {
		t.Error("an empty table should not render")
	}
}

func TestParallel(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 2}, {1, 4}, {7, 3}, {1000, 0}, {1000, 5}} {
		seen := make([]atomic.Int32, tc.n)
		var mu sync.Mutex
		var reports []int
		err := Parallel(context.Background(), tc.n, tc.workers, func(w, i int) error {
			if tc.workers > 0 && (w < 0 || w >= tc.workers) {
				t.Errorf("worker %d out of range", w)
			}
			seen[i].Add(1)
			return nil
		}, func(done, total int, _ time.Duration) {
			mu.Lock()
			reports = append(reports, done)
			mu.Unlock()
			if total != tc.n {
				t.Errorf("progress total %d, want %d", total, tc.n)
			}
		})
		if err != nil {
			t.Fatalf("n=%d: %v", tc.n, err)
		}
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Fatalf("n=%d: item %d ran %d times", tc.n, i, c)
			}
		}
		if tc.n > 0 {
			if len(reports) == 0 || reports[len(reports)-1] != tc.n || len(reports) > 10 {
				t.Errorf("n=%d: progress reports %v, want at most 10 ending at n", tc.n, reports)
			}
			for i := 1; i < len(reports); i++ {
				if reports[i] <= reports[i-1] {
					t.Errorf("n=%d: progress reports not increasing: %v", tc.n, reports)
				}
			}
		}
	}
}

func TestParallelErrors(t *testing.T) {
	boom := errors.New("boom")
	var ran atomic.Int64
	err := Parallel(context.Background(), 10000, 2, func(_, i int) error {
		ran.Add(1)
		if i == 17 {
			return boom
		}
		if i > 17 {
			time.Sleep(20 * time.Microsecond) // Work that takes time: the error must stop it.
		}
		return nil
	}, nil)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "item 17") {
		t.Errorf("error %v, want boom at item 17", err)
	}
	if ran.Load() == 10000 {
		t.Error("items kept running after the error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Parallel(ctx, 10, 2, func(int, int) error { return nil }, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v", err)
	}
	if err := Parallel(context.Background(), -1, 2, func(int, int) error { return nil }, nil); err == nil {
		t.Error("negative n: want an error")
	}
}

func TestStamp(t *testing.T) {
	for _, tc := range []struct {
		s     scale.Scale
		paper string
		same  bool
		want  string
	}{
		{scale.CPU, "512×512", false, "surrogo · scale: cpu (reduced; paper: 512×512)"},
		{scale.Paper, "512×512", false, "surrogo · scale: paper"},
		{scale.Smoke, "", true, "surrogo · scale: smoke (same computation as at paper scale)"},
		{scale.Paper, "", true, "surrogo · scale: paper"},
	} {
		if got := Stamp(tc.s, tc.paper, tc.same); got != tc.want {
			t.Errorf("Stamp(%s, %q, %v) = %q, want %q", tc.s, tc.paper, tc.same, got, tc.want)
		}
	}
}
