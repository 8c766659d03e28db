// Package x509lite is a strict, zero-copy reader of the X.509 certificate
// fields the attestation verifiers and the trust package use (RFC 5280 §4.1):
// the signed TBS bytes, the signature algorithm and value, the
// SubjectPublicKeyInfo, the validity window, the raw issuer and subject, the
// serial, the version, and the extensions basic constraints, key usage,
// extended key usage, subject alternative name, key identifiers, and the
// FIDO AAGUID, Apple nonce and Android key description extensions (W3C
// WebAuthn Level 3 §8.2.1, §8.4.1, §8.8).
//
// The reader never accepts a certificate crypto/x509.ParseCertificate refuses,
// with one documented exception: a negative serial number (RFC 5280 §4.1.2.2
// forbids it; attestation certificates in the field carry it; trust.ParseCertificate
// accepts it too). A differential fuzz test against crypto/x509 holds it to that.
// It is stricter in many places: unknown signature and public key algorithms,
// unknown critical extensions, name constraints, non-zero unused bits, UTCTime
// and GeneralizedTime other than the RFC 5280 §4.1.2.5 forms, and trailing bytes
// anywhere are refused.
//
// Results alias the input: it must stay unmodified while a Certificate is used.
// The public key is not checked to be on its curve here; x509sig.PublicKey
// does that (with crypto/ecdsa or crypto/x509) and must be called before the
// key is used. x509sig.CheckSignatureFrom checks a certificate signature over
// the raw TBS bytes. The reader imports no crypto (cryptobyte brings fmt and
// reflect in, as for internal/androidkey).
//
// trust.Chain reads every x5c certificate with it, and the attestation
// formats check their certificate requirements on its fields; crypto/x509
// parses only configured anchors and, on request,
// Registration.TrustPathCertificates.
package x509lite
