// Package scale names the sizes at which surrogo runs an experiment. Every experiment keeps the
// papers' protocol and shrinks only sizes (lattice, number of samples, epochs, steps), so that a
// figure can be reproduced on whatever machine is at hand; every result records its scale.
package scale

import (
	"fmt"
	"os"
	"strings"
)

// Scale is one of the named presets Smoke, CPU, GPU and Paper.
type Scale string

const (
	// Smoke runs in seconds: the continuous-integration check that the pipeline works.
	Smoke Scale = "smoke"
	// CPU finishes in minutes on a 2-core machine: the default of notebooks and `make figures`.
	CPU Scale = "cpu"
	// GPU finishes in minutes on one H100 with the XLA backend.
	GPU Scale = "gpu"
	// Paper is the exact setup of the paper (hours to days on a GPU).
	Paper Scale = "paper"
)

// All lists the scales from smallest to largest.
var All = []Scale{Smoke, CPU, GPU, Paper}

// Default is the scale used when none is given: the largest that finishes in minutes on a
// 2-core CPU.
const Default = CPU

// EnvVar is the environment variable that notebooks read their scale from.
const EnvVar = "SURROGO_SCALE"

// Parse returns the scale named s (case-insensitive).
func Parse(s string) (Scale, error) {
	for _, sc := range All {
		if strings.EqualFold(strings.TrimSpace(s), string(sc)) {
			return sc, nil
		}
	}
	return "", fmt.Errorf("scale: unknown scale %q (want one of smoke, cpu, gpu, paper)", s)
}

// FromEnv returns the scale named by $SURROGO_SCALE, or Default when it is unset or empty.
func FromEnv() (Scale, error) {
	v := os.Getenv(EnvVar)
	if v == "" {
		return Default, nil
	}
	s, err := Parse(v)
	if err != nil {
		return "", fmt.Errorf("$%s: %w", EnvVar, err)
	}
	return s, nil
}

// Reduced reports whether s is smaller than the paper's setup.
func (s Scale) Reduced() bool { return s != Paper }

// Describe returns a short phrase for figures and logs, e.g. "cpu (reduced scale)".
func (s Scale) Describe() string {
	if s.Reduced() {
		return string(s) + " (reduced scale)"
	}
	return string(s) + " (paper scale)"
}
