package rng

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestStreamKey(t *testing.T) {
	// The key is SHA-256 of the documented byte string.
	var msg []byte
	msg = append(msg, "dom\x00lab\x00"...)
	msg = binary.LittleEndian.AppendUint64(msg, 7)
	msg = binary.LittleEndian.AppendUint64(msg, 1<<40)
	want := rand.NewChaCha8(sha256.Sum256(msg))
	got := Stream("dom", "lab", 7, 1<<40)
	for i := 0; i < 4; i++ {
		if g, w := got.Uint64(), want.Uint64(); g != w {
			t.Fatalf("output %d: %x, want %x", i, g, w)
		}
	}
}

func TestStreamsDiffer(t *testing.T) {
	first := func(r *rand.ChaCha8) uint64 { return r.Uint64() }
	base := first(Stream("d", "l", 1, 2))
	for name, r := range map[string]*rand.ChaCha8{
		"domain": Stream("e", "l", 1, 2), "label": Stream("d", "m", 1, 2),
		"ints": Stream("d", "l", 2, 1), "count": Stream("d", "l", 1, 2, 0),
	} {
		if first(r) == base {
			t.Errorf("changing the %s gives the same stream", name)
		}
	}
	if first(Stream("d", "l", 1, 2)) != base {
		t.Error("the same key gives another stream")
	}
}

func TestUintNUniform(t *testing.T) {
	r := Stream("test", "uintn")
	var counts [3]int
	const n = 30000
	for i := 0; i < n; i++ {
		counts[UintN(r, 3)]++
	}
	chi2 := 0.0
	for _, c := range counts {
		d := float64(c) - n/3.0
		chi2 += d * d / (n / 3.0)
	}
	if chi2 > 13.8 { // p = 0.001 with 2 degrees of freedom
		t.Errorf("counts %v: chi-square %.1f", counts, chi2)
	}
	for i := 0; i < 100; i++ {
		if UintN(r, 1) != 0 {
			t.Fatal("UintN(1) != 0")
		}
	}
}

func TestOpenClosed(t *testing.T) {
	if openClosed(0) != 0x1p-53 || openClosed(math.MaxUint64) != 1 || openClosed(1<<11-1) != 0x1p-53 {
		t.Error("openClosed does not map onto (0, 1]")
	}
	r := Stream("test", "unit")
	for i := 0; i < 10000; i++ {
		if u := OpenClosed(r); !(u > 0 && u <= 1) {
			t.Fatalf("OpenClosed = %v, outside (0, 1]", u)
		}
	}
}

func TestShuffleIsPermutation(t *testing.T) {
	x := make([]int, 100)
	for i := range x {
		x[i] = i
	}
	y := slices.Clone(x)
	Shuffle(Stream("test", "shuffle"), y)
	if slices.Equal(x, y) {
		t.Error("Shuffle left 100 elements in order")
	}
	slices.Sort(y)
	if !slices.Equal(x, y) {
		t.Error("Shuffle is not a permutation")
	}
}
