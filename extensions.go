package webauthn

import (
	"github.com/passkeykit/webauthn/internal/cbor"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

// ExtensionOutputs are the extension outputs of a ceremony that this package
// knows, read from the response's clientExtensionResults (client extension
// outputs, §5.1, §9) and from the authenticator data's extensions map
// (authenticator extension outputs, §6.1, §9): what §7.1 step 28 and §7.2
// step 23 leave the relying party to process. They are reported, never
// judged: §7.1 step 28 and §7.2 step 23 let the relying party ignore any
// extension output.
//
// Extensions this package does not know are ignored, as §9 asks of a
// relying party that did not request them. A known output of the wrong
// shape (credProps.rk that is not a boolean, prf.results that is not an
// object, a credProtect outside 1-3, …) is ignored too and reads as absent:
// client extension outputs are not signed, so a relying party can only use
// them as hints, and failing a ceremony on a hint would let the client
// break sign-ins it could not otherwise affect. The response JSON itself is
// still checked strictly (§7.1 step 3, §7.2 step 3). Secrets are never
// exposed: of the PRF results (§10.1.4) and the large blob (§10.1.5) only
// their presence is reported; the raw outputs stay in
// ClientExtensionResults and Extensions.
type ExtensionOutputs struct {
	// CredProps is the credProps client extension output (§10.1.3).
	CredProps CredPropsOutput
	// PRF is the prf client extension output (§10.1.4).
	PRF PRFOutput
	// LargeBlob is the largeBlob client extension output (§10.1.5).
	LargeBlob LargeBlobOutput
	// CredProtect is the credProtect authenticator extension output
	// (CTAP 2.1 §12.1) from the authenticator data, which is signed; zero
	// when absent. Authenticators report it at registration.
	CredProtect CredProtect
}

// CredPropsOutput is clientExtensionResults.credProps (§10.1.3,
// CredentialPropertiesOutput).
type CredPropsOutput struct {
	// HasRK reports whether credProps.rk is present; when it is not, it is
	// not known whether the credential is discoverable.
	HasRK bool
	// RK is credProps.rk: true for a client-side discoverable credential,
	// false for a server-side credential.
	RK bool
}

// PRFOutput is clientExtensionResults.prf (§10.1.4,
// AuthenticationExtensionsPRFOutputsJSON). The PRF results are secrets the
// client may keep to itself: only whether they are present is reported.
type PRFOutput struct {
	// Present reports whether the client returned a prf output at all (an
	// object, possibly empty, as it does for an assertion that evaluated
	// nothing).
	Present bool
	// HasEnabled and Enabled are prf.enabled, reported at registration:
	// Enabled is true if, and only if, the PRF is available for the
	// created credential.
	HasEnabled bool
	Enabled    bool
	// Results reports that prf.results.first is present (a string); Second
	// that prf.results.second is too.
	Results bool
	Second  bool
}

// LargeBlobOutput is clientExtensionResults.largeBlob (§10.1.5,
// AuthenticationExtensionsLargeBlobOutputsJSON).
type LargeBlobOutput struct {
	// Present reports whether the client returned a largeBlob output.
	Present bool
	// HasSupported and Supported are largeBlob.supported, reported at
	// registration: whether the credential can store a large blob.
	HasSupported bool
	Supported    bool
	// Blob reports that largeBlob.blob is present (a string): the read the
	// options asked for succeeded. The blob is in ClientExtensionResults.
	Blob bool
	// HasWritten and Written are largeBlob.written, reported for an
	// assertion whose options asked to write: whether the blob was stored.
	HasWritten bool
	Written    bool
}

// CredProtect is the credential protection policy of the credProtect
// authenticator extension (CTAP 2.1 §12.1): under which conditions the
// authenticator uses the credential.
type CredProtect uint8

// The credProtect policies (CTAP 2.1 §12.1). CredProtectAbsent means the
// authenticator data has no valid credProtect output.
const (
	CredProtectAbsent CredProtect = iota
	// CredProtectUVOptional (0x01): usable with or without user verification.
	CredProtectUVOptional
	// CredProtectUVOptionalWithCredentialIDList (0x02): discoverable only
	// with user verification; without it, usable only when its credential
	// ID is in allowCredentials.
	CredProtectUVOptionalWithCredentialIDList
	// CredProtectUVRequired (0x03): usable only with user verification.
	CredProtectUVRequired
)

// String returns the CTAP 2.1 name of the policy (the credentialProtectionPolicy
// value), or "" for CredProtectAbsent.
func (p CredProtect) String() string {
	switch p {
	case CredProtectUVOptional:
		return "userVerificationOptional"
	case CredProtectUVOptionalWithCredentialIDList:
		return "userVerificationOptionalWithCredentialIDList"
	case CredProtectUVRequired:
		return "userVerificationRequired"
	}
	return ""
}

// Depths of the client extension outputs in the response JSON, counted as
// jsonx counts them (the response object is 1): clientExtensionResults is
// 2, an extension's output 3, prf.results 4.
const (
	depthExtension = 3
	depthMember    = 4
	depthResult    = 5
)

// readExtensions is §7.1 step 28 and §7.2 step 23 as far as this package
// goes: it reads the known extension outputs from the raw
// clientExtensionResults object clientExt (JSON, or nil) and the
// authenticator data's extensions map authExt (CBOR, or nil) into *out. It
// allocates nothing and never fails: what it cannot read reads as absent.
func readExtensions(clientExt, authExt []byte, out *ExtensionOutputs) {
	*out = ExtensionOutputs{}
	if clientExt != nil && !readClientOutputs(clientExt, out) {
		*out = ExtensionOutputs{}
	}
	out.CredProtect = readCredProtect(authExt)
}

// readClientOutputs reads the members of clientExtensionResults; it reports
// false when ext is not a JSON object (which parseResponse has excluded).
func readClientOutputs(ext []byte, out *ExtensionOutputs) bool {
	r := jsonx.Reader(ext)
	if !r.ReadObjectStart() {
		return false
	}
	var k []byte
	var esc bool
	var m jsonx.Members
	for m.Next(&r, &k, &esc) {
		var ok bool
		switch {
		case r.Peek() != jsonx.KindObject:
			ok = skipMember(&r, depthExtension)
		case jsonx.StringEqual(k, esc, "credProps"):
			ok = readCredProps(&r, &out.CredProps)
		case jsonx.StringEqual(k, esc, "prf"):
			ok = readPRF(&r, &out.PRF)
		case jsonx.StringEqual(k, esc, "largeBlob"):
			ok = readLargeBlob(&r, &out.LargeBlob)
		default:
			ok = skipMember(&r, depthExtension)
		}
		if !ok {
			return false
		}
	}
	return m.Code() == jsonx.CodeOK && r.End()
}

// readCredProps reads the credProps object at the front of r.
func readCredProps(r *jsonx.Reader, out *CredPropsOutput) bool {
	r.ReadObjectStart()
	var k []byte
	var esc bool
	var m jsonx.Members
	for m.Next(r, &k, &esc) {
		ok := true
		if jsonx.StringEqual(k, esc, "rk") {
			ok = readOptBool(r, &out.RK, &out.HasRK)
		} else {
			ok = skipMember(r, depthMember)
		}
		if !ok {
			return false
		}
	}
	return m.Code() == jsonx.CodeOK
}

// readPRF reads the prf object at the front of r.
func readPRF(r *jsonx.Reader, out *PRFOutput) bool {
	r.ReadObjectStart()
	out.Present = true
	var k []byte
	var esc bool
	var m jsonx.Members
	for m.Next(r, &k, &esc) {
		var ok bool
		switch {
		case jsonx.StringEqual(k, esc, "enabled"):
			ok = readOptBool(r, &out.Enabled, &out.HasEnabled)
		case jsonx.StringEqual(k, esc, "results") && r.Peek() == jsonx.KindObject:
			ok = readPRFResults(r, out)
		default:
			ok = skipMember(r, depthMember)
		}
		if !ok {
			return false
		}
	}
	return m.Code() == jsonx.CodeOK
}

// readPRFResults reads prf.results (AuthenticationExtensionsPRFValuesJSON):
// first is required, so second alone does not count.
func readPRFResults(r *jsonx.Reader, out *PRFOutput) bool {
	r.ReadObjectStart()
	var k []byte
	var esc, first, second bool
	var m jsonx.Members
	for m.Next(r, &k, &esc) {
		var ok bool
		switch {
		case jsonx.StringEqual(k, esc, "first"):
			ok = readPresentString(r, &first, depthResult)
		case jsonx.StringEqual(k, esc, "second"):
			ok = readPresentString(r, &second, depthResult)
		default:
			ok = skipMember(r, depthResult)
		}
		if !ok {
			return false
		}
	}
	if m.Code() != jsonx.CodeOK {
		return false
	}
	out.Results = first
	out.Second = first && second
	return true
}

// readLargeBlob reads the largeBlob object at the front of r.
func readLargeBlob(r *jsonx.Reader, out *LargeBlobOutput) bool {
	r.ReadObjectStart()
	out.Present = true
	var k []byte
	var esc bool
	var m jsonx.Members
	for m.Next(r, &k, &esc) {
		var ok bool
		switch {
		case jsonx.StringEqual(k, esc, "supported"):
			ok = readOptBool(r, &out.Supported, &out.HasSupported)
		case jsonx.StringEqual(k, esc, "written"):
			ok = readOptBool(r, &out.Written, &out.HasWritten)
		case jsonx.StringEqual(k, esc, "blob"):
			ok = readPresentString(r, &out.Blob, depthMember)
		default:
			ok = skipMember(r, depthMember)
		}
		if !ok {
			return false
		}
	}
	return m.Code() == jsonx.CodeOK
}

// readOptBool reads a boolean member into *v and sets *has; a value of
// another type is skipped and leaves both unset.
func readOptBool(r *jsonx.Reader, v, has *bool) bool {
	if r.Peek() != jsonx.KindBool {
		return skipMember(r, depthMember)
	}
	*has = r.ReadBool(v)
	return *has
}

// readPresentString consumes a member at depth and sets *present when it
// is a string.
func readPresentString(r *jsonx.Reader, present *bool, depth int) bool {
	if r.Peek() != jsonx.KindString {
		return skipMember(r, depth)
	}
	var s []byte
	var esc bool
	*present = r.ReadString(&s, &esc)
	return *present
}

// skipMember consumes one value at depth.
func skipMember(r *jsonx.Reader, depth int) bool {
	var raw []byte
	return r.SkipNested(depth, &raw)
}

// readCredProtect reads the credProtect output (CTAP 2.1 §12.1) from the
// authenticator extension outputs map m: an unsigned integer 1-3 under the
// text key "credProtect". Anything else reads as CredProtectAbsent.
func readCredProtect(m []byte) CredProtect {
	if m == nil {
		return CredProtectAbsent
	}
	v, ok := cbor.LookupText(m, "credProtect")
	if !ok {
		return CredProtectAbsent
	}
	r := cbor.Reader(v)
	var n uint64
	if !r.ReadUint(&n) || !r.Empty() || n < uint64(CredProtectUVOptional) || n > uint64(CredProtectUVRequired) {
		return CredProtectAbsent
	}
	return CredProtect(n)
}

// readExtensions fills the registration's extension outputs (§7.1 step
// 28) and the CredPropsRK and HasCredProps fields that predate them.
func (out *Registration) readExtensions(clientExt, authExt []byte) {
	readExtensions(clientExt, authExt, &out.ExtensionOutputs)
	out.CredPropsRK, out.HasCredProps = out.ExtensionOutputs.CredProps.RK, out.ExtensionOutputs.CredProps.HasRK
}
