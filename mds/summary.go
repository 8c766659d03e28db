package mds

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// Summary describes a loaded index for humans (the command's "mds info"):
// serial number, nextUpdate and staleness, the signature verdict (alg and
// signing chain subjects, which Load verified), entry counts by kind, the
// count of current statuses at load time, and the skipped entries with their
// reasons. Lines are "key: value", sorted where the order is not meaningful.
func Summary(idx *Index) string {
	if idx == nil {
		return "mds: no index\n"
	}
	var b strings.Builder
	line := func(k, v string) { b.WriteString(k + ": " + v + "\n") }
	line("no", strconv.FormatInt(idx.No, 10))
	next := idx.NextUpdate.Format(time.DateOnly)
	if idx.Stale {
		next += " (STALE at " + idx.LoadedAt.UTC().Format(time.RFC3339) + ")"
	}
	line("nextUpdate", next)
	sig := "verified " + idx.Alg + " by"
	for i, c := range idx.Signer {
		if i > 0 {
			sig += " <-"
		}
		sig += " " + c.Subject.CommonName
	}
	line("signature", sig)
	if idx.StaleCRL {
		line("crl", "STALE (past nextUpdate; revocations applied)")
	}
	var fido2, u2f, uaf int
	counts := map[string]int{}
	for i := range idx.Entries {
		e := &idx.Entries[i]
		switch {
		case e.HasAAGUID:
			fido2++
		case len(e.KeyIDs) != 0:
			u2f++
		default:
			uaf++
		}
		name := "(none applicable)"
		if r := e.StatusAt(idx.LoadedAt); r != nil {
			name = r.Name
		}
		counts[name]++
	}
	line("entries", strconv.Itoa(len(idx.Entries))+" (aaguid "+strconv.Itoa(fido2)+", u2f key ids "+strconv.Itoa(u2f)+", uaf only "+strconv.Itoa(uaf)+")")
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		line("status "+k, strconv.Itoa(counts[k]))
	}
	line("skipped", strconv.Itoa(len(idx.Skipped)))
	for _, s := range idx.Skipped {
		line("  entries["+strconv.Itoa(s.Index)+"] "+s.ID, s.Reason.Error())
	}
	return b.String()
}
