package mds

import (
	"crypto/x509"
	"encoding/json"
	"math/big"
	"testing"
)

// FuzzParseEntry checks that no entry text panics parseEntry and that an
// accepted entry has an identifier and status reports.
func FuzzParseEntry(f *testing.F) {
	root := issue("Fuzz Root", true, nil, nil)
	for _, e := range []obj{
		fido2Entry(aaguidN(1), []*cert{root}),
		{"attestationCertificateKeyIdentifiers": []string{"7c0903708b87115b0b422def3138c3c864e44573"}, "statusReports": []obj{{"status": "REVOKED", "effectiveDate": "2020-01-01"}}},
		{"aaid": "4e4e#4005", "statusReports": []obj{{"status": "NOT_FIDO_CERTIFIED"}}},
	} {
		b, _ := json.Marshal(e)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var e Entry
		if _, err := parseEntry(b, map[string]*x509.Certificate{}, &e); err == nil {
			if !e.HasAAGUID && len(e.KeyIDs) == 0 && e.AAID == "" || len(e.StatusReports) == 0 {
				t.Fatalf("accepted entry without identifier or reports: %q", b)
			}
		}
	})
}

// FuzzLoadAndroidRevocations checks the status list parser does not panic and
// that every accepted serial is found again by Lookup.
func FuzzLoadAndroidRevocations(f *testing.F) {
	f.Add([]byte(`{"entries":{"2c8cdddfd5e03bfc":{"status":"REVOKED","reason":"KEY_COMPROMISE"}}}`))
	f.Add([]byte(`{"entries":{"0ABC":{"status":"SUSPENDED"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rl, err := LoadAndroidRevocations(b)
		if err != nil {
			return
		}
		for k := range rl.bySerial {
			if _, ok := rl.Lookup(new(big.Int).SetBytes([]byte(k))); !ok {
				t.Fatalf("serial %x not found", k)
			}
		}
	})
}
