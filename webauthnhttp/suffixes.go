package webauthnhttp

import (
	"errors"
	"slices"
	"strings"
)

// errNoRegistrableDomain is BuiltinRegistrableDomain's answer for a host
// that is itself a public suffix, or not a domain name.
var errNoRegistrableDomain = errors.New("webauthnhttp: host has no registrable domain")

// BuiltinRegistrableDomain returns the registrable domain of a lower-case
// host name (the URL Standard's "registrable domain": its public suffix
// and one more label), or an error when the host is a public suffix
// itself or not a domain name. It is the Public Suffix List algorithm over
// a short built-in rule set: the default rule (the last label is a public
// suffix) and the multi-label suffixes in builtinSuffixes, the second-level
// registries of common country-code domains (co.uk, com.au, co.jp, …) and
// a few hosting platforms that are listed as private suffixes (github.io,
// vercel.app, …).
//
// Limitation: the standard library has no copy of the Public Suffix List,
// and this package depends on nothing outside it for this. A host under a
// multi-label public suffix missing from the built-in set gets a wrong
// registrable domain (example.gov.xx reads as registrable domain gov.xx,
// label "gov"), so label counting can differ from a browser's. Deployments
// whose origins use other suffixes set
// RelatedOriginsOptions.RegistrableDomain to
// golang.org/x/net/publicsuffix.EffectiveTLDPlusOne, the full list.
func BuiltinRegistrableDomain(host string) (string, error) {
	if !validHost(host) {
		return "", errNoRegistrableDomain
	}
	// The longest matching rule wins; with none, the default rule "*".
	suffix := host
	for !isBuiltinSuffix(suffix) {
		i := strings.IndexByte(suffix, '.')
		if i < 0 {
			break
		}
		suffix = suffix[i+1:]
	}
	if suffix == host {
		return "", errNoRegistrableDomain
	}
	prefix := host[:len(host)-len(suffix)-1]
	return host[strings.LastIndexByte(prefix, '.')+1:], nil
}

func isBuiltinSuffix(s string) bool {
	_, found := slices.BinarySearch(builtinSuffixes, s)
	return found
}

// builtinSuffixes are the multi-label public suffixes BuiltinRegistrableDomain
// knows, sorted (a test keeps them so). One-label suffixes (top-level
// domains) need no entry: the default rule covers them.
var builtinSuffixes = []string{
	"ac.jp", "ac.nz", "ac.uk", "ac.za",
	"appspot.com", "azurewebsites.net",
	"blogspot.com",
	"cloudfront.net",
	"co.at", "co.id", "co.il", "co.in", "co.jp", "co.ke", "co.kr", "co.nz", "co.th", "co.uk", "co.za",
	"com.ar", "com.au", "com.br", "com.cn", "com.co", "com.eg", "com.hk", "com.mx", "com.my", "com.ng",
	"com.pe", "com.ph", "com.pk", "com.pl", "com.sa", "com.sg", "com.tr", "com.tw", "com.ua", "com.vn",
	"edu.au", "edu.cn",
	"firebaseapp.com",
	"github.io", "gitlab.io",
	"go.jp",
	"gov.au", "gov.cn", "gov.uk",
	"herokuapp.com",
	"ltd.uk",
	"me.uk",
	"ne.jp",
	"net.au", "net.br", "net.cn", "net.in", "net.nz",
	"netlify.app",
	"or.jp",
	"org.au", "org.br", "org.cn", "org.in", "org.nz", "org.uk",
	"pages.dev",
	"plc.uk",
	"vercel.app",
	"web.app",
	"workers.dev",
}
