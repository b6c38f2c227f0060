package backend_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/surrogo/surrogo/pkg/backend"
)

// The default backend, the fast CPU backend, trains convolutions: here the gradient of a 3x3 convolution
// with respect to its kernel, which stock SimpleGo cannot compute (it needs Reverse).
func ExampleNewWithConfig() {
	b, err := backend.NewWithConfig("") // What New returns when $GOMLX_BACKEND is unset.
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Finalize()
	info := backend.Describe(b)
	fmt.Println(info.Name, info.Fast, info.Devices)

	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1)
	kernel := tensors.FromFlatDataAndDimensions(make([]float32, 9), 3, 3, 1, 1)
	grad := MustExecOnce(b, func(x, kernel *Node) *Node {
		y := Convolve(x, kernel).PadSame().Done()
		return Gradient(ReduceAllSum(y), kernel)[0]
	}, x, kernel)
	fmt.Println(grad.Shape(), tensors.MustCopyFlatData[float32](grad))
	// Output:
	// surrogo true [device#0]
	// (Float32)[3 3 1 1] [12 21 16 27 45 33 24 39 28]
}

// CUDAStatus tells what a CUDA backend needs; New uses it to explain a failure.
func ExampleCUDAStatus() {
	if st := backend.CUDAStatus(); !st.Ready() {
		fmt.Println("no GPU:", st.Problem())
	}
}
