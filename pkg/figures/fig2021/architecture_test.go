package fig2021

import (
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/figures/internal/figkit"
	"github.com/surrogo/surrogo/pkg/models"
	"github.com/surrogo/surrogo/pkg/scale"
)

// archCases are the scales with the protocol's N and NN 2 width, and NN 2's bottleneck there.
var archCases = []struct {
	s                 scale.Scale
	n, width          int
	bottleneck, convs int // NN 2's bottleneck channels (1 × 1) and its convolutions
}{
	{scale.Smoke, 40, 2, 32, 10},
	{scale.CPU, 60, 8, 128, 10},
	{scale.GPU, 100, 32, 1024, 12},
	{scale.Paper, 100, 64, 2048, 12},
}

// The model the figures draw is model 9 at the protocol's N and width; at paper scale it is
// Table 1's.
func TestArchitectureModel(t *testing.T) {
	for _, tc := range archCases {
		c, err := ArchitectureModel(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewProtocol(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != models.DCNNAE || c.Size != tc.n || c.Width != tc.width || c.Size != p.N || c.Width != p.Width || c.P1 != 1 || c.P2 != 1 {
			t.Errorf("%s: %s, want model 9 at N = %d, width %d", tc.s, c.Describe(), tc.n, tc.width)
		}
	}
	c, err := ArchitectureModel(scale.Paper)
	if err != nil {
		t.Fatal(err)
	}
	if t1, err := Table1Model(); err != nil || !reflect.DeepEqual(c, t1) {
		t.Errorf("paper scale: %+v, Table 1's model %+v (%v)", c, t1, err)
	}
}

// The sketch's shapes come from the layer table: each branch's output and stages, NN 2's
// bottleneck and the sum's shape are models.Analyze's.
func TestArchitectureShapesFromLayerTable(t *testing.T) {
	for _, tc := range archCases {
		t.Run(string(tc.s), func(t *testing.T) {
			c, err := ArchitectureModel(tc.s)
			if err != nil {
				t.Fatal(err)
			}
			a, err := models.Analyze(c)
			if err != nil {
				t.Fatal(err)
			}
			n, err := NetworkAt(tc.s)
			if err != nil {
				t.Fatal(err)
			}
			last := a.Layers[len(a.Layers)-1]
			if n.Output != [3]int{last.Channels, last.Height, last.Width} || n.Output != [3]int{1, tc.n, tc.n} {
				t.Errorf("output %v, the layer table's %s, want 1 x %d x %d", n.Output, last.ShapeString(), tc.n, tc.n)
			}
			if n.Params != a.Params || n.N != tc.n || n.Width != tc.width || n.Scale != string(tc.s) {
				t.Errorf("network %+v", n)
			}
			params := 0
			for _, b := range n.Branches {
				params += b.Params
				// The branch's last layer and its stages, read off the table again.
				var lastOf models.Layer
				var maxCh int
				for _, l := range a.Layers {
					if l.Branch == b.Name {
						lastOf = l
						if l.Kind == models.KindConv || l.Kind == models.KindConvT {
							maxCh = max(maxCh, l.Channels)
						}
					}
				}
				if b.Output != [3]int{lastOf.Channels, lastOf.Height, lastOf.Width} {
					t.Errorf("%s: output %v, the layer table's %s", b.Name, b.Output, lastOf.ShapeString())
				}
				if !reflect.DeepEqual(b.Stages, Stages(a, b.Name)) || b.Stages[0] != (Stage{Op: "input", Channels: 1, Side: tc.n}) {
					t.Errorf("%s: stages %v", b.Name, b.Stages)
				}
				if end := b.Stages[len(b.Stages)-1]; end.Channels != 1 || end.Side != tc.n {
					t.Errorf("%s: last stage %+v", b.Name, end)
				}
				bn := b.Stages[b.Bottleneck]
				switch b.Name {
				case "NN1":
					if b.Convs != 6 || b.Rows != 14 || len(b.Stages) != 7 || bn.Channels != 16 || bn.Side != tc.n {
						t.Errorf("NN1: %d convolutions, %d rows, %d stages, widest %+v", b.Convs, b.Rows, len(b.Stages), bn)
					}
				case "NN2":
					if bn.Channels != maxCh || bn.Channels != tc.bottleneck || bn.Side != 1 || bn.Kind != models.KindConv {
						t.Errorf("NN2: bottleneck %+v, the layer table's widest %d, want %d x 1 x 1", bn, maxCh, tc.bottleneck)
					}
					if b.Convs != tc.convs {
						t.Errorf("NN2: %d convolutions, want %d", b.Convs, tc.convs)
					}
				}
			}
			if len(n.Branches) != 2 || params != a.Params {
				t.Errorf("%d branches, %d parameters; the model has %d", len(n.Branches), params, a.Params)
			}
		})
	}
}

// A model with one branch off has one branch in its sketch.
func TestArchitectureOneBranch(t *testing.T) {
	for _, tc := range []struct {
		model int
		want  string
	}{{5, "NN2"}, {7, "NN1"}} {
		c, err := models.Model2021(tc.model, 40)
		if err != nil {
			t.Fatal(err)
		}
		a, err := models.Analyze(c)
		if err != nil {
			t.Fatal(err)
		}
		n, err := NewNetwork(a, scale.Smoke, tc.model)
		if err != nil {
			t.Fatal(err)
		}
		if len(n.Branches) != 1 || n.Branches[0].Name != tc.want || n.Branches[0].Params != a.Params {
			t.Errorf("model %d: branches %+v", tc.model, n.Branches)
		}
	}
	if _, err := NewNetwork(&models.Analysis{Config: models.Config{Name: models.EDCNN}}, scale.Smoke, 1); err == nil {
		t.Error("an edcnn analysis: want an error")
	}
}

// The paper's Fig. 3 caption agrees with the paper-size network except NN 2's encoder sides (the
// authors' code pads the second mean pool: 26 and 13 for the caption's 25 and 12).
func TestArchitectureCaption(t *testing.T) {
	n, err := NetworkAt(scale.Paper)
	if err != nil {
		t.Fatal(err)
	}
	checks := CheckCaption(n)
	if len(checks) != len(captionSequences) {
		t.Fatalf("%d checks, want %d", len(checks), len(captionSequences))
	}
	for _, c := range checks {
		wantAgree := !strings.HasPrefix(c.What, "encoder: image sides")
		if c.Agrees != wantAgree {
			t.Errorf("%s %s: caption %v, model %v, agrees = %v", c.Branch, c.What, c.Paper, c.Model, c.Agrees)
		}
		if !c.Agrees && !reflect.DeepEqual(c.Model, []int{100, 50, 26, 13, 6, 3, 1}) {
			t.Errorf("NN 2's encoder sides %v", c.Model)
		}
	}
}

func TestArchitectureHelpers(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		want string
	}{{nil, ""}, {[]int{4}, "4"}, {[]int{6, 7}, "6, 7"}, {[]int{1, 2, 3, 8, 9, 10, 11}, "1–3, 8–11"}, {[]int{4, 5, 12, 13, 14}, "4, 5, 12–14"}} {
		if got := archRanges(tc.in); got != tc.want {
			t.Errorf("archRanges(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 3075: "3,075", 50290243: "50,290,243"} {
		if got := archThousands(n); got != want {
			t.Errorf("archThousands(%d) = %q, want %q", n, got, want)
		}
	}
	sw, err := Switches()
	if err != nil {
		t.Fatal(err)
	}
	both, nn1, nn2 := switchGroups(sw)
	if archRanges(both) != "1–3, 8–11" || archRanges(nn1) != "6, 7" || archRanges(nn2) != "4, 5, 12–14" {
		t.Errorf("switch groups %v %v %v", both, nn1, nn2)
	}
}

// ensureArch computes and renders a figure at the smoke scale into a temporary directory and
// returns its stored results and the summary; the PNG must decode.
func ensureArch(t *testing.T, id string) (*figures.Stored, string) {
	t.Helper()
	root := t.TempDir()
	opt := figures.Options{Scale: scale.Smoke, Root: root, Log: io.Discard}
	st, err := figures.Ensure(id, opt)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := figures.Render(id, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := figkit.CheckRendered(paths, 1000, 500); err != nil {
		t.Error(err)
	}
	sum, err := figures.Summary(st)
	if err != nil {
		t.Fatal(err)
	}
	return st, sum
}

func TestFig02Smoke(t *testing.T) {
	st, sum := ensureArch(t, "2021-fig02")
	var r Fig02Results
	if err := json.Unmarshal(st.Results, &r); err != nil {
		t.Fatal(err)
	}
	if r.Scale.N != 40 || r.Scale.Width != 2 || r.Paper.N != 100 || r.Paper.Width != 64 || len(r.Switches) != 14 {
		t.Errorf("N, width %d, %d (paper %d, %d), %d switches", r.Scale.N, r.Scale.Width, r.Paper.N, r.Paper.Width, len(r.Switches))
	}
	for _, want := range []string{"N = 40, width 2", "50,293,318", "bottleneck 32 × 1 × 1", "bottleneck 2048 × 1 × 1", "NN 1 only in 6, 7"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func TestFig03Smoke(t *testing.T) {
	st, sum := ensureArch(t, "2021-fig03")
	var r Fig03Results
	if err := json.Unmarshal(st.Results, &r); err != nil {
		t.Fatal(err)
	}
	nn2, ok := r.Paper.Branch("NN2")
	if !ok || len(nn2.Stages) != 18 || nn2.Stages[nn2.Bottleneck].Shape() != "2048 x 1 x 1" || len(r.Caption) != 5 {
		t.Errorf("paper NN2 %+v, %d caption checks", nn2, len(r.Caption))
	}
	for _, want := range []string{"N = 40, width 2", "32 × 1 × 1 bottleneck", "2048 × 1 × 1 bottleneck", "4 of 5 agree", "100, 50, 26, 13, 6, 3, 1"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

// At paper scale the figures draw one network (no "this scale" next to the paper's).
func TestFig02Fig03PaperScale(t *testing.T) {
	n, err := NetworkAt(scale.Paper)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := Switches()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Fig02Figure(Fig02Results{Scale: n, Paper: n, Switches: sw}); err != nil {
		t.Fatal(err)
	}
	fig, err := Fig03Figure(Fig03Results{Scale: n, Paper: n, Caption: CheckCaption(n)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(fig.Title, "this scale") {
		t.Errorf("title %q", fig.Title)
	}
	if sum := summaryFig03(Fig03Results{Scale: n, Paper: n, Caption: CheckCaption(n)}); strings.Count(sum, "**paper") != 1 || strings.Contains(sum, "this scale") {
		t.Errorf("paper-scale summary:\n%s", sum)
	}
}
