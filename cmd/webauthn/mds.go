package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/passkeykit/webauthn/mds"
	"github.com/passkeykit/webauthn/trust"
)

// mdsFlags are the flags every MDS-reading subcommand shares.
type mdsFlags struct {
	blob, roots, signer, at string
}

func (m *mdsFlags) register(fs *flag.FlagSet, withBlob bool) {
	if withBlob {
		fs.StringVar(&m.blob, "mds", "", "a FIDO MDS3 BLOB file to name the authenticator from")
	}
	fs.StringVar(&m.roots, "mds-root", "", "PEM file of the MDS root(s) the BLOB must chain to (required with a BLOB)")
	fs.StringVar(&m.signer, "mds-signer", "", "`NAME` the BLOB's signing certificate must be issued to, as its dNSName (or its CN when it has none); \"\" means "+mds.DefaultSigner+", the FIDO production service")
	fs.StringVar(&m.at, "at", "", "RFC 3339 time to judge the BLOB at (default: now)")
}

// load reads and verifies the BLOB at path.
func (m *mdsFlags) load(path string) (*mds.Index, error) {
	blob, opts, err := m.read(path)
	if err != nil {
		return nil, err
	}
	return mds.Load(blob, opts)
}

// loadConvenience reads and verifies the Convenience Metadata Service BLOB
// at path, under the same roots, time and signer as an MDS3 BLOB.
func (m *mdsFlags) loadConvenience(path string) (*mds.Convenience, error) {
	blob, opts, err := m.read(path)
	if err != nil {
		return nil, err
	}
	return mds.LoadConvenience(blob, opts)
}

// read reads the BLOB at path and the options to verify it with.
func (m *mdsFlags) read(path string) ([]byte, *mds.LoadOptions, error) {
	if m.roots == "" {
		return nil, nil, fmt.Errorf("-mds-root is required: a BLOB is trusted only through a root you supply")
	}
	pemData, err := os.ReadFile(m.roots)
	if err != nil {
		return nil, nil, err
	}
	pool, err := trust.ParsePEM(pemData)
	if err != nil {
		return nil, nil, err
	}
	at := time.Now()
	if m.at != "" {
		if at, err = time.Parse(time.RFC3339, m.at); err != nil {
			return nil, nil, err
		}
	}
	blob, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return blob, &mds.LoadOptions{Roots: pool, At: at, Signer: m.signer}, nil
}

// mdsSummary implements "webauthn mds FILE": entries, statuses, nextUpdate and
// the signature verdict of a metadata BLOB.
func mdsSummary(args []string, w io.Writer) int {
	fs := flag.NewFlagSet("mds", flag.ContinueOnError)
	var m mdsFlags
	m.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: webauthn mds -mds-root ROOT.pem [-mds-signer NAME] [-at TIME] FILE")
		return 2
	}
	idx, err := m.load(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(w, "signature: INVALID:", err)
		return 1
	}
	fmt.Fprint(w, mds.Summary(idx))
	return 0
}
