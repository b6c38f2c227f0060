package metrics

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestResidualSplits checks the boundary/interior split of the relative residual, the
// near-source/elsewhere split of the residual and the prediction range on two 3 × 3 images.
func TestResidualSplits(t *testing.T) {
	rs, err := NewResidualStats(ResidualOptions{RelativeEpsilon: 1, Lattice: 3, HighField: 0.5, RelativeMax: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Image 1: target 1 in the centre (residual 0.5), 0 on the ring (residual 0.1).
	// Image 2: target 0 everywhere, prediction 0.2 (residual 0.2).
	var target, pred []float32
	for i := 0; i < 9; i++ {
		if i == 4 {
			target, pred = append(target, 1), append(pred, 0.5)
		} else {
			target, pred = append(target, 0), append(pred, 0.1)
		}
	}
	for i := 0; i < 9; i++ {
		target, pred = append(target, 0), append(pred, 0.2)
	}
	// Add the first image in two calls: positions continue across calls.
	if err := rs.Add(target[:5], pred[:5]); err != nil {
		t.Fatal(err)
	}
	if err := rs.Add(target[5:], pred[5:]); err != nil {
		t.Fatal(err)
	}
	s := rs.Summary()
	near := func(got, want float64, what string) {
		t.Helper()
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("%s = %g, want %g", what, got, want)
		}
	}
	// Relative residual |y − ŷ|/(y + 1): centre 0.25, ring of image 1: 0.1, image 2: ring and centre 0.2.
	near(s.BoundaryRelMean, (8*0.1+8*0.2)/16, "BoundaryRelMean")
	near(s.InteriorRelMean, (0.25+0.2)/2, "InteriorRelMean")
	near(s.HighMean, 0.5, "HighMean")
	near(s.LowMean, (8*0.1+9*0.2)/17, "LowMean")
	near(s.PredMin, 0.1, "PredMin")
	near(s.PredMax, 0.5, "PredMax")
	near(s.Max, 0.5, "Max")

	// Without the options the splits are 0 and left out of the JSON.
	plain, err := NewResidualStats(ResidualOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.Add(target, pred); err != nil {
		t.Fatal(err)
	}
	p := plain.Summary()
	if p.BoundaryRelMean != 0 || p.HighMean != 0 {
		t.Errorf("splits without options: %g, %g; want 0", p.BoundaryRelMean, p.HighMean)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "boundary_rel_mean") || !strings.Contains(string(raw), `"pred_min":`) {
		t.Errorf("JSON %s: want pred_min and no boundary_rel_mean", raw)
	}
}

// TestResidualSummaryJSON checks that a summary survives JSON, NaN (an empty set) included.
func TestResidualSummaryJSON(t *testing.T) {
	empty, err := NewResidualStats(ResidualOptions{Lattice: 4})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(empty.Summary())
	if err != nil {
		t.Fatalf("an empty summary must marshal: %v", err)
	}
	var back ResidualSummary
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.Mean) || !math.IsNaN(back.P99.Estimate) || !math.IsNaN(back.BoundaryRelMean) || !math.IsNaN(back.PredMin) || back.N != 0 {
		t.Errorf("empty summary after JSON %s: %+v", raw, back)
	}
	rs, err := NewResidualStats(ResidualOptions{HighField: 0.3, Lattice: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Add([]float32{0, 0.5, 1, 0.2}, []float32{0.1, 0.4, 0.7, 0.2}); err != nil {
		t.Fatal(err)
	}
	s := rs.Summary()
	if raw, err = json.Marshal(s); err != nil {
		t.Fatal(err)
	}
	back = ResidualSummary{}
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	// The 2 × 2 images have no interior: InteriorRelMean is NaN, null in the JSON.
	if !math.IsNaN(back.InteriorRelMean) || !math.IsNaN(s.InteriorRelMean) {
		t.Errorf("InteriorRelMean %g (JSON %s), want NaN", back.InteriorRelMean, raw)
	}
	back.InteriorRelMean, s.InteriorRelMean = 0, 0
	if back != s {
		t.Errorf("after JSON %s:\n got %+v\nwant %+v", raw, back, s)
	}
	// The JSON of the former training.ResidualResult (sweep results) still reads.
	old := `{"n":4,"mean":0.1,"p99":{"estimate":0.3,"lo":0.29,"hi":0.31},"max":0.3,"rel_n":3,"rel_excluded":1,"rel_mean":null,"rel_p99":{"estimate":null,"lo":null,"hi":null},"rel_max":0.5}`
	if err := json.Unmarshal([]byte(old), &back); err != nil {
		t.Fatal(err)
	}
	if back.N != 4 || back.P99.Estimate != 0.3 || !math.IsNaN(back.RelMean) || !math.IsNaN(back.PredMin) || back.RelMax != 0.5 {
		t.Errorf("former JSON read as %+v", back)
	}
}
