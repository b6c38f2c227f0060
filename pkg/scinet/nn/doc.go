// Package nn holds the small GoMLX building blocks behind the SciNet review reproduction: activations
// (ReLU, ELU, sigmoid, identity), a dense layer with PyTorch's default initialisation, fully connected
// nets of any widths, and a [Learner] that trains a model with Adam on fresh samples drawn every step
// from a seeded host-side [Sampler].
//
// Models are plain functions of a *context.Context (GoMLX's convention); the learning rate lives in
// the context as the parameter optimizers.ParamLearningRate, and optimizers.Adam computes the gradients
// by GoMLX's automatic differentiation and updates the variables. Every function that executes graphs
// takes the backends.Backend as an argument (package github.com/surrogo/surrogo/pkg/backend picks one).
//
// # Gradients
//
// GoMLX v0.25 builds the gradient of a matrix product as a broadcast product followed by a sum, which
// the plain pure-Go backend materialises as a [batch, in, out] tensor: an earlier version of this
// package carried hand-written backward passes to avoid it. The extended pure-Go backend of package
// backend turns that pattern back into one matrix product, and automatic differentiation is now as
// fast as the hand-written passes were (measured with the benchmarks of package scinet: 1-8-1 and
// 1-128-1 nets at batch 2048, SciNet at batch 512 and 2048, all within noise of each other on 2
// cores), so the models are differentiated automatically. The tests pin the gradients against a
// float64 host implementation of back-propagation.
//
// Reproducibility: the weights and the in-graph random numbers come from the context's RNG, seeded
// with the context parameter context.ParamInitialSeed; the training samples come from a math/rand/v2
// PCG generator seeded separately. On the pure-Go backend two runs with the same seed give bit-identical
// results.
package nn
