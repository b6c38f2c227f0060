package training_test

import (
	"fmt"

	"github.com/surrogo/surrogo/pkg/scale"
	"github.com/surrogo/surrogo/pkg/training"
)

// The two readings of the 2021 paper's Eq. (3) on a loss curve that jumps after a plateau: the
// equation as printed compares the ratio L(n+1)/L(n) with C times the mean loss, and so fires on
// the flat epoch too once the losses are small; the prose's reading compares the loss itself.
func ExampleRollback_Check() {
	losses := []float64{0.020, 0.012, 0.010, 0.010}
	for _, rule := range []training.RollbackRule{training.RuleEq3, training.RuleLevel} {
		r := training.Rollback{Enabled: true, Rule: rule, C: 5, M: 3, S: 1}
		flat := r.Check(losses, 0.010)
		jump := r.Check(losses, 0.200)
		fmt.Printf("%-5s flat epoch: %-5v jump: %v (%s)\n", rule, flat.Trigger, jump.Trigger, jump.Reason)
	}
	// Output:
	// eq3   flat epoch: true  jump: true (L(5)/L(4) = 20 > 5 * mean(L(2..4)) = 0.0533333)
	// level flat epoch: false jump: true (L(5) = 0.2 > 5 * mean(L(2..4)) = 0.0533333)
}

// NewConfig follows the protocol of the model's paper; the codename of the 2023 paper gives the
// loss, the learning rate, the epochs (at paper scale) and the training subset.
func ExampleNewConfig() {
	for _, sc := range []scale.Scale{scale.Smoke, scale.Paper} {
		c, err := training.NewConfig("edcnn", sc, 512, "20EIH_δ0.05")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s, %d epochs, batch %d, lr %g, train %q, keep %s, width %d\n", sc, c.Codename, c.Epochs,
			c.BatchSize, c.Optimizer.LearningRate, c.Data.Train, c.Select, c.Model.Width)
	}
	c, _ := training.NewConfig("dcnn-ae", scale.Paper, 100, "")
	fmt.Printf("dcnn-ae: %d epochs, keep %s, roll-back %v (%s, C=%g, m=%d, s=%d)\n", c.Epochs, c.Select,
		c.Rollback.Enabled, c.Rollback.Rule, c.Rollback.C, c.Rollback.M, c.Rollback.S)
	// Output:
	// smoke: 20EIH_δ0.05, 2 epochs, batch 4, lr 0.0001, train "train/20", keep test-loss, width 4
	// paper: 20EIH_δ0.05, 100 epochs, batch 25, lr 0.0001, train "train/20", keep test-loss, width 64
	// dcnn-ae: 800 epochs, keep train-loss, roll-back true (level, C=5, m=20, s=5)
}
