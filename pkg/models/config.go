package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Model names.
const (
	EDCNN  = "edcnn"   // The 2023 paper's encoder-decoder CNN.
	DCNNAE = "dcnn-ae" // The 2021 paper's deep CNN + autoencoder, y = P1*NN1(x) + P2*NN2(x).
)

// Paper values.
const (
	PaperSizeEDCNN  = 512  // Lattice size N of the 2023 paper.
	PaperSizeDCNNAE = 100  // Lattice size N of the 2021 paper.
	PaperWidth      = 64   // Channels of the first convolution in both papers.
	PaperLeakySlope = 0.02 // LeakyReLU slope of the 2023 paper (the edcnn default); see PaperLeakySlope2021.
	// PaperLeakySlope2021 is the LeakyReLU slope of the 2021 networks (the dcnn-ae default). The
	// paper gives none; the authors' Flux code passes Flux's leakyrelu, whose default slope is
	// 0.01, to every layer (a 0.02 helper is defined there but unused). The 2023 ED-CNN keeps
	// the 0.02 of its authors' PyTorch code.
	PaperLeakySlope2021 = 0.01
)

// paperSlope returns the LeakyReLU slope of model name's paper.
func paperSlope(name string) float64 {
	if name == DCNNAE {
		return PaperLeakySlope2021
	}
	return PaperLeakySlope
}

// Config describes a surrogate model. The zero value of a field means the paper's value where that
// is sensible (Size, Width, LeakySlope); the dcnn-ae weights P1 and P2 have no such default (0 turns
// a branch off): start from Default or Model2021. Fields of the other model must be zero.
type Config struct {
	// Name is the model: "edcnn" or "dcnn-ae".
	Name string `json:"name"`
	// Size is the lattice size N (input and output N x N); 0 means the paper's (512 for edcnn, 100 for
	// dcnn-ae). edcnn needs a multiple of 32 (five 2x2 poolings); dcnn-ae an even N >= 4.
	Size int `json:"size"`
	// Width is the number of channels of the first convolution (0 means 64, the papers'); every other
	// channel count of edcnn and of NN2 scales with it (NN1's 4, 8, 16, 8, 4, 1 are fixed). edcnn needs
	// an even Width (its last hidden layer has Width/2 channels).
	Width int `json:"width"`
	// LeakySlope is the slope of every LeakyReLU for negative inputs; 0 means the paper's: 0.02 for
	// edcnn (the 2023 authors' PyTorch code), 0.01 for dcnn-ae (Flux's default, which the 2021
	// authors' code uses).
	LeakySlope float64 `json:"leaky_slope,omitempty"`
	// NoBatchNorm removes every BatchNorm layer (both papers have them; the GoMLX/XLA speed anchor of
	// the 2023 model was measured without).
	NoBatchNorm bool `json:"no_batch_norm,omitempty"`

	// P1 and P2 (dcnn-ae) weigh NN1 and NN2: y = P1*NN1(x) + P2*NN2(x), fixed during training, in {0, 1}
	// in the paper; a branch with weight 0 is not built. They cannot both be 0.
	P1 float64 `json:"p1,omitempty"`
	P2 float64 `json:"p2,omitempty"`
	// D1 and D2 (dcnn-ae) are NN1's dropout rates after its first and last convolutions; D3 and D4 are
	// NN2's, after its first convolution (and BatchNorm) and before its last transposed convolution.
	// Rates are in [0, 1); 0 means no dropout.
	D1 float64 `json:"d1,omitempty"`
	D2 float64 `json:"d2,omitempty"`
	D3 float64 `json:"d3,omitempty"`
	D4 float64 `json:"d4,omitempty"`
	// OutputScale (dcnn-ae) is the initial scale of the BatchNorm that ends each branch; 0 means 1,
	// Flux's default, which the 2021 authors' code uses. With 1, the output starts about 7 times as
	// spread as the targets (standard deviation 0.145), and Adam narrows it faster by shrinking the
	// branch's signal below BatchNorm's epsilon than by lowering the scale: the output becomes
	// BatchNorm's offset, one constant for every input, and stays there (the NN2-only models
	// collapse; models.TestNN2NotCollapsed). Model2021 sets OutputScale2021.
	OutputScale float64 `json:"output_scale,omitempty"`
}

// OutputScale2021 is the initial scale of the output BatchNorms of the 2021 models (Model2021): the
// standard deviation of the 2021 targets, 0.145 at N = 40, 60 and 100 (50 configurations each; the
// reduced scales keep the paper's geometry). A deviation from the authors' code (1), made because
// their NN2-only models otherwise collapse to a constant output here (see Config.OutputScale).
const OutputScale2021 = 0.145

// Names returns the registered model names.
func Names() []string { return []string{EDCNN, DCNNAE} }

// Default returns the paper configuration of model name at lattice size (0: the paper's size):
// edcnn with Width 64, BatchNorm and slope 0.02; dcnn-ae as the 2021 paper's model 9 (P1 = P2 = 1,
// D1 = D2 = 0.4, D3 = D4 = 0.1: "good results on all metrics"), Width 64, slope 0.01 (Flux's
// default, used by the authors' code), output BatchNorm scale started at OutputScale2021 (as
// Model2021). It fails if the size does not suit the model.
func Default(name string, size int) (Config, error) {
	c := Config{Name: name, Size: size, Width: PaperWidth, LeakySlope: paperSlope(name)}
	switch name {
	case EDCNN:
		if size == 0 {
			c.Size = PaperSizeEDCNN
		}
	case DCNNAE:
		if size == 0 {
			c.Size = PaperSizeDCNNAE
		}
		c.P1, c.P2 = 1, 1
		c.D1, c.D2, c.D3, c.D4 = 0.4, 0.4, 0.1, 0.1
		c.OutputScale = OutputScale2021
	default:
		return Config{}, unknownName(name)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// table2021 holds P1, P2, D1, D2, D3, D4 of the 2021 paper's Table 2, models 1 to 14.
var table2021 = [14][6]float64{
	{1, 1, 0.3, 0.3, 0.3, 0.3}, {1, 1, 0.3, 0.3, 0.3, 0.3}, {1, 1, 0.4, 0.4, 0.1, 0.1},
	{0, 1, 0, 0, 0.3, 0.3}, {0, 1, 0, 0, 0.1, 0.1}, {1, 0, 0.3, 0.3, 0, 0}, {1, 0, 0.4, 0.4, 0, 0},
	{1, 1, 0.3, 0.3, 0.3, 0.3}, {1, 1, 0.4, 0.4, 0.1, 0.1}, {1, 1, 0.3, 0.3, 0.3, 0.3},
	{1, 1, 0.4, 0.4, 0.1, 0.1}, {0, 1, 0, 0, 0.1, 0.1}, {0, 1, 0, 0, 0.3, 0.3}, {0, 1, 0, 0, 0.1, 0.1},
}

// Model2021 returns the architecture of model number (1 to 14) of the 2021 paper's Table 2 at lattice
// size (0: 100): its P1, P2 and dropout rates (rates of a switched-off branch, "-" in the table, are 0),
// Width 64, and the output BatchNorms' initial scale OutputScale2021 (the authors' code: 1; see
// Config.OutputScale). The loss function and its weight w, the table's other columns, are training
// settings.
func Model2021(number, size int) (Config, error) {
	if number < 1 || number > len(table2021) {
		return Config{}, fmt.Errorf("model number: the 2021 paper's Table 2 has models 1 to %d, got %d", len(table2021), number)
	}
	c, err := Default(DCNNAE, size)
	if err != nil {
		return Config{}, err
	}
	r := table2021[number-1]
	c.P1, c.P2, c.D1, c.D2, c.D3, c.D4 = r[0], r[1], r[2], r[3], r[4], r[5]
	c.OutputScale = OutputScale2021
	return c, nil
}

func unknownName(name string) error {
	return fmt.Errorf("name: unknown model %q (want %s)", name, strings.Join(Names(), " or "))
}

// WithDefaults returns c with its zero Size, Width and LeakySlope replaced by the paper values
// (the slope: 0.02 for edcnn, 0.01 for dcnn-ae).
func (c Config) WithDefaults() Config {
	if c.Size == 0 {
		switch c.Name {
		case EDCNN:
			c.Size = PaperSizeEDCNN
		case DCNNAE:
			c.Size = PaperSizeDCNNAE
		}
	}
	if c.Width == 0 {
		c.Width = PaperWidth
	}
	if c.LeakySlope == 0 {
		c.LeakySlope = paperSlope(c.Name)
	}
	return c
}

// Validate checks the configuration; an error names the offending field (its JSON name).
func (c Config) Validate() error {
	c = c.WithDefaults()
	if c.Width < 1 {
		return fmt.Errorf("width: must be >= 1, got %d", c.Width)
	}
	if math.IsNaN(c.LeakySlope) || math.IsInf(c.LeakySlope, 0) || c.LeakySlope < 0 {
		return fmt.Errorf("leaky_slope: must be a finite number >= 0, got %g", c.LeakySlope)
	}
	switch c.Name {
	case EDCNN:
		if c.Size < 32 || c.Size%32 != 0 {
			return fmt.Errorf("size: edcnn needs a multiple of 32 (five 2x2 poolings), got %d", c.Size)
		}
		if c.Width%2 != 0 {
			return fmt.Errorf("width: edcnn needs an even width (its last hidden layer has width/2 channels), got %d", c.Width)
		}
		for _, f := range []struct {
			name string
			v    float64
		}{{"p1", c.P1}, {"p2", c.P2}, {"d1", c.D1}, {"d2", c.D2}, {"d3", c.D3}, {"d4", c.D4}, {"output_scale", c.OutputScale}} {
			if f.v != 0 {
				return fmt.Errorf("%s: not a parameter of edcnn (got %g; it belongs to dcnn-ae)", f.name, f.v)
			}
		}
	case DCNNAE:
		if c.Size < 4 || c.Size%2 != 0 {
			return fmt.Errorf("size: dcnn-ae needs an even size >= 4 (NN2's last stride-2 transposed convolution gives even sizes), got %d", c.Size)
		}
		for _, f := range []struct {
			name string
			v    float64
		}{{"p1", c.P1}, {"p2", c.P2}} {
			if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
				return fmt.Errorf("%s: must be finite, got %g", f.name, f.v)
			}
		}
		if math.IsNaN(c.OutputScale) || math.IsInf(c.OutputScale, 0) || c.OutputScale < 0 {
			return fmt.Errorf("output_scale: must be a finite number >= 0 (0: 1, the authors'), got %g", c.OutputScale)
		}
		if c.P1 == 0 && c.P2 == 0 {
			return fmt.Errorf("p1, p2: both are 0, so the model would have no branch (the paper uses 0 or 1 for each; see Default)")
		}
		for _, f := range []struct {
			name string
			v    float64
		}{{"d1", c.D1}, {"d2", c.D2}, {"d3", c.D3}, {"d4", c.D4}} {
			if !(f.v >= 0 && f.v < 1) {
				return fmt.Errorf("%s: dropout rate must be in [0, 1), got %g", f.name, f.v)
			}
		}
		if c.P2 != 0 {
			if _, err := planNN2(c.Size); err != nil {
				return err
			}
		}
	default:
		return unknownName(c.Name)
	}
	return nil
}

// Describe returns one line describing the model, for logs and figure captions, e.g.
// "edcnn N=512 W=64: 512->16x16x2048->512, BatchNorm, LReLU(0.02)".
func (c Config) Describe() string {
	c = c.WithDefaults()
	var b strings.Builder
	fmt.Fprintf(&b, "%s N=%d W=%d", c.Name, c.Size, c.Width)
	switch c.Name {
	case EDCNN:
		fmt.Fprintf(&b, ": %d->%dx%dx%d->%d", c.Size, c.Size/32, c.Size/32, 32*c.Width, c.Size)
	case DCNNAE:
		fmt.Fprintf(&b, ": %g*NN1", c.P1)
		if c.P1 != 0 {
			fmt.Fprintf(&b, "(D1=%g D2=%g)", c.D1, c.D2)
		}
		fmt.Fprintf(&b, " + %g*NN2", c.P2)
		if c.P2 != 0 {
			if p, err := planNN2(c.Size); err == nil {
				fmt.Fprintf(&b, "(%d levels %d->3->1x1x%d->%d, D3=%g D4=%g)", p.levels(), c.Size, c.Width<<p.levels(), c.Size, c.D3, c.D4)
			} else {
				b.WriteString("(invalid size)")
			}
		}
	}
	if c.NoBatchNorm {
		b.WriteString(", no BatchNorm")
	} else {
		b.WriteString(", BatchNorm")
	}
	fmt.Fprintf(&b, ", LReLU(%g)", c.LeakySlope)
	if c.OutputScale != 0 && c.OutputScale != 1 && !c.NoBatchNorm {
		fmt.Fprintf(&b, ", output BatchNorm scale %g at start", c.OutputScale)
	}
	return b.String()
}

// ParseConfig decodes a Config from JSON, rejecting unknown fields and trailing data, and validates it.
func ParseConfig(data []byte) (Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("malformed model config JSON: %w", err)
	}
	if dec.More() {
		return Config{}, fmt.Errorf("malformed model config JSON: trailing data after the object")
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
