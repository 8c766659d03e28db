package webauthnhttp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strconv"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
)

// A sign-in for a name without an account must look like one for an
// account (WebAuthn L3 §14.6.2, issue 13 item 7), at login/begin and at
// login/finish. The fictitious account of a name is derived from Secret:
// a user handle, one or two credential descriptors whose lengths and
// transports vary by name as real accounts' do, and a record for each
// credential whose public key is the handler's decoy key, whose private
// key is discarded. A finish answering with a fictitious credential then
// fails where one with a wrong signature for a real credential fails (§7.2
// step 21), or at the same earlier steps, never at the lookup (§7.2 step
// 6), and gets no unknown-credential signal.

// fictitiousHandle is the user handle a sign-in for a name without an
// account is bound to: stable per name, derived from Secret.
func (h *Handler) fictitiousHandle(name string) []byte {
	return h.derive(userHandleSize, "fictitious user handle", name)
}

// fictitiousLengths are the credential ID lengths fictitious descriptors
// take, with the transports an authenticator with such IDs reports: 16 and
// 32 bytes for platform and synced passkeys, 64 for security keys.
var fictitiousLengths = [...]struct {
	n          int
	transports webauthn.Transports
}{
	{16, webauthn.TransportInternal | webauthn.TransportHybrid},
	{32, webauthn.TransportInternal | webauthn.TransportHybrid},
	{64, webauthn.TransportUSB | webauthn.TransportNFC},
}

// fictitiousCredentials returns the credential records of the fictitious
// account of name: stable per name, with the decoy public key.
func (h *Handler) fictitiousCredentials(name string) []webauthn.Credential {
	shape := h.derive(4, "fictitious shape", name)
	creds := make([]webauthn.Credential, 1+int(shape[0]%2))
	handle := h.fictitiousHandle(name)
	for i := range creds {
		l := fictitiousLengths[int(shape[1+i])%len(fictitiousLengths)]
		creds[i] = webauthn.Credential{
			ID:             h.deriveLong(l.n, "fictitious credential", name, strconv.Itoa(i)),
			PublicKey:      h.decoy,
			UserHandle:     handle,
			Transports:     l.transports,
			BackupEligible: shape[3]>>i&1 == 1,
		}
	}
	return creds
}

// deriveLong is derive for n beyond one HMAC-SHA256 output: blocks of the
// same derivation with a block counter, concatenated.
func (h *Handler) deriveLong(n int, label string, parts ...string) []byte {
	out := make([]byte, 0, n)
	for b := 0; len(out) < n; b++ {
		out = append(out, h.derive(min(32, n-len(out)), label, append(parts, strconv.Itoa(b))...)...)
	}
	return out
}

// fictitiousCredential returns the fictitious record with ID id of the
// fictitious account of name whose handle is user, or nil.
func (h *Handler) fictitiousCredential(name string, user, id []byte) *webauthn.Credential {
	if name == "" || !bytes.Equal(user, h.fictitiousHandle(name)) {
		return nil
	}
	for _, c := range h.fictitiousCredentials(name) {
		if bytes.Equal(c.ID, id) {
			return &c
		}
	}
	return nil
}

// newDecoyKey returns the COSE_Key of a fresh P-256 key whose private key
// is dropped: no signature verifies with it.
func newDecoyKey() []byte {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("webauthnhttp: generating the decoy key: " + err.Error())
	}
	pt, err := priv.PublicKey.Bytes()
	if err != nil {
		panic("webauthnhttp: encoding the decoy key: " + err.Error())
	}
	key, err := cose.FromU2FPublicKey(pt)
	if err != nil {
		panic("webauthnhttp: encoding the decoy key: " + err.Error())
	}
	return key
}
