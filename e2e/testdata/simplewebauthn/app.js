// The page of e2e/simplewebauthn_test.go: window.swa runs the ceremonies of
// webauthnhttp.Handler with @simplewebauthn/browser, served from the
// installed npm package (node_modules), and with the browser's own
// PublicKeyCredential.parse*OptionsFromJSON. Every function resolves to a
// plain object; none rejects.
import {
  startRegistration,
  startAuthentication,
  sendSignal,
} from '/vendor/simplewebauthn/index.js';

async function post(path, body) {
  const r = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

function browserError(stage, e) {
  return { ok: false, stage, error: `${e.name}: ${e.message}`, code: e.code || '' };
}

// finish posts a credential to a finish endpoint.
async function finish(kind, username, credential) {
  const f = await post(`/webauthn/${kind}/finish`, { username, credential });
  return { ok: f.status === 200, stage: 'finish', status: f.status, body: f.body, credential };
}

window.swa = {
  // register begins with {username, ...begin}, runs startRegistration
  // (useAutoRegister: conditional create) and finishes.
  async register(username, begin, useAutoRegister) {
    const b = await post('/webauthn/register/begin', { username, ...begin });
    if (b.status !== 200) return { ok: false, stage: 'begin', ...b };
    let credential;
    try {
      credential = await startRegistration({ optionsJSON: b.body, useAutoRegister });
    } catch (e) {
      return browserError('browser', e);
    }
    return finish('register', username, credential);
  },

  // login signs in (username "" is username-less) with startAuthentication.
  async login(username) {
    const b = await post('/webauthn/login/begin', { username });
    if (b.status !== 200) return { ok: false, stage: 'begin', ...b };
    let credential;
    try {
      credential = await startAuthentication({ optionsJSON: b.body });
    } catch (e) {
      return browserError('browser', e);
    }
    return finish('login', username, credential);
  },

  // finish re-posts a credential, e.g. to replay it.
  finish,

  // forwardConditionalCreate turns navigator.credentials.create() with
  // mediation "conditional" into a modal create, and records the mediation
  // every create asked for in window.swaMediation. Chromium creates
  // conditionally only for a site whose password its password manager holds
  // and saw used moments ago; headless Chromium has no password manager, so
  // a conditional create would wait forever.
  forwardConditionalCreate() {
    const create = navigator.credentials.create.bind(navigator.credentials);
    window.swaMediation = [];
    navigator.credentials.create = (options) => {
      window.swaMediation.push(options.mediation || '');
      if (options.mediation !== 'conditional') return create(options);
      const { mediation, ...modal } = options;
      return create(modal);
    };
    return { ok: true, stage: 'shim' };
  },

  // parse gets options from a begin endpoint and hands them to the
  // browser's parser (§5.1.9, §5.1.10), reporting what it made of them.
  async parse(kind, begin, mangle) {
    const b = await post(`/webauthn/${kind}/begin`, begin);
    if (b.status !== 200) return { ok: false, stage: 'begin', ...b };
    const json = b.body;
    if (mangle) mangle(json);
    const parse = kind === 'register'
      ? PublicKeyCredential.parseCreationOptionsFromJSON
      : PublicKeyCredential.parseRequestOptionsFromJSON;
    if (typeof parse !== 'function') {
      return { ok: false, stage: 'browser', error: 'TypeError: parse*OptionsFromJSON is not supported' };
    }
    let o;
    try {
      o = parse(json);
    } catch (e) {
      return browserError('browser', e);
    }
    const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
      .replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    return {
      ok: true,
      stage: 'parse',
      body: json,
      parsed: {
        challenge: b64u(o.challenge),
        userId: o.user ? b64u(o.user.id) : '',
        rpId: o.rp ? o.rp.id : o.rpId,
        algorithms: (o.pubKeyCredParams || []).map((p) => p.alg),
        allowCredentials: (o.allowCredentials || []).map((c) => b64u(c.id)),
        excludeCredentials: (o.excludeCredentials || []).map((c) => b64u(c.id)),
        userVerification: o.authenticatorSelection ? o.authenticatorSelection.userVerification : o.userVerification,
        residentKey: o.authenticatorSelection ? o.authenticatorSelection.residentKey : '',
        timeout: o.timeout,
      },
    };
  },

  // signalUnknown tells the authenticator that the relying party does not
  // know credentialID, through @simplewebauthn/browser's sendSignal.
  async signalUnknown(rpID, credentialID) {
    if (typeof PublicKeyCredential.signalUnknownCredential !== 'function') {
      return { ok: false, stage: 'unsupported', error: 'PublicKeyCredential.signalUnknownCredential is not supported' };
    }
    try {
      await sendSignal({ signalName: 'unknownCredential', rpID, credentialID });
    } catch (e) {
      return browserError('signal', e);
    }
    return { ok: true, stage: 'signal' };
  },
};
window.swaReady = true;
