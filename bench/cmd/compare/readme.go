package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// readmeTable prints the README's benchmark table from res: one row per
// vector, cells "median time / median allocs", and the per-round median
// ratios cold/go-webauthn, cold/go-webauthn+anchors, warm/go-webauthn and
// cold/floor ("—" where a side did not run or rejected the vector).
func readmeTable(res results) {
	fmt.Printf("### README table\n\n")
	fmt.Printf("| vector | ours (cold) | ours (warm) | go-webauthn | go-webauthn + same anchors | floor | cold/gw | cold/gw+anchors | warm/gw | cold/floor |\n")
	fmt.Printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var keys []string
	for name := range res {
		parts := strings.Split(name, "/")
		if len(parts) == 3 && parts[2] == "ours" {
			keys = append(keys, parts[0]+"/"+parts[1])
		}
	}
	// Authentications first, then registrations, each by vector name.
	slices.SortFunc(keys, func(a, b string) int {
		if c := strings.Compare(a[:strings.Index(a, "/")], b[:strings.Index(b, "/")]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, key := range keys {
		ceremony, vec, _ := strings.Cut(key, "/")
		tag := "reg"
		if ceremony == "BenchmarkAuthentication" {
			tag = "auth"
		}
		vec = strings.TrimSuffix(strings.TrimSuffix(vec, "-registration"), "-authentication")
		cellOf := func(side string) string {
			ss := res[key+"/"+side]
			if len(ss) == 0 {
				return "—"
			}
			return usCell(statOf(field(ss, nsOf)).med) + " / " + fmtNs(statOf(field(ss, allocOf)).med)
		}
		gw := cellOf("go-webauthn")
		if gw == "—" {
			gw = "rejects"
		}
		ratioOf := func(a, b string) string {
			x, y := res[key+"/"+a], res[key+"/"+b]
			if len(x) == 0 || len(y) == 0 {
				return "—"
			}
			return fmtRatio(statOf(ratios(x, y)).med)
		}
		fmt.Printf("| %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", vec, tag,
			cellOf("ours"), cellOf("ours-warm"), gw, cellOf("go-webauthn-mds"), cellOf("floor"),
			ratioOf("ours", "go-webauthn"), ratioOf("ours", "go-webauthn-mds"), ratioOf("ours-warm", "go-webauthn"),
			ratioOf("ours", "floor"))
	}
	fmt.Println()
}

// usCell formats nanoseconds as microseconds: one decimal below 100 µs.
func usCell(ns float64) string {
	us := ns / 1000
	if us < 100 {
		return strconv.FormatFloat(us, 'f', 1, 64) + " µs"
	}
	return strconv.FormatFloat(us, 'f', 0, 64) + " µs"
}
