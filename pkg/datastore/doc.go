// Package datastore keeps the examples of a data set (input images, target fields and numbers
// of sources) in an on-disk cache of NumPy .npy shards, and computes them on the fly.
//
// A data set is a dataset.Spec: every configuration follows from it. Only the targets cost
// anything to compute (one screened-Poisson solve each), so the cache exists to solve each
// configuration once. At the 2023 paper's scale (400k fields of 512 x 512) the targets do not
// fit on a 64 GB disk; there a Generator computes examples on demand instead (package loader
// takes either).
//
// # Targets
//
// Targets are solved by one of two routes (TargetOptions.Route), and the manifest records
// which:
//
//   - RouteCPU: package solver (multigrid-preconditioned CG, float64) with one Solver per
//     worker goroutine, each with Options.Workers = 1, parallel over configurations. Every
//     field is a deterministic function of its configuration, whatever the number of workers.
//   - RouteBatched: package batchsolve, batches of problems as one GoMLX computation on a
//     backend (the pure-Go backend by default, XLA on a GPU), in float64. Each example converges
//     on its own, so a field does not depend on the other examples of its batch.
//
// Both routes stop at the same relative residual (TargetOptions.Tol, DefaultTol = 1e-8: 9
// multigrid iterations, a field within about 4e-10 of the exact solution at N = 64 and 512,
// measured against a 1e-12 solve), so their fields agree far below the float32 rounding of the
// stored targets (6e-8 at 1). Inputs are the solver's input images (Problem.Input: disk values
// summed and divided by the maximum).
//
// # On-disk layout
//
// A cache directory holds, for shard s of ShardSize consecutive configurations (configurations
// s*ShardSize to min((s+1)*ShardSize, Len) - 1, in the Spec's index order, which is grouped by
// number of sources):
//
//	shard-00000.inputs.npy    [S, N, N] float32 (or float16): input images
//	shard-00000.targets.npy   [S, N, N] float32 (or float16): target fields
//	shard-00000.nsources.npy  [S] int32: number of sources of each configuration
//	...
//	manifest.json             written last, when every shard is done (see Manifest)
//	provenance.jsonl          one JSON line per generation session: host, times, rates
//
// and, while a generation is unfinished, journal.jsonl: the manifest's settings on the first
// line, then one line per finished shard with its files' sizes and SHA-256 sums. Every file is
// written atomically (package atomicfile) and the journal is synced after each line, so a
// process killed at any moment leaves finished shards, a journal that lists them, and at most
// a temporary file (".shard-….tmp-…", removed on resume).
//
// manifest.json is deterministic: it holds the generator's name and version, the Spec (its
// JSON and ID), the target settings (route, solver, method, model, tolerance, backend for the
// batched route), the dtype and shard size, the counts per split, subset and number of
// sources, and each shard's file names, sizes and SHA-256 sums. Times and host names go to
// provenance.jsonl instead, so two runs with the same arguments produce byte-identical
// manifests and shards, and so does a run that was interrupted and resumed.
//
// # Resuming and verifying
//
// Generate, called again with the same arguments on a directory that holds a partial run,
// verifies the shards in the journal (sizes and SHA-256), keeps those that match, and computes
// the others; called on a finished directory it verifies every shard and recomputes only the
// bad ones. A directory that holds a different data set or other settings is an error naming
// the difference: it is never overwritten.
//
// Open reads the manifest of a finished cache. Reading an example verifies its shard's three
// files against the manifest the first time the shard is used in the process, so a corrupt,
// truncated or missing shard is an error naming the file (a *ShardError), never silent
// garbage; Store.Verify checks every shard at once.
package datastore
