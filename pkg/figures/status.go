package figures

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/surrogo/surrogo/pkg/scale"
)

// Status is what the project has of one catalogue entry.
type Status struct {
	Entry
	Implemented bool          // a definition is registered
	Saved       []scale.Scale // scales with results in the figures directory
	// Stale says why the saved results of the largest saved scale are out of date (saved by
	// another version of the code, or drawn from a sweep that has finished more runs since), ""
	// when they are current; `surrogo figure` recomputes them.
	Stale string
}

// Statuses returns the status of every catalogue entry, in catalogue order.
func Statuses(root string) []Status {
	impl := map[string]bool{}
	for _, id := range Registered() {
		impl[id] = true
	}
	out := make([]Status, len(Catalog))
	for i, e := range Catalog {
		st := Status{Entry: e, Implemented: impl[e.ID]}
		for _, s := range scale.All {
			if _, err := os.Stat(filepath.Join(Dir(root, e.ID, s), ResultsFile)); err == nil {
				st.Saved = append(st.Saved, s)
			}
		}
		if st.Implemented && len(st.Saved) > 0 {
			st.Stale = staleSaved(root, e.ID, st.Saved[len(st.Saved)-1])
		}
		out[i] = st
	}
	return out
}

// staleSaved says why the saved results of figure id at scale sc are out of date ("" if they
// are current, or cannot be read: Ensure reports that).
func staleSaved(root, id string, sc scale.Scale) string {
	f, err := lookup(id)
	if err != nil {
		return ""
	}
	st, err := Load(root, id, sc)
	if err != nil {
		return ""
	}
	if st.Version != f.version() {
		return fmt.Sprintf("saved by code version %d, the code is at version %d", st.Version, f.version())
	}
	return f.stale(sc, root, st.Results)
}

// Reproduced describes the status for a README table: "not yet", "reproduced at scale cpu"
// (the largest saved scale), "reproduced at paper scale", or "stale at scale cpu" when those
// results are out of date (Stale).
func (s Status) Reproduced() string {
	if len(s.Saved) == 0 {
		return "not yet"
	}
	largest := s.Saved[len(s.Saved)-1]
	if s.Stale != "" {
		return "stale at scale " + string(largest) + " (" + s.Stale + ")"
	}
	if largest == scale.Paper {
		return "reproduced at paper scale"
	}
	return "reproduced at scale " + string(largest)
}
