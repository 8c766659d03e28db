package forge

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"strconv"
	"time"

	"github.com/passkeykit/webauthn/cose"
)

// SafetyNetNonce returns base64(SHA-256(authData ‖ clientDataHash)) in the
// standard alphabet with padding, the nonce of an android-safetynet response
// (§8.5).
func SafetyNetNonce(authData, clientDataHash []byte) string {
	h := sha256.New()
	h.Write(authData)
	h.Write(clientDataHash)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// SafetyNetHeader returns a JOSE header {"alg": alg, "x5c": [...]} with the
// chain's DER in standard base64 with padding (RFC 7515 §4.1.6).
func SafetyNetHeader(alg string, chain ...*Cert) []byte {
	b := []byte(`{"alg":` + strconv.Quote(alg) + `,"x5c":[`)
	for i, c := range chain {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, c.DER)
		b = append(b, '"')
	}
	return append(b, "]}"...)
}

// SafetyNetPayload returns an attestation payload with nonce, timestampMs,
// apkPackageName, ctsProfileMatch and basicIntegrity.
func SafetyNetPayload(nonce string, ts time.Time, cts bool) []byte {
	return []byte(`{"nonce":` + strconv.Quote(nonce) +
		`,"timestampMs":` + strconv.FormatInt(ts.UnixMilli(), 10) +
		`,"apkPackageName":"com.google.android.gms","ctsProfileMatch":` + strconv.FormatBool(cts) +
		`,"basicIntegrity":true}`)
}

// SafetyNetJWS returns the compact JWS header.payload.signature, signed by
// signer (RS256 PKCS#1 v1.5, or ES256 with the R‖S signature of RFC 7518 §3.4
// when signer is an ECDSA key).
func SafetyNetJWS(signer *Key, header, payload []byte) []byte {
	enc := base64.RawURLEncoding
	signed := enc.AppendEncode(nil, header)
	signed = append(signed, '.')
	signed = enc.AppendEncode(signed, payload)
	sig := signer.Sign(signed)
	if p, ok := signer.Private.(*ecdsa.PrivateKey); ok {
		var v struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(sig, &v); err != nil {
			panic(err)
		}
		size := (p.Curve.Params().BitSize + 7) / 8
		raw := make([]byte, 2*size)
		v.R.FillBytes(raw[:size])
		v.S.FillBytes(raw[size:])
		sig = raw
	}
	out := append(signed, '.')
	return enc.AppendEncode(out, sig)
}

// SafetyNetLeafSpec is a SafetyNet attestation certificate for hostname
// (attest.android.com for a valid statement), as a dNSName.
func SafetyNetLeafSpec(hostname string) *CertSpec {
	return &CertSpec{
		Subject:   pkix.Name{CommonName: hostname, Organization: []string{"Google LLC"}},
		MutateTBS: nil,
		Extensions: []pkix.Extension{{
			Id:    OIDSubjectAltName,
			Value: mustMarshal([]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte(hostname)}}),
		}},
	}
}

// SafetyNet returns an android-safetynet statement (§8.5) for r: ver
// "14366018" and a response signed by signer (the chain's leaf key) with the
// right nonce, ctsProfileMatch true and timestampMs ts.
func (r *Registration) SafetyNet(signer *Key, ts time.Time, chain ...*Cert) Stmt {
	ad, cdh := r.SignedData()
	alg := "RS256"
	if signer.Alg == cose.ES256 {
		alg = "ES256"
	}
	jws := SafetyNetJWS(signer, SafetyNetHeader(alg, chain...), SafetyNetPayload(SafetyNetNonce(ad, cdh), ts, true))
	return Stmt{"ver": "14366018", "response": jws}
}
