package backend

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/pkg/errors"
)

// ExtendedOps lists the operations the extended pure-Go backend adds to (or, for ConvGeneral, re-implements
// on top of) GoMLX's SimpleGo backend. All of them are composed of ops SimpleGo executes natively.
var ExtendedOps = []backends.OpType{
	backends.OpTypePad,
	backends.OpTypeReverse,
	backends.OpTypeBatchNormForInference,
	backends.OpTypeBatchNormForTraining,
	backends.OpTypeBatchNormGradient,
	backends.OpTypeSelectAndScatterMax,
	backends.OpTypeSelectAndScatterMin,
	backends.OpTypeDynamicSlice,
	backends.OpTypeDynamicUpdateSlice,
	backends.OpTypeConvGeneral,
}

// Backend is the extended pure-Go backend: GoMLX's SimpleGo backend (embedded: data transfer, execution
// and every native op are SimpleGo's) whose Builder adds the ops listed in ExtendedOps and runs
// convolutions as matrix multiplications (see Builder.ConvGeneral).
type Backend struct {
	*simplego.Backend
	config string

	// directConv disables the lowering of convolutions to DotGeneral (option "conv=direct").
	directConv bool
}

// Compile-time check.
var _ backends.Backend = (*Backend)(nil)

// NewExtendedGo creates an extended pure-Go backend. The config string is a comma-separated list of
// options: "conv=direct" keeps SimpleGo's direct convolution (for comparisons), "conv=dot" (the default)
// lowers convolutions to matrix multiplications; "ops_sequential" (the default, see the package
// documentation) or "ops_parallel"; every other option is SimpleGo's (e.g. "parallelism=2").
func NewExtendedGo(config string) (*Backend, error) {
	var directConv bool
	var rest []string
	opsMode := "ops_sequential"
	for _, opt := range strings.Split(config, ",") {
		switch opt = strings.TrimSpace(opt); opt {
		case "conv=direct":
			directConv = true
		case "conv=dot", "":
		case "ops_sequential", "ops_parallel":
			opsMode = opt
		default:
			rest = append(rest, opt)
		}
	}
	rest = append(rest, opsMode)
	inner, err := simplego.New(strings.Join(rest, ","))
	if err != nil {
		return nil, errors.WithMessage(err, "extended go backend (options conv=dot|direct are surrogo's)")
	}
	return &Backend{Backend: inner.(*simplego.Backend), config: config, directConv: directConv}, nil
}

// Name implements backends.Backend.
func (b *Backend) Name() string { return "SimpleGo+surrogo (" + ExtendedBackendName + ")" }

// String implements backends.Backend: its name in New and in GoMLX's registry, ExtendedBackendName.
func (b *Backend) String() string { return ExtendedBackendName }

// Description implements backends.Backend; it includes the configuration options, if any.
func (b *Backend) Description() string {
	d := "pure Go (GoMLX SimpleGo extended by surrogo: Pad, Reverse, BatchNorm, SelectAndScatter, " +
		"DynamicSlice/UpdateSlice, convolutions as matrix multiplications)"
	if b.config != "" {
		d += fmt.Sprintf(" with options %q", b.config)
	}
	return d
}

// Capabilities implements backends.Backend: SimpleGo's plus ExtendedOps.
func (b *Backend) Capabilities() backends.Capabilities {
	caps := b.Backend.Capabilities().Clone()
	for _, op := range ExtendedOps {
		caps.Operations[op] = true
	}
	return caps
}

// Builder implements backends.Backend.
func (b *Backend) Builder(name string) backends.Builder {
	return &Builder{Builder: b.Backend.Builder(name).(*simplego.Builder), backend: b}
}

// Builder wraps SimpleGo's builder: ops it does not override are SimpleGo's own.
type Builder struct {
	*simplego.Builder
	backend *Backend

	// mulOperands maps each op built by Mul to its operands (see ReduceSum).
	mulOperands map[backends.Op][2]backends.Op
	// broadcastSources maps ops built by BroadcastInDim to their unbroadcast operand (see BroadcastInDim).
	broadcastSources map[backends.Op]backends.Op
}

// Compile-time check.
var _ backends.Builder = (*Builder)(nil)
