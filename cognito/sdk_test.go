package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/passkeykit/webauthn"
)

// The AWS SDK for Go v2 drives the endpoint: the same flow as the Node
// suite, and every CompleteWebAuthnRegistration fault decoded into the
// SDK's typed error.

// sdkClient returns an SDK client of h served over HTTP, with dummy
// credentials (SigV4 is computed by the SDK and ignored by the endpoint)
// and no retries.
func sdkClient(t *testing.T, h *harness, appID string) *cip.Client {
	ts := httptest.NewServer(h.srv)
	t.Cleanup(ts.Close)
	return cip.New(cip.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(ts.URL),
		RetryMaxAttempts: 1,
		AppID:            appID,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLOCAL", SecretAccessKey: "local"}, nil
		}),
	})
}

// docOf turns a JSON object into the SDK's document type.
func docOf(t *testing.T, raw json.RawMessage) document.Interface {
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return document.NewLazyDocument(v)
}

func TestGoSDKFlow(t *testing.T) {
	h := newHarness(t, nil)
	c := sdkClient(t, h, "")
	ctx := context.Background()
	up, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(mainClient), Username: aws.String("alice"), Password: aws.String(testPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@example.com")}}})
	if err != nil || up.UserConfirmed || len(aws.ToString(up.UserSub)) != 36 {
		t.Fatalf("SignUp: %+v %v", up, err)
	}
	if _, err := c.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(mainPool), Username: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	auth, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(mainClient), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": testPassword}})
	if err != nil || auth.AuthenticationResult == nil {
		t.Fatalf("InitiateAuth: %+v %v", auth, err)
	}
	tok := auth.AuthenticationResult.AccessToken
	me, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: tok})
	if err != nil || aws.ToString(me.Username) != "alice" {
		t.Fatalf("GetUser: %+v %v", me, err)
	}
	// StartWebAuthnRegistration lists WebAuthnConfigurationMissingException:
	// the Go SDK decodes it into its type there.
	norp, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String("norpclient"), Username: aws.String("bob"), Password: aws.String(testPassword)})
	if err != nil || norp == nil {
		t.Fatal(err)
	}
	h.ok("AdminConfirmSignUp", map[string]any{"UserPoolId": "us-east-1_NoRP1", "Username": "bob"}, nil)
	_, err = c.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: aws.String(h.login("norpclient", "bob").AccessToken)})
	if !sdkErrorIs(err, webauthn.ExceptionConfigurationMissing) {
		t.Fatalf("Start on a pool without RP ID: %v", err)
	}
	start, err := c.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	var opts map[string]any
	if err := start.CredentialCreationOptions.UnmarshalSmithyDocument(&opts); err != nil {
		t.Fatal(err)
	}
	optsJSON, _ := json.Marshal(opts)
	a := newAuthenticator(t)
	if _, err := c.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: tok,
		Credential: docOf(t, a.register(t, optsJSON, ceremonyParams{origin: testOrigin}))}); err != nil {
		t.Fatalf("CompleteWebAuthnRegistration: %v", err)
	}
	list, err := c.ListWebAuthnCredentials(ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: tok, MaxResults: aws.Int32(20)})
	if err != nil || len(list.Credentials) != 1 || aws.ToString(list.Credentials[0].CredentialId) != b64u(a.id) ||
		!list.Credentials[0].CreatedAt.Equal(h.clock.Now()) || aws.ToString(list.Credentials[0].RelyingPartyId) != testRPID {
		t.Fatalf("List: %+v %v", list, err)
	}
	init, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(mainClient), AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PREFERRED_CHALLENGE": "WEB_AUTHN"}})
	if err != nil || init.ChallengeName != types.ChallengeNameTypeWebAuthn {
		t.Fatalf("USER_AUTH: %+v %v", init, err)
	}
	done, err := c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(mainClient), ChallengeName: types.ChallengeNameTypeWebAuthn,
		Session: init.Session, ChallengeResponses: map[string]string{"USERNAME": "alice",
			"CREDENTIAL": a.assert(t, init.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], ceremonyParams{origin: testOrigin}, 1)}})
	if err != nil || done.AuthenticationResult == nil || aws.ToString(done.AuthenticationResult.AccessToken) == "" {
		t.Fatalf("RespondToAuthChallenge: %+v %v", done, err)
	}
	if _, err := c.DeleteWebAuthnCredential(ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: tok, CredentialId: aws.String(b64u(a.id))}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteWebAuthnCredential(ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: tok, CredentialId: aws.String(b64u(a.id))})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("second delete: %v", err)
	}
}

// sdkErrorIs reports whether err is the SDK's typed error for exception.
func sdkErrorIs(err error, exception string) bool {
	switch exception {
	case ExceptionForbidden:
		var e *types.ForbiddenException
		return errors.As(err, &e)
	case webauthn.ExceptionInternalError:
		var e *types.InternalErrorException
		return errors.As(err, &e)
	case webauthn.ExceptionInvalidParameter:
		var e *types.InvalidParameterException
		return errors.As(err, &e)
	case webauthn.ExceptionLimitExceeded:
		var e *types.LimitExceededException
		return errors.As(err, &e)
	case webauthn.ExceptionNotAuthorized:
		var e *types.NotAuthorizedException
		return errors.As(err, &e)
	case webauthn.ExceptionTooManyRequests:
		var e *types.TooManyRequestsException
		return errors.As(err, &e)
	case webauthn.ExceptionNotEnabled:
		var e *types.WebAuthnNotEnabledException
		return errors.As(err, &e)
	case webauthn.ExceptionChallengeNotFound:
		var e *types.WebAuthnChallengeNotFoundException
		return errors.As(err, &e)
	case webauthn.ExceptionRelyingPartyMismatch:
		var e *types.WebAuthnRelyingPartyMismatchException
		return errors.As(err, &e)
	case webauthn.ExceptionClientMismatch:
		var e *types.WebAuthnClientMismatchException
		return errors.As(err, &e)
	case webauthn.ExceptionOriginNotAllowed:
		var e *types.WebAuthnOriginNotAllowedException
		return errors.As(err, &e)
	case webauthn.ExceptionCredentialNotSupported:
		var e *types.WebAuthnCredentialNotSupportedException
		return errors.As(err, &e)
	case webauthn.ExceptionConfigurationMissing:
		var e *types.WebAuthnConfigurationMissingException
		return errors.As(err, &e)
	case ExceptionPasswordResetRequired:
		var e *types.PasswordResetRequiredException
		return errors.As(err, &e)
	case ExceptionOperationNotEnabled:
		var e *types.OperationNotEnabledException
		return errors.As(err, &e)
	}
	return false
}

func TestGoSDKCompleteExceptions(t *testing.T) {
	for _, tc := range completeFaults {
		t.Run(tc.exception+"/"+tc.fault, func(t *testing.T) {
			h := newHarness(t, tc.store)
			in, header := tc.run(t, h)
			cred, ok := in["Credential"].(json.RawMessage)
			if !ok {
				// The SDK validates required members itself and never sends
				// the request (the HTTP test covers the endpoint's answer).
				t.Skip("Credential absent: refused by the SDK's own validation")
			}
			appID := ""
			if len(header) == 2 && header[0] == "User-Agent" {
				appID = header[1][:strings.IndexByte(header[1], '/')]
			}
			c := sdkClient(t, h, appID)
			_, err := c.CompleteWebAuthnRegistration(context.Background(), &cip.CompleteWebAuthnRegistrationInput{
				AccessToken: aws.String(in["AccessToken"].(string)), Credential: docOf(t, cred)})
			if tc.exception == webauthn.ExceptionConfigurationMissing {
				// The service model lists WebAuthnConfigurationMissingException
				// for StartWebAuthnRegistration only; the Go SDK decodes an
				// operation's own errors into types and any other into a
				// generic smithy.APIError carrying the code (the JS SDK,
				// whose error registry is service-wide, raises the class).
				var ae smithy.APIError
				if sdkErrorIs(err, tc.exception) || !errors.As(err, &ae) || ae.ErrorCode() != tc.exception {
					t.Fatalf("got %T %v, want a generic APIError %s", err, err, tc.exception)
				}
			} else if !sdkErrorIs(err, tc.exception) {
				t.Fatalf("got %T %v, want the SDK's %s", err, err, tc.exception)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != StatusOf(tc.exception) {
				t.Fatalf("status: %v", err)
			}
		})
	}
}
