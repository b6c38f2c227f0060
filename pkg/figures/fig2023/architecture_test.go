package fig2023

import (
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
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
		// Kinds and parameters per stage: the layer table's, summing to the model's.
		if len(cone.Kinds) != len(cone.Ops) || len(cone.StageParams) != len(cone.Ops) || cone.Kinds[0] != "" {
			t.Fatalf("%s: %d kinds, %d stage parameters for %d stages", tc.s, len(cone.Kinds), len(cone.StageParams), len(cone.Ops))
		}
		sum := 0
		for i, p := range cone.StageParams {
			sum += p
			if k := cone.Kinds[i]; (k == models.KindConv || k == models.KindConvT) != (p > 0) {
				t.Errorf("%s: stage %d (%s) has %d parameters", tc.s, i, k, p)
			}
		}
		if sum != a.Params {
			t.Errorf("%s: stage parameters sum to %d, the model has %d", tc.s, sum, a.Params)
		}
		if bn := cone.Bottleneck(); cone.Channels[bn] != tc.bottleneck[0] || cone.Sizes[bn] != tc.bottleneck[1] || cone.Kinds[bn] != models.KindConv {
			t.Errorf("%s: Bottleneck() = %d: %d x %d", tc.s, bn, cone.Channels[bn], cone.Sizes[bn])
		}
		if cone.N() != tc.size || cone.Width() != tc.width {
			t.Errorf("%s: N %d, width %d", tc.s, cone.N(), cone.Width())
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

// Fig. 2 computes and renders at the smoke scale: a PNG of the two rows (N = 32, width 4 and
// N = 512, width 64) and an SVG, results with the stages' kinds and parameters, and a summary
// with both networks and the caption's check.
func TestFig02Smoke(t *testing.T) {
	root := t.TempDir()
	opt := figures.Options{Scale: scale.Smoke, Root: root, Log: io.Discard}
	st, err := figures.Ensure("2023-fig02", opt)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := figures.Render("2023-fig02", opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := figkit.CheckRendered(paths, 1500, 800); err != nil {
		t.Error(err)
	}
	var r Fig02Results
	if err := json.Unmarshal(st.Results, &r); err != nil {
		t.Fatal(err)
	}
	if r.Size != 32 || r.Width != 4 || r.Params != r.Scale.Params || r.Scale.N() != 32 || r.Paper.N() != 512 || r.Paper.Width() != 64 ||
		len(r.Scale.Kinds) != len(r.Scale.Ops) || len(r.Paper.StageParams) != len(r.Paper.Ops) {
		t.Errorf("results: size %d, width %d, params %d; scale %+v", r.Size, r.Width, r.Params, r.Scale)
	}
	sum, err := figures.Summary(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"N = 32, width 4", "128 × 1 × 1 bottleneck", "50,307,969 parameters", "2048 × 16 × 16 bottleneck",
		"6 convolutions, 5 average pools", "4 of 4 sequences agree", "| 11 | Conv 3 x 3 | 128 | 1 | 2048 | 16 |"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

// The paper's Fig. 2 caption agrees with the paper-size network, the decoder's sides read block
// by block (a transposed convolution and the upsampling after it).
func TestFig02Caption(t *testing.T) {
	r, err := Fig02At(scale.Paper)
	if err != nil {
		t.Fatal(err)
	}
	checks := CheckFig02Caption(r.Paper)
	if len(checks) != 4 {
		t.Fatalf("%d checks", len(checks))
	}
	for _, c := range checks {
		if !c.Agrees || !slices.Equal(c.Model, c.Paper) {
			t.Errorf("%s: caption %v, model %v", c.What, c.Paper, c.Model)
		}
	}
	// A smaller network differs from the caption.
	s, err := Fig02At(scale.CPU)
	if err != nil {
		t.Fatal(err)
	}
	c := CheckFig02Caption(s.Scale)
	if c[0].Agrees || !slices.Equal(c[0].Model, []int{128, 64, 32, 16, 8, 4, 4}) || !slices.Equal(c[3].Model, []int{4, 8, 16, 32, 64, 128, 128}) {
		t.Errorf("cpu: %+v", c)
	}
}

// Results saved before version 1 (no kinds, stage parameters or run parameters) still decode and
// render: the kinds come from the operations' names.
func TestFig02SavedBeforeVersion1(t *testing.T) {
	r, err := Fig02At(scale.CPU)
	if err != nil {
		t.Fatal(err)
	}
	old := r
	for _, n := range []*Fig02Net{&old.Scale, &old.Paper} {
		n.Kinds, n.StageParams = nil, nil
	}
	old.Params = 0
	data, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "kinds") || strings.Contains(string(data), "stage_params") {
		t.Errorf("empty new fields are written: %s", data)
	}
	var back Fig02Results
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for i := range r.Paper.Ops {
		if back.Paper.Kind(i) != r.Paper.Kinds[i] {
			t.Errorf("stage %d (%s): kind %q from the name, %q from the layer table", i, r.Paper.Ops[i], back.Paper.Kind(i), r.Paper.Kinds[i])
		}
	}
	if back.Paper.Bottleneck() != r.Paper.Bottleneck() || back.Scale.Width() != 8 {
		t.Errorf("bottleneck %d, width %d", back.Paper.Bottleneck(), back.Scale.Width())
	}
	if _, err := Fig02Figure(back, scale.CPU); err != nil {
		t.Fatal(err)
	}
	if sum := summaryFig02(back); !strings.Contains(sum, "4 of 4 sequences agree") || strings.Contains(sum, "parameters)") {
		t.Errorf("summary of old results:\n%s", sum)
	}
	if _, err := Fig02Figure(Fig02Results{}, scale.CPU); err == nil {
		t.Error("empty results: want an error")
	}
}

// At paper scale Fig. 2 draws one row; at a reduced scale its title states both scales.
func TestFig02Titles(t *testing.T) {
	p, err := Fig02At(scale.Paper)
	if err != nil {
		t.Fatal(err)
	}
	fig, err := Fig02Figure(p, scale.Paper)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(fig.Title, "this scale") || !strings.Contains(fig.Title, "paper: N = 512, width 64") {
		t.Errorf("paper title %q", fig.Title)
	}
	c, err := Fig02At(scale.CPU)
	if err != nil {
		t.Fatal(err)
	}
	fig2, err := Fig02Figure(c, scale.CPU)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fig2.Title, "this scale (cpu): N = 128, width 8; paper: N = 512, width 64") || fig2.Height <= fig.Height {
		t.Errorf("cpu title %q, height %v (paper %v)", fig2.Title, fig2.Height, fig.Height)
	}
}
