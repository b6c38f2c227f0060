// Package nn holds the small GoMLX building blocks behind the SciNet review reproduction: activations
// (ReLU, ELU, sigmoid, identity), a dense layer with PyTorch's default initialisation, fully connected
// nets of any widths, and a [Learner] that trains a model with Adam on fresh samples drawn every step
// from a seeded host-side [Sampler].
//
// Models are plain functions of a *context.Context (GoMLX's convention); the learning rate lives in
// the context as the parameter optimizers.ParamLearningRate, and optimizers.Adam updates the variables.
// Every function that executes graphs takes the backends.Backend as an argument; [NewBackend] picks one
// honouring $GOMLX_BACKEND and defaults to GoMLX's pure-Go backend.
//
// # Gradients
//
// The layers record their forward pass ([DenseTape], [Tape]) and provide hand-written backward
// passes, which the learner feeds to Adam. GoMLX v0.25 can differentiate the same graphs automatically
// (an [Objective] returning nil gradients asks for that), but its gradient of a matrix product
// materialises a [batch, in, out] tensor; on the pure-Go backend that made a SciNet step (batch 512)
// about 8 times slower than the hand-written pass, measured with the benchmarks of package scinet.
// Tests check that both give the same training trajectories.
//
// Reproducibility: the weights and the in-graph random numbers come from the context's RNG, seeded
// with the context parameter context.ParamInitialSeed; the training samples come from a math/rand/v2
// PCG generator seeded separately. On the pure-Go backend two runs with the same seed give bit-identical
// results.
package nn
