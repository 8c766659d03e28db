package webauthnhttp

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/passkeykit/webauthn"
)

// WellKnownPath is where the related origins document is served, on the
// host that is the RP ID (W3C WebAuthn L3 §5.11, RFC 8615):
// https://RPID/.well-known/webauthn.
const WellKnownPath = "/.well-known/webauthn"

// MinRelatedOriginLabels is the label budget a browser checks the document
// against: §5.11 requires clients to support at least five registrable
// origin labels and lets them stop there, so a document that needs more
// works in some browsers only. It is the default of
// RelatedOriginsOptions.MaxLabels.
const MinRelatedOriginLabels = 5

// maxRelatedOrigins bounds the origins of one document: a browser reads at
// most MaxLabels labels' worth of them, and a document of a few kilobytes
// is all a client should be asked to fetch.
const maxRelatedOrigins = 100

// Why a related origins configuration is refused; NewRelatedOrigins and
// CheckRelatedOrigins wrap them in a *RelatedOriginError per origin.
var (
	ErrRelatedOriginsEmpty     = errors.New("webauthnhttp: no related origins (§5.11 asks for one or more)")
	ErrRelatedOriginsTooMany   = errors.New("webauthnhttp: more related origins than a document should hold")
	ErrRelatedOriginsRPID      = errors.New("webauthnhttp: the RP ID is not a domain the document can be served at")
	ErrRelatedOriginSyntax     = errors.New("webauthnhttp: not an https origin as browsers serialize it (scheme://host[:port], lower case, no path, no default port)")
	ErrRelatedOriginNoLabel    = errors.New("webauthnhttp: origin has no registrable origin label (an IP address, a public suffix or a single-label host): browsers skip it")
	ErrRelatedOriginOverBudget = errors.New("webauthnhttp: origin's registrable origin label is beyond the label budget: browsers skip it")
	ErrRelatedOriginNotAllowed = errors.New("webauthnhttp: origin is not in RelyingParty.Origins: browsers would allow it and the relying party refuse it")
)

// RelatedOriginError is a problem with one origin of a related origins
// configuration: the origin and one of the ErrRelatedOrigin… sentinels.
type RelatedOriginError struct {
	Origin string
	Err    error
}

func (e *RelatedOriginError) Error() string { return e.Err.Error() + ": " + e.Origin }

// Unwrap returns the sentinel.
func (e *RelatedOriginError) Unwrap() error { return e.Err }

// RelatedOriginsOptions configures how a related origins document is built
// and checked. The zero value (or nil) checks against
// MinRelatedOriginLabels with the built-in registrable domain rules.
type RelatedOriginsOptions struct {
	// Origins are the origins the document lists, in order (§5.11). Nil
	// means RelatedOriginsOf(rp): RelyingParty.Origins without the RP
	// ID's own site.
	Origins []string
	// MaxLabels is the label budget the document is checked against
	// (§5.11.1 maxLabels); zero means MinRelatedOriginLabels. Browsers
	// may allow more, never fewer than five.
	MaxLabels int
	// RegistrableDomain returns the registrable domain (eTLD+1) of a host
	// name, or an error when it has none: it has the signature of
	// golang.org/x/net/publicsuffix.EffectiveTLDPlusOne, which implements
	// the full Public Suffix List that browsers use; pass it to check
	// origins under any suffix. Nil means BuiltinRegistrableDomain, which
	// knows only a short list of suffixes (see there).
	RegistrableDomain func(domain string) (string, error)
}

// RelatedOrigins is an http.Handler serving the related origins document
// of §5.11, {"origins": [...]}, as application/json. Mount it at
// WellKnownPath on the host that is the RP ID, over HTTPS. It answers GET
// and HEAD; other methods get 405.
type RelatedOrigins struct {
	origins []string
	body    []byte
}

// NewRelatedOrigins builds the related origins document of rp (§5.11) and
// checks it the way a browser will use it, failing with every problem found
// (joined *RelatedOriginError values): an origin that is not an https
// origin in the serialized form browsers put in clientDataJSON; one that
// browsers would skip, having no registrable origin label or a label
// beyond the budget of opts.MaxLabels (the related origins validation
// procedure, §5.11.1); and one missing from
// rp.Origins, which the browser would allow and VerifyRegistration refuse
// (§7.1 step 9, §7.2 step 12). An empty list, more than 100 origins or an
// RP ID that is not a domain name are refused too. opts may be nil.
func NewRelatedOrigins(rp *webauthn.RelyingParty, opts *RelatedOriginsOptions) (*RelatedOrigins, error) {
	var o RelatedOriginsOptions
	if opts != nil {
		o = *opts
	}
	origins := o.Origins
	if origins == nil {
		origins = RelatedOriginsOf(rp)
	}
	errs := checkRelatedOrigins(rp.RPID, origins, &o)
	for _, s := range origins {
		if !contains(rp.Origins, s) {
			errs = append(errs, &RelatedOriginError{Origin: s, Err: ErrRelatedOriginNotAllowed})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	body, err := json.Marshal(struct {
		Origins []string `json:"origins"`
	}{origins})
	if err != nil {
		return nil, err
	}
	return &RelatedOrigins{origins: append([]string(nil), origins...), body: append(body, '\n')}, nil
}

// CheckRelatedOrigins checks a related origins document for the RP ID rpID
// listing origins, as NewRelatedOrigins does, without a RelyingParty: for
// a document served by other means. opts.Origins is not used.
func CheckRelatedOrigins(rpID string, origins []string, opts *RelatedOriginsOptions) error {
	var o RelatedOriginsOptions
	if opts != nil {
		o = *opts
	}
	return errors.Join(checkRelatedOrigins(rpID, origins, &o)...)
}

// Origins returns the origins the document lists, in order.
func (h *RelatedOrigins) Origins() []string { return append([]string(nil), h.origins...) }

// ServeHTTP answers GET and HEAD with the document; browsers fetch it
// without credentials or referrer (§5.11), so it is the same for everyone.
func (h *RelatedOrigins) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(h.body)
	}
}

// RelatedOriginsOf returns rp.Origins that need the related origins
// document (§5.11): the https origins whose host is neither the RP ID nor
// a subdomain of it (those are allowed by the RP ID rules of §5.1.3
// without it). Other origins (android:apk-key-hash:…, http://localhost)
// are left out.
func RelatedOriginsOf(rp *webauthn.RelyingParty) []string {
	var out []string
	for _, s := range rp.Origins {
		host, ok := parseOrigin(s)
		if ok && !sameSite(host, rp.RPID) {
			out = append(out, s)
		}
	}
	return out
}

// checkRelatedOrigins returns the problems of a document for rpID.
func checkRelatedOrigins(rpID string, origins []string, o *RelatedOriginsOptions) []error {
	if !validHost(rpID) || net.ParseIP(rpID) != nil {
		return []error{ErrRelatedOriginsRPID}
	}
	switch {
	case len(origins) == 0:
		return []error{ErrRelatedOriginsEmpty}
	case len(origins) > maxRelatedOrigins:
		return []error{ErrRelatedOriginsTooMany}
	}
	maxLabels := o.MaxLabels
	if maxLabels <= 0 {
		maxLabels = MinRelatedOriginLabels
	}
	registrable := o.RegistrableDomain
	if registrable == nil {
		registrable = BuiltinRegistrableDomain
	}
	var errs []error
	fail := func(s string, err error) { errs = append(errs, &RelatedOriginError{Origin: s, Err: err}) }
	// §5.11.1 steps 3-4, for every origin as the caller: the set of labels
	// seen grows in document order, the same for every caller, so one pass
	// finds the origins a browser skips.
	var labelsSeen []string
	for _, s := range origins {
		host, ok := parseOrigin(s)
		if !ok {
			fail(s, ErrRelatedOriginSyntax)
			continue
		}
		label := originLabel(host, registrable)
		if label == "" {
			fail(s, ErrRelatedOriginNoLabel)
			continue
		}
		seen := contains(labelsSeen, label)
		if len(labelsSeen) >= maxLabels && !seen {
			fail(s, ErrRelatedOriginOverBudget)
			continue
		}
		if !seen {
			labelsSeen = append(labelsSeen, label)
		}
	}
	return errs
}

// parseOrigin returns the host of s when s is an https origin serialized
// as browsers serialize it (the form of clientData.origin): "https://"
// host [":" port], host a lower-case ASCII domain name or an IP literal, no
// default port, nothing after.
func parseOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	// Anything but scheme and host (user info, a path, even "/", a query,
	// a fragment) makes the text differ from the serialization.
	if err != nil || u.Scheme != "https" || u.Host == "" || "https://"+u.Host != s {
		return "", false
	}
	host, port := u.Hostname(), u.Port()
	if strings.HasSuffix(u.Host, ":") || port != "" && !validPort(port) {
		return "", false
	}
	if ip := net.ParseIP(host); ip != nil {
		return host, true
	}
	return host, validHost(host)
}

// validPort reports whether p is a port as browsers serialize it: 1-65535
// without leading zeros, and not 443, the default that serialization drops.
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n <= 65535 && n != 443 && strconv.Itoa(n) == p
}

// validHost reports whether h is a lower-case ASCII domain name: labels
// of letters, digits and hyphens, none empty or longer than 63 bytes (RFC
// 1035 §2.3.4), 253 bytes in all. Internationalized names must be given in
// their A-label (punycode) form, as browsers serialize them.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for l := range strings.SplitSeq(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// sameSite reports whether host is rpID or a subdomain of it: an origin
// the RP ID is valid for without related origins (§5.1.3).
func sameSite(host, rpID string) bool {
	return host == rpID || strings.HasSuffix(host, "."+rpID)
}

// originLabel is the registrable origin label of host (§4): the first
// label of its registrable domain, or "" when it has none.
func originLabel(host string, registrable func(string) (string, error)) string {
	if net.ParseIP(host) != nil {
		return ""
	}
	d, err := registrable(host)
	if err != nil || d == "" {
		return ""
	}
	label, _, _ := strings.Cut(d, ".")
	return label
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
