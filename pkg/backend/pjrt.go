//go:build cgo && !nopjrt

package backend

// Unless built with the tag "nopjrt" (or without cgo), the program links GoMLX's XLA backend (through PJRT plugins, cgo), registered as
// "stablehlo" and its aliases "xla", "hlo" and "shlo".
import _ "github.com/gomlx/gomlx/backends/stablehlo"

func init() { pjrtCompiledIn = true }
