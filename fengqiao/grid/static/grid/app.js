/* The grid worker app: reports with photos and check-ins go to the IndexedDB outbox first,
   then sync when the network is there. Each carries a client id made on the phone, so a retried
   upload never creates a second record. Auth: the browser session, CSRF token fetched fresh
   before each sync (the page may come from the service worker's cache). */
"use strict";
(() => {
  const root = document.getElementById("grid-app");
  if (!root) return;
  const cfg = root.dataset;
  const MAX_SIDE = 1600;
  const $ = (id) => document.getElementById(id);
  let syncing = false;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(cfg.sw, { scope: "/grid/" }).catch((e) => console.warn("service worker", e));
    const ready = () => {
      if (!navigator.serviceWorker.controller) return;
      root.dataset.offlineReady = "yes";
      $("offline-ready").textContent = "· 可离线使用";
    };
    navigator.serviceWorker.addEventListener("controllerchange", ready);
    ready();
  }
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});

  function position() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude }),
        () => resolve(null),
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  }

  async function resize(file) {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("toBlob"))), "image/jpeg", 0.8));
  }

  async function render() {
    const items = await FQQueue.all();
    $("outbox-count").textContent = `待上传 ${items.length} 条`;
    const list = $("outbox");
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      const what = item.kind === "report" ? `上报:${item.payload.description.slice(0, 20)}` : `打卡:${item.payload.notes.slice(0, 20) || "巡查"}`;
      const photos = item.photos ? `(照片 ${item.photos.filter((p) => !p.done).length} 张待传)` : "";
      li.textContent = `${item.created_at.slice(0, 16).replace("T", " ")} ${what}${photos}${item.error ? " — 未被接受:" + item.error : ""}`;
      return li;
    }));
    $("net-state").textContent = navigator.onLine ? "在线" : "离线(已保存在手机上,联网后自动上传)";
  }

  async function enqueue(item) {
    await FQQueue.put(item);
    await render();
    if (navigator.onLine) sync();
  }

  $("report-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const description = form.description.value.trim();
    if (!description) { $("report-error").textContent = "请填写发现的情况"; return; }
    $("report-error").textContent = "";
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const photos = [];
      for (const file of form.photos.files) {
        photos.push({ client_id: crypto.randomUUID(), blob: await resize(file), done: false });
      }
      const clientId = crypto.randomUUID();
      const payload = { channel: "grid", description, address: form.address.value.trim(), client_id: clientId,
        occurred_at: new Date().toISOString() };
      if (form.category.value) payload.category = form.category.value;
      const where = await position();
      if (where) payload.location = where;
      await enqueue({ client_id: clientId, kind: "report", payload, photos, created_at: new Date().toISOString() });
      form.reset();
      $("sync-status").textContent = "已保存上报";
    } catch (error) {
      $("report-error").textContent = "照片处理失败:" + error;
    } finally { button.disabled = false; }
  });

  $("visit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const clientId = crypto.randomUUID();
    const payload = { client_id: clientId, kind: form.kind.value, notes: form.notes.value.trim(),
      occurred_at: new Date().toISOString() };
    if (form.household_id.value) payload.household_id = Number(form.household_id.value);
    if (payload.kind === "visit" && !payload.household_id && !payload.notes) {
      $("visit-error").textContent = "请选择走访户或填写情况记录"; return;
    }
    $("visit-error").textContent = "";
    const where = await position();
    if (where) payload.location = where;
    await enqueue({ client_id: clientId, kind: "visit", payload, created_at: new Date().toISOString() });
    form.reset();
    $("sync-status").textContent = "已保存打卡";
  });

  async function freshToken() {
    const response = await fetch(cfg.tokenUrl, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok || response.redirected) throw new Error("login");
    return (await response.json()).csrf_token;
  }

  // Answers worth retrying later: the network, the server, or "the case is not there yet".
  const RETRY = new Set([0, 401, 403, 404, 408, 409, 425, 429]);
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

  async function syncItem(item, token) {
    if (item.kind === "visit") {
      const r = await send(cfg.visitsUrl, token, item.payload, true);
      if (r.status === 200 || r.status === 201) { await FQQueue.remove(item.client_id); return true; }
      return settle(item, r);
    }
    if (!item.sent) {
      const r = await send(cfg.casesUrl, token, item.payload, true);
      if (r.status !== 200 && r.status !== 201) return settle(item, r);
      item.sent = true; item.number = r.data.number;
      await FQQueue.put(item);
    }
    for (const photo of item.photos) {
      if (photo.done) continue;
      const body = new FormData();
      body.append("client_id", photo.client_id);
      body.append("case_client_id", item.client_id);
      body.append("file", photo.blob, `${photo.client_id}.jpg`);
      const r = await send(cfg.attachmentsUrl, token, body, false);
      if (r.status === 200 || r.status === 201) photo.done = true;
      else if (r.status >= 500 || RETRY.has(r.status)) return false;
      else { photo.done = true; photo.error = reason(r.data); }
      await FQQueue.put(item);
    }
    await FQQueue.remove(item.client_id);
    return true;
  }
  async function settle(item, r) {
    if (r.status >= 500 || RETRY.has(r.status)) return false;
    item.error = reason(r.data);  // the server refuses it as it stands: keep it for the worker to see
    await FQQueue.put(item);
    return true;
  }

  async function runSync() {
    const items = (await FQQueue.all()).filter((item) => !item.error);
    if (!items.length) return;
    let token;
    try { token = await freshToken(); } catch (e) {
      $("sync-status").textContent = navigator.onLine ? "登录已过期,请重新登录后同步" : "离线,联网后自动上传";
      return;
    }
    $("sync-status").textContent = "正在上传…";
    for (const item of items) {
      let ok;
      try { ok = await syncItem(item, token); } catch (e) { ok = false; }
      if (!ok) { $("sync-status").textContent = "部分未上传,稍后重试"; await render(); return; }
    }
    $("sync-status").textContent = `已同步 ${new Date().toLocaleTimeString("zh-CN")}`;
    await render();
    loadTasks();
  }

  async function sync() {
    if (syncing) return;
    syncing = true;
    try {
      if (navigator.locks) await navigator.locks.request("fengqiao-grid-sync", runSync);
      else await runSync();
    } finally { syncing = false; root.dataset.lastSync = String(Date.now()); }
  }

  async function loadTasks() {
    let data = null;
    if (navigator.onLine) {
      try {
        const response = await fetch(cfg.tasksUrl, { credentials: "same-origin", cache: "no-store" });
        if (response.ok) { data = await response.json(); await FQQueue.remember("tasks", data); }
      } catch (e) { data = null; }
    }
    if (!data) data = await FQQueue.recall("tasks");
    if (!data) return;
    $("tasks-as-of").textContent = `更新于 ${String(data.as_of).slice(0, 16).replace("T", " ")},预警 ${data.warnings.length} 件`;
    $("tasks").replaceChildren(...data.tasks.map((task) => {
      const li = document.createElement("li");
      li.textContent = `${task.overdue ? "【超期】" : ""}${task.number} ${task.title || task.category_label} · ${task.status_label}`;
      return li;
    }));
  }

  $("sync-now").addEventListener("click", sync);
  window.addEventListener("online", () => { render(); sync(); });
  window.addEventListener("offline", render);
  setInterval(() => { if (navigator.onLine) sync(); }, 20000);
  render().then(() => { if (navigator.onLine) sync(); });
  loadTasks();
})();
