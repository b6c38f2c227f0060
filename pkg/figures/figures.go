// Package figures is the framework behind every reproduced figure and table: a registry of
// computations (what each figure needs, at a given scale), a store of their results with
// provenance in figures/<id>/<scale>/, and the calls that notebooks and `surrogo figure` share.
//
// A figure is reproduced in two steps. Compute produces its results (numbers, small arrays)
// at a scale; they are saved as results.json with the keys "scale", "command", "commit",
// "backend", "device", "date" and "elapsed". Render draws the PNG and SVG files from the saved
// results alone, so a GPU machine without Jupyter can compute what a notebook later draws.
package figures

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"

	"github.com/surrogo/surrogo/pkg/scale"
)

// Def defines how surrogo reproduces the figure or table ID, with results of type R (any type
// that encodes to JSON).
type Def[R any] struct {
	// ID is the catalogue identifier, e.g. "2023-fig03" (see Catalog).
	ID string
	// Compute computes the results at run.Scale, deterministically from run.Seed.
	Compute func(run *Run) (R, error)
	// Render draws the figure's files into run.Dir from the results.
	Render func(run *Run, results R) error
	// Summary, when set, returns a short Markdown text (a table of the key numbers, what agrees
	// with the paper and what does not) shown under the figure.
	Summary func(results R) string
	// Version is the version of the code that computes the results (0 for the first). Bump it
	// when a change of Compute changes what it computes: saved results of another version are
	// then recomputed (see Ensure and Key).
	Version int
	// Stale, when set, says why saved results of the right key are out of date all the same (a
	// figure drawn from a sweep that has finished more runs since), or "" if they are not; root is
	// the figures directory. Ensure then recomputes them.
	Stale func(sc scale.Scale, root string, results R) string
}

// figure is a Def with its result type erased, as kept in the registry.
type figure interface {
	version() int
	stale(sc scale.Scale, root string, raw json.RawMessage) string
	compute(run *Run) (any, error)
	render(run *Run, raw json.RawMessage) error
	summary(raw json.RawMessage) (string, error)
}

func (d Def[R]) compute(run *Run) (any, error) { return d.Compute(run) }

func (d Def[R]) version() int { return d.Version }

func (d Def[R]) stale(sc scale.Scale, root string, raw json.RawMessage) string {
	if d.Stale == nil {
		return ""
	}
	r, err := d.decode(raw)
	if err != nil {
		return err.Error()
	}
	return d.Stale(sc, root, r)
}

func (d Def[R]) decode(raw json.RawMessage) (R, error) {
	var r R
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("figure %s: decoding saved results: %w", d.ID, err)
	}
	return r, nil
}

func (d Def[R]) render(run *Run, raw json.RawMessage) error {
	r, err := d.decode(raw)
	if err != nil {
		return err
	}
	return d.Render(run, r)
}

func (d Def[R]) summary(raw json.RawMessage) (string, error) {
	if d.Summary == nil {
		return "", nil
	}
	r, err := d.decode(raw)
	if err != nil {
		return "", err
	}
	return d.Summary(r), nil
}

var (
	registryMu sync.Mutex
	registry   = map[string]figure{}
)

// Register adds a figure definition. It panics when the identifier is not in the Catalog, is
// registered twice, or the definition lacks Compute or Render: these are programming errors
// caught when the program starts.
func Register[R any](d Def[R]) {
	if _, err := CatalogEntry(d.ID); err != nil {
		panic(err)
	}
	if d.Compute == nil || d.Render == nil {
		panic("figures.Register: " + d.ID + " needs Compute and Render")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[d.ID]; dup {
		panic("figures.Register: " + d.ID + " registered twice")
	}
	registry[d.ID] = d
}

// Registered returns the identifiers of the implemented figures, sorted.
func Registered() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	ids := make([]string, 0, len(registry))
	for id := range registry {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func lookup(id string) (figure, error) {
	if _, err := CatalogEntry(id); err != nil {
		return nil, err
	}
	registryMu.Lock()
	f, ok := registry[id]
	registryMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("figure %s: not implemented yet (implemented: %v)", id, Registered())
	}
	return f, nil
}

// Options control Ensure and Render.
type Options struct {
	Scale scale.Scale // default: scale.FromEnv()
	Root  string      // the figures directory; default: FiguresDir()
	Force bool        // recompute even when saved results exist
	Seed  uint64      // seed of the computation; default 1
	Via   string      // how the run was started, e.g. "notebook 2023-fig03-regions.ipynb"; default "cli"
	Log   io.Writer   // progress messages; default os.Stderr
	Ctx   context.Context
}

func (o Options) withDefaults() (Options, error) {
	if o.Scale == "" {
		s, err := scale.FromEnv()
		if err != nil {
			return o, err
		}
		o.Scale = s
	} else if _, err := scale.Parse(string(o.Scale)); err != nil {
		return o, err
	}
	if o.Root == "" {
		root, err := FiguresDir()
		if err != nil {
			return o, err
		}
		o.Root = root
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Via == "" {
		o.Via = "cli"
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	if o.Ctx == nil {
		o.Ctx = context.Background()
	}
	return o, nil
}
