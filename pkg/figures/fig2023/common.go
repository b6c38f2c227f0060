package fig2023

import (
	"fmt"

	"github.com/surrogo/surrogo/pkg/dataset"
	"github.com/surrogo/surrogo/pkg/npy"
	"github.com/surrogo/surrogo/pkg/scale"
)

// paperSpec returns the paper-scale 2023 data set for a seed. Configuration (k, j) does not
// depend on the number of configurations per count, so the first m configurations of every
// count of this Spec are also those of any smaller data set drawn with the same seed.
func paperSpec(seed uint64) (dataset.Spec, error) {
	return dataset.New(dataset.Recipe2023, dataset.ScalePaper, seed)
}

// perScale picks the value of a size parameter at a scale.
func perScale(s scale.Scale, smoke, cpu, gpu, paper int) (int, error) {
	switch s {
	case scale.Smoke:
		return smoke, nil
	case scale.CPU:
		return cpu, nil
	case scale.GPU:
		return gpu, nil
	case scale.Paper:
		return paper, nil
	}
	return 0, fmt.Errorf("unknown scale %q", s)
}

// float32s converts a field to float32 (for .npy files and the metrics' float32 API).
func float32s(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// readFields reads a .npy file of count fields of n x n cells, checking its shape.
func readFields(path string, count, n int) ([]float32, error) {
	data, shape, err := npy.ReadFileFloat32(path)
	if err != nil {
		return nil, err
	}
	if len(shape) != 3 || shape[0] != count || shape[1] != n || shape[2] != n {
		return nil, fmt.Errorf("%s: shape %v, want [%d %d %d]", path, shape, count, n, n)
	}
	return data, nil
}

// thousands formats an integer with thousands separators: 320000 -> "320,000".
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
