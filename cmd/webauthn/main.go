// Command webauthn verifies and inspects WebAuthn responses.
//
//	webauthn conformance DIR        run every vector under DIR; ends with "N passed, N failed"
//	webauthn verify [-json] FILE…   verify vector files (format: shared/vectors/SCHEMA.md)
//	webauthn inspect [FILE|-]       decode a response, a vector file or a raw attestationObject
//	webauthn gen DIR                write the project's deterministic vectors into DIR
//	webauthn demo [-addr ADDR]      serve a demo relying party on localhost
//	webauthn mds -mds-root PEM FILE summarise a FIDO MDS3 BLOB
package main

import (
	"fmt"
	"os"
)

const usage = `usage:
  webauthn conformance DIR        run every vector under DIR (trust anchors resolved against DIR)
  webauthn verify [-json] FILE... verify vector files; readable report, or JSON lines with -json
  webauthn inspect [-mds BLOB] [-convenience BLOB] [-mds-root PEM] [FILE|-]
                                  decode a registration/authentication response, a vector file,
                                  or a raw attestationObject (binary or base64url) for a human;
                                  with a metadata BLOB, name the authenticator and its status;
                                  with a Convenience Metadata Service BLOB, the passkey provider
  webauthn mds -mds-root PEM [-at TIME] FILE
                                  summarise a FIDO MDS3 BLOB: entries, statuses, nextUpdate, signature
  webauthn gen DIR                regenerate the project's deterministic vectors into DIR
  webauthn demo [-addr ADDR] [-convenience BLOB -mds-root PEM]
                                  serve a demo relying party on localhost (register, sign in);
                                  with a Convenience Metadata Service BLOB, name passkey providers
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var code int
	switch os.Args[1] {
	case "conformance":
		code = runConformance(os.Args[2:], os.Stdout)
	case "verify":
		code = verify(os.Args[2:], os.Stdout)
	case "inspect":
		code = inspect(os.Args[2:], os.Stdin, os.Stdout)
	case "gen":
		code = gen(os.Args[2:], os.Stdout)
	case "demo":
		code = demo(os.Args[2:], os.Stdout)
	case "mds":
		code = mdsSummary(os.Args[2:], os.Stdout)
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "webauthn: unknown command %q\n%s", os.Args[1], usage)
		code = 2
	}
	os.Exit(code)
}
