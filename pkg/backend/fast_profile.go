package backend

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fastProfiling enables the per-step timing of the fast backend's executions (SetFastProfiling).
var fastProfiling atomic.Bool

var (
	fastProfileMu sync.Mutex
	fastProfile   = map[string]*FastProfileEntry{}
)

// FastProfileEntry is the time the fast backend spent in one kind of step: a heavy op of some shape, or a
// light segment with a given mix of ops.
type FastProfileEntry struct {
	Label string        // e.g. "ConvGeneral f32[8 128 128 1] x f32[3 3 1 16]" or "light: Add×3 Mul×2"
	Calls int           // executions of such steps
	Time  time.Duration // total wall time
}

// SetFastProfiling turns on (or off) the timing of every step the fast backend executes, for
// diagnostics: FastProfileReport tells where a training step spends its time. It costs two clock reads
// per step.
func SetFastProfiling(on bool) {
	fastProfiling.Store(on)
	if on {
		fastProfileMu.Lock()
		clear(fastProfile)
		fastProfileMu.Unlock()
	}
}

// FastProfileReport returns the profile collected since SetFastProfiling(true), the most expensive steps
// first, at most top lines (top <= 0: all), with each one's share of the total.
func FastProfileReport(top int) string {
	fastProfileMu.Lock()
	entries := slices.Collect(maps.Values(fastProfile))
	fastProfileMu.Unlock()
	sort.Slice(entries, func(i, j int) bool { return entries[i].Time > entries[j].Time })
	var total time.Duration
	for _, e := range entries {
		total += e.Time
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "fast backend profile: %v in %d kinds of steps\n", total.Round(time.Millisecond), len(entries))
	for i, e := range entries {
		if top > 0 && i >= top {
			break
		}
		fmt.Fprintf(&sb, "%6.1f%% %10v %6d× %s\n", 100*float64(e.Time)/float64(max(total, 1)), e.Time.Round(time.Microsecond), e.Calls, e.Label)
	}
	return sb.String()
}

// stepLabel describes a step for the profile.
func stepLabel(st any) string {
	switch st := st.(type) {
	case *fastHeavy:
		parts := make([]string, len(st.inputs))
		for i, in := range st.inputs {
			parts[i] = in.shape.String()
		}
		return st.name + " " + strings.Join(parts, " x ")
	case *fastSegment:
		names := slices.Sorted(maps.Keys(st.ops))
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = fmt.Sprintf("%s×%d", n, st.ops[n])
		}
		return "light: " + strings.Join(parts, " ")
	}
	return "?"
}

// recordStep adds one step's time to the profile.
func recordStep(st any, d time.Duration) {
	label := stepLabel(st)
	fastProfileMu.Lock()
	e := fastProfile[label]
	if e == nil {
		e = &FastProfileEntry{Label: label}
		fastProfile[label] = e
	}
	e.Calls++
	e.Time += d
	fastProfileMu.Unlock()
}
