//go:build cgo && !nopjrt

package batchsolve

// The tests and benchmarks link GoMLX's XLA backend (PJRT plugins, cgo), so that the same test
// binary runs on CUDA with GOMLX_BACKEND=stablehlo:cuda. Build with the tag nopjrt to leave it out.
import _ "github.com/gomlx/gomlx/backends/stablehlo"
