package attestation

// Forged-case helpers for the packed, fido-u2f, apple and compound verifiers,
// and the concurrency test over every format.

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
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

// TestVectorsConcurrent verifies every shared registration vector that parses
// and a valid forged statement per format path from many goroutines with one
// shared Verifier and a small cache (run with -race): every verdict, error
// text included, must equal the single-goroutine one.
func TestVectorsConcurrent(t *testing.T) {
	shared := &trust.Verifier{Cache: trust.NewCache(32)} // small: forces eviction under contention
	type job struct {
		name string
		run  func() error
		want string
	}
	var jobs []job
	for _, c := range loadVectorCases(t, "") {
		if c.parseErr != nil {
			continue
		}
		c.opts.Verifier = shared
		jobs = append(jobs, job{name: c.v.Name, run: func() error { _, err := c.verify(); return err }})
	}
	if len(jobs) == 0 {
		t.Fatal("no shared vector parses")
	}
	for _, c := range forgedGood(t) {
		c.opts.Verifier = shared
		jobs = append(jobs, job{name: c.name, run: func() error { _, err := c.verify(); return err }})
	}
	for i := range jobs {
		jobs[i].want = errString(jobs[i].run())
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
					if got := errString(j.run()); got != j.want {
						select {
						case errc <- j.name + ": " + got + ", alone: " + j.want:
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
