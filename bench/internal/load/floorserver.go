package load

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// floorServer is the HTTP floor of a ceremony: the same four endpoints and
// the same request and answer sizes over net/http, with no WebAuthn in
// them beyond one P-256 signature verification per sign-in (of a fixed
// signature: the cost, not the check). Begin answers a fresh random
// challenge; finish finds rawId and the counter in the body by byte search
// and keeps, per user, the credential ID and the highest counter, so that
// the driver's invariants hold. What a server spends above this floor is
// the cost of its WebAuthn work.
type floorServer struct {
	mux *http.ServeMux
	key *ecdsa.PublicKey
	sig []byte
	dig [32]byte

	mu    sync.Mutex
	users map[string]*floorUser
}

type floorUser struct {
	id    string // rawId as sent
	count uint32
}

func newFloorServer() (*floorServer, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	f := &floorServer{mux: http.NewServeMux(), key: &k.PublicKey, dig: sha256.Sum256([]byte("floor")), users: map[string]*floorUser{}}
	if f.sig, err = ecdsa.SignASN1(rand.Reader, k, f.dig[:]); err != nil {
		return nil, err
	}
	f.mux.HandleFunc("POST /webauthn/register/begin", f.begin(true))
	f.mux.HandleFunc("POST /webauthn/login/begin", f.begin(false))
	f.mux.HandleFunc("POST /webauthn/register/finish", f.registerFinish)
	f.mux.HandleFunc("POST /webauthn/login/finish", f.loginFinish)
	return f, nil
}

func (f *floorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// member returns the JSON string value of the first "name":"…" in b.
func member(b []byte, name string) []byte {
	i := bytes.Index(b, []byte(`"`+name+`":"`))
	if i < 0 {
		return nil
	}
	v := b[i+len(name)+4:]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return nil
	}
	return v[:j]
}

func (f *floorServer) begin(register bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		var c [64]byte
		rand.Read(c[:])
		b := make([]byte, 0, 256)
		b = append(b, `{"challenge":"`...)
		b = base64.RawURLEncoding.AppendEncode(b, c[:32])
		if register {
			b = append(b, `","user":{"id":"`...)
			b = base64.RawURLEncoding.AppendEncode(b, c[32:])
			b = append(b, `"}}`...)
		} else {
			b = append(b, `"}`...)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
}

func (f *floorServer) registerFinish(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	name, id := member(body, "username"), member(body, "rawId")
	if name == nil || id == nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.users[string(name)] = &floorUser{id: string(id)}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"signCount":0}`))
}

func (f *floorServer) loginFinish(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	name, ad := member(body, "username"), member(body, "authenticatorData")
	var raw [37]byte
	if name == nil || base64.RawURLEncoding.DecodedLen(len(ad)) != len(raw) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	base64.RawURLEncoding.Decode(raw[:], ad)
	if !ecdsa.VerifyASN1(f.key, f.dig[:], f.sig) {
		http.Error(w, "verify failed", http.StatusInternalServerError)
		return
	}
	n := binary.BigEndian.Uint32(raw[33:])
	f.mu.Lock()
	u := f.users[string(name)]
	var prev uint32
	if u != nil {
		prev = u.count
		u.count = max(u.count, n)
	}
	f.mu.Unlock()
	if u == nil {
		http.Error(w, "no such user", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"signCount":` + strconv.FormatUint(uint64(n), 10) + `,"previousSignCount":` + strconv.FormatUint(uint64(prev), 10) + `,"cloneSuspected":` + strconv.FormatBool(n <= prev && n != 0) + `}`))
}

func (f *floorServer) lookup(_ context.Context, name string) (Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[name]
	if u == nil {
		return Account{Name: name}, nil
	}
	return Account{Name: name, Found: true, Credentials: []StateCredRec{{ID: u.id, SignCount: u.count}}}, nil
}
