package mds

import (
	"crypto/x509"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/trust"
)

func TestAndroidRevocations(t *testing.T) {
	rl, err := LoadAndroidRevocations([]byte(`{"entries":{
		"2c8cdddfd5e03bfc":{"status":"REVOKED","expires":"2020-11-13","reason":"KEY_COMPROMISE","comment":"Key stored on unsecure system"},
		"C8966FCB2FBB0D7A":{"status":"SUSPENDED","reason":"SOFTWARE_FLAW","comment":"Bug in keystore"},
		"000abc":{"status":"REVOKED","reason":"SUPERSEDED"},
		"1":{"status":"REVOKED","reason":"UNSPECIFIED","newField":[1]}}}`))
	if err != nil || rl.Len() != 4 {
		t.Fatalf("load: %v, %d", err, rl.Len())
	}
	cert := func(serial string) *x509.Certificate {
		n, _ := new(big.Int).SetString(serial, 16)
		return &x509.Certificate{SerialNumber: n}
	}
	for _, c := range []struct {
		serial string
		want   error
		reason string
	}{
		{"2c8cdddfd5e03bfc", ErrAndroidRevoked, "KEY_COMPROMISE"},
		{"c8966fcb2fbb0d7a", ErrAndroidSuspended, "SOFTWARE_FLAW"}, // listed upper case
		{"abc", ErrAndroidRevoked, "SUPERSEDED"},                   // listed with leading zeros
		{"1", ErrAndroidRevoked, "UNSPECIFIED"},
		{"2c8cdddfd5e03bfd", nil, ""},
		{"c35747a084470c3135aeefe2b8d40cd6", nil, ""},
	} {
		chain := []*x509.Certificate{cert("99"), cert(c.serial), cert("77")}
		if err := rl.CheckChain(chain); err != c.want {
			t.Errorf("%s: %v, want %v", c.serial, err, c.want)
		}
		if err := rl.CheckAndroidChain(trust.FormatAndroidKey, chain); err != c.want {
			t.Errorf("%s via CheckAndroidChain: %v", c.serial, err)
		}
		if err := rl.CheckAndroidChain(trust.FormatPacked, chain); err != nil {
			t.Errorf("%s for packed: %v", c.serial, err)
		}
		if e, ok := rl.Lookup(cert(c.serial).SerialNumber); ok != (c.want != nil) || e.Reason != c.reason {
			t.Errorf("Lookup %s: %+v %v", c.serial, e, ok)
		}
	}
	var none *RevocationList
	if err := none.CheckChain([]*x509.Certificate{cert("1")}); err != nil {
		t.Errorf("nil list: %v", err)
	}
}

func TestAndroidRevocationsRejects(t *testing.T) {
	long := strings.Repeat("f", 2*MaxSerialBytes+1)
	for name, in := range map[string]string{
		"not json":           `{"entries":`,
		"no entries":         `{"other":{}}`,
		"duplicate key":      `{"entries":{"1":{"status":"REVOKED"},"1":{"status":"REVOKED"}}}`,
		"same serial":        `{"entries":{"abc":{"status":"REVOKED"},"0ABC":{"status":"SUSPENDED"}}}`,
		"not hex":            `{"entries":{"xyz":{"status":"REVOKED"}}}`,
		"decimal sign":       `{"entries":{"-1":{"status":"REVOKED"}}}`,
		"zero":               `{"entries":{"00":{"status":"REVOKED"}}}`,
		"empty key":          `{"entries":{"":{"status":"REVOKED"}}}`,
		"unknown status":     `{"entries":{"1":{"status":"EXPIRED"}}}`,
		"lower-case status":  `{"entries":{"1":{"status":"revoked"}}}`,
		"serial over limit":  `{"entries":{"` + long + `":{"status":"REVOKED"}}}`,
		"trailing data":      `{"entries":{}} x`,
		"entries not object": `{"entries":[]}`,
	} {
		if _, err := LoadAndroidRevocations([]byte(in)); !errors.Is(err, ErrStatusList) {
			t.Errorf("%s: %v", name, err)
		}
	}
	atLimit := `{"entries":{"` + strings.Repeat("f", 2*MaxSerialBytes) + `":{"status":"REVOKED"}}}`
	if _, err := LoadAndroidRevocations([]byte(atLimit)); err != nil {
		t.Errorf("serial at limit: %v", err)
	}
	big := make([]byte, MaxStatusListSize+1)
	if _, err := LoadAndroidRevocations(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxStatusListSize+1: %v", err)
	}
}
