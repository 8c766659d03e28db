package attestation

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/cbor"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
	"github.com/passkeykit/webauthn/trust"
)

// hwCase is one attestation object ready to verify: the parsed object,
// authenticator data, credential key and client data hash, and an Input over
// them. Shared vectors come from loadVectorCases, forged ones from forgedCase.
type hwCase struct {
	v    *vectors.Vector
	obj  Object
	ad   authdata.AuthData
	key  cose.Key
	cdh  [sha256.Size]byte
	opts Options
	in   Input
	// parseErr is why the object, its authData or its credential key does not
	// parse (nil when all three do; in is then ready).
	parseErr error
}

// loadVectorCases loads every shared registration vector whose fmt is format
// ("" for every format).
func loadVectorCases(tb testing.TB, format string) []*hwCase {
	tb.Helper()
	var out []*hwCase
	for _, v := range testenv.Vectors(tb) {
		if v.Ceremony != "registration" || format != "" && v.Fmt != format {
			continue
		}
		out = append(out, newHWCase(tb, v))
	}
	if len(out) == 0 {
		tb.Fatalf("no %q registration vectors", format)
	}
	return out
}

// passingCases returns the vectors of format that must verify. Every one must
// parse, and there must be at least one: callers loop over them.
func passingCases(tb testing.TB, format string) []*hwCase {
	tb.Helper()
	var out []*hwCase
	for _, c := range loadVectorCases(tb, format) {
		if !c.v.Expect.OK {
			continue
		}
		if c.parseErr != nil {
			tb.Fatalf("%s: expected ok, but it does not parse: %v", c.v.Name, c.parseErr)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		tb.Fatalf("no %s vector expected to verify", format)
	}
	return out
}

func newHWCase(tb testing.TB, v *vectors.Vector) *hwCase {
	tb.Helper()
	c := &hwCase{v: v}
	c.cdh = sha256.Sum256(v.ClientDataJSON())
	if c.parseErr = ParseObject(v.AttestationObject(), &c.obj); c.parseErr != nil {
		return c
	}
	if c.parseErr = authdata.Parse(c.obj.AuthData, &c.ad); c.parseErr != nil {
		return c
	}
	if c.parseErr = cose.ParseKey(c.ad.CredentialPublicKey, &c.key); c.parseErr != nil {
		return c
	}
	pems, err := v.AnchorPEMs()
	if err != nil {
		tb.Fatal(err)
	}
	if len(pems) > 0 {
		pool := trust.NewPool()
		for _, p := range pems {
			if pool, err = pool.AppendPEM(p); err != nil {
				tb.Fatal(err)
			}
		}
		c.opts.Anchors = &trust.Static{ByFormat: map[string]*trust.Pool{v.Fmt: pool}}
	}
	c.in = Input{
		Object:         &c.obj,
		AuthData:       &c.ad,
		ClientDataHash: c.cdh[:],
		CredentialKey:  &c.key,
		Time:           v.Time(),
		Options:        &c.opts,
	}
	return c
}

// withStatement returns a copy of c whose statement is stmt (CBOR map bytes).
func (c *hwCase) withStatement(stmt []byte) *hwCase {
	d := *c
	d.obj.AttStmt = Statement{Raw: stmt}
	d.in.Object = &d.obj
	d.in.AuthData = &d.ad
	d.in.CredentialKey = &d.key
	d.in.ClientDataHash = d.cdh[:]
	d.in.Options = &d.opts
	return &d
}

// clone returns an independent copy whose Input points at its own fields.
func (c *hwCase) clone() *hwCase { return c.withStatement(c.obj.AttStmt.Raw) }

func (c *hwCase) verify() (Result, error) {
	var res Result
	err := Verify(&c.in, &res)
	return res, err
}

// Cognito exceptions of SCHEMA.md that this layer decides or must not cause.
const (
	excMalformed    = "InvalidParameterException"
	excNotSupported = "WebAuthnCredentialNotSupportedException"
)

// reasonClasses says which *Error a statement-level failure must be, by the
// vector's reason text (SCHEMA.md gives it in words). Every
// WebAuthnCredentialNotSupportedException vector must match exactly one row,
// and every row must match a vector, so the table stays true.
var reasonClasses = []struct {
	format, reason string // reason: a substring of Expect.Reason
	kind, cause    error
}{
	{"packed", "id-fido-gen-ce-aaguid extension does not equal the AAGUID", ErrCertificate, errAAGUIDMismatch},
	{"tpm", "id-fido-gen-ce-aaguid extension does not equal the AAGUID", ErrCertificate, ErrAAGUIDExtension},
	{"android-safetynet", "ctsProfileMatch=false", ErrCertificate, ErrSafetyNetCTS},
	{"android-safetynet", "is far older than verifyAt", ErrCertificate, ErrSafetyNetStale},
	{"android-safetynet", "the JWS signature does not verify", ErrBadSignature, cosesig.ErrSignature},
}

// TestVectors checks the statement verdict of every shared registration
// vector against its expectation:
//   - ok: the object parses and verifies, with the vector's attestation type,
//     and a chain judged when the vector gives anchors;
//   - WebAuthnCredentialNotSupportedException: an *Error whose class and
//     cause are the reasonClasses row of the vector's reason;
//   - InvalidParameterException: the object, authData or key may fail to
//     parse (that fault is this layer's); when they parse, the fault is
//     outside the statement (id/rawId, clientDataJSON), which must verify;
//   - any other exception (challenge, origin, RP ID): a ceremony fault; the
//     object must parse and the statement verify.
func TestVectors(t *testing.T) {
	used := make([]bool, len(reasonClasses))
	verdicts := map[string]int{}
	for _, c := range loadVectorCases(t, "") {
		t.Run(c.v.Name, func(t *testing.T) {
			exc := c.v.Expect.Exception
			if c.v.Expect.OK != (exc == "") {
				t.Fatalf("vector: ok=%v with exception %q", c.v.Expect.OK, exc)
			}
			if c.parseErr != nil {
				if exc != excMalformed {
					t.Fatalf("does not parse (%v); the vector expects %s", c.parseErr, verdict(c.v))
				}
				verdicts["malformed"]++
				return
			}
			res, err := c.verify()
			switch exc {
			case "":
				if err != nil {
					t.Fatalf("expected ok, got %v", err)
				}
				if got, want := res.Type.String(), c.v.Expect.AttestationType; want != "" && got != want {
					t.Fatalf("attestation type %s, want %s", got, want)
				}
				if len(c.v.TrustAnchors) > 0 && res.TrustPath != nil && !res.Judged {
					t.Fatal("anchors given but chain not judged")
				}
				verdicts["ok"]++
			case excNotSupported:
				row := -1
				for i, r := range reasonClasses {
					if r.format == c.v.Fmt && strings.Contains(c.v.Expect.Reason, r.reason) {
						if row >= 0 {
							t.Fatalf("reason %q matches two reasonClasses rows", c.v.Expect.Reason)
						}
						row = i
					}
				}
				if row < 0 {
					t.Fatalf("no reasonClasses row for %s reason %q (got %v): add one", c.v.Fmt, c.v.Expect.Reason, err)
				}
				used[row] = true
				expectErr(t, err, reasonClasses[row].kind, reasonClasses[row].cause)
				verdicts["not supported"]++
			default:
				if err != nil {
					t.Fatalf("the vector's fault (%s: %s) is outside the statement, which must verify: %v", exc, c.v.Expect.Reason, err)
				}
				verdicts["outside the statement"]++
			}
		})
	}
	for i, u := range used {
		if !u {
			t.Errorf("reasonClasses row %d (%s %q) matches no vector", i, reasonClasses[i].format, reasonClasses[i].reason)
		}
	}
	t.Logf("verdicts: %v", verdicts)
}

// verdict is the vector's expectation in words.
func verdict(v *vectors.Vector) string {
	if v.Expect.OK {
		return "ok"
	}
	return v.Expect.Exception + " (" + v.Expect.Reason + ")"
}

// stmtMap re-encodes a statement map with one member replaced, added
// (val non-nil) or removed (val nil), keeping every other member's raw bytes.
func stmtMap(tb testing.TB, raw []byte, key string, val []byte) []byte {
	tb.Helper()
	s := Statement{Raw: raw}
	m := s.Members()
	type kv struct{ k, v []byte }
	var out []kv
	var k, v []byte
	found := false
	for m.Next(&k, &v) {
		if string(k) == key {
			found = true
			if val == nil {
				continue
			}
			v = val
		}
		out = append(out, kv{k, v})
	}
	if !found && val != nil {
		out = append(out, kv{[]byte(key), val})
	}
	b := cborHead(nil, 5, uint64(len(out)))
	for _, e := range out {
		b = cborHead(b, 3, uint64(len(e.k)))
		b = append(b, e.k...)
		b = append(b, e.v...)
	}
	if !cbor.Valid(b) {
		tb.Fatal("stmtMap built invalid CBOR")
	}
	return b
}

// cborHead appends a CBOR item head of major type major and argument n.
func cborHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n < 1<<8:
		return append(b, m|24, byte(n))
	case n < 1<<16:
		return append(b, m|25, byte(n>>8), byte(n))
	case n < 1<<32:
		return append(b, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func cborBytes(v []byte) []byte { return append(cborHead(nil, 2, uint64(len(v))), v...) }
func cborText(v string) []byte  { return append(cborHead(nil, 3, uint64(len(v))), v...) }
