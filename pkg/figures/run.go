package figures

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/surrogo/surrogo/pkg/scale"
)

// Run is what a figure's Compute and Render functions receive: the scale, the seed, the
// directory for the figure's files, and a place to record the provenance of the computation.
type Run struct {
	ID    string
	Scale scale.Scale
	Seed  uint64
	Dir   string // figures/<id>/<scale>: where Render writes its files
	Root  string // the figures directory, for figures that reuse another figure's results
	Log   io.Writer
	ctx   context.Context
	opt   Options

	backends []string
	devices  []string
}

func newRun(id string, opt Options) *Run {
	return &Run{ID: id, Scale: opt.Scale, Seed: opt.Seed, Dir: Dir(opt.Root, id, opt.Scale), Root: opt.Root,
		Log: opt.Log, ctx: opt.Ctx, opt: opt}
}

// Context is cancelled when the run should stop (an interrupted command).
func (r *Run) Context() context.Context { return r.ctx }

// Logf writes a progress line prefixed with the figure's identifier.
func (r *Run) Logf(format string, args ...any) {
	fmt.Fprintf(r.Log, "figure %s: %s\n", r.ID, fmt.Sprintf(format, args...))
}

// Path returns the path of a file named name in the figure's directory.
func (r *Run) Path(name string) string { return filepath.Join(r.Dir, name) }

// UsedBackend records that the computation ran on a backend (e.g. "go (pure Go)") and device;
// both end up in the provenance of the results.
func (r *Run) UsedBackend(backend, device string) {
	if backend != "" && !contains(r.backends, backend) {
		r.backends = append(r.backends, backend)
	}
	if device != "" && !contains(r.devices, device) {
		r.devices = append(r.devices, device)
	}
}

// Requires returns the results of another figure at the same scale, computing them first if
// needed (several figures share one set of trained models).
func (r *Run) Requires(id string) (*Stored, error) {
	opt := r.opt
	opt.Force = false
	return Ensure(id, opt)
}

func (r *Run) backendOrNone() string {
	if len(r.backends) == 0 {
		return "none (no model or batched solver ran)"
	}
	return strings.Join(r.backends, "; ")
}

func (r *Run) deviceOrCPU() string {
	if len(r.devices) == 0 {
		return cpuDescription()
	}
	return strings.Join(r.devices, "; ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
