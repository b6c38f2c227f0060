// Package training trains and evaluates the diffusion surrogates of the two papers (the 2023
// ED-CNN and the 2021 DCNN+autoencoder) with GoMLX: Adam, the test loss after every epoch, the
// kept ("best") model, the 2021 paper's roll-back, a JSON history, and atomic checkpoints from
// which a killed run resumes to the same weights.
//
// # Runs
//
// A Config says everything that determines a run (model, loss and its schedule, Adam, epochs,
// batch sizes, seed, data and subsets, selection, roll-back, checkpoints); NewConfig fills one in
// from a model name, a scale and a 2023 codename, following the model's paper:
//
//	2023 (edcnn):   keep the weights with the lowest test loss ("saved the model with the lowest
//	                loss function value over the corresponding test set"); no roll-back
//	2021 (dcnn-ae): keep the weights with the lowest training loss ("we adopted the network
//	                configuration with the lowest loss function regardless of the epoch");
//	                roll-back with C = 5, m = 20, s = 5
//
// Run(ctx, cfg, dir, opt) trains in the run directory dir:
//
//	dir/config.json                  the Config (with the data set's ID)
//	dir/history.json                 History: per-epoch lists, roll-back events, the kept model
//	dir/checkpoints/epoch-NNNNNN.ckpt  the state after epoch NNNNNN (the newest Checkpoint.Keep)
//	dir/checkpoints/partial.ckpt     a state within an epoch (Checkpoint.IntervalSeconds, or a pause)
//	dir/checkpoints/best.ckpt        the kept model
//
// Every epoch trains on the training subset in an order drawn from (Seed, epoch, number of
// roll-backs so far), batch after batch (the last one smaller), evaluates the loss on the test
// subset in evaluation mode (no dropout, BatchNorm's averages, no target noise) with the
// epoch's prefactor, and then saves its state, the kept model if it improved, and the history.
// The loss follows its per-epoch schedule (models 4R, 4T-k) through loss.NewEpochLoss: one
// compiled training graph for all epochs. The "App Trans" sqrt transform is applied to the
// inputs in the graph (the loss transforms the targets) and undone on predictions.
//
// # Roll-back
//
// The 2021 paper: "if the ratio of loss value from epoch n to n+1 is larger than L_thrs, then the
// training algorithm reverts (rolls back) to the NN state corresponding to epoch n-s and tries
// again", with (Eq. 3)
//
//	L_thrs = C * (1/m) * sum_{ep=n-m+1}^{n} L(ep),   C = 5, m = 20, s = 5.
//
// After epoch n+1 the default rule, RuleLevel, rolls back when L(n+1) > L_thrs on the training
// losses of the kept epochs: the threshold of Eq. (3) tested against the loss, as the paper's
// prose says ("5 times the average loss function value over the previous m = 20 epochs"); it
// catches the jumps of the paper's Fig. 4. RuleEq3 is the inequality as printed, L(n+1)/L(n) >
// L_thrs; because it compares a ratio with a loss, it fires on every epoch that does not fall
// steeply once the losses are below 1/C, so it is not the default. RuleAuthorsCode is the test of
// the authors' Flux code. A roll-back restores everything saved after epoch n-s (weights, Adam's
// moments and step, the random number generator), discards epochs n-s+1 .. n+1 from the history
// (their losses stay in the roll-back event), and continues; the roll-back count changes the data
// order and random numbers of the retried epochs, and an epoch that has triggered MaxRetries
// roll-backs is kept, so a run always ends (see Rollback). A NaN or infinite loss rolls back
// whatever the window.
//
// # Checkpoints and resumption
//
// A checkpoint is one file: a magic string, a JSON header (the Config, the run state with the
// history, and the list of variables), the variables' bytes, and a SHA-256 of all of it. It
// holds every variable of the GoMLX context: the network's, Adam's moments and step counters and
// the random number generator's state. Files are written atomically (package atomicfile), so a
// run killed at any moment leaves the previous checkpoints intact; a state with a NaN or an
// infinity is never written. Run on a directory holding a run with the same configuration loads
// the checkpoint with the highest sequence number and continues: from the start of the next
// epoch, or from the middle of one (partial.ckpt: the steps done, the epoch's loss sums). Since the
// data order and the random numbers of an epoch are functions of the seed and the state, a
// resumed run repeats exactly the computation of an uninterrupted one; on the pure-Go backend,
// which computes deterministically, it ends with the same weights, bit for bit (XLA on a GPU
// may reorder floating-point sums).
//
// A NaN or infinite training loss (checked after every step), test loss or weight rolls back
// when roll-back is enabled, and otherwise stops the run with a *NonFiniteError naming the epoch
// and step. Options.MaxTime and a cancelled context pause a run after saving its state (an error
// wrapping ErrPaused); the same call continues it.
//
// # Evaluation
//
// Evaluate loads the kept model (or the last state) of a run, predicts a subset of its data set
// and computes, with package metrics, the per-region MAE per number of sources of the 2023 paper
// and the residual statistics, slices and field densities of the 2021 paper; a Report is JSON.
package training
