package bench

import (
	"time"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/trust"
)

// ourRP returns the relying party policy of a vector, with caches of its
// own (RelyingParty.ResetCaches for a cold run).
func ourRP(v *vector) *webauthn.RelyingParty {
	at := v.verifyTime()
	rp := &webauthn.RelyingParty{
		RPID:                    v.RPID,
		Origins:                 v.Origins,
		AllowCrossOrigin:        v.AllowCrossOrigin,
		TopOrigins:              v.TopOrigins,
		RequireUserVerification: v.RequireUserVerification,
		Clock:                   func() time.Time { return at },
		Verifier:                &trust.Verifier{Cache: trust.NewCache(trust.DefaultCacheSize)},
	}
	for _, a := range v.Algorithms {
		rp.Algorithms = append(rp.Algorithms, cose.Algorithm(a))
	}
	if len(v.anchors) > 0 {
		rp.Attestation.Anchors = &trust.Static{
			ByFormat: map[string]*trust.Pool{v.Fmt: trust.NewPool(v.anchors...)},
		}
	}
	return rp
}

// ourCredential is the stored credential record of an authentication vector.
func ourCredential(v *vector) (*webauthn.Credential, error) {
	id, err := decodeB64(v.rawID)
	if err != nil {
		return nil, err
	}
	return &webauthn.Credential{ID: id, PublicKey: v.credKey, BackupEligibleUnknown: true}, nil
}
