package models_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gopjrt/dtypes"
	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/models"
)

// Build a small ED-CNN and run it in inference on a batch of two blank 64 x 64 images.
func ExampleBuild() {
	c, err := models.Default(models.EDCNN, 64)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Width = 8 // The paper's is 64.
	fn, err := models.Build(c)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := backend.New() // $GOMLX_BACKEND, by default the extended pure-Go backend.
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.New()
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) *Node { return fn(ctx, x) })
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := exec.Exec(tensors.FromShape(shapes.Make(dtypes.Float32, 2, 64, 64, 1)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Describe())
	fmt.Println("output:", out[0].Shape())
	fmt.Println("bottleneck kernel:", ctx.In("enc6").In("conv2d").GetVariable("weights").MustValue().Shape())
	// Output:
	// edcnn N=64 W=8: 64->2x2x256->64, BatchNorm, LReLU(0.02)
	// output: (Float32)[2 64 64 1]
	// bottleneck kernel: (Float32)[3 3 128 256]
}

// Analyze regenerates a model's table from its graph, here the autoencoder branch of the 2021 model
// (its Table 2 model 5: P1 = 0) on a 32 x 32 lattice with width 2, where NN2 has four levels.
func ExampleAnalyze() {
	c, err := models.Model2021(5, 32)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Width = 2
	a, err := models.Analyze(c)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(a.TableWithAct())
	// Output:
	// Branch  Operation        Act          Output shape  Settings         Params     MFLOP
	// NN2     Conv 3 x 3       LReLU(0.01)  2 x 32 x 32   pad 1                20   0.03686
	// NN2     BatchNorm        Identity     -                                   4         -
	// NN2     Dropout 3 (D_3)  -            -             rate 0.1              -         -
	// NN2     Meanpool         Identity     2 x 16 x 16                         -         -
	// NN2     Conv 3 x 3       LReLU(0.01)  4 x 16 x 16   pad 1                76   0.03686
	// NN2     Meanpool         Identity     4 x 8 x 8                           -         -
	// NN2     Conv 3 x 3       LReLU(0.01)  8 x 8 x 8     pad 1               296   0.03686
	// NN2     Meanpool         Identity     8 x 4 x 4                           -         -
	// NN2     Conv 3 x 3       LReLU(0.01)  16 x 4 x 4    pad 1              1168   0.03686
	// NN2     Meanpool         Identity     16 x 3 x 3    pad 1                 -         -
	// NN2     Conv 3 x 3       LReLU(0.01)  32 x 1 x 1    valid              4640  0.009216
	// NN2     ConvT 3 x 3      LReLU(0.01)  16 x 3 x 3    stride 2, pad 0    4624  0.009216
	// NN2     ConvT 3 x 3      LReLU(0.01)  8 x 5 x 5     stride 2, pad 1    1160   0.02074
	// NN2     ConvT 3 x 3      LReLU(0.01)  4 x 9 x 9     stride 2, pad 1     292    0.0144
	// NN2     ConvT 3 x 3      LReLU(0.01)  2 x 17 x 17   stride 2, pad 1      74   0.01166
	// NN2     Dropout 4 (D_4)  -            -             rate 0.1              -         -
	// NN2     ConvT 4 x 4      ReLU         1 x 32 x 32   stride 2, pad 2      33    0.0185
	// NN2     BatchNorm        Identity     -                                   2         -
	//         0*NN1 + 1*NN2    -            -                                   -         -
	// dcnn-ae N=32 W=2: 0*NN1 + 1*NN2(4 levels 32->3->1x1x32->32, D3=0.1 D4=0.1), BatchNorm, LReLU(0.01), output BatchNorm scale 0.145 at start: 12389 parameters (+9 BatchNorm statistics), 0.0002312 GFLOP forward per sample
}
