// Package demo is the page of `webauthn demo`: one static HTML file with a
// little JavaScript (no build step) that registers a passkey and signs in with
// it against the JSON endpoints of webauthn.Handler — the library's
// Lifecycle Start/Complete flow over net/http — and shows what the library
// verified, or the error with its exception name and reason.
package demo

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Static is the page and its script, rooted at the directory holding index.html.
var Static, _ = fs.Sub(static, "static")

// Mux serves the page at "/" and api (a *webauthn.Handler with the default
// "/webauthn" prefix) under "/webauthn/".
func Mux(api http.Handler) http.Handler {
	m := http.NewServeMux()
	m.Handle("/webauthn/", api)
	files := http.FileServerFS(Static)
	m.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
		files.ServeHTTP(w, r)
	}))
	return m
}
