package webauthnhttp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/internal/jsonx"
	"github.com/passkeykit/webauthn/mds"
	"github.com/passkeykit/webauthn/trust"
)

// ConformanceMetadata is the FIDO metadata a conformance server judges
// authenticators by, as the FIDO Conformance Tools hand it out: any number of
// verified MDS3 BLOBs (mds.Load with the tools' root) and the metadata
// statements of the tools' virtual authenticators (LoadMetadataStatements).
//
// It is a trust.Source: set it as RelyingParty.Attestation.Anchors, so that
// the attestation chain of every format with a certificate path is judged,
// during verification (WebAuthn L3 §7.1 steps 22-23), against the
// attestationRootCertificates of the entry that lists the authenticator,
// and a listed authenticator whose current status is REVOKED,
// ATTESTATION_KEY_COMPROMISE, USER_KEY_REMOTE_COMPROMISE,
// USER_KEY_PHYSICAL_COMPROMISE or USER_VERIFICATION_BYPASS is refused (the
// Index's mds.Policy applies too). CheckRegistration then applies what can
// only be judged on the outcome (§7.1 step 24): see there.
//
// Configure the fields before first use and do not modify them afterwards.
type ConformanceMetadata struct {
	// Indexes are searched in order; the first that lists an authenticator
	// (by AAGUID, else by attestation key identifier) decides for it.
	Indexes []*mds.Index
	// Require refuses an attestation with a certificate path (basic, attca,
	// anonca) of an authenticator no index lists, and one whose chain could
	// not be judged against the entry's roots (MDS3 §3.2: the relying party
	// uses metadata to decide). Self and none attestations are not refused
	// for being unlisted: nothing in metadata can vouch for them.
	Require bool
	// Clock is the time statuses are judged at; nil means time.Now. Set it
	// to the RelyingParty's Now.
	Clock func() time.Time
}

var _ trust.Source = (*ConformanceMetadata)(nil)

func (m *ConformanceMetadata) now() time.Time {
	if m.Clock != nil {
		return m.Clock()
	}
	return time.Now()
}

// find returns the first index listing the authenticator, or nil.
func (m *ConformanceMetadata) find(q *trust.Query) *mds.Index {
	for _, idx := range m.Indexes {
		if idx.Lookup(q) != nil {
			return idx
		}
	}
	return nil
}

// Anchors implements trust.Source: the anchors of the index that lists the
// authenticator, judged by its policy at Clock's time; for an unlisted one,
// no anchors, or under Require a rejection (trust.ErrRejected with
// mds.ErrUnknownAuthenticator).
func (m *ConformanceMetadata) Anchors(q *trust.Query) (*trust.Pool, error) {
	if m == nil || q == nil {
		return nil, nil
	}
	idx := m.find(q)
	if idx == nil {
		if m.Require {
			return nil, errors.Join(trust.ErrRejected, mds.ErrUnknownAuthenticator)
		}
		return nil, nil
	}
	return idx.Source(m.now()).Anchors(q)
}

// CheckRegistration is the metadata check after a registration verified
// (WebAuthn L3 §7.1 step 24, MDS3 §3.1.3-3.1.4), at time at. For an
// authenticator an index lists (by AAGUID, else by the attestation leaf's key
// identifier) it applies mds.Index.Check: a rejecting status (for any
// attestation type, none included, since a model known to be compromised is
// refused whatever it claims) and an attestation type the statement does not
// declare (for every type but none: a "none" statement claims nothing); and
// under Require, an attestation with a certificate path that was not judged
// against the entry's roots. Under Require an unlisted authenticator with a
// certificate path is refused too. Failures are
// WebAuthnCredentialNotSupportedException at §7.1 step 24 wrapping the mds
// sentinel.
func (m *ConformanceMetadata) CheckRegistration(reg *webauthn.Registration, at time.Time) error {
	if m == nil {
		return nil
	}
	const step = "§7.1 step 24"
	q := trust.Query{Format: reg.Format.String(), AAGUID: reg.AAGUID}
	var keyID [sha1.Size]byte
	if len(reg.TrustPath) > 0 && trust.CertificateKeyID(reg.TrustPath[0], &keyID) {
		q.KeyID = keyID[:]
	}
	attested := len(reg.TrustPath) > 0
	idx := m.find(&q)
	if idx == nil {
		if m.Require && attested {
			return webauthn.NewError(webauthn.ErrCredentialNotSupported, step, "the authenticator is not in the metadata, which is required", mds.ErrUnknownAuthenticator)
		}
		return nil
	}
	err := idx.Check(q.AAGUID, q.KeyID, at, reg.Type.String())
	if errors.Is(err, mds.ErrAttestationType) && reg.Type == attestation.TypeNone {
		err = nil
	}
	if err != nil {
		return webauthn.NewError(webauthn.ErrCredentialNotSupported, step, "the metadata refuses the authenticator", err)
	}
	if m.Require && attested && !reg.Judged {
		return webauthn.NewError(webauthn.ErrCredentialNotSupported, step, "the metadata statement gives no attestation root to judge the chain by", nil)
	}
	return nil
}

// statementIdentifiers are the members of a metadata statement that
// LoadMetadataStatements copies into its BLOB entry.
type statementIdentifiers struct {
	AAID   string   `json:"aaid,omitempty"`
	AAGUID string   `json:"aaguid,omitempty"`
	KeyIDs []string `json:"attestationCertificateKeyIdentifiers,omitempty"`
}

// localStatementStatus is the status report given to every statement
// LoadMetadataStatements indexes: the statements the tools hand out carry no
// status, and NOT_FIDO_CERTIFIED claims no certification and rejects
// nothing (unless an mds.Policy asks for a certification level).
const localStatementStatus = "NOT_FIDO_CERTIFIED"

// LoadMetadataStatements indexes metadata statements that the operator
// supplies directly (FIDO Metadata Statement v3.0 JSON, such as the files of
// the Conformance Tools' "DOWNLOAD SERVER METADATA"), with the same parser
// and index as an MDS3 BLOB: each statement becomes the metadataStatement of
// one entry identified by its aaguid, attestationCertificateKeyIdentifiers
// or aaid, with status NOT_FIDO_CERTIFIED, in a BLOB that is signed at time
// at by a key made for this call and loaded with mds.Load against that
// key's root alone. Trusting them is the operator's decision, as trusting
// an MDS root is. Statements mds.Load finds malformed are in Index.Skipped,
// by position. A statement that is not a JSON object fails the call.
func LoadMetadataStatements(statements [][]byte, at time.Time) (*mds.Index, error) {
	entries := make([]json.RawMessage, 0, len(statements))
	date := at.UTC().Format(time.DateOnly)
	for _, s := range statements {
		var ids statementIdentifiers
		if r := jsonx.Reader(s); r.Peek() != jsonx.KindObject || !jsonx.Valid(s) || json.Unmarshal(s, &ids) != nil {
			return nil, errors.New("webauthnhttp: a metadata statement is not a well-formed JSON object")
		}
		e, err := json.Marshal(struct {
			statementIdentifiers
			Statement     json.RawMessage     `json:"metadataStatement"`
			StatusReports []map[string]string `json:"statusReports"`
			Changed       string              `json:"timeOfLastStatusChange"`
		}{ids, s, []map[string]string{{"status": localStatementStatus, "effectiveDate": date}}, date})
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	payload, err := json.Marshal(map[string]any{
		"legalHeader": "metadata statements supplied by the operator",
		"no":          1,
		"nextUpdate":  at.AddDate(1, 0, 0).UTC().Format(time.DateOnly),
		"entries":     entries,
	})
	if err != nil {
		return nil, err
	}
	blob, root, err := signLocalBLOB(payload, at)
	if err != nil {
		return nil, err
	}
	return mds.Load(blob, &mds.LoadOptions{Roots: trust.NewPool(root), At: at, Signer: localSigner})
}

// localSigner is the subject common name of the certificate that signs
// the BLOB of LoadMetadataStatements, pinned as its mds.LoadOptions.Signer.
const localSigner = "webauthnhttp local metadata signer"

// signLocalBLOB signs payload as an MDS3 BLOB (an ES256 JWS with x5c) by a
// P-256 leaf under a root, both made now and valid around at, and returns
// the BLOB and the root.
func signLocalBLOB(payload []byte, at time.Time) ([]byte, *x509.Certificate, error) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := func(serial int64, cn string, ca bool) *x509.Certificate {
		c := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: at.Add(-time.Hour), NotAfter: at.AddDate(1, 0, 0),
			BasicConstraintsValid: true, IsCA: ca, KeyUsage: x509.KeyUsageDigitalSignature,
		}
		if ca {
			c.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		}
		return c
	}
	rootT := tmpl(1, "webauthnhttp local metadata root", true)
	rootDER, err := x509.CreateCertificate(rand.Reader, rootT, rootT, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, nil, err
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		return nil, nil, err
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, tmpl(2, localSigner, false), root, &leafKey.PublicKey, rootKey)
	if err != nil {
		return nil, nil, err
	}
	header, err := json.Marshal(map[string]any{"alg": "ES256", "typ": "JWT", "x5c": []string{base64.StdEncoding.EncodeToString(leafDER)}})
	if err != nil {
		return nil, nil, err
	}
	b64 := base64.RawURLEncoding
	signed := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	d := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, leafKey, d[:])
	if err != nil {
		return nil, nil, err
	}
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	return []byte(signed + "." + b64.EncodeToString(sig)), root, nil
}
