package attestation

import (
	"errors"
	"testing"

	"github.com/passkeykit/webauthn/internal/forge"
)

func compoundCase(t *testing.T, k *packedKit, entries ...forge.Entry) *fvCase {
	return fvPrepare(t, t.Name(), k.r.Object("compound", forge.Compound(entries...)), k.r.ClientDataHash(), forge.Now, fvAnchors(k.root))
}

func TestCompoundForgedOK(t *testing.T) {
	k := newPackedKit()
	basic := forge.Entry{Fmt: "packed", AttStmt: k.r.Packed(k.att, k.leaf(nil), k.ca)}
	apple, _ := k.r.Apple(k.f, "apple", k.ca)
	res, err := compoundCase(t, k, basic, forge.Entry{Fmt: "apple", AttStmt: apple}).verify()
	if err != nil || res.Format != FormatCompound || len(res.Compound) != 2 {
		t.Fatalf("%+v, %v", res, err)
	}
	if res.Compound[0].Type != TypeBasic || res.Compound[1].Type != TypeAnonCA || res.Type != TypeAnonCA || !res.Judged {
		t.Fatalf("types %v %v top %v judged %v", res.Compound[0].Type, res.Compound[1].Type, res.Type, res.Judged)
	}
	res, err = compoundCase(t, k, basic, forge.Entry{Fmt: "packed", AttStmt: k.r.PackedSelf()}).verify()
	if err != nil || res.Type != TypeSelf || !res.Judged {
		t.Fatalf("basic+self: %+v, %v", res, err)
	}
}

func TestCompoundRejects(t *testing.T) {
	k := newPackedKit()
	self := forge.Entry{Fmt: "packed", AttStmt: k.r.PackedSelf()}
	bad := k.r.PackedSelf()
	flip(bad["sig"].([]byte))
	many := make([]forge.Entry, MaxCompoundStatements+1)
	for i := range many {
		many[i] = self
	}
	nested := forge.Entry{Fmt: "compound", AttStmt: forge.Compound(self, self)}
	nestedMap := forge.Entry{Fmt: "compound", AttStmt: forge.Stmt{}}
	runNeg(t, []negCase{
		{"one statement", compoundCase(t, k, self), ErrInvalidStatement, errCompoundCount},
		{"more than MaxCompoundStatements", compoundCase(t, k, many...), ErrInvalidStatement, errCompoundLimit},
		{"contains compound", compoundCase(t, k, self, nested), ErrInvalidStatement, ErrWrongType},
		{"contains compound with a map", compoundCase(t, k, self, nestedMap), ErrInvalidStatement, errCompoundNested},
		{"element lacks attStmt", fvPrepare(t, "lacks", k.r.Object("compound", []any{
			map[string]any{"fmt": "packed", "attStmt": map[string]any(k.r.PackedSelf())},
			map[string]any{"fmt": "packed", "x": 1},
		}), k.r.ClientDataHash(), forge.Now, nil), ErrInvalidStatement, nil},
		{"unknown format inside", compoundCase(t, k, self, forge.Entry{Fmt: "Packed", AttStmt: k.r.PackedSelf()}), ErrUnsupportedFormat, nil},
		{"one sub-statement fails", compoundCase(t, k, self, forge.Entry{Fmt: "packed", AttStmt: bad}), ErrBadSignature, nil},
	})
	_, err := compoundCase(t, k, self, forge.Entry{Fmt: "packed", AttStmt: bad}).verify()
	var e *Error
	if !errors.As(err, &e) || e.Format != FormatCompound {
		t.Fatalf("outer error %v", err)
	}
	if inner, ok := e.Err.(*Error); !ok || inner.Format != FormatPacked || inner.Fault != ErrBadSignature {
		t.Fatalf("inner error %#v", e.Err)
	}
}
