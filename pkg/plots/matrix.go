package plots

import (
	"errors"
	"fmt"
	"math"
)

// NormalizeRows returns a copy of the matrix m with each row divided by its maximum (2023 Fig. 16:
// "each row is normalized by dividing by the maximum value per row"). NaN entries stay NaN and are
// ignored when finding the maximum. It fails on an empty or ragged matrix and on a row whose maximum
// is not positive and finite.
func NormalizeRows(m [][]float64) ([][]float64, error) {
	if len(m) == 0 || len(m[0]) == 0 {
		return nil, errors.New("plots: NormalizeRows: empty matrix")
	}
	out := make([][]float64, len(m))
	for i, row := range m {
		if len(row) != len(m[0]) {
			return nil, fmt.Errorf("plots: NormalizeRows: ragged matrix: row %d has %d columns, row 0 has %d",
				i, len(row), len(m[0]))
		}
		mx := math.Inf(-1)
		for _, v := range row {
			if !math.IsNaN(v) {
				mx = math.Max(mx, v)
			}
		}
		if !(mx > 0) || math.IsInf(mx, 1) {
			return nil, fmt.Errorf("plots: NormalizeRows: row %d has maximum %g (need positive and finite)", i, mx)
		}
		out[i] = make([]float64, len(row))
		for j, v := range row {
			out[i][j] = v / mx
		}
	}
	return out, nil
}

// NewMatrix returns a heatmap of a rows × cols matrix (m[row][col], row 0 at the top) with one cell per
// entry, e.g. a row-normalised density matrix. Set XTickLabels and YTickLabels to name the columns and
// rows. It fails on an empty or ragged matrix.
func NewMatrix(m [][]float64) (*Heatmap, error) {
	if len(m) == 0 || len(m[0]) == 0 {
		return nil, errors.New("plots: NewMatrix: empty matrix")
	}
	cols := len(m[0])
	data := make([]float64, 0, len(m)*cols)
	for i, row := range m {
		if len(row) != cols {
			return nil, fmt.Errorf("plots: NewMatrix: ragged matrix: row %d has %d columns, row 0 has %d", i, len(row), cols)
		}
		data = append(data, row...)
	}
	return &Heatmap{Data: data, Rows: len(m), Cols: cols}, nil
}
