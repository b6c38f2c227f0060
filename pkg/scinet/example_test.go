package scinet_test

import (
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/surrogo/surrogo/pkg/backend"
	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/scinet"
	"github.com/surrogo/surrogo/pkg/scinet/nn"
)

// Train SciNet on one experiment of the review's table and report what a notebook would plot.
func ExampleRunExperiment() {
	b, err := backend.New() // $GOMLX_BACKEND, or the extended pure-Go backend
	if err != nil {
		log.Fatal(err)
	}
	budget, _ := scinet.SciNetBudget(scale.CPU) // minutes on 2 cores
	e, _ := scinet.ExperimentByName("boring_patch")
	r, err := scinet.RunExperiment(b, e, scinet.PaperModel(), budget, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("φ r.m.s. error: %.1f%% of its range; used latents: %v\n",
		100*r.Errors.PhaseRMSOverRange, r.UsedLatents)
	_ = json.NewEncoder(os.Stdout).Encode(r.Training.ModelPhase) // figure 14, left
}

// Figure 7: one-hidden-layer nets of 8 units fitted to y = x + 10 on N(0, 1) inputs, evaluated far away.
func ExampleExtrapolation() {
	b, err := backend.New()
	if err != nil {
		log.Fatal(err)
	}
	budget, _ := scinet.ToyBudget(scale.Smoke, 8)
	f, err := scinet.Extrapolation(b, scinet.Shift, 8, []nn.Activation{nn.ReLU, nn.ELU}, budget, 1)
	if err != nil {
		log.Fatal(err)
	}
	for _, net := range f.Nets {
		fmt.Printf("%s: r.m.s. error %.2f on the training distribution, up to %.0f on [-50, 50]\n",
			net.Spec.Activation, net.TrainRMS, net.FarMaxError)
	}
}
