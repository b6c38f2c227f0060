package scale

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Scale
		wantErr bool
	}{
		{"smoke", Smoke, false}, {"CPU", CPU, false}, {" gpu ", GPU, false}, {"paper", Paper, false},
		{"", "", true}, {"huge", "", true},
	} {
		got, err := Parse(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("Parse(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(EnvVar, "")
	if s, err := FromEnv(); err != nil || s != Default {
		t.Errorf("unset: got %q, %v; want %q", s, err, Default)
	}
	t.Setenv(EnvVar, "smoke")
	if s, err := FromEnv(); err != nil || s != Smoke {
		t.Errorf("smoke: got %q, %v", s, err)
	}
	t.Setenv(EnvVar, "bogus")
	if _, err := FromEnv(); err == nil {
		t.Error("bogus scale: want an error")
	}
}

func TestReduced(t *testing.T) {
	for _, s := range All {
		if got, want := s.Reduced(), s != Paper; got != want {
			t.Errorf("%s.Reduced() = %v", s, got)
		}
	}
	if Paper.Describe() != "paper (paper scale)" || CPU.Describe() != "cpu (reduced scale)" {
		t.Errorf("Describe: %q, %q", Paper.Describe(), CPU.Describe())
	}
}
