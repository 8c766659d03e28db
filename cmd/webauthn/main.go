// Command webauthn verifies and inspects WebAuthn responses.
//
//	webauthn conformance DIR        run every vector under DIR; ends with "N passed, N failed"
//	webauthn verify [-json] FILE…   verify vector files (the format of testdata/vectors)
//	webauthn inspect [-mds BLOB] [-convenience BLOB] [-mds-root PEM [-mds-signer NAME]] [-rpid ID] [-appid URL] [FILE|-]
//	                                decode a response, a vector file or a raw attestationObject
//	                                (-rpid, -appid: whose hash rpIdHash is)
//	webauthn demo [-addr ADDR] [-appid URL] [-convenience BLOB -mds-root PEM]
//	                                serve a demo relying party on localhost
//	webauthn mds -mds-root PEM [-mds-signer NAME] FILE
//	                                summarise a FIDO MDS3 BLOB signed by NAME (default mds.fidoalliance.org)
package main

import (
	"fmt"
	"os"
)

const usage = `usage:
  webauthn conformance DIR        run every vector under DIR (trust anchors resolved against DIR)
  webauthn verify [-json] FILE... verify vector files; readable report, or JSON lines with -json
  webauthn inspect [-mds BLOB] [-convenience BLOB] [-mds-root PEM [-mds-signer NAME]] [-rpid ID] [-appid URL] [FILE|-]
                                  decode a registration/authentication response, a vector file,
                                  or a raw attestationObject (binary or base64url) for a human;
                                  with a metadata BLOB, name the authenticator and its status;
                                  with a Convenience Metadata Service BLOB, the passkey provider;
                                  say whether rpIdHash is the RP ID's or the FIDO AppID's
  webauthn mds -mds-root PEM [-mds-signer NAME] [-at TIME] FILE
                                  summarise a FIDO MDS3 BLOB: entries, statuses, nextUpdate, signature;
                                  the BLOB must be signed by NAME (default mds.fidoalliance.org,
                                  the FIDO production service; the conformance tool's test BLOBs
                                  need their own signer's name)
  webauthn demo [-addr ADDR] [-attestation PREF] [-appid URL] [-convenience BLOB -mds-root PEM]
                                  serve a demo relying party on localhost (register, sign in);
                                  -appid sends the FIDO AppID extensions; with a Convenience
                                  Metadata Service BLOB, name passkey providers
  webauthn conformance-server [-addr ADDR -rpid ID -origin URL -mds FILE|URL -mds-root PEM ...]
                                  serve the FIDO Conformance Test API for the FIDO Conformance Tools (-h: every flag)
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
	case "demo":
		code = demo(os.Args[2:], os.Stdout)
	case "conformance-server":
		code = conformanceServer(os.Args[2:], os.Stdout)
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
