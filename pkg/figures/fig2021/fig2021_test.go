package fig2021

import (
	"encoding/json"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/solver"
)

func TestFig01(t *testing.T) {
	root := t.TempDir()
	opt := figures.Options{Scale: scale.Smoke, Root: root, Log: io.Discard}
	st, err := figures.Ensure("2021-fig01", opt)
	if err != nil {
		t.Fatal(err)
	}
	var r Fig01Results
	if err := json.Unmarshal(st.Results, &r); err != nil {
		t.Fatal(err)
	}
	if r.N != 100 || len(r.Sources) != 2 || len(r.Models) != 2 {
		t.Fatalf("N = %d, %d sources, %d models; want 100, 2, 2", r.N, len(r.Sources), len(r.Models))
	}
	if d := math.Hypot(r.Sources[0].X-r.Sources[1].X, r.Sources[0].Y-r.Sources[1].Y); d <= 2*r.Sources[0].R {
		t.Errorf("the 2021 sources overlap: centres %.1f apart", d)
	}
	data, shape, err := npy.ReadFileFloat32(filepath.Join(root, "2021-fig01", "smoke", r.Fields))
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 3 || shape[0] != 2 || shape[1] != 100 || shape[2] != 100 {
		t.Fatalf("fields shape %v", shape)
	}
	for m, model := range r.Models {
		field := data[m*10000 : (m+1)*10000]
		var maxV float32
		for _, v := range field {
			maxV = max(maxV, v)
		}
		if math.Abs(float64(maxV)-1) > 1e-6 {
			t.Errorf("%s: field maximum %g, want 1", model.Model, maxV)
		}
		if model.Residual > solver.DefaultTol {
			t.Errorf("%s: residual %g", model.Model, model.Residual)
		}
	}
	// The clamped field equals the source values on the disks.
	cl := r.Models[1]
	if cl.Model != string(solver.Clamped) {
		t.Fatalf("second model %q, want clamped", cl.Model)
	}
	for i, s := range r.Sources {
		if math.Abs(cl.AtCentres[i]-s.Value) > 1e-9 {
			t.Errorf("clamped field at source %d: %g, want its value %g", i, cl.AtCentres[i], s.Value)
		}
	}
	paths, err := figures.Render("2021-fig01", opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 3 {
		t.Errorf("rendered files %v", paths)
	}
	if sum, err := figures.Summary(st); err != nil || !strings.Contains(sum, "| clamped |") {
		t.Errorf("summary %q, error %v", sum, err)
	}
}

func TestProfile(t *testing.T) {
	const n = 10
	field := make([]float32, n*n)
	for i := range field {
		field[i] = float32(i % n) // the column index
	}
	// A horizontal line through row 4: the values are the columns, at half-cell steps.
	a := solver.Source{X: 2, Y: 4}
	b := solver.Source{X: 6, Y: 4}
	dist, val := profile(field, n, a, b)
	if len(dist) == 0 || len(dist) != len(val) {
		t.Fatalf("%d distances, %d values", len(dist), len(val))
	}
	for i := range dist {
		if want := math.Round(2 + dist[i]); math.Abs(val[i]-want) > 1 {
			t.Errorf("at distance %g: %g, want about %g", dist[i], val[i], want)
		}
		if col := 2 + dist[i]; col < -0.5 || col > n-0.5 {
			t.Errorf("sample at column %g outside the lattice", col)
		}
	}
	if d, v := profile(field, n, a, a); d != nil || v != nil {
		t.Error("coincident centres: want no profile")
	}
}

func TestTable1(t *testing.T) {
	r := table1()
	if err := r.Table.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(r.Table.Rows) != len(nn2Rows) || len(nn1Rows) != 14 || len(nn2Rows) != 21 {
		t.Errorf("rows: table %d, NN1 %d, NN2 %d", len(r.Table.Rows), len(nn1Rows), len(nn2Rows))
	}
	convs := 0
	for _, row := range nn1Rows {
		if strings.HasPrefix(row[0], "Conv") {
			convs++
			if !strings.HasSuffix(row[2], "x 100 x 100") {
				t.Errorf("NN1 keeps 100 x 100: %q", row[2])
			}
		}
	}
	if convs != 6 {
		t.Errorf("NN1 has %d convolutions, want 6", convs)
	}
	if nn2Rows[12][2] != "2048 x 1 x 1" || nn2Rows[19][2] != "1 x 100 x 100" {
		t.Errorf("NN2 bottleneck %q, output %q", nn2Rows[12][2], nn2Rows[19][2])
	}
	if md := r.Table.Markdown(); !strings.Contains(md, "**(a) NN 1**") || !strings.Contains(md, "**(b) NN 2**") {
		t.Errorf("markdown lacks the two panels:\n%s", md)
	}
}
