package attestation

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/cbor"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
	"github.com/passkeykit/webauthn/trust"
)

// hwCase is one shared vector of the tpm, android-key or android-safetynet
// format, ready to verify: the parsed attestation object, authenticator data,
// credential key and client data hash, and an Input over them.
type hwCase struct {
	v    *vectors.Vector
	obj  Object
	ad   authdata.AuthData
	key  cose.Key
	cdh  [sha256.Size]byte
	opts Options
	in   Input
	// skip is why the vector is not a statement-level case ("" when it is).
	skip string
}

// loadHWVectors loads every shared vector whose fmt is format.
func loadHWVectors(tb testing.TB, format string) []*hwCase {
	tb.Helper()
	dir := testenv.VectorsDir(tb)
	var out []*hwCase
	for _, p := range testenv.Files(tb, dir) {
		v, err := vectors.Load(p, dir)
		if err != nil {
			tb.Fatal(err)
		}
		if v.Fmt != format || v.Ceremony != "registration" {
			continue
		}
		out = append(out, newHWCase(tb, v))
	}
	if len(out) == 0 {
		tb.Fatalf("no %s vectors under %s", format, dir)
	}
	return out
}

func newHWCase(tb testing.TB, v *vectors.Vector) *hwCase {
	tb.Helper()
	c := &hwCase{v: v}
	if e := v.Expect.Exception; e != "" && e != "WebAuthnCredentialNotSupportedException" {
		c.skip = "ceremony-level expectation " + e + ": " + v.Expect.Reason
		return c
	}
	c.cdh = sha256.Sum256(v.ClientDataJSON())
	if err := ParseObject(v.AttestationObject(), &c.obj); err != nil {
		c.skip = "attestation object does not parse: " + err.Error()
		return c
	}
	if err := authdata.Parse(c.obj.AuthData, &c.ad); err != nil {
		c.skip = "authData does not parse: " + err.Error()
		return c
	}
	if err := cose.ParseKey(c.ad.CredentialPublicKey, &c.key); err != nil {
		c.skip = "credential key does not parse: " + err.Error()
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

// runHWVectors checks every vector of format against its expectation.
func runHWVectors(t *testing.T, format string) {
	cases := loadHWVectors(t, format)
	pass, skipped, deviations := 0, 0, 0
	for _, c := range cases {
		t.Run(c.v.Name, func(t *testing.T) {
			if c.skip != "" {
				skipped++
				t.Skip(c.skip)
			}
			res, err := c.verify()
			if d, ok := tpmVectorDeviations[c.v.Name]; ok {
				expectErr(t, err, d.kind, d.cause)
				t.Logf("DEVIATION from the vector's expectation: %s", d.why)
				deviations++
				return
			}
			switch {
			case c.v.Expect.OK && err != nil:
				t.Fatalf("expected ok, got %v", err)
			case !c.v.Expect.OK && err == nil:
				t.Fatalf("expected %s (%s), got ok", c.v.Expect.Exception, c.v.Expect.Reason)
			case !c.v.Expect.OK:
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v is not *Error", err)
				}
				t.Logf("rejected as expected: %v", err)
			default:
				if got := res.Type.String(); got != c.v.Expect.AttestationType {
					t.Fatalf("attestation type %s, want %s", got, c.v.Expect.AttestationType)
				}
				if len(c.v.TrustAnchors) > 0 && !res.Judged {
					t.Fatal("anchors given but chain not judged")
				}
			}
			pass++
		})
	}
	t.Logf("%s: %d of %d vectors pass, %d skipped, %d known deviations", format, pass, len(cases), skipped, deviations)
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
func cborInt(v int64) []byte {
	if v >= 0 {
		return cborHead(nil, 0, uint64(v))
	}
	return cborHead(nil, 1, uint64(-1-v))
}

func TestTPMVectors(t *testing.T)        { runHWVectors(t, "tpm") }
func TestAndroidKeyVectors(t *testing.T) { runHWVectors(t, "android-key") }
func TestSafetyNetVectors(t *testing.T)  { runHWVectors(t, "android-safetynet") }
