// Package trust decides whether an attestation certificate chain (x5c) ends at
// an anchor the relying party accepts, at a time the caller passes
// (W3C WebAuthn Level 3 §7.1 steps 23-24, §8).
//
// The pieces are:
//
//   - [Pool]: an immutable set of anchor certificates (roots or intermediates),
//     indexed by subject for issuer lookup.
//   - [Source]: the interface through which a relying party or a metadata
//     service supplies anchors per attestation format, AAGUID or key id;
//     [Static] is the map-backed implementation.
//   - [Chain]: an x5c read without copies by a strict reader of exactly the
//     certificate fields chain verification and the attestation formats use
//     (internal/x509lite, differential-tested and fuzzed against crypto/x509:
//     it never accepts what crypto/x509 refuses, except negative serial
//     numbers). Each certificate is read once per call; its public key is
//     parsed only when a signature needs it, and kept in the [Cache].
//   - [Verifier]: the path check itself. It does not call
//     [x509.Certificate.Verify], which enforces web-PKI rules (EKU, names) that
//     do not apply to attestation and is slow. It enforces validity,
//     basicConstraints cA and pathLenConstraint (RFC 5280 §6.1.4 (k)-(m)),
//     keyUsage keyCertSign, signatures and unhandled critical extensions.
//   - Name constraints (RFC 5280 §4.2.1.10) are not evaluated; the verifier
//     fails closed instead: a path certificate (chain certificate or the
//     anchor outside the chain) that carries the nameConstraints extension,
//     critical or not, is rejected with [ErrNameConstraints]. No attestation
//     root or intermediate in the field is known to carry one.
//   - [Cache]: a bounded cache of parsed public keys and verified links.
//   - [WellKnown], [AppleRoots], [GoogleHardwareAttestationRoots]: embedded,
//     opt-in roots with provenance in roots/README.md.
//
// Anchors never come from x5c: a certificate carried in the chain is trusted
// only when it is byte-equal to an anchor or signed by one.
//
// crypto/x509 still parses what is configured rather than received: anchors
// (once, when a Pool is built), the FIDO MDS BLOB signer chain (package mds),
// and, on request, Registration.TrustPathCertificates. Name constraints are
// not evaluated by either path; they are refused (see above).
package trust
