// Package loss builds the weighted pixel losses of the 2023 ED-CNN diffusion-surrogate paper
// (Toledo-Marín, Glazier and Fox, Eqs. 4-7) as GoMLX graph functions, together with the
// per-epoch prefactor schedules (models 4R, 4T-1, 4T-5) and the data options of its
// tables ("App Trans" sqrt, Gaussian noise on the targets).
//
// The loss of one pixel i of sample beta is
//
//	L_i,beta = P(v_i) * M(yhat_i - t_i)
//
// and the loss of a batch is the mean over all pixels and samples (Eq. 7). Here t is the
// (possibly transformed, possibly noisy) target, yhat the prediction, P a prefactor and M a
// metric term:
//
//	prefactor "none":  P = 1
//	prefactor "exp":   P = exp(-(1 - t)/w)              (Eq. 5, weighted by the target)
//	prefactor "step":  P = 1 + a*tanh(b*t)               (Eq. 6, weighted by the target)
//	metric "mae":      M(e) = |e|
//	metric "mse":      M(e) = e^2
//	metric "huber":    M(e) = e^2/2 if |e| <= delta, delta*(|e| - delta/2) otherwise
//	metric "inverse_huber" (Eq. 4):
//	                   M(e) = delta*(|e| - delta/2) if |e| <= delta, e^2/2 otherwise
//
// Eq. 4 of the paper prints delta*(x - delta/2) for |x| <= delta; without the absolute value
// the loss would fall without bound for negative errors, so |x| is used. The two branches meet
// with equal value and slope at |e| = delta. Note that this inverse Huber is negative near
// e = 0 (its minimum is -delta^2/2 at e = 0); it equals delta*berHu_delta(e) - delta^2/2, where
// berHu is the usual reverse Huber loss. Huber is the standard one (PyTorch's HuberLoss).
//
// Which value weighs a pixel is a choice (WeightBy): the papers' text weighs by the target t
// (the default), the authors' PyTorch code (CustomLosses in jquetzalcoatl/DeepDiffusionSolver)
// weighs the exponential prefactor by the prediction, exp(-|1 - yhat|/w), and the step
// prefactor by the target. With prediction weights the gradient flows through the prefactor,
// as it does in that code.
//
// Config is the JSON-serializable description of a loss. Config.Build and Config.LossFn return
// the loss of one epoch as a plain graph function and as a train.Trainer loss; NewEpochLoss
// returns a single train.Trainer loss whose prefactor follows the schedule epoch after epoch
// (through a context variable, so the graph is compiled once) and which adds the target noise
// during training only.
package loss
