package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/nn"
)

// tinyEDCNN is a miniature of the papers' encoder-decoder CNN, using every layer of the package:
// [B, 16, 16, 1] -> Conv+BN+LReLU+AvgPool -> Conv+LReLU+AvgPool (4x4) -> ConvT stride 2 (8x8) ->
// Upsample2 (16x16) -> Dropout -> ConvT stride 1 -> [B, 16, 16, 1].
func tinyEDCNN(ctx *context.Context, x *Node) *Node {
	x = nn.Conv2D(ctx.In("enc1"), x, 4, 3).Done()
	x = nn.BatchNorm(ctx.In("enc1"), x)
	x = nn.AvgPool2(nn.LeakyReLUFromContext(ctx, x))
	x = nn.Conv2D(ctx.In("enc2"), x, 8, 3).Done()
	x = nn.AvgPool2(nn.LeakyReLUFromContext(ctx, x))
	x = nn.ConvTranspose2D(ctx.In("dec1"), x, 4, 4).Stride(2).Pad(1).Done() // 4 -> 8.
	x = nn.Upsample2(nn.LeakyReLUFromContext(ctx, x))
	x = nn.Dropout(ctx, x, 0.1)
	return nn.ConvTranspose2D(ctx.In("dec2"), x, 1, 3).Pad(1).Done()
}

// TestTrainTinyEDCNN trains the miniature model with Adam on the extended pure-Go backend, checking that
// the whole stack (layers, their gradients, batchnorm, the optimizer) works and learns.
func TestTrainTinyEDCNN(t *testing.T) {
	b, err := backend.NewExtendedGo("")
	if err != nil {
		t.Fatal(err)
	}
	const batch, size = 8, 16
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := make([]float32, batch*size*size)
	targets := make([]float32, len(inputs))
	for i := range inputs {
		inputs[i] = float32(rng.Float64())
	}
	// Target: a smoothed copy of the input (a crude "diffusion").
	for bi := range batch {
		for r := range size {
			for c := range size {
				var sum float32
				var n int
				for dr := -1; dr <= 1; dr++ {
					for dc := -1; dc <= 1; dc++ {
						if rr, cc := r+dr, c+dc; rr >= 0 && cc >= 0 && rr < size && cc < size {
							sum += inputs[(bi*size+rr)*size+cc]
							n++
						}
					}
				}
				targets[(bi*size+r)*size+c] = sum / float32(n)
			}
		}
	}
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(3))
	ctx.SetParam(optimizers.ParamLearningRate, 0.01)
	trainer := train.NewTrainer(b, ctx,
		func(ctx *context.Context, _ any, inputs []*Node) []*Node { return []*Node{tinyEDCNN(ctx, inputs[0])} },
		losses.MeanSquaredError, optimizers.Adam().Done(), nil, nil)
	x := tensors.FromFlatDataAndDimensions(inputs, batch, size, size, 1)
	y := tensors.FromFlatDataAndDimensions(targets, batch, size, size, 1)
	var first, last float64
	for step := range 60 {
		metrics, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		loss := float64(tensors.ToScalar[float32](metrics[0]))
		if math.IsNaN(loss) {
			t.Fatalf("step %d: loss is NaN", step)
		}
		if step == 0 {
			first = loss
		}
		last = loss
	}
	if !(last < first/3) {
		t.Fatalf("the loss did not decrease enough: %g -> %g", first, last)
	}
}

// Example builds the miniature encoder-decoder of TestTrainTinyEDCNN on the extended pure-Go backend
// and prints the shapes of its output and of one of its kernels.
func Example() {
	b, err := backend.New() // $GOMLX_BACKEND, or the extended pure-Go backend.
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.New()
	exec := context.MustNewExec(b, ctx, tinyEDCNN)
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 2, 16, 16, 1)) // A batch of 2 blank 16x16 images.
	y := exec.MustExec(x)[0]
	fmt.Println("output:", y.Shape())
	fmt.Println("dec1 weights:", ctx.In("dec1").In("conv_transpose2d").GetVariable("weights").MustValue().Shape())
	// Output:
	// output: (Float32)[2 16 16 1]
	// dec1 weights: (Float32)[4 4 8 4]
}
