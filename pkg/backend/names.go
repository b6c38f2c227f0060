package backend

// pjrtBackendNames are the names GoMLX's XLA (PJRT) backend registers.
var pjrtBackendNames = []string{"stablehlo", "xla", "hlo", "shlo"}

// pjrtCompiledIn is set when the XLA backend is linked into the program (it is, unless built with the tag "nopjrt").
var pjrtCompiledIn bool

// PJRTAvailable reports whether this program was built with GoMLX's XLA (PJRT) backend (it is, unless built with the tag "nopjrt").
func PJRTAvailable() bool { return pjrtCompiledIn }
