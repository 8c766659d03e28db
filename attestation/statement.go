package attestation

import (
	"errors"

	"github.com/passkeykit/webauthn/internal/cbor"
)

// Errors of a well-formed statement that does not have the syntax its format
// requires (§8.x "Syntax"). The relying party maps these to
// WebAuthnCredentialNotSupportedException.
var (
	ErrMissingField = errors.New("attestation: attStmt lacks a required member")
	ErrWrongType    = errors.New("attestation: attStmt member has the wrong type")
)

// Statement is an attestation statement kept as its exact CBOR bytes, already
// checked to be well-formed by ParseObject. Its accessors do not allocate.
type Statement struct {
	Raw []byte
}

// Len returns the number of members of a map statement (or elements of a
// compound statement's array).
func (s Statement) Len() int {
	r := cbor.Reader(s.Raw)
	var n int
	if r.ReadMap(&n) || r.ReadArray(&n) {
		return n
	}
	return 0
}

// Has reports whether the map statement has the text key.
func (s Statement) Has(key string) bool {
	_, ok := cbor.LookupText(s.Raw, key)
	return ok
}

// Lookup returns the raw CBOR value stored under key.
func (s Statement) Lookup(key string) ([]byte, bool) {
	return cbor.LookupText(s.Raw, key)
}

// Alg returns the "alg" member: a COSEAlgorithmIdentifier (an integer).
func (s Statement) Alg() (int64, error) {
	v, ok := cbor.LookupText(s.Raw, "alg")
	if !ok {
		return 0, ErrMissingField
	}
	r := cbor.Reader(v)
	var alg int64
	if !r.ReadInt(&alg) {
		return 0, ErrWrongType
	}
	return alg, nil
}

// Bytes returns the byte-string member key (sig, certInfo, pubArea, …) as a view.
func (s Statement) Bytes(key string) ([]byte, error) {
	v, ok := cbor.LookupText(s.Raw, key)
	if !ok {
		return nil, ErrMissingField
	}
	r := cbor.Reader(v)
	var b []byte
	if !r.ReadBytes(&b) {
		return nil, ErrWrongType
	}
	return b, nil
}

// Text returns the text-string member key (ver) as a view.
func (s Statement) Text(key string) ([]byte, error) {
	v, ok := cbor.LookupText(s.Raw, key)
	if !ok {
		return nil, ErrMissingField
	}
	r := cbor.Reader(v)
	var b []byte
	if !r.ReadText(&b) {
		return nil, ErrWrongType
	}
	return b, nil
}

// Sig returns the "sig" member (bytes).
func (s Statement) Sig() ([]byte, error) { return s.Bytes("sig") }

// Ver returns the "ver" member (text).
func (s Statement) Ver() ([]byte, error) { return s.Text("ver") }

// CertInfo returns the TPM "certInfo" member (bytes), §8.3.
func (s Statement) CertInfo() ([]byte, error) { return s.Bytes("certInfo") }

// PubArea returns the TPM "pubArea" member (bytes), §8.3.
func (s Statement) PubArea() ([]byte, error) { return s.Bytes("pubArea") }

// Response returns the android-safetynet "response" member (bytes), §8.5.
func (s Statement) Response() ([]byte, error) { return s.Bytes("response") }

// X5C returns an iterator over the "x5c" member: a non-empty array of byte
// strings, each a DER certificate, leaf first. present is false when the member
// is absent; err is ErrWrongType when it is not a non-empty array of byte strings.
func (s Statement) X5C() (it Certs, present bool, err error) {
	v, ok := cbor.LookupText(s.Raw, "x5c")
	if !ok {
		return Certs{}, false, nil
	}
	r := cbor.Reader(v)
	var n int
	if !r.ReadArray(&n) || n == 0 {
		return Certs{}, true, ErrWrongType
	}
	check := r
	for i := 0; i < n; i++ {
		var der []byte
		if !check.ReadBytes(&der) || len(der) == 0 {
			return Certs{}, true, ErrWrongType
		}
	}
	return Certs{r: r, n: n}, true, nil
}

// Certs iterates over the DER certificates of an x5c array.
type Certs struct {
	r cbor.Reader
	n int
}

// Len returns the number of certificates left.
func (c *Certs) Len() int { return c.n }

// Next sets der to the next certificate (a view) and reports whether there was one.
func (c *Certs) Next(der *[]byte) bool {
	if c.n == 0 || !c.r.ReadBytes(der) {
		return false
	}
	c.n--
	return true
}

// Members iterates over the text keys and raw values of a map statement; it
// reports false when a key is not text, which no format allows.
func (s Statement) Members() Members {
	r := cbor.Reader(s.Raw)
	var n int
	if !r.ReadMap(&n) {
		return Members{}
	}
	return Members{r: r, n: n}
}

// Members iterates over a map statement.
type Members struct {
	r   cbor.Reader
	n   int
	bad bool
}

// Next sets key and val to the next member. It returns false at the end or when
// a key is not a text string (then Err reports ErrWrongType).
func (m *Members) Next(key, val *[]byte) bool {
	if m.n == 0 {
		return false
	}
	if !m.r.ReadText(key) || !m.r.SkipItem(val) {
		m.bad, m.n = true, 0
		return false
	}
	m.n--
	return true
}

// Err returns ErrWrongType when iteration stopped at a non-text key.
func (m *Members) Err() error {
	if m.bad {
		return ErrWrongType
	}
	return nil
}

// Statements iterates over the statements of a compound attestation statement
// (§8.9): an array of maps, each {"fmt": text, "attStmt": map}.
func (s Statement) Statements() Compound {
	r := cbor.Reader(s.Raw)
	var n int
	if !r.ReadArray(&n) {
		return Compound{}
	}
	return Compound{r: r, n: n}
}

// Compound iterates over the sub-statements of a compound statement.
type Compound struct {
	r cbor.Reader
	n int
}

// Len returns the number of sub-statements left.
func (c *Compound) Len() int { return c.n }

// Next reads the next sub-statement's format and statement. It returns an error
// when the element is not a map holding exactly a text "fmt" and a map "attStmt".
func (c *Compound) Next(format *Format, formatText *[]byte, stmt *Statement) (bool, error) {
	if c.n == 0 {
		return false, nil
	}
	c.n--
	var n int
	if !c.r.ReadMap(&n) || n != 2 {
		return false, ErrWrongType
	}
	var gotFmt, gotStmt bool
	for i := 0; i < 2; i++ {
		var key []byte
		if !c.r.ReadText(&key) {
			return false, ErrWrongType
		}
		switch string(key) {
		case "fmt":
			if !c.r.ReadText(formatText) {
				return false, ErrWrongType
			}
			*format = ParseFormat(*formatText)
			gotFmt = true
		case "attStmt":
			var major byte
			if !c.r.PeekMajor(&major) || major != cbor.MajorMap || !c.r.SkipItem(&stmt.Raw) {
				return false, ErrWrongType
			}
			gotStmt = true
		default:
			return false, ErrWrongType
		}
	}
	if !gotFmt || !gotStmt {
		return false, ErrMissingField
	}
	return true, nil
}
