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
  const SYNC_TAG = "fq-grid-sync";
  let syncing = false;
  let editing = null;  // the client id of the refused item being corrected

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(cfg.sw, { scope: "/grid/" }).catch((e) => console.warn("service worker", e));
    const ready = () => {
      if (!navigator.serviceWorker.controller) return;
      root.dataset.offlineReady = "yes";
      $("offline-ready").textContent = "· 可离线使用";
    };
    navigator.serviceWorker.addEventListener("controllerchange", ready);
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (!event.data || event.data.type !== "fq-synced") return;
      if (STATUS[event.data.state]) $("sync-status").textContent = STATUS[event.data.state]();
      render();
      if (event.data.state === "done") loadTasks();
    });
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
      if (item.error) {
        li.classList.add("refused");
        li.append(button("修改后重发", () => edit(item)), button("删除", () => discard(item)));
      }
      return li;
    }));
    $("net-state").textContent = navigator.onLine ? "在线" : "离线(已保存在手机上,联网后自动上传)";
  }

  function button(label, onClick) {
    const b = document.createElement("button");
    b.type = "button"; b.className = "link"; b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  // A report or check-in the server refused as it stood (nothing was created): put it back in its
  // form; saving it again sends it with the same client id, its photos and position kept.
  function edit(item) {
    editing = item.client_id;
    if (item.kind === "report") {
      const form = $("report-form");
      form.description.value = item.payload.description || "";
      form.category.value = item.payload.category || "";
      form.address.value = item.payload.address || "";
      form.closest("details").open = true;
      $("report-error").textContent = `请修改后重新保存(原因:${item.error})`;
      form.description.focus();
    } else {
      const form = $("visit-form");
      form.kind.value = item.payload.kind;
      form.household_id.value = item.payload.household_id ? String(item.payload.household_id) : "";
      form.notes.value = item.payload.notes || "";
      form.closest("details").open = true;
      $("visit-error").textContent = `请修改后重新打卡(原因:${item.error})`;
      form.notes.focus();
    }
  }

  async function discard(item) {
    if (!window.confirm("删除这条未被接受的记录?")) return;
    await FQQueue.remove(item.client_id);
    if (editing === item.client_id) editing = null;
    render();
  }

  async function editedItem(kind) {
    if (!editing) return null;
    const item = await FQQueue.get(editing);
    editing = null;
    return item && item.kind === kind && item.error ? item : null;
  }

  // A report the centre turned down (rejected): start a new report from it.
  function reportAgain(task) {
    const form = $("report-form");
    editing = null;
    form.description.value = task.description || "";
    form.category.value = task.category || "";
    form.address.value = task.address || "";
    form.closest("details").open = true;
    $("report-error").textContent = `原上报 ${task.number} 被退回:${task.reason || "未说明理由"}。请补充后重新上报。`;
    form.description.focus();
  }

  async function enqueue(item) {
    await FQQueue.put(item);
    await render();
    await requestBackgroundSync();
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
      const earlier = await editedItem("report");
      if (earlier) {
        earlier.payload.description = description;
        earlier.payload.address = form.address.value.trim();
        if (form.category.value) earlier.payload.category = form.category.value;
        else delete earlier.payload.category;
        earlier.photos = (earlier.photos || []).concat(photos);
        delete earlier.error;
        await enqueue(earlier);
        form.reset();
        $("sync-status").textContent = "已修改,重新上传";
        return;
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
    const earlier = await editedItem("visit");
    if (earlier) {
      earlier.payload = { ...earlier.payload, kind: payload.kind, notes: payload.notes };
      if (payload.household_id) earlier.payload.household_id = payload.household_id;
      else delete earlier.payload.household_id;
      delete earlier.error;
      await enqueue(earlier);
      form.reset();
      $("sync-status").textContent = "已修改,重新上传";
      return;
    }
    const where = await position();
    if (where) payload.location = where;
    await enqueue({ client_id: clientId, kind: "visit", payload, created_at: new Date().toISOString() });
    form.reset();
    $("sync-status").textContent = "已保存打卡";
  });

  const URLS = { tokenUrl: cfg.tokenUrl, casesUrl: cfg.casesUrl, visitsUrl: cfg.visitsUrl,
    attachmentsUrl: cfg.attachmentsUrl };
  const STATUS = {
    login: () => (navigator.onLine ? "登录已过期,请重新登录后同步" : "离线,联网后自动上传"),
    partial: () => "部分未上传,稍后重试",
    done: () => `已同步 ${new Date().toLocaleTimeString("zh-CN")}`,
  };

  // Background Sync: the service worker sends the outbox when the network returns, even after the
  // page is closed. Where the browser has no Background Sync, the page's own sync below does it.
  async function requestBackgroundSync() {
    if (!("serviceWorker" in navigator)) return false;
    try {
      const registration = await navigator.serviceWorker.ready;
      if (!registration.sync) return false;
      await registration.sync.register(SYNC_TAG);
      return true;
    } catch (e) { return false; }
  }

  async function sync() {
    if (syncing) return;
    syncing = true;
    try {
      if ((await FQQueue.all()).some((item) => !item.error)) $("sync-status").textContent = "正在上传…";
      const result = await FQSync.run(URLS);
      if (STATUS[result.state]) $("sync-status").textContent = STATUS[result.state]();
      await render();
      if (result.state === "done") loadTasks();
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
    const refused = data.refused || [];
    $("refused-card").hidden = !refused.length;
    $("refused").replaceChildren(...refused.map((task) => {
      const li = document.createElement("li");
      li.textContent = `${task.number} ${task.title || task.category_label} — 退回理由:${task.reason || "未说明"}`;
      li.append(button("修改后重新上报", () => reportAgain(task)));
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
