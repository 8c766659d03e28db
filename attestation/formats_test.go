package attestation

// Shared-vector, forged-case and concurrency tests for the packed, fido-u2f,
// apple and compound verifiers.

import (
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
	"github.com/passkeykit/webauthn/trust"
)

// fvCase is a prepared verification: every input parsed once, so that Verify
// can run repeatedly (and concurrently) on it.
type fvCase struct {
	name string
	obj  Object
	ad   authdata.AuthData
	key  cose.Key
	cdh  []byte
	at   time.Time
	opts *Options
}

func (c *fvCase) verify() (Result, error) {
	in := Input{Object: &c.obj, AuthData: &c.ad, ClientDataHash: c.cdh, CredentialKey: &c.key, Time: c.at, Options: c.opts}
	var out Result
	err := Verify(&in, &out)
	return out, err
}

// fvPrepare parses an attestationObject and its credential key.
func fvPrepare(tb testing.TB, name string, obj, cdh []byte, at time.Time, opts *Options) *fvCase {
	tb.Helper()
	c := &fvCase{name: name, cdh: cdh, at: at, opts: opts}
	if err := ParseObject(obj, &c.obj); err != nil {
		tb.Fatalf("%s: ParseObject: %v", name, err)
	}
	if err := authdata.Parse(c.obj.AuthData, &c.ad); err != nil {
		tb.Fatalf("%s: authdata.Parse: %v", name, err)
	}
	if err := cose.ParseKey(c.ad.CredentialPublicKey, &c.key); err != nil {
		tb.Fatalf("%s: cose.ParseKey: %v", name, err)
	}
	return c
}

// fvAnchors returns Options whose anchors for every format are roots.
func fvAnchors(roots ...*forge.Cert) *Options {
	p := trust.NewPool()
	for _, r := range roots {
		p = trust.NewPool(append(p.Certificates(), r.Cert)...)
	}
	m := map[string]*trust.Pool{}
	for _, f := range []string{trust.FormatPacked, trust.FormatFIDOU2F, trust.FormatApple, trust.FormatTPM,
		trust.FormatAndroidKey, trust.FormatAndroidSafetyNet, trust.FormatCompound} {
		m[f] = p
	}
	return &Options{Anchors: &trust.Static{ByFormat: m}, Verifier: &trust.Verifier{Cache: trust.NewCache(64)}}
}

// myFormats are the formats these tests own.
var myFormats = map[string]bool{"packed": true, "fido-u2f": true, "apple": true, "compound": true}

// loadFormatVectors prepares the shared registration vectors of myFormats whose
// verdict is this package's to give. Skipped vectors are logged with the reason.
func loadFormatVectors(t *testing.T, opts func(v *vectors.Vector) *Options) (cases []*fvCase, want []*vectors.Vector) {
	t.Helper()
	vs, err := vectors.LoadDir(testenv.VectorsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if !myFormats[v.Fmt] || v.Ceremony != "registration" {
			continue
		}
		if e := v.Expect.Exception; e != "" && e != "WebAuthnCredentialNotSupportedException" {
			t.Logf("skip %s: exception %s belongs to the ceremony layer", v.Name, e)
			continue
		}
		fl := v.Fields()
		if fl == nil {
			t.Fatalf("%s: response is not an object", v.Name)
		}
		cdh := sha256.Sum256(vectors.B64(fl.Response.ClientDataJSON))
		o := opts(v)
		cases = append(cases, fvPrepare(t, v.Name, vectors.B64(fl.Response.AttestationObject), cdh[:], v.Time(), o))
		want = append(want, v)
	}
	return cases, want
}

func vectorOptions(t *testing.T, shared *trust.Verifier) func(v *vectors.Vector) *Options {
	return func(v *vectors.Vector) *Options {
		pems, err := v.AnchorPEMs()
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		o := &Options{Verifier: shared}
		if len(pems) == 0 {
			return o
		}
		var pool *trust.Pool
		for _, p := range pems {
			if pool, err = pool.AppendPEM(p); err != nil {
				t.Fatalf("%s: %v", v.Name, err)
			}
		}
		o.Anchors = &trust.Static{ByFormat: map[string]*trust.Pool{v.Fmt: pool}}
		return o
	}
}

func TestFormatVectors(t *testing.T) {
	cases, want := loadFormatVectors(t, vectorOptions(t, &trust.Verifier{Cache: trust.NewCache(256)}))
	pass := map[string]int{}
	total := map[string]int{}
	for i, c := range cases {
		v := want[i]
		t.Run(v.Name, func(t *testing.T) {
			total[v.Fmt]++
			res, err := c.verify()
			if (err == nil) != v.Expect.OK {
				t.Fatalf("ok = %v, want %v (%s): %v", err == nil, v.Expect.OK, v.Expect.Reason, err)
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error is not *Error: %v", err)
				}
				t.Logf("rejected as expected: %v", err)
			} else if w := v.Expect.AttestationType; w != "" && res.Type.String() != w {
				t.Fatalf("type = %v, want %s", res.Type, w)
			}
			if err == nil && len(v.TrustAnchors) > 0 && res.TrustPath != nil && !res.Judged {
				t.Errorf("anchors supplied but chain not judged")
			}
			pass[v.Fmt]++
		})
	}
	for f := range myFormats {
		t.Logf("%s: %d/%d vectors pass", f, pass[f], total[f])
	}
}

// TestFormatsConcurrent runs Verify on the shared vectors and on forged
// statements from many goroutines with one shared Verifier and cache (run
// with -race).
func TestFormatsConcurrent(t *testing.T) {
	shared := &trust.Verifier{Cache: trust.NewCache(32)} // small: forces eviction under contention
	cases, want := loadFormatVectors(t, vectorOptions(t, shared))
	forged := forgedGood(t)
	for _, c := range forged {
		c.opts.Verifier = shared
	}
	type job struct {
		c  *fvCase
		ok bool
	}
	var jobs []job
	for i, c := range cases {
		jobs = append(jobs, job{c, want[i].Expect.OK})
	}
	for _, c := range forged {
		jobs = append(jobs, job{c, true})
	}
	var wg sync.WaitGroup
	errc := make(chan string, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				for k := range jobs {
					j := jobs[(k+g)%len(jobs)]
					if _, err := j.c.verify(); (err == nil) != j.ok {
						select {
						case errc <- j.c.name + ": " + errString(err):
						default:
						}
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errc)
	for e := range errc {
		t.Error(e)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// forgedGood returns one valid forged case per format path.
func forgedGood(t *testing.T) []*fvCase {
	f := forge.New("concurrent")
	root := f.Root("root", cose.ES256)
	ca := f.Intermediate("ca", cose.ES256, root)
	opts := func() *Options { return fvAnchors(root) }
	cred := f.Key("cred", cose.ES256)
	r := f.Registration("r", cred)
	att := f.Key("att", cose.ES256)
	leaf := f.PackedLeaf("leaf", att, ca, r.AuthData.AAGUID[:], nil)
	u := f.U2FRegistration("u", cred)
	u2fLeaf := f.U2FLeaf("u2f", att, root)
	appleStmt, _ := r.Apple(f, "apple", ca)
	return []*fvCase{
		fvPrepare(t, "packed-self", r.Object("packed", r.PackedSelf()), r.ClientDataHash(), forge.Now, opts()),
		fvPrepare(t, "packed-basic", r.Object("packed", r.Packed(att, leaf, ca)), r.ClientDataHash(), forge.Now, opts()),
		fvPrepare(t, "fido-u2f", u.Object("fido-u2f", u.FIDOU2F(att, u2fLeaf)), u.ClientDataHash(), forge.Now, opts()),
		fvPrepare(t, "apple", r.Object("apple", appleStmt), r.ClientDataHash(), forge.Now, opts()),
		fvPrepare(t, "compound", r.Object("compound", forge.Compound(
			forge.Entry{Fmt: "packed", AttStmt: r.Packed(att, leaf, ca)},
			forge.Entry{Fmt: "apple", AttStmt: appleStmt})), r.ClientDataHash(), forge.Now, opts()),
	}
}

// negCase is a forged statement that breaks exactly one check.
type negCase struct {
	name  string
	c     *fvCase
	kind  error // class sentinel
	cause error // underlying cause, or nil
}

func runNeg(t *testing.T, cases []negCase) {
	t.Helper()
	for _, nc := range cases {
		t.Run(nc.name, func(t *testing.T) {
			_, err := nc.c.verify()
			if err == nil {
				t.Fatal("verified, want an error")
			}
			if !errors.Is(err, nc.kind) {
				t.Fatalf("err = %v, want class %v", err, nc.kind)
			}
			if nc.cause != nil && !errors.Is(err, nc.cause) {
				t.Fatalf("err = %v, want cause %v", err, nc.cause)
			}
			var e *Error
			if !errors.As(err, &e) || e.Step == "" {
				t.Fatalf("err = %v, want *Error with a step", err)
			}
		})
	}
}
