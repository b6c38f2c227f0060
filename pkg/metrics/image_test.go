package metrics_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/surrogo/surrogo/pkg/metrics"
)

// The region errors of one 2 x 2 prediction: a source pixel, and field pixels in R1, R2 and R3.
func ExampleMeasureImage() {
	input := []float32{1, 0, 0, 0}
	target := []float32{1, 0.5, 0.15, 0.07}
	prediction := []float32{0.9, 0.5, 0.2, 0.07}
	e, err := metrics.MeasureImage(input, target, prediction, 2, 1)
	if err != nil {
		panic(err)
	}
	for _, r := range metrics.Regions {
		fmt.Printf("%s %.4f (%d pixels)\n", r, e.MAE[r], e.Pixels[r])
	}
	fmt.Printf("largest error %.2f at %v\n", e.MaxError, e.MaxErrorAt)
	// Output:
	// whole 0.0375 (4 pixels)
	// sources 0.1000 (1 pixels)
	// field 0.0167 (3 pixels)
	// R1 0.0000 (1 pixels)
	// R2 0.0500 (1 pixels)
	// R3 0.0000 (1 pixels)
	// largest error 0.10 at [0 0]
}

// The 2021 paper's break-even (Eq. 4) with its numbers: a solve takes 1.16 s, the surrogate is
// 1000 times faster, 20000 training solves and 12 hours of training.
func ExampleBreakEven() {
	delta := 1.16
	fmt.Printf("N_min = %.0f\n", metrics.BreakEven(20000, 12*3600, delta, delta/1000))
	fmt.Println("slower surrogate:", metrics.BreakEven(20000, 12*3600, delta, 2*delta))
	// Output:
	// N_min = 57299
	// slower surrogate: +Inf
}

func TestMeasureImageErrors(t *testing.T) {
	if _, err := metrics.MeasureImage([]float32{0}, []float32{0, 1}, []float32{0, 1}, 1, 1); err == nil {
		t.Error("mismatched lengths: no error")
	}
	if _, err := metrics.MeasureImage([]float32{0, 0}, []float32{0, 1}, []float32{0, 1}, 3, 1); err == nil {
		t.Error("wrong n: no error")
	}
	e, err := metrics.MeasureImage([]float32{0, 0, 0, 0}, []float32{0, 0, 0, 0}, []float32{0, 0, 0, 0}, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.MAE[metrics.Sources]; ok || e.MAE[metrics.Whole] != 0 || math.IsNaN(e.MaxError) {
		t.Errorf("empty regions must be left out: %+v", e)
	}
}
