//go:build xla

package loss

// Built with -tags xla, the tests can run on XLA: SURROGO_TEST_BACKEND=stablehlo:cuda.
import _ "github.com/gomlx/gomlx/backends/stablehlo"
