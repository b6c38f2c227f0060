package figures

import (
	"os"
	"path/filepath"

	"github.com/surrogo/surrogo/pkg/scale"
)

// Status is what the project has of one catalogue entry.
type Status struct {
	Entry
	Implemented bool          // a definition is registered
	Saved       []scale.Scale // scales with results in the figures directory
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
		out[i] = st
	}
	return out
}

// Reproduced describes the status for a README table: "not yet", "reproduced at scale cpu"
// (the largest saved scale), or "reproduced at paper scale".
func (s Status) Reproduced() string {
	if len(s.Saved) == 0 {
		return "not yet"
	}
	largest := s.Saved[len(s.Saved)-1]
	if largest == scale.Paper {
		return "reproduced at paper scale"
	}
	return "reproduced at scale " + string(largest)
}
