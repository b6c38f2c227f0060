// Package rng provides the project's reproducible random streams: a ChaCha8 generator keyed by
// a hash of a domain, a label and integers (a seed, an index, an epoch...), so that any stream
// can be recreated on its own, independently of the order or parallelism of the computation
// and of the Go release (only the generator's raw 64-bit output is used).
package rng

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
)

// Stream returns the ChaCha8 stream keyed by SHA-256(domain, 0, label, 0, ints...), each integer
// written as 8 bytes little-endian. Different domains (one per package and format version),
// labels or integers give independent streams.
func Stream(domain, label string, ints ...uint64) *rand.ChaCha8 {
	h := sha256.New()
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write([]byte(label))
	h.Write([]byte{0})
	var buf [8]byte
	for _, v := range ints {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	var key [32]byte
	h.Sum(key[:0])
	return rand.NewChaCha8(key)
}

// UintN returns a uniform integer in [0, n) from r without bias (Lemire's multiply-and-reject
// method). It panics if n is 0.
func UintN(r *rand.ChaCha8, n uint64) uint64 {
	if n == 0 {
		panic("rng.UintN: n == 0")
	}
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// OpenClosed returns a uniform float64 in (0, 1]: (u+1)/2^53 for the top 53 bits u of the
// next output, exactly representable.
func OpenClosed(r *rand.ChaCha8) float64 { return openClosed(r.Uint64()) }

func openClosed(x uint64) float64 { return float64(x>>11+1) * 0x1p-53 }

// Shuffle permutes x uniformly at random (Fisher-Yates, from the last element down).
func Shuffle(r *rand.ChaCha8, x []int) {
	for i := len(x) - 1; i > 0; i-- {
		j := int(UintN(r, uint64(i+1)))
		x[i], x[j] = x[j], x[i]
	}
}
