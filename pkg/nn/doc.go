// Package nn provides the neural-network layers of the surrogate models of the diffusion papers, on top
// of GoMLX, for images in the channels-last layout [batch, height, width, channels]:
//
//   - Conv2D and ConvTranspose2D (PyTorch semantics: padding, stride, output size
//     ConvTransposeOutputSize), with a kernel variable [k, k, in, out] and a bias;
//   - AvgPool2 and AvgPool2Padded (2x2 mean pooling, Flux's MeanPool with pad) and Upsample2
//     (nearest-neighbour x2), written as Reshape/Broadcast/Reduce so their gradients are exact and cheap;
//   - LeakyReLU, BatchNorm (GoMLX's batchnorm with PyTorch/Flux momentum and epsilon) and Dropout.
//
// Layers are functions of a *context.Context (variables, training flag, hyperparameters such as
// ParamLeakyReLUSlope) and a *graph.Node, in GoMLX's style: as graph-building code they panic on invalid
// shapes or configurations, and GoMLX's Exec turns such panics into errors.
//
// Every layer works on every GoMLX backend; on the pure-Go one use the extended backend of package
// backend, which supplies the ops their gradients need (Pad for Slice, BatchNorm) and fast convolutions.
package nn
