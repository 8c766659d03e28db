package webauthnhttp

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn"
)

// specOrigins is the example document of §5.11 for the RP ID example.com:
// ten origins, four registrable origin labels.
var specOrigins = []string{
	"https://example.co.uk", "https://example.de", "https://example.sg", "https://example.net",
	"https://exampledelivery.com", "https://exampledelivery.co.uk", "https://exampledelivery.de",
	"https://exampledelivery.sg", "https://myexamplerewards.com", "https://examplecars.com",
}

func TestRelatedOriginsServe(t *testing.T) {
	rp := &webauthn.RelyingParty{RPID: "example.com", Origins: append([]string{"https://example.com", "https://login.example.com", "android:apk-key-hash:abc"}, specOrigins...)}
	if got := RelatedOriginsOf(rp); !slices.Equal(got, specOrigins) {
		t.Fatalf("RelatedOriginsOf = %q, want the related origins only", got)
	}
	h, err := NewRelatedOrigins(rp, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(WellKnownPath, h)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "https://example.com/.well-known/webauthn", nil))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	var doc map[string][]string
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || len(doc) != 1 || !slices.Equal(doc["origins"], specOrigins) {
		t.Fatalf("document %s (%v)", w.Body, err)
	}
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("HEAD", WellKnownPath, nil))
	if w.Code != 200 || w.Body.Len() != 0 {
		t.Fatalf("HEAD: %d, %d bytes", w.Code, w.Body.Len())
	}
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("POST", WellKnownPath, strings.NewReader("{}")))
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", w.Code)
	}
}

func TestRelatedOriginsExplicitList(t *testing.T) {
	rp := &webauthn.RelyingParty{RPID: "example.com", Origins: []string{"https://example.com", "https://example.de", "https://shop.example.de:8443"}}
	h, err := NewRelatedOrigins(rp, &RelatedOriginsOptions{Origins: []string{"https://shop.example.de:8443"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Origins(); !slices.Equal(got, []string{"https://shop.example.de:8443"}) {
		t.Fatalf("Origins = %q", got)
	}
}

func TestRelatedOriginsRejected(t *testing.T) {
	six := []string{"https://a.com", "https://b.com", "https://www.a.com", "https://c.com", "https://d.com", "https://e.com", "https://f.com", "https://a.de"}
	tests := []struct {
		name    string
		rpID    string
		origins []string
		opts    RelatedOriginsOptions
		want    map[string]error // origin → sentinel; "" for the document
	}{
		{name: "six labels", rpID: "example.com", origins: six, want: map[string]error{"https://f.com": ErrRelatedOriginOverBudget}},
		{name: "six labels, budget 6", rpID: "example.com", origins: six, opts: RelatedOriginsOptions{MaxLabels: 6}},
		{name: "empty", rpID: "example.com", origins: []string{}, want: map[string]error{"": ErrRelatedOriginsEmpty}},
		{name: "too many", rpID: "example.com", origins: slices.Repeat([]string{"https://a.com"}, maxRelatedOrigins+1), want: map[string]error{"": ErrRelatedOriginsTooMany}},
		{name: "at most", rpID: "example.com", origins: slices.Repeat([]string{"https://a.com"}, maxRelatedOrigins)},
		{name: "rp id", rpID: "Example.com", origins: []string{"https://a.com"}, want: map[string]error{"": ErrRelatedOriginsRPID}},
		{name: "rp id ip", rpID: "192.0.2.1", origins: []string{"https://a.com"}, want: map[string]error{"": ErrRelatedOriginsRPID}},
		{name: "syntax", rpID: "example.com", origins: []string{
			"http://a.com", "https://a.com/", "https://a.com/login", "https://A.com", "https://a.com:443", "https://a.com:",
			"https://a.com:08443", "https://a.com:65536", "https://u@a.com", "https://a.com?x", "https://a.com#", "a.com",
			"https://bücher.de", "https://-a.com", "android:apk-key-hash:abc", "https://a..com",
		}, want: map[string]error{
			"http://a.com": ErrRelatedOriginSyntax, "https://a.com/": ErrRelatedOriginSyntax, "https://a.com/login": ErrRelatedOriginSyntax,
			"https://A.com": ErrRelatedOriginSyntax, "https://a.com:443": ErrRelatedOriginSyntax, "https://a.com:": ErrRelatedOriginSyntax,
			"https://a.com:08443": ErrRelatedOriginSyntax, "https://a.com:65536": ErrRelatedOriginSyntax, "https://u@a.com": ErrRelatedOriginSyntax,
			"https://a.com?x": ErrRelatedOriginSyntax, "https://a.com#": ErrRelatedOriginSyntax, "a.com": ErrRelatedOriginSyntax,
			"https://bücher.de": ErrRelatedOriginSyntax, "https://-a.com": ErrRelatedOriginSyntax, "android:apk-key-hash:abc": ErrRelatedOriginSyntax,
			"https://a..com": ErrRelatedOriginSyntax,
		}},
		{name: "no label", rpID: "example.com", origins: []string{"https://192.0.2.1", "https://[2001:db8::1]:8443", "https://co.uk", "https://github.io", "https://com", "https://xn--bcher-kva.de:8443"},
			want: map[string]error{"https://192.0.2.1": ErrRelatedOriginNoLabel, "https://[2001:db8::1]:8443": ErrRelatedOriginNoLabel,
				"https://co.uk": ErrRelatedOriginNoLabel, "https://github.io": ErrRelatedOriginNoLabel, "https://com": ErrRelatedOriginNoLabel}},
		// Labels are counted per registrable domain: five hosting-platform
		// sites are five labels, a sixth is over budget.
		{name: "private suffixes", rpID: "example.com", origins: []string{"https://a.github.io", "https://b.github.io", "https://c.github.io", "https://d.vercel.app", "https://e.pages.dev", "https://f.web.app"},
			want: map[string]error{"https://f.web.app": ErrRelatedOriginOverBudget}},
		// A caller-supplied Public Suffix List decides the labels.
		{name: "hook", rpID: "example.com", origins: []string{"https://a.example.test", "https://b.example.test"},
			opts: RelatedOriginsOptions{MaxLabels: 1, RegistrableDomain: func(d string) (string, error) { return d, nil }},
			want: map[string]error{"https://b.example.test": ErrRelatedOriginOverBudget}},
		{name: "hook without domain", rpID: "example.com", origins: []string{"https://a.example.test"},
			opts: RelatedOriginsOptions{RegistrableDomain: func(string) (string, error) { return "", errors.New("no") }},
			want: map[string]error{"https://a.example.test": ErrRelatedOriginNoLabel}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRelatedOrigins(tt.rpID, tt.origins, &tt.opts)
			got := map[string]error{}
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var oe *RelatedOriginError
					if errors.As(e, &oe) {
						got[oe.Origin] = oe.Err
					} else {
						got[""] = e
					}
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("errors %v, want %v", got, tt.want)
			}
			for o, want := range tt.want {
				if !errors.Is(got[o], want) {
					t.Errorf("%q: %v, want %v", o, got[o], want)
				}
			}
			if len(tt.want) > 0 {
				for o, want := range tt.want {
					if !errors.Is(err, want) {
						t.Errorf("errors.Is(err, %v) false for %q", want, o)
					}
				}
			}
		})
	}
}

// TestRelatedOriginsNotAccepted: an origin the document lists but the
// RelyingParty does not accept would pass the browser and fail §7.1 step 9.
func TestRelatedOriginsNotAccepted(t *testing.T) {
	rp := &webauthn.RelyingParty{RPID: "example.com", Origins: []string{"https://example.com", "https://example.de"}}
	_, err := NewRelatedOrigins(rp, &RelatedOriginsOptions{Origins: []string{"https://example.de", "https://example.fr"}})
	var oe *RelatedOriginError
	if !errors.Is(err, ErrRelatedOriginNotAllowed) || !errors.As(err, &oe) || oe.Origin != "https://example.fr" {
		t.Fatalf("err = %v", err)
	}
	// Nothing to list: the RP's origins are all its own site.
	rp.Origins = []string{"https://example.com", "https://www.example.com"}
	if _, err := NewRelatedOrigins(rp, nil); !errors.Is(err, ErrRelatedOriginsEmpty) {
		t.Fatalf("err = %v", err)
	}
}

func TestBuiltinRegistrableDomain(t *testing.T) {
	tests := []struct{ host, want string }{
		{"example.com", "example.com"},
		{"www.example.com", "example.com"},
		{"a.b.example.co.uk", "example.co.uk"},
		{"example.co.uk", "example.co.uk"},
		{"shop.example.com.au", "example.com.au"},
		{"alice.github.io", "alice.github.io"},
		{"x.alice.github.io", "alice.github.io"},
		{"uk.com", "uk.com"},
		{"co.uk", ""},
		{"github.io", ""},
		{"com", ""},
		{"localhost", ""},
		{"", ""},
		{"Example.com", ""},
		{"a..com", ""},
	}
	for _, tt := range tests {
		got, err := BuiltinRegistrableDomain(tt.host)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("BuiltinRegistrableDomain(%q) = %q, %v; want %q", tt.host, got, err, tt.want)
		}
	}
	if !slices.IsSorted(builtinSuffixes) {
		t.Error("builtinSuffixes is not sorted")
	}
	for _, s := range builtinSuffixes {
		if !strings.Contains(s, ".") || !validHost(s) {
			t.Errorf("builtin suffix %q is not a multi-label domain name", s)
		}
	}
}

// TestRelatedOriginsLabelBudgetLimit: exactly MinRelatedOriginLabels labels
// pass, one more fails.
func TestRelatedOriginsLabelBudgetLimit(t *testing.T) {
	var origins []string
	for i := range MinRelatedOriginLabels + 1 {
		origins = append(origins, "https://brand"+strconv.Itoa(i)+".com")
	}
	if err := CheckRelatedOrigins("example.com", origins[:MinRelatedOriginLabels], nil); err != nil {
		t.Fatalf("%d labels: %v", MinRelatedOriginLabels, err)
	}
	if err := CheckRelatedOrigins("example.com", origins, nil); !errors.Is(err, ErrRelatedOriginOverBudget) {
		t.Fatalf("%d labels: %v", MinRelatedOriginLabels+1, err)
	}
}
