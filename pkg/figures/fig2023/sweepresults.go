package fig2023

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/surrogo/surrogo/pkg/codename"
	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/sweep"
	"github.com/surrogo/surrogo/pkg/training"
)

// The results of the 2023 sweeps as the figures and the claims read them: from the committed
// per-run result files (sweep.Result), whatever part of a sweep is done.

// RegionNames are the regions of Fig. 3 in the order of the figures' panels.
var RegionNames = []string{"whole", "sources", "field", "R1", "R2", "R3"}

// EvalMetrics is one evaluation of a run: the MAE per region per number of sources (Counts),
// and each region's mean over the numbers of sources (the paper's Figs. 14 and 17 average).
type EvalMetrics struct {
	Counts []int                           `json:"counts"`
	MAE    map[string][]training.JSONFloat `json:"mae"`
	Mean   map[string]training.JSONFloat   `json:"mean"`
	// Examples is the number of test configurations.
	Examples int `json:"examples"`
}

// RunMetrics is what the figures keep of a finished run.
type RunMetrics struct {
	ID       string `json:"id"`
	Codename string `json:"codename"`
	Train    string `json:"train"` // the training subset
	Seed     uint64 `json:"seed"`
	Divisor  int    `json:"divisor"`
	// KeptEpoch is the epoch of the kept model, Epochs those trained, TrainSeconds the time.
	KeptEpoch    int                     `json:"kept_epoch"`
	Epochs       int                     `json:"epochs"`
	TrainSeconds float64                 `json:"train_s"`
	Evals        map[string]*EvalMetrics `json:"evals"`
}

// Mean returns the run's mean MAE over the numbers of sources in a region of evaluation "test"
// (NaN when absent).
func (r *RunMetrics) Mean(region string) float64 { return r.EvalMean("test", region) }

// EvalMean is Mean for another evaluation.
func (r *RunMetrics) EvalMean(eval, region string) float64 {
	if r == nil {
		return math.NaN()
	}
	e, ok := r.Evals[eval]
	if !ok {
		return math.NaN()
	}
	v, ok := e.Mean[region]
	if !ok {
		return math.NaN()
	}
	return float64(v)
}

// Curve returns the MAE per number of sources of a region of evaluation "test".
func (r *RunMetrics) Curve(region string) (counts []int, mae []float64) {
	e, ok := r.Evals["test"]
	if !ok {
		return nil, nil
	}
	for _, v := range e.MAE[region] {
		mae = append(mae, float64(v))
	}
	return e.Counts, mae
}

// SweepData holds the finished runs of a sweep.
type SweepData struct {
	Name  string                 `json:"name"`
	Done  int                    `json:"done"`
	Total int                    `json:"total"`
	Order []string               `json:"order"` // declared run ids, in order
	Runs  map[string]*RunMetrics `json:"runs"`  // the finished ones
}

// Run returns a finished run, or nil.
func (d *SweepData) Run(id string) *RunMetrics {
	if d == nil {
		return nil
	}
	return d.Runs[id]
}

// metricsOfResult converts a sweep result.
func metricsOfResult(res *sweep.Result) *RunMetrics {
	m := &RunMetrics{ID: res.ID, Codename: res.Config.Codename, Train: res.Config.Data.Train, Seed: res.Config.Seed,
		KeptEpoch: res.KeptEpoch(), Epochs: res.Training.Epochs, TrainSeconds: res.Provenance.TrainSeconds,
		Evals: map[string]*EvalMetrics{}}
	if c, err := codename.Parse(res.Config.Codename); err == nil {
		m.Divisor = c.Divisor
	}
	if strings.HasPrefix(m.Train, "train/") {
		fmt.Sscanf(strings.TrimPrefix(m.Train, "train/"), "%d", &m.Divisor)
	}
	for name, ev := range res.Evals {
		e := &EvalMetrics{MAE: map[string][]training.JSONFloat{}, Mean: map[string]training.JSONFloat{}, Examples: ev.Data.Examples}
		seen := map[int]bool{}
		for _, rr := range ev.Regions {
			if !seen[rr.NSources] {
				seen[rr.NSources] = true
				e.Counts = append(e.Counts, rr.NSources)
			}
		}
		for _, region := range RegionNames {
			vals := make([]training.JSONFloat, len(e.Counts))
			for i := range vals {
				vals[i] = training.JSONFloat(math.NaN())
			}
			for _, rr := range ev.Regions {
				if rr.Region != region {
					continue
				}
				for i, k := range e.Counts {
					if k == rr.NSources && rr.ImagesWithRegion > 0 {
						vals[i] = rr.MAE
					}
				}
			}
			e.MAE[region] = vals
		}
		for _, rm := range ev.RegionMeans {
			e.Mean[rm.Region] = rm.MAE
		}
		m.Evals[name] = e
	}
	return m
}

// LoadSweep reads the finished runs of a declared sweep (its result files; nothing is trained).
func LoadSweep(sw *sweep.Sweep) (*SweepData, error) {
	p, err := sw.Plan()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(sweep.Shard{})
	if err != nil {
		return nil, err
	}
	d := &SweepData{Name: sw.Name, Total: len(p.Runs), Runs: map[string]*RunMetrics{}}
	for _, r := range st.Runs {
		d.Order = append(d.Order, r.ID)
		if r.State != sweep.Done {
			continue
		}
		res, err := sweep.ReadResult(r.Result)
		if err != nil {
			return nil, err
		}
		d.Runs[r.ID] = metricsOfResult(res)
		d.Done++
	}
	return d, nil
}

// Evidence is every finished 2023 sweep run at a scale: what the figures draw and the claims'
// verdicts are computed from.
type Evidence struct {
	Setup        SweepSetup `json:"setup"`
	Geometry     string     `json:"geometry"` // the data set's N, R, l
	Ladder       *SweepData `json:"ladder"`
	Fluctuations *SweepData `json:"fluctuations"`
	FixedCount   *SweepData `json:"fixed_count"`
}

// LoadEvidence reads the results of the three 2023 sweeps at a scale under the figures
// directory root.
func LoadEvidence(sc scale.Scale, root string) (*Evidence, error) {
	s, err := Setup(sc)
	if err != nil {
		return nil, err
	}
	spec, err := dataset.New(dataset.Recipe2023, sc, 1)
	if err != nil {
		return nil, err
	}
	ev := &Evidence{Setup: s, Geometry: spec.Geometry()}
	for _, name := range SweepNames {
		sw, err := Sweep(name, sc, root)
		if err != nil {
			return nil, err
		}
		d, err := LoadSweep(sw)
		if err != nil {
			return nil, err
		}
		switch name {
		case SweepLadder:
			ev.Ladder = d
		case SweepFluctuations:
			ev.Fluctuations = d
		case SweepFixedCount:
			ev.FixedCount = d
		}
	}
	return ev, nil
}

// RunSweeps runs the named sweeps at a scale (missing runs only; finished ones are kept) with
// the figure run's backend, their results under run.Root and their work under the cache.
func RunSweeps(run *figures.Run, log io.Writer, names ...string) error {
	b, err := run.NewBackend()
	if err != nil {
		return err
	}
	defer b.Finalize()
	for _, name := range names {
		sw, err := Sweep(name, run.Scale, run.Root)
		if err != nil {
			return err
		}
		if sw.Work, err = run.CacheDir("sweeps", name, string(run.Scale)); err != nil {
			return err
		}
		sum, err := sweep.Run(run.Context(), sw, sweep.Options{Backend: b, Log: log})
		if err != nil {
			return err
		}
		run.Step(len(sum.Trained) == 0, "sweep %s: %d runs trained, %d reused", name, len(sum.Trained), len(sum.Skipped))
	}
	return nil
}

// evidenceFor returns the evidence of a figure's Compute: at the smoke scale the sweeps are run
// first (seconds per run); at the other scales the figure shows what `surrogo sweep run
// figures/sweeps/NAME-SCALE.json` has finished, and says how much.
func evidenceFor(run *figures.Run, names ...string) (*Evidence, error) {
	if run.Scale == scale.Smoke {
		if err := RunSweeps(run, io.Discard, names...); err != nil {
			return nil, err
		}
	}
	return LoadEvidence(run.Scale, run.Root)
}
