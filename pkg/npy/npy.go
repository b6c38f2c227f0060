// Package npy reads and writes NumPy .npy files, so that data sets, fields and predictions
// made in Go can be opened with numpy.load and the other way round.
//
// Supported: format versions 1.0 and 2.0 (3.0 is read too; it differs only in the header's
// text encoding), C (row-major) order, little-endian data, and the element types float64
// ('<f8'), float32 ('<f4'), float16 ('<f2', the Go type Float16 with exact conversions),
// int64 ('<i8'), int32 ('<i4') and uint8 ('|u1'). The writer produces the same bytes as
// numpy.save: format 1.0 unless the header is longer than 65535 bytes, the header dict with
// sorted keys and NumPy's spare room, and the data aligned to 64 bytes.
//
// Go slices map to dtypes as follows: []float64, []float32, []Float16, []int64, []int32 and
// []uint8 to the dtype of the same name; Write also accepts []int, stored as int64.
package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/surrogo/surrogo/pkg/atomicfile"
)

// Array is an n-dimensional array in C (row-major) order.
type Array struct {
	Shape []int // empty for a scalar
	DType DType
	// Data holds Len() elements: []float64, []float32, []Float16, []int64, []int32 or []uint8,
	// according to DType.
	Data any
}

// Len returns the number of elements, the product of the shape (1 for a scalar).
func (a *Array) Len() int {
	n, _ := numElements(a.Shape)
	return n
}

// chunkBytes is the size of the buffer through which data is encoded and decoded.
const chunkBytes = 1 << 16

// dataInfo returns the dtype and length of a supported slice.
func dataInfo(data any) (DType, int, error) {
	switch d := data.(type) {
	case []float64:
		return DTypeFloat64, len(d), nil
	case []float32:
		return DTypeFloat32, len(d), nil
	case []Float16:
		return DTypeFloat16, len(d), nil
	case []int64:
		return DTypeInt64, len(d), nil
	case []int:
		return DTypeInt64, len(d), nil
	case []int32:
		return DTypeInt32, len(d), nil
	case []uint8:
		return DTypeUint8, len(d), nil
	}
	return "", 0, fmt.Errorf("%w: Go type %T (want []float64, []float32, []Float16, []int64, []int, []int32 or []uint8)", ErrUnsupportedDType, data)
}

// Write writes data, a slice in C order whose length is the product of shape, as a .npy
// file. The dtype follows from the slice type (see the package documentation).
func Write(w io.Writer, shape []int, data any) error {
	dtype, n, err := dataInfo(data)
	if err != nil {
		return err
	}
	want, err := numElements(shape)
	if err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("npy: shape %v needs %d elements, data has %d", shape, want, n)
	}
	if _, err := WriteHeader(w, dtype, shape); err != nil {
		return err
	}
	return writeData(w, data)
}

// WriteArray writes a as a .npy file. a.DType must match the type of a.Data.
func WriteArray(w io.Writer, a *Array) error {
	dtype, _, err := dataInfo(a.Data)
	if err != nil {
		return err
	}
	if dtype != a.DType {
		return fmt.Errorf("npy: DType %q does not match data of type %T", a.DType, a.Data)
	}
	return Write(w, a.Shape, a.Data)
}

// WriteFile writes data with the given shape to path atomically (see package atomicfile):
// the file appears complete or not at all.
func WriteFile(path string, shape []int, data any) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := Write(f, shape, data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}

// writeData encodes the elements of data little-endian through a fixed-size buffer.
func writeData(w io.Writer, data any) error {
	var err error
	switch d := data.(type) {
	case []float64:
		err = encode(w, d, 8, func(b []byte, v float64) { binary.LittleEndian.PutUint64(b, math.Float64bits(v)) })
	case []float32:
		err = encode(w, d, 4, func(b []byte, v float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(v)) })
	case []Float16:
		err = encode(w, d, 2, func(b []byte, v Float16) { binary.LittleEndian.PutUint16(b, uint16(v)) })
	case []int64:
		err = encode(w, d, 8, func(b []byte, v int64) { binary.LittleEndian.PutUint64(b, uint64(v)) })
	case []int:
		err = encode(w, d, 8, func(b []byte, v int) { binary.LittleEndian.PutUint64(b, uint64(int64(v))) })
	case []int32:
		err = encode(w, d, 4, func(b []byte, v int32) { binary.LittleEndian.PutUint32(b, uint32(v)) })
	case []uint8:
		_, err = w.Write(d)
	}
	if err != nil {
		return fmt.Errorf("npy: writing data: %w", err)
	}
	return nil
}

func encode[T any](w io.Writer, data []T, size int, put func([]byte, T)) error {
	buf := make([]byte, min(len(data)*size, chunkBytes))
	per := chunkBytes / size
	for len(data) > 0 {
		k := min(per, len(data))
		for i, v := range data[:k] {
			put(buf[i*size:], v)
		}
		if _, err := w.Write(buf[:k*size]); err != nil {
			return err
		}
		data = data[k:]
	}
	return nil
}

// checkAvailable returns an error when r is known to hold fewer than need bytes, so that a
// corrupt header cannot make Read allocate a huge array for a short file.
func checkAvailable(r io.Reader, need int64) error {
	var have int64 = -1
	switch v := r.(type) {
	case interface{ Len() int }: // bytes.Reader, bytes.Buffer, strings.Reader
		have = int64(v.Len())
	case *os.File:
		if st, err := v.Stat(); err == nil && st.Mode().IsRegular() {
			if pos, err := v.Seek(0, io.SeekCurrent); err == nil {
				have = st.Size() - pos
			}
		}
	}
	if have >= 0 && have < need {
		return fmt.Errorf("%w: the data needs %d bytes, %d remain", ErrTruncated, need, have)
	}
	return nil
}

// readChunks reads h.DataSize() bytes from r in chunks and hands each, with the index of its
// first element, to use. Callers check the available size with checkAvailable first.
func readChunks(r io.Reader, h *Header, use func(chunk []byte, at int)) error {
	size := h.DType.Size()
	total := h.DataSize()
	buf := make([]byte, min(total, chunkBytes/int64(size)*int64(size)))
	var done int64
	for done < total {
		k := min(int64(len(buf)), total-done)
		n, err := io.ReadFull(r, buf[:k])
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: the data needs %d bytes, got %d", ErrTruncated, total, done+int64(n))
			}
			return fmt.Errorf("npy: reading data: %w", err)
		}
		use(buf[:k], int(done/int64(size)))
		done += k
	}
	return nil
}

// Read reads a .npy file from r. The Data of the result has the Go type of its dtype.
func Read(r io.Reader) (*Array, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return nil, err
	}
	return readData(r, &h)
}

func readData(r io.Reader, h *Header) (*Array, error) {
	if err := checkAvailable(r, h.DataSize()); err != nil {
		return nil, err
	}
	n := h.Len()
	a := &Array{Shape: h.Shape, DType: h.DType}
	var use func([]byte, int)
	switch h.DType {
	case DTypeFloat64:
		d := make([]float64, n)
		a.Data, use = d, func(b []byte, at int) { decode(d[at:], b, 8, getF8) }
	case DTypeFloat32:
		d := make([]float32, n)
		a.Data, use = d, func(b []byte, at int) { decode(d[at:], b, 4, getF4) }
	case DTypeFloat16:
		d := make([]Float16, n)
		a.Data, use = d, func(b []byte, at int) { decode(d[at:], b, 2, getF2) }
	case DTypeInt64:
		d := make([]int64, n)
		a.Data, use = d, func(b []byte, at int) { decode(d[at:], b, 8, getI8) }
	case DTypeInt32:
		d := make([]int32, n)
		a.Data, use = d, func(b []byte, at int) { decode(d[at:], b, 4, getI4) }
	case DTypeUint8:
		d := make([]uint8, n)
		a.Data, use = d, func(b []byte, at int) { copy(d[at:], b) }
	}
	if err := readChunks(r, h, use); err != nil {
		return nil, err
	}
	return a, nil
}

func getF8(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }
func getF4(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }
func getF2(b []byte) Float16 { return Float16(binary.LittleEndian.Uint16(b)) }
func getI8(b []byte) int64   { return int64(binary.LittleEndian.Uint64(b)) }
func getI4(b []byte) int32   { return int32(binary.LittleEndian.Uint32(b)) }

// decode fills dst[:len(b)/size] from the little-endian bytes b.
func decode[T any](dst []T, b []byte, size int, get func([]byte) T) {
	n := len(b) / size
	dst = dst[:n]
	for i := range dst {
		dst[i] = get(b[i*size:])
	}
}

// ReadFile reads the .npy file at path. It is an error for the file to hold bytes after the
// array data.
func ReadFile(path string) (*Array, error) {
	var a *Array
	err := withFile(path, func(f *os.File, h *Header) error {
		var err error
		a, err = readData(f, h)
		return err
	})
	return a, err
}

// withFile opens path, reads its header, checks the file size against it and calls read.
func withFile(path string, read func(*os.File, *Header) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h, err := ReadHeader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if extra := st.Size() - h.DataOffset - h.DataSize(); extra > 0 {
			return fmt.Errorf("%s: %w: %d bytes after the data of shape %v", path, ErrBadHeader, extra, h.Shape)
		}
	}
	if err := read(f, &h); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// convertFloat64 converts the little-endian elements of dtype in b to float64 into dst.
func convertFloat64(dst []float64, b []byte, dtype DType) {
	size := dtype.Size()
	dst = dst[:len(b)/size]
	for i := range dst {
		e := b[i*size:]
		switch dtype {
		case DTypeFloat64:
			dst[i] = getF8(e)
		case DTypeFloat32:
			dst[i] = float64(getF4(e))
		case DTypeFloat16:
			dst[i] = getF2(e).Float64()
		case DTypeInt64:
			dst[i] = float64(getI8(e))
		case DTypeInt32:
			dst[i] = float64(getI4(e))
		case DTypeUint8:
			dst[i] = float64(e[0])
		}
	}
}

// convertFloat32 converts the little-endian elements of dtype in b to float32 into dst.
func convertFloat32(dst []float32, b []byte, dtype DType) {
	size := dtype.Size()
	dst = dst[:len(b)/size]
	switch dtype { // the common cases without a per-element switch
	case DTypeFloat32:
		decode(dst, b, 4, getF4)
		return
	case DTypeFloat16:
		for i := range dst {
			dst[i] = getF2(b[i*2:]).Float32()
		}
		return
	}
	for i := range dst {
		e := b[i*size:]
		switch dtype {
		case DTypeFloat64:
			dst[i] = float32(getF8(e))
		case DTypeInt64:
			dst[i] = float32(getI8(e))
		case DTypeInt32:
			dst[i] = float32(getI4(e))
		case DTypeUint8:
			dst[i] = float32(e[0])
		}
	}
}

// ReadFloat64 reads a .npy file of any supported dtype from r and converts its elements to
// float64 (exactly, except int64 values beyond 2^53). It returns the data and the shape.
func ReadFloat64(r io.Reader) ([]float64, []int, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return nil, nil, err
	}
	return readFloat64(r, &h)
}

func readFloat64(r io.Reader, h *Header) ([]float64, []int, error) {
	if err := checkAvailable(r, h.DataSize()); err != nil {
		return nil, nil, err
	}
	d := make([]float64, h.Len())
	if err := readChunks(r, h, func(b []byte, at int) { convertFloat64(d[at:], b, h.DType) }); err != nil {
		return nil, nil, err
	}
	return d, h.Shape, nil
}

// ReadFloat32 reads a .npy file of any supported dtype from r and converts its elements to
// float32 (rounding float64 and large integers to nearest). It returns the data and the shape.
func ReadFloat32(r io.Reader) ([]float32, []int, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return nil, nil, err
	}
	return readFloat32(r, &h)
}

func readFloat32(r io.Reader, h *Header) ([]float32, []int, error) {
	if err := checkAvailable(r, h.DataSize()); err != nil {
		return nil, nil, err
	}
	d := make([]float32, h.Len())
	if err := readChunks(r, h, func(b []byte, at int) { convertFloat32(d[at:], b, h.DType) }); err != nil {
		return nil, nil, err
	}
	return d, h.Shape, nil
}

// ReadFileFloat64 is ReadFloat64 on the file at path.
func ReadFileFloat64(path string) ([]float64, []int, error) {
	var d []float64
	var shape []int
	err := withFile(path, func(f *os.File, h *Header) error {
		var err error
		d, shape, err = readFloat64(f, h)
		return err
	})
	return d, shape, err
}

// ReadFileFloat32 is ReadFloat32 on the file at path.
func ReadFileFloat32(path string) ([]float32, []int, error) {
	var d []float32
	var shape []int
	err := withFile(path, func(f *os.File, h *Header) error {
		var err error
		d, shape, err = readFloat32(f, h)
		return err
	})
	return d, shape, err
}

// ReadFloat32At reads len(dst) elements, starting at element index start (in C order), from
// a .npy file whose header is h, converting them to float32. It reads only those bytes, so a
// loader can take one sample out of a large file: with shape [S, N, N], sample i is
// start = i*N*N, len(dst) = N*N.
func ReadFloat32At(r io.ReaderAt, h *Header, dst []float32, start int) error {
	size := h.DType.Size()
	if size == 0 {
		return fmt.Errorf("%w: %q", ErrUnsupportedDType, h.DType)
	}
	if start < 0 || start+len(dst) > h.Len() {
		return fmt.Errorf("npy: elements [%d, %d) out of range for shape %v", start, start+len(dst), h.Shape)
	}
	buf := make([]byte, min(len(dst)*size, chunkBytes/size*size))
	off := h.DataOffset + int64(start)*int64(size)
	for at := 0; at < len(dst); {
		k := min(len(buf)/size, len(dst)-at)
		if n, err := r.ReadAt(buf[:k*size], off); n < k*size {
			if err == nil || errors.Is(err, io.EOF) {
				err = ErrTruncated
			}
			return fmt.Errorf("npy: reading elements at %d: %w", start+at, err)
		}
		convertFloat32(dst[at:], buf[:k*size], h.DType)
		at += k
		off += int64(k * size)
	}
	return nil
}

// AsFloat64 returns the elements of a converted to float64 (a copy, whatever the dtype), or
// nil if a.Data is not a supported slice.
func (a *Array) AsFloat64() []float64 {
	switch d := a.Data.(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		return convert(d, func(v float32) float64 { return float64(v) })
	case []Float16:
		return convert(d, Float16.Float64)
	case []int64:
		return convert(d, func(v int64) float64 { return float64(v) })
	case []int:
		return convert(d, func(v int) float64 { return float64(v) })
	case []int32:
		return convert(d, func(v int32) float64 { return float64(v) })
	case []uint8:
		return convert(d, func(v uint8) float64 { return float64(v) })
	}
	return nil
}

// AsFloat32 returns the elements of a converted to float32 (a copy, whatever the dtype), or
// nil if a.Data is not a supported slice.
func (a *Array) AsFloat32() []float32 {
	switch d := a.Data.(type) {
	case []float64:
		return convert(d, func(v float64) float32 { return float32(v) })
	case []float32:
		return append([]float32(nil), d...)
	case []Float16:
		return convert(d, Float16.Float32)
	case []int64:
		return convert(d, func(v int64) float32 { return float32(v) })
	case []int:
		return convert(d, func(v int) float32 { return float32(v) })
	case []int32:
		return convert(d, func(v int32) float32 { return float32(v) })
	case []uint8:
		return convert(d, func(v uint8) float32 { return float32(v) })
	}
	return nil
}

func convert[T, U any](d []T, f func(T) U) []U {
	out := make([]U, len(d))
	for i, v := range d {
		out[i] = f(v)
	}
	return out
}
