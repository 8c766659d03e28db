package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/mds"
	"github.com/passkeykit/webauthn/trust"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

// maxCRLSize bounds a CRL fetched for a BLOB's signing chain: the FIDO
// production CRLs are a few kilobytes; 16 MiB bounds what one URL costs.
const maxCRLSize = 16 << 20

// maxStatementSize bounds a metadata statement file: statements with icons
// are tens of kilobytes.
const maxStatementSize = 4 << 20

// fetchTimeout bounds each download at start.
const fetchTimeout = 30 * time.Second

const conformanceServerUsage = `usage: webauthn conformance-server [-addr 127.0.0.1:3000] [-rpid localhost] [-origin http://localhost:3000]...
       [-mds FILE|URL]... [-mds-root PEM] [-mds-signer NAME] [-mds-crl FILE|URL]... [-mds-fetch-crls=true]
       [-metadata-statement FILE|DIR]... [-require-metadata]

Serves the FIDO Conformance Test API (POST /attestation/options, /attestation/result,
/assertion/options, /assertion/result) for the FIDO Alliance Conformance Tools, with
webauthnhttp.ConformanceHandler over the library's ceremony layer. A test server: any
client may register under any username. Metadata is loaded once, at start.

`

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// confServerConfig is the command line of conformance-server.
type confServerConfig struct {
	addr, rpID, roots, signer   string
	origins, blobs, crls, stmts listFlag
	fetchCRLs, requireMetadata  bool
	get                         func(url string, limit int64) ([]byte, error)
	now                         func() time.Time
	listening                   func(addr string) // called once the listener is open (tests)
}

func (c *confServerConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "127.0.0.1:3000", "`ADDR` to listen on; the tools are given http://ADDR (or the TLS front's URL)")
	fs.StringVar(&c.rpID, "rpid", "localhost", "relying party `ID`: the host the tools' clientDataJSON and rpIdHash are for")
	fs.Var(&c.origins, "origin", "an origin (`URL`) clientDataJSON.origin may be, e.g. http://localhost:3000 (repeatable; default http://localhost:3000)")
	fs.Var(&c.blobs, "mds", "an MDS3 BLOB, a `FILE|URL` (http or https) fetched once at start, e.g. each endpoint the tools' MDS3 test server gives you (repeatable); a BLOB that fails its signature, chain or CRL check is reported and left out")
	fs.StringVar(&c.roots, "mds-root", "", "`PEM` file of the MDS root certificate(s) every -mds BLOB must chain to (the tools' MDS3 test root); required with -mds")
	fs.StringVar(&c.signer, "mds-signer", "", "the `NAME` (dNSName, or subject CN) every -mds BLOB's signing certificate must be issued to; default "+mds.DefaultSigner+
		", the production service: the tools' test BLOBs need their own (a refused BLOB's report names its signer)")
	fs.Var(&c.crls, "mds-crl", "a CRL, DER or PEM, a `FILE|URL`, for BLOB signing chains; each BLOB gets those issued by its own chain or the roots (repeatable)")
	fs.BoolVar(&c.fetchCRLs, "mds-fetch-crls", true, "fetch, once at start, the CRL distribution points named by each BLOB's signing certificates; a CRL that cannot be fetched makes that BLOB unusable")
	fs.Var(&c.stmts, "metadata-statement", "a FIDO metadata statement JSON `FILE`, or a DIR of *.json files (the tools' DOWNLOAD SERVER METADATA), trusted as given (repeatable)")
	fs.BoolVar(&c.requireMetadata, "require-metadata", false, "refuse an attestation with a certificate path (basic, attca, anonca) of an authenticator no BLOB or statement lists, or whose chain is not judged against its metadata roots")
}

// conformanceServer implements "webauthn conformance-server": until
// interrupted.
func conformanceServer(args []string, w io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return serveConformance(ctx, args, w, &confServerConfig{get: fetch, now: time.Now})
}

// serveConformance parses args into c, loads the metadata, and serves until
// ctx is done.
func serveConformance(ctx context.Context, args []string, w io.Writer, c *confServerConfig) int {
	fs := flag.NewFlagSet("conformance-server", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprint(w, conformanceServerUsage)
		fs.PrintDefaults()
	}
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	if len(c.origins) == 0 {
		c.origins = listFlag{"http://localhost:3000"}
	}
	now := c.now()
	meta, err := loadConformanceMetadata(c, w, now)
	if err != nil {
		fmt.Fprintln(w, "webauthn conformance-server:", err)
		return 2
	}
	// The counter of an authenticator that has one must increase (the
	// tools' GetAssertion Resp-3 F-4).
	rp := &webauthn.RelyingParty{RPID: c.rpID, Origins: c.origins, RejectSignCountRegression: true}
	if meta != nil {
		meta.Clock = rp.Now
		rp.Attestation.Anchors = meta
	}
	h, err := webauthnhttp.NewConformanceHandler(rp, &webauthnhttp.ConformanceOptions{Metadata: meta, RPName: "passkeykit conformance server"})
	if err != nil {
		fmt.Fprintln(w, "webauthn conformance-server:", err)
		return 1
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		fmt.Fprintln(w, "webauthn conformance-server:", err)
		return 1
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	fmt.Fprintf(w, "webauthn conformance-server: listening on http://%s (RP ID %s, origins %s); Ctrl-C stops\n", ln.Addr(), c.rpID, strings.Join(c.origins, " "))
	if c.listening != nil {
		c.listening(ln.Addr().String())
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(w, "webauthn conformance-server:", err)
		return 1
	}
	return 0
}

// loadConformanceMetadata loads every -mds BLOB and -metadata-statement,
// reporting each to w, and returns the metadata (nil when there is none and
// none is required). A BLOB that cannot be fetched or fails mds.Load is
// reported UNUSABLE and left out; a usage error (no -mds-root, an
// unreadable root, statement or CRL file) is returned.
func loadConformanceMetadata(c *confServerConfig, w io.Writer, now time.Time) (*webauthnhttp.ConformanceMetadata, error) {
	var idxs []*mds.Index
	if len(c.blobs) > 0 {
		if c.roots == "" {
			return nil, errors.New("-mds-root is required with -mds: a BLOB is trusted only through a root you supply")
		}
		pemData, err := os.ReadFile(c.roots)
		if err != nil {
			return nil, err
		}
		roots, err := trust.ParsePEM(pemData)
		if err != nil {
			return nil, fmt.Errorf("-mds-root: %w", err)
		}
		var crls [][]byte
		for _, src := range c.crls {
			b, err := c.get(src, maxCRLSize)
			if err != nil {
				return nil, fmt.Errorf("-mds-crl %s: %w", src, err)
			}
			crls = append(crls, b)
		}
		fetched := map[string][]byte{}
		for _, src := range c.blobs {
			idx, err := c.loadBLOB(src, roots, crls, fetched, now)
			if err != nil {
				fmt.Fprintf(w, "mds %s: UNUSABLE: %v\n", src, err)
				continue
			}
			stale := ""
			if idx.Stale {
				stale = " (STALE)"
			}
			fmt.Fprintf(w, "mds %s: loaded: no %d, %d entries, %d skipped, nextUpdate %s%s\n", src, idx.No, len(idx.Entries), len(idx.Skipped),
				idx.NextUpdate.Format(time.DateOnly), stale)
			idxs = append(idxs, idx)
		}
	}
	if len(c.stmts) > 0 {
		idx, err := c.loadStatements(w, now)
		if err != nil {
			return nil, err
		}
		idxs = append(idxs, idx)
	}
	if len(idxs) == 0 && !c.requireMetadata {
		return nil, nil
	}
	if len(idxs) == 0 {
		fmt.Fprintln(w, "metadata: none loaded and -require-metadata: every attestation with a certificate path will be refused")
	}
	return &webauthnhttp.ConformanceMetadata{Indexes: idxs, Require: c.requireMetadata}, nil
}

// loadBLOB fetches and verifies one BLOB with the CRLs of its own signing
// chain: those of crls issued by a chain certificate or root, and with
// -mds-fetch-crls those at the chain certificates' distribution points
// (fetched caches them by URL).
func (c *confServerConfig) loadBLOB(src string, roots *trust.Pool, crls [][]byte, fetched map[string][]byte, now time.Time) (*mds.Index, error) {
	blob, err := c.get(src, mds.MaxBLOBSize)
	if err != nil {
		return nil, err
	}
	chain := jwsChain(blob)
	issuers := append(append([]*x509.Certificate(nil), chain...), roots.Certificates()...)
	var mine [][]byte
	for _, b := range crls {
		if crlIssuedBy(b, issuers) {
			mine = append(mine, b)
		}
	}
	if c.fetchCRLs {
		for _, cert := range chain {
			for _, u := range cert.CRLDistributionPoints {
				if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
					continue
				}
				b, ok := fetched[u]
				if !ok {
					if b, err = c.get(u, maxCRLSize); err != nil {
						return nil, fmt.Errorf("CRL %s of %q: %w", u, cert.Subject.CommonName, err)
					}
					fetched[u] = b
				}
				mine = append(mine, b)
			}
		}
	}
	idx, err := mds.Load(blob, &mds.LoadOptions{Roots: roots, CRLs: mine, At: now, Signer: c.signer})
	if errors.Is(err, mds.ErrSignerName) && len(chain) > 0 {
		err = fmt.Errorf("%w (the signing certificate is issued to %q, DNS names %q: see -mds-signer)", err, chain[0].Subject.CommonName, chain[0].DNSNames)
	}
	return idx, err
}

// jwsChain returns the certificates of a JWS header's x5c, or what of them
// parses; mds.Load judges the header itself.
func jwsChain(blob []byte) []*x509.Certificate {
	head, _, _ := bytes.Cut(bytes.TrimSpace(blob), []byte("."))
	raw, err := base64.RawURLEncoding.DecodeString(string(head))
	if err != nil {
		return nil
	}
	var h struct {
		X5C []string `json:"x5c"`
	}
	if json.Unmarshal(raw, &h) != nil || len(h.X5C) > trust.MaxChainLen {
		return nil
	}
	var chain []*x509.Certificate
	for _, s := range h.X5C {
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return chain
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return chain
		}
		chain = append(chain, cert)
	}
	return chain
}

// crlIssuedBy reports whether the CRL b (DER or PEM) names one of issuers
// as its issuer.
func crlIssuedBy(b []byte, issuers []*x509.Certificate) bool {
	if p, _ := pem.Decode(b); p != nil {
		b = p.Bytes
	}
	crl, err := x509.ParseRevocationList(b)
	if err != nil {
		return true // mds.Load reports it
	}
	for _, c := range issuers {
		if bytes.Equal(c.RawSubject, crl.RawIssuer) {
			return true
		}
	}
	return false
}

// loadStatements reads every -metadata-statement file (a directory's *.json
// in name order) and indexes them (webauthnhttp.LoadMetadataStatements),
// reporting the count and each statement left out.
func (c *confServerConfig) loadStatements(w io.Writer, now time.Time) (*mds.Index, error) {
	var files []string
	for _, p := range c.stmts {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(m)
		files = append(files, m...)
	}
	var stmts [][]byte
	for _, f := range files {
		b, err := c.get(f, maxStatementSize)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, b)
	}
	idx, err := webauthnhttp.LoadMetadataStatements(stmts, now)
	if err != nil {
		return nil, fmt.Errorf("-metadata-statement: %w", err)
	}
	fmt.Fprintf(w, "metadata statements: %d loaded from %d files, %d skipped\n", len(idx.Entries), len(files), len(idx.Skipped))
	for _, s := range idx.Skipped {
		fmt.Fprintf(w, "metadata statement %s: SKIPPED: %v\n", files[s.Index], s.Reason)
	}
	return idx, nil
}

// fetch reads src, an http(s) URL (one GET, fetchTimeout) or a file, at
// most limit bytes.
func fetch(src string, limit int64) ([]byte, error) {
	var r io.Reader
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", src, res.Status)
		}
		r = res.Body
	} else {
		f, err := os.Open(src)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", src, limit)
	}
	return b, nil
}
