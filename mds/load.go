package mds

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/internal/jsonx"
	"github.com/passkeykit/webauthn/trust"
)

// DefaultSigner is the name of the FIDO Alliance's production BLOB signing
// certificate (its dNSName and subject CN), which Load requires when
// LoadOptions.Signer is empty. MDS3 §3.2 has the BLOB verified against the
// FIDO-published root; since that root (GlobalSign Root CA - R3) issues
// certificates to anyone who owns a domain, the signer is pinned as well.
const DefaultSigner = "mds.fidoalliance.org"

// Limits on what Load accepts.
const (
	// MaxBLOBSize bounds the JWS text: the production MDS3 BLOB is a few
	// megabytes (icons dominate); 64 MiB leaves a large margin while bounding
	// the memory one file can cost.
	MaxBLOBSize = 64 << 20
	// MaxEntries bounds entries[]: the MDS lists a few hundred authenticators.
	MaxEntries = 100000
	// MaxRootsPerEntry bounds attestationRootCertificates per statement:
	// vendors list at most a handful of roots per model.
	MaxRootsPerEntry = 64
	// MaxStatusReports bounds statusReports per entry: Check scans them all.
	MaxStatusReports = 256
)

// LoadOptions are the caller's inputs to Load. Roots and At are required.
type LoadOptions struct {
	// Roots are the MDS root certificates the caller trusts (for the FIDO
	// production service, the GlobalSign Root CA - R3 that the FIDO Alliance
	// publishes). A root carried in the JWS x5c is never trusted by itself.
	Roots *trust.Pool
	// CRLs are revocation lists for the signing chain, each DER or one PEM
	// "X509 CRL" block (for the production service, the files the x5c
	// certificates' CRL distribution points name, fetched by the caller).
	// Optional: without them revocation of the signing chain is not checked.
	CRLs [][]byte
	// At is the instant certificates, CRLs and nextUpdate are judged at.
	At time.Time
	// RejectStale fails the load with ErrStale when the BLOB's nextUpdate, or
	// a CRL's nextUpdate, is before At. Without it staleness is reported in
	// Index.Stale / Index.StaleCRL.
	RejectStale bool
	// MinNo rejects a BLOB whose serial number "no" is lower (ErrRollback):
	// pass the no of the last BLOB accepted (MDS3 §3.2 step 6).
	MinNo int64
	// Policy is applied by Index.Check and Index.Source.
	Policy Policy
	// Verifier verifies the signing chain; nil uses a zero trust.Verifier.
	Verifier *trust.Verifier
	// Signer is the name the signing (leaf) certificate must be issued to: a
	// subjectAltName dNSName equal to it, or, for a leaf without dNSNames, a
	// subject common name equal to it (exact, case-sensitive comparison;
	// wildcards are not expanded). Empty means DefaultSigner, the production
	// service. Set it for another BLOB, such as the FIDO conformance tool's
	// test BLOBs. Chaining to Roots alone is not enough: the production root
	// is a public WebPKI root that also issues ordinary TLS certificates.
	Signer string

	staleCRL bool
}

// Index is a verified MDS3 BLOB indexed by AAGUID and by attestation
// certificate key identifier. It is immutable and safe for concurrent use;
// *Entry values it returns are shared and must not be modified.
type Index struct {
	// No is the BLOB serial number, NextUpdate its nextUpdate, LegalHeader
	// its legalHeader.
	No          int64
	NextUpdate  time.Time
	LegalHeader string
	// LoadedAt is LoadOptions.At.
	LoadedAt time.Time
	// Stale reports NextUpdate before LoadedAt; StaleCRL a CRL past its
	// nextUpdate.
	Stale, StaleCRL bool
	// Alg is the JWS alg; Signer the signing chain, leaf first, as verified.
	Alg    string
	Signer []*x509.Certificate
	// Entries are the entries kept, in BLOB order; UAF-only entries (aaid,
	// no aaguid and no key identifiers) are kept but not indexed.
	Entries []Entry
	// Skipped are the malformed entries, not indexed.
	Skipped []Skipped

	policy   Policy
	byAAGUID map[authdata.AAGUID]*Entry
	byKeyID  map[string]*Entry // raw 20-byte SHA-1, not hex
	// Identifiers of skipped entries (malformed, or claimed twice): the BLOB
	// says something about them that cannot be read, so Source and Check
	// reject them rather than treat them as unlisted.
	badAAGUID map[authdata.AAGUID]struct{}
	badKeyID  map[string]struct{}
}

// Skipped is an entry Load left out, with its position in entries[], its
// identifier as written (aaguid, first key identifier or aaid, possibly
// empty) and the reason, an *Error of kind ErrMalformedEntry.
type Skipped struct {
	Index  int
	ID     string
	Reason error
}

// Entry is one MetadataBLOBPayloadEntry (MDS3 §3.1.1).
type Entry struct {
	AAID string
	// AAGUID is the FIDO2 authenticator's AAGUID; HasAAGUID says it was present.
	AAGUID    authdata.AAGUID
	HasAAGUID bool
	// KeyIDs are the attestationCertificateKeyIdentifiers, decoded from hex.
	KeyIDs [][]byte
	// Statement is nil when the entry has no metadataStatement.
	Statement *Statement
	// StatusReports in BLOB order.
	StatusReports          []StatusReport
	TimeOfLastStatusChange time.Time
	// Roots holds Statement.AttestationRootCertificates (empty without a
	// statement): anchors as given, which may be intermediates.
	Roots *trust.Pool
}

// Statement is the part of a MetadataStatement (FIDO Metadata Statement v3.0
// §4) a relying party uses. Unknown members are ignored.
type Statement struct {
	Description string
	// Icon is the data: URL as given.
	Icon                        string
	ProtocolFamily              string
	AuthenticatorVersion        uint32
	AttestationTypes            []string
	AuthenticationAlgorithms    []string
	AttestationRootCertificates []*x509.Certificate
	// UserVerificationDetails lists, per alternative combination, the
	// userVerificationMethod names ("presence_internal", ...).
	UserVerificationDetails [][]string
	KeyProtection           []string
}

type jsonPayload struct {
	LegalHeader string            `json:"legalHeader"`
	No          *int64            `json:"no"`
	NextUpdate  string            `json:"nextUpdate"`
	Entries     []json.RawMessage `json:"entries"`
}

var payloadNames = []string{"legalHeader", "no", "nextUpdate", "entries"}

type jsonEntry struct {
	AAID                   string         `json:"aaid"`
	AAGUID                 string         `json:"aaguid"`
	KeyIDs                 []string       `json:"attestationCertificateKeyIdentifiers"`
	Statement              *jsonStatement `json:"metadataStatement"`
	StatusReports          []jsonReport   `json:"statusReports"`
	TimeOfLastStatusChange string         `json:"timeOfLastStatusChange"`
}

type jsonStatement struct {
	AAGUID                      string      `json:"aaguid"`
	Description                 string      `json:"description"`
	Icon                        string      `json:"icon"`
	ProtocolFamily              string      `json:"protocolFamily"`
	AuthenticatorVersion        uint32      `json:"authenticatorVersion"`
	AttestationTypes            []string    `json:"attestationTypes"`
	AuthenticationAlgorithms    []string    `json:"authenticationAlgorithms"`
	AttestationRootCertificates []string    `json:"attestationRootCertificates"`
	UserVerificationDetails     [][]jsonUVM `json:"userVerificationDetails"`
	KeyProtection               []string    `json:"keyProtection"`
}

type jsonUVM struct {
	Method string `json:"userVerificationMethod"`
}

type jsonReport struct {
	Status               string `json:"status"`
	EffectiveDate        string `json:"effectiveDate"`
	AuthenticatorVersion uint32 `json:"authenticatorVersion"`
	Certificate          string `json:"certificate"`
	URL                  string `json:"url"`
}

// entryNames are the member names the entry decoder knows; exactCase rejects
// any other spelling of them (encoding/json would match case-insensitively).
var entryNames = []string{
	"aaid", "aaguid", "attestationCertificateKeyIdentifiers", "metadataStatement",
	"statusReports", "timeOfLastStatusChange", "description", "icon", "protocolFamily",
	"authenticatorVersion", "attestationTypes", "authenticationAlgorithms",
	"attestationRootCertificates", "userVerificationDetails", "userVerificationMethod",
	"keyProtection", "status", "effectiveDate", "certificate", "url",
}

// Load verifies an MDS3 BLOB (MDS3 §3.1.7 format, §3.2 processing rules) and
// indexes its entries. blob is the JWS compact serialization as downloaded
// (surrounding ASCII whitespace is ignored). Load rejects, with an *Error:
//   - a missing At (ErrNoTime) or empty Roots (ErrNoRoots), input larger than
//     MaxBLOBSize (ErrTooLarge);
//   - anything but three non-empty unpadded base64url parts, a header that is
//     not strict JSON (duplicate names, other-case spellings of
//     alg/x5c/x5u/crit), lacks alg, or carries crit (ErrMalformedJWS);
//   - an alg outside RS/PS/ES 256/384/512, or a key that does not match it
//     (RSA below MinRSABits or above cose.MaxRSABits, another curve)
//     (ErrAlgorithm);
//   - no x5c (an x5u is not fetched), an x5c that does not chain, at At, to
//     Roots, a leaf whose keyUsage lacks digitalSignature, or a leaf not
//     issued to Signer (ErrUntrustedBLOB, the last wrapping ErrSignerName);
//   - a signing-chain certificate listed in a CRL (ErrSignerRevoked), a CRL
//     that does not parse, is not signed by a chain certificate or root, or
//     is not yet valid (ErrCRL);
//   - a signature that does not verify over the ASCII header.payload (ErrSignature);
//   - a payload that is not strict JSON or lacks no, nextUpdate or entries,
//     or has more than MaxEntries entries (ErrPayload); no below MinNo
//     (ErrRollback); a stale BLOB or CRL under RejectStale (ErrStale).
//
// A malformed entry does not fail the load: it is reported in Index.Skipped
// (see parseEntry for what makes one malformed) and left out of the index.
func Load(blob []byte, opts *LoadOptions) (*Index, error) {
	sb, o, err := openBLOB(blob, opts)
	if err != nil {
		return nil, err
	}
	var p jsonPayload
	if !decodePayload(sb.payload, &p) {
		return nil, fail(ErrPayload, "payload", nil)
	}
	switch {
	case p.No == nil || *p.No < 0:
		return nil, fail(ErrPayload, "no", nil)
	case p.Entries == nil:
		return nil, fail(ErrPayload, "entries", nil)
	case len(p.Entries) > MaxEntries:
		return nil, fail(ErrTooLarge, "entries", nil)
	case *p.No < o.MinNo:
		return nil, fail(ErrRollback, "no", nil)
	}
	next, ok := parseDate(p.NextUpdate)
	if !ok {
		return nil, fail(ErrPayload, "nextUpdate", nil)
	}
	idx := &Index{
		No: *p.No, NextUpdate: next, LegalHeader: p.LegalHeader, LoadedAt: o.At,
		Stale: next.Before(o.At), StaleCRL: o.staleCRL, Alg: sb.alg, Signer: sb.chain,
		policy:   o.Policy,
		byAAGUID: make(map[authdata.AAGUID]*Entry, len(p.Entries)),
		byKeyID:  make(map[string]*Entry),
	}
	if idx.Stale && o.RejectStale {
		return nil, fail(ErrStale, "nextUpdate", nil)
	}
	idx.Entries = make([]Entry, 0, len(p.Entries))
	certs := make(map[string]*x509.Certificate) // DER -> parsed, shared across entries
	for i, raw := range p.Entries {
		var e Entry
		id, err := parseEntry(raw, certs, &e)
		if err == nil {
			err = idx.claim(&e)
		}
		if err != nil {
			idx.Skipped = append(idx.Skipped, Skipped{Index: i, ID: id, Reason: err})
			idx.poison(&e)
			continue
		}
		idx.Entries = append(idx.Entries, e)
	}
	for i := range idx.Entries {
		e := &idx.Entries[i]
		if e.HasAAGUID {
			idx.byAAGUID[e.AAGUID] = e
		}
		for _, k := range e.KeyIDs {
			idx.byKeyID[string(k)] = e
		}
	}
	return idx, nil
}

// poison records the identifiers parseEntry read from a skipped entry (it
// reads them first, so a later fault leaves them set).
func (idx *Index) poison(e *Entry) {
	if e.HasAAGUID {
		if idx.badAAGUID == nil {
			idx.badAAGUID = make(map[authdata.AAGUID]struct{})
		}
		idx.badAAGUID[e.AAGUID] = struct{}{}
	}
	for _, k := range e.KeyIDs {
		if idx.badKeyID == nil {
			idx.badKeyID = make(map[string]struct{})
		}
		idx.badKeyID[string(k)] = struct{}{}
	}
}

// claim rejects an entry whose AAGUID or key identifier an earlier entry
// already holds: the BLOB would be ambiguous about it. It records the claim
// in the maps with a nil value; Load fills in pointers once Entries is final.
func (idx *Index) claim(e *Entry) error {
	if e.HasAAGUID {
		if _, dup := idx.byAAGUID[e.AAGUID]; dup {
			return fail(ErrMalformedEntry, "aaguid", errDuplicate)
		}
	}
	for _, k := range e.KeyIDs {
		if _, dup := idx.byKeyID[string(k)]; dup {
			return fail(ErrMalformedEntry, "attestationCertificateKeyIdentifiers", errDuplicate)
		}
	}
	if e.HasAAGUID {
		idx.byAAGUID[e.AAGUID] = nil
	}
	for _, k := range e.KeyIDs {
		idx.byKeyID[string(k)] = nil
	}
	return nil
}

var (
	errDuplicate   = jsonErr("identifier already claimed by an earlier entry")
	errNoID        = jsonErr("entry has none of aaguid, attestationCertificateKeyIdentifiers, aaid")
	errMismatch    = jsonErr("metadataStatement identifiers differ from the entry's")
	errLimit       = jsonErr("more items than the package limit")
	errNotJSON     = jsonErr("not strict JSON (grammar, duplicate or miscased member names)")
	errNoStatus    = jsonErr("statusReports is missing or empty")
	errDescription = jsonErr("metadataStatement.description is missing")
)

// parseEntry decodes one entry into *e and returns its identifier as written.
// An entry is malformed when it is not strict JSON (jsonx grammar, duplicate
// names, another-case spelling of a known name), has no identifier, an aaguid
// that is not 36-character 8-4-4-4-12 hex, a key identifier that is not 40 hex
// digits, a statement whose aaguid differs from the entry's or that has no
// description, an attestation root that is not standard base64 DER X.509,
// no statusReports, a report date that is not an ISO 8601 date, or more
// items than the package limits. Unknown members are ignored.
func parseEntry(raw []byte, certs map[string]*x509.Certificate, e *Entry) (string, error) {
	var j jsonEntry
	if !jsonx.Valid(raw) || !exactCase(raw, entryNames) {
		return "", fail(ErrMalformedEntry, "", errNotJSON)
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return "", fail(ErrMalformedEntry, "", err)
	}
	id := j.AAGUID
	switch {
	case id != "":
	case len(j.KeyIDs) != 0:
		id = j.KeyIDs[0]
	default:
		id = j.AAID
	}
	bad := func(field string, cause error) (string, error) {
		return id, fail(ErrMalformedEntry, field, cause)
	}
	e.AAID = j.AAID
	if j.AAGUID != "" {
		if !authdata.ParseAAGUID(j.AAGUID, &e.AAGUID) {
			return bad("aaguid", nil)
		}
		e.HasAAGUID = true
	}
	for _, k := range j.KeyIDs {
		b, err := hex.DecodeString(k)
		if err != nil || len(b) != 20 {
			return bad("attestationCertificateKeyIdentifiers", err)
		}
		e.KeyIDs = append(e.KeyIDs, b)
	}
	if !e.HasAAGUID && len(e.KeyIDs) == 0 && e.AAID == "" {
		return bad("", errNoID)
	}
	if len(j.StatusReports) == 0 {
		return bad("statusReports", errNoStatus)
	}
	if len(j.StatusReports) > MaxStatusReports {
		return bad("statusReports", errLimit)
	}
	e.StatusReports = make([]StatusReport, len(j.StatusReports))
	for i, r := range j.StatusReports {
		out := &e.StatusReports[i]
		out.Status, out.Name, out.URL, out.AuthenticatorVersion = parseStatus(r.Status), r.Status, r.URL, r.AuthenticatorVersion
		if r.Status == "" {
			return bad("statusReports["+strconv.Itoa(i)+"].status", nil)
		}
		if r.EffectiveDate != "" {
			t, ok := parseDate(r.EffectiveDate)
			if !ok {
				return bad("statusReports["+strconv.Itoa(i)+"].effectiveDate", nil)
			}
			out.EffectiveDate = t
		}
		if r.Certificate != "" {
			c, err := parseCert(r.Certificate, certs)
			if err != nil {
				return bad("statusReports["+strconv.Itoa(i)+"].certificate", err)
			}
			out.Certificate = c
		}
	}
	if j.TimeOfLastStatusChange != "" {
		t, ok := parseDate(j.TimeOfLastStatusChange)
		if !ok {
			return bad("timeOfLastStatusChange", nil)
		}
		e.TimeOfLastStatusChange = t
	}
	if s := j.Statement; s != nil {
		if s.AAGUID != "" {
			var a authdata.AAGUID
			if !authdata.ParseAAGUID(s.AAGUID, &a) || !e.HasAAGUID || a != e.AAGUID {
				return bad("metadataStatement.aaguid", errMismatch)
			}
		}
		if s.Description == "" {
			return bad("metadataStatement.description", errDescription)
		}
		if len(s.AttestationRootCertificates) > MaxRootsPerEntry {
			return bad("metadataStatement.attestationRootCertificates", errLimit)
		}
		st := &Statement{
			Description: s.Description, Icon: s.Icon, ProtocolFamily: s.ProtocolFamily,
			AuthenticatorVersion: s.AuthenticatorVersion, AttestationTypes: s.AttestationTypes,
			AuthenticationAlgorithms: s.AuthenticationAlgorithms, KeyProtection: s.KeyProtection,
		}
		for i, b64 := range s.AttestationRootCertificates {
			c, err := parseCert(b64, certs)
			if err != nil {
				return bad("metadataStatement.attestationRootCertificates["+strconv.Itoa(i)+"]", err)
			}
			st.AttestationRootCertificates = append(st.AttestationRootCertificates, c)
		}
		for _, alt := range s.UserVerificationDetails {
			names := make([]string, len(alt))
			for k, m := range alt {
				names[k] = m.Method
			}
			st.UserVerificationDetails = append(st.UserVerificationDetails, names)
		}
		e.Statement = st
		e.Roots = trust.NewPool(st.AttestationRootCertificates...)
	}
	return id, nil
}

// parseCert decodes a standard-base64 DER certificate (padding required, as
// in MDS3), sharing the parse of byte-equal certificates across entries.
func parseCert(s string, certs map[string]*x509.Certificate) (*x509.Certificate, error) {
	der, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if c, ok := certs[string(der)]; ok {
		return c, nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	certs[string(der)] = c
	return c, nil
}

// decodePayload reads the payload's own members in one pass without judging
// entries[] (each entry is checked on its own so that one bad entry is
// skipped): a single object, no duplicate or miscased member names, every
// member other than entries strict JSON (jsonx), entries an array, nothing
// after the object. Unknown members are ignored.
func decodePayload(payload []byte, p *jsonPayload) bool {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok || seen[key] || miscasedName(key, payloadNames) {
			return false
		}
		seen[key] = true
		if key == "entries" {
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return false
			}
			p.Entries = []json.RawMessage{}
			for dec.More() {
				if len(p.Entries) == MaxEntries {
					p.Entries = append(p.Entries, nil) // reported as ErrTooLarge
					return true
				}
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return false
				}
				p.Entries = append(p.Entries, raw)
			}
			if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
				return false
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil || !jsonx.Valid(raw) {
			return false
		}
		var dst any
		switch key {
		case "no":
			dst = &p.No
		case "nextUpdate":
			dst = &p.NextUpdate
		case "legalHeader":
			dst = &p.LegalHeader
		default:
			continue
		}
		if json.Unmarshal(raw, dst) != nil {
			return false
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF
}

// exactCase reports whether no object anywhere in the JSON value raw (already
// jsonx-valid) has a member name that equals one of names case-insensitively
// but not exactly.
func exactCase(raw []byte, names []string) bool {
	r := jsonx.Reader(raw)
	return walkCase(&r, names)
}

func walkCase(r *jsonx.Reader, names []string) bool {
	var raw []byte
	var esc bool
	switch r.Peek() {
	case jsonx.KindObject:
		r.ReadObjectStart()
		var m jsonx.Members
		for m.Next(r, &raw, &esc) {
			if miscased(raw, esc, names) || !walkCase(r, names) {
				return false
			}
		}
		return m.Code() == jsonx.CodeOK
	case jsonx.KindArray:
		r.ReadArrayStart()
		for i := 0; !r.ReadArrayEnd(); i++ {
			if i > 0 && !r.ReadComma() || !walkCase(r, names) {
				return false
			}
		}
		return true
	}
	return r.SkipValue(&raw)
}

func miscased(raw []byte, esc bool, names []string) bool {
	if !esc {
		return miscasedName(string(raw), names)
	}
	return miscasedName(string(jsonx.AppendUnescaped(nil, raw)), names)
}

func miscasedName(key string, names []string) bool {
	for _, n := range names {
		if key != n && strings.EqualFold(key, n) {
			return true
		}
	}
	return false
}
