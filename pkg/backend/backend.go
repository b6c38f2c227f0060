// Package backend selects the GoMLX backend surrogo computes on, and provides the project's CPU
// backends.
//
// # Selection
//
// New reads $GOMLX_BACKEND (GoMLX's own variable, format "name[:config]"):
//
//   - unset or empty, or "surrogo[:<options>]": the fast CPU backend (FastBackend: the project's own
//     GEMM and convolution kernels, AVX-512 or AVX2 assembly chosen at run time with a pure-Go
//     fallback; no C library, runs anywhere), the default;
//   - "goext[:<options>]": the extended pure-Go backend (Backend: GoMLX's SimpleGo plus the ops it
//     lacks), for comparisons;
//   - "go[:<options>]" or "simplego[:<options>]": GoMLX's unmodified SimpleGo backend, for comparisons
//     (it cannot train a CNN: it lacks the gradient of a convolution);
//   - "stablehlo:cuda", "xla:cuda", "stablehlo:cpu", ...: XLA through a PJRT plugin; when a CUDA backend
//     cannot start, the error says what is missing (see CUDAStatus); "stablehlo" alone takes the first
//     plugin found;
//   - anything else: an error naming the registered backends.
//
// Importing this package changes nothing in GoMLX's backend registry: GoMLX's "go" stays SimpleGo and
// its default stays its own. Register (called by New) adds the names "surrogo" (FastBackendName) and
// "goext" (ExtendedBackendName), so that GoMLX's own backends.NewWithConfig also finds them. The XLA
// backend ("stablehlo" and its aliases "xla", "hlo", "shlo") is linked in unless the program is built
// with the tag "nopjrt" or without cgo (PJRTAvailable).
//
// Options of the fast backend: "threads=N", "kernel=avx512|avx2|generic" (see NewFast), and those of the
// extended backend, which runs its other ops. Options of the extended backend, comma-separated:
// "conv=dot" (default) or "conv=direct" (SimpleGo's own convolution, slow); "ops_sequential" (default)
// or "ops_parallel"; and SimpleGo's other options ("parallelism=N", "dotgeneral_large", ...). Ops run
// sequentially by default, each DotGeneral using all cores: in SimpleGo v0.25 a DotGeneral running as
// one of several parallel ops waits for a free worker for its own parallel parts, and several of them at
// once can deadlock (seen with the four phase convolutions of a stride-2 transposed convolution).
//
// # The fast CPU backend
//
// FastBackend records the graph and runs matrix products and convolutions (forward and both
// gradients) with package gemm's packed, register-blocked kernels, reading the convolution's im2col
// matrix in place through offset tables; the ops between them run in segments on the extended
// backend, sharing its buffers without copies. See FastBackend and BENCHMARKS.md for its speed.
//
// # The extended pure-Go backend
//
// GoMLX v0.25's SimpleGo backend lacks Pad, Reverse, BatchNormForTraining/ForInference/Gradient,
// SelectAndScatterMax/Min and DynamicSlice/DynamicUpdateSlice, so the gradients of Slice, of sum/mean
// pooling, of max pooling and of convolutions fail, as does the stock batchnorm layer; and its direct
// ConvGeneral is ~10-30x slower than its matrix multiplication. Backend embeds SimpleGo, composes each
// missing op from ops SimpleGo executes natively (ExtendedOps lists them), and lowers every convolution
// (forward and both gradients) to DotGeneral over strided slices of the input (see Builder.ConvGeneral).
// Stock graph.Convolve, layers.Convolution, batchnorm, pooling and their gradients then work unchanged.
// It also computes ReduceSum(Mul(a, b)) of broadcast operands, which is how GoMLX v0.25 builds the
// gradients of Dot, DotGeneral and Einsum (dense layers), as one DotGeneral instead of materializing the
// product (see MulSumFusions): ~10x faster, and without the [batch, in, out]-sized intermediate.
//
// # GoMLX v0.25 caveats (all backends)
//
// The graph package's gradient of a convolution with respect to its input is shifted by one pixel for
// even-sized kernels, and panics when a padding exceeds kernel-1; it refuses to differentiate convolutions
// with input dilation. Package nn works around all three (nn.Conv2D, nn.ConvTranspose2D); code calling
// graph.Convolve directly should keep to odd kernels. The gradients of Dot and DotGeneral are broadcast
// products summed (fused back into matrix products here; XLA may or may not fuse them).
package backend

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // GoMLX's "go" backend.
	"github.com/pkg/errors"
)

const (
	// ExtendedBackendName is the name of the extended pure-Go backend (see Register).
	ExtendedBackendName = "goext"

	// StockGoBackendName is GoMLX's name of its unmodified SimpleGo backend; New also accepts "simplego".
	StockGoBackendName = "go"

	// EnvVar is the environment variable read by New: GoMLX's backends.ConfigEnvVar.
	EnvVar = backends.ConfigEnvVar
)

var registerOnce sync.Once

// Register adds the project's CPU backends to GoMLX's backend registry under FastBackendName and
// ExtendedBackendName; it replaces no backend and leaves GoMLX's default alone. New calls it; call it
// yourself to select them through GoMLX's backends.NewWithConfig. It is safe to call more than once.
func Register() {
	registerOnce.Do(func() {
		backends.Register(FastBackendName, func(config string) (backends.Backend, error) {
			return NewFast(config)
		})
		backends.Register(ExtendedBackendName, func(config string) (backends.Backend, error) {
			return NewExtendedGo(config)
		})
	})
}

// New returns the backend selected by $GOMLX_BACKEND (see the package documentation): the fast CPU
// backend when it is unset or empty. It returns an error, never panics, for an unknown backend
// name or one that cannot start (e.g. no PJRT plugin); when a CUDA backend cannot start, the error says
// what is missing (see CUDAStatus).
func New() (backends.Backend, error) {
	return NewWithConfig(os.Getenv(EnvVar))
}

// NewWithConfig is New with an explicit configuration "name[:config]" instead of $GOMLX_BACKEND;
// an empty string selects the fast CPU backend.
func NewWithConfig(config string) (b backends.Backend, err error) {
	Register()
	config = strings.TrimSpace(config)
	if config == "" {
		return NewFast("")
	}
	name, sub, _ := strings.Cut(config, ":")
	if name == "simplego" {
		name, config = StockGoBackendName, StockGoBackendName+strings.TrimPrefix(config, "simplego")
	}
	available := backends.List()
	if !pjrtCompiledIn && slices.Contains(pjrtBackendNames, name) {
		return nil, errors.Errorf("backend: %s=%q asks for XLA/PJRT, but this binary was built without it: "+
			"it was built with the tag nopjrt (or without cgo); rebuild without it", EnvVar, config)
	}
	if !slices.Contains(available, name) {
		slices.Sort(available)
		return nil, errors.Errorf("backend: unknown backend %q in %s=%q; available: %s",
			name, EnvVar, config, strings.Join(available, ", "))
	}
	b, err = newRegistered(config)
	if err != nil && wantsCUDA(name, sub) {
		// Explain what is missing for CUDA rather than only relaying gopjrt's message.
		if st := CUDAStatus(); !st.Ready() {
			return nil, errors.Errorf("backend: %s=%q asks for CUDA, but %s (gopjrt: %v)", EnvVar, config, st.Problem(), err)
		}
	}
	if err != nil {
		return nil, errors.WithMessagef(err, "backend: cannot create %q (from %s)", config, EnvVar)
	}
	return b, nil
}

// newRegistered calls GoMLX's constructor, turning a panic into an error.
func newRegistered(config string) (b backends.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, errors.Errorf("creating %q panicked: %v", config, r)
		}
	}()
	return backends.NewWithConfig(config)
}

// wantsCUDA reports whether a backend configuration names GoMLX's PJRT backend with the CUDA plugin.
func wantsCUDA(name, sub string) bool {
	if !slices.Contains(pjrtBackendNames, name) {
		return false
	}
	plugin, _, _ := strings.Cut(sub, ",")
	plugin = strings.ToLower(plugin)
	return plugin == "cuda" || strings.Contains(plugin, "pjrt_c_api_cuda")
}

// Info describes a backend for provenance records.
type Info struct {
	// Name is the registered name ("go", "stablehlo", ...).
	Name string
	// Description is the backend's own longer description.
	Description string
	// Devices describes each device, e.g. "device#0" or "NVIDIA H100 80GB HBM3".
	Devices []string
	// Extended is true for this package's CPU backends (the fast and the extended pure-Go backends).
	Extended bool
	// Fast is true for the fast CPU backend.
	Fast bool
}

// String formats the Info on one line, e.g. `go (pure Go ...) on device#0`.
func (i Info) String() string {
	return fmt.Sprintf("%s (%s) on %s", i.Name, i.Description, strings.Join(i.Devices, ", "))
}

// Describe returns the name and device descriptions of b, for provenance records.
func Describe(b backends.Backend) Info {
	info := Info{Name: b.String(), Description: b.Description()}
	_, ext := b.(*Backend)
	_, info.Fast = b.(*FastBackend)
	info.Extended = ext || info.Fast
	for d := range b.NumDevices() {
		info.Devices = append(info.Devices, b.DeviceDescription(backends.DeviceNum(d)))
	}
	return info
}
