package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/passkeykit/webauthn/internal/conformance"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// runConformance runs every vector under DIR and prints each whose verdict differs
// from the expected one, then "N passed, N failed". Exit status 1 when any failed.
func runConformance(args []string, w io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: webauthn conformance DIR")
		return 2
	}
	dir := args[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(os.Stderr, "webauthn conformance: %s is not a directory\n", dir)
		return 2
	}
	vs, err := vectors.LoadDir(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "webauthn conformance:", err)
		return 1
	}
	passed, failed := 0, 0
	for _, v := range vs {
		r := run(v)
		if r.Pass {
			passed++
			continue
		}
		failed++
		rel, _ := filepath.Rel(dir, v.Path)
		fmt.Fprintf(w, "FAIL %s\n  expected: %s\n  actual:   %s\n", rel, r.Expected, r.Actual)
		if r.Detail != "" {
			fmt.Fprintf(w, "  detail:   %s\n", r.Detail)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
	if failed > 0 || passed == 0 {
		return 1
	}
	return 0
}

// verify verifies the named vector files and reports each verdict.
func verify(args []string, w io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: webauthn verify [-json] FILE...")
		return 2
	}
	code := 0
	enc := json.NewEncoder(w)
	for _, path := range fs.Args() {
		v, err := vectors.Load(path, vectorRoot(path))
		if err != nil {
			fmt.Fprintln(os.Stderr, "webauthn verify:", err)
			code = 1
			continue
		}
		r := run(v)
		if !r.Pass {
			code = 1
		}
		if *asJSON {
			enc.Encode(r)
			continue
		}
		verdict := "PASS"
		if !r.Pass {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "%s %s (%s)\n  expected: %s\n  actual:   %s\n", verdict, path, v.Ceremony, r.Expected, r.Actual)
		if r.Detail != "" {
			fmt.Fprintf(w, "  detail:   %s\n", r.Detail)
		}
	}
	return code
}

// vectorRoot finds the folder trust anchors are relative to: the nearest parent
// holding a roots/ folder, else the file's own folder.
func vectorRoot(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Dir(path)
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "roots")); err == nil && st.IsDir() {
			return d
		}
		if filepath.Dir(d) == d {
			return filepath.Dir(abs)
		}
	}
}

// result is one vector's verdict as the command reports it.
type result struct {
	Name     string `json:"name"`
	Pass     bool   `json:"pass"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Detail   string `json:"detail,omitempty"`
}

// run verifies one vector through the public API and compares the verdict.
func run(v *vectors.Vector) result {
	r := result{Name: v.Name, Expected: "ok"}
	if !v.Expect.OK {
		r.Expected = v.Expect.Exception
		if v.Expect.Reason != "" {
			r.Expected += " (" + v.Expect.Reason + ")"
		}
	}
	pass, exception, detail, err := conformance.Run(v)
	switch {
	case err != nil:
		r.Actual, r.Detail = "harness error", err.Error()
	case exception == "":
		r.Actual = "ok"
	default:
		r.Actual = exception
	}
	if !pass || !v.Expect.OK {
		r.Detail = detail
	}
	r.Pass = pass && err == nil
	return r
}
