package webauthntest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/passkeykit/webauthn/cose"
)

// ctap2 is the CTAP2 canonical encoding (core deterministic encoding, RFC
// 8949 §4.2.1, with map keys sorted length first), the oracle for the hand
// encoder.
var ctap2 = func() cbor.EncMode {
	m, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

func oracle(t *testing.T, v any) []byte {
	t.Helper()
	b, err := ctap2.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHeads holds each head size at its boundaries against the oracle.
func TestHeads(t *testing.T) {
	for _, n := range []int64{0, 23, 24, 255, 256, math.MaxUint16, math.MaxUint16 + 1, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64,
		-1, -24, -25, -256, -257, -65536, -65537, -7, -257, math.MinInt64} {
		if got, want := appendInt(nil, n), oracle(t, n); !bytes.Equal(got, want) {
			t.Errorf("appendInt(%d) = %x, want %x", n, got, want)
		}
	}
	for _, n := range []int{0, 23, 24, 255, 256, 70000} {
		v := bytes.Repeat([]byte{'a'}, n)
		if got, want := appendBytes(nil, v), oracle(t, v); !bytes.Equal(got, want) {
			t.Errorf("appendBytes(len %d) differs", n)
		}
		if got, want := appendText(nil, string(v)), oracle(t, string(v)); !bytes.Equal(got, want) {
			t.Errorf("appendText(len %d) differs", n)
		}
	}
}

// TestCOSEKey: the hand-written COSE_Key is the canonical encoding of the
// key and parses as ES256 with package cose.
func TestCOSEKey(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := k.PublicKey.Bytes()
	got := coseKeyES256(&k.PublicKey)
	want := oracle(t, map[int]any{1: 2, 3: -7, -1: 1, -2: p[1:33], -3: p[33:]})
	if !bytes.Equal(got, want) {
		t.Fatalf("COSE key\n got %x\nwant %x", got, want)
	}
	var key cose.Key
	if err := cose.ParseKey(got, &key); err != nil || key.Alg != cose.ES256 {
		t.Fatalf("cose.ParseKey: %v, alg %v", err, key.Alg)
	}
}

// TestAttestationObject: the "none" attestationObject is the canonical
// encoding of {"fmt": "none", "attStmt": {}, "authData": …}.
func TestAttestationObject(t *testing.T) {
	authData := bytes.Repeat([]byte{7}, 300)
	got := attestationObjectNone(authData)
	want := oracle(t, map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if !bytes.Equal(got, want) {
		t.Fatalf("attestationObject\n got %x\nwant %x", got, want)
	}
}
