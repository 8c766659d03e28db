package webauthnhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

// ExampleNewRelatedOrigins serves the related origins document (§5.11) of
// an RP ID used by three brands: the origins outside the RP ID's own site
// are listed, checked against the browsers' label budget at start-up.
func ExampleNewRelatedOrigins() {
	rp := &webauthn.RelyingParty{
		RPID:    "example.com",
		Origins: []string{"https://example.com", "https://example.co.uk", "https://examplecars.com"},
	}
	doc, err := webauthnhttp.NewRelatedOrigins(rp, nil)
	if err != nil {
		fmt.Println("configuration:", err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle(webauthnhttp.WellKnownPath, doc) // on https://example.com

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", webauthnhttp.WellKnownPath, nil))
	body, _ := io.ReadAll(w.Result().Body)
	fmt.Print(w.Header().Get("Content-Type"), " ", string(body))
	// Output: application/json {"origins":["https://example.co.uk","https://examplecars.com"]}
}
