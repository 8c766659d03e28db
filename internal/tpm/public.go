package tpm

import "errors"

// Errors returned by ParsePublic.
var (
	ErrPublicMalformed = errors.New("tpm: malformed TPMT_PUBLIC")
	ErrPublicType      = errors.New("tpm: TPMT_PUBLIC type is not TPM_ALG_RSA or TPM_ALG_ECC")
	ErrPublicSymmetric = errors.New("tpm: unsupported TPMT_SYM_DEF_OBJECT algorithm")
	ErrPublicScheme    = errors.New("tpm: unsupported asymmetric scheme")
	ErrPublicKDF       = errors.New("tpm: unsupported TPMT_KDF_SCHEME")
)

// Public is a TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4) of type TPM_ALG_RSA or
// TPM_ALG_ECC. Byte slices are views into the input of ParsePublic. Fields of
// the other key type are zero.
type Public struct {
	Type             uint16 // AlgRSA or AlgECC
	NameAlg          uint16
	ObjectAttributes uint32
	AuthPolicy       []byte // TPM2B_DIGEST contents

	// TPMT_SYM_DEF_OBJECT: KeyBits and Mode are zero when SymAlg is AlgNull.
	SymAlg     uint16
	SymKeyBits uint16
	SymMode    uint16

	// TPMT_RSA_SCHEME or TPMT_ECC_SCHEME: SchemeHash is zero when Scheme
	// carries no hash (AlgNull, AlgRSAES); SchemeCount is ECDAA's count.
	Scheme      uint16
	SchemeHash  uint16
	SchemeCount uint16

	// TPMS_RSA_PARMS and TPM2B_PUBLIC_KEY_RSA.
	RSAKeyBits uint16
	Exponent   uint32 // as encoded: 0 means DefaultRSAExponent, see RSAExponent
	Modulus    []byte

	// TPMS_ECC_PARMS and TPMS_ECC_POINT.
	CurveID uint16
	KDF     uint16
	KDFHash uint16 // zero when KDF is AlgNull
	X, Y    []byte
}

// RSAExponent returns the RSA public exponent, mapping the encoded 0 to
// 65537 (TPM 2.0 Part 2 §12.2.3.5).
func (p *Public) RSAExponent() uint32 {
	if p.Exponent == 0 {
		return DefaultRSAExponent
	}
	return p.Exponent
}

// ParsePublic parses b as a TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4), the pubArea
// of a WebAuthn tpm attestation statement (§8.3), into out.
//
// It rejects a type other than TPM_ALG_RSA or TPM_ALG_ECC; a symmetric
// algorithm other than NULL, AES, SM4 or CAMELLIA (TPMI_ALG_SYM_OBJECT); an RSA
// scheme other than NULL, RSASSA, RSAES, RSAPSS or OAEP; an ECC scheme other
// than NULL, ECDSA, ECDH, ECDAA, SM2, ECSCHNORR or ECMQV; a KDF other than
// NULL, MGF1 or the three KDFs of §11.2.3; a TPM2B larger than what remains or
// than its bound (MaxDigestSize, MaxRSAKeyBytes, MaxECCKeyBytes); a short input
// and any trailing byte. On error *out is zeroed. The fields of out alias b.
func ParsePublic(b []byte, out *Public) error {
	*out = Public{}
	err := parsePublic(b, out)
	if err != nil {
		*out = Public{}
	}
	return err
}

func parsePublic(b []byte, out *Public) error {
	r := reader(b)
	if !r.u16(&out.Type) {
		return ErrPublicMalformed
	}
	if out.Type != AlgRSA && out.Type != AlgECC {
		return ErrPublicType
	}
	if !r.u16(&out.NameAlg) ||
		!r.u32(&out.ObjectAttributes) ||
		!r.tpm2b(&out.AuthPolicy, MaxDigestSize) {
		return ErrPublicMalformed
	}
	if err := r.symDefObject(out); err != nil {
		return err
	}
	switch out.Type {
	case AlgRSA:
		if err := r.rsaScheme(out); err != nil {
			return err
		}
		if !r.u16(&out.RSAKeyBits) ||
			!r.u32(&out.Exponent) ||
			!r.tpm2b(&out.Modulus, MaxRSAKeyBytes) {
			return ErrPublicMalformed
		}
	case AlgECC:
		if err := r.eccScheme(out); err != nil {
			return err
		}
		if !r.u16(&out.CurveID) {
			return ErrPublicMalformed
		}
		if err := r.kdfScheme(out); err != nil {
			return err
		}
		if !r.tpm2b(&out.X, MaxECCKeyBytes) || !r.tpm2b(&out.Y, MaxECCKeyBytes) {
			return ErrPublicMalformed
		}
	}
	if !r.empty() {
		return ErrTrailingData
	}
	return nil
}

// symDefObject reads a TPMT_SYM_DEF_OBJECT (§11.1.7).
func (r *reader) symDefObject(out *Public) error {
	if !r.u16(&out.SymAlg) {
		return ErrPublicMalformed
	}
	switch out.SymAlg {
	case AlgNull:
		return nil
	case AlgAES, AlgSM4, AlgCamellia:
		if !r.u16(&out.SymKeyBits) || !r.u16(&out.SymMode) {
			return ErrPublicMalformed
		}
		return nil
	}
	return ErrPublicSymmetric
}

// rsaScheme reads a TPMT_RSA_SCHEME (§11.2.4.2): RSAES has an empty detail.
func (r *reader) rsaScheme(out *Public) error {
	if !r.u16(&out.Scheme) {
		return ErrPublicMalformed
	}
	switch out.Scheme {
	case AlgNull, AlgRSAES:
		return nil
	case AlgRSASSA, AlgRSAPSS, AlgOAEP:
		if !r.u16(&out.SchemeHash) {
			return ErrPublicMalformed
		}
		return nil
	}
	return ErrPublicScheme
}

// eccScheme reads a TPMT_ECC_SCHEME (§11.2.5.6): ECDAA's detail adds a count.
func (r *reader) eccScheme(out *Public) error {
	if !r.u16(&out.Scheme) {
		return ErrPublicMalformed
	}
	switch out.Scheme {
	case AlgNull:
		return nil
	case AlgECDSA, AlgECDH, AlgSM2, AlgECSchnorr, AlgECMQV:
		if !r.u16(&out.SchemeHash) {
			return ErrPublicMalformed
		}
		return nil
	case AlgECDAA:
		if !r.u16(&out.SchemeHash) || !r.u16(&out.SchemeCount) {
			return ErrPublicMalformed
		}
		return nil
	}
	return ErrPublicScheme
}

// kdfScheme reads a TPMT_KDF_SCHEME (§11.2.3.3).
func (r *reader) kdfScheme(out *Public) error {
	if !r.u16(&out.KDF) {
		return ErrPublicMalformed
	}
	switch out.KDF {
	case AlgNull:
		return nil
	case AlgMGF1, AlgKDF1SP800_56A, AlgKDF2, AlgKDF1SP800_108:
		if !r.u16(&out.KDFHash) {
			return ErrPublicMalformed
		}
		return nil
	}
	return ErrPublicKDF
}
