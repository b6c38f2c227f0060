package training

import (
	stdctx "context"
	"path/filepath"
	"testing"

	"github.com/surrogo/surrogo/pkg/models"
)

// BenchmarkRunOneEpochSmokeEDCNN measures a one-epoch run of the smoke-scale edcnn (N = 32,
// width 4) on the pure-Go backend: setup (graph building and compilation, initialization), 20
// training steps of batch 4, the test loss on 16 examples and the checkpoints. samples/s counts
// training examples over the whole run.
func BenchmarkRunOneEpochSmokeEDCNN(b *testing.B) {
	data := tinyData(b, 96, 80, 1)
	cfg := tinyConfig(1)
	cfg.Model = models.Config{Name: models.EDCNN, Size: testN, Width: 4}
	net, err := models.Build(cfg.Model)
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{Backend: goBackend(b), Data: data, Model: net}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		if _, err := Run(stdctx.Background(), cfg, dir, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(data.Train.Indices))/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkCheckpoint measures writing a checkpoint (atomically, with fsync) and reading it back
// (with its checksum): all variables of an edcnn of width 16 at N = 32 with Adam's moments.
func BenchmarkCheckpoint(b *testing.B) {
	cfg := tinyConfig(1)
	net, err := models.Build(models.Config{Name: models.EDCNN, Size: testN, Width: 16})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := newEngine(goBackend(b), &cfg, net)
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.init(4); err != nil {
		b.Fatal(err)
	}
	snap, err := takeSnapshot(eng.ctx)
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, v := range snap.vars {
		size += v.Bytes
	}
	path := filepath.Join(b.TempDir(), "x.ckpt")
	st := runState{}
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		if err := writeCheckpoint(path, kindEpoch, &cfg, &st, snap); err != nil {
			b.Fatal(err)
		}
		if _, err := readCheckpoint(path, false); err != nil {
			b.Fatal(err)
		}
	}
}
