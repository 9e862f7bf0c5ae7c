/* Sending the outbox to the server, shared by the page and the service worker (Background Sync):
   both run FQSync.run under one Web Lock, so the two never send the same item at once, and every
   item carries the client id made on the phone, so a retried upload never creates a duplicate.
   No DOM here: the page shows the result, the service worker tells the open pages. */
"use strict";
self.FQSync = (() => {
  const LOCK = "fengqiao-grid-sync";
  // Answers worth retrying later: the network, the server, or "the case is not there yet".
  const RETRY = new Set([0, 401, 403, 404, 408, 409, 425, 429]);

  async function freshToken(urls) {
    const response = await fetch(urls.tokenUrl, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok || response.redirected) throw new Error("login");
    return (await response.json()).csrf_token;
  }

  async function send(url, token, body, json) {
    const headers = { "X-CSRFToken": token };
    if (json) headers["Content-Type"] = "application/json";
    const response = await fetch(url, { method: "POST", credentials: "same-origin", headers,
      body: json ? JSON.stringify(body) : body });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data };
  }

  function reason(data) {
    if (data && data.errors) return data.errors.map((e) => `${e.field}: ${e.reason}`).join(";");
    return (data && data.detail) || "invalid";
  }

  // true: done with the item (sent, or refused and kept for the worker to correct); false: retry later
  async function settle(item, r) {
    if (r.status >= 500 || RETRY.has(r.status)) return false;
    item.error = reason(r.data);
    await FQQueue.put(item);
    return true;
  }

  async function syncItem(item, token, urls) {
    if (item.kind === "visit") {
      const r = await send(urls.visitsUrl, token, item.payload, true);
      if (r.status === 200 || r.status === 201) { await FQQueue.remove(item.client_id); return true; }
      return settle(item, r);
    }
    if (!item.sent) {
      const r = await send(urls.casesUrl, token, item.payload, true);
      if (r.status !== 200 && r.status !== 201) return settle(item, r);
      item.sent = true; item.number = r.data.number;
      await FQQueue.put(item);
    }
    for (const photo of item.photos || []) {
      if (photo.done) continue;
      const body = new FormData();
      body.append("client_id", photo.client_id);
      body.append("case_client_id", item.client_id);
      body.append("file", photo.blob, `${photo.client_id}.jpg`);
      const r = await send(urls.attachmentsUrl, token, body, false);
      if (r.status === 200 || r.status === 201) photo.done = true;
      else if (r.status >= 500 || RETRY.has(r.status)) return false;
      else { photo.done = true; photo.error = reason(r.data); }
      await FQQueue.put(item);
    }
    await FQQueue.remove(item.client_id);
    return true;
  }

  async function runLocked(urls) {
    const items = (await FQQueue.all()).filter((item) => !item.error);
    if (!items.length) return { sent: 0, retry: false, state: "idle" };
    let token;
    try { token = await freshToken(urls); } catch (e) { return { sent: 0, retry: true, state: "login" }; }
    let sent = 0;
    for (const item of items) {
      let ok;
      try { ok = await syncItem(item, token, urls); } catch (e) { ok = false; }
      if (!ok) return { sent, retry: true, state: "partial" };
      sent += 1;
    }
    return { sent, retry: false, state: "done" };
  }

  /* One pass over the outbox: {sent, retry, state} where state is idle | done | partial | login. */
  async function run(urls) {
    const locks = self.navigator && self.navigator.locks;
    if (locks) return locks.request(LOCK, () => runLocked(urls));
    return runLocked(urls);
  }

  return { run };
})();
