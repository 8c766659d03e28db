package webauthn

import (
	"errors"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

func TestCheckResponseJSON(t *testing.T) {
	dir := testenv.VectorsDir(t)
	vs, err := vectors.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range vs {
		check := CheckRegistrationResponseJSON
		if v.Ceremony == "authentication" {
			check = CheckAuthenticationResponseJSON
		}
		resp := []byte(v.Response)
		if err := check(resp); err != nil {
			// Only vectors that are malformed at the JSON step may fail here.
			if v.Expect.OK || ExceptionName(err) != ExceptionInvalidParameter {
				t.Errorf("%s: %v", v.Name, err)
			}
			continue
		}
		n++
		if a := testing.AllocsPerRun(20, func() { check(resp) }); a != 0 {
			t.Errorf("%s: %v allocs", v.Name, a)
		}
	}
	t.Logf("%d of %d responses well-formed", n, len(vs))
	for _, bad := range []string{
		``, `[]`, `{"id":"a","id":"a"}`, `{"id":"a","rawId":"a","type":"public-key","response":{"clientDataJSON":1,"attestationObject":"a"}}`,
		`{"id":"a","rawId":"a","type":"public-key","response":{"clientDataJSON":"a","attestationObject":"a"}} x`,
	} {
		err := CheckRegistrationResponseJSON([]byte(bad))
		if ExceptionName(err) != ExceptionInvalidParameter || !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	ok := `{"id":"a","rawId":"a","type":"public-key","response":{"clientDataJSON":"a","attestationObject":"a"},"clientExtensionResults":{}}`
	if err := CheckRegistrationResponseJSON([]byte(ok)); err != nil {
		t.Errorf("minimal response: %v", err)
	}
	if err := CheckAuthenticationResponseJSON([]byte(ok)); err == nil {
		t.Error("a registration response passed as an assertion")
	}
}
