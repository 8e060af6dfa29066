// dibs live dashboard: the admin token is entered once and kept in sessionStorage; data comes from /admin/...,
// one campaign live over Server-Sent Events read with fetch (EventSource cannot send an Authorization header).
"use strict";

const TOKEN_KEY = "dibs.adminToken";
const COLORS = { ISSUED: "#4cc38a", DUPLICATE: "#e2b340", SOLD_OUT: "#e5534b", REJECTED: "#8b98a5" };
const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat();

let stream; // AbortController of the open stream
let charts; // { couponId, rate, latency }
let listTimer;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function show(signedIn, message = "") {
  $("sign-in").hidden = signedIn;
  $("board").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
  $("sign-in-error").textContent = message;
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  stream?.abort();
  clearInterval(listTimer);
  connection("not connected");
  show(false, message);
}

function connection(text, live = false) {
  $("connection").textContent = text;
  $("connection").classList.toggle("live", live);
}

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { authorization: `Bearer ${token()}`, ...init.headers } });
  if (response.status === 401 || response.status === 403) {
    const body = await response.json().catch(() => ({}));
    signOut(body.message ?? "That token is not an admin's");
    throw new Error("signed out");
  }
  return response;
}

async function loadCampaigns() {
  const response = await api("/admin/coupons?limit=100");
  const { items } = await response.json();
  const list = $("campaigns");
  list.replaceChildren(
    ...items.map((coupon) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.couponId = coupon.id;
      button.setAttribute("aria-current", String(coupon.id === selected()));
      const name = document.createElement("span");
      name.textContent = coupon.name;
      const detail = document.createElement("small");
      detail.textContent = listed(coupon);
      button.append(name, detail);
      button.addEventListener("click", () => (location.hash = coupon.id));
      item.append(button);
      return item;
    }),
  );
  if (!selected() && items[0]) location.hash = items[0].id;
}

function listed(coupon) {
  return `${coupon.status} · ${number.format(coupon.issued)} / ${number.format(coupon.stock)}`;
}

function selected() {
  return location.hash.slice(1) || undefined;
}

async function watch(couponId) {
  stream?.abort();
  for (const button of document.querySelectorAll("#campaigns button")) {
    button.setAttribute("aria-current", String(button.dataset.couponId === couponId));
  }
  if (!couponId) return;
  const controller = new AbortController();
  stream = controller;
  while (!controller.signal.aborted) {
    try {
      connection("connecting…");
      const response = await api(`/admin/coupons/${couponId}/live`, { headers: { accept: "text/event-stream" }, signal: controller.signal });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        connection(body.message ?? `error ${response.status}`);
        return;
      }
      connection("live", true);
      await readEvents(response.body, (event, data) => {
        if (event === "snapshot") render(JSON.parse(data));
        if (event === "problem") connection(JSON.parse(data).message);
      });
    } catch (error) {
      if (controller.signal.aborted || error.message === "signed out") return;
    }
    connection("reconnecting…");
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Server-Sent Events framing: blank-line separated blocks of `event:` and `data:` lines. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      onEvent(event, data.join("\n"));
    }
  }
}

function render(snapshot) {
  const { coupon, perSecond, latencyMs, consumerLag, deadLetters, queue } = snapshot;
  $("empty").hidden = true;
  $("detail").hidden = false;
  $("name").textContent = coupon.name;
  $("status").textContent = coupon.status;
  $("status").className = `badge ${coupon.status}`;
  $("stock").textContent = number.format(coupon.stock);
  $("issued").textContent = number.format(coupon.issued);
  $("remaining").textContent = number.format(coupon.remaining);
  const entry = document.querySelector(`#campaigns button[data-coupon-id="${coupon.id}"] small`);
  if (entry) entry.textContent = listed(coupon);
  $("stock-bar").style.width = `${coupon.stock ? (100 * coupon.issued) / coupon.stock : 0}%`;
  // The current second is still filling up: show the last complete one.
  const last = perSecond.at.length - 2;
  $("rate").textContent = number.format(Object.values(perSecond.decisions).reduce((sum, series) => sum + (series[last] ?? 0), 0));
  $("p50").textContent = latencyMs ? `${latencyMs.p50.toFixed(0)} ms` : "–";
  $("p99").textContent = latencyMs ? `${latencyMs.p99.toFixed(0)} ms` : "–";
  $("dead-letters").textContent = deadLetters === null ? "?" : number.format(deadLetters);
  $("queue-waiting").textContent = queue === null ? "?" : number.format(queue.waiting);
  $("queue-joined").textContent = queue === null ? "?" : number.format(queue.joined);
  $("decisions").replaceChildren(
    ...Object.entries(coupon.decisions).map(([decision, count]) => {
      const box = document.createElement("div");
      box.innerHTML = `<dt></dt><dd></dd>`;
      box.firstChild.textContent = decision;
      box.firstChild.style.color = COLORS[decision];
      box.lastChild.textContent = number.format(count);
      return box;
    }),
  );
  renderLag(consumerLag);
  renderCharts(coupon.id, perSecond);
}

function renderLag(lags) {
  if (!lags) return $("lag").replaceChildren(Object.assign(document.createElement("li"), { textContent: "Kafka did not answer" }));
  const most = Math.max(1, ...lags.map((l) => l.lag));
  $("lag").replaceChildren(
    ...lags.map(({ partition, lag }) => {
      const item = document.createElement("li");
      item.innerHTML = `<span></span><span class="bar"></span><span></span>`;
      item.children[0].textContent = `partition ${partition}`;
      item.children[1].style.width = `${(100 * lag) / most}%`;
      item.children[2].textContent = number.format(lag);
      return item;
    }),
  );
}

function renderCharts(couponId, perSecond) {
  const rateData = [perSecond.at, ...Object.values(perSecond.decisions)];
  const latencyData = [perSecond.at, perSecond.p50Ms, perSecond.p99Ms];
  if (charts?.couponId === couponId) {
    charts.rate.setData(rateData);
    charts.latency.setData(latencyData);
    return;
  }
  charts?.rate.destroy();
  charts?.latency.destroy();
  const series = (label, stroke, points = false) => ({ label, stroke, width: 2, points: { show: points, size: 5 } });
  charts = {
    couponId,
    rate: chart($("rate-chart"), [series("time"), ...Object.keys(perSecond.decisions).map((d) => series(d, COLORS[d]))], rateData),
    // Points: a short sale may fill a single second, and a lone value draws no line.
    latency: chart($("latency-chart"), [series("time"), series("p50", "#58a6ff", true), series("p99", "#d2a8ff", true)], latencyData),
  };
}

function chart(element, series, data) {
  element.replaceChildren();
  const axis = { stroke: "#8b98a5", grid: { stroke: "#2a3542" }, ticks: { stroke: "#2a3542" } };
  const values = { ...axis, size: 64 }; // room for "10,000"
  return new uPlot({ width: element.clientWidth - 16, height: 180, series, axes: [axis, values], scales: { x: { time: true } } }, data, element);
}

window.addEventListener("resize", () => {
  for (const [id, plot] of [
    ["rate-chart", charts?.rate],
    ["latency-chart", charts?.latency],
  ]) {
    plot?.setSize({ width: $(id).clientWidth - 16, height: 180 });
  }
});

$("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  start();
});
$("sign-out").addEventListener("click", () => signOut(""));
window.addEventListener("hashchange", () => void watch(selected()));

async function start() {
  if (!token()) return show(false);
  show(true);
  try {
    await loadCampaigns();
    void watch(selected());
    clearInterval(listTimer);
    listTimer = setInterval(() => void loadCampaigns().catch(() => undefined), 10_000);
  } catch (error) {
    if (error.message !== "signed out") connection(`could not list the campaigns: ${error.message}`);
  }
}

start();
