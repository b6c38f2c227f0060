package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// BenchmarkLayerTrain times a training step (forward, and gradients with respect to the input and the
// variables) of layers of the papers' models on the extended pure-Go backend, and reports GFLOP/s
// counting 3 x 2 x (input or output pixels) x k*k x Cin x Cout useful FLOPs per step.
func BenchmarkLayerTrain(b *testing.B) {
	for _, tc := range []struct {
		name                string
		batch, size, cin, k int
		cout, stride, pad   int
		transposed          bool
	}{
		{name: "Conv3x3", batch: 8, size: 64, cin: 16, cout: 32, k: 3, stride: 1, pad: 1},
		{name: "ConvT3x3s1", batch: 8, size: 32, cin: 32, cout: 16, k: 3, stride: 1, pad: 1, transposed: true},
		{name: "ConvT3x3s2_NN2_25to51", batch: 8, size: 25, cin: 128, cout: 64, k: 3, stride: 2, pad: 0, transposed: true},
		{name: "ConvT4x4s2_NN2_51to100", batch: 8, size: 51, cin: 64, cout: 1, k: 4, stride: 2, pad: 2, transposed: true},
	} {
		// Useful multiply-adds: every input pixel (transposed) or output pixel (direct) meets k*k taps.
		flops := 3 * 2 * float64(tc.batch*tc.size*tc.size*tc.k*tc.k*tc.cin*tc.cout)
		b.Run(fmt.Sprintf("%s_B%d_%d_%d-%d", tc.name, tc.batch, tc.size, tc.cin, tc.cout), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			ctx := context.New()
			x := tensors.FromFlatDataAndDimensions(randFloats(rng, tc.batch*tc.size*tc.size*tc.cin), tc.batch, tc.size, tc.size, tc.cin)
			exec := context.MustNewExec(testBackend, ctx, func(ctx *context.Context, x *Node) []*Node {
				var y *Node
				if tc.transposed {
					y = ConvTranspose2D(ctx, x, tc.cout, tc.k).Stride(tc.stride).Pad(tc.pad).Done()
				} else {
					y = Conv2D(ctx, x, tc.cout, tc.k).Stride(tc.stride).Pad(tc.pad).Done()
				}
				loss := ReduceAllSum(Square(y))
				vars := []*Node{x}
				for v := range ctx.IterVariables() {
					vars = append(vars, v.ValueGraph(x.Graph()))
				}
				return Gradient(loss, vars...)
			})
			step := func() {
				for _, t := range exec.MustExec(x) {
					t.FinalizeAll()
				}
			}
			step() // Compile.
			b.ResetTimer()
			for b.Loop() {
				step()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
