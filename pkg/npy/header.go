package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// DType is a NumPy dtype descriptor ('descr' in the header) of a supported element type.
type DType string

// The supported element types: little-endian numbers and bytes.
const (
	DTypeFloat64 DType = "<f8" // float64, Go type float64
	DTypeFloat32 DType = "<f4" // float32, Go type float32
	DTypeFloat16 DType = "<f2" // IEEE half precision, Go type Float16
	DTypeInt64   DType = "<i8" // int64, Go type int64
	DTypeInt32   DType = "<i4" // int32, Go type int32
	DTypeUint8   DType = "|u1" // uint8, Go type uint8 (byte order does not apply)
)

// DTypes lists the supported element types.
var DTypes = []DType{DTypeFloat64, DTypeFloat32, DTypeFloat16, DTypeInt64, DTypeInt32, DTypeUint8}

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

// parseDType maps a header descr to a supported DType.
func parseDType(descr string) (DType, error) {
	switch descr {
	case "<f8", "<f4", "<f2", "<i8", "<i4", "|u1":
		return DType(descr), nil
	case "<u1", ">u1", "u1": // one byte: byte order is irrelevant
		return DTypeUint8, nil
	}
	if len(descr) == 3 && descr[0] == '>' && strings.Contains("<f8 <f4 <f2 <i8 <i4", "<"+descr[1:]) {
		return "", fmt.Errorf("%w: big-endian %q (this package reads little-endian data only)", ErrUnsupportedDType, descr)
	}
	return "", fmt.Errorf("%w: %q (supported: <f8, <f4, <f2, <i8, <i4, |u1)", ErrUnsupportedDType, descr)
}

// Errors that Read wraps, for errors.Is.
var (
	ErrBadMagic         = errors.New("npy: not a .npy file (bad magic string)")
	ErrUnsupportedDType = errors.New("npy: unsupported dtype")
	ErrFortranOrder     = errors.New("npy: Fortran-order arrays are not supported (want C order)")
	ErrTruncated        = errors.New("npy: truncated file")
	ErrBadHeader        = errors.New("npy: malformed header")
)

const (
	magic         = "\x93NUMPY"
	headerAlign   = 64      // NumPy aligns the data to 64 bytes
	growthDigits  = 21      // NumPy's spare room after the header dict (GROWTH_AXIS_MAX_DIGITS)
	maxHeaderLen  = 1 << 20 // refuse larger headers (NumPy itself refuses > 10000 by default)
	maxHeaderLen1 = math.MaxUint16
)

// Header is the header of a .npy file.
type Header struct {
	DType   DType
	Shape   []int // C (row-major) order; empty for a scalar
	Version [2]byte
	// DataOffset is the length of the magic string, version, header length and header: the
	// offset in the file at which the data begins.
	DataOffset int64
}

// Len returns the number of elements, the product of the shape (1 for a scalar).
func (h *Header) Len() int {
	n, _ := numElements(h.Shape)
	return n
}

// DataSize returns the size of the data in bytes.
func (h *Header) DataSize() int64 { return int64(h.Len()) * int64(h.DType.Size()) }

// numElements returns the product of shape, or an error for a negative dimension or overflow.
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

// shapeRepr writes shape as a Python tuple: (), (3,), (2, 3).
func shapeRepr(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// encodeHeader returns the bytes before the data, as NumPy's own writer produces them: the
// dict with sorted keys and NumPy's spare room, padded with spaces and a newline so that the
// data starts at a multiple of 64 bytes. It uses format 1.0 unless the header is too long
// for its 16-bit length field, and then 2.0.
func encodeHeader(dtype DType, shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", dtype, shapeRepr(shape))
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, growthDigits-len(strconv.Itoa(shape[0]))))
	}
	for _, v := range [][2]byte{{1, 0}, {2, 0}} {
		lenSize := 2
		if v[0] == 2 {
			lenSize = 4
		}
		hlen := len(dict) + 1 // + '\n'
		pad := headerAlign - (len(magic)+2+lenSize+hlen)%headerAlign
		total := hlen + pad
		if v[0] == 1 && total > maxHeaderLen1 {
			continue
		}
		var buf bytes.Buffer
		buf.WriteString(magic)
		buf.Write(v[:])
		if lenSize == 2 {
			binary.Write(&buf, binary.LittleEndian, uint16(total))
		} else {
			binary.Write(&buf, binary.LittleEndian, uint32(total))
		}
		buf.WriteString(dict)
		buf.WriteString(strings.Repeat(" ", pad))
		buf.WriteByte('\n')
		return buf.Bytes()
	}
	panic("unreachable")
}

// WriteHeader writes the header of an array of the given dtype and shape. The caller then
// writes exactly Len()*dtype.Size() bytes of little-endian C-order data; Write does both.
func WriteHeader(w io.Writer, dtype DType, shape []int) (Header, error) {
	if dtype.Size() == 0 {
		return Header{}, fmt.Errorf("%w: %q", ErrUnsupportedDType, dtype)
	}
	if _, err := numElements(shape); err != nil {
		return Header{}, err
	}
	b := encodeHeader(dtype, shape)
	if _, err := w.Write(b); err != nil {
		return Header{}, fmt.Errorf("npy: writing header: %w", err)
	}
	return Header{DType: dtype, Shape: append([]int{}, shape...), Version: [2]byte{b[6], b[7]}, DataOffset: int64(len(b))}, nil
}

// ReadHeader reads and checks the header of a .npy file (format 1.0, 2.0 or 3.0), leaving r
// at the start of the data. It rejects unsupported dtypes and Fortran order.
func ReadHeader(r io.Reader) (Header, error) {
	var pre [10]byte
	if n, err := io.ReadFull(r, pre[:8]); err != nil {
		if n < len(magic) || string(pre[:len(magic)]) != magic {
			return Header{}, fmt.Errorf("%w (file is %d bytes long)", ErrBadMagic, n)
		}
		return Header{}, fmt.Errorf("%w: in the version bytes", ErrTruncated)
	}
	if string(pre[:len(magic)]) != magic {
		return Header{}, fmt.Errorf("%w: starts with %q", ErrBadMagic, pre[:len(magic)])
	}
	version := [2]byte{pre[6], pre[7]}
	var hlen int
	switch version[0] {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return Header{}, fmt.Errorf("%w: in the header length", ErrTruncated)
		}
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return Header{}, fmt.Errorf("%w: in the header length", ErrTruncated)
		}
		if v := binary.LittleEndian.Uint32(l[:]); v > maxHeaderLen {
			return Header{}, fmt.Errorf("%w: header length %d exceeds the limit %d", ErrBadHeader, v, maxHeaderLen)
		} else {
			hlen = int(v)
		}
	default:
		return Header{}, fmt.Errorf("%w: unknown format version %d.%d", ErrBadHeader, version[0], version[1])
	}
	lenSize := 2
	if version[0] > 1 {
		lenSize = 4
	}
	text := make([]byte, hlen)
	if n, err := io.ReadFull(r, text); err != nil {
		return Header{}, fmt.Errorf("%w: header is %d bytes, file has only %d", ErrTruncated, hlen, n)
	}
	h, err := parseHeaderDict(string(text))
	if err != nil {
		return Header{}, err
	}
	h.Version = version
	h.DataOffset = int64(len(magic) + 2 + lenSize + hlen)
	return h, nil
}

// parseHeaderDict parses the Python dict literal of a header, such as
// {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }.
func parseHeaderDict(text string) (Header, error) {
	p := &dictParser{s: text}
	bad := func(format string, args ...any) (Header, error) {
		return Header{}, fmt.Errorf("%w: %s in %q", ErrBadHeader, fmt.Sprintf(format, args...), strings.TrimSpace(text))
	}
	if !p.eat('{') {
		return bad("want '{'")
	}
	var (
		h                   Header
		descr               string
		fortran             bool
		seenD, seenF, seenS bool
	)
	for {
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return bad("want a quoted key")
		}
		if !p.eat(':') {
			return bad("want ':' after %q", key)
		}
		switch key {
		case "descr":
			if p.peek() == '[' {
				return Header{}, fmt.Errorf("%w: structured dtype in %q", ErrUnsupportedDType, strings.TrimSpace(text))
			}
			if descr, ok = p.str(); !ok {
				return bad("descr is not a string")
			}
			seenD = true
		case "fortran_order":
			switch {
			case p.word("True"):
				fortran = true
			case p.word("False"):
				fortran = false
			default:
				return bad("fortran_order is not True or False")
			}
			seenF = true
		case "shape":
			if h.Shape, ok = p.tuple(); !ok {
				return bad("shape is not a tuple of non-negative integers")
			}
			seenS = true
		default:
			return bad("unexpected key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return bad("want ',' or '}' after %q", key)
			}
			break
		}
	}
	if rest := strings.TrimSpace(p.s[p.i:]); rest != "" {
		return bad("trailing text %q", rest)
	}
	if !seenD || !seenF || !seenS {
		return bad("missing key (need descr, fortran_order and shape)")
	}
	dt, err := parseDType(descr)
	if err != nil {
		return Header{}, err
	}
	if fortran {
		return Header{}, ErrFortranOrder
	}
	if _, err := numElements(h.Shape); err != nil {
		return Header{}, err
	}
	h.DType = dt
	return h, nil
}

// dictParser is a scanner for the small subset of Python literals found in .npy headers.
type dictParser struct {
	s string
	i int
}

func (p *dictParser) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *dictParser) peek() byte {
	p.skip()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *dictParser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a string in single or double quotes (without escapes, which headers never need).
func (p *dictParser) str() (string, bool) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", false
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

// tuple reads a tuple of non-negative integers, allowing a trailing comma and Python 2's
// long suffix L.
func (p *dictParser) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for {
		if p.eat(')') {
			return shape, true
		}
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i {
			return nil, false
		}
		d, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, false
		}
		shape = append(shape, d)
		p.i = j
		if p.i < len(p.s) && (p.s[p.i] == 'L' || p.s[p.i] == 'l') {
			p.i++
		}
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, false
			}
			return shape, true
		}
	}
}
