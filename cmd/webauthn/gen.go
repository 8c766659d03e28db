package main

import (
	"fmt"
	"io"
	"os"

	gengen "github.com/passkeykit/webauthn/internal/gen"
)

// gen writes the project's deterministic vectors into DIR and prints how many
// files it wrote.
func gen(args []string, w io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: webauthn gen DIR")
		return 2
	}
	n, err := gengen.Generate(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "webauthn gen:", err)
		return 1
	}
	fmt.Fprintf(w, "wrote %d files to %s\n", n, args[0])
	return 0
}
