package models

import (
	"math/bits"
	"reflect"
	"testing"

	"github.com/surrogo/surrogo/pkg/nn"
)

// TestPlanNN2Paper checks the plan at N = 100 against the authors' Flux code, and a few other sizes.
func TestPlanNN2Paper(t *testing.T) {
	for _, tc := range []struct {
		n                 int
		encSizes, encPads []int
		decSizes, decPads []int
		finalPad          int
	}{
		{100, []int{100, 50, 26, 13, 6, 3}, paperEncPads, []int{1, 3, 7, 13, 25, 51, 100}, paperDecPads, 2},
		{32, []int{32, 16, 8, 4, 3}, []int{0, 0, 0, 1}, []int{1, 3, 5, 9, 17, 32}, []int{0, 1, 1, 1}, 2},
		{34, []int{34, 17, 8, 4, 3}, []int{0, 0, 0, 1}, []int{1, 3, 5, 9, 17, 34}, []int{0, 1, 1, 1}, 1},
		{4, []int{4, 3}, []int{1}, []int{1, 3, 4}, []int{0}, 2},
	} {
		p, err := planNN2(tc.n)
		if err != nil {
			t.Fatal(err)
		}
		want := nn2Plan{encSizes: tc.encSizes, encPads: tc.encPads, decSizes: tc.decSizes, decPads: tc.decPads, finalPad: tc.finalPad}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("N=%d: plan %+v, want %+v", tc.n, p, want)
		}
	}
}

// TestPlanNN2All checks every even size up to 1024: the poolings reach 3 and the transposed
// convolutions (PyTorch's output-size formula) go from 1 back to N, with pads in {0, 1} (final 1 or 2),
// in L = floor(log2 t) levels; odd sizes are rejected.
func TestPlanNN2All(t *testing.T) {
	for n := 2; n <= 1024; n++ {
		p, err := planNN2(n)
		if n < 4 || n%2 != 0 {
			if err == nil {
				t.Errorf("N=%d accepted", n)
			}
			continue
		}
		if err != nil {
			t.Fatalf("N=%d: %v", n, err)
		}
		l := p.levels()
		tSize := n/2 + 1
		if n%4 != 0 {
			tSize = n / 2
		}
		if l != bits.Len(uint(tSize))-1 || len(p.decPads) != l || len(p.encSizes) != l+1 || len(p.decSizes) != l+2 {
			t.Fatalf("N=%d: %d levels (t = %d), plan %+v", n, l, tSize, p)
		}
		size := n
		for i, pad := range p.encPads {
			if pad != 0 && pad != 1 {
				t.Fatalf("N=%d: pool pad %d", n, pad)
			}
			size = (size + 2*pad) / 2
			if size != p.encSizes[i+1] {
				t.Fatalf("N=%d: encoder sizes %v with pads %v", n, p.encSizes, p.encPads)
			}
		}
		if size != 3 {
			t.Fatalf("N=%d: encoder ends at %d", n, size)
		}
		size = 1
		for i, pad := range p.decPads {
			if pad != 0 && pad != 1 {
				t.Fatalf("N=%d: transposed convolution pad %d", n, pad)
			}
			size = nn.ConvTransposeOutputSize(size, 3, 2, pad)
			if size != p.decSizes[i+1] {
				t.Fatalf("N=%d: decoder sizes %v with pads %v", n, p.decSizes, p.decPads)
			}
		}
		if got := nn.ConvTransposeOutputSize(size, 4, 2, p.finalPad); got != n || (p.finalPad != 2 && n%4 == 0) {
			t.Fatalf("N=%d: the final 4x4 transposed convolution (pad %d) gives %d", n, p.finalPad, got)
		}
	}
}

// TestPlanNN2Reduced checks the NN2 plans of the reduced 2021 scales written out in plan.go (cpu:
// N = 60; smoke: N = 40) against the spatial sizes of the built network's layers (Analyze), next to
// the paper's N = 100, and that NN1 keeps N x N throughout.
func TestPlanNN2Reduced(t *testing.T) {
	for _, tc := range []struct {
		n          int
		spatial    []int // output size of every NN2 convolution, pooling and transposed convolution, in order
		bottleneck int   // channels of the 1 x 1 bottleneck at W = 64
	}{
		{100, []int{100, 50, 50, 26, 26, 13, 13, 6, 6, 3, 1, 3, 7, 13, 25, 51, 100}, 2048},
		{60, []int{60, 30, 30, 15, 15, 7, 7, 3, 1, 3, 7, 15, 31, 60}, 1024},
		{40, []int{40, 20, 20, 10, 10, 5, 5, 3, 1, 3, 5, 11, 21, 40}, 1024},
	} {
		c, err := Model2021(9, tc.n) // both branches
		if err != nil {
			t.Fatal(err)
		}
		a, err := Analyze(c)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		bottleneck := 0
		for _, l := range a.Layers {
			if l.Height != l.Width {
				t.Errorf("N=%d: %s %s is %d x %d", tc.n, l.Branch, l.Op, l.Height, l.Width)
			}
			switch {
			case l.Branch == "NN1" && l.Height != 0 && l.Height != tc.n:
				t.Errorf("N=%d: NN1 %s is %d x %d", tc.n, l.Op, l.Height, l.Width)
			case l.Branch == "NN2" && (l.Kind == KindConv || l.Kind == KindConvT || l.Kind == KindPool):
				got = append(got, l.Height)
				if l.Height == 1 {
					bottleneck = l.Channels
				}
			}
		}
		if !reflect.DeepEqual(got, tc.spatial) || bottleneck != tc.bottleneck {
			t.Errorf("N=%d: NN2 sizes %v (bottleneck %d channels), want %v (%d)", tc.n, got, bottleneck, tc.spatial, tc.bottleneck)
		}
		if c.LeakySlope != PaperLeakySlope2021 {
			t.Errorf("N=%d: slope %g, want Flux's default %g", tc.n, c.LeakySlope, PaperLeakySlope2021)
		}
	}
	ed, err := Default(EDCNN, 128)
	if err != nil || ed.LeakySlope != 0.02 {
		t.Errorf("edcnn slope %g (%v), want 0.02", ed.LeakySlope, err)
	}
}
