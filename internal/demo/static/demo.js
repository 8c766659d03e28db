// The demo page's client: options from the server go through
// PublicKeyCredential.parse…OptionsFromJSON, the credential back through
// toJSON(). window.demo exposes the ceremonies for the end-to-end tests.
"use strict";

const api = "/webauthn";
const $ = (id) => document.getElementById(id);

async function post(path, bodyText) {
  const r = await fetch(api + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: bodyText,
  });
  let body;
  try { body = await r.json(); } catch (e) { body = { exception: "HTTP " + r.status, step: "", message: String(e) }; }
  return { status: r.status, body };
}

function formParams() {
  const p = {
    username: $("username").value,
    attestation: $("attestation").value,
    userVerification: $("userVerification").value,
    residentKey: $("residentKey").value,
    algorithms: [...document.querySelectorAll("input[name=alg]:checked")].map((c) => Number(c.value)),
  };
  // Conditional create: register/begin asks for a registration that may
  // have UP clear, and create() runs with mediation "conditional".
  if ($("conditional") && $("conditional").checked) p.conditional = true;
  return p;
}

// fillForm shows the parameters a scripted call passes, so that the page
// reads as if they had been chosen by hand.
function fillForm(p) {
  for (const k of ["username", "attestation", "userVerification", "residentKey"]) {
    if (typeof p[k] === "string" && $(k)) $(k).value = p[k];
  }
  if (Array.isArray(p.algorithms)) {
    for (const c of document.querySelectorAll("input[name=alg]")) c.checked = p.algorithms.includes(Number(c.value));
  }
}

const flagNames = (f) => ["up", "uv", "be", "bs", "at", "ed"].filter((k) => f[k]).map((k) => k.toUpperCase()).join(" ") +
  " (0x" + f.byte.toString(16).padStart(2, "0") + ")";

function show(res) {
  const box = $("result"), dl = $("result-fields");
  dl.replaceChildren();
  const row = (k, v) => {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = k; dd.textContent = v; dl.append(dt, dd);
  };
  if (res.ok) {
    const b = res.body;
    box.className = "ok";
    if (res.ceremony === "registration") {
      $("result-title").textContent = "Registered " + b.user;
      row("Format", b.format);
      row("Attestation type", b.attestationType);
      row("AAGUID", b.aaguid);
      row("Provider", b.provider ? b.provider.name : "(not in the convenience metadata, or none loaded)");
      row("Algorithm", b.algorithm + " (" + b.algorithmId + ")");
      row("Flags", flagNames(b.flags));
      row("Sign count", b.signCount);
      row("Transports", b.transports.join(", ") || "(none reported)");
      row("Resident key", b.residentKey === null ? "unknown" : String(b.residentKey));
      if (res.asked && res.asked.appidExclude) row("AppID excluded (appidExclude)", res.asked.appidExclude);
      row("PRF enabled", b.prfEnabled === null ? "not reported" : String(b.prfEnabled));
      row("Large blob supported", b.largeBlobSupported === null ? "not reported" : String(b.largeBlobSupported));
      row("credProtect", b.credProtect || "(none)");
      row("Trust path", b.trustPath.join(" → ") || "(none)");
      row("Credential ID", b.credentialId);
    } else {
      $("result-title").textContent = "Signed in as " + b.user;
      row("Flags", flagNames(b.flags));
      row("Sign count", b.previousSignCount + " → " + b.signCount);
      row("Clone suspected", String(b.cloneSuspected));
      // The FIDO AppID extension (WebAuthn L3 §10.1.1): a U2F-era key signs
      // over SHA-256(AppID) instead of SHA-256(RP ID).
      if (res.asked && res.asked.appid) {
        row("AppID asked (appid)", res.asked.appid);
        row("rpIdHash", b.appIdUsed ? "SHA-256 of the AppID (a U2F-era credential)" : "SHA-256 of the RP ID");
      }
      row("Credential ID", b.credentialId);
      if (b.signalled) row("Signal", b.signalled);
    }
    if (res.clientExtensions) row("Client extension outputs", JSON.stringify(res.clientExtensions));
  } else {
    box.className = "error";
    $("result-title").textContent = (res.ceremony === "registration" ? "Registration" : "Sign-in") + " failed at " + res.stage;
    row("Exception", res.body.exception);
    if (res.body.step) row("Step", res.body.step);
    row("Message", res.body.message);
    if (res.status) row("HTTP status", res.status);
    if (res.body.signalled) row("Signal", res.body.signalled);
  }
  window.demo.last = res;
  return res;
}

// signal passes a server's signal payload to the browser's Signal API
// (WebAuthn L3 §5.1.10) when it has the method, and says what happened.
async function signal(method, payload) {
  if (!payload) return null;
  if (typeof PublicKeyCredential[method] !== "function") return method + ": not supported by this browser";
  try {
    await PublicKeyCredential[method](payload);
    return method + "(" + JSON.stringify(payload) + ")";
  } catch (e) {
    return method + ": " + e.name + " " + e.message;
  }
}

// The passkeys this page registered, newest first, with the provider the
// server named: { user, credentialId, provider, aaguid, removed }.
const passkeys = [];

function renderPasskeys() {
  const ul = $("passkey-list");
  ul.replaceChildren();
  for (const p of passkeys) {
    const li = document.createElement("li");
    li.className = "passkey" + (p.removed ? " removed" : "");
    if (p.provider && p.provider.icon) {
      const img = document.createElement("img");
      img.src = p.provider.icon; img.alt = ""; img.width = 24; img.height = 24;
      li.append(img);
    }
    const name = p.provider ? p.provider.name : "Unknown provider (AAGUID " + p.aaguid + ")";
    li.append(document.createTextNode(name + " — " + p.user + " — " + p.credentialId.slice(0, 12) + "…" +
      (p.removed ? " (no longer on the account)" : "")));
    ul.append(li);
  }
}

// notePasskeys records a successful ceremony in the list.
function notePasskeys(kind, b) {
  if (kind === "registration") {
    passkeys.unshift({ user: b.user, credentialId: b.credentialId, provider: b.provider || null, aaguid: b.aaguid, removed: false });
  } else if (b.signal) {
    const accepted = new Set(b.signal.allAcceptedCredentialIds);
    for (const p of passkeys) if (p.user === b.user) p.removed = !accepted.has(p.credentialId);
  }
  renderPasskeys();
}

async function ceremony(kind, params) {
  const reg = kind === "registration";
  const path = reg ? "/register" : "/login";
  const fail = (stage, status, body) => show({ ok: false, ceremony: kind, stage, status, body });
  const begin = await post(path + "/begin", JSON.stringify(params));
  if (begin.status !== 200) return fail(path + "/begin", begin.status, begin.body);
  let cred;
  try {
    if (reg) {
      const mediation = params.conditional ? { mediation: "conditional" } : {};
      cred = await navigator.credentials.create({ ...mediation, publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.body) });
    } else {
      cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.body) });
    }
  } catch (e) {
    return fail("the browser", 0, { exception: e.name, step: "navigator.credentials." + (reg ? "create" : "get"), message: e.message });
  }
  const finish = { path: path + "/finish", body: JSON.stringify({ username: params.username || "", credential: cred.toJSON() }) };
  window.demo.lastFinish = finish;
  const done = await post(finish.path, finish.body);
  if (done.status !== 200) {
    // A passkey the server no longer knows: let the authenticator hide it.
    done.body.signalled = await signal("signalUnknownCredential", done.body.signal);
    return fail(path + "/finish", done.status, done.body);
  }
  // After a sign-in, the account's current passkeys: authenticators hide
  // the ones deleted since.
  if (!reg) done.body.signalled = await signal("signalAllAcceptedCredentials", done.body.signal);
  notePasskeys(kind, done.body);
  const asked = begin.body.extensions || {};
  return show({ ok: true, ceremony: kind, status: 200, body: done.body, asked, clientExtensions: cred.toJSON().clientExtensionResults });
}

window.demo = {
  register: (p) => { fillForm(p || {}); return ceremony("registration", Object.assign(formParams(), p || {})); },
  login: (p) => { fillForm(p || {}); return ceremony("authentication", Object.assign({ username: $("username").value }, p || {})); },
  // replay posts the last finish request again, byte for byte.
  replay: async () => {
    const f = window.demo.lastFinish;
    const done = await post(f.path, f.body);
    const kind = f.path.startsWith("/register") ? "registration" : "authentication";
    if (done.status !== 200) return show({ ok: false, ceremony: kind, stage: f.path + " (replayed)", status: done.status, body: done.body });
    return show({ ok: true, ceremony: kind, status: 200, body: done.body });
  },
  last: null,
  lastFinish: null,
  passkeys,
};

$("register").addEventListener("click", () => window.demo.register());
$("login").addEventListener("click", () => window.demo.login());
