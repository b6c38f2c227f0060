package figkit

import (
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scale"
)

// Stamp returns the scale stamp of a figure computed at scale s. A figure whose computation
// is smaller than the paper's gets plots.ScaleStamp(s, paper), where paper describes the
// paper's setup (e.g. "512×512, 20k configurations per number of sources"); a figure whose
// computation at s is the paper's own (a table of the paper's configuration, a single
// configuration solved exactly, statistics over the whole data set) says so instead.
func Stamp(s scale.Scale, paper string, sameAsPaper bool) string {
	if sameAsPaper && s != scale.Paper {
		return plots.ScaleStamp(string(s), "") + " (same computation as at paper scale)"
	}
	return plots.ScaleStamp(string(s), paper)
}
