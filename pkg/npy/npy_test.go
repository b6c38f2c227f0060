package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// golden builds the bytes of a format 1.0 file by hand from the NPY specification: magic,
// version 1.0, little-endian uint16 header length, the dict, spaces and '\n' up to a multiple
// of 64 bytes, then the data.
func golden(dict string, spare int, data []byte) []byte {
	hdr := dict + strings.Repeat(" ", spare)
	pad := 64 - (10+len(hdr)+1)%64
	hlen := len(hdr) + pad + 1
	out := []byte("\x93NUMPY\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(hlen))
	out = append(out, hdr...)
	out = append(out, strings.Repeat(" ", pad)...)
	out = append(out, '\n')
	return append(out, data...)
}

func TestGoldenBytes(t *testing.T) {
	cases := []struct {
		name  string
		shape []int
		data  any
		want  []byte
	}{
		{
			// Dict of 57 characters, 20 spare spaces (21 - len("3")), '\n': 78 bytes; 10 + 78 = 88,
			// so 40 spaces of padding and a header length of 118 = 0x76 (numpy 1.24 writes exactly
			// these bytes).
			name:  "int32 vector",
			shape: []int{3},
			data:  []int32{1, -2, 258},
			want: append([]byte("\x93NUMPY\x01\x00\x76\x00"+
				"{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"+strings.Repeat(" ", 20+40)+"\n"),
				0x01, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x02, 0x01, 0, 0),
		},
		{
			// A scalar: no spare room; 55 + 1 bytes, 62 spaces of padding; 1.5 = 0x3e00 in half.
			name:  "float16 scalar",
			shape: []int{},
			data:  []Float16{0x3e00},
			want: append([]byte("\x93NUMPY\x01\x00\x76\x00"+
				"{'descr': '<f2', 'fortran_order': False, 'shape': (), }"+strings.Repeat(" ", 62)+"\n"),
				0x00, 0x3e),
		},
		{
			name:  "float64 matrix",
			shape: []int{2, 3},
			data:  []float64{0, 1, 2, 3, 4, 5},
			want: golden("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 20,
				[]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40,
					0, 0, 0, 0, 0, 0, 0x08, 0x40, 0, 0, 0, 0, 0, 0, 0x10, 0x40, 0, 0, 0, 0, 0, 0, 0x14, 0x40}),
		},
		{
			name:  "uint8 empty",
			shape: []int{0, 4},
			data:  []uint8{},
			want:  golden("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 4), }", 20, nil),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, c.shape, c.data); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), c.want) {
				t.Fatalf("bytes differ:\n got %q\nwant %q", buf.Bytes(), c.want)
			}
			if off := bytes.IndexByte(buf.Bytes(), '\n') + 1; off%64 != 0 {
				t.Errorf("data offset %d is not a multiple of 64", off)
			}
			a, err := Read(bytes.NewReader(c.want))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a.Shape, c.shape) || !reflect.DeepEqual(a.Data, c.data) {
				t.Errorf("read back shape %v data %v, want %v %v", a.Shape, a.Data, c.shape, c.data)
			}
		})
	}
}

func TestRoundTripAllDTypes(t *testing.T) {
	shape := []int{2, 3, 4}
	n := 24
	f64 := make([]float64, n)
	f32 := make([]float32, n)
	f16 := make([]Float16, n)
	i64 := make([]int64, n)
	i32 := make([]int32, n)
	u8 := make([]uint8, n)
	for i := range n {
		f64[i] = math.Sqrt(float64(i)) * math.Pi * float64(1-2*(i%2))
		f32[i] = float32(f64[i])
		f16[i] = FromFloat32(f32[i])
		i64[i] = int64(i)*1e15 - 7
		i32[i] = int32(i)*100000 - 50000
		u8[i] = uint8(i * 11)
	}
	f64[0], f32[1] = math.Inf(-1), float32(math.NaN())
	cases := []struct {
		data  any
		dtype DType
	}{
		{f64, DTypeFloat64}, {f32, DTypeFloat32}, {f16, DTypeFloat16},
		{i64, DTypeInt64}, {i32, DTypeInt32}, {u8, DTypeUint8},
	}
	for _, c := range cases {
		t.Run(string(c.dtype), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, shape, c.data); err != nil {
				t.Fatal(err)
			}
			a, err := Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != c.dtype || !reflect.DeepEqual(a.Shape, shape) {
				t.Fatalf("got dtype %s shape %v", a.DType, a.Shape)
			}
			// Compare bit patterns so that NaN counts as equal to itself.
			if fmt.Sprintf("%x", bitsOf(a.Data)) != fmt.Sprintf("%x", bitsOf(c.data)) {
				t.Errorf("data differs: got %v want %v", a.Data, c.data)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes left unread", buf.Len())
			}
		})
	}
}

// bitsOf returns the bit patterns of float slices, and other slices unchanged.
func bitsOf(data any) any {
	switch d := data.(type) {
	case []float64:
		return convert(d, math.Float64bits)
	case []float32:
		return convert(d, math.Float32bits)
	}
	return data
}

func TestWriteIntAsInt64(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []int{3}, []int{-1, 0, 1 << 40}); err != nil {
		t.Fatal(err)
	}
	a, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{-1, 0, 1 << 40}; a.DType != DTypeInt64 || !reflect.DeepEqual(a.Data, want) {
		t.Errorf("got %s %v, want <i8 %v", a.DType, a.Data, want)
	}
}

func TestLargeArrayChunks(t *testing.T) {
	// More than one 64 KiB chunk, with a length that is not a multiple of the chunk.
	n := 3*chunkBytes/4 + 17
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(i) * 0.5
	}
	var buf bytes.Buffer
	if err := Write(&buf, []int{n}, d); err != nil {
		t.Fatal(err)
	}
	got, shape, err := ReadFloat32(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(shape, []int{n}) || !reflect.DeepEqual(got, d) {
		t.Error("large array did not round-trip")
	}
}

func TestFormat2Header(t *testing.T) {
	// 23000 dimensions of size 1 make a header longer than 65535 bytes: format 2.0.
	shape := make([]int, 23000)
	for i := range shape {
		shape[i] = 1
	}
	var buf bytes.Buffer
	if err := Write(&buf, shape, []float64{42}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if b[6] != 2 || b[7] != 0 {
		t.Fatalf("version %d.%d, want 2.0", b[6], b[7])
	}
	hlen := binary.LittleEndian.Uint32(b[8:12])
	if (12+int(hlen))%64 != 0 || 12+int(hlen)+8 != len(b) {
		t.Fatalf("header length %d does not align the data (file %d bytes)", hlen, len(b))
	}
	a, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Shape) != 23000 || a.Data.([]float64)[0] != 42 {
		t.Error("format 2.0 file did not round-trip")
	}
	// A small array must still be written as 1.0.
	buf.Reset()
	Write(&buf, []int{1}, []float64{1})
	if buf.Bytes()[6] != 1 {
		t.Error("small array not written as format 1.0")
	}
}

func TestReadHeaderVariants(t *testing.T) {
	data := []byte{1, 0, 0, 0, 2, 0, 0, 0}
	cases := []struct {
		name    string
		version byte
		dict    string
		shape   []int
		dtype   DType
	}{
		{"numpy 1.0", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", []int{2}, DTypeInt32},
		{"format 2.0", 2, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", []int{1}, DTypeInt64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := rawFile(c.version, c.dict, data)
			h, err := ReadHeader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if h.DType != c.dtype || !reflect.DeepEqual(h.Shape, c.shape) || h.Version[0] != c.version {
				t.Errorf("got %+v", h)
			}
			if int(h.DataOffset) != len(b)-len(data) {
				t.Errorf("DataOffset %d, want %d", h.DataOffset, len(b)-len(data))
			}
		})
	}
}

// rawFile assembles a file from a version, a header text and data, without padding.
func rawFile(version byte, dict string, data []byte) []byte {
	b := []byte("\x93NUMPY")
	b = append(b, version, 0)
	if version == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)+1))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)+1))
	}
	b = append(b, dict...)
	b = append(b, '\n')
	return append(b, data...)
}

func TestCorruptFiles(t *testing.T) {
	var good bytes.Buffer
	Write(&good, []int{2, 2}, []float64{1, 2, 3, 4})
	g := good.Bytes()
	dict := func(s string) []byte { return rawFile(1, s, make([]byte, 64)) }
	cases := []struct {
		name string
		data []byte
		want error  // for errors.Is, or nil
		text string // a substring of the message
	}{
		{"empty", nil, ErrBadMagic, "0 bytes"},
		{"bad magic", append([]byte("\x93NUMPX"), g[6:]...), ErrBadMagic, "magic"},
		{"text file", []byte("hello, world\n"), ErrBadMagic, ""},
		{"no version", g[:7], ErrTruncated, "header"},
		{"no header length", g[:9], ErrTruncated, "header"},
		{"short header", g[:40], ErrBadHeader, ""},
		{"truncated data", g[:len(g)-1], ErrTruncated, "needs 32 bytes"},
		{"no data", g[:len(g)-32], ErrTruncated, "needs 32 bytes"},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), g[8:]...), ErrBadHeader, "version number (4)"},
		{"fortran", dict("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }"), ErrFortranOrder, ""},
		{"big endian", dict("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }"), ErrUnsupportedDType, ">f8"},
		{"complex", dict("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }"), ErrUnsupportedDType, "<c16"},
		{"int16", dict("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }"), ErrUnsupportedDType, "<i2"},
		{"structured", dict("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }"), ErrUnsupportedDType, "[('a'"},
		{"object", dict("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"), ErrUnsupportedDType, "|O"},
		{"missing key", dict("{'descr': '<f8', 'shape': (2,), }"), ErrBadHeader, ""},
		{"extra key", dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}"), ErrBadHeader, ""},
		{"negative dim", dict("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }"), ErrBadHeader, "shape"},
		{"shape not tuple", dict("{'descr': '<f8', 'fortran_order': False, 'shape': [2], }"), ErrBadHeader, "shape"},
		{"bad bool", dict("{'descr': '<f8', 'fortran_order': false, 'shape': (2,), }"), ErrBadHeader, "fortran_order"},
		{"no trailing comma (npyio would misread the shape)", dict("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 4)}"), ErrBadHeader, "layout"},
		{"other key order", dict("{'shape': (2,), 'fortran_order': False, 'descr': '<f8'}"), ErrBadHeader, ""},
		{"no brace", dict("'descr': '<f8'"), ErrBadHeader, ""},
		{"trailing text", dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } junk"), ErrBadHeader, "layout"},
		{"huge shape", dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"), ErrTruncated, ""},
		{"overflowing shape", dict("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }"), nil, "too many elements"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(c.data))
			if err == nil {
				t.Fatal("Read succeeded")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("error %q does not wrap %q", err, c.want)
			}
			if !strings.Contains(err.Error(), c.text) {
				t.Errorf("error %q does not mention %q", err, c.text)
			}
		})
	}
}

// shortReader hides the length of its data so that Read cannot check it in advance.
type shortReader struct{ r *bytes.Reader }

func (s shortReader) Read(p []byte) (int, error) { return s.r.Read(p) }

func TestTruncatedStream(t *testing.T) {
	var buf bytes.Buffer
	Write(&buf, []int{100}, make([]float32, 100))
	b := buf.Bytes()[:buf.Len()-10]
	_, err := Read(shortReader{bytes.NewReader(b)})
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("got %v, want a truncation error", err)
	}
}

func TestWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	cases := []struct {
		name  string
		shape []int
		data  any
		text  string
	}{
		{"size mismatch", []int{2, 3}, []float64{1, 2, 3}, "needs 6 elements, data has 3"},
		{"negative", []int{-1}, []float64{}, "negative"},
		{"unsupported type", []int{1}, []int16{1}, "[]int16"},
		{"not a slice", []int{1}, 3.0, "float64"},
	}
	for _, c := range cases {
		if err := Write(&buf, c.shape, c.data); err == nil || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: got %v, want an error mentioning %q", c.name, err, c.text)
		}
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npy")
	data := []Float16{FromFloat32(1), FromFloat32(-2.5), FromFloat32(1e-6), Float16PosInf}
	if err := WriteFile(path, []int{2, 2}, data); err != nil {
		t.Fatal(err)
	}
	a, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Data, data) {
		t.Errorf("got %v", a.Data)
	}
	f32, shape, err := ReadFileFloat32(path)
	if err != nil {
		t.Fatal(err)
	}
	want32 := []float32{1, -2.5, data[2].Float32(), float32(math.Inf(1))}
	if !reflect.DeepEqual(f32, want32) || !reflect.DeepEqual(shape, []int{2, 2}) {
		t.Errorf("ReadFileFloat32: %v %v", f32, shape)
	}
	f64, _, err := ReadFileFloat64(path)
	if err != nil || f64[1] != -2.5 || !reflect.DeepEqual(f64, a.AsFloat64()) {
		t.Errorf("ReadFileFloat64: %v %v", f64, err)
	}

	// A failed write leaves neither a file nor litter.
	bad := filepath.Join(dir, "bad.npy")
	if err := WriteFile(bad, []int{3}, []float64{1}); err == nil {
		t.Error("WriteFile with a wrong shape succeeded")
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(es))
	}

	// Trailing bytes and truncation are reported with the file name.
	raw, _ := os.ReadFile(path)
	os.WriteFile(bad, append(raw, 0), 0o644)
	if _, err := ReadFile(bad); err == nil || !strings.Contains(err.Error(), "1 bytes after the data") || !strings.Contains(err.Error(), bad) {
		t.Errorf("trailing byte: got %v", err)
	}
	os.WriteFile(bad, raw[:len(raw)-1], 0o644)
	if _, _, err := ReadFileFloat64(bad); !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), bad) {
		t.Errorf("truncated file: got %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "none.npy")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
}

func TestConversions(t *testing.T) {
	arrays := []*Array{
		{Shape: []int{3}, DType: DTypeFloat64, Data: []float64{1.5, -2, 1e300}},
		{Shape: []int{3}, DType: DTypeFloat32, Data: []float32{1.5, -2, 3}},
		{Shape: []int{3}, DType: DTypeFloat16, Data: []Float16{FromFloat32(1.5), FromFloat32(-2), FromFloat32(3)}},
		{Shape: []int{3}, DType: DTypeInt64, Data: []int64{1, -2, 1<<53 + 1}},
		{Shape: []int{3}, DType: DTypeInt32, Data: []int32{1, -2, 3}},
		{Shape: []int{3}, DType: DTypeUint8, Data: []uint8{1, 2, 255}},
	}
	for _, a := range arrays {
		t.Run(string(a.DType), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, a.Shape, a.Data); err != nil {
				t.Fatal(err)
			}
			f64, _, err := ReadFloat64(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f64, a.AsFloat64()) {
				t.Errorf("ReadFloat64 %v, AsFloat64 %v", f64, a.AsFloat64())
			}
			f32, _, err := ReadFloat32(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f32, a.AsFloat32()) {
				t.Errorf("ReadFloat32 %v, AsFloat32 %v", f32, a.AsFloat32())
			}
			for i := range f32 {
				if f32[i] != float32(f64[i]) && !(a.DType == DTypeInt64 && i == 2) {
					t.Errorf("element %d: float32 %v vs float64 %v", i, f32[i], f64[i])
				}
			}
		})
	}
	if (&Array{Data: "x"}).AsFloat32() != nil {
		t.Error("AsFloat32 of an unsupported Data is not nil")
	}
}

func TestReadFloat32At(t *testing.T) {
	// Five 3x4 "samples" stored as float64; read sample 3 and a span crossing samples.
	const s, n = 5, 12
	d := make([]float64, s*n)
	for i := range d {
		d[i] = float64(i) + 0.25
	}
	var buf bytes.Buffer
	Write(&buf, []int{s, 3, 4}, d)
	r := bytes.NewReader(buf.Bytes())
	h, err := ReadHeader(r)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, n)
	if err := ReadFloat32At(r, &h, got, 3*n); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != float32(d[3*n+i]) {
			t.Fatalf("element %d = %v, want %v", i, got[i], d[3*n+i])
		}
	}
	if err := ReadFloat32At(r, &h, got, 4*n+1); err == nil {
		t.Error("read past the end succeeded")
	}
	short := bytes.NewReader(buf.Bytes()[:buf.Len()-8])
	if err := ReadFloat32At(short, &h, got, 4*n); !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated: got %v", err)
	}
}

func ExampleWrite() {
	var buf bytes.Buffer
	field := []float32{0, 0.5, 1, 0.5, 0, 0} // a 2x3 image, row-major
	if err := Write(&buf, []int{2, 3}, field); err != nil {
		panic(err)
	}
	a, err := Read(&buf)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.DType, a.Shape, a.Data)
	// Output: <f4 [2 3] [0 0.5 1 0.5 0 0]
}

func ExampleFromFloat32() {
	for _, f := range []float32{1, 0.1, 65504, 65520, 1e-8} {
		h := FromFloat32(f)
		fmt.Printf("%g -> %#04x -> %g\n", f, uint16(h), h.Float32())
	}
	// Output:
	// 1 -> 0x3c00 -> 1
	// 0.1 -> 0x2e66 -> 0.099975586
	// 65504 -> 0x7bff -> 65504
	// 65520 -> 0x7c00 -> +Inf
	// 1e-08 -> 0x0000 -> 0
}

func benchData(n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(i) * 1e-3
	}
	return d
}

// BenchmarkWrite writes one 256x256 float32 field.
func BenchmarkWrite(b *testing.B) {
	d := benchData(256 * 256)
	var buf bytes.Buffer
	b.SetBytes(int64(4 * len(d)))
	for b.Loop() {
		buf.Reset()
		if err := Write(&buf, []int{256, 256}, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead reads one 256x256 float32 field.
func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	Write(&buf, []int{256, 256}, benchData(256*256))
	raw := buf.Bytes()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Read(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}
