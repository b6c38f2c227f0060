// Package fig2020 reproduces every figure and the table of "SciNet: Promise and Pitfalls"
// (A. Bolshakov, 2020), a review of SciNet (Iten et al., PRL 2020), on top of package scinet:
//
//   - 2020-fig01, fig02: arcsin with polynomial approximations; the sigmoid, ReLU and ELU;
//   - 2020-fig03, fig04, fig06: diagrams of a feedforward net, an autoencoder and SciNet, drawn
//     from the configurations of the models trained here (scinet.PaperModel, the toy nets);
//   - 2020-fig07 ... fig10: one-hidden-layer ReLU and ELU nets fitted to y = x + 10 and
//     10·step(x) on N(0, 1) inputs, evaluated far outside the training data, and the degree-25
//     polynomial fit of the step;
//   - 2020-fig11, fig12: the driven damped oscillator's phase and amplitude, in real and log space;
//   - 2020-fig05, fig13 ... fig27: SciNet trained on the seven experiments of the review's table;
//   - 2020-table1: the table of the seven experiments, with the latents each uses and its errors,
//     as reported in the paper and as measured here.
//
// Each figure is a figures.Def registered when the package is imported (blank-import it next to
// package figures, as the notebooks and the surrogo command do).
//
// # Shared training
//
// Each SciNet experiment is trained once per scale, by the figure that is most about it (its
// owner: boring_patch by 2020-fig14, center_very_broad by fig18, peak_broad by fig19, peak_narrow
// by fig22, logspace_broad by fig23, logspace_near_peak by fig25, logspace_near_peak_narrow by
// fig26), which saves the whole evaluation (scinet.ExperimentResult, values rounded to 5
// significant digits, evaluation grids of the scale's resolution). Every other figure of that
// experiment reads it with figures.Run.Requires and saves only what it draws. Likewise figure 10
// reuses the nets and the polynomial of figure 9, and the table reads all seven owners.
//
// Scales (package scale): the one-hidden-layer nets of 8 units train with the paper's budget
// (50000 steps of 2048 fresh samples) from the cpu scale up; SciNet trains 3000 steps of 256 at
// the cpu scale, 10000 of 2048 at the gpu scale and 50000 of 2048 at the paper scale (see
// scinet.ToyBudget and scinet.SciNetBudget). Every figure computed at a reduced scale carries a
// scale stamp saying so.
package fig2020
