package mds

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/passkeykit/webauthn/trust"
)

// benchEntries is the size of the generated BLOB: the production MDS3 BLOB
// lists a few hundred entries; 3000 is a tenfold margin.
const benchEntries = 3000

var (
	benchOnce sync.Once
	benchBLOB []byte
)

// realisticBLOB signs a BLOB of benchEntries FIDO2 entries, each with its own
// root certificate (one in ten shared, as vendors reuse roots across models),
// a 2 KiB icon and two status reports.
func realisticBLOB(b testing.TB) []byte {
	benchOnce.Do(func() {
		p := testPKI()
		icon := "data:image/png;base64," + string(make([]byte, 0))
		for len(icon) < 2048 {
			icon += "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg"
		}
		var shared *cert
		entries := make([]any, benchEntries)
		for i := range entries {
			root := shared
			if i%10 != 0 || shared == nil {
				root = issue("Bench Root", true, nil, testKey("bench"+string(rune('a'+i%26))))
				if shared == nil {
					shared = root
				}
			}
			e := fido2Entry(aaguidN(i+1), []*cert{root},
				obj{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2021-01-01", "certificationDescriptor": "Bench Key", "certificateNumber": "FIDO20020210101001"},
				obj{"status": "UPDATE_AVAILABLE", "effectiveDate": "2023-01-01", "url": "https://example.org/fw"})
			e["metadataStatement"].(obj)["icon"] = icon
			entries[i] = e
		}
		pl, err := json.Marshal(payload(1, "2026-04-01", entries...))
		if err != nil {
			b.Fatal(err)
		}
		benchBLOB = p.signBLOB(b, pl)
	})
	return benchBLOB
}

func BenchmarkLoad(b *testing.B) {
	blob := realisticBLOB(b)
	o := testPKI().opts()
	b.SetBytes(int64(len(blob)))
	b.ReportAllocs()
	for b.Loop() {
		idx, err := Load(blob, o)
		if err != nil || len(idx.Entries) != benchEntries {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	idx, err := Load(realisticBLOB(b), testPKI().opts())
	if err != nil {
		b.Fatal(err)
	}
	q := &trust.Query{AAGUID: aaguidN(1234)}
	b.ReportAllocs()
	for b.Loop() {
		if pool, _ := idx.Anchors(q); pool.Len() != 1 {
			b.Fatal("no anchors")
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	idx, err := Load(realisticBLOB(b), testPKI().opts())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := idx.Check(aaguidN(1234), nil, testAt, "basic"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLoadRealistic checks the benchmark BLOB loads in full and reports
// its size (go test -v), so the benchmark is not the only run of it.
func TestLoadRealistic(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 3000 certificates")
	}
	blob := realisticBLOB(t)
	idx, err := Load(blob, testPKI().opts())
	if err != nil || len(idx.Entries) != benchEntries || len(idx.Skipped) != 0 {
		t.Fatalf("%v: %d entries, %d skipped", err, len(idx.Entries), len(idx.Skipped))
	}
	t.Logf("BLOB %d bytes, %d entries", len(blob), len(idx.Entries))
}
