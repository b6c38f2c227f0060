package metrics

import (
	"fmt"
	"math"
)

// ImageErrors are the errors of one predicted field: the 2023 paper's region MAE of a single
// configuration (Fig. 1), and where the largest error is.
type ImageErrors struct {
	// NSources is the configuration's number of sources.
	NSources int
	// MAE is the mean absolute error in each region that has pixels; Pixels their numbers.
	MAE    map[Region]float64
	Pixels map[Region]int
	// MaxError is the largest |prediction - target|, at the cell MaxErrorAt (row, column).
	MaxError   float64
	MaxErrorAt [2]int
	// TargetMax and PredictionMax are the largest values of the two fields.
	TargetMax, PredictionMax float64
}

// MeasureImage measures the prediction of one n x n configuration with nSources sources (the
// regions follow from the input and the target: see Region).
func MeasureImage(input, target, prediction []float32, n, nSources int) (ImageErrors, error) {
	e := ImageErrors{NSources: nSources, MAE: map[Region]float64{}, Pixels: map[Region]int{}}
	if err := checkSlices([]string{"input", "target", "prediction"}, input, target, prediction); err != nil {
		return e, err
	}
	if n < 1 || len(target) != n*n {
		return e, fmt.Errorf("metrics: %d values are not a %d x %d image", len(target), n, n)
	}
	var sum [NumRegions]float64
	var count [NumRegions]int
	e.TargetMax, e.PredictionMax = math.Inf(-1), math.Inf(-1)
	for i := range target {
		x, y, p := float64(input[i]), float64(target[i]), float64(prediction[i])
		d := math.Abs(p - y)
		for _, r := range Regions {
			if r.Contains(x, y) {
				sum[r] += d
				count[r]++
			}
		}
		if d > e.MaxError {
			e.MaxError, e.MaxErrorAt = d, [2]int{i / n, i % n}
		}
		e.TargetMax, e.PredictionMax = max(e.TargetMax, y), max(e.PredictionMax, p)
	}
	for _, r := range Regions {
		if count[r] > 0 {
			e.MAE[r], e.Pixels[r] = sum[r]/float64(count[r]), count[r]
		}
	}
	return e, nil
}

// BreakEven is Eq. 4 of the 2021 paper: with delta the solver's time per solution, epsilon the
// surrogate's, M the number of solves spent on training data and E the training time, the
// surrogate pays off after N_min = (M + E/delta) / (1 - epsilon/delta) uses. It returns +Inf when
// the surrogate is not faster (epsilon >= delta).
func BreakEven(m, e, delta, epsilon float64) float64 {
	if !(epsilon < delta) || !(delta > 0) {
		return math.Inf(1)
	}
	return (m + e/delta) / (1 - epsilon/delta)
}
