package loader

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gopjrt/dtypes"
)

// fake is a Source whose example i has input value i, target value -i and i%20+1 sources,
// on a 3x3 lattice. It counts Fill calls and can fail on one index.
type fake struct {
	n, length int
	failAt    int // index whose Fill fails (-1: none)
	calls     atomic.Int64
	gate      chan struct{} // if not nil, each Fill waits for a token
}

func newFake(length int) *fake { return &fake{n: 3, length: length, failAt: -1} }

func (f *fake) N() int   { return f.n }
func (f *fake) Len() int { return f.length }
func (f *fake) Fill(indices []int, inputs, targets []float32, nsources []int32) error {
	if f.gate != nil {
		<-f.gate
	}
	f.calls.Add(1)
	nn := f.n * f.n
	for j, i := range indices {
		if i == f.failAt {
			return fmt.Errorf("fake: configuration %d is broken", i)
		}
		for c := range nn {
			inputs[j*nn+c], targets[j*nn+c] = float32(i), -float32(i)
		}
		nsources[j] = int32(i%20 + 1)
	}
	return nil
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func mustNew(t *testing.T, src Source, idx []int, opt Options) *Loader {
	t.Helper()
	l, err := New(src, idx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// epoch reads one epoch and returns its batches' indices, checking each batch's contents.
func epoch(t *testing.T, l *Loader) [][]int {
	t.Helper()
	var out [][]int
	for {
		b, err := l.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		for j, i := range b.Indices {
			if b.Input(j)[0] != float32(i) || b.Target(j)[8] != -float32(i) || b.NSources[j] != int32(i%20+1) {
				t.Fatalf("batch example %d (configuration %d) has the wrong contents", j, i)
			}
		}
		out = append(out, b.Indices)
	}
}

func TestBatchingAndOrder(t *testing.T) {
	idx := []int{5, 9, 2, 7, 11, 3, 8}
	for _, tc := range []struct {
		name  string
		opt   Options
		sizes []int
	}{
		{"remainder kept", Options{BatchSize: 3}, []int{3, 3, 1}},
		{"remainder dropped", Options{BatchSize: 3, DropRemainder: true}, []int{3, 3}},
		{"one batch", Options{BatchSize: 7}, []int{7}},
		{"prefetch 1", Options{BatchSize: 2, Prefetch: 1}, []int{2, 2, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := mustNew(t, newFake(20), idx, tc.opt)
			got := epoch(t, l)
			var sizes []int
			var flat []int
			for _, b := range got {
				sizes = append(sizes, len(b))
				flat = append(flat, b...)
			}
			if !slices.Equal(sizes, tc.sizes) || l.BatchesPerEpoch() != len(tc.sizes) {
				t.Errorf("batch sizes %v (BatchesPerEpoch %d), want %v", sizes, l.BatchesPerEpoch(), tc.sizes)
			}
			if !slices.Equal(flat, idx[:len(flat)]) || l.Len() != len(flat) {
				t.Errorf("unshuffled order %v (Len %d), want the list's %v", flat, l.Len(), idx)
			}
			if _, err := l.Next(); err != io.EOF {
				t.Errorf("after the epoch: %v, want io.EOF again", err)
			}
			l.Reset()
			if again := epoch(t, l); !slices.EqualFunc(again, got, slices.Equal) {
				t.Errorf("second epoch without shuffling: %v, want %v", again, got)
			}
		})
	}
}

func TestShuffling(t *testing.T) {
	idx := seq(50)
	opt := Options{BatchSize: 8, Shuffle: true, Seed: 42}
	l := mustNew(t, newFake(50), idx, opt)
	var orders [][]int
	for e := range 3 {
		if l.Epoch() != e {
			t.Fatalf("Epoch() = %d, want %d", l.Epoch(), e)
		}
		orders = append(orders, slices.Concat(epoch(t, l)...))
		l.Reset()
	}
	for e, o := range orders {
		if s := slices.Sorted(slices.Values(o)); !slices.Equal(s, idx) {
			t.Fatalf("epoch %d does not visit every configuration once: %v", e, o)
		}
		if slices.Equal(o, idx) {
			t.Errorf("epoch %d is not shuffled", e)
		}
		if !slices.Equal(o, l.Order(e)) {
			t.Errorf("epoch %d: order differs from Order(%d)", e, e)
		}
	}
	if slices.Equal(orders[0], orders[1]) || slices.Equal(orders[1], orders[2]) {
		t.Error("two epochs have the same order")
	}
	// The same seed gives the same orders, SetEpoch included; another seed others.
	l2 := mustNew(t, newFake(50), idx, opt)
	l2.SetEpoch(2)
	if got := slices.Concat(epoch(t, l2)...); !slices.Equal(got, orders[2]) {
		t.Error("SetEpoch(2) with the same seed gives another order")
	}
	opt.Seed = 43
	l3 := mustNew(t, newFake(50), idx, opt)
	if slices.Equal(l3.Order(0), orders[0]) {
		t.Error("seeds 42 and 43 give the same order")
	}
	// The first positions of epoch 0 for seed 42 are fixed forever (the stream is ours, not
	// math/rand's): a change here changes every training run.
	if got, want := l.Order(0)[:8], []int{41, 45, 11, 3, 49, 6, 24, 32}; !slices.Equal(got, want) {
		t.Errorf("Order(0)[:8] = %v, want %v", got, want)
	}
}

func TestLoopMode(t *testing.T) {
	l := mustNew(t, newFake(10), seq(10), Options{BatchSize: 4, Shuffle: true, Seed: 1, Loop: true})
	var epochs []int
	seen := map[int]int{}
	for range 9 { // 3 batches per epoch (4, 4, 2): three epochs
		b, err := l.Next()
		if err != nil {
			t.Fatal(err)
		}
		epochs = append(epochs, b.Epoch)
		for _, i := range b.Indices {
			seen[i]++
		}
	}
	if want := []int{0, 0, 0, 1, 1, 1, 2, 2, 2}; !slices.Equal(epochs, want) {
		t.Errorf("epochs of the batches %v, want %v", epochs, want)
	}
	for i := range 10 {
		if seen[i] != 3 {
			t.Errorf("configuration %d seen %d times in 3 epochs", i, seen[i])
		}
	}
	if l.Epoch() != 2 {
		t.Errorf("Epoch() = %d, want 2", l.Epoch())
	}
}

func TestYieldShapes(t *testing.T) {
	for _, tc := range []struct {
		place           Placement
		inputs, outputs int
	}{{NSourcesLabel, 1, 2}, {NSourcesInput, 2, 1}, {NSourcesNone, 1, 1}} {
		l := mustNew(t, newFake(10), seq(10), Options{BatchSize: 4, NSources: tc.place})
		spec, inputs, labels, err := l.Yield()
		if err != nil {
			t.Fatal(err)
		}
		if spec != nil || len(inputs) != tc.inputs || len(labels) != tc.outputs {
			t.Fatalf("placement %d: spec %v, %d inputs, %d labels", tc.place, spec, len(inputs), len(labels))
		}
		check := func(x *tensors.Tensor, dt dtypes.DType, dims ...int) {
			t.Helper()
			if x.DType() != dt || !slices.Equal(x.Shape().Dimensions, dims) {
				t.Errorf("tensor %s, want %s %v", x.Shape(), dt, dims)
			}
		}
		check(inputs[0], dtypes.Float32, 4, 3, 3, 1)
		check(labels[0], dtypes.Float32, 4, 3, 3, 1)
		var ns *tensors.Tensor
		switch tc.place {
		case NSourcesLabel:
			ns = labels[1]
		case NSourcesInput:
			ns = inputs[1]
		}
		if ns != nil {
			check(ns, dtypes.Int32, 4)
			if got := tensors.MustCopyFlatData[int32](ns); !slices.Equal(got, []int32{1, 2, 3, 4}) {
				t.Errorf("nsources %v", got)
			}
		}
		if got := tensors.MustCopyFlatData[float32](labels[0]); got[9] != -1 || got[35] != -3 {
			t.Errorf("targets %v", got)
		}
		for _, x := range slices.Concat(inputs, labels) {
			x.FinalizeAll()
		}
	}
}

func TestErrors(t *testing.T) {
	src := newFake(10)
	for _, tc := range []struct {
		src Source
		idx []int
		opt Options
	}{
		{nil, seq(3), Options{BatchSize: 1}},
		{src, seq(3), Options{}},
		{src, nil, Options{BatchSize: 1}},
		{src, []int{0, 10}, Options{BatchSize: 1}},
		{src, []int{-1}, Options{BatchSize: 1}},
		{src, seq(3), Options{BatchSize: 4, DropRemainder: true}},
		{src, seq(3), Options{BatchSize: 1, Prefetch: -1}},
		{src, seq(3), Options{BatchSize: 1, NSources: 7}},
	} {
		if _, err := New(tc.src, tc.idx, tc.opt); err == nil {
			t.Errorf("New(%v, %+v): want an error", tc.idx, tc.opt)
		}
	}
	// A failing source: the error comes out of Next (and Yield) until Reset.
	src.failAt = 6
	l := mustNew(t, src, seq(10), Options{BatchSize: 3, Name: "test"})
	for range 2 {
		if _, err := l.Next(); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, _, _, err := l.Yield(); err == nil || err == io.EOF {
			t.Fatalf("batch with the broken configuration: %v", err)
		}
	}
	src.failAt = -1
	l.Reset()
	if got := epoch(t, l); len(got) != 4 {
		t.Errorf("after Reset: %d batches", len(got))
	}
	l.Close()
	if _, err := l.Next(); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
}

// goroutines waits for the number of goroutines to come down to want (they exit
// asynchronously) and returns it.
func goroutines(want int) int {
	n := runtime.NumGoroutine()
	for range 200 {
		if n <= want {
			break
		}
		time.Sleep(5 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func TestPrefetchAndShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	src := newFake(100)
	l, err := New(src, seq(100), Options{BatchSize: 2, Prefetch: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Next(); err != nil {
		t.Fatal(err)
	}
	// The producer prepares Prefetch batches ahead, and no more.
	deadline := time.Now().Add(5 * time.Second)
	for src.calls.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if c := src.calls.Load(); c != 4 {
		t.Errorf("%d batches read after taking one with Prefetch 3, want 4", c)
	}
	// Reset in the middle of an epoch, Close while the producer waits to send: no goroutine
	// is left behind.
	l.Reset()
	if _, err := l.Next(); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if n := goroutines(before); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
	// Close while the source is busy in Fill: Close waits for it to return.
	gated := newFake(10)
	gated.gate = make(chan struct{})
	l, _ = New(gated, seq(10), Options{BatchSize: 1})
	var wg sync.WaitGroup
	wg.Go(func() { l.Next() })
	gated.gate <- struct{}{} // first batch
	wg.Wait()
	closed := make(chan struct{})
	go func() { l.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while the source was still filling a batch")
	case <-time.After(20 * time.Millisecond):
	}
	gated.gate <- struct{}{}
	<-closed
	if n := goroutines(before); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

func TestTransform(t *testing.T) {
	l := mustNew(t, newFake(4), seq(4), Options{BatchSize: 2, Transform: func(b *Batch) error {
		for i := range b.Targets {
			b.Targets[i] *= 2
		}
		if b.Indices[0] == 2 {
			return errors.New("no")
		}
		return nil
	}})
	b, err := l.Next()
	if err != nil || b.Targets[9] != -2 {
		t.Fatalf("transformed batch: %v, %v", b, err)
	}
	if _, err := l.Next(); err == nil || err == io.EOF {
		t.Fatalf("transform error: %v", err)
	}
}
