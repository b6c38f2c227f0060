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

// FastOps lists the ops the fast CPU backend runs with its own kernels for float32 operands (random
// bits and conversions to float32 for integer ones); every other op, and these ops for other dtypes or
// configurations it does not handle, run on the extended pure-Go backend (see Backend).
var FastOps = []backends.OpType{
	backends.OpTypeDotGeneral, backends.OpTypeConvGeneral, // package gemm
	backends.OpTypeBatchNormForTraining, backends.OpTypeBatchNormForInference, backends.OpTypeBatchNormGradient,
	backends.OpTypeReduceSum, backends.OpTypeReverse, backends.OpTypeSlice, backends.OpTypeConcatenate,
	backends.OpTypePad, backends.OpTypeRNGBitGenerator, backends.OpTypeConvertDType,
	// Fused element-wise (fast_fuse.go):
	backends.OpTypeAdd, backends.OpTypeSub, backends.OpTypeMul, backends.OpTypeDiv, backends.OpTypeMax,
	backends.OpTypeMin, backends.OpTypePow, backends.OpTypeNeg, backends.OpTypeAbs, backends.OpTypeExp,
	backends.OpTypeLog, backends.OpTypeSqrt, backends.OpTypeRsqrt, backends.OpTypeTanh, backends.OpTypeLogistic,
	backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterThan, backends.OpTypeLessOrEqual,
	backends.OpTypeLessThan, backends.OpTypeEqual, backends.OpTypeNotEqual, backends.OpTypeWhere,
	backends.OpTypeBroadcastInDim, backends.OpTypeReshape, backends.OpTypeIdentity,
}

// FastBackend is the project's fast CPU backend. Its builder records the graph as a sequence of steps:
// "heavy" ops run on the project's own kernels (FastOps: convolutions and matrix products on package
// gemm, reading the im2col matrix in place; BatchNorm, reductions and copies; element-wise ops fused
// into passes over cache-sized blocks with package vec), and the ops between them are grouped into
// segments, each compiled and executed by the extended pure-Go backend (SimpleGo plus the ops of
// ExtendedOps) that FastBackend embeds. At compile time, steps whose results nothing reads are
// dropped, and the values only heavy ops read are placed in one arena per execution (fast_plan.go);
// the others are SimpleGo buffers, which the kernels read and write in place (shared buffers), so
// nothing is copied between the two; an update of a donated input (an optimizer step) is written over
// it.
//
// Results are deterministic: the kernels partition work independently of timing, so the same inputs
// give bit-identical outputs for a given kernel (gemm.Kernel, vec.Kernel) and thread count.
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
