package figures

import (
	"context"
	"fmt"
	"io"
	"os"
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
	steps    []Step
}

// Reused records that an expensive step (a data set, a training run) was found in a cache, and
// Computed that it was computed; Ensure reports both and saves them with the results.
func (r *Run) Reused(format string, args ...any) {
	r.steps = append(r.steps, Step{What: fmt.Sprintf(format, args...), Reused: true})
}

// Computed records that an expensive step was computed (see Reused).
func (r *Run) Computed(format string, args ...any) {
	r.steps = append(r.steps, Step{What: fmt.Sprintf(format, args...)})
}

// Step records a step that was reused or computed (see Reused).
func (r *Run) Step(reused bool, format string, args ...any) {
	r.steps = append(r.steps, Step{What: fmt.Sprintf(format, args...), Reused: reused})
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

// EnvCacheDir overrides the directory of large intermediate artifacts (data-set caches,
// training runs) that figures share and that are not committed.
const EnvCacheDir = "SURROGO_CACHE_DIR"

// CacheDir returns a directory for large intermediate artifacts under the cache root, joined
// with parts: $SURROGO_CACHE_DIR when set; else .cache/ beside the figures directory when
// $SURROGO_FIGURES_DIR is set (so tests keep everything in their temporary directory); else the
// checkout's .cache/ (ignored by git). The directory is created.
func (r *Run) CacheDir(parts ...string) (string, error) {
	root := os.Getenv(EnvCacheDir)
	if root == "" {
		if os.Getenv(EnvFiguresDir) != "" {
			root = filepath.Join(r.Root, ".cache")
		} else {
			root = filepath.Join(filepath.Dir(r.Root), ".cache")
		}
	}
	dir := filepath.Join(append([]string{root}, parts...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}
