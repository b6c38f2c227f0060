// Package models builds the surrogate networks of the diffusion papers as GoMLX graphs, channels last:
// an input image batch [B, N, N, 1] (the source layout) in, the predicted steady-state field
// [B, N, N, 1] out, in the input's dtype (float32 or bfloat16).
//
// Two models are registered (Names):
//
//   - "edcnn", the encoder-decoder CNN of the 2023 paper (Table 1, Fig. 2, and the authors' PyTorch
//     code): five Conv3x3+LeakyReLU+AvgPool2 stages (BatchNorm after the first convolution) take
//     N x N to N/32 x N/32 with 1 -> W -> 2W -> ... -> 32W channels; seven stride-1 ConvT3x3+LeakyReLU
//     layers with five nearest-neighbour x2 upsamplings come back to N x N with 32W -> 16W -> ... ->
//     W/2 -> 1 channels. The paper's Width W is 64 (a 2048 x 16 x 16 bottleneck at N = 512). The last
//     layer is a 3x3 transposed convolution, as in the authors' code: Table 1 says 4x4, which cannot
//     keep 512 x 512 with symmetric padding.
//   - "dcnn-ae", the 2021 paper's model y = P1*NN1(x) + P2*NN2(x) (Table 1, Figs. 2-3, and the authors'
//     Julia/Flux code): NN1 is six same-size Conv3x3 layers (4, 8, 16, 8, 4, 1 channels) each followed
//     by BatchNorm, with dropout D1 after the first and D2 after the last; NN2 is an autoencoder that
//     mean-pools N x N down to 3 x 3, collapses it to 1 x 1 with a valid 3x3 convolution, and expands
//     it back with stride-2 transposed convolutions (see "The NN2 size plan" below). A branch whose
//     weight is 0 is not built.
//
// A Config describes a model (JSON-serializable); Default gives the papers' values at a lattice size,
// Model2021 the architectures of the 2021 paper's Table 2, Build returns the graph-building function
// Fn, and Analyze builds the graph on shapes only (no tensor is allocated, so paper sizes cost
// nothing) to list every layer with its output shape, parameters and FLOPs: the papers' Table 1
// regenerated from the code.
//
// # Layers, training and inference
//
// The layers are those of package nn. Dropout is active and BatchNorm normalizes with the batch
// statistics (updating its moving averages) only in a training graph (context.Context.SetTraining,
// which GoMLX's train.Trainer sets for its training steps); otherwise dropout is the identity and
// BatchNorm uses the moving averages. Every variable of a model is created in the input's dtype,
// except BatchNorm's: for a bfloat16 (or float16) input, BatchNorm converts its input to float32,
// computes the batch statistics, keeps its scale, offset and moving averages in float32, and converts
// its output back, as PyTorch's autocast does. Its statistics are means over batch*height*width
// values, and half-precision accumulation ruins them (GoMLX's pure-Go backend rounds a bfloat16 sum to
// bfloat16 after every addition); for the same reason, compute losses in float32. Convolutions have
// biases (PyTorch's and Flux's default). LeakyReLU slopes are Config.LeakySlope: 0.02 for edcnn (the 2023
// authors' PyTorch code) and 0.01 for dcnn-ae (the 2021 paper gives none; its authors' Flux code uses
// Flux's leakyrelu, default slope 0.01).
//
// # The NN2 size plan
//
// The authors' NN2 is written for N = 100: 100 -> 50 -> 26 -> 13 -> 6 -> 3 by 2x2 mean pooling (the
// second with pad 1, Flux's MeanPool((2,2); pad=1)), a valid 3x3 convolution to 1 x 1, then 3x3
// stride-2 transposed convolutions 1 -> 3 -> 7 -> 13 -> 25 -> 51 (pads 0, 0, 1, 1, 0) and a 4x4
// stride-2 pad-2 one 51 -> 100. (The paper's Table 1 prints 25 and 12 after the second and third
// pools; the code, followed here, gives 26 and 13.) For another even N the chain is computed (Analyze
// lists it): the decoder must reach N from 1 by steps out = 2*in + 1 - 2*pad, pad in {0, 1}, and a
// final 4x4 step out = 2*in + 2 - 2*q with q = 2 (the paper's) when N is a multiple of 4 and q = 1
// otherwise; this fixes the number of levels L = floor(log2(t)) for t = N/2 + 1 (q = 2) or N/2
// (q = 1), and the pads (they are unique). The encoder then has L pooling levels, with channels
// W, 2W, ..., 2^(L-1) W, a bottleneck of 2^L W channels, and decoder channels 2^(L-1) W, ..., W, 1.
// Its pads are the authors' (0, 1, 0, 0, 0) when L = 5 and they reach 3 x 3 (the even N from 92 to
// 122, 100 included), and otherwise the pads in {0, 1} that reach 3 x 3 with the fewest padded levels, the
// deepest levels padded first. Odd N are rejected (the final stride-2 step gives even sizes).
// Examples: N = 32 has 4 levels (32 -> 16 -> 8 -> 4 -> 3 -> 1 -> 3 -> 5 -> 9 -> 17 -> 32), N = 64 has
// 5 (64 -> ... -> 4 -> 3 -> 1 -> 3 -> 5 -> 9 -> 17 -> 33 -> 64), N = 512 has 8 (a bottleneck of 256 W
// channels: reduce Width).
//
// # FLOPs
//
// FLOPs count 2 per multiply-add of the convolutions, per sample, forward: 2*Hout*Wout*k*k*Cin*Cout
// for a convolution and 2*Hin*Win*k*k*Cin*Cout for a transposed one (each input pixel meets the
// whole kernel; an implementation inserting zeros does up to stride^2 times more). Element-wise
// layers, pooling and BatchNorm are not counted. A training step costs about three times the forward
// FLOPs (forward, gradient with respect to the input, gradient with respect to the weights).
package models
