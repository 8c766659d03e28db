package mds

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

// Limits on what LoadConvenience accepts in one entry; MaxBLOBSize and
// MaxEntries bound the BLOB as for Load.
const (
	// MaxFriendlyNames bounds friendlyNames per entry: one per language a
	// provider is named in, a few dozen at most; it is the most members
	// the strict JSON reader accepts in one object (jsonx.MaxMembers).
	MaxFriendlyNames = jsonx.MaxMembers
	// MaxFriendlyNameSize bounds one name, in bytes: names are trade names
	// shown in a list ("Google Password Manager").
	MaxFriendlyNameSize = 256
	// MaxLanguageTagSize bounds a friendlyNames key: BCP 47 language tags
	// in practice are under 35 characters (RFC 5646 §4.4.1).
	MaxLanguageTagSize = 35
	// MaxIconSize bounds one icon data: URL, in bytes: provider icons are
	// small SVG or PNG images shown beside a passkey; 256 KiB is generous.
	MaxIconSize = 256 << 10
)

// Convenience is a verified FIDO Convenience Metadata Service BLOB: passkey
// provider names and icons by AAGUID, for showing a user their passkeys
// ("iCloud Keychain", "Google Password Manager"). It is display data only,
// never a trust decision: an AAGUID is not attested by a passkey provider,
// so the name says what the authenticator claims to be. It is immutable
// and safe for concurrent use.
type Convenience struct {
	// No is the BLOB serial number; LegalHeader its legalHeader, if any.
	No          int64
	LegalHeader string
	// NextUpdate is the BLOB's nextUpdate, zero when it has none;
	// LoadedAt is LoadOptions.At; Stale reports NextUpdate before LoadedAt
	// (a BLOB without nextUpdate is never Stale, and fails under
	// RejectStale); StaleCRL a CRL past its nextUpdate.
	NextUpdate      time.Time
	LoadedAt        time.Time
	Stale, StaleCRL bool
	// Alg is the JWS alg; Signer the signing chain, leaf first, as verified.
	Alg    string
	Signer []*x509.Certificate
	// Providers are the entries kept, ordered by AAGUID.
	Providers []Provider
	// Skipped are the malformed entries, with the AAGUID member name as ID
	// and Index their position among the AAGUID members.
	Skipped []Skipped

	byAAGUID map[authdata.AAGUID]*Provider
}

// Provider is one Convenience Metadata Service entry: the friendly names
// and icons of the authenticator or passkey provider with an AAGUID.
type Provider struct {
	AAGUID authdata.AAGUID
	// FriendlyNames maps a BCP 47 language tag ("en-US") to the name in
	// that language; never empty.
	FriendlyNames map[string]string
	// Icon is the light-mode icon (member iconLight, or icon), IconDark
	// the dark-mode one, ProviderLogoLight and ProviderLogoDark the
	// provider's logos: data: URLs of PNG, JPEG, WebP or SVG images, as
	// given, or "".
	Icon, IconDark                      string
	ProviderLogoLight, ProviderLogoDark string
}

// Name returns the provider's name in the language lang (a BCP 47 tag such
// as "de-DE"; "" for the default): the exact tag, else the same tag in
// another case, else a tag with the same primary language, else "en-US",
// else any English name, else the name under the first tag in sort order.
func (p *Provider) Name(lang string) string {
	if p == nil {
		return ""
	}
	if n, ok := p.FriendlyNames[lang]; ok && lang != "" {
		return n
	}
	tags := make([]string, 0, len(p.FriendlyNames))
	for t := range p.FriendlyNames {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	primary := func(t string) string { s, _, _ := strings.Cut(t, "-"); return strings.ToLower(s) }
	for _, pick := range []func(string) bool{
		func(t string) bool { return lang != "" && strings.EqualFold(t, lang) },
		func(t string) bool { return lang != "" && primary(t) == primary(lang) },
		func(t string) bool { return t == "en-US" },
		func(t string) bool { return primary(t) == "en" },
		func(string) bool { return true },
	} {
		for _, t := range tags {
			if pick(t) {
				return p.FriendlyNames[t]
			}
		}
	}
	return ""
}

// Lookup returns the provider listed for aaguid, or nil (also for a nil
// Convenience or the all-zero AAGUID). It does not allocate.
func (c *Convenience) Lookup(aaguid authdata.AAGUID) *Provider {
	if c == nil || aaguid.IsZero() {
		return nil
	}
	return c.byAAGUID[aaguid]
}

// ProviderName returns the default (English) name of the provider listed
// for aaguid and its light and dark icons; ok is false when the BLOB does not
// list it.
func (c *Convenience) ProviderName(aaguid authdata.AAGUID) (name, icon, iconDark string, ok bool) {
	p := c.Lookup(aaguid)
	if p == nil {
		return "", "", "", false
	}
	return p.Name(""), p.Icon, p.IconDark, true
}

// LoadConvenience verifies a FIDO Convenience Metadata Service BLOB and
// indexes its entries by AAGUID. The BLOB is trusted exactly as Load trusts
// an MDS3 BLOB, with the same LoadOptions and the same errors: a JWS compact
// serialization whose x5c chains, at opts.At, to the caller's opts.Roots
// (never to a root the BLOB carries), whose leaf is issued to opts.Signer
// (DefaultSigner when empty: set it to the name the convenience service
// signs with, if another), that no opts.CRLs revokes, and whose signature
// verifies; a serial number below opts.MinNo is ErrRollback, and staleness
// is reported (or ErrStale under opts.RejectStale). opts.Policy is unused.
//
// The payload is one JSON object: "no" (the serial number, a non-negative
// integer, required), "nextUpdate" (an ISO 8601 date, optional: reported
// when present), "legalHeader" (optional), and one member per AAGUID (its
// 8-4-4-4-12 hex name) whose value is the entry: "friendlyNames" (an object
// of language tag to name, at least one), and the optional data: URL icons
// "icon" or "iconLight", "iconDark", "providerLogoLight",
// "providerLogoDark". Other members are ignored. The payload is rejected
// (ErrPayload) when it is not strict JSON (jsonx grammar, duplicate names,
// other-case spellings of the names above; entries are judged on their
// own) or lacks no. An entry is skipped, and reported in Skipped with
// ErrMalformedEntry, when it is not a strict JSON object, names an AAGUID an earlier entry names, has no friendlyNames, a
// language tag that is empty or not letters, digits and hyphens, a name
// that is empty or holds control characters, an icon that is not a
// base64 data: URL of a PNG, JPEG, WebP or SVG image, or more than the
// MaxFriendlyNames, MaxFriendlyNameSize, MaxLanguageTagSize or MaxIconSize
// limits.
func LoadConvenience(blob []byte, opts *LoadOptions) (*Convenience, error) {
	sb, o, err := openBLOB(blob, opts)
	if err != nil {
		return nil, err
	}
	var p conveniencePayload
	if err := decodeConvenience(sb.payload, &p); err != nil {
		return nil, err
	}
	if p.no < o.MinNo {
		return nil, fail(ErrRollback, "no", nil)
	}
	c := &Convenience{
		No: p.no, LegalHeader: p.legalHeader, LoadedAt: o.At, StaleCRL: o.staleCRL,
		Alg: sb.alg, Signer: sb.chain,
		byAAGUID: make(map[authdata.AAGUID]*Provider, len(p.entries)),
	}
	if p.nextUpdate != "" {
		next, ok := parseDate(p.nextUpdate)
		if !ok {
			return nil, fail(ErrPayload, "nextUpdate", nil)
		}
		c.NextUpdate, c.Stale = next, next.Before(o.At)
	}
	if o.RejectStale && (c.Stale || c.NextUpdate.IsZero()) {
		return nil, fail(ErrStale, "nextUpdate", nil)
	}
	seen := make(map[authdata.AAGUID]bool, len(p.entries))
	for i, e := range p.entries {
		var pr Provider
		err := parseProvider(e.name, e.raw, &pr)
		if err == nil && seen[pr.AAGUID] {
			err = fail(ErrMalformedEntry, e.name, errDuplicate)
		}
		if err != nil {
			c.Skipped = append(c.Skipped, Skipped{Index: i, ID: e.name, Reason: err})
			continue
		}
		seen[pr.AAGUID] = true
		c.Providers = append(c.Providers, pr)
	}
	sort.Slice(c.Providers, func(i, j int) bool {
		return bytes.Compare(c.Providers[i].AAGUID[:], c.Providers[j].AAGUID[:]) < 0
	})
	for i := range c.Providers {
		c.byAAGUID[c.Providers[i].AAGUID] = &c.Providers[i]
	}
	return c, nil
}

type conveniencePayload struct {
	no                      int64
	nextUpdate, legalHeader string
	entries                 []convenienceEntry
}

type convenienceEntry struct {
	name string
	raw  json.RawMessage
}

var convenienceNames = []string{"no", "nextUpdate", "legalHeader"}

// decodeConvenience reads the payload object: valid UTF-8, one object
// (with one member per provider it may have more members than jsonx
// allows, so it is read with encoding/json), no duplicate or miscased
// member names, every member value strict JSON (jsonx), nothing after it.
// The known members are read by exact name, and every member whose name
// has the form of an AAGUID is kept raw for parseProvider, at most
// MaxEntries of them.
func decodeConvenience(payload []byte, p *conveniencePayload) error {
	bad := func(field string) error { return fail(ErrPayload, field, nil) }
	if !utf8.Valid(payload) {
		return bad("payload")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return bad("payload")
	}
	haveNo := false
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok || seen[key] || miscasedName(key, convenienceNames) {
			return bad("payload")
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return bad(key)
		}
		var a authdata.AAGUID
		isEntry := authdata.ParseAAGUID(key, &a)
		if !isEntry && !jsonx.Valid(raw) {
			return bad(key) // an entry is judged by parseProvider, and skipped
		}
		switch {
		case key == "no":
			// An integer literal: not a string, a fraction or an exponent.
			v, err := strconv.ParseInt(string(raw), 10, 64)
			if err != nil || v < 0 || raw[0] == '+' {
				return bad("no")
			}
			p.no, haveNo = v, true
		case key == "nextUpdate":
			if json.Unmarshal(raw, &p.nextUpdate) != nil || p.nextUpdate == "" {
				return bad("nextUpdate")
			}
		case key == "legalHeader":
			if json.Unmarshal(raw, &p.legalHeader) != nil {
				return bad("legalHeader")
			}
		case isEntry:
			if len(p.entries) == MaxEntries {
				return fail(ErrTooLarge, "entries", nil)
			}
			p.entries = append(p.entries, convenienceEntry{name: key, raw: raw})
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return bad("payload")
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("payload")
	}
	if !haveNo {
		return bad("no")
	}
	return nil
}

type jsonProvider struct {
	FriendlyNames     map[string]json.RawMessage `json:"friendlyNames"`
	Icon              *string                    `json:"icon"`
	IconLight         *string                    `json:"iconLight"`
	IconDark          *string                    `json:"iconDark"`
	ProviderLogoLight *string                    `json:"providerLogoLight"`
	ProviderLogoDark  *string                    `json:"providerLogoDark"`
}

var providerNames = []string{"friendlyNames", "icon", "iconLight", "iconDark", "providerLogoLight", "providerLogoDark"}

var (
	errNoNames     = jsonErr("friendlyNames is missing or empty")
	errLanguageTag = jsonErr("friendlyNames has a key that is not a language tag")
	errName        = jsonErr("a friendly name is empty, too long, or holds control characters")
	errIcon        = jsonErr("not a base64 data: URL of a PNG, JPEG, WebP or SVG image, or too large")
	errNotObject   = jsonErr("entry is not a JSON object")
)

// parseProvider decodes the entry raw under the AAGUID member name into *p.
func parseProvider(name string, raw []byte, p *Provider) error {
	bad := func(field string, cause error) error {
		if field != "" {
			field = name + "." + field
		} else {
			field = name
		}
		return fail(ErrMalformedEntry, field, cause)
	}
	if !authdata.ParseAAGUID(name, &p.AAGUID) {
		return bad("", nil)
	}
	r := jsonx.Reader(raw)
	if r.Peek() != jsonx.KindObject {
		return bad("", errNotObject)
	}
	if !jsonx.Valid(raw) || !exactCase(raw, providerNames) {
		return bad("", errNotJSON)
	}
	var j jsonProvider
	if err := json.Unmarshal(raw, &j); err != nil {
		return bad("", err)
	}
	if len(j.FriendlyNames) == 0 {
		return bad("friendlyNames", errNoNames)
	}
	if len(j.FriendlyNames) > MaxFriendlyNames {
		return bad("friendlyNames", errLimit)
	}
	p.FriendlyNames = make(map[string]string, len(j.FriendlyNames))
	for tag, v := range j.FriendlyNames {
		var s string
		if !languageTag(tag) {
			return bad("friendlyNames", errLanguageTag)
		}
		if json.Unmarshal(v, &s) != nil || !displayName(s) {
			return bad("friendlyNames."+tag, errName)
		}
		p.FriendlyNames[tag] = s
	}
	light := j.IconLight
	if light == nil {
		light = j.Icon
	}
	for _, ic := range []struct {
		field string
		in    *string
		out   *string
	}{
		{"icon", j.Icon, nil}, {"iconLight", light, &p.Icon}, {"iconDark", j.IconDark, &p.IconDark},
		{"providerLogoLight", j.ProviderLogoLight, &p.ProviderLogoLight}, {"providerLogoDark", j.ProviderLogoDark, &p.ProviderLogoDark},
	} {
		if ic.in == nil {
			continue
		}
		if !imageDataURL(*ic.in) {
			return bad(ic.field, errIcon)
		}
		if ic.out != nil {
			*ic.out = *ic.in
		}
	}
	return nil
}

// languageTag reports whether t looks like a BCP 47 language tag: 1 to
// MaxLanguageTagSize ASCII letters, digits and hyphens, starting with a
// letter.
func languageTag(t string) bool {
	if t == "" || len(t) > MaxLanguageTagSize || !(t[0] >= 'a' && t[0] <= 'z' || t[0] >= 'A' && t[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// displayName reports whether s can be shown as a name: non-empty after
// trimming spaces, at most MaxFriendlyNameSize bytes, no C0 or C1 control
// characters and no bidirectional overrides (which could reorder the text
// around it).
func displayName(s string) bool {
	if strings.TrimSpace(s) == "" || len(s) > MaxFriendlyNameSize || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r >= 0x7f && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return false
		}
	}
	return true
}

// iconTypes are the image media types an icon may have.
var iconTypes = []string{"image/png", "image/jpeg", "image/webp", "image/svg+xml"}

// imageDataURL reports whether s is "data:" media-type ";base64," and
// standard base64 (RFC 2397) of at most MaxIconSize bytes in all, the media
// type one of iconTypes: something an <img> shows and nothing a page
// navigates to or runs.
func imageDataURL(s string) bool {
	if len(s) > MaxIconSize {
		return false
	}
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return false
	}
	media, data, ok := strings.Cut(rest, ";base64,")
	if !ok || data == "" {
		return false
	}
	known := false
	for _, t := range iconTypes {
		known = known || strings.EqualFold(media, t)
	}
	if !known {
		return false
	}
	_, err := base64.StdEncoding.Strict().DecodeString(data)
	return err == nil
}
