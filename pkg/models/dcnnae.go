package models

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style: graph ops unqualified.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// buildDCNNAE builds the 2021 paper's y = P1*NN1(x) + P2*NN2(x), skipping a branch whose weight is 0.
// Scopes: nn1/conv1 ... nn1/conv6; nn2/enc1 ... nn2/enc<L+1>, nn2/dec1 ... nn2/dec<L+1>.
func buildDCNNAE(ctx *context.Context, c Config, x *Node, n *net) *Node {
	var y *Node
	add := func(branch *Node, p float64) {
		if p != 1 {
			branch = MulScalar(branch, p)
		}
		if y == nil {
			y = branch
		} else {
			y = Add(y, branch)
		}
	}
	if c.P1 != 0 {
		n.branch = "NN1"
		add(buildNN1(ctx.In("nn1"), c, x, n), c.P1)
	}
	if c.P2 != 0 {
		n.branch = "NN2"
		add(buildNN2(ctx.In("nn2"), c, x, n), c.P2)
	}
	n.branch = ""
	n.record(y, KindSum, fmt.Sprintf("%g*NN1 + %g*NN2", c.P1, c.P2), "", 0, n.countVariables())
	return y
}

// buildNN1 is the 2021 paper's NN1: six same-size Conv3x3 (4, 8, 16, 8, 4, 1 channels), LReLU (ReLU
// after the last), each followed by BatchNorm; dropout D1 after the first activation and D2 after the
// last, before their BatchNorm (Table 1, left).
func buildNN1(ctx *context.Context, c Config, x *Node, n *net) *Node {
	chans := []int{4, 8, 16, 8, 4, 1}
	for i, ch := range chans {
		lctx := ctx.In(fmt.Sprintf("conv%d", i+1))
		x = n.conv(lctx, x, ch, 3, 1)
		switch i {
		case 0:
			x = n.leaky(x)
			x = n.dropout(lctx, x, c.D1, "Dropout 1 (D_1)")
		case len(chans) - 1:
			x = n.relu(x)
			x = n.dropout(lctx, x, c.D2, "Dropout 2 (D_2)")
			x = n.outputBatchNorm(lctx, x, c.OutputScale)
			continue
		default:
			x = n.leaky(x)
		}
		x = n.batchNorm(lctx, x)
	}
	return x
}

// buildNN2 is the 2021 paper's autoencoder NN2 (Table 1, right; the authors' Flux code for the sizes),
// on the size plan of planNN2.
func buildNN2(ctx *context.Context, c Config, x *Node, n *net) *Node {
	plan, err := planNN2(c.Size)
	if err != nil {
		panic(err)
	}
	levels := plan.levels()
	w := c.Width
	// Encoder: Conv3x3 pad 1 + LReLU (+ BatchNorm and dropout D3 after the first) + Meanpool, per level.
	for l := range levels {
		lctx := ctx.In(fmt.Sprintf("enc%d", l+1))
		x = n.conv(lctx, x, w<<l, 3, 1)
		x = n.leaky(x)
		if l == 0 {
			x = n.batchNorm(lctx, x)
			x = n.dropout(lctx, x, c.D3, "Dropout 3 (D_3)")
		}
		x = n.pool(x, plan.encPads[l], "Meanpool")
	}
	// Bottleneck: a valid Conv3x3, 3x3 -> 1x1.
	x = n.leaky(n.conv(ctx.In(fmt.Sprintf("enc%d", levels+1)), x, w<<levels, 3, 0))
	// Decoder: ConvT3x3 stride 2 + LReLU per level, 1 -> ... -> t, halving the channels.
	for l := range levels {
		x = n.convT(ctx.In(fmt.Sprintf("dec%d", l+1)), x, w<<(levels-1-l), 3, 2, plan.decPads[l])
		x = n.leaky(x)
	}
	x = n.dropout(ctx.In(fmt.Sprintf("dec%d", levels+1)), x, c.D4, "Dropout 4 (D_4)")
	// Output: ConvT4x4 stride 2 -> N, ReLU, BatchNorm.
	lctx := ctx.In(fmt.Sprintf("dec%d", levels+1))
	x = n.relu(n.convT(lctx, x, 1, 4, 2, plan.finalPad))
	return n.outputBatchNorm(lctx, x, c.OutputScale)
}
