package fig2023

import (
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
)

// The paper's Table 1 agrees with the model row by row, except its last ConvT (4 x 4 in print,
// 3 x 3 in the authors' code and ours).
func TestCheckTable1(t *testing.T) {
	checks, err := CheckTable1()
	if err != nil {
		t.Fatal(err)
	}
	enc, dec := Table1Paper()
	if len(checks) != len(enc)+len(dec) {
		t.Fatalf("%d checks, want %d", len(checks), len(enc)+len(dec))
	}
	var differ []int
	for i, c := range checks {
		if !c.Agrees {
			differ = append(differ, i)
		}
	}
	last := len(checks) - 2 // the final LReLU follows the last ConvT
	if !reflect.DeepEqual(differ, []int{last}) {
		t.Fatalf("rows %v disagree, want only %d", differ, last)
	}
	c := checks[last]
	if c.Part != "decoder" || c.Paper[0] != "ConvT 4 x 4" || c.Model.Op != "ConvT 3 x 3" || c.Model.Shape != "1 x 512 x 512" {
		t.Errorf("the disagreeing row: %+v", c)
	}
	// Table1Paper returns copies.
	enc[0][0] = "changed"
	if again, _ := Table1Paper(); again[0][0] != "Conv 3 x 3" {
		t.Error("Table1Paper shares its rows with the caller")
	}
	r, err := table1()
	if err != nil {
		t.Fatal(err)
	}
	if note := r.Table.Notes[len(r.Table.Notes)-1]; !strings.Contains(note, "36 of 37 rows agree") || !strings.Contains(note, "ConvT 4 x 4") {
		t.Errorf("the table's check note: %q", note)
	}
}

func TestEDCNNAndCone(t *testing.T) {
	for _, tc := range []struct {
		s           scale.Scale
		size, width int
		bottleneck  [2]int // channels, side
	}{
		{scale.Smoke, 32, 4, [2]int{128, 1}}, {scale.CPU, 128, 8, [2]int{256, 4}}, {scale.Paper, 512, 64, [2]int{2048, 16}},
	} {
		c, err := EDCNN(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != models.EDCNN || c.Size != tc.size || c.Width != tc.width {
			t.Errorf("%s: %s, want N = %d, width %d", tc.s, c.Describe(), tc.size, tc.width)
			continue
		}
		a, err := models.Analyze(c)
		if err != nil {
			t.Fatal(err)
		}
		cone := Cone(a)
		if cone.Ops[0] != "input" || cone.Channels[0] != 1 || cone.Sizes[0] != tc.size || cone.Params != a.Params {
			t.Errorf("%s: cone starts %s %d %d", tc.s, cone.Ops[0], cone.Channels[0], cone.Sizes[0])
		}
		last := len(cone.Ops) - 1
		if cone.Channels[last] != 1 || cone.Sizes[last] != tc.size {
			t.Errorf("%s: cone ends with %d x %d x %d", tc.s, cone.Channels[last], cone.Sizes[last], cone.Sizes[last])
		}
		// The bottleneck: the most channels, at the smallest size.
		maxC, minS := 0, tc.size
		for i := range cone.Ops {
			maxC, minS = max(maxC, cone.Channels[i]), min(minS, cone.Sizes[i])
		}
		if maxC != tc.bottleneck[0] || minS != tc.bottleneck[1] {
			t.Errorf("%s: bottleneck %d channels, side %d; want %v", tc.s, maxC, minS, tc.bottleneck)
		}
	}
}
