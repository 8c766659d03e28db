package webauthn

import (
	"path/filepath"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// loadVector reads one shared vector by its path under the vectors directory.
func loadVector(t testing.TB, rel string) *vectors.Vector {
	t.Helper()
	dir := testenv.VectorsDir(t)
	v, err := vectors.Load(filepath.Join(dir, rel), dir)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseResponseVectors(t *testing.T) {
	dir := testenv.VectorsDir(t)
	vs, err := vectors.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		c := ceremonyRegistration
		if v.Ceremony == "authentication" {
			c = ceremonyAuthentication
		}
		var js responseJSON
		if err := parseResponse(v.Response, c, &js); err != nil {
			t.Errorf("%s: %v", v.Path, err)
		}
	}
}

// TestParseResponsePrefixes requires every strict prefix of a response to be
// rejected, with no partial result.
func TestParseResponsePrefixes(t *testing.T) {
	for _, rel := range []string{"w3c/none-es256-registration.json", "w3c/packed-es256-authentication.json"} {
		v := loadVector(t, rel)
		c := ceremonyRegistration
		if v.Ceremony == "authentication" {
			c = ceremonyAuthentication
		}
		b := []byte(v.Response)
		for i := range len(b) {
			js := responseJSON{id: jstr{present: true}}
			if err := parseResponse(b[:i], c, &js); err == nil {
				t.Fatalf("%s: prefix of %d bytes accepted", rel, i)
			}
			if js.id.present || js.id.raw != nil || js.extensions != nil {
				t.Fatalf("%s: partial result after error at %d", rel, i)
			}
		}
	}
}

// TestParseResponseAllocs: the response-JSON layer allocates nothing.
func TestParseResponseAllocs(t *testing.T) {
	for _, rel := range []string{"w3c/none-es256-registration.json", "w3c/packed-es256-authentication.json"} {
		v := loadVector(t, rel)
		c := ceremonyRegistration
		if v.Ceremony == "authentication" {
			c = ceremonyAuthentication
		}
		var js responseJSON
		n := testing.AllocsPerRun(100, func() {
			if err := parseResponse(v.Response, c, &js); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: parseResponse allocates %v times", rel, n)
		}
	}
}

func BenchmarkParseResponse(b *testing.B) {
	v := loadVector(b, "w3c/none-es256-registration.json")
	var js responseJSON
	b.ReportAllocs()
	b.SetBytes(int64(len(v.Response)))
	for b.Loop() {
		if err := parseResponse(v.Response, ceremonyRegistration, &js); err != nil {
			b.Fatal(err)
		}
	}
}
