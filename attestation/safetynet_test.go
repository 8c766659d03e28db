package attestation

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/trust"
)

// snBuild describes a forged android-safetynet registration.
type snBuild struct {
	alg      cose.Algorithm // of the leaf key: RS256 (default) or ES256
	hostname string
	ts       time.Duration // timestampMs offset from forge.Now
	cts      *bool
	nonce    string
	header   func([]byte) []byte
	payload  func([]byte) []byte
	response func([]byte) []byte
	stmt     func(forge.Stmt)
	window   time.Duration
}

func (b *snBuild) build(tb testing.TB) *hwCase {
	tb.Helper()
	f := forge.New("safetynet-test")
	r := f.Registration("sn", f.Key("cred", cose.ES256))
	root := f.Root("sn-root", cose.ES256)
	alg := b.alg
	if alg == 0 {
		alg = cose.RS256
	}
	host := b.hostname
	if host == "" {
		host = "attest.android.com"
	}
	att := f.Key("sn-leaf", alg)
	leaf := f.Issue("sn-leaf", forge.SafetyNetLeafSpec(host), att, root)
	ad, cdh := r.SignedData()
	nonce := b.nonce
	if nonce == "" {
		nonce = forge.SafetyNetNonce(ad, cdh)
	}
	cts := true
	if b.cts != nil {
		cts = *b.cts
	}
	jalg := "RS256"
	if alg == cose.ES256 {
		jalg = "ES256"
	}
	hdr := forge.SafetyNetHeader(jalg, leaf)
	pay := forge.SafetyNetPayload(nonce, forge.Now.Add(b.ts), cts)
	if b.header != nil {
		hdr = b.header(hdr)
	}
	if b.payload != nil {
		pay = b.payload(pay)
	}
	resp := forge.SafetyNetJWS(att, hdr, pay)
	if b.response != nil {
		resp = b.response(resp)
	}
	st := forge.Stmt{"ver": "14366018", "response": resp}
	if b.stmt != nil {
		b.stmt(st)
	}
	c := forgedCase(tb, r.Object("android-safetynet", st), cdh).anchoredBy("android-safetynet", root)
	c.opts.SafetyNetWindow = b.window
	return c
}

func TestSafetyNetForged(t *testing.T) {
	for _, b := range []snBuild{{}, {alg: cose.ES256}, {ts: -50 * time.Second}, {ts: 50 * time.Second}, {ts: -time.Hour, window: 2 * time.Hour}} {
		res, err := b.build(t).verify()
		if err != nil {
			t.Fatalf("%+v: %v", b, err)
		}
		if res.Type != TypeBasic || !res.Judged {
			t.Fatalf("result %+v", res)
		}
	}
}

// TestSafetyNetRejects breaks each check of §8.5 in turn.
func TestSafetyNetRejects(t *testing.T) {
	no := false
	replace := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
	}
	tests := []struct {
		name        string
		b           snBuild
		kind, cause error
	}{
		{"ver empty", snBuild{stmt: func(s forge.Stmt) { s["ver"] = "" }}, ErrInvalidStatement, ErrSafetyNetVersion},
		{"ver not text", snBuild{stmt: func(s forge.Stmt) { s["ver"] = 1 }}, ErrInvalidStatement, ErrWrongType},
		{"response missing", snBuild{stmt: func(s forge.Stmt) { delete(s, "response") }}, ErrInvalidStatement, ErrMissingField},
		{"unknown member", snBuild{stmt: func(s forge.Stmt) { s["x5c"] = [][]byte{{1}} }}, ErrInvalidStatement, ErrSafetyNetUnknownMember},
		{"nonce mismatch", snBuild{nonce: base64.StdEncoding.EncodeToString(make([]byte, 32))}, ErrNonceMismatch, ErrSafetyNetNonce},
		{"nonce unpadded", snBuild{payload: replace(`=",`, `",`)}, ErrNonceMismatch, ErrSafetyNetNonce},
		{"ctsProfileMatch false", snBuild{cts: &no}, ErrCertificate, ErrSafetyNetCTS},
		{"ctsProfileMatch string", snBuild{payload: replace(`"ctsProfileMatch":true`, `"ctsProfileMatch":"true"`)}, ErrInvalidStatement, ErrSafetyNetPayload},
		{"ctsProfileMatch missing", snBuild{payload: replace(`"ctsProfileMatch":true,`, ``)}, ErrInvalidStatement, ErrSafetyNetPayload},
		{"duplicate nonce", snBuild{payload: replace(`{`, `{"nonce":"x",`)}, ErrInvalidStatement, ErrSafetyNetPayload},
		{"timestamp fraction", snBuild{payload: replace(`,"apkPackageName"`, `.5,"apkPackageName"`)}, ErrInvalidStatement, ErrSafetyNetPayload},
		{"wrong hostname", snBuild{hostname: "attest.android.com.evil.example"}, ErrCertificate, ErrSafetyNetHostname},
		{"stale timestamp", snBuild{ts: -2 * time.Minute}, ErrCertificate, ErrSafetyNetStale},
		{"future timestamp", snBuild{ts: 2 * time.Minute}, ErrCertificate, ErrSafetyNetFuture},
		{"stale under a custom window", snBuild{ts: -2 * time.Hour, window: time.Hour}, ErrCertificate, ErrSafetyNetStale},
		{"bad JWS signature", snBuild{response: func(b []byte) []byte {
			i := bytes.LastIndexByte(b, '.') + 5
			b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
			return b
		}}, ErrBadSignature, nil},
		{"bad ES256 JWS signature", snBuild{alg: cose.ES256, response: func(b []byte) []byte {
			i := bytes.LastIndexByte(b, '.') + 5
			b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
			return b
		}}, ErrBadSignature, cosesig.ErrSignature},
		{"header alg mismatch", snBuild{header: replace(`"RS256"`, `"ES256"`)}, ErrAlgorithm, nil},
		{"two parts", snBuild{response: func(b []byte) []byte { return b[:bytes.LastIndexByte(b, '.')] }}, ErrInvalidStatement, ErrSafetyNetJWS},
		{"four parts", snBuild{response: func(b []byte) []byte { return append(b, ".AA"...) }}, ErrInvalidStatement, ErrSafetyNetJWS},
		{"empty signature", snBuild{response: func(b []byte) []byte { return b[:bytes.LastIndexByte(b, '.')+1] }}, ErrInvalidStatement, ErrSafetyNetJWS},
		{"padded base64url", snBuild{response: func(b []byte) []byte { return bytes.Replace(b, []byte("."), []byte("+."), 1) }}, ErrInvalidStatement, ErrSafetyNetJWS},
		// An RSA-2048 signature is 342 base64url characters: "==" is the
		// padding base64 would add, which RFC 7515 §2 omits.
		{"padded signature", snBuild{response: func(b []byte) []byte { return append(b, "=="...) }}, ErrInvalidStatement, ErrSafetyNetJWS},
		{"header miscased alg", snBuild{header: replace(`{`, `{"ALG":"none",`)}, ErrInvalidStatement, ErrSafetyNetHeader},
		{"header not JSON", snBuild{header: func([]byte) []byte { return []byte("alg") }}, ErrInvalidStatement, ErrSafetyNetHeader},
		{"header trailing", snBuild{header: func(b []byte) []byte { return append(b, '}') }}, ErrInvalidStatement, ErrSafetyNetHeader},
		{"header alg none", snBuild{header: replace(`"RS256"`, `"none"`)}, ErrInvalidStatement, ErrSafetyNetJWSAlg},
		{"header x5c missing", snBuild{header: func([]byte) []byte { return []byte(`{"alg":"RS256"}`) }}, ErrInvalidStatement, ErrSafetyNetHeader},
		{"header x5c empty", snBuild{header: func([]byte) []byte { return []byte(`{"alg":"RS256","x5c":[]}`) }}, ErrInvalidStatement, ErrSafetyNetHeader},
		{"header crit", snBuild{header: replace(`{`, `{"crit":["exp"],`)}, ErrInvalidStatement, ErrSafetyNetHeader},
		{"header duplicate alg", snBuild{header: replace(`{`, `{"alg":"RS256",`)}, ErrInvalidStatement, ErrSafetyNetHeader},
		{"x5c base64url", snBuild{header: func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"x5c":["`), []byte(`"x5c":["-_`), 1)
		}}, ErrCertificate, ErrSafetyNetX5C},
		{"x5c unpadded", snBuild{header: func(b []byte) []byte {
			return bytes.TrimRight(bytes.TrimSuffix(b, []byte(`"]}`)), "=")
		}}, ErrInvalidStatement, ErrSafetyNetHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.b.build(t).verify()
			expectErr(t, err, tt.kind, tt.cause)
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		c := (&snBuild{}).build(t)
		c.anchoredBy("android-safetynet", forge.New("x").Root("x", cose.ES256))
		_, err := c.verify()
		expectErr(t, err, ErrUntrusted, trust.ErrUntrusted)
	})
}

// TestSafetyNetLimits checks MaxSafetyNetResponse, MaxSafetyNetPayload and
// MaxSafetyNetSignature at the limit and one past it.
func TestSafetyNetLimits(t *testing.T) {
	var bufs safetyNetBuffers
	var sn safetyNetJWS
	at := bytes.Repeat([]byte("A"), MaxSafetyNetResponse)
	at[10], at[20] = '.', '.'
	if err := parseSafetyNetJWS(at, &bufs, &sn); err == ErrSafetyNetTooLarge {
		t.Fatal("response at MaxSafetyNetResponse rejected as too large")
	}
	over := append(at, 'A')
	if err := parseSafetyNetJWS(over, &bufs, &sn); err != ErrSafetyNetTooLarge {
		t.Fatalf("response at MaxSafetyNetResponse+1: %v", err)
	}
	enc := base64.RawURLEncoding
	part := func(n int) string { return enc.EncodeToString(make([]byte, n)) }
	for _, tc := range []struct {
		name         string
		pay, sig     int
		wantTooLarge bool
	}{
		{"payload at limit", MaxSafetyNetPayload, 256, false},
		{"payload over", MaxSafetyNetPayload + 1, 256, true},
		{"signature at limit", 16, MaxSafetyNetSignature, false},
		{"signature over", 16, MaxSafetyNetSignature + 1, true},
	} {
		resp := []byte(part(8) + "." + part(tc.pay) + "." + part(tc.sig))
		err := parseSafetyNetJWS(resp, &bufs, &sn)
		if (err == ErrSafetyNetTooLarge) != tc.wantTooLarge {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestSafetyNetAllocations: the statement syntax, JWS splitting, base64url
// decoding (into pooled buffers), header and payload parsing, nonce,
// ctsProfileMatch and timestamp checks allocate nothing. Excluded: x5c decoding and parsing (its DER is kept
// by crypto/x509), the JWS signature (crypto/rsa) and the chain.
func TestSafetyNetAllocations(t *testing.T) {
	for _, c := range passingCases(t, "android-safetynet") {
		run := func() {
			bufs := safetyNetPool.Get().(*safetyNetBuffers)
			defer safetyNetPool.Put(bufs)
			var sn safetyNetJWS
			if err := readSafetyNet(&c.in, c.obj.AttStmt, bufs, &sn); err != nil {
				t.Fatal(err)
			}
		}
		if a := testing.AllocsPerRun(50, run); a != 0 {
			t.Errorf("%s: %v allocations", c.v.Name, a)
		}
	}
}

func BenchmarkSafetyNetRead(b *testing.B) {
	c := passingCases(b, "android-safetynet")[0]
	b.ReportAllocs()
	for b.Loop() {
		bufs := safetyNetPool.Get().(*safetyNetBuffers)
		var sn safetyNetJWS
		_ = readSafetyNet(&c.in, c.obj.AttStmt, bufs, &sn)
		safetyNetPool.Put(bufs)
	}
}
