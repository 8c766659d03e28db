// The official AWS SDK for JavaScript v3 drives cognito-local: sign-up,
// tokens, passkey registration by a software authenticator, listing,
// passkey sign-in through USER_AUTH, deletion, and every exception
// CompleteWebAuthnRegistration can raise, each checked to be the SDK's own
// typed exception class.
import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { after, before, describe, test } from "node:test";

import {
  AdminConfirmSignUpCommand,
  AdminResetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CognitoIdentityProviderServiceException,
  CompleteWebAuthnRegistrationCommand,
  DeleteWebAuthnCredentialCommand,
  ForbiddenException,
  GetUserCommand,
  InitiateAuthCommand,
  InternalErrorException,
  InvalidParameterException,
  LimitExceededException,
  ListWebAuthnCredentialsCommand,
  NotAuthorizedException,
  OperationNotEnabledException,
  PasswordResetRequiredException,
  ResourceNotFoundException,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  StartWebAuthnRegistrationCommand,
  TooManyRequestsException,
  WebAuthnChallengeNotFoundException,
  WebAuthnClientMismatchException,
  WebAuthnConfigurationMissingException,
  WebAuthnCredentialNotSupportedException,
  WebAuthnNotEnabledException,
  WebAuthnOriginNotAllowedException,
  WebAuthnRelyingPartyMismatchException,
} from "@aws-sdk/client-cognito-identity-provider";

import { Authenticator, FLAG_UP } from "./authenticator.mjs";
import { startPostgres, startServer } from "./server.mjs";

const RP_ID = "localhost";
const ORIGIN = "http://localhost:3000";
const PASSWORD = "Correct-Horse-1";
const MAIN = { pool: "us-east-1_Main1", client: "mainclient" };

const webauthn = (over = {}) => ({ enabled: true, rp_id: RP_ID, origins: [ORIGIN], user_verification: "preferred", max_passkeys_per_user: 3, ...over });
const config = {
  pools: [
    { id: MAIN.pool, client_ids: [MAIN.client, "otherclient"], webauthn: webauthn() },
    { id: "us-east-1_Off1", client_ids: ["offclient"], webauthn: webauthn({ enabled: false }) },
    { id: "us-east-1_NoRP1", client_ids: ["norpclient"], webauthn: webauthn({ rp_id: "" }) },
    { id: "us-east-1_Replica1", client_ids: ["replicaclient"], webauthn: webauthn(), replica: true },
    { id: "us-east-1_Waf1", client_ids: ["wafclient"], webauthn: webauthn(), waf: { block_user_agents: ["BadBot"] } },
    { id: "us-east-1_Slow1", client_ids: ["slowclient"], webauthn: webauthn(), rate_limit: { per_second: 0.001, burst: 2 } },
    { id: "us-east-1_UV1", client_ids: ["uvclient"], webauthn: webauthn({ user_verification: "required" }) },
  ],
};
const poolOf = (client) => config.pools.find((p) => p.client_ids.includes(client)).id;

let server;
// sdk returns a client of the official SDK pointed at url, with dummy
// credentials (the endpoint ignores SigV4) and no retries, so that each
// exception is the answer to exactly one request.
function sdk(url, extra = {}) {
  return new CognitoIdentityProviderClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
    maxAttempts: 1,
    ...extra,
  });
}
let client;

before(async () => {
  server = await startServer(config);
  client = sdk(server.url);
});
after(async () => {
  client?.destroy();
  await server?.stop();
});

let userSeq = 0;
// newUser signs up, confirms and signs in a fresh user of the pool of
// appClient; it returns the username and the tokens.
async function newUser(appClient = MAIN.client, c = client) {
  const username = `user${++userSeq}`;
  const up = await c.send(new SignUpCommand({ ClientId: appClient, Username: username, Password: PASSWORD, UserAttributes: [{ Name: "email", Value: `${username}@example.com` }] }));
  assert.equal(up.UserConfirmed, false);
  assert.match(up.UserSub, /^[0-9a-f-]{36}$/);
  await c.send(new AdminConfirmSignUpCommand({ UserPoolId: poolOf(appClient), Username: username }));
  const tokens = await login(appClient, username, c);
  return { username, token: tokens.AccessToken, tokens, sub: up.UserSub };
}

async function login(appClient, username, c = client) {
  const out = await c.send(new InitiateAuthCommand({ ClientId: appClient, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: username, PASSWORD } }));
  assert.equal(out.AuthenticationResult.TokenType, "Bearer");
  return out.AuthenticationResult;
}

async function startRegistration(token, c = client) {
  const out = await c.send(new StartWebAuthnRegistrationCommand({ AccessToken: token }));
  return out.CredentialCreationOptions;
}

async function register(token, authenticator = new Authenticator(), opts = {}, c = client) {
  const options = await startRegistration(token, c);
  await c.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: token, Credential: authenticator.create(options, { origin: ORIGIN, ...opts }) }));
  return authenticator;
}

// rejectsWith checks that promise fails with the SDK's exception class and
// the HTTP status Cognito gives it.
async function rejectsWith(promise, Exception, status = 400) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Exception, `${err?.name} (${err?.message}) is not an instance of ${Exception.name}`);
    assert.ok(err instanceof CognitoIdentityProviderServiceException);
    assert.equal(err.name, Exception.name);
    assert.equal(err.$metadata.httpStatusCode, status);
    return true;
  });
}

function decodeJwt(token) {
  const [h, p] = token.split(".");
  return { header: JSON.parse(Buffer.from(h, "base64url")), payload: JSON.parse(Buffer.from(p, "base64url")) };
}

describe("passkey flow through the AWS SDK", () => {
  test("sign up, register passkeys, list, sign in with USER_AUTH, delete", async () => {
    const { username, token, tokens, sub } = await newUser();

    // The access token: Cognito's claims, verifiable with the pool's JWKS.
    const { header, payload } = decodeJwt(token);
    assert.equal(header.alg, "ES256");
    assert.equal(payload.iss, `${server.url}/${MAIN.pool}`);
    assert.equal(payload.token_use, "access");
    assert.equal(payload.client_id, MAIN.client);
    assert.equal(payload.username, username);
    assert.equal(payload.sub, sub);
    assert.ok(payload.scope.split(" ").includes("aws.cognito.signin.user.admin"));
    assert.ok(payload.exp > payload.iat);
    const jwks = await (await fetch(`${payload.iss}/.well-known/jwks.json`)).json();
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    const [h, p, s] = token.split(".");
    assert.ok(verify("sha256", Buffer.from(`${h}.${p}`), { key: createPublicKey({ key: jwk, format: "jwk" }), dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url")));
    assert.equal(decodeJwt(tokens.IdToken).payload["cognito:username"], username);

    const me = await client.send(new GetUserCommand({ AccessToken: token }));
    assert.equal(me.Username, username);
    assert.deepEqual(me.UserAttributes.find((a) => a.Name === "sub").Value, sub);

    // StartWebAuthnRegistration: Cognito's creation options.
    const options = await startRegistration(token);
    assert.deepEqual(options.rp, { id: RP_ID, name: RP_ID });
    assert.equal(Buffer.from(options.user.id, "base64url").toString(), sub);
    assert.equal(options.user.name, username);
    assert.deepEqual(options.pubKeyCredParams, [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }]);
    assert.deepEqual(options.excludeCredentials, []);
    assert.deepEqual(options.authenticatorSelection, { residentKey: "required", requireResidentKey: true, userVerification: "preferred" });
    assert.equal(options.attestation, undefined);
    assert.equal(Buffer.from(options.challenge, "base64url").length, 32);

    // Register a passkey ("none" attestation) and a second one (packed self
    // attestation, Google Password Manager's AAGUID).
    const first = new Authenticator({ counter: 1 });
    await client.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: token, Credential: first.create(options, { origin: ORIGIN }) }));
    const gpm = Buffer.from("ea9b8d664d011d213ce4b6b48cb575d4", "hex");
    const second = await register(token, new Authenticator({ aaguid: gpm }), { format: "packed" });
    const again = await startRegistration(token);
    assert.deepEqual(again.excludeCredentials.map((c) => c.id).sort(), [first.credentialId, second.credentialId].sort());

    // ListWebAuthnCredentials, one per page.
    const page1 = await client.send(new ListWebAuthnCredentialsCommand({ AccessToken: token, MaxResults: 1 }));
    assert.equal(page1.Credentials.length, 1);
    assert.ok(page1.NextToken);
    const page2 = await client.send(new ListWebAuthnCredentialsCommand({ AccessToken: token, MaxResults: 1, NextToken: page1.NextToken }));
    assert.equal(page2.Credentials.length, 1);
    assert.equal(page2.NextToken, undefined);
    const listed = [...page1.Credentials, ...page2.Credentials];
    assert.deepEqual(listed.map((c) => c.CredentialId).sort(), [first.credentialId, second.credentialId].sort());
    const gpmEntry = listed.find((c) => c.CredentialId === second.credentialId);
    assert.equal(gpmEntry.FriendlyCredentialName, "Google Password Manager");
    assert.equal(gpmEntry.RelyingPartyId, RP_ID);
    assert.equal(gpmEntry.AuthenticatorAttachment, "platform");
    assert.deepEqual(gpmEntry.AuthenticatorTransports, ["hybrid", "internal"]);
    assert.ok(gpmEntry.CreatedAt instanceof Date && Math.abs(gpmEntry.CreatedAt - Date.now()) < 60_000);
    await rejectsWith(client.send(new ListWebAuthnCredentialsCommand({ AccessToken: token, MaxResults: 21 })), InvalidParameterException);

    // Sign in: USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN.
    const init = await client.send(new InitiateAuthCommand({ ClientId: MAIN.client, AuthFlow: "USER_AUTH", AuthParameters: { USERNAME: username, PREFERRED_CHALLENGE: "WEB_AUTHN" } }));
    assert.equal(init.ChallengeName, "WEB_AUTHN");
    assert.ok(init.Session.length >= 20);
    const req = JSON.parse(init.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS);
    assert.equal(req.rpId, RP_ID);
    assert.deepEqual(req.allowCredentials.map((c) => c.id).sort(), [first.credentialId, second.credentialId].sort());
    const done = await client.send(new RespondToAuthChallengeCommand({ ClientId: MAIN.client, ChallengeName: "WEB_AUTHN", Session: init.Session,
      ChallengeResponses: { USERNAME: username, CREDENTIAL: JSON.stringify(first.get(req, { origin: ORIGIN })) } }));
    assert.ok(done.AuthenticationResult.AccessToken && done.AuthenticationResult.IdToken && done.AuthenticationResult.RefreshToken);
    assert.equal((await client.send(new GetUserCommand({ AccessToken: done.AuthenticationResult.AccessToken }))).Username, username);

    // Sign in: SELECT_CHALLENGE, answered WEB_AUTHN, with the second passkey.
    const sel = await client.send(new InitiateAuthCommand({ ClientId: MAIN.client, AuthFlow: "USER_AUTH", AuthParameters: { USERNAME: username } }));
    assert.equal(sel.ChallengeName, "SELECT_CHALLENGE");
    assert.deepEqual(sel.AvailableChallenges, ["PASSWORD", "WEB_AUTHN"]);
    const wa = await client.send(new RespondToAuthChallengeCommand({ ClientId: MAIN.client, ChallengeName: "SELECT_CHALLENGE", Session: sel.Session,
      ChallengeResponses: { USERNAME: username, ANSWER: "WEB_AUTHN" } }));
    assert.equal(wa.ChallengeName, "WEB_AUTHN");
    const done2 = await client.send(new RespondToAuthChallengeCommand({ ClientId: MAIN.client, ChallengeName: "WEB_AUTHN", Session: wa.Session,
      ChallengeResponses: { USERNAME: username, CREDENTIAL: JSON.stringify(second.get(JSON.parse(wa.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS), { origin: ORIGIN, step: 0 })) } }));
    assert.ok(done2.AuthenticationResult.AccessToken);

    // A replayed counter is refused.
    const init3 = await client.send(new InitiateAuthCommand({ ClientId: MAIN.client, AuthFlow: "USER_AUTH", AuthParameters: { USERNAME: username, PREFERRED_CHALLENGE: "WEB_AUTHN" } }));
    await rejectsWith(client.send(new RespondToAuthChallengeCommand({ ClientId: MAIN.client, ChallengeName: "WEB_AUTHN", Session: init3.Session,
      ChallengeResponses: { USERNAME: username, CREDENTIAL: JSON.stringify(first.get(JSON.parse(init3.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS), { origin: ORIGIN, step: 0 })) } })), NotAuthorizedException);

    // DeleteWebAuthnCredential.
    await client.send(new DeleteWebAuthnCredentialCommand({ AccessToken: token, CredentialId: first.credentialId }));
    await rejectsWith(client.send(new DeleteWebAuthnCredentialCommand({ AccessToken: token, CredentialId: first.credentialId })), ResourceNotFoundException);
    const rest = await client.send(new ListWebAuthnCredentialsCommand({ AccessToken: token }));
    assert.deepEqual(rest.Credentials.map((c) => c.CredentialId), [second.credentialId]);
  });
});

// Each case causes one documented fault (cognito/README.md, "Errors") and
// checks that CompleteWebAuthnRegistration raised the SDK's own class.
describe("CompleteWebAuthnRegistration exceptions, as the SDK raises them", () => {
  const complete = (token, credential, c = client) => c.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: token, Credential: credential }));
  const valid = async (token, opts = {}, c = client) => new Authenticator().create(await startRegistration(token, c), { origin: ORIGIN, ...opts });

  test("ForbiddenException: the pool's web ACL blocks the User-Agent", async () => {
    const { token } = await newUser("wafclient");
    const credential = await valid(token);
    const bot = sdk(server.url, { customUserAgent: "BadBot/1.0" });
    try {
      await rejectsWith(complete(token, credential, bot), ForbiddenException);
    } finally {
      bot.destroy();
    }
  });

  test("InternalErrorException: the PostgreSQL database is down", async (t) => {
    const pg = await startPostgres();
    if (!pg) {
      const msg = "PostgreSQL is not installed (apt-get install -y postgresql): the database outage test did NOT run";
      if (process.env.CI && process.env.CI !== "false" && process.env.CI !== "0") assert.fail(msg + ", and CI forbids skipping");
      console.error(`${"!".repeat(78)}\n!!! SKIP: ${msg}\n${"!".repeat(78)}`);
      t.skip(msg);
      return;
    }
    const pgServer = await startServer(config, ["-postgres", pg.dsn]);
    const c = sdk(pgServer.url);
    try {
      const { token } = await newUser(MAIN.client, c);
      const credential = await valid(token, {}, c);
      await pg.stop();
      await rejectsWith(complete(token, credential, c), InternalErrorException, 500);
    } finally {
      c.destroy();
      await pgServer.stop();
      await pg.stop();
    }
  });

  test("InvalidParameterException: the credential is not a RegistrationResponseJSON", async () => {
    const { token } = await newUser();
    await startRegistration(token);
    await rejectsWith(complete(token, { id: "AAAA", rawId: "AAAA", type: "public-key", response: {} }), InvalidParameterException);
  });

  test("InvalidParameterException: the credential ID is already registered", async () => {
    const { token } = await newUser();
    const a = await register(token);
    await rejectsWith(complete(token, a.create(await startRegistration(token), { origin: ORIGIN })), InvalidParameterException);
  });

  test("LimitExceededException: the passkey limit was reached between Start and Complete", async () => {
    const { token } = await newUser();
    await register(token);
    await register(token);
    const pending = await valid(token);
    await register(token);
    await rejectsWith(complete(token, pending), LimitExceededException);
  });

  test("NotAuthorizedException: the access token's signature is forged", async () => {
    const { token } = await newUser();
    const credential = await valid(token);
    const [h, p, s] = token.split(".");
    const forged = `${h}.${p}.${s.startsWith("A") ? "B" : "A"}${s.slice(1)}`;
    await rejectsWith(complete(forged, credential), NotAuthorizedException);
  });

  test("NotAuthorizedException: an ID token instead of an access token", async () => {
    const { token, tokens } = await newUser();
    await rejectsWith(complete(tokens.IdToken, await valid(token)), NotAuthorizedException);
  });

  test("TooManyRequestsException: the pool's request quota is spent", async () => {
    const { token } = await newUser("slowclient");
    const credential = await valid(token);
    await rejectsWith(complete(token, { malformed: true }), InvalidParameterException);
    await rejectsWith(complete(token, { malformed: true }), InvalidParameterException);
    await rejectsWith(complete(token, credential), TooManyRequestsException);
  });

  test("WebAuthnNotEnabledException: the pool has passkeys off", async () => {
    const { token } = await newUser("offclient");
    await rejectsWith(startRegistration(token), WebAuthnNotEnabledException);
    await rejectsWith(complete(token, new Authenticator().create({ rp: { id: RP_ID }, user: { id: "dXNlcg" }, challenge: "Y2hhbGxlbmdlY2hhbGxlbmdl" }, { origin: ORIGIN })), WebAuthnNotEnabledException);
  });

  test("WebAuthnChallengeNotFoundException: the challenge was never issued", async () => {
    const { token } = await newUser();
    const credential = await valid(token, { challenge: Buffer.alloc(32, 7).toString("base64url") });
    await rejectsWith(complete(token, credential), WebAuthnChallengeNotFoundException);
  });

  test("WebAuthnChallengeNotFoundException: the challenge was used already", async () => {
    const { token } = await newUser();
    const credential = await valid(token);
    await complete(token, credential);
    await rejectsWith(complete(token, credential), WebAuthnChallengeNotFoundException);
  });

  test("WebAuthnRelyingPartyMismatchException: signed for another RP ID", async () => {
    const { token } = await newUser();
    await rejectsWith(complete(token, await valid(token, { rpId: "evil.example" })), WebAuthnRelyingPartyMismatchException);
  });

  test("WebAuthnClientMismatchException: Start and Complete through different app clients", async () => {
    const { token, username } = await newUser();
    const credential = await valid(token);
    const other = await login("otherclient", username);
    await rejectsWith(complete(other.AccessToken, credential), WebAuthnClientMismatchException);
  });

  test("WebAuthnOriginNotAllowedException: clientDataJSON.origin is not allowed", async () => {
    const { token } = await newUser();
    await rejectsWith(complete(token, await valid(token, { origin: "https://evil.example" })), WebAuthnOriginNotAllowedException);
  });

  test("WebAuthnCredentialNotSupportedException: user verification required, UV flag clear", async () => {
    const { token } = await newUser("uvclient");
    await rejectsWith(complete(token, await valid(token, { flags: FLAG_UP })), WebAuthnCredentialNotSupportedException);
  });

  test("WebAuthnConfigurationMissingException: the pool has no RP ID", async () => {
    const { token } = await newUser("norpclient");
    await rejectsWith(startRegistration(token), WebAuthnConfigurationMissingException);
    await rejectsWith(complete(token, { id: "AAAA" }), WebAuthnConfigurationMissingException);
  });

  test("PasswordResetRequiredException: an administrator reset the password", async () => {
    const { token, username } = await newUser();
    const credential = await valid(token);
    await client.send(new AdminResetUserPasswordCommand({ UserPoolId: MAIN.pool, Username: username }));
    await rejectsWith(complete(token, credential), PasswordResetRequiredException);
    await rejectsWith(client.send(new InitiateAuthCommand({ ClientId: MAIN.client, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: username, PASSWORD } })), PasswordResetRequiredException);
  });

  test("OperationNotEnabledException: the pool is a secondary replica", async () => {
    const { token } = await newUser("replicaclient");
    await rejectsWith(startRegistration(token), OperationNotEnabledException);
    await rejectsWith(complete(token, { id: "AAAA" }), OperationNotEnabledException);
  });
});
