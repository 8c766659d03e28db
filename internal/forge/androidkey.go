package forge

import (
	"crypto/x509/pkix"
	"encoding/asn1"
)

// OIDAndroidKeyDescription is the Android key attestation extension (§8.4).
var OIDAndroidKeyDescription = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}

// Android Keymaster values (§8.4).
const (
	KMPurposeSign     = 2 // KM_PURPOSE_SIGN
	KMPurposeVerify   = 3 // KM_PURPOSE_VERIFY
	KMOriginGenerated = 0 // KM_ORIGIN_GENERATED
	KMOriginImported  = 2 // KM_ORIGIN_IMPORTED
)

// AndroidAuthList describes an AuthorizationList: purpose [1], allApplications
// [600] and origin [702]. Origin is written only when HasOrigin.
type AndroidAuthList struct {
	Purposes        []int64
	AllApplications bool
	HasOrigin       bool
	Origin          int64
}

// AndroidKeyDescription describes a KeyDescription (attestationVersion 3,
// security levels TrustedEnvironment).
type AndroidKeyDescription struct {
	Challenge        []byte
	SoftwareEnforced AndroidAuthList
	TeeEnforced      AndroidAuthList
}

// HardwareKeyDescription is a KeyDescription that meets §8.4 for clientDataHash
// with the origin and purpose in teeEnforced.
func HardwareKeyDescription(clientDataHash []byte) *AndroidKeyDescription {
	return &AndroidKeyDescription{
		Challenge:   clientDataHash,
		TeeEnforced: AndroidAuthList{Purposes: []int64{KMPurposeSign}, HasOrigin: true, Origin: KMOriginGenerated},
	}
}

// derTLV encodes a DER element with identifier octets id.
func derTLV(id []byte, content []byte) []byte {
	b := append([]byte{}, id...)
	n := len(content)
	switch {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, content...)
}

// ctxTag returns the identifier octets of a constructed context-specific tag.
func ctxTag(n int) []byte {
	if n < 31 {
		return []byte{0xa0 | byte(n)}
	}
	var base128 []byte
	for v := n; v > 0; v >>= 7 {
		base128 = append([]byte{byte(v & 0x7f)}, base128...)
	}
	for i := 0; i < len(base128)-1; i++ {
		base128[i] |= 0x80
	}
	return append([]byte{0xbf}, base128...)
}

func (l *AndroidAuthList) bytes() []byte {
	var c []byte
	if len(l.Purposes) > 0 {
		var set []byte
		for _, p := range l.Purposes {
			set = append(set, mustMarshal(p)...)
		}
		c = append(c, derTLV(ctxTag(1), derTLV([]byte{0x31}, set))...)
	}
	if l.AllApplications {
		c = append(c, derTLV(ctxTag(600), []byte{0x05, 0x00})...)
	}
	if l.HasOrigin {
		c = append(c, derTLV(ctxTag(702), mustMarshal(l.Origin))...)
	}
	return derTLV([]byte{0x30}, c)
}

// Bytes encodes the KeyDescription SEQUENCE (the extnValue).
func (d *AndroidKeyDescription) Bytes() []byte {
	var c []byte
	c = append(c, mustMarshal(3)...)                    // attestationVersion
	c = append(c, 0x0a, 0x01, 0x01)                     // attestationSecurityLevel TrustedEnvironment
	c = append(c, mustMarshal(4)...)                    // keymasterVersion
	c = append(c, 0x0a, 0x01, 0x01)                     // keymasterSecurityLevel
	c = append(c, derTLV([]byte{0x04}, d.Challenge)...) // attestationChallenge
	c = append(c, 0x04, 0x00)                           // uniqueId
	c = append(c, d.SoftwareEnforced.bytes()...)        // softwareEnforced
	c = append(c, d.TeeEnforced.bytes()...)             // teeEnforced
	return derTLV([]byte{0x30}, c)
}

// AndroidKeyLeafSpec is an android-key attestation certificate carrying the
// key description kd.
func AndroidKeyLeafSpec(kd *AndroidKeyDescription) *CertSpec {
	return &CertSpec{
		Subject:    pkix.Name{CommonName: "Android Keystore Key"},
		Extensions: []pkix.Extension{{Id: OIDAndroidKeyDescription, Value: kd.Bytes()}},
	}
}

// AndroidKey returns an android-key statement (§8.4) for r: {"alg", "sig"
// by att over authenticatorData ‖ clientDataHash, "x5c": chain}. The leaf
// of chain must certify att (for a valid statement att is r.Cred).
func (r *Registration) AndroidKey(att *Key, chain ...*Cert) Stmt {
	ad, cdh := r.SignedData()
	return Stmt{"alg": int64(att.Alg), "sig": att.Sign(ad, cdh), "x5c": X5C(chain...)}
}
