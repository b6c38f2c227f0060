//go:build stablehlo

package scinet

// Built with `go test -tags stablehlo`, the test binary also registers GoMLX's XLA backend, so the
// benchmarks can run on a GPU with GOMLX_BACKEND=stablehlo:cuda (see shared/gpu/pjrt-env.sh). The tag
// keeps the default build free of cgo and of the XLA backend's extra module requirements.
import _ "github.com/gomlx/gomlx/backends/stablehlo"
