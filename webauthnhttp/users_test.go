package webauthnhttp_test

import (
	"testing"

	"github.com/passkeykit/webauthn/internal/userstoretest"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

func TestMemUsersConformance(t *testing.T) {
	userstoretest.Run(t, func(*testing.T) userstoretest.Store { return &webauthnhttp.MemUsers{} })
}
