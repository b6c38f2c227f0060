// Package fig2021 reproduces the figures and tables of the 2021 paper "Deep learning
// approaches to surrogates for solving the diffusion equation for mechanistic real-world
// simulations" (Toledo-Marín, Fox, Sluka, Glazier):
//
//   - 2021-fig01: the input and the stationary solution of a two-source 100 × 100
//     configuration of the paper's data set, for both source models (the authors' data
//     generator and the paper's text);
//   - 2021-table1: the architectures of NN 1 (DCNN) and NN 2 (autoencoder), layer by layer;
//   - 2021-table2: the hub of the trained models. It trains the 14 models of Table 2 (the
//     exponential weight w, p1, p2, the dropouts D1-D4, MSE or MAE) with roll-back on the
//     2021 data set, evaluates them on the test set and on their training set, and saves
//     what the other figures draw; its table shows the paper's residuals next to ours and
//     its summary tests the paper's conclusions;
//   - 2021-fig04 (loss with and without roll-back, model 9, same seed; it trains the run
//     without roll-back), 2021-fig05 to 2021-fig07 (fields of 20 test configurations),
//     2021-fig08 (prediction vs truth), 2021-fig09 and 2021-fig10 (residual per slice along
//     y = x), 2021-fig11 (field densities of MSE and MAE models), 2021-figS1 to 2021-figS12
//     (per-slice residual densities with their Gaussians, models 1, 2, 3, 5, 6, 8-14);
//   - 2021-speedup: the speed-up analysis of section 4 (delta, epsilon, M, E and N_min of
//     Eq. 4), measured with package solver and CPU inference.
//
// The protocol of each scale (Protocol, NewProtocol) says what is reduced: at the cpu scale the
// models train on the recipe's 60 × 60 data set (R = 3, l = 12: the paper's R/N and l/N), NN 2
// width 8, batch 25, 200 epochs. Training runs (RunDir, keyed by the whole configuration and
// the training code's version) and the data cache live under the figures' cache directory, so an
// interrupted computation resumes. A figure's saved results are keyed by its Def.Version, not
// by the configurations of the runs it trained: every figure of trained models is at version
// trainedVersion (3 since the cpu scale trains 200 epochs); bump it whenever a change of the
// models or of their training changes what these figures compute.
//
// Each is a figures.Def registered when the package is imported (blank-import it next to
// package figures, as the notebooks and the surrogo command do).
package fig2021
