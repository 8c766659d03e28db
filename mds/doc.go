// Package mds loads the FIDO Metadata Service (MDS3) BLOB and Google's Android
// attestation status list from offline files and answers, without allocating,
// the two questions a relying party asks at registration: which trust anchors
// judge this authenticator's attestation chain ([Index.Source], a
// [trust.Source] that applies the status reports and the [Policy] at the time
// given; [Index.Anchors] is the bare lookup, which applies neither), and may
// this authenticator be registered at all ([Index.Check]: status reports,
// certification level, declared attestation types;
// [RevocationList.CheckChain]: revoked Android attestation keys). An
// identifier the BLOB lists in an entry it cannot read (malformed, or
// claimed by two entries) is rejected, not treated as unlisted; a REVOKED or
// compromise report sticks; and an attestation key identifier's own entry
// must not reject when the AAGUID's entry is the one used.
//
// Loading is done once per file and may allocate freely (encoding/json is used
// for the BLOB payload after a strict grammar and duplicate-name check);
// every lookup afterwards is allocation-free. An [Index] and a
// [RevocationList] are immutable and safe for concurrent use.
//
// Nothing here reads the clock: the verification time is an input
// (LoadOptions.At, the at arguments), and no root is ever taken from the BLOB
// itself — the caller supplies the MDS root(s) in LoadOptions.Roots — and the
// signing certificate must also be issued to the MDS signer's name
// (LoadOptions.Signer, by default DefaultSigner, mds.fidoalliance.org).
//
// [LoadConvenience] loads the FIDO Convenience Metadata Service BLOB
// (passkey provider names and icons by AAGUID, display data only) under the
// same trust rules as [Load].
//
// References: FIDO Metadata Service v3.0 (§3.1 BLOB format, §3.1.3
// StatusReport, §3.1.4 AuthenticatorStatus, §3.2 BLOB processing rules), FIDO
// Metadata Statement v3.0, RFC 7515 (JWS compact serialization) and RFC 7518
// (JWA), and Android "Verify hardware-backed key pairs with key attestation"
// (certificate revocation status list), FIDO Convenience Metadata Service v1.0.
package mds
