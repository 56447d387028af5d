// The example app's front end. The access token and a step-up proof live in this module's memory
// only (never in storage); the refresh token is an HttpOnly cookie this script cannot read, sent
// by the browser to POST /auth/refresh and /auth/logout. Links from mails carry their token in the
// URL fragment, which browsers never send to a server nor put in a Referer.
let accessToken = null;
let stepUpToken = null;
let email = null;
let resetToken = null;

const $ = (id) => document.getElementById(id);

function show(message) {
  $("status").textContent = message;
}

function notify(message) {
  $("notice").textContent = message;
}

function signedInAs() {
  return `Signed in as ${email ?? "(restored session)"}`;
}

function render() {
  const signedIn = accessToken !== null;
  $("public").hidden = signedIn;
  $("account").hidden = !signedIn;
  show(signedIn ? signedInAs() : "Signed out");
}

async function send(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (accessToken !== null) headers.authorization = `Bearer ${accessToken}`;
  if (stepUpToken !== null) headers["x-step-up"] = stepUpToken;
  return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

const post = (path, body) => send("POST", path, body);

async function answer(reply) {
  const text = await reply.text();
  return text === "" ? {} : JSON.parse(text);
}

function signOutLocally() {
  accessToken = null;
  stepUpToken = null;
  email = null;
  $("notes").replaceChildren();
  $("sessions").replaceChildren();
  render();
}

async function refresh() {
  const reply = await fetch("/auth/refresh", { method: "POST" });
  if (reply.ok) {
    accessToken = (await reply.json()).accessToken;
    render();
    show(`${signedInAs()} — session refreshed`);
  } else {
    const body = await answer(reply).catch(() => ({}));
    accessToken = null;
    render();
    show(`Refresh refused (${String(reply.status)} ${String(body.error ?? "")})`);
  }
}

function formOf(event) {
  event.preventDefault();
  return new FormData(event.target);
}

$("login").addEventListener("submit", async (event) => {
  const form = formOf(event);
  const reply = await post("/auth/login", { email: form.get("email"), password: form.get("password") });
  if (!reply.ok) {
    show(`Sign-in failed (${String(reply.status)})`);
    return;
  }
  const body = await reply.json();
  accessToken = body.accessToken;
  email = body.email;
  render();
  notify(body.emailVerified ? "" : "Confirm your email address: we sent you a link.");
});

$("signup").addEventListener("submit", async (event) => {
  const form = formOf(event);
  const reply = await post("/auth/signup", Object.fromEntries(form));
  const body = await answer(reply);
  if (!reply.ok) {
    notify(`Sign-up failed (${String(reply.status)} ${String(body.error ?? "")})`);
    return;
  }
  accessToken = body.accessToken;
  email = String(form.get("email"));
  render();
  notify("Account created. Confirm your email address: we sent you a link.");
});

$("forgot").addEventListener("submit", async (event) => {
  const form = formOf(event);
  const reply = await post("/auth/forgot-password", Object.fromEntries(form));
  const body = await answer(reply);
  notify(reply.ok ? body.message : `Request refused (${String(reply.status)} ${String(body.error ?? "")})`);
});

$("reset").addEventListener("submit", async (event) => {
  const form = formOf(event);
  const reply = await post("/auth/reset-password", { token: resetToken, password: form.get("password") });
  const body = await answer(reply);
  resetToken = null;
  $("reset").hidden = true;
  notify(
    reply.ok ? "Password changed. Sign in with the new one." : `Reset refused (${String(body.error ?? reply.status)})`,
  );
});

$("refresh").addEventListener("click", () => void refresh());

$("logout").addEventListener("click", async () => {
  await fetch("/auth/logout", { method: "POST" });
  signOutLocally();
});

$("note").addEventListener("submit", async (event) => {
  const form = formOf(event);
  const reply = await post("/notes", { body: form.get("body") });
  if (!reply.ok) {
    show(`Saving the note failed (${String(reply.status)})`);
    return;
  }
  const note = await reply.json();
  const item = document.createElement("li");
  item.textContent = form.get("body");
  item.dataset.id = note.id;
  $("notes").append(item);
  event.target.reset();
  show(`${signedInAs()} — note saved`);
});

$("mfa-enroll").addEventListener("click", async () => {
  const reply = await post("/mfa/totp/enroll");
  const body = await answer(reply);
  if (!reply.ok) {
    notify(`Set-up refused (${String(reply.status)} ${String(body.error ?? "")})`);
    return;
  }
  $("mfa-secret").textContent = body.secret;
  $("mfa-uri").textContent = body.uri;
  $("mfa-setup").hidden = false;
});

/** Keeps what a step-up answers: the stepped-up access token and the proof, both of this session. */
function steppedUp(body) {
  accessToken = body.accessToken;
  stepUpToken = body.stepUpToken;
}

$("mfa-confirm").addEventListener("submit", async (event) => {
  const form = formOf(event);
  const reply = await post("/mfa/totp/confirm", { code: form.get("code") });
  const body = await answer(reply);
  if (!reply.ok) {
    notify(`Code refused (${String(body.error ?? reply.status)})`);
    return;
  }
  steppedUp(body);
  $("mfa-setup").hidden = true;
  $("mfa-secret").textContent = "";
  $("mfa-uri").textContent = "";
  $("recovery-codes").replaceChildren(
    ...body.recoveryCodes.map((code) => {
      const item = document.createElement("li");
      item.textContent = code;
      return item;
    }),
  );
  $("recovery").hidden = false;
  notify("Two-factor authentication is on.");
});

$("stepup").addEventListener("submit", async (event) => {
  const form = formOf(event);
  const reply = await post("/mfa/verify", { code: form.get("code") });
  const body = await answer(reply);
  if (!reply.ok) {
    notify(`Code refused (${String(body.error ?? reply.status)})`);
    return;
  }
  steppedUp(body);
  event.target.reset();
  notify("Verified: sensitive actions are open for 5 minutes.");
});

function sessionRow(session) {
  const row = document.createElement("tr");
  row.dataset.id = session.id;
  row.dataset.current = String(session.current);
  for (const text of [session.createdAt, session.lastSeenAt, session.ip ?? "", session.userAgent ?? ""]) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.append(cell);
  }
  const action = document.createElement("td");
  if (session.current) {
    action.textContent = "this browser";
  } else {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Revoke";
    button.addEventListener("click", async () => {
      const reply = await send("DELETE", `/account/sessions/${encodeURIComponent(session.id)}`);
      notify(reply.ok ? "Session revoked." : `Revoking failed (${String(reply.status)})`);
      await loadSessions();
    });
    action.append(button);
  }
  row.append(action);
  return row;
}

async function loadSessions() {
  const reply = await send("GET", "/account/sessions");
  if (!reply.ok) {
    notify(`Listing sessions failed (${String(reply.status)})`);
    return;
  }
  const { sessions } = await reply.json();
  $("sessions").replaceChildren(...sessions.map(sessionRow));
}

$("sessions-load").addEventListener("click", () => void loadSessions());

$("sessions-revoke-others").addEventListener("click", async () => {
  const reply = await post("/account/sessions/revoke-others");
  const body = await answer(reply);
  notify(reply.ok ? `Signed out ${String(body.revoked)} other session(s).` : `Failed (${String(reply.status)})`);
  await loadSessions();
});

$("password").addEventListener("submit", async (event) => {
  const form = formOf(event);
  const reply = await post("/account/password", Object.fromEntries(form));
  const body = await answer(reply);
  if (!reply.ok) {
    notify(`Password change refused (${String(body.error ?? reply.status)})`);
    return;
  }
  event.target.reset();
  notify(`Password changed; ${String(body.revokedSessions)} other session(s) signed out.`);
});

async function followMailedLink() {
  const match = /^#(verify|reset)=([A-Za-z0-9_-]{1,256})$/.exec(location.hash);
  if (match === null) return;
  // The token leaves the address bar (and the history) at once.
  history.replaceState(null, "", location.pathname);
  const [, kind, token] = match;
  if (kind === "reset") {
    resetToken = token;
    $("reset").hidden = false;
    notify("Choose a new password.");
    return;
  }
  const reply = await post("/auth/verify-email", { token });
  const body = await answer(reply);
  notify(reply.ok ? "Email address confirmed." : `The link did not work (${String(body.error ?? reply.status)})`);
}

render();
void followMailedLink();
// A link opened while the page is already open changes only the fragment.
globalThis.addEventListener("hashchange", () => void followMailedLink());
