// Package fig2021 reproduces the figures and tables of the 2021 paper "Deep learning
// approaches to surrogates for solving the diffusion equation for mechanistic real-world
// simulations" (Toledo-Marín, Fox, Sluka, Glazier) that need no trained model:
//
//   - 2021-fig01: the input and the stationary solution of a two-source 100 × 100
//     configuration of the paper's data set, for both source models (the authors' data
//     generator and the paper's text);
//   - 2021-table1: the architectures of NN 1 (DCNN) and NN 2 (autoencoder), layer by layer.
//
// Each is a figures.Def registered when the package is imported (blank-import it next to
// package figures, as the notebooks and the surrogo command do), one file per figure.
package fig2021
