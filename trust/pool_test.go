package trust

import (
	"bytes"
	"encoding/pem"
	"errors"
	"testing"
)

func pemOf(ts ...*tcert) []byte {
	var b bytes.Buffer
	for _, t := range ts {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: t.cert.Raw})
	}
	return b.Bytes()
}

func TestParsePEM(t *testing.T) {
	a, b := mk(t, "A", true, nil), mk(t, "B", true, nil)
	good := pemOf(a, b)
	p, err := ParsePEM(good)
	if err != nil || p.Len() != 2 || !p.Contains(a.cert) || !p.Contains(b.cert) {
		t.Fatalf("ParsePEM = %v, %v", p, err)
	}
	// AppendPEM returns a new pool and leaves the receiver alone; duplicates collapse.
	c := mk(t, "C", true, nil)
	q, err := p.AppendPEM(append(pemOf(c), good...))
	if err != nil || q.Len() != 3 || p.Len() != 2 || p.Contains(c.cert) {
		t.Fatalf("AppendPEM: q.Len=%d p.Len=%d err=%v", q.Len(), p.Len(), err)
	}
	if NewPool(a.cert, nil, a.cert).Len() != 1 {
		t.Fatal("NewPool kept nil or duplicate")
	}
	var nilPool *Pool
	if nilPool.Len() != 0 || nilPool.Contains(a.cert) || nilPool.Certificates() != nil {
		t.Fatal("nil pool is not empty")
	}

	withHeader := bytes.Replace(pemOf(a), []byte("-----\n"), []byte("-----\nProc-Type: 4,ENCRYPTED\n\n"), 1)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrNoCertificates},
		{"whitespace", []byte(" \n\t"), ErrNoCertificates},
		{"junk", []byte("hello"), ErrBadPEM},
		{"leading text", append([]byte("comment\n"), good...), ErrBadPEM},
		{"trailing text", append(append([]byte(nil), good...), "trailer"...), ErrBadPEM},
		{"truncated", good[:len(good)-10], ErrBadPEM},
		{"private key block", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}), ErrBadPEM},
		{"headers", withHeader, ErrBadPEM},
	} {
		if p, err := ParsePEM(tc.in); !errors.Is(err, tc.want) || p != nil {
			t.Errorf("%s: ParsePEM = %v, %v; want %v", tc.name, p, err, tc.want)
		}
	}
	bad := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x01}})
	var e *Error
	if _, err := ParsePEM(append(pemOf(a), bad...)); !errors.As(err, &e) || e.Index != 1 {
		t.Errorf("bad DER in block 1: err = %v", err)
	}
}

func TestStatic(t *testing.T) {
	f, g, k := NewPool(mk(t, "F", true, nil).cert), NewPool(mk(t, "G", true, nil).cert), NewPool(mk(t, "K", true, nil).cert)
	aaguid := [16]byte{1, 2, 3}
	s := &Static{
		ByFormat: map[string]*Pool{FormatPacked: f},
		ByAAGUID: map[[16]byte]*Pool{aaguid: g},
		ByKeyID:  map[string]*Pool{"kid": k},
	}
	for _, tc := range []struct {
		q    Query
		want *Pool
	}{
		{Query{Format: FormatPacked}, f},
		{Query{Format: FormatPacked, AAGUID: aaguid}, g},
		{Query{Format: FormatPacked, AAGUID: [16]byte{9}}, f},
		{Query{Format: FormatFIDOU2F, KeyID: []byte("kid")}, k},
		{Query{Format: FormatTPM}, nil},
	} {
		if got, err := s.Anchors(&tc.q); got != tc.want || err != nil {
			t.Errorf("Anchors(%+v) = %p, %v; want %p", tc.q, got, err, tc.want)
		}
	}
	var zero Static
	var nilS *Static
	var src Source = &zero
	if p, err := src.Anchors(&Query{Format: FormatPacked, AAGUID: aaguid}); p != nil || err != nil {
		t.Error("zero Static supplied anchors")
	}
	if p, err := nilS.Anchors(&Query{}); p != nil || err != nil {
		t.Error("nil Static supplied anchors")
	}
}
