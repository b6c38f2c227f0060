package backend

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/pkg/errors"
	"github.com/surrogo/surrogo/pkg/gemm"
	"github.com/surrogo/surrogo/pkg/vec"
)

// FastBackendName is the name of the fast CPU backend in GoMLX's registry once Register has run, and the
// name New accepts in $GOMLX_BACKEND. It is the default of New.
const FastBackendName = "surrogo"

// FastOps lists the ops the fast CPU backend runs with its own kernels (package gemm and the
// convolution lowering of fast_conv.go) for float32 operands; every other op, and these ops for other
// dtypes or configurations, run on the extended pure-Go backend (see Backend).
var FastOps = []backends.OpType{
	backends.OpTypeDotGeneral,
	backends.OpTypeConvGeneral,
}

// FastBackend is the project's fast CPU backend. Its builder records the graph as a sequence of steps:
// "heavy" ops (FastOps: matrix products and convolutions, where the time goes) run with the project's
// own kernels, and the ops between them are grouped into segments, each compiled and executed by the
// extended pure-Go backend (SimpleGo plus the ops of ExtendedOps) that FastBackend embeds. All values are
// SimpleGo buffers: the kernels read and write their storage in place (shared buffers), so nothing is
// copied between the two.
//
// Results are deterministic: the kernels partition work independently of timing, so the same inputs
// give bit-identical outputs for a given kernel (gemm.Kernel) and thread count.
type FastBackend struct {
	*Backend
	config  string
	threads int
}

// Compile-time check.
var _ backends.Backend = (*FastBackend)(nil)

// NewFast creates the fast CPU backend. The config string is a comma-separated list of options:
// "threads=N" (goroutines of the heavy kernels; default GOMAXPROCS), "kernel=avx512|avx2|generic" (force
// the kernels of packages gemm and vec, for the whole process: see gemm.SetKernel and vec.SetKernel;
// by default each picks the best the CPU has), and every option of the extended pure-Go backend (see
// NewExtendedGo), which runs the other ops.
func NewFast(config string) (*FastBackend, error) {
	threads := runtime.GOMAXPROCS(0)
	var rest []string
	for _, opt := range strings.Split(config, ",") {
		opt = strings.TrimSpace(opt)
		key, val, _ := strings.Cut(opt, "=")
		switch key {
		case "threads":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return nil, errors.Errorf("backend %q: option %q: want threads=N with N >= 1", FastBackendName, opt)
			}
			threads = n
		case "kernel":
			if err := gemm.SetKernel(val); err != nil {
				return nil, errors.WithMessagef(err, "backend %q: option %q", FastBackendName, opt)
			}
			if err := vec.SetKernel(val); err != nil {
				return nil, errors.WithMessagef(err, "backend %q: option %q", FastBackendName, opt)
			}
		case "":
		default:
			rest = append(rest, opt)
		}
	}
	inner, err := NewExtendedGo(strings.Join(rest, ","))
	if err != nil {
		return nil, err
	}
	return &FastBackend{Backend: inner, config: config, threads: threads}, nil
}

// Name implements backends.Backend.
func (b *FastBackend) Name() string { return "surrogo fast CPU (" + FastBackendName + ")" }

// String implements backends.Backend: FastBackendName.
func (b *FastBackend) String() string { return FastBackendName }

// Description implements backends.Backend: it names the GEMM kernel and the thread count.
func (b *FastBackend) Description() string {
	d := fmt.Sprintf("fast CPU: matrix products and convolutions on surrogo's %s GEMM, fused element-wise "+
		"ops on %s vector kernels, %d threads; other ops on SimpleGo extended by surrogo", gemm.Kernel(), vec.Kernel(), b.threads)
	if b.config != "" {
		d += fmt.Sprintf(", options %q", b.config)
	}
	return d
}

// Threads returns the number of goroutines the heavy kernels use.
func (b *FastBackend) Threads() int { return b.threads }

// Builder implements backends.Backend.
func (b *FastBackend) Builder(name string) backends.Builder {
	return newFastBuilder(b, name)
}
