package figures

import (
	"fmt"
	"regexp"
	"sort"
)

// Entry is one figure or table of a reproduced paper, whether or not surrogo implements it yet.
type Entry struct {
	ID    string // e.g. "2023-fig05", "2021-table2", "2021-figS3", "2021-speedup"
	Paper string // "2023", "2021" or "2020"
	Title string // what the figure shows, after the paper's caption
}

// Papers maps a paper's year to its title and the file of its text in shared/papers.
var Papers = map[string]struct{ Title, File string }{
	"2023": {"Analyzing the performance of deep encoder-decoder networks as surrogates for a diffusion equation (Toledo-Marín, Glazier, Fox)", "2023-ed-cnn-diffusion-surrogates.txt"},
	"2021": {"Deep learning approaches to surrogates for solving the diffusion equation for mechanistic real-world simulations (Toledo-Marín, Fox, Sluka, Glazier)", "2021-deep-learning-diffusion-surrogates.txt"},
	"2020": {"SciNet: promise and pitfalls (a review)", "2020-scinet-promise-and-pitfalls.txt"},
}

// idPattern is the identifier grammar: paper year, "fig" or "table", two digits (or S and a
// number for the 2021 supplement), or a named analysis such as "2021-speedup".
var idPattern = regexp.MustCompile(`^(2020|2021|2023)-(fig[0-9]{2}|figS[0-9]+|table[0-9]+|[a-z]+)$`)

// ValidID reports whether id follows the identifier grammar.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Catalog lists every figure and table of the three papers, in reading order.
var Catalog = []Entry{
	// 2023: encoder-decoder CNN surrogates, 512 x 512, 1-20 sources.
	{"2023-fig01", "2023", "Input, stationary solution and a trained model's prediction for 19 sources"},
	{"2023-fig02", "2023", "Sketch of the encoder-decoder architecture"},
	{"2023-fig03", "2023", "Regions of the lattice (field, sources, R1, R2, R3) and their area fractions vs number of sources"},
	{"2023-fig04", "2023", "Data set sizes: train/test split and nested subsets"},
	{"2023-fig05", "2023", "MAE vs number of sources, models trained on 1.25% of the data"},
	{"2023-fig06", "2023", "Fluctuations: mean ± std of three disjoint sets of five models (1.25%)"},
	{"2023-fig07", "2023", "MAE vs number of sources, models trained on 2.5% of the data"},
	{"2023-fig08", "2023", "MAE vs number of sources, models trained on 5% of the data"},
	{"2023-fig09", "2023", "Fluctuations: mean ± std of disjoint sets of models (5%, inverse Huber)"},
	{"2023-fig10", "2023", "MAE vs number of sources, models trained on 12.5% of the data"},
	{"2023-fig11", "2023", "MAE vs number of sources, models trained on 25% of the data"},
	{"2023-fig12", "2023", "MAE vs number of sources, models trained on 50% of the data"},
	{"2023-fig13", "2023", "MAE vs number of sources, models trained on 100% of the data"},
	{"2023-fig14", "2023", "MAE averaged over number of sources vs training set size"},
	{"2023-fig15", "2023", "Clustered sources: two to nine sources close together"},
	{"2023-fig16", "2023", "Row-normalized MAE of models trained on P sources, tested on M sources"},
	{"2023-fig17", "2023", "MAE on all source counts for models trained on a fixed number of sources P"},
	{"2023-table1", "2023", "The encoder-decoder CNN, layer by layer"},
	{"2023-table2", "2023", "Models trained with 1.25% of the training set"},
	{"2023-table3", "2023", "Models trained with 2.5% of the training set"},
	{"2023-table4", "2023", "Models trained with 5% of the training set"},
	{"2023-table5", "2023", "Models trained with 12.5% of the training set"},
	{"2023-table6", "2023", "Models trained with 25% of the training set"},
	{"2023-table7", "2023", "Models trained with 50% of the training set"},
	{"2023-table8", "2023", "Models trained with 100% of the training set"},

	// 2021: DCNN + autoencoder, 100 x 100, two sources.
	{"2021-fig01", "2021", "Input and stationary solution for two sources"},
	{"2021-fig02", "2021", "The network: NN1 and NN2 outputs weighted by p1 and p2"},
	{"2021-fig03", "2021", "Architectures of NN1 (DCNN) and NN2 (autoencoder)"},
	{"2021-fig04", "2021", "Training loss vs epochs without and with roll-back, same seed"},
	{"2021-fig05", "2021", "Twenty test inputs, targets and predictions"},
	{"2021-fig06", "2021", "Residual and relative residual maps; mean, 99th percentile and max residual per model"},
	{"2021-fig07", "2021", "Predictions of an NN1-only and an NN2-only model"},
	{"2021-fig08", "2021", "Prediction vs ground truth, test and train, models 9 and 11"},
	{"2021-fig09", "2021", "Residual mean ± std per field slice per model, test and train"},
	{"2021-fig10", "2021", "Average and maximum over slices of the residual mean and std"},
	{"2021-fig11", "2021", "PDF of predicted and true field values, MSE vs MAE models"},
	{"2021-figS1", "2021", "Model 1: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS2", "2021", "Model 2: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS3", "2021", "Model 3: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS4", "2021", "Model 5: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS5", "2021", "Model 6: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS6", "2021", "Model 8: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS7", "2021", "Model 9: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS8", "2021", "Model 10: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS9", "2021", "Model 11: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS10", "2021", "Model 12: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS11", "2021", "Model 13: PDF over all field values and per slice, with Gaussians"},
	{"2021-figS12", "2021", "Model 14: PDF over all field values and per slice, with Gaussians"},
	{"2021-table1", "2021", "Architectures of NN1 and NN2, layer by layer"},
	{"2021-table2", "2021", "The 14 models: hyperparameters and mean, 99th percentile and max residual"},
	{"2021-speedup", "2021", "Speed-up analysis of section 4: delta, epsilon, M, E and N_min of Eq. (4)"},

	// 2020: the SciNet review.
	{"2020-fig01", "2020", "arcsin and several polynomial approximations"},
	{"2020-fig02", "2020", "Nonlinearities: sigmoid, ReLU and ELU"},
	{"2020-fig03", "2020", "A feedforward neural network (diagram)"},
	{"2020-fig04", "2020", "An autoencoder with an information bottleneck (diagram)"},
	{"2020-fig05", "2020", "Histograms of latent means of boring_patch: a used and an unused latent"},
	{"2020-fig06", "2020", "The structure of SciNet (diagram)"},
	{"2020-fig07", "2020", "y = x + 10 with ReLU and ELU 8-neuron fits, far outside the training data"},
	{"2020-fig08", "2020", "y = x + 10 with ReLU and ELU 128-neuron fits"},
	{"2020-fig09", "2020", "Neural fits to 10 x step(x) and their error in the training region"},
	{"2020-fig10", "2020", "Neural and degree-25 polynomial fits to 10 x step(x)"},
	{"2020-fig11", "2020", "Phase and amplitude of the driven damped oscillator vs omega and gamma"},
	{"2020-fig12", "2020", "Phase and log amplitude vs log omega and log gamma"},
	{"2020-fig13", "2020", "Ground truth in the boring_patch training region"},
	{"2020-fig14", "2020", "boring_patch model output in the same region"},
	{"2020-fig15", "2020", "Latent histograms of boring_patch: used latents"},
	{"2020-fig16", "2020", "How boring_patch uses its latents to compute phase and amplitude"},
	{"2020-fig17", "2020", "Extrapolation of phase by boring_patch"},
	{"2020-fig18", "2020", "Ground truth and model for center_very_broad"},
	{"2020-fig19", "2020", "Ground truth and model for peak_broad"},
	{"2020-fig20", "2020", "A latent of center_very_broad: histogram and graph"},
	{"2020-fig21", "2020", "Extrapolation by peak_broad outside its domain"},
	{"2020-fig22", "2020", "peak_narrow: learning curve, ground truth and predicted phase"},
	{"2020-fig23", "2020", "Ground truth and model for logspace_broad"},
	{"2020-fig24", "2020", "logspace_broad L2 error in log A inside and outside the training domain"},
	{"2020-fig25", "2020", "Extrapolation mistake of logspace_near_peak at 6 sigma"},
	{"2020-fig26", "2020", "logspace_near_peak uses a single latent for both A and phase"},
	{"2020-fig27", "2020", "log A of logspace_near_peak_narrow: the single-latent failure"},
	{"2020-table1", "2020", "The seven SciNet experiments and their sampling domains"},
}

// CatalogEntry returns the catalogue entry with the given identifier.
func CatalogEntry(id string) (Entry, error) {
	for _, e := range Catalog {
		if e.ID == id {
			return e, nil
		}
	}
	ids := make([]string, len(Catalog))
	for i, e := range Catalog {
		ids[i] = e.ID
	}
	sort.Strings(ids)
	return Entry{}, fmt.Errorf("figure %q: not a figure or table of the reproduced papers (known: %s ... %s)", id, ids[0], ids[len(ids)-1])
}
