package fig2020

import (
	"fmt"
	"math"
	"sort"

	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/scinet"
)

// Helpers for the latent-space figures (5, 15, 16, 20, 26): histograms of the latent means μ_i on a
// common range, and the choice of the latents to show. Latents are numbered from 1 in figures and
// summaries, as the review numbers them ("parameters 3 and 4").

// rebin returns the histogram h re-binned onto bins equal bins over [lo, hi]: each source bin's count
// is spread over the target bins in proportion to their overlap with it (values uniform within a
// source bin), rounded to whole counts; counts outside [lo, hi] are dropped.
func rebin(h scinet.Histogram, lo, hi float64, bins int) (*plots.Histogram, error) {
	out, err := plots.NewHistogram(bins, lo, hi)
	if err != nil {
		return nil, err
	}
	w := (hi - lo) / float64(bins)
	acc := make([]float64, bins)
	for i, c := range h.Counts {
		a, b := h.Edges[i], h.Edges[i+1]
		if c == 0 || !(b > a) {
			continue
		}
		for j := max(0, int((a-lo)/w)); j < bins && lo+float64(j)*w < b; j++ {
			tl, tr := lo+float64(j)*w, lo+float64(j+1)*w
			if overlap := math.Min(b, tr) - math.Max(a, tl); overlap > 0 {
				acc[j] += float64(c) * overlap / (b - a)
			}
		}
	}
	for j, v := range acc {
		out.Counts[j] = int64(math.Round(v))
	}
	return out, nil
}

// muRange returns a symmetric range covering the central 99.5% of the μ histograms of the given
// latents (rare far tails would squeeze the rest) and ±3.5 (where a unit normal lives).
func muRange(latents ...scinet.LatentStats) (lo, hi float64) {
	m := 3.5
	for _, l := range latents {
		a, b := centralRange(l.Histogram, 0.995)
		m = math.Max(m, math.Max(math.Abs(a), math.Abs(b)))
	}
	return -m, m
}

// centralRange returns the edges between which a histogram holds the central fraction of its counts.
func centralRange(h scinet.Histogram, fraction float64) (lo, hi float64) {
	total := 0
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return h.Edges[0], h.Edges[len(h.Edges)-1]
	}
	tail := (1 - fraction) / 2 * float64(total)
	lo, hi = h.Edges[0], h.Edges[len(h.Edges)-1]
	acc := 0.0
	for i, c := range h.Counts {
		acc += float64(c)
		if acc > tail {
			lo = h.Edges[i]
			break
		}
	}
	acc = 0
	for i := len(h.Counts) - 1; i >= 0; i-- {
		acc += float64(h.Counts[i])
		if acc > tail {
			hi = h.Edges[i+1]
			break
		}
	}
	return lo, hi
}

// latentHistogram returns an axes with the density of μ_i over [lo, hi] and the unit normal the KL
// term pulls it towards.
func latentHistogram(l scinet.LatentStats, lo, hi float64, title string) (*plots.Axes, error) {
	h, err := rebin(l.Histogram, lo, hi, 60)
	if err != nil {
		return nil, err
	}
	a := &plots.Axes{Title: title, XLabel: fmt.Sprintf("μ_{%d}", l.Index+1), YLabel: "density", Legend: plots.LegendTopRight}
	hl := a.Hist(fmt.Sprintf("μ_{%d}: std %.2g, SNR %.2g", l.Index+1, l.MuStd, l.SNR), h, true)
	hl.Filled, hl.Color = true, plots.Blue
	n := a.Func("N(0, 1)", plots.Gaussian(0, 1), lo, hi)
	n.Color, n.Dashed = plots.Gray, true
	return a, nil
}

// bySNR returns the latents sorted by decreasing SNR (most used first).
func bySNR(ls []scinet.LatentStats) []scinet.LatentStats {
	out := append([]scinet.LatentStats(nil), ls...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].SNR > out[j].SNR })
	return out
}

// usedOrTop returns the used latents, or (when fewer than k are used, as in unconverged smoke runs)
// the k latents of highest SNR, in index order.
func usedOrTop(r *scinet.ExperimentResult, k int) []scinet.LatentStats {
	var out []scinet.LatentStats
	for _, l := range r.Latents {
		if l.Used {
			out = append(out, l)
		}
	}
	if len(out) < k {
		out = bySNR(r.Latents)[:min(k, len(r.Latents))]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// bestLatent returns the latent whose μ correlates most strongly with the phase (phase = true) or the
// amplitude, among the used latents when any is used (else among all).
func bestLatent(r *scinet.ExperimentResult, phase bool) scinet.LatentStats {
	cands := usedOrTop(r, 1)
	best := cands[0]
	for _, l := range cands {
		if corrOf(l, phase) > corrOf(best, phase) {
			best = l
		}
	}
	return best
}

// corrOf returns |correlation| of a latent with the phase or the amplitude.
func corrOf(l scinet.LatentStats, phase bool) float64 {
	if phase {
		return math.Abs(l.CorrPhase)
	}
	return math.Abs(l.CorrAmp)
}

// LatentTable returns a Markdown table of the latents: spread of μ, noise σ, SNR, information, used,
// and correlations with φ and the amplitude.
func LatentTable(r *scinet.ExperimentResult) string {
	_, _, al := r.Experiment.Labels()
	s := fmt.Sprintf("| latent | std μ | rms σ | SNR = std μ / rms σ | information (nats) | used (SNR > %g) | corr(μ, φ) | corr(μ, %s) |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n", scinet.UsedSNR, al)
	for _, l := range r.Latents {
		used := "no"
		if l.Used {
			used = "**yes**"
		}
		s += fmt.Sprintf("| %d | %.3g | %.3g | %.3g | %.3g | %s | %+.2f | %+.2f |\n", l.Index+1, l.MuStd, l.SigmaRMS, l.SNR, l.Information, used, l.CorrPhase, l.CorrAmp)
	}
	return s
}
