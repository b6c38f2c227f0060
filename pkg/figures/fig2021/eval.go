package fig2021

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/pkg/metrics"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/surrogate"
	"github.com/surrogo/surrogo/pkg/training"
)

// The metrics of the 2021 paper on one split, computed from the predictions of a trained model
// in one pass over the examples (kept in memory: at most a few million pixels at the reduced
// scales) and a second pass for the per-slice histograms of the supplement, whose ranges depend
// on the per-slice statistics.

// Binning of the figures.
const (
	pdfLo, pdfHi, pdfBins = -0.1, 1.1, 120 // field densities (Fig. 11), as the authors' plots
	hist2DBins            = 150            // prediction vs truth (Fig. 8), over [pdfLo, pdfHi]²
	suppSlices            = 20             // Supplement A: 20 slices of 0.05
	suppWidth             = 0.05
	suppBins              = 40 // bins of each per-slice histogram, over mean ± 4 std
	rotBins               = 80 // bins of the histogram of u = (ŷ + y)/√2 (the supplement's first panel)
)

// SliceRow is the residual statistics of one slice along y = x (metrics.Slice, JSON-safe).
type SliceRow struct {
	Lo   float64            `json:"lo"`
	Hi   float64            `json:"hi"`
	N    int64              `json:"n"`
	Mean training.JSONFloat `json:"mean"`
	Std  training.JSONFloat `json:"std"`
}

// Aggregate is metrics.SliceAggregate, JSON-safe (Fig. 10).
type Aggregate struct {
	MeanOfMeans training.JSONFloat `json:"mean_of_means"`
	MaxOfMeans  training.JSONFloat `json:"max_of_means"`
	MeanOfStds  training.JSONFloat `json:"mean_of_stds"`
	MaxOfStds   training.JSONFloat `json:"max_of_stds"`
	// MeanOfAbsMeans and MaxOfAbsMeans are the average and the largest per-slice mean |residual| (the residual means can have either
	// sign, so the maximum of the signed means can hide a large negative bias).
	MeanOfAbsMeans training.JSONFloat `json:"mean_of_abs_means"`
	MaxOfAbsMeans  training.JSONFloat `json:"max_of_abs_means"`
}

// SplitMetrics are the metrics of a model on one split.
type SplitMetrics struct {
	Split    string                  `json:"split"`
	Examples int                     `json:"examples"`
	Residual metrics.ResidualSummary `json:"residual"`
	// Slices are the 10 slices of width 0.1 of Figs. 8-10 and Aggregate their average and maximum.
	Slices    []SliceRow `json:"slices"`
	Aggregate Aggregate  `json:"aggregate"`
}

// PDF holds the densities of target and predicted field values over pdfBins bins of
// [pdfLo, pdfHi) (Fig. 11), and the fraction of pixels of each below lowField.
type PDF struct {
	Target     []float64 `json:"target"`
	Prediction []float64 `json:"prediction"`
	// LowTarget and LowPrediction are the fractions of target and predicted values in
	// (0, lowField); ZeroTarget and ZeroPrediction those <= zeroField (a field value of zero).
	LowTarget      float64 `json:"low_target"`
	LowPrediction  float64 `json:"low_prediction"`
	ZeroTarget     float64 `json:"zero_target"`
	ZeroPrediction float64 `json:"zero_prediction"`
	// LowL1 is the L1 distance of the two densities over [0, lowField): 0 when they overlap there,
	// up to 2 when they do not.
	LowL1 float64 `json:"low_l1"`
}

// lowField bounds the "low non-zero field values" of Fig. 11; zeroField is what counts as zero.
const (
	lowField  = 0.1
	zeroField = 1e-3
)

// Supplement holds the data of one model's supplementary figure (S1-S12): the histogram of
// u = (ŷ + y)/√2 over all points and, for each of 20 slices of u of width 0.05, the statistics
// and the histogram of v = (ŷ - y)/√2 over mean ± 4 std.
type Supplement struct {
	RotLo     float64     `json:"rot_lo"`
	RotHi     float64     `json:"rot_hi"`
	RotCounts []int64     `json:"rot_counts"`
	Slices    []SliceRow  `json:"slices"`
	Hists     []SliceHist `json:"hists"`
}

// SliceHist is the histogram of the residual v in one slice, over [Lo, Hi) in len(Counts) bins.
type SliceHist struct {
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	Counts []int64 `json:"counts"`
}

// Examples are the examples of one subset of a data set, in memory: N*N values per input and
// target, row-major, one example after the other.
type Examples struct {
	// Name is the subset ("test", "train", "test/8", ...) and Indices its configurations.
	Name    string
	Indices []int
	// N is the lattice side.
	N int
	// Inputs and Targets hold the images, NSources the number of sources of each configuration.
	Inputs, Targets []float32
	NSources        []int32
}

// filler is what LoadExamples reads from: a data-set cache (datastore.Store) or a data set's
// training.Source.
type filler interface {
	Fill(indices []int, inputs, targets []float32, nsources []int32) error
}

// LoadExamples reads the examples of subset name (dataset.Splits names) of a data set.
func LoadExamples(d *surrogate.Data, name string) (*Examples, error) {
	idx, err := d.Subset(name)
	if err != nil {
		return nil, err
	}
	return loadExamples(d.Source(), d.N(), name, idx)
}

func loadExamples(src filler, n int, name string, indices []int) (*Examples, error) {
	e := &Examples{Name: name, Indices: indices, N: n,
		Inputs: make([]float32, len(indices)*n*n), Targets: make([]float32, len(indices)*n*n), NSources: make([]int32, len(indices))}
	if err := src.Fill(indices, e.Inputs, e.Targets, e.NSources); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return e, nil
}

// Len returns the number of examples.
func (e *Examples) Len() int { return len(e.Indices) }

// Head returns the first k examples (the fields that Figs. 5-7 draw are the test set's first 20).
func (e *Examples) Head(k int) *Examples {
	k = min(k, e.Len())
	nn := e.N * e.N
	return &Examples{Name: fmt.Sprintf("%s[:%d]", e.Name, k), Indices: e.Indices[:k], N: e.N,
		Inputs: e.Inputs[:k*nn], Targets: e.Targets[:k*nn], NSources: e.NSources[:k]}
}

// Image returns image k of a stack of N × N images (Inputs, Targets or predictions).
func (e *Examples) Image(stack []float32, k int) []float32 {
	nn := e.N * e.N
	return stack[k*nn : (k+1)*nn]
}

// Predict returns the predictions of a trained model on the examples, checked to be finite.
func Predict(m *surrogate.Model, e *Examples) ([]float32, error) {
	out, err := m.Predict(e.Inputs)
	if err != nil {
		return nil, fmt.Errorf("%s: predicting %s: %w", m.Dir, e.Name, err)
	}
	for i, v := range out {
		if !finite(float64(v)) {
			return nil, fmt.Errorf("%s: prediction %d of %s is %v", m.Dir, i, e.Name, v)
		}
	}
	return out, nil
}

// Measure computes the metrics of a model on one split from its targets and predictions: the
// residual statistics of Table 2 and the 10 slices of Figs. 8-10.
func Measure(name string, examples int, target, pred []float32) (SplitMetrics, error) {
	m := SplitMetrics{Split: name, Examples: examples}
	// Residuals above 1 happen for untrained models; the histogram goes to 2 so that the 99th
	// percentile stays exact up to there (the mean and maximum are exact anyway).
	rs, err := metrics.NewResidualStats(metrics.ResidualOptions{Max: 2, RelativeMax: 100})
	if err != nil {
		return m, err
	}
	if err := rs.Add(target, pred); err != nil {
		return m, err
	}
	m.Residual = rs.Summary()
	ss, err := metrics.NewSliceStats(metrics.SliceOptions{})
	if err != nil {
		return m, err
	}
	if err := ss.Add(target, pred); err != nil {
		return m, err
	}
	m.Slices = sliceRows(ss.Slices())
	a := ss.Aggregate()
	m.Aggregate = Aggregate{MeanOfMeans: jf(a.MeanOfMeans), MaxOfMeans: jf(a.MaxOfMeans), MeanOfStds: jf(a.MeanOfStds),
		MaxOfStds: jf(a.MaxOfStds), MeanOfAbsMeans: jf(a.MeanOfAbsMeans), MaxOfAbsMeans: jf(a.MaxOfAbsMeans)}
	return m, nil
}

func sliceRows(sl []metrics.Slice) []SliceRow {
	rows := make([]SliceRow, len(sl))
	for i, s := range sl {
		rows[i] = SliceRow{Lo: s.Lo, Hi: s.Hi, N: s.N, Mean: jf(s.Mean), Std: jf(s.Std)}
	}
	return rows
}

// jf converts to a JSON-safe float (NaN and infinities become null).
func jf(v float64) training.JSONFloat { return training.JSONFloat(v) }

// MeasurePDF computes the field densities of Fig. 11 of targets and predictions.
func MeasurePDF(target, pred []float32) (PDF, error) {
	f, err := metrics.NewFieldPDF(pdfLo, pdfHi, pdfBins)
	if err != nil {
		return PDF{}, err
	}
	if err := f.Add(target, pred); err != nil {
		return PDF{}, err
	}
	p := PDF{Target: f.Target.Density(), Prediction: f.Prediction.Density()}
	var lowT, lowP, zeroT, zeroP int
	for i := range target {
		t, y := float64(target[i]), float64(pred[i])
		if t > 0 && t < lowField {
			lowT++
		}
		if y > 0 && y < lowField {
			lowP++
		}
		if t <= zeroField {
			zeroT++
		}
		if y <= zeroField {
			zeroP++
		}
	}
	n := float64(len(target))
	p.LowTarget, p.LowPrediction, p.ZeroTarget, p.ZeroPrediction = float64(lowT)/n, float64(lowP)/n, float64(zeroT)/n, float64(zeroP)/n
	p.LowL1 = lowL1(pdfLo, (pdfHi-pdfLo)/pdfBins, p.Target, p.Prediction)
	return p, nil
}

// lowL1 is the L1 distance over [0, lowField) of two densities on bins of width w from lo.
func lowL1(lo, w float64, target, pred []float64) float64 {
	d := 0.0
	for i := range target {
		a := lo + float64(i)*w
		if a >= -1e-12 && a+w <= lowField+1e-12 {
			d += math.Abs(target[i]-pred[i]) * w
		}
	}
	return d
}

// MeasureSupplement computes the data of a supplementary figure (S1-S12) from a model's targets
// and predictions: the histogram along y = x and the 20 per-slice residual histograms.
func MeasureSupplement(target, pred []float32) (Supplement, error) {
	var s Supplement
	ss, err := metrics.NewSliceStats(metrics.SliceOptions{Slices: suppSlices, Width: suppWidth})
	if err != nil {
		return s, err
	}
	if err := ss.Add(target, pred); err != nil {
		return s, err
	}
	s.Slices = sliceRows(ss.Slices())
	s.RotLo, s.RotHi = pdfLo*math.Sqrt2, pdfHi*math.Sqrt2
	s.RotCounts = make([]int64, rotBins)
	s.Hists = make([]SliceHist, len(s.Slices))
	for i, sl := range s.Slices {
		h := SliceHist{Counts: make([]int64, suppBins)}
		if m, sd := float64(sl.Mean), float64(sl.Std); finite(m) && finite(sd) && sd > 0 {
			h.Lo, h.Hi = m-4*sd, m+4*sd
		}
		s.Hists[i] = h
	}
	rw := (s.RotHi - s.RotLo) / rotBins
	for i := range target {
		y, yh := float64(target[i]), float64(pred[i])
		u, v := (yh+y)/math.Sqrt2, (yh-y)/math.Sqrt2
		if b := int(math.Floor((u - s.RotLo) / rw)); b >= 0 && b < rotBins {
			s.RotCounts[b]++
		}
		// Open intervals lo < u < hi, as metrics.SliceStats (the authors' get_slices).
		k := int(math.Floor(u / suppWidth))
		if k < 0 || k >= suppSlices || u <= s.Slices[k].Lo || u >= s.Slices[k].Hi {
			continue
		}
		h := &s.Hists[k]
		if h.Hi <= h.Lo {
			continue
		}
		if b := int(math.Floor((v - h.Lo) / (h.Hi - h.Lo) * suppBins)); b >= 0 && b < suppBins {
			h.Counts[b]++
		}
	}
	return s, nil
}

// PredictionHist2D bins the (prediction, target) pairs of every pixel for Fig. 8: x = prediction,
// y = target, as the authors' plot (and the paper's axes: "Prediction" horizontal, "True"
// vertical), 150 × 150 bins over [-0.1, 1.1]².
func PredictionHist2D(target, pred []float32) (*plots.Hist2D, error) {
	h, err := plots.NewHist2D(hist2DBins, hist2DBins, pdfLo, pdfHi, pdfLo, pdfHi)
	if err != nil {
		return nil, err
	}
	if err := plots.AddPoints(h, pred, target); err != nil {
		return nil, err
	}
	return h, nil
}
