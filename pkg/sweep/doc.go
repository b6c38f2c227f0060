// Package sweep runs a declared list of training runs to completion: the hours of training behind
// a paper's figures, split into runs that survive interruptions.
//
// # Declaring a sweep
//
// A Sweep (a JSON file, or a value built in Go) has a name, a scale, an output directory, a data
// set and runs. Each run has a unique id and a training configuration, given as what `surrogo
// train` takes: a model and a 2023 codename (training.NewConfig at the sweep's scale), or a whole
// training.Config, then single fields changed by a JSON merge patch ("set") in the JSON paths of
// training.Config (e.g. {"epochs": 5, "optimizer": {"learning_rate": 0.001}}). Defaults apply to
// every run. Each run also lists its evaluations: a subset of the data set (the run's test subset
// by default), the weights (the kept model by default) and the metrics to keep (default
// "regions": the MAE per region of the 2023 paper per number of sources, computed by
// training.Evaluate).
//
//	{
//	  "name": "demo",
//	  "scale": "smoke",
//	  "out": "figures/demo/smoke",
//	  "data": {"recipe": "2023", "seed": 1},
//	  "defaults": {"model": "edcnn", "set": {"epochs": 4}},
//	  "runs": [
//	    {"id": "80E1", "codename": "80E1"},
//	    {"id": "80E1-s2", "codename": "80E1", "set": {"seed": 2}},
//	    {"id": "20S1", "codename": "20S1", "evals": [{"split": "test"}, {"split": "k05/test"}]}
//	  ]
//	}
//
// Relative paths in a sweep file are relative to the file's directory. The data set is either
// a paper recipe and seed at the sweep's scale, generated into the work directory when missing
// (package datastore; resumable), or an existing cache ("dir").
//
// # Files
//
//	OUT/sweep-record.json   the sweep's name, scale and declaration hash: a results directory
//	                        belongs to one sweep, and another one is refused (ErrConflict)
//	OUT/runs/ID.json        the result of a finished run (Result): metrics and provenance,
//	                        written atomically; small, meant to be committed
//	WORK/runs/ID-HASH/      the run's slot, locked (datastore.LockDir) while a process works on
//	                        it: train/ is the training run directory (checkpoints, history),
//	                        failure.json the last error; not committed
//	WORK/data/DATASET-ID/   the generated data-set cache; not committed
//
// WORK is the sweep's "work" field, else $SURROGO_CACHE_DIR/sweeps/NAME/SCALE, else
// .cache/sweeps/NAME/SCALE in the surrogo checkout holding OUT, else the user's cache directory.
//
// # Running
//
// Run trains the runs of a shard one after the other. It is idempotent and resumable: a run
// whose result file exists with the same configuration hash (Plan) is never trained again; an
// interrupted run resumes from its last checkpoint (package training); a killed sweep, or the
// same sweep on another machine with the committed results, continues where it stopped. A
// result file holding another configuration is never overwritten: the run is in conflict and
// Run refuses to start (ErrConflict) until it is moved away. The one exception is a run declared
// again with more epochs and nothing else changed: its result replaces the shorter one's when it
// finishes. Such a run, with or without a result, continues the longest training of the same
// configuration with fewer epochs found in the work directory (the training directory moves to
// the new slot) rather than starting over. Shard{I, N} selects the runs whose
// index is I modulo N, so that machines or a cluster's array jobs split a sweep without
// coordination; processes running the same runs at once skip the runs another one holds.
//
// Status reports, for every run, done, running (its slot is locked by a live process), pending
// (with the epochs already trained), failed (with its error) or conflict.
package sweep
