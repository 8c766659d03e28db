package attestation

import (
	"crypto/sha256"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
	"github.com/passkeykit/webauthn/trust"
)

// FuzzVerify drives every format's verification procedure straight from
// attestationObject bytes (fuzzing through the response JSON mostly breaks the
// base64url), seeded with every registration vector, shared and generated. It
// checks that nothing panics and that every failure is an *Error naming a
// class sentinel, with a Result left at its zero trust path.
func FuzzVerify(f *testing.F) {
	for _, dir := range []string{testenv.VectorsDir(f), filepath.Join(testenv.TestdataDir(), "vectors")} {
		for _, v := range testenv.LoadVectors(f, dir) {
			fl := v.Fields()
			if v.Ceremony != "registration" || fl == nil {
				continue
			}
			cdh := sha256.Sum256(vectors.B64(fl.Response.ClientDataJSON))
			f.Add(vectors.B64(fl.Response.AttestationObject), cdh[:], v.Time().Unix())
		}
	}
	opts := &Options{Verifier: &trust.Verifier{Cache: trust.NewCache(64)}}
	classes := []error{ErrUnsupportedFormat, ErrInvalidStatement, ErrBadSignature, ErrAlgorithm,
		ErrCertificate, ErrKeyMismatch, ErrNonceMismatch, ErrUntrusted, ErrAnchors}
	f.Fuzz(func(t *testing.T, obj, cdh []byte, at int64) {
		var o Object
		if ParseObject(obj, &o) != nil {
			return
		}
		var ad authdata.AuthData
		if authdata.Parse(o.AuthData, &ad) != nil || ad.CredentialPublicKey == nil {
			return
		}
		var key cose.Key
		if cose.ParseKey(ad.CredentialPublicKey, &key) != nil {
			return
		}
		in := Input{Object: &o, AuthData: &ad, ClientDataHash: cdh, CredentialKey: &key, Time: time.Unix(at, 0), Options: opts}
		var res Result
		err := Verify(&in, &res)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("not an *Error: %v", err)
		}
		known := false
		for _, c := range classes {
			known = known || errors.Is(err, c)
		}
		if !known {
			t.Fatalf("no class sentinel: %v", err)
		}
	})
}
