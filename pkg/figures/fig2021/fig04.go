package fig2021

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/surrogo/surrogo/pkg/figures"
	"github.com/surrogo/surrogo/pkg/plots"
	"github.com/surrogo/surrogo/pkg/training"
)

// Fig. 4: the training loss of model 9 against the epochs, (a) without and (b) with roll-back,
// from the same seed. The run with roll-back is the hub's model 9; this figure trains the same
// configuration once more with roll-back off. A "jump" is an epoch whose loss the roll-back
// rule rejects: in (a) the epochs where it would have fired, in (b) those where it did (the
// discarded epochs are drawn as the branch that was abandoned).

func init() {
	figures.Register(figures.Def[Fig04Results]{ID: "2021-fig04", Version: trainedVersion, Compute: computeFig04, Render: renderFig04, Summary: summaryFig04})
}

// Fig04Results are the two training histories of model 9.
type Fig04Results struct {
	Protocol Protocol `json:"protocol"`
	// Without and With are the runs without and with roll-back.
	Without TrainingRecord `json:"without"`
	With    TrainingRecord `json:"with"`
	// Jumps are the epochs n+1 of the run without roll-back whose loss exceeds the threshold of
	// the roll-back rule (C times the mean of the m epochs before), with the threshold.
	Jumps []Jump `json:"jumps"`
}

// Jump is an epoch whose training loss the roll-back rule rejects.
type Jump struct {
	Epoch     int                `json:"epoch"`
	Loss      training.JSONFloat `json:"loss"`
	Threshold training.JSONFloat `json:"threshold"`
}

func computeFig04(run *figures.Run) (Fig04Results, error) {
	var res Fig04Results
	hub, err := requireHub(run)
	if err != nil {
		return res, err
	}
	p := hub.Protocol
	m9, err := hub.model(9)
	if err != nil {
		return res, err
	}
	spec, err := specOf(&hub, run.Seed)
	if err != nil {
		return res, err
	}
	store, _, err := openData(run, spec)
	if err != nil {
		return res, err
	}
	b, err := newBackend(run)
	if err != nil {
		return res, err
	}
	defer b.Finalize()
	_, h, err := trainModel(run, &p, store, b, 9, false)
	if err != nil {
		return res, err
	}
	res = Fig04Results{Protocol: p, Without: Record(h), With: m9.Training}
	res.Jumps = Jumps(h.TrainLoss, p.Rollback)
	return res, nil
}

// Jumps applies the roll-back rule rb to the training losses of a run without roll-back: the
// epochs it would reject.
func Jumps(losses []float64, rb training.Rollback) []Jump {
	var out []Jump
	for n := 1; n < len(losses); n++ {
		if d := rb.Check(losses[:n], losses[n]); d.Trigger {
			out = append(out, Jump{Epoch: n + 1, Loss: jf(losses[n]), Threshold: jf(d.Threshold)})
		}
	}
	return out
}

// epochs returns 1, 2, ..., n.
func epochs(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i + 1)
	}
	return x
}

func floats(v []training.JSONFloat) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func renderFig04(run *figures.Run, r Fig04Results) error {
	fig, err := Fig04Figure(r)
	if err != nil {
		return err
	}
	fig.Stamp = r.Protocol.Stamp()
	return saveFigure(run, fig)
}

// Fig04Figure draws Fig. 4: the training (and test) loss of the run (a) without and (b) with
// roll-back, the jumps of (a) circled, and in (b) the roll-backs with the discarded epochs.
func Fig04Figure(r Fig04Results) (*plots.Figure, error) {
	if len(r.Without.TrainLoss) == 0 || len(r.With.TrainLoss) == 0 {
		return nil, errIncomplete
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range [][]training.JSONFloat{r.Without.TrainLoss, r.With.TrainLoss, r.Without.TestLoss, r.With.TestLoss} {
		for _, x := range v {
			if x := float64(x); finite(x) && x > 0 {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	for _, e := range r.With.Rollbacks {
		for _, x := range e.Discarded {
			if x := float64(x); finite(x) && x > 0 {
				hi = math.Max(hi, x)
			}
		}
	}
	yr := plots.Range{Min: lo / 1.5, Max: hi * 2}
	n := r.Protocol.Epochs
	panel := func(title string, rec TrainingRecord) *plots.Axes {
		ax := &plots.Axes{Title: title, XLabel: "epoch", YLabel: "loss", LogY: true, Grid: true, YRange: yr,
			XRange: plots.Range{Min: 0, Max: float64(n) + 1}, Legend: plots.LegendTopRight}
		tr := ax.Line("training loss", epochs(len(rec.TrainLoss)), floats(rec.TrainLoss))
		tr.Color, tr.Marker = plots.Blue, plots.MarkerNone
		te := ax.Line("test loss", epochs(len(rec.TestLoss)), floats(rec.TestLoss))
		te.Color, te.Dashed, te.Marker = plots.Gray, true, plots.MarkerNone
		return ax
	}
	a := panel("(a) without roll-back", r.Without)
	if len(r.Jumps) > 0 {
		x, y := make([]float64, len(r.Jumps)), make([]float64, len(r.Jumps))
		for i, j := range r.Jumps {
			x[i], y[i] = float64(j.Epoch), float64(j.Loss)
		}
		s := a.Scatter(fmt.Sprintf("jump (L > %g × mean of %d epochs before)", r.Protocol.Rollback.C, r.Protocol.Rollback.M), x, y)
		s.Color, s.Marker = plots.Green, plots.MarkerCircle
	}
	bp := panel("(b) with roll-back (same seed)", r.With)
	var jx, jy []float64
	for i, e := range r.With.Rollbacks {
		if e.Accepted {
			continue
		}
		// The abandoned branch: from the state it went back to, through the discarded epochs.
		x := []float64{float64(e.ToEpoch)}
		y := []float64{math.NaN()}
		if e.ToEpoch >= 1 && e.ToEpoch <= len(r.With.TrainLoss) {
			y[0] = float64(r.With.TrainLoss[e.ToEpoch-1])
		}
		for k, v := range e.Discarded {
			x = append(x, float64(e.ToEpoch+1+k))
			y = append(y, float64(v))
		}
		label := ""
		if i == 0 {
			label = "discarded epochs"
		}
		l := bp.Line(label, x, y)
		l.Color, l.Dashed, l.Marker = plots.Vermillion, true, plots.MarkerNone
		jx, jy = append(jx, float64(e.AfterEpoch)), append(jy, float64(e.Loss))
	}
	if len(jx) > 0 {
		s := bp.Scatter("jump: rolled back", jx, jy)
		s.Color, s.Marker = plots.Green, plots.MarkerCircle
	}
	fig := plots.NewFigure(1, 2, a, bp)
	fig.Title = fmt.Sprintf("Training loss of model 9 vs epochs, without and with roll-back (C = %g, m = %d, s = %d), same seed",
		r.Protocol.Rollback.C, r.Protocol.Rollback.M, r.Protocol.Rollback.S)
	fig.Width, fig.Height = 12*vg.Inch, 4.6*vg.Inch
	th := plots.DefaultTheme()
	th.MarkerRadius = 4.5
	fig.Theme = th
	return fig, nil
}

func summaryFig04(r Fig04Results) string {
	var b strings.Builder
	p := r.Protocol
	last := func(v []training.JSONFloat) float64 {
		if len(v) == 0 {
			return math.NaN()
		}
		return float64(v[len(v)-1])
	}
	fmt.Fprintf(&b, "Model 9 (w = 100, MAE, D = 0.4/0.4/0.1/0.1), %d epochs of %d training configurations, seed %d; roll-back rule %q with C = %g, m = %d, s = %d.\n\n",
		p.Epochs, p.TrainExamples, p.Seed, p.Rollback.Rule, p.Rollback.C, p.Rollback.M, p.Rollback.S)
	b.WriteString("| run | final training loss | kept epoch (its loss) | epochs trained | roll-backs | jumps |\n| --- | --- | --- | --- | --- | --- |\n")
	fmt.Fprintf(&b, "| without roll-back | %.4g | %d (%.4g) | %d | — | %d |\n", last(r.Without.TrainLoss), r.Without.BestEpoch,
		float64(r.Without.BestTrainLoss), r.Without.EpochsRun, len(r.Jumps))
	fmt.Fprintf(&b, "| with roll-back | %.4g | %d (%.4g) | %d | %d | %d |\n", last(r.With.TrainLoss), r.With.BestEpoch,
		float64(r.With.BestTrainLoss), r.With.EpochsRun, r.With.NumRollbacks, len(r.With.Rollbacks))
	b.WriteString("\n")
	if len(r.Jumps) == 0 && len(r.With.Rollbacks) == 0 {
		same := "are the same computation (identical curves)"
		if !slices.Equal(r.Without.TrainLoss, r.With.TrainLoss) {
			same = "are the same computation but for floating-point rounding (their backends may sum in different orders, e.g. with different thread counts): " +
				"their curves differ by little, not by a jump"
		}
		b.WriteString("No jump: no epoch's loss exceeded the threshold, so roll-back never fired and the two runs, from the same seed, " +
			same + ". The paper's jumps (the loss rising by one or two orders of magnitude and staying " +
			"there) appeared over 800 epochs of 640 steps; this run is far shorter.\n")
	} else {
		fmt.Fprintf(&b, "Without roll-back the rule would have fired at epoch(s) %s; with roll-back it fired %d time(s) (%d acted on).\n",
			jumpList(r.Jumps), len(r.With.Rollbacks), r.With.NumRollbacks)
	}
	return b.String()
}

func jumpList(js []Jump) string {
	if len(js) == 0 {
		return "none"
	}
	s := make([]string, len(js))
	for i, j := range js {
		s[i] = fmt.Sprint(j.Epoch)
	}
	return strings.Join(s, ", ")
}
