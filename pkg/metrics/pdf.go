package metrics

import "fmt"

// FieldPDF accumulates the probability densities of target and predicted field values
// (2021 paper, Fig. 11: with MSE the network "predicts zero field values instead of low
// non-zero field values"). Both histograms share the range and bins; each is normalized by
// all its values (see Histogram.Density).
type FieldPDF struct {
	Target     *Histogram // target values
	Prediction *Histogram // predicted values
}

// NewFieldPDF returns empty densities of bins bins over [lo, hi); predictions may leave
// [0, 1], so a range such as [-0.1, 1.1) shows them (the authors' plots use that range).
func NewFieldPDF(lo, hi float64, bins int) (*FieldPDF, error) {
	t, err := NewHistogram(lo, hi, bins)
	if err != nil {
		return nil, err
	}
	p, _ := NewHistogram(lo, hi, bins)
	return &FieldPDF{Target: t, Prediction: p}, nil
}

// Add accumulates targets and predictions (in field units).
func (f *FieldPDF) Add(target, prediction []float32) error {
	return addPDF(f, target, prediction)
}

// Add64 is Add for float64 slices.
func (f *FieldPDF) Add64(target, prediction []float64) error {
	return addPDF(f, target, prediction)
}

func addPDF[F float](f *FieldPDF, target, prediction []F) error {
	if err := checkSlices([]string{"target", "prediction"}, target, prediction); err != nil {
		return err
	}
	for i, t := range target {
		f.Target.Add(float64(t))
		f.Prediction.Add(float64(prediction[i]))
	}
	return nil
}

// Merge adds the values accumulated by o, which must have the same range and bins.
func (f *FieldPDF) Merge(o *FieldPDF) error {
	flo, fhi := f.Target.Range()
	olo, ohi := o.Target.Range()
	if flo != olo || fhi != ohi || f.Target.Bins() != o.Target.Bins() {
		return fmt.Errorf("metrics: cannot merge field densities over [%v, %v) x %d and [%v, %v) x %d",
			flo, fhi, f.Target.Bins(), olo, ohi, o.Target.Bins())
	}
	if err := f.Target.Merge(o.Target); err != nil {
		return fmt.Errorf("metrics: FieldPDF targets: %w", err)
	}
	if err := f.Prediction.Merge(o.Prediction); err != nil {
		return fmt.Errorf("metrics: FieldPDF predictions: %w", err)
	}
	return nil
}
