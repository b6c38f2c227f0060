package backend

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gopjrt/dtypes"
)

// naiveGather is gatherStrided's definition, element by element.
func naiveGather(y, x []float32, dims, step []int, base int) {
	index := make([]int, len(dims))
	for i := range y {
		off := base
		for a := range dims {
			off += index[a] * step[a]
		}
		y[i] = x[off]
		for a := len(dims) - 1; a >= 0; a-- {
			if index[a]++; index[a] < dims[a] {
				break
			}
			index[a] = 0
		}
	}
}

// permuted returns the output dimensions and the input step of each output axis of a transpose.
func permuted(in, perm []int) (dims, step []int) {
	st := rowMajorStrides(in)
	for _, p := range perm {
		dims, step = append(dims, in[p]), append(step, st[p])
	}
	return dims, step
}

// TestGatherStrided checks gatherStrided (Transpose, Slice) against its definition, on transposes
// of several ranks, with a base offset, with one and two threads.
func TestGatherStrided(t *testing.T) {
	for _, tc := range []struct {
		in, perm []int
		base     int
	}{
		{[]int{3, 3, 40, 33}, []int{0, 1, 3, 2}, 0}, // The kernel transposes of a dense-like layer.
		{[]int{64, 16}, []int{1, 0}, 0},
		{[]int{17, 5, 31}, []int{2, 1, 0}, 0}, // Axis 1 between the tiled ones.
		{[]int{2, 20, 3, 18}, []int{1, 3, 2, 0}, 0},
		{[]int{16, 16}, []int{1, 0}, 7}, // A base offset (a slice of a larger array).
		{[]int{5, 100}, []int{1, 0}, 0},
	} {
		t.Run(fmt.Sprint(tc.in, tc.perm), func(t *testing.T) {
			dims, step := permuted(tc.in, tc.perm)
			n := 1
			for _, d := range tc.in {
				n *= d
			}
			x := make([]float32, n+tc.base)
			for i := range x {
				x[i] = float32(i)
			}
			want := make([]float32, n)
			naiveGather(want, x, dims, step, tc.base)
			for _, threads := range []int{1, 2} {
				got := make([]float32, n)
				gatherStrided(got, x, dims, step, tc.base, threads)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("threads %d: element %d = %g, want %g", threads, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// BenchmarkTranspose times the transpose of a [3, 3, 2048, 1024] kernel's last two axes (the
// gradient of the 2021 NN2's first decoder layer): 75 MB read and written.
func BenchmarkTranspose(b *testing.B) {
	in := []int{3, 3, 2048, 1024}
	dims, step := permuted(in, []int{0, 1, 3, 2})
	x := make([]float32, 3*3*2048*1024)
	y := make([]float32, len(x))
	b.SetBytes(int64(8 * len(x)))
	for b.Loop() {
		gatherStrided(y, x, dims, step, 0, 2)
	}
}

// TestFastTransposeViews checks the two ways the fast backend avoids transposing around matrix
// products (the gradients of a product, as GoMLX writes them): a transposed operand read in place,
// and a transposed product computed with its operands exchanged. Results must equal the extended
// backend's, and no Transpose step may run.
func TestFastTransposeViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tensor := func(dims ...int) *tensors.Tensor {
		return tensors.FromFlatDataAndDimensions(toF32(randFloats(rng, shapes.Make(dtypes.Float32, dims...).Size())), dims...)
	}
	for _, tc := range []struct {
		name string
		a, b *tensors.Tensor
		fn   func(a, b *Node) *Node
	}{
		{"operand", tensor(5, 40, 33), tensor(5, 7, 40), func(a, b *Node) *Node {
			return DotGeneral(b, []int{2}, []int{0}, TransposeAllDims(a, 0, 2, 1), []int{2}, []int{0}) // [5, 7, 33]
		}},
		{"both-operands", tensor(40, 9), tensor(17, 40), func(a, b *Node) *Node {
			return DotGeneral(Transpose(a, 0, 1), []int{1}, nil, Transpose(b, 0, 1), []int{0}, nil) // [9, 17]
		}},
		{"product", tensor(3, 8, 20), tensor(3, 8, 30), func(a, b *Node) *Node {
			return TransposeAllDims(DotGeneral(a, []int{1}, []int{0}, b, []int{1}, []int{0}), 0, 2, 1) // [3, 30, 20]
		}},
		{"product-matrix", tensor(6, 20), tensor(20, 11), func(a, b *Node) *Node {
			return Transpose(DotGeneral(a, []int{1}, nil, b, []int{0}, nil), 0, 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			SetFastProfiling(true)
			defer SetFastProfiling(false)
			got := MustExecOnce(testFast, tc.fn, tc.a, tc.b)
			report := FastProfileReport(0)
			want := MustExecOnce(testExtended, tc.fn, must1(tc.a.LocalClone()), must1(tc.b.LocalClone()))
			if !got.Shape().Equal(want.Shape()) {
				t.Fatalf("shape %s, want %s", got.Shape(), want.Shape())
			}
			assertClose(t, tc.name, got, toF64(tensors.MustCopyFlatData[float32](want)), 100)
			if strings.Contains(report, "Transpose") {
				t.Errorf("a Transpose step ran:\n%s", report)
			}
		})
	}
}
