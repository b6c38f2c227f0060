// Package dataset defines the data sets of the diffusion-surrogate papers as pure functions
// of a seed: the source configurations, the train/test split, the nested training subsets,
// the fixed-source-count data sets and the disjoint subsets of the fluctuation studies, at a
// named scale.
//
// A data set is described by a Spec (recipe, scale, seed, lattice, physics, counts). Nothing
// is stored: configuration i, and every index list, is recomputed from the Spec on demand,
// in any order and in parallel, with the same result. Targets (the solver's fields) are not
// part of this package; Spec.Problem turns a configuration into a solver.Problem.
//
// # Recipes and scales
//
// Recipe "2023" is the ED-CNN paper's data set: N = 512, 1 to 20 sources of radius 5, 20000
// configurations per number of sources (400000), overlaps allowed (overlapping disks add up in
// the input image). Recipe "2021" is the earlier paper's: N = 100, exactly two non-overlapping
// sources of radius 5, 20000 configurations. Recipe "custom" takes any lattice, radius, range
// of source counts and size per count (see Custom).
//
// Each paper recipe comes at four scales (see New): "paper" is the exact setup; "gpu", "cpu"
// and "smoke" keep the protocol (source counts, 80/20 split, subset divisors 80, 40, 20, 8, 4,
// 2, 1) and the dimensionless geometry, and shrink the lattice and the number of configurations.
// The problem is set by two ratios, the source radius R over the lattice N and the diffusion
// length l = sqrt(D/gamma) over N (2023: 5/512 and 20/512; 2021: 5/100 and 20/100); keeping
// R = 5 and l = 20 on a smaller lattice would be another problem (at N = 64 one 2023 source
// would cover 2% of the lattice instead of 0.03%). So R and l shrink with N (D = 1 stays,
// gamma = 1/l^2): 2023 cpu N = 128, R = 1.25, l = 5; gpu N = 256, R = 2.5, l = 10; 2021 cpu
// N = 60, R = 3, l = 12; smoke N = 40, R = 2, l = 8; gpu is the paper's 100, 5, 20. The 2023
// smoke scale (N = 32, CI only) has the cpu scale's R = 1.25 and l = 5, 4x the paper's ratios. Spec.Describe says which scale a data set is and how it differs
// from the paper; Manifest carries that line and the actual subset sizes into every output.
// Scale is the project-wide scale.Scale (custom data sets have their own ScaleCustom), so the
// scale given on a command line or in $SURROGO_SCALE selects the data set directly.
//
// # Configurations
//
// Configurations are laid out in blocks by number of sources: index i = (k-MinSources)*PerCount
// + j holds the j-th configuration with k sources (Spec.Index, Spec.Locate). Configuration
// (k, j) is drawn from its own random stream (ChaCha8 from math/rand/v2, seeded with the
// SHA-256 of "surrogo/dataset/v1", the label "config", Seed, k and j), so it depends on
// nothing else: growing PerCount keeps the existing configurations, and generation order and
// parallelism do not matter. Only the stream's Uint64 output is used, with this package's own
// integer and float transforms, so the data does not change with the Go release.
//
// Each source is a disk of radius R (a real number, at least 0.5) whose centre (x, y) has integer
// coordinates drawn uniformly and independently in [m, N-1-m], m = ceil(R): the disk, whose
// cells are those whose centre lies inside the circle, (col-x)^2 + (row-y)^2 <= R^2, then lies
// fully inside the lattice of cells 0..N-1, as the papers require. (The authors' generator drew
// integers in [R, N-R]; at x = N-R a disk would touch the ghost cell N, outside the lattice, so
// the range here stops one cell earlier.) For an integer R (the paper's 5) this is the drawing
// of earlier versions, so the paper-scale data sets, and their IDs, are unchanged. Cell
// membership by centre (rather than by the fraction of the cell's area inside the circle) keeps
// the paper's own rasterization: a disk of radius 5 holds 81 cells = 1.031 pi R^2, one of radius
// 1.25 (the 2023 cpu scale) 5 cells = 1.019 pi R^2, 2.5 21 cells = 1.070 pi R^2, 3 29 cells =
// 1.026 pi R^2 (solver's TestDiskMembership measures both rules). The
// centres are drawn first, x before y, source after source; then the values: source 0 has
// value exactly 1, and every other source, in order, a value uniform in (0, 1] (0 excluded, 1
// included), computed as (u+1)/2^53 from a uniform 53-bit integer u. Integers in a range are
// drawn without bias by Lemire's multiply-and-reject method.
//
// A Spec's ID hashes all its fields, the radius and gamma included, so a cache keyed on it
// (datastore, training runs) is never reused across geometries.
//
// When overlaps are forbidden (recipe 2021), a centre within 2R of an earlier centre
// (Euclidean distance sqrt(dx^2+dy^2) <= 2R) is redrawn, so that the closed disks, and
// therefore their cells, are disjoint; after 1000 failed draws for one source the whole
// configuration is redrawn (up to 100 times) from the same stream.
//
// # Splits and subsets
//
// For each number of sources k, the positions j = 0..PerCount-1 are put in a random order by
// a Fisher-Yates shuffle (for i from PerCount-1 down to 1, swap element i with a uniform
// element in [0, i]) driven by the stream labelled "split" (Seed, k, 0). The last
// nTest = round(TestFraction*PerCount) of that order (at least 1, at most PerCount-1) are the
// test set for k, the first nTrain = PerCount-nTest the training set. The training subset with
// divisor d (the 2023 codename prefix: 80 = 1.25%, 40, 20, 8, 4, 2, 1 = 100%) takes the first
// max(1, floor(nTrain/d)) training configurations of every k in that order, so all subsets
// have equal counts per number of sources and each contains those with larger divisors. Test
// subsets follow the same rule over the test order. When nTrain/d is not an integer the subset
// is smaller than its nominal fraction (or, at 1 per count, larger); Subset records both.
//
// The fixed-count data set of section 3.2 for k sources is the k block of the split: its
// training and test sets are the training and test configurations with k sources.
//
// The disjoint subsets of the fluctuation studies (Disjoint; Fig. 6: three 1.25% sets,
// Disjoint(80, 3); Fig. 9: two 5% sets, Disjoint(20, 2)) are consecutive blocks of the
// training order: set A is the nested subset itself, B the next max(1, floor(nTrain/d))
// configurations of every k, and so on.
//
// Every subset has a name ("train", "test/8", "train/80/B", "k07/train"), and
// Splits.Subset returns the subset of a name, so that command lines and configuration files
// can select one.
//
// # Clustered sources
//
// The 2023 paper's Fig. 15 argues with clusters of nearby sources. ClusterRecipe.Draw draws a
// compact cluster of k disks (each attached to an earlier one a small gap away, centred on the
// lattice; PaperClusterRecipe is the figure's), ClusterSizes splits any configuration into
// clusters (connected groups of sources whose centres are at most a link distance apart), and
// Spec.CountClusters counts the clusters of each size in a data set's configurations with k
// sources, with Spec.ClusterLink (2R + l) as the figure's link distance.
//
// The 2023 paper is inconsistent about the split: its text says 320k training and 80k test
// configurations, Fig. 4 says 360k and 40k. This package follows the text (80/20).
package dataset
