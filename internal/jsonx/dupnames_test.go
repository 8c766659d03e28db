package jsonx_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/internal/jsonx"
)

// docSize is the size of the hostile documents: the root package's default
// MaxResponseSize (256 KiB), the most a response may carry.
const docSize = 256 << 10

// nameLen is the length of the near-equal names: long enough that comparing
// two of them is costly and that a string conversion of one escapes to the
// heap (more than 32 bytes).
const nameLen = 200

// member appends the name of member i of an object: nameLen-3 'a's, then
// three digits of i, so that names differ only at the end. Odd members spell
// their first 'a' as \u0061 (hostile), or have a first byte unique to i
// (benign: every comparison fails at once).
func member(b []byte, i int, hostile bool) []byte {
	b = append(b, '"')
	switch {
	case !hostile:
		b = append(b, byte('A'+i%26), byte('A'+i/26))
		b = append(b, bytes.Repeat([]byte{'a'}, nameLen-5)...)
	case i%2 == 1:
		b = append(b, `\u0061`...)
		b = append(b, bytes.Repeat([]byte{'a'}, nameLen-4)...)
	default:
		b = append(b, bytes.Repeat([]byte{'a'}, nameLen-3)...)
	}
	d := strconv.Itoa(1000 + i)
	return append(b, d[1:]+`":0`...)
}

// namesDoc is an array of objects of jsonx.MaxMembers members each (the most
// an object may have), close to docSize bytes. dupAt >= 0 makes member dupAt
// of the last object repeat member 0 of that object, spelled the other way
// (escaped against plain).
func namesDoc(hostile bool, dupAt int) []byte {
	obj := func(dup int) []byte {
		b := []byte{'{'}
		for i := range jsonx.MaxMembers {
			if i > 0 {
				b = append(b, ',')
			}
			if i == dup {
				b = append(b, `"\u0061`...)
				b = append(b, bytes.Repeat([]byte{'a'}, nameLen-4)...)
				b = append(b, `000":0`...)
				continue
			}
			b = member(b, i, hostile)
		}
		return append(b, '}')
	}
	one := obj(-1)
	n := (docSize - 2) / (len(one) + 1)
	doc := []byte{'['}
	for i := range n {
		if i > 0 {
			doc = append(doc, ',')
		}
		if i == n-1 && dupAt >= 0 {
			doc = append(doc, obj(dupAt)...)
			continue
		}
		doc = append(doc, one...)
	}
	return append(doc, ']')
}

// minTime is the least wall time of runs calls of f.
func minTime(runs int, f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range runs {
		start := time.Now()
		f()
		if d := time.Since(start); d < best {
			best = d
		}
	}
	return best
}

// TestDuplicateNamesCost: objects whose members have near-equal names, half
// of them escaped, must cost no more to check than objects of the same size
// whose names differ at the first byte, and nothing is allocated. The
// duplicate check stays exact: a name escaped in one member and plain in
// another is a duplicate wherever it occurs.
func TestDuplicateNamesCost(t *testing.T) {
	hostile, benign := namesDoc(true, -1), namesDoc(false, -1)
	if len(hostile) > docSize || len(hostile) < docSize*9/10 || len(benign) > docSize+docSize/10 {
		t.Fatalf("documents of %d and %d bytes, want about %d", len(hostile), len(benign), docSize)
	}
	for _, doc := range [][]byte{hostile, benign} {
		if c := jsonx.Diagnose(doc, 1); c != jsonx.CodeOK {
			t.Fatalf("Diagnose = %d, want CodeOK", c)
		}
	}
	if a := testing.AllocsPerRun(5, func() { jsonx.Valid(hostile) }); a != 0 {
		t.Errorf("Valid(%d-byte document of near-equal names) allocates %v times, want 0", len(hostile), a)
	}
	// Wall time, the least of several runs: the hostile document may cost a
	// small factor more than the benign one (more escapes to decode), not the
	// MaxMembers/2 factor of pairwise comparisons run to the end.
	const maxRatio = 4
	th := minTime(7, func() { jsonx.Valid(hostile) })
	tb := minTime(7, func() { jsonx.Valid(benign) })
	t.Logf("near-equal names: %v, names differing at once: %v (%d bytes)", th, tb, len(hostile))
	if th > maxRatio*tb {
		t.Errorf("near-equal names cost %v, %.1fx the benign document's %v (limit %dx)", th, float64(th)/float64(tb), tb, maxRatio)
	}

	// Exactness: the duplicate is found wherever it is.
	for _, at := range []int{1, 2, jsonx.MaxMembers / 2, jsonx.MaxMembers - 1} {
		doc := namesDoc(true, at)
		if c := jsonx.Diagnose(doc, 1); c != jsonx.CodeDuplicateKey {
			t.Errorf("duplicate at member %d of the last object: Diagnose = %d, want CodeDuplicateKey", at, c)
		}
		if jsonx.Valid(doc) {
			t.Errorf("duplicate at member %d: Valid = true", at)
		}
	}
	// And through Keys directly, in both orders and with both escaped.
	plain := bytes.Repeat([]byte{'a'}, nameLen)
	esc := append([]byte(`\u0061`), plain[1:]...)
	esc2 := append(append([]byte(nil), plain[:nameLen-1]...), `\u0061`...)
	// é in the middle of a long name, across maphash's 128-byte buffer.
	accented := append(append(append([]byte(nil), plain[:150]...), "é"...), plain[150:]...)
	accentedEsc := append(append(append([]byte(nil), plain[:150]...), `\u00e9`...), plain[150:]...)
	for _, pair := range [][2][]byte{{plain, esc}, {esc, plain}, {esc, esc2}, {plain, plain}, {accented, accentedEsc}, {accentedEsc, accented}} {
		var ks jsonx.Keys
		ks.Add([]byte("other"), false)
		ks.Add(pair[0], bytes.IndexByte(pair[0], '\\') >= 0)
		if ks.Add(pair[1], bytes.IndexByte(pair[1], '\\') >= 0) {
			t.Errorf("Keys.Add(%.12q...) after %.12q...: accepted a duplicate", pair[1], pair[0])
		}
	}
	// Near-equal but different names are not duplicates.
	var ks jsonx.Keys
	if !ks.Add(plain, false) || !ks.Add(append([]byte(`\u0062`), plain[1:]...), true) || !ks.Add(append(plain[:nameLen-1:nameLen-1], 'b'), false) {
		t.Error("Keys.Add refused a distinct near-equal name")
	}
}

func BenchmarkDuplicateNames(b *testing.B) {
	for _, c := range []struct {
		name    string
		hostile bool
	}{{"near-equal-escaped", true}, {"differ-at-once", false}} {
		doc := namesDoc(c.hostile, -1)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				jsonx.Valid(doc)
			}
		})
	}
}
