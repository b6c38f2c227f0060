package models

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX style: graph ops unqualified.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// buildEDCNN builds the 2023 paper's encoder-decoder CNN (Table 1; the authors' PyTorch code for the
// 3x3 last layer). Scopes: enc1 ... enc6, dec1 ... dec7.
func buildEDCNN(ctx *context.Context, c Config, x *Node, n *net) *Node {
	w := c.Width
	// Encoder: Conv3x3 pad 1 + LReLU (+ BatchNorm before the first LReLU) + AvgPool2, five times, then
	// the bottleneck Conv3x3 + LReLU: N -> N/32, 1 -> W -> ... -> 32W channels.
	for i, ch := range []int{w, 2 * w, 4 * w, 8 * w, 16 * w, 32 * w} {
		lctx := ctx.In(fmt.Sprintf("enc%d", i+1))
		x = n.conv(lctx, x, ch, 3, 1)
		if i == 0 {
			x = n.batchNorm(lctx, x)
		}
		x = n.leaky(x)
		if i < 5 {
			x = n.pool(x, 0, "AvgPool2d")
		}
	}
	// Decoder: stride-1 ConvT3x3 pad 1 + LReLU, then an Upsample x2 after all but the first:
	// 32W -> 16W -> 8W (N/16) -> 4W (N/8) -> 2W (N/4) -> W (N/2) -> W/2 (N), and ConvT3x3 W/2 -> 1 + LReLU.
	for i, ch := range []int{16 * w, 8 * w, 4 * w, 2 * w, w, w / 2} {
		x = n.convT(ctx.In(fmt.Sprintf("dec%d", i+1)), x, ch, 3, 1, 1)
		x = n.leaky(x)
		if i > 0 {
			x = n.upsample(x)
		}
	}
	x = n.convT(ctx.In("dec7"), x, 1, 3, 1, 1)
	return n.leaky(x)
}
