package webauthnhttp

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// TestHandlerU2FAccount: an account imported from the U2F era (its key
// converted with cose.FromU2FPublicKey, the record marked AppID) signs in
// through the handler with the AppID configured; the options of a known
// and an unknown name both carry the appid extension.
func TestHandlerU2FAccount(t *testing.T) {
	const appID = "https://example.org/app-id.json"
	ctx := context.Background()
	f := forge.New("handler-u2f")
	key := f.Key("u2f", cose.ES256)
	px, py := forge.ECPoint(key.Public().(*ecdsa.PublicKey))
	pub, err := cose.FromU2FPublicKey(append(append([]byte{4}, px...), py...))
	if err != nil {
		t.Fatal(err)
	}
	handle := f.Bytes("handle", 32)
	rec := &webauthn.Credential{ID: f.Bytes("key handle", 64), PublicKey: pub, SignCount: 77, AppID: true, UserHandle: handle, Transports: webauthn.TransportUSB}
	users := &MemUsers{}
	if err := users.Create(ctx, "legacy", handle, rec); err != nil {
		t.Fatal(err)
	}
	rp := &webauthn.RelyingParty{RPID: "example.org", Origins: []string{"https://example.org"}, AppID: appID}
	x := &handlerFlow{t: t, h: NewHandler(rp, &HandlerOptions{Users: users}), f: f, key: key}

	var unknown ceremony.RequestOptionsJSON
	if e := x.do("/webauthn/login/begin", `{"username":"nobody"}`, &unknown); e != nil {
		t.Fatalf("begin: %+v", e)
	}
	var o ceremony.RequestOptionsJSON
	if e := x.do("/webauthn/login/begin", `{"username":"legacy"}`, &o); e != nil {
		t.Fatalf("begin: %+v", e)
	}
	for _, opts := range []*ceremony.RequestOptionsJSON{&o, &unknown} {
		if opts.Extensions == nil || opts.Extensions.AppID != appID {
			t.Fatalf("options extensions %+v", opts.Extensions)
		}
	}

	chal, _ := base64.RawURLEncoding.DecodeString(o.Challenge)
	ah := sha256.Sum256([]byte(appID))
	ad := (&forge.AuthData{RPIDHash: ah[:], Flags: forge.FlagUP, SignCount: 78}).Bytes()
	cdj := (&forge.ClientData{Type: "webauthn.get", Challenge: chal, Origin: "https://example.org"}).JSON()
	h := sha256.Sum256(cdj)
	r := forge.AssertionJSON(rec.ID, cdj, ad, key.Sign(ad, h[:]))
	r.Extensions = `{"appid":true}`
	body := `{"username":"legacy","credential":` + string(r.JSON()) + `}`
	var sum AssertionSummary
	if e := x.do("/webauthn/login/finish", body, &sum); e != nil {
		t.Fatalf("finish: %+v", e)
	}
	if !sum.AppIDUsed || sum.User != "legacy" || sum.SignCount != 78 || sum.PreviousSignCount != 77 {
		t.Fatalf("summary %+v", sum)
	}
	got, _, err := users.Credential(ctx, handle, rec.ID)
	if err != nil || got.SignCount != 78 || !got.AppID {
		t.Fatalf("stored record %+v, %v", got, err)
	}
}
