// A software WebAuthn authenticator written for this suite with node:crypto:
// one ES256 passkey per instance, "none" or "packed" self attestation, a
// signature counter, and knobs to produce each fault a relying party must
// reject (origin, RP ID, challenge, flags).
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_AT = 0x40;

const b64u = (buf) => Buffer.from(buf).toString("base64url");
const sha256 = (data) => createHash("sha256").update(data).digest();

// Minimal CBOR (RFC 8949) encoding: what an attestation object needs.
function head(major, n) {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}
const int = (v) => (v >= 0 ? head(0, v) : head(1, -1 - v));
const bytes = (b) => Buffer.concat([head(2, b.length), b]);
const text = (s) => Buffer.concat([head(3, Buffer.byteLength(s)), Buffer.from(s)]);
// map takes [encodedKey, encodedValue] pairs, already in canonical order.
const map = (pairs) => Buffer.concat([head(5, pairs.length), ...pairs.flat()]);

export class Authenticator {
  constructor({ aaguid = Buffer.alloc(16), counter = 0 } = {}) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = privateKey;
    this.jwk = publicKey.export({ format: "jwk" });
    this.id = randomBytes(32);
    this.aaguid = aaguid;
    this.counter = counter;
    this.userHandle = null;
  }

  get credentialId() {
    return b64u(this.id);
  }

  // coseKey is the EC2 P-256 COSE_Key (RFC 9053), canonical key order.
  coseKey() {
    return map([
      [int(1), int(2)],
      [int(3), int(-7)],
      [int(-1), int(1)],
      [int(-2), bytes(Buffer.from(this.jwk.x, "base64url"))],
      [int(-3), bytes(Buffer.from(this.jwk.y, "base64url"))],
    ]);
  }

  authData(rpId, flags, attested) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    const parts = [sha256(rpId), Buffer.from([flags]), counter];
    if (attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(this.id.length);
      parts.push(this.aaguid, len, this.id, this.coseKey());
    }
    return Buffer.concat(parts);
  }

  // create answers CredentialCreationOptions (the JSON object
  // StartWebAuthnRegistration returns) with a RegistrationResponseJSON.
  create(options, { origin, rpId, challenge, flags = FLAG_UP | FLAG_UV, format = "none" } = {}) {
    rpId ??= options.rp.id;
    challenge ??= options.challenge;
    this.userHandle = options.user.id;
    const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.create", challenge, origin, crossOrigin: false }));
    const authData = this.authData(rpId, flags | FLAG_AT, true);
    let attStmt = map([]);
    if (format === "packed") {
      // Self attestation (WebAuthn L3 §8.2): signed with the credential key.
      const sig = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
      attStmt = map([
        [text("alg"), int(-7)],
        [text("sig"), bytes(sig)],
      ]);
    }
    const attestationObject = map([
      [text("fmt"), text(format)],
      [text("attStmt"), attStmt],
      [text("authData"), bytes(authData)],
    ]);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ["internal", "hybrid"],
      },
      clientExtensionResults: { credProps: { rk: true } },
    };
  }

  // get answers CREDENTIAL_REQUEST_OPTIONS (parsed) with an
  // AuthenticationResponseJSON, after adding step to the counter.
  get(options, { origin, rpId, challenge, flags = FLAG_UP | FLAG_UV, step = 1 } = {}) {
    rpId ??= options.rpId;
    challenge ??= options.challenge;
    this.counter += step;
    const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge, origin, crossOrigin: false }));
    const authenticatorData = this.authData(rpId, flags, false);
    const signature = sign("sha256", Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authenticatorData),
        signature: b64u(signature),
        userHandle: this.userHandle,
      },
      clientExtensionResults: {},
    };
  }
}
