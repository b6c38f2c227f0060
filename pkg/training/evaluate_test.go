package training

import (
	stdctx "context"
	"math"
	"path/filepath"
	"testing"

	"github.com/surrogo/surrogo/pkg/npy"
)

func TestEvaluate(t *testing.T) {
	data := tinyData(t, 24, 16, 11)
	dir := t.TempDir()
	cfg := tinyConfig(3)
	h, err := Run(stdctx.Background(), cfg, dir, tinyOptions(t, data))
	if err != nil {
		t.Fatal(err)
	}
	nTest := len(data.Test.Indices)
	rep, err := Evaluate(stdctx.Background(), dir, EvalOptions{Backend: goBackend(t), Data: data, Model: tinyModel,
		Predictions: nTest})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checkpoint.Epoch != h.Best.Epoch || rep.Data.Examples != nTest || rep.Data.Split != "test" {
		t.Errorf("report of epoch %d on %d examples of %q; want the best epoch %d on %d test examples",
			rep.Checkpoint.Epoch, rep.Data.Examples, rep.Data.Split, h.Best.Epoch, nTest)
	}
	if got, want := float64(rep.Loss), float64(h.Best.TestLoss); math.Abs(got-want) > 1e-6*want {
		t.Errorf("evaluated loss %g, the run's test loss of the best epoch %g", got, want)
	}
	// The metrics agree with the saved predictions.
	pdir := filepath.Join(dir, "predictions-test")
	pred, shape, err := npy.ReadFileFloat32(filepath.Join(pdir, "predictions.npy"))
	if err != nil {
		t.Fatal(err)
	}
	tgt, _, err := npy.ReadFileFloat32(filepath.Join(pdir, "targets.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 3 || shape[0] != nTest || shape[1] != testN {
		t.Fatalf("predictions of shape %v", shape)
	}
	var sum, maxAbs float64
	for i := range pred {
		d := math.Abs(float64(pred[i]) - float64(tgt[i]))
		sum += d
		maxAbs = math.Max(maxAbs, d)
	}
	mae := sum / float64(len(pred))
	if math.Abs(float64(rep.MAE)-mae) > 1e-9 || math.Abs(float64(rep.Residual.Mean)-mae) > 1e-9 {
		t.Errorf("MAE %g, residual mean %g; from the predictions %g", rep.MAE, rep.Residual.Mean, mae)
	}
	if float64(rep.Residual.Max) != float64(float32(maxAbs)) && math.Abs(float64(rep.Residual.Max)-maxAbs) > 1e-7 {
		t.Errorf("max residual %g, from the predictions %g", rep.Residual.Max, maxAbs)
	}
	var images int64
	for _, r := range rep.Regions {
		if r.Region == "whole" {
			images += r.Images
		}
	}
	if images != int64(nTest) || len(rep.RegionMeans) != 6 || len(rep.Slices) != 10 || len(rep.PDF.Target) != 120 {
		t.Errorf("regions cover %d images; %d region means, %d slices, %d PDF bins", images, len(rep.RegionMeans),
			len(rep.Slices), len(rep.PDF.Target))
	}
	// A Predictor gives the same predictions.
	p, err := LoadPredictor(dir, "best", goBackend(t), tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	in, _, err := npy.ReadFileFloat32(filepath.Join(pdir, "inputs.npy"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.Predict(in, nTest)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if math.Abs(float64(again[i]-pred[i])) > 1e-6 {
			t.Fatalf("Predictor: prediction %d is %g, Evaluate's %g", i, again[i], pred[i])
		}
	}
	if p.Checkpoint().Epoch != h.Best.Epoch || p.Config().Epochs != cfg.Epochs {
		t.Errorf("Predictor: checkpoint %+v", p.Checkpoint())
	}
	if _, err := p.Predict(in[:10], 1); err == nil {
		t.Error("Predict accepted a wrong number of values")
	}
	// The report survives a JSON round trip (undefined numbers are null).
	path := filepath.Join(dir, "eval.json")
	if err := rep.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.MAE != rep.MAE || len(back.Regions) != len(rep.Regions) {
		t.Errorf("report round trip: MAE %g != %g", back.MAE, rep.MAE)
	}
	// The last state, another split.
	last, err := Evaluate(stdctx.Background(), dir, EvalOptions{Backend: goBackend(t), Data: data, Model: tinyModel,
		Checkpoint: "last", Split: "train"})
	if err != nil {
		t.Fatal(err)
	}
	if last.Checkpoint.Epoch != cfg.Epochs || last.Data.Examples != len(data.Train.Indices) {
		t.Errorf("last checkpoint: epoch %d on %d examples", last.Checkpoint.Epoch, last.Data.Examples)
	}
	if _, err := Evaluate(stdctx.Background(), dir, EvalOptions{Backend: goBackend(t), Data: data, Model: tinyModel,
		Checkpoint: "first"}); err == nil {
		t.Error("unknown checkpoint accepted")
	}
}
