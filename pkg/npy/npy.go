// Package npy reads and writes NumPy .npy files, so that data sets, fields and predictions made
// in Go can be opened with numpy.load and the other way round. Reading is codeberg.org/sbinet/npyio;
// float16 is github.com/x448/float16. What this package adds on top of them:
//
//   - Read returns the shape and typed data of any supported file (npyio reads into a Go value
//     whose type the caller must know in advance), and ReadFloat32/ReadFloat64 convert any
//     supported dtype, float16 included.
//   - ReadFloat32At reads the elements of one example at an offset of a large shard without
//     reading the rest (npyio reads whole arrays); Header.DataOffset, which npyio does not
//     report, tells where the data begins.
//   - Write keeps its own encoder, for three measured reasons: npyio v0.14.0 writes one element
//     per call through reflection (2.2 s for a 16 MB float32 array of 1000x64x64, against 0.02 s here),
//     panics with "not implemented" on float16 slices, and takes the shape from nested slices
//     only. Its header (format 2.0, padded to neither 16 nor 64 bytes) would also change the
//     bytes of the dataset caches, whose manifests record SHA-256 sums: this writer produces the
//     bytes of numpy.save (format 1.0, sorted keys, NumPy's spare room, data aligned to 64).
//
// Supported dtypes: float64 ('<f8'), float32 ('<f4'), float16 ('<f2', Go type Float16),
// int64 ('<i8'), int32 ('<i4') and uint8 ('|u1'), little-endian, C order, format 1.0 or 2.0.
// Write also accepts []int, stored as int64.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unsafe"

	npyio "codeberg.org/sbinet/npyio/npy"
	npyf16 "codeberg.org/sbinet/npyio/npy/float16"
	"github.com/x448/float16"

	"github.com/surrogo/surrogo/pkg/atomicfile"
)

// Float16 is an IEEE 754 binary16 number, NumPy's float16.
type Float16 = float16.Float16

// FromFloat32 returns the Float16 nearest to f, ties to even.
func FromFloat32(f float32) Float16 { return float16.Fromfloat32(f) }

// FromFloat64 returns the Float16 nearest to f, ties to even, rounding once: f goes to float32
// rounding to odd, which float16.Fromfloat32 then rounds exactly as a direct conversion would
// (float64 -> float32 -> float16 with two nearest roundings is wrong just above a midpoint).
func FromFloat64(f float64) Float16 {
	g := float32(f)
	if d := float64(g); d != f && !math.IsInf(float64(g), 0) && !math.IsNaN(f) {
		if b := math.Float32bits(g); b&1 == 0 {
			if math.Abs(d) > math.Abs(f) {
				b--
			} else {
				b++
			}
			g = math.Float32frombits(b)
		}
	}
	return float16.Fromfloat32(g)
}

// Float16s converts x to Float16, rounding to nearest.
func Float16s(x []float32) []Float16 {
	out := make([]Float16, len(x))
	for i, v := range x {
		out[i] = float16.Fromfloat32(v)
	}
	return out
}

// DType is a NumPy dtype descriptor ('descr' in the header) of a supported element type.
type DType string

// The supported element types.
const (
	DTypeFloat64 DType = "<f8"
	DTypeFloat32 DType = "<f4"
	DTypeFloat16 DType = "<f2"
	DTypeInt64   DType = "<i8"
	DTypeInt32   DType = "<i4"
	DTypeUint8   DType = "|u1"
)

// Size returns the size of one element in bytes, or 0 for an unsupported dtype.
func (d DType) Size() int {
	switch d {
	case DTypeFloat64, DTypeInt64:
		return 8
	case DTypeFloat32, DTypeInt32:
		return 4
	case DTypeFloat16:
		return 2
	case DTypeUint8:
		return 1
	}
	return 0
}

// Errors that the readers wrap, for errors.Is.
var (
	ErrBadMagic         = errors.New("npy: not a .npy file")
	ErrUnsupportedDType = errors.New("npy: unsupported dtype")
	ErrFortranOrder     = errors.New("npy: Fortran-order arrays are not supported (want C order)")
	ErrTruncated        = errors.New("npy: truncated file")
	ErrBadHeader        = errors.New("npy: malformed header")
)

// Header is the header of a .npy file.
type Header struct {
	DType   DType
	Shape   []int // C order; empty for a scalar
	Version [2]byte
	// DataOffset is the offset in the file at which the data begins.
	DataOffset int64
}

// Len returns the number of elements, the product of the shape (1 for a scalar).
func (h *Header) Len() int {
	n, _ := numElements(h.Shape)
	return n
}

// DataSize returns the size of the data in bytes.
func (h *Header) DataSize() int64 { return int64(h.Len()) * int64(h.DType.Size()) }

func numElements(shape []int) (int, error) {
	n := 1
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("npy: shape[%d] = %d is negative", i, d)
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("npy: shape %v has too many elements", shape)
		}
		n *= d
	}
	return n, nil
}

// headerReader keeps the bytes read through it: npyio reads exactly the header.
type headerReader struct {
	r   io.Reader
	buf bytes.Buffer
}

func (c *headerReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.buf.Write(p[:n])
	return n, err
}

// guard turns a panic of npyio on malformed input (it slices headers and data without bounds
// checks) into an error wrapping sentinel.
func guard(err *error, sentinel error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w: %v", sentinel, p)
	}
}

// open reads the header of r with npyio and checks it. npyio finds the keys at fixed places
// and would misread a dict in another layout, so the dict must be exactly numpy.save's (the
// keys in sorted order, ", " between items, a trailing ", }"); numpy, npyio and this package
// write that layout.
func open(r io.Reader) (rd *npyio.Reader, h Header, err error) {
	c := &headerReader{r: r}
	defer guard(&err, ErrBadHeader)
	rd, err = npyio.NewReader(c)
	switch {
	case errors.Is(err, npyio.ErrInvalidNumPyFormat):
		return nil, h, fmt.Errorf("%w: bad magic string", ErrBadMagic)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if c.buf.Len() < 6 {
			return nil, h, fmt.Errorf("%w (file is %d bytes long)", ErrBadMagic, c.buf.Len())
		}
		return nil, h, fmt.Errorf("%w: in the header", ErrTruncated)
	case err != nil:
		return nil, h, fmt.Errorf("%w: %v", ErrBadHeader, err)
	}
	d := rd.Header.Descr
	h = Header{DType: DType(strings.Trim(d.Type, `'"`)), Shape: d.Shape, Version: [2]byte{rd.Header.Major, rd.Header.Minor}, DataOffset: int64(c.buf.Len())}
	if h.Shape == nil {
		h.Shape = []int{}
	}
	text := c.buf.String()[min(c.buf.Len(), 8+2*int(h.Version[0])):]
	if want := fmt.Sprintf("{'descr': %s, 'fortran_order': %s, 'shape': %s, }", d.Type, map[bool]string{false: "False", true: "True"}[d.Fortran], shapeRepr(h.Shape)); strings.TrimRight(text, " \n") != want {
		return nil, h, fmt.Errorf("%w: %q is not in numpy.save's layout %q", ErrBadHeader, strings.TrimSpace(text), want)
	}
	if d.Fortran {
		return nil, h, ErrFortranOrder
	}
	if h.DType == "<u1" || h.DType == ">u1" {
		h.DType = DTypeUint8
	}
	if h.DType.Size() == 0 {
		return nil, h, fmt.Errorf("%w: %s (supported: <f8, <f4, <f2, <i8, <i4, |u1)", ErrUnsupportedDType, d.Type)
	}
	if _, err := numElements(h.Shape); err != nil {
		return nil, h, fmt.Errorf("%w: %v", ErrBadHeader, err)
	}
	return rd, h, nil
}

// ReadHeader reads and checks the header of a .npy file, leaving r at the start of the data.
func ReadHeader(r io.Reader) (Header, error) {
	_, h, err := open(r)
	return h, err
}

// Array is an n-dimensional array in C order.
type Array struct {
	Shape []int // empty for a scalar
	DType DType
	// Data holds Len() elements: []float64, []float32, []Float16, []int64, []int32 or []uint8.
	Data any
}

// Len returns the number of elements.
func (a *Array) Len() int {
	n, _ := numElements(a.Shape)
	return n
}

// checkAvailable refuses a file known to hold fewer than need bytes, so that a corrupt header
// cannot make Read allocate a huge array for a short file.
func checkAvailable(r io.Reader, need int64) error {
	var have int64 = -1
	switch v := r.(type) {
	case interface{ Len() int }:
		have = int64(v.Len())
	case *os.File:
		if st, err := v.Stat(); err == nil && st.Mode().IsRegular() {
			if pos, err := v.Seek(0, io.SeekCurrent); err == nil {
				have = st.Size() - pos
			}
		}
	}
	if have >= 0 && have != need {
		if have < need {
			return fmt.Errorf("%w: the data needs %d bytes, %d remain", ErrTruncated, need, have)
		}
		return fmt.Errorf("%w: %d bytes after the data", ErrBadHeader, have-need)
	}
	return nil
}

// Read reads a .npy file from r, to its end. Data has the Go type of the dtype.
func Read(r io.Reader) (_ *Array, err error) {
	defer guard(&err, ErrTruncated)
	rd, h, err := open(r)
	if err != nil {
		return nil, err
	}
	if err := checkAvailable(r, h.DataSize()); err != nil {
		return nil, err
	}
	var arr npyio.Array
	if err := rd.Read(&arr); err != nil {
		return nil, fmt.Errorf("npy: reading data: %w", err)
	}
	a := &Array{Shape: h.Shape, DType: h.DType, Data: arr.Data()}
	if d, ok := a.Data.([]npyf16.Num); ok { // same layout: 16 bits
		a.Data = unsafe.Slice((*Float16)(unsafe.Pointer(unsafe.SliceData(d))), len(d))
	}
	n := 0
	switch d := a.Data.(type) {
	case []float64:
		n = len(d)
	case []float32:
		n = len(d)
	case []Float16:
		n = len(d)
	case []int64:
		n = len(d)
	case []int32:
		n = len(d)
	case []uint8:
		n = len(d)
	case float64, float32, int64, int32, uint8, npyf16.Num: // a scalar
		a.Data, n = toSlice(d), 1
	default:
		return nil, fmt.Errorf("%w: npyio returned %T", ErrUnsupportedDType, d)
	}
	if n != h.Len() {
		return nil, fmt.Errorf("%w: the data needs %d bytes, got %d", ErrTruncated, h.DataSize(), int64(n)*int64(h.DType.Size()))
	}
	return a, nil
}

func toSlice(v any) any {
	switch v := v.(type) {
	case float64:
		return []float64{v}
	case float32:
		return []float32{v}
	case int64:
		return []int64{v}
	case int32:
		return []int32{v}
	case uint8:
		return []uint8{v}
	case npyf16.Num:
		return []Float16{Float16(v.Uint16())}
	}
	return nil
}

// ReadFile reads the .npy file at path.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// ReadFloat64 reads a .npy file of any supported dtype and converts it to float64. It returns
// the data and the shape.
func ReadFloat64(r io.Reader) ([]float64, []int, error) {
	a, err := Read(r)
	if err != nil {
		return nil, nil, err
	}
	return a.AsFloat64(), a.Shape, nil
}

// ReadFloat32 reads a .npy file of any supported dtype and converts it to float32.
func ReadFloat32(r io.Reader) ([]float32, []int, error) {
	a, err := Read(r)
	if err != nil {
		return nil, nil, err
	}
	if d, ok := a.Data.([]float32); ok {
		return d, a.Shape, nil
	}
	return a.AsFloat32(), a.Shape, nil
}

// ReadFileFloat64 is ReadFloat64 on the file at path.
func ReadFileFloat64(path string) ([]float64, []int, error) {
	a, err := ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return a.AsFloat64(), a.Shape, nil
}

// ReadFileFloat32 is ReadFloat32 on the file at path.
func ReadFileFloat32(path string) ([]float32, []int, error) {
	a, err := ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if d, ok := a.Data.([]float32); ok {
		return d, a.Shape, nil
	}
	return a.AsFloat32(), a.Shape, nil
}

// chunkBytes is the size of the buffers through which data is encoded and decoded.
const chunkBytes = 1 << 16

// ReadFloat32At reads len(dst) elements, starting at element start (in C order), of a .npy
// file whose header is h, converting them to float32. It reads only those bytes, so that a
// loader takes one example out of a shard of shape [S, N, N]: start = i*N*N, len(dst) = N*N.
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
		b := buf[:k*size]
		if n, err := r.ReadAt(b, off); n < len(b) {
			if err == nil || errors.Is(err, io.EOF) {
				err = ErrTruncated
			}
			return fmt.Errorf("npy: reading elements at %d: %w", start+at, err)
		}
		out := dst[at : at+k]
		for i := range out {
			e := b[i*size:]
			switch h.DType {
			case DTypeFloat32:
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(e))
			case DTypeFloat16:
				out[i] = Float16(binary.LittleEndian.Uint16(e)).Float32()
			case DTypeFloat64:
				out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(e)))
			case DTypeInt64:
				out[i] = float32(int64(binary.LittleEndian.Uint64(e)))
			case DTypeInt32:
				out[i] = float32(int32(binary.LittleEndian.Uint32(e)))
			case DTypeUint8:
				out[i] = float32(e[0])
			}
		}
		at += k
		off += int64(len(b))
	}
	return nil
}

// AsFloat64 returns the elements of a converted to float64 (a copy), or nil for an unsupported
// Data.
func (a *Array) AsFloat64() []float64 { return asFloat[float64](a.Data) }

// AsFloat32 returns the elements of a converted to float32 (a copy), or nil for an unsupported
// Data.
func (a *Array) AsFloat32() []float32 { return asFloat[float32](a.Data) }

func asFloat[F float32 | float64](data any) []F {
	switch d := data.(type) {
	case []float64:
		return convert(d, func(v float64) F { return F(v) })
	case []float32:
		return convert(d, func(v float32) F { return F(v) })
	case []Float16:
		return convert(d, func(v Float16) F { return F(v.Float32()) })
	case []int64:
		return convert(d, func(v int64) F { return F(v) })
	case []int:
		return convert(d, func(v int) F { return F(v) })
	case []int32:
		return convert(d, func(v int32) F { return F(v) })
	case []uint8:
		return convert(d, func(v uint8) F { return F(v) })
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

// encodeHeader returns the bytes before the data as numpy.save writes them: the dict with
// sorted keys and NumPy's spare room (21 digits for the first axis to grow), spaces and '\n'
// up to a multiple of 64 bytes; format 1.0 unless the header needs 2.0's 32-bit length.
func encodeHeader(dtype DType, shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", dtype, shapeRepr(shape))
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, 21-len(strconv.Itoa(shape[0]))))
	}
	version, lenSize := byte(1), 2
	pad := 64 - (8+lenSize+len(dict)+1)%64
	if len(dict)+pad+1 > math.MaxUint16 {
		version, lenSize = 2, 4
		pad = 64 - (8+lenSize+len(dict)+1)%64
	}
	hlen := len(dict) + pad + 1
	b := bytes.NewBufferString("\x93NUMPY")
	b.Write([]byte{version, 0})
	if lenSize == 2 {
		b.Write(binary.LittleEndian.AppendUint16(nil, uint16(hlen)))
	} else {
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(hlen)))
	}
	b.WriteString(dict)
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('\n')
	return b.Bytes()
}

// shapeRepr writes shape as a Python tuple: (), (3,), (2, 3).
func shapeRepr(shape []int) string {
	var sh strings.Builder
	sh.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			sh.WriteString(", ")
		}
		sh.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		sh.WriteByte(',')
	}
	sh.WriteByte(')')
	return sh.String()
}

// Write writes data, a slice in C order whose length is the product of shape, as a .npy file
// with the bytes numpy.save would write.
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
	if _, err := w.Write(encodeHeader(dtype, shape)); err != nil {
		return fmt.Errorf("npy: writing header: %w", err)
	}
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

// WriteFile writes data with the given shape to path atomically (see package atomicfile).
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
