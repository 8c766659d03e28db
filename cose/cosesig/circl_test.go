package cosesig

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/cloudflare/circl/sign/ed448"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"

	"github.com/passkeykit/webauthn/cose"
)

func ed448Key(pk []byte) crypto.PublicKey { return ed448.PublicKey(pk) }

func TestMLDSA(t *testing.T) {
	msg1, msg2 := []byte("authenticator data"), bytes.Repeat([]byte{7}, 2*MaxStackMessage) // the second forces the heap path
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(i)
	}
	type scheme struct {
		alg  cose.Algorithm
		pub  crypto.PublicKey
		raw  []byte
		sign func(m []byte) []byte
	}
	pk44, sk44 := mldsa44.NewKeyFromSeed(&seed)
	pk65, sk65 := mldsa65.NewKeyFromSeed(&seed)
	pk87, sk87 := mldsa87.NewKeyFromSeed(&seed)
	for _, s := range []scheme{
		{cose.MLDSA44, pk44, pk44.Bytes(), func(m []byte) []byte {
			sig := make([]byte, mldsa44.SignatureSize)
			if err := mldsa44.SignTo(sk44, m, nil, false, sig); err != nil {
				t.Fatal(err)
			}
			return sig
		}},
		{cose.MLDSA65, pk65, pk65.Bytes(), func(m []byte) []byte {
			sig := make([]byte, mldsa65.SignatureSize)
			if err := mldsa65.SignTo(sk65, m, nil, false, sig); err != nil {
				t.Fatal(err)
			}
			return sig
		}},
		{cose.MLDSA87, pk87, pk87.Bytes(), func(m []byte) []byte {
			sig := make([]byte, mldsa87.SignatureSize)
			if err := mldsa87.SignTo(sk87, m, nil, false, sig); err != nil {
				t.Fatal(err)
			}
			return sig
		}},
	} {
		t.Run(s.alg.String(), func(t *testing.T) {
			k := mustKey(t, map[int]any{1: 7, 3: int(s.alg), -1: s.raw})
			for _, m := range [][]byte{msg1, msg2} {
				sig := s.sign(m)
				half := len(m) / 2
				if err := Verify(s.alg, k, sig, m[:half], m[half:]); err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if err := VerifyPublicKey(s.alg, s.pub, sig, m); err != nil {
					t.Fatalf("VerifyPublicKey: %v", err)
				}
				bad := append([]byte(nil), sig...)
				bad[10] ^= 1
				if Verify(s.alg, k, bad, m) != ErrSignature {
					t.Fatal("tampered signature verified")
				}
				if Verify(s.alg, k, sig, m[1:]) != ErrSignature {
					t.Fatal("tampered message verified")
				}
			}
			if !Equal(k, s.pub) {
				t.Fatal("Equal")
			}
			other := cose.MLDSA44
			if s.alg == cose.MLDSA44 {
				other = cose.MLDSA65
			}
			if VerifyPublicKey(other, s.pub, s.sign(msg1), msg1) != ErrAlgorithmMismatch {
				t.Fatal("ML-DSA level mismatch accepted")
			}
		})
	}
}

func TestEd448Pairs(t *testing.T) {
	msg := []byte("data")
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	xPub, xPriv, _ := ed448.GenerateKey(rand.Reader)
	xSig := ed448.Sign(xPriv, msg, "")
	for _, keyAlg := range []cose.Algorithm{cose.EdDSA, cose.Ed448} {
		k := mustKey(t, map[int]any{1: 1, 3: int(keyAlg), -1: 7, -2: []byte(xPub)})
		for _, alg := range []cose.Algorithm{cose.EdDSA, cose.Ed448} {
			if err := Verify(alg, k, xSig, msg); err != nil {
				t.Errorf("key %v, alg %v: %v", keyAlg, alg, err)
			}
		}
		if err := Verify(cose.Ed25519, k, xSig, msg); err != ErrAlgorithmMismatch {
			t.Errorf("Ed25519 on Ed448 key: %v", err)
		}
		if !Equal(k, xPub) || Equal(k, edPub) {
			t.Error("Equal ed448")
		}
	}
	if err := VerifyPublicKey(cose.Ed25519, xPub, xSig, msg); err != ErrAlgorithmMismatch {
		t.Errorf("Ed25519 with an ed448 key: %v", err)
	}
	if err := VerifyPublicKey(cose.EdDSA, xPub, xSig, msg); err != nil {
		t.Errorf("EdDSA with an ed448 key: %v", err)
	}
}

func BenchmarkVerifyMLDSA44(b *testing.B) {
	var seed [32]byte
	pk, sk := mldsa44.NewKeyFromSeed(&seed)
	msg := make([]byte, 69)
	sig := make([]byte, mldsa44.SignatureSize)
	_ = mldsa44.SignTo(sk, msg, nil, false, sig)
	k := mustKey(b, map[int]any{1: 7, 3: -48, -1: pk.Bytes()})
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(cose.MLDSA44, k, sig, msg[:37], msg[37:]); err != nil {
			b.Fatal(err)
		}
	}
}
