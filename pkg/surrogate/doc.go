// Package surrogate is the in-memory API of surrogo: build a data set, train a surrogate on it
// and get a Model back, predict, measure it with the papers' metrics, save it and load it.
//
//	spec, _ := dataset.Custom(1, 32, 5, 1, 4, 20)           // a data set of your own: no named scale
//	data, _ := surrogate.NewData(ctx, spec, surrogate.DataOptions{}) // solved in memory
//	cfg, _ := surrogate.NewConfig(data, "1E1")                // the 2023 ED-CNN, exponential-MAE loss
//	cfg.Model.Width, cfg.Epochs = 4, 3
//	m, _ := surrogate.Train(ctx, data, cfg, surrogate.TrainOptions{})
//	defer m.Close()
//	ex, _ := data.Example(data.Test()[0])                    // one example by index
//	pred, _ := m.Predict(ex.Input)                           // the predicted field
//	errs, _ := metrics.MeasureImage(ex.Input, ex.Target, pred, ex.N, ex.NSources) // region MAE
//	rep, _ := m.Evaluate(ctx, data, "test")                  // region MAE per number of sources, ...
//	_ = m.Save("runs/mine")                                  // surrogate.Load("runs/mine") later
//
// A Data holds the examples (input image, target field, number of sources) of a dataset.Spec:
// solved into memory, or kept in a data-set cache directory (package datastore) that is
// generated once and reused, keyed by the Spec's fingerprint (DataOptions.Cache).
//
// Train runs package training (Adam, the test loss every epoch, the kept model with the lowest
// test loss for the ED-CNN). By default it trains in a temporary directory that Close removes;
// TrainOptions.Dir keeps the checkpoints there, so that an interrupted run resumes, and
// TrainOptions.Cache keys the run directory by the full configuration, the data set and
// CodeVersion, so that the same call returns the trained model at once and any changed setting
// trains a new one.
package surrogate
