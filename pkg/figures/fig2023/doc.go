// Package fig2023 reproduces the figures and tables of the 2023 paper "Analyzing the
// performance of deep encoder-decoder networks as surrogates for a diffusion equation"
// (Toledo-Marín, Glazier, Fox):
//
//   - 2023-fig01: input, stationary state and the prediction of an ED-CNN trained at the
//     run's scale for a 19-source test configuration, with the error map;
//   - 2023-fig03: the regions of the lattice in which the paper measures errors (field,
//     sources, R1, R2, R3) for a 19-source configuration, and their average area fractions
//     versus the number of sources;
//   - 2023-fig04: the data set sizes: train/test split and nested training subsets, at the
//     scale of the run and at the paper's scale;
//   - 2023-fig15: clusters of two to nine sources and their steady states, with how often
//     such clusters occur in the data set;
//   - 2023-table1: the encoder-decoder CNN, layer by layer;
//   - 2023-table2 ... 2023-table8: the models of each training-set size, from their codenames.
//
// Each is a figures.Def registered when the package is imported (blank-import it next to
// package figures, as the notebooks and the surrogo command do), one file per figure. The
// configurations are those of package dataset (recipe 2023) and the steady states those of
// package solver, with the relaxation source model of the authors' data generator and
// normalization by the maximum.
package fig2023
