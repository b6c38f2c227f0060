package nn

import (
	"fmt"
	"os"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// DefaultConfig is the backend configuration NewBackend uses when $GOMLX_BACKEND is unset: GoMLX's
// pure-Go backend with its operations executed one at a time ("ops_sequential"; each operation still
// uses all cores internally). In GoMLX v0.25 the pure-Go backend's default mode, which also runs
// independent operations concurrently, can deadlock when several matrix products become ready at
// once (each waits for a worker that the others hold); the hand-written backward passes of this
// package produce exactly such graphs.
const DefaultConfig = simplego.BackendName + ":ops_sequential"

// NewBackend returns the backend configured by $GOMLX_BACKEND (see backends.New), or [DefaultConfig]
// when the variable is unset or empty. Only backends registered in the binary can be chosen: this
// package registers the pure-Go one; importing another backend package (for example
// github.com/gomlx/gomlx/backends/stablehlo) makes it available too. With $GOMLX_BACKEND=go prefer
// "go:ops_sequential" (see DefaultConfig).
func NewBackend() (b backends.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("nn: creating backend from %s=%q: %v", backends.ConfigEnvVar,
				os.Getenv(backends.ConfigEnvVar), r)
		}
	}()
	if os.Getenv(backends.ConfigEnvVar) == "" {
		return backends.NewWithConfig(DefaultConfig)
	}
	b, err = backends.New()
	if err != nil {
		return nil, fmt.Errorf("nn: creating backend from %s=%q: %w", backends.ConfigEnvVar,
			os.Getenv(backends.ConfigEnvVar), err)
	}
	return b, nil
}

// BackendName describes a backend for provenance records: its name and description.
func BackendName(b backends.Backend) string {
	if b == nil {
		return ""
	}
	return fmt.Sprintf("%s (%s)", b.Name(), b.Description())
}
