package figkit

import (
	"fmt"
	"os"
	"strings"
)

// ReplaceBlock returns the file at path, and the same text with what lies between the markers
// begin and end replaced by body (a blank line on each side): a generated block of a hand-written
// file, such as a results table of notebooks/README.md. It fails if the markers are missing or
// out of order.
func ReplaceBlock(path, begin, end, body string) (have, want string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	have = string(data)
	i, j := strings.Index(have, begin), strings.Index(have, end)
	if i < 0 || j < i {
		return have, "", fmt.Errorf("%s lacks the markers %q ... %q", path, begin, end)
	}
	return have, have[:i+len(begin)] + "\n\n" + body + "\n" + have[j:], nil
}
