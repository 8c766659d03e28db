package mds

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/trust"
)

// svgIcon is a data: URL of a minimal SVG image, named so a test can tell
// icons apart.
func svgIcon(name string) string {
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg" id="`+name+`"/>`))
}

// conveniencePayload builds a Convenience MDS payload: no, nextUpdate (""
// leaves it out) and one member per AAGUID.
func convPayload(no int, next string, entries map[authdata.AAGUID]any) obj {
	p := obj{"no": no, "legalHeader": "test convenience BLOB"}
	if next != "" {
		p["nextUpdate"] = next
	}
	for a, e := range entries {
		p[a.String()] = e
	}
	return p
}

func provider(names obj, icons ...string) obj {
	e := obj{"friendlyNames": names}
	for i := 0; i+1 < len(icons); i += 2 {
		e[icons[i]] = icons[i+1]
	}
	return e
}

func TestLoadConvenience(t *testing.T) {
	p := testPKI()
	blob := p.signBLOB(t, convPayload(7, "2026-04-01", map[authdata.AAGUID]any{
		aaguidN(1): provider(obj{"en-US": "Test Keychain", "de-DE": "Test-Schlüsselbund"}, "icon", svgIcon("light"), "iconDark", svgIcon("dark")),
		aaguidN(2): provider(obj{"fr-FR": "Gestionnaire de test"}, "iconLight", svgIcon("l2"), "providerLogoLight", svgIcon("logo")),
		// Malformed entries are skipped, the rest kept.
		aaguidN(3): provider(obj{}),
		aaguidN(4): provider(obj{"en-US": "Evil"}, "icon", "javascript:alert(1)"),
		aaguidN(5): "not an object",
	}))
	c, err := LoadConvenience(blob, p.opts())
	if err != nil {
		t.Fatal(err)
	}
	if c.No != 7 || !c.NextUpdate.Equal(mustDate("2026-04-01")) || c.Stale || c.Alg != "ES256" || len(c.Signer) != 2 {
		t.Fatalf("BLOB %d %v stale %v %s %d", c.No, c.NextUpdate, c.Stale, c.Alg, len(c.Signer))
	}
	name, icon, dark, ok := c.ProviderName(aaguidN(1))
	if !ok || name != "Test Keychain" || icon != svgIcon("light") || dark != svgIcon("dark") {
		t.Fatalf("ProviderName(1) = %q %q %q %v", name, icon, dark, ok)
	}
	if got := c.Lookup(aaguidN(1)).Name("de-de"); got != "Test-Schlüsselbund" {
		t.Errorf("Name(de-de) = %q", got)
	}
	p2 := c.Lookup(aaguidN(2))
	if p2 == nil || p2.Name("") != "Gestionnaire de test" || p2.Icon != svgIcon("l2") || p2.ProviderLogoLight != svgIcon("logo") || p2.IconDark != "" {
		t.Fatalf("provider 2 %+v", p2)
	}
	for _, n := range []int{3, 4, 5, 6} {
		if c.Lookup(aaguidN(n)) != nil {
			t.Errorf("AAGUID %d found", n)
		}
	}
	if c.Lookup(authdata.AAGUID{}) != nil || (*Convenience)(nil).Lookup(aaguidN(1)) != nil {
		t.Error("zero AAGUID or nil Convenience found something")
	}
	if len(c.Skipped) != 3 {
		t.Fatalf("skipped %+v", c.Skipped)
	}
	for _, s := range c.Skipped {
		if !errors.Is(s.Reason, ErrMalformedEntry) {
			t.Errorf("skipped %s: %v", s.ID, s.Reason)
		}
	}
	if n := testing.AllocsPerRun(100, func() { c.Lookup(aaguidN(1)) }); n != 0 {
		t.Errorf("Lookup allocates %v times", n)
	}
}

func mustDate(s string) time.Time {
	t, ok := parseDate(s)
	if !ok {
		panic(s)
	}
	return t
}

func TestLoadConvenienceRejects(t *testing.T) {
	p := testPKI()
	good := convPayload(7, "2026-04-01", map[authdata.AAGUID]any{aaguidN(1): provider(obj{"en-US": "Test Keychain"})})
	other := issue("Other Root", true, nil, nil)
	otherLeaf := issue("Other Signer", false, other, nil, "mds.fidoalliance.org")
	wrongName := issue("Wrong Name", false, p.inter, nil, "evil.example")
	tests := []struct {
		name string
		blob func() []byte
		opts func(*LoadOptions)
		want error
	}{
		{"ok", func() []byte { return p.signBLOB(t, good) }, nil, nil},
		{"no time", func() []byte { return p.signBLOB(t, good) }, func(o *LoadOptions) { o.At = time.Time{} }, ErrNoTime},
		{"no roots", func() []byte { return p.signBLOB(t, good) }, func(o *LoadOptions) { o.Roots = nil }, ErrNoRoots},
		{"other root", func() []byte {
			return signJWS(t, obj{"alg": "ES256", "x5c": x5c(otherLeaf, other)}, mustJSON(t, good), otherLeaf.key)
		}, nil, ErrUntrustedBLOB},
		{"root in x5c is not trusted", func() []byte {
			return signJWS(t, obj{"alg": "ES256", "x5c": x5c(otherLeaf, other)}, mustJSON(t, good), otherLeaf.key)
		}, func(o *LoadOptions) { o.Roots = trust.NewPool(p.root.c) }, ErrUntrustedBLOB},
		{"signer not pinned name", func() []byte {
			return signJWS(t, obj{"alg": "ES256", "x5c": x5c(wrongName, p.inter)}, mustJSON(t, good), wrongName.key)
		}, nil, ErrSignerName},
		{"signer pinned to its name", func() []byte {
			return signJWS(t, obj{"alg": "ES256", "x5c": x5c(wrongName, p.inter)}, mustJSON(t, good), wrongName.key)
		}, func(o *LoadOptions) { o.Signer = "evil.example" }, nil},
		{"bad signature", func() []byte {
			// Flip a bit of the decoded signature, not of its text: a
			// flipped character may leave non-zero unused bits, which is a
			// syntax error, not a bad signature.
			b := p.signBLOB(t, good)
			i := bytes.LastIndexByte(b, '.')
			sig, err := base64.RawURLEncoding.DecodeString(string(b[i+1:]))
			if err != nil {
				t.Fatal(err)
			}
			sig[len(sig)/2] ^= 1
			return append(b[:i+1:i+1], base64.RawURLEncoding.EncodeToString(sig)...)
		}, nil, ErrSignature},
		{"rollback", func() []byte { return p.signBLOB(t, good) }, func(o *LoadOptions) { o.MinNo = 8 }, ErrRollback},
		{"stale rejected", func() []byte { return p.signBLOB(t, convPayload(7, "2026-01-01", nil)) }, func(o *LoadOptions) { o.RejectStale = true }, ErrStale},
		{"no nextUpdate rejected as stale", func() []byte { return p.signBLOB(t, convPayload(7, "", nil)) }, func(o *LoadOptions) { o.RejectStale = true }, ErrStale},
		{"no nextUpdate", func() []byte { return p.signBLOB(t, convPayload(7, "", nil)) }, nil, nil},
		{"no serial", func() []byte { return p.signBLOB(t, obj{"nextUpdate": "2026-04-01"}) }, nil, ErrPayload},
		{"serial as string", func() []byte { return p.signBLOB(t, []byte(`{"no":"7"}`)) }, nil, ErrPayload},
		{"serial fraction", func() []byte { return p.signBLOB(t, []byte(`{"no":7.0}`)) }, nil, ErrPayload},
		{"serial negative", func() []byte { return p.signBLOB(t, []byte(`{"no":-1}`)) }, nil, ErrPayload},
		{"bad nextUpdate", func() []byte { return p.signBLOB(t, convPayload(7, "April", nil)) }, nil, ErrPayload},
		{"duplicate member", func() []byte { return p.signBLOB(t, []byte(`{"no":7,"no":8}`)) }, nil, ErrPayload},
		{"miscased member", func() []byte { return p.signBLOB(t, []byte(`{"no":7,"NextUpdate":"2026-04-01"}`)) }, nil, ErrPayload},
		{"not an object", func() []byte { return p.signBLOB(t, []byte(`[7]`)) }, nil, ErrPayload},
		{"trailing data", func() []byte { return p.signBLOB(t, []byte(`{"no":7} {}`)) }, nil, ErrPayload},
		{"not a JWS", func() []byte { return []byte(`{"no":7}`) }, nil, ErrMalformedJWS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := p.opts()
			if tt.opts != nil {
				tt.opts(o)
			}
			c, err := LoadConvenience(tt.blob(), o)
			if tt.want == nil {
				if err != nil || c == nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || c != nil {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestConvenienceEntryLimits: each limit accepts its value and skips the
// entry one past it.
func TestConvenienceEntryLimits(t *testing.T) {
	manyNames := func(n int) obj {
		o := obj{}
		for i := range n {
			o["x-"+strings.Repeat("a", 1+i%30)+string(rune('a'+i/30%26))+string(rune('a'+i/780))] = "Name"
		}
		return o
	}
	bigIcon := func(size int) string {
		prefix := "data:image/png;base64,"
		n := (size - len(prefix)) / 4 * 4
		return prefix + strings.Repeat("AAAA", n/4)
	}
	tests := []struct {
		name  string
		entry any
		ok    bool
	}{
		{"name at limit", provider(obj{"en-US": strings.Repeat("n", MaxFriendlyNameSize)}), true},
		{"name over limit", provider(obj{"en-US": strings.Repeat("n", MaxFriendlyNameSize+1)}), false},
		{"tag at limit", provider(obj{"e" + strings.Repeat("n", MaxLanguageTagSize-1): "Name"}), true},
		{"tag over limit", provider(obj{"e" + strings.Repeat("n", MaxLanguageTagSize): "Name"}), false},
		{"names at limit", provider(manyNames(MaxFriendlyNames)), true},
		{"names over limit", provider(manyNames(MaxFriendlyNames + 1)), false},
		{"icon at limit", provider(obj{"en-US": "Name"}, "icon", bigIcon(MaxIconSize)), true},
		{"icon over limit", provider(obj{"en-US": "Name"}, "icon", bigIcon(MaxIconSize)+"AAAA"), false},
		{"empty name", provider(obj{"en-US": " "}), false},
		{"control character", provider(obj{"en-US": "Key\nchain"}), false},
		{"bidi override", provider(obj{"en-US": "Key\u202echain"}), false},
		{"name not a string", provider(obj{"en-US": 7}), false},
		{"tag not a tag", provider(obj{"en US": "Name"}), false},
		{"icon not an image", provider(obj{"en-US": "Name"}, "icon", "data:text/html;base64,PHNjcmlwdD4="), false},
		{"icon not base64", provider(obj{"en-US": "Name"}, "iconDark", "data:image/png;base64,***"), false},
		{"icon a link", provider(obj{"en-US": "Name"}, "providerLogoDark", "https://tracker.example/icon.png"), false},
		{"icon empty", provider(obj{"en-US": "Name"}, "icon", ""), false},
		{"miscased member", obj{"FriendlyNames": obj{"en-US": "Name"}}, false},
		{"unknown member", obj{"friendlyNames": obj{"en-US": "Name"}, "future": 1}, true},
	}
	p := testPKI()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blob := p.signBLOB(t, convPayload(1, "2026-04-01", map[authdata.AAGUID]any{aaguidN(1): tt.entry}))
			c, err := LoadConvenience(blob, p.opts())
			if err != nil {
				t.Fatal(err)
			}
			if found := c.Lookup(aaguidN(1)) != nil; found != tt.ok || found == (len(c.Skipped) == 1) {
				t.Fatalf("found %v, skipped %+v", found, c.Skipped)
			}
		})
	}
}

// TestConvenienceDuplicateAAGUID: the same AAGUID spelt in two cases is one
// identifier; the second entry is skipped.
func TestConvenienceDuplicateAAGUID(t *testing.T) {
	p := testPKI()
	a := aaguidN(1).String()
	blob := p.signBLOB(t, []byte(`{"no":1,"`+a+`":{"friendlyNames":{"en-US":"First"}},"`+strings.ToUpper(a)+`":{"friendlyNames":{"en-US":"Second"}}}`))
	c, err := LoadConvenience(blob, p.opts())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Lookup(aaguidN(1)).Name(""); got != "First" || len(c.Skipped) != 1 || !errors.Is(c.Skipped[0].Reason, ErrMalformedEntry) {
		t.Fatalf("name %q skipped %+v", got, c.Skipped)
	}
}

func TestProviderNameFallback(t *testing.T) {
	p := &Provider{FriendlyNames: map[string]string{"de-DE": "Deutsch", "en-GB": "British", "fr": "Français"}}
	for lang, want := range map[string]string{"": "British", "de-DE": "Deutsch", "DE-de": "Deutsch", "de-AT": "Deutsch", "fr-CA": "Français", "ja": "British"} {
		if got := p.Name(lang); got != want {
			t.Errorf("Name(%q) = %q, want %q", lang, got, want)
		}
	}
	p = &Provider{FriendlyNames: map[string]string{"ja-JP": "日本語", "de-DE": "Deutsch"}}
	if got := p.Name(""); got != "Deutsch" {
		t.Errorf("Name() = %q, want the first tag's name", got)
	}
	if (*Provider)(nil).Name("") != "" {
		t.Error("nil provider has a name")
	}
}

// FuzzConvenienceEntry checks that no entry text panics parseProvider and
// that an accepted entry has a displayable name.
func FuzzConvenienceEntry(f *testing.F) {
	for _, e := range []string{
		`{"friendlyNames":{"en-US":"Test Keychain"},"icon":"` + svgIcon("a") + `"}`,
		`{"friendlyNames":{"de-DE":"Schlüssel","en":"Key"},"iconDark":"data:image/png;base64,AAAA"}`,
		`{"friendlyNames":{}}`, `[]`, `{"friendlyNames":{"en-US":"\u202e"}}`,
	} {
		f.Add([]byte(e))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Provider
		if err := parseProvider(aaguidN(1).String(), b, &p); err == nil {
			if n := p.Name(""); !displayName(n) {
				t.Fatalf("accepted entry %q without a displayable name (%q)", b, n)
			}
		}
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
