// Package solver computes the exact steady state of the diffusion equation with decay on an
// N x N lattice, the ground truth that every surrogate in surrogo is trained and judged on.
//
// The equation is the screened Poisson (modified Helmholtz) problem of the papers: diffusion
// constant D, decay rate gamma, disk sources, an absorbing boundary (the field is zero on the
// ghost cells around the lattice) and the 5-point Laplacian with h = 1. Two source models are
// supported (see SourceModel): Relaxation, which generated the papers' data and is the default
// for reproducing them, and Clamped, which the papers' text describes.
package solver
