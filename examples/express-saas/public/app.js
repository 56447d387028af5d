// The example app's front end. The access token lives in this module's memory only (never in
// storage); the refresh token is an HttpOnly cookie this script cannot read, sent by the browser
// to POST /auth/refresh and /auth/logout.
let accessToken = null;
let email = null;

const $ = (id) => document.getElementById(id);

function show(message) {
  $("status").textContent = message;
}

function render() {
  const signedIn = accessToken !== null;
  $("login").hidden = signedIn;
  $("account").hidden = !signedIn;
  show(signedIn ? `Signed in as ${email ?? "(restored session)"}` : "Signed out");
}

async function post(path, body) {
  const headers = { "content-type": "application/json" };
  if (accessToken !== null) headers.authorization = `Bearer ${accessToken}`;
  return fetch(path, { method: "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function refresh() {
  const reply = await fetch("/auth/refresh", { method: "POST" });
  if (reply.ok) {
    accessToken = (await reply.json()).accessToken;
    render();
    show(`Signed in as ${email ?? "(restored session)"} — session refreshed`);
  } else {
    const answer = await reply.json().catch(() => ({}));
    accessToken = null;
    render();
    show(`Refresh refused (${String(reply.status)} ${String(answer.error ?? "")})`);
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const reply = await post("/auth/login", { email: form.get("email"), password: form.get("password") });
  if (!reply.ok) {
    show(`Sign-in failed (${String(reply.status)})`);
    return;
  }
  const body = await reply.json();
  accessToken = body.accessToken;
  email = body.email;
  render();
});

$("refresh").addEventListener("click", () => void refresh());

$("logout").addEventListener("click", async () => {
  await fetch("/auth/logout", { method: "POST" });
  accessToken = null;
  email = null;
  $("notes").replaceChildren();
  render();
});

$("note").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
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
  show(`Signed in as ${email ?? "(restored session)"} — note saved`);
});

render();
