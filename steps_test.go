package webauthn_test

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/internal/testenv"
)

// specSteps is testdata/spec/l3-rp-steps.txt: the steps of W3C WebAuthn L3
// §7.1 and §7.2 as published, "§7.1 step 8" → its opening words.
var specSteps = sync.OnceValues(func() ([][2]string, error) {
	f, err := os.Open(filepath.Join(testenv.RepoRoot(), "testdata", "spec", "l3-rp-steps.txt"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var steps [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") && line != "" {
			step, text, ok := strings.Cut(line, "\t")
			if !ok {
				return nil, errors.New("malformed line " + line)
			}
			steps = append(steps, [2]string{step, text})
		}
	}
	return steps, sc.Err()
})

// specStep returns the step of section sec whose text contains words.
func specStep(t *testing.T, sec, words string) string {
	t.Helper()
	steps, err := specSteps()
	if err != nil {
		t.Fatal(err)
	}
	found := ""
	for _, s := range steps {
		if strings.HasPrefix(s[0], sec+" ") && strings.Contains(s[1], words) {
			if found != "" {
				t.Fatalf("%q names both %s and %s", words, found, s[0])
			}
			found = s[0]
		}
	}
	if found == "" {
		t.Fatalf("no step of %s says %q", sec, words)
	}
	return found
}

// checkStep requires err's Step to be the step of sec that the spec words
// identify; words "" checks nothing.
func checkStep(t *testing.T, err error, sec, words string) {
	t.Helper()
	if words == "" {
		return
	}
	var e *webauthn.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *webauthn.Error at %q", err, words)
	}
	if want := specStep(t, sec, words); e.Step != want {
		t.Fatalf("Step %q, want %q (%s)", e.Step, want, words)
	}
}

var stepRef = regexp.MustCompile(`§(7\.[12]) steps? (\d+)(?:-(\d+))?`)

// TestStepReferences holds every "§7.1 step N" and "§7.2 step N" written in
// the module's Go files (errors and doc comments) against the published
// numbering: each names a step that exists.
func TestStepReferences(t *testing.T) {
	steps, err := specSteps()
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]int{}
	for _, s := range steps {
		sec, num, _ := strings.Cut(strings.TrimPrefix(s[0], "§"), " step ")
		n, _ := strconv.Atoi(num)
		last[sec] = max(last[sec], n)
	}
	if last["7.1"] != 29 || last["7.2"] != 25 {
		t.Fatalf("the table has %d and %d steps, want 29 and 25", last["7.1"], last["7.2"])
	}
	root := testenv.RepoRoot()
	refs := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range stepRef.FindAllStringSubmatch(string(b), -1) {
			refs++
			for _, num := range m[2:] {
				if num == "" {
					continue
				}
				if n, _ := strconv.Atoi(num); n < 1 || n > last[m[1]] {
					t.Errorf("%s: %q names no step of §%s", path, m[0], m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if refs < 100 {
		t.Fatalf("only %d step references found", refs)
	}
}
