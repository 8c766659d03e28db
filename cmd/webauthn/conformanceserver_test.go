package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"flag"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/mds"
)

func TestConformanceServerHelp(t *testing.T) {
	var out bytes.Buffer
	if code := serveConformance(context.Background(), []string{"-h"}, &out, &confServerConfig{get: fetch, now: time.Now}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	(&confServerConfig{}).flags(fs)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		if !strings.Contains(out.String(), "  -"+f.Name+" ") && !strings.Contains(out.String(), "  -"+f.Name+"\n") || f.Usage == "" {
			t.Errorf("-h does not document -%s:\n%s", f.Name, out.String())
		}
	})
	if n != 10 {
		t.Errorf("%d flags, want the 10 documented", n)
	}
}

// cdpExtension is a cRLDistributionPoints extension naming url (RFC 5280
// §4.2.1.13).
func cdpExtension(url string) pkix.Extension {
	type name struct {
		FullName []asn1.RawValue `asn1:"optional,tag:0"`
	}
	type point struct {
		Name name `asn1:"optional,tag:0"`
	}
	v, err := asn1.Marshal([]point{{name{[]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte(url)}}}}})
	if err != nil {
		panic(err)
	}
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 31}, Value: v}
}

// TestConformanceServerMetadata: BLOBs from files and URLs are loaded or
// reported UNUSABLE (signature, chain, a revoked signer found through the
// CRL distribution point of its certificate), statements are indexed, and
// -mds needs -mds-root.
func TestConformanceServerMetadata(t *testing.T) {
	f := forge.New("conformance-server command")
	root := f.Root("Command MDS Root", cose.ES256)
	ca := f.Intermediate("Command MDS CA", cose.ES256, root)
	// Every BLOB signer is issued to the name given with -mds-signer.
	const signerName = "Command MDS Signer"
	signerSpec := func(ext ...pkix.Extension) *forge.CertSpec {
		return &forge.CertSpec{Subject: pkix.Name{CommonName: signerName}, KeyUsage: x509.KeyUsageDigitalSignature, Extensions: ext}
	}
	signer := f.Issue("signer", signerSpec(), f.Key("signer", cose.ES256), ca)
	misnamed := f.Issue("Someone Else", &forge.CertSpec{KeyUsage: x509.KeyUsageDigitalSignature}, f.Key("misnamed", cose.ES256), ca)
	other := f.Root("Other Root", cose.ES256)
	otherSigner := f.Issue("other signer", signerSpec(), f.Key("other signer", cose.ES256), other)

	var crl []byte
	var blobs map[string][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ca.crl":
			w.Write(crl)
		case "/revoked.jwt", "/good.jwt":
			w.Write(blobs[r.URL.Path])
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	revoked := f.Issue("revoked signer", signerSpec(cdpExtension(srv.URL+"/ca.crl")), f.Key("revoked signer", cose.ES256), ca)
	unreachable := f.Issue("unreachable", signerSpec(cdpExtension(srv.URL+"/missing.crl")), f.Key("unreachable", cose.ES256), ca)
	var err error
	crl, err = x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: forge.Now.Add(-time.Hour), NextUpdate: forge.Now.AddDate(0, 1, 0),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: revoked.Cert.SerialNumber, RevocationTime: forge.Now.Add(-time.Hour)}},
	}, ca.Cert, ca.Key.Signer())
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"legalHeader":"test","no":3,"nextUpdate":"2026-02-01","entries":[]}`)
	sign := func(c *forge.Cert, key *forge.Key) []byte {
		return forge.SafetyNetJWS(key, forge.SafetyNetHeader("ES256", c, ca), payload)
	}
	blobs = map[string][]byte{"/good.jwt": sign(signer, signer.Key), "/revoked.jwt": sign(revoked, revoked.Key)}

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rootPEM := write("root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.DER}))
	good := write("good.jwt", blobs["/good.jwt"])
	badSig := write("bad-signature.jwt", sign(signer, f.Key("not the signer", cose.ES256)))
	untrusted := write("untrusted.jwt", forge.SafetyNetJWS(otherSigner.Key, forge.SafetyNetHeader("ES256", otherSigner), payload))
	noCRL := write("no-crl.jwt", sign(unreachable, unreachable.Key))
	wrongName := write("misnamed.jwt", sign(misnamed, misnamed.Key))
	stmts := filepath.Join(dir, "statements")
	os.Mkdir(stmts, 0o700)
	st, _ := json.Marshal(map[string]any{"aaguid": "01020304-0506-0708-090a-0b0c0d0e0f10", "description": "tools key", "attestationTypes": []string{"basic_full"}})
	write("statements/a.json", st)
	write("statements/b.json", []byte(`{"aaguid":"01020304-0506-0708-090a-0b0c0d0e0f11"}`))

	c := &confServerConfig{roots: rootPEM, signer: signerName, get: fetch, fetchCRLs: true, requireMetadata: true,
		blobs: listFlag{good, badSig, untrusted, noCRL, wrongName, srv.URL + "/revoked.jwt", srv.URL + "/good.jwt"}, stmts: listFlag{stmts}}
	var out bytes.Buffer
	meta, err := loadConformanceMetadata(c, &out, forge.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"mds " + good + ": loaded: no 3, 0 entries, 0 skipped, nextUpdate 2026-02-01\n",
		"mds " + badSig + ": UNUSABLE: " + mds.ErrSignature.Error(),
		"mds " + untrusted + ": UNUSABLE: " + mds.ErrUntrustedBLOB.Error(),
		"mds " + noCRL + ": UNUSABLE: CRL " + srv.URL + "/missing.crl",
		"mds " + wrongName + ": UNUSABLE: " + mds.ErrUntrustedBLOB.Error() + ` (header.x5c[0]): ` + mds.ErrSignerName.Error() + ` (the signing certificate is issued to "Someone Else"`,
		"mds " + srv.URL + "/revoked.jwt: UNUSABLE: " + mds.ErrSignerRevoked.Error(),
		"mds " + srv.URL + "/good.jwt: loaded",
		"metadata statements: 1 loaded from 2 files, 1 skipped\n",
		"metadata statement " + filepath.Join(stmts, "b.json") + ": SKIPPED: " + mds.ErrMalformedEntry.Error(),
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if meta == nil || len(meta.Indexes) != 3 || !meta.Require {
		t.Fatalf("metadata %+v", meta)
	}

	// Without fetching, the revoked signer's BLOB loads: revocation is
	// checked only with the CRL.
	c = &confServerConfig{roots: rootPEM, signer: signerName, get: fetch, blobs: listFlag{srv.URL + "/revoked.jwt"}}
	out.Reset()
	if _, err := loadConformanceMetadata(c, &out, forge.Now); err != nil || !strings.Contains(out.String(), ": loaded") {
		t.Fatalf("%v %s", err, out.String())
	}
	// A CRL given with -mds-crl applies to the BLOBs of its issuer's chain.
	crlFile := write("ca.crl", crl)
	c = &confServerConfig{roots: rootPEM, signer: signerName, get: fetch, blobs: listFlag{srv.URL + "/revoked.jwt", untrusted}, crls: listFlag{crlFile}}
	out.Reset()
	if _, err := loadConformanceMetadata(c, &out, forge.Now); err != nil || !strings.Contains(out.String(), mds.ErrSignerRevoked.Error()) ||
		strings.Contains(out.String(), mds.ErrCRL.Error()) {
		t.Fatalf("%v %s", err, out.String())
	}
	for _, bad := range []*confServerConfig{
		{get: fetch, blobs: listFlag{good}},
		{get: fetch, blobs: listFlag{good}, roots: filepath.Join(dir, "missing.pem")},
		{get: fetch, blobs: listFlag{good}, roots: good},
		{get: fetch, stmts: listFlag{filepath.Join(dir, "missing")}},
	} {
		if _, err := loadConformanceMetadata(bad, io.Discard, forge.Now); err == nil {
			t.Errorf("%+v: loaded", bad)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestConformanceServerServes: the command prints the address it listens
// on, serves the Conformance Test API there and stops when its context
// ends.
func TestConformanceServerServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan string, 1)
	var out syncBuffer
	done := make(chan int)
	go func() {
		done <- serveConformance(ctx, []string{"-addr", "127.0.0.1:0", "-rpid", "localhost", "-origin", "http://localhost:3000", "-require-metadata"}, &out,
			&confServerConfig{get: fetch, now: time.Now, listening: func(a string) { addrs <- a }})
	}()
	var addr string
	select {
	case addr = <-addrs:
	case code := <-done:
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if want := "listening on http://" + addr + " (RP ID localhost, origins http://localhost:3000)"; !strings.Contains(out.String(), want) {
		t.Errorf("output %q lacks %q", out.String(), want)
	}
	res, err := http.Post("http://"+addr+"/attestation/options", "application/json", strings.NewReader(`{"username":"johndoe@example.com","displayName":"John Doe"}`))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 200 || body["status"] != "ok" || len(res.Cookies()) != 1 {
		t.Errorf("HTTP %d %v cookies %v", res.StatusCode, body, res.Cookies())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

// TestFetchLimit: a file or URL of limit bytes is read, one of limit+1 is
// refused (maxCRLSize, maxStatementSize and mds.MaxBLOBSize are passed as
// the limit).
func TestFetchLimit(t *testing.T) {
	const limit = 64
	p := filepath.Join(t.TempDir(), "f")
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(p))))
	defer srv.Close()
	for _, n := range []int{limit, limit + 1} {
		if err := os.WriteFile(p, bytes.Repeat([]byte("a"), n), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, src := range []string{p, srv.URL + "/f"} {
			b, err := fetch(src, limit)
			if n <= limit && (err != nil || len(b) != n) || n > limit && err == nil {
				t.Errorf("%s of %d bytes: %d, %v", src, n, len(b), err)
			}
		}
	}
	if _, err := fetch(srv.URL+"/missing", limit); err == nil {
		t.Error("404 fetched")
	}
}
