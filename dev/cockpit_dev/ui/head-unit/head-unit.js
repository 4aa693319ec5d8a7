// The head-unit page: a conversation with the assistant through POST /v1/sessions and its turns, the
// catalog (GET /v1/tools), direct tool calls (POST /v1/tools/{name}/invoke) and operation polling — the
// public API only. Cards come from the turn's `cards` and `tool_calls`; the map is SVG drawn from them.
"use strict";

(() => {
  const {call, el, newKey} = window.Cockpit;
  const $ = (id) => document.getElementById(id);

  const TEXT = {
    "en-US": {
      message: "Message", send: "Send", confirm: "Confirm", cancel: "Cancel", you: "You",
      navigate: "Navigate", charge: "Charge here", show_route: "Show route", book: "Book", refresh: "Refresh",
      stations: "Charging stations", places: "Places", route: "Route", slots: "Available slots",
      reservation: "Reservation", payment: "Payment", session: "Charging session", operation: "Operation",
      battery: "Battery %", range: "Range km", lat: "Latitude", lon: "Longitude", due: "Service due",
      faults: "Fault codes", t_tool: "Tool", t_status: "Status", t_ms: "ms", vehicle: "Vehicle", trace: "Trace",
      pending: "Sent with your next message", sent: "Vehicle state sent",
      tools: (n, p) => `${n} tools${p ? ` (${p} partner)` : ""}`,
      nav_to: (n) => `navigate to the ${ORD_EN[n]} one`,
      charge_at: (n) => `start charging at the ${ORD_EN[n]} one with my card`,
      book_it: (n) => `book the ${ORD_EN[n]} one`,
      chips: ["find a fast charger on the way", "find parking near the Bund", "how is my battery",
        "stop charging", "pay for charging"],
      km: "km", min: "min", kw: "kW", free: "free", status: "Status", station: "Station", hold: "Hold",
      captured: "Captured", amount: "Amount", card: "Card", cost: "Cost", energy: "Energy", distance: "Distance",
      duration: "Duration", stops: "Charging stops", feasible: "On current charge", yes: "yes", no: "no",
      destination: "Destination", venue: "Venue", start: "Start", price: "Price", map: "Map",
      map_empty: "Ask for a charger, a place or a route", answered: "Confirmed", declined: "Cancelled",
      failed: "Something went wrong", starting: "Starting…", language: "Language", conversation: "Conversation", no_charge: "Free", kwh: "kWh",
      counted: {stations: (n) => `${n} charging stations`, places: (n) => `${n} places`, slots: (n) => `${n} open slots`},
      agent_hint: "The agent that answers",
    },
    "zh-CN": {
      message: "消息", send: "发送", confirm: "确认", cancel: "取消", you: "我",
      navigate: "导航", charge: "在此充电", show_route: "显示路线", book: "预订", refresh: "刷新",
      stations: "充电站", places: "地点", route: "路线", slots: "可预订时段",
      reservation: "预订", payment: "支付", session: "充电会话", operation: "操作",
      battery: "电量（%）", range: "续航（公里）", lat: "纬度", lon: "经度", due: "待保养项目",
      faults: "故障码", t_tool: "工具", t_status: "状态", t_ms: "毫秒", vehicle: "车辆", trace: "调用记录",
      pending: "将随下一条消息发送", sent: "车辆状态已发送",
      tools: (n, p) => `${n} 个工具${p ? `（合作方 ${p} 个）` : ""}`,
      nav_to: (n) => `导航到第${ORD_ZH[n]}个`,
      charge_at: (n) => `在第${ORD_ZH[n]}个用卡充电`,
      book_it: (n) => `预订第${ORD_ZH[n]}个`,
      chips: ["找一个快充站", "外滩附近的停车场", "电池怎么样", "停止充电", "支付充电费用"],
      km: "公里", min: "分钟", kw: "千瓦", free: "空闲", status: "状态", station: "充电站", hold: "预授权",
      captured: "已扣款", amount: "金额", card: "支付方式", cost: "费用", energy: "电量", distance: "距离",
      duration: "时长", stops: "途中充电", feasible: "当前电量可达", yes: "是", no: "否",
      destination: "目的地", venue: "场所", start: "开始", price: "价格", map: "地图",
      map_empty: "问我充电站、地点或路线", answered: "已确认", declined: "已取消",
      failed: "出错了", starting: "正在启动…", language: "语言", conversation: "对话", no_charge: "免费", kwh: "千瓦时",
      counted: {stations: (n) => `${n} 个充电站`, places: (n) => `${n} 个地点`, slots: (n) => `${n} 个可预订时段`},
      agent_hint: "正在回答的助手",
    },
  };
  // The agents' names as the assistant says them in each language (the API's `agent` is the English name).
  const AGENTS = {"zh-CN": {"Car Genius": "用车专家", "Travel Companion": "出行伙伴"}};
  const agentName = (name) => (AGENTS[state.locale] || {})[name] || name;
  // A status as the driver reads it, by what it is the status of (the API's codes stay in data-status and
  // in the trace, which is the developer's view).
  const STATUS = {
    "en-US": {
      session: {PENDING: "Starting", ACTIVE: "Charging", STOPPING: "Stopping", COMPLETED: "Finished", FAILED: "Failed"},
      payment: {processing: "Processing", requires_capture: "Held on card", succeeded: "Paid", canceled: "Cancelled",
        failed: "Failed"},
      booking_payment: {not_required: "Not needed", pending: "Processing", authorized: "Held on card", captured: "Paid",
        refunded: "Refunded", voided: "Released"},
      reservation: {pending: "Pending", confirmed: "Confirmed", fulfilled: "Completed", cancelled: "Cancelled",
        no_show: "No-show"},
      operation: {pending: "In progress", succeeded: "Done", failed: "Failed"},
    },
    "zh-CN": {
      session: {PENDING: "启动中", ACTIVE: "充电中", STOPPING: "正在停止", COMPLETED: "已结束", FAILED: "失败"},
      payment: {processing: "处理中", requires_capture: "已预授权", succeeded: "已支付", canceled: "已取消", failed: "失败"},
      booking_payment: {not_required: "无需支付", pending: "处理中", authorized: "已预授权", captured: "已支付",
        refunded: "已退款", voided: "已释放"},
      reservation: {pending: "处理中", confirmed: "已确认", fulfilled: "已完成", cancelled: "已取消", no_show: "未到场"},
      operation: {pending: "进行中", succeeded: "已完成", failed: "失败"},
    },
  };
  // A kv row: the label, the status in words, its colour and its code.
  const statusRow = (label, kind, code) =>
    [label, code === undefined ? undefined : STATUS[state.locale][kind][code] || code, `status-${code}`, code];
  const ORD_EN = ["first", "second", "third", "fourth", "fifth"];
  const ORD_ZH = ["一", "二", "三", "四", "五"];

  const CAR = {  // the demo car: People's Square, Shanghai, a quarter charged
    location: {lat: 31.2304, lon: 121.4737}, heading_deg: 90, battery_percent: 23, range_km: 80,
    connectors: ["GB_T_DC", "CCS2"], consumption_kwh_per_100km: 16.5,
  };

  const state = {
    locale: new URLSearchParams(location.search).get("locale") === "zh-CN" ? "zh-CN" : "en-US",
    session: null, vehicle: structuredClone(CAR), dirty: {}, busy: false, names: {}, catalog: null,
    map: {stations: [], places: [], venues: [], route: null, destination: null},
  };
  const t = (key) => TEXT[state.locale][key];

  // -- money, numbers ---------------------------------------------------------------------------------
  function money(m) {
    if (!m || typeof m.amount !== "number" || !m.currency) return "—";
    // narrowSymbol: "¥45.50" as the assistant says it, not en-US's "CN¥45.50"
    const format = new Intl.NumberFormat(state.locale, {style: "currency", currency: m.currency, currencyDisplay: "narrowSymbol"});
    return format.format(m.amount / 10 ** format.resolvedOptions().maximumFractionDigits);
  }
  // A price: "Free" when it is nothing (a table costs nothing to book; "¥0.00" reads as odd).
  const price = (m) => (m && m.amount === 0 ? t("no_charge") : money(m));
  const num = (v, digits = 1) => (typeof v === "number" ? v.toFixed(digits).replace(/\.0+$/, "") : "—");
  const amountOf = (v) => (typeof v === "number" ? null : v);  // Money, or a bare number of minor units

  // -- session --------------------------------------------------------------------------------------
  // One session start at a time: a message sent while the language switch is starting one waits for it (two
  // starts racing left the page on a session without the conversation, so "the first one" lost its list).
  let starting = null;
  function ensureSession() {
    if (state.session) return Promise.resolve();
    starting = starting || startSession().finally(() => { starting = null; });
    return starting;
  }

  async function startSession() {
    const locale = state.locale;
    const answer = await call("vehicle", "POST", "/v1/sessions", {locale, vehicle: state.vehicle});
    if (locale !== state.locale) return startSession();  // the language changed meanwhile
    state.session = answer.body.session_id;
    state.dirty = {};
    markDirty();
    $("conn").className = "conn ok";
    $("conn").title = state.session;
  }

  async function loadCatalog() {
    try {
      const {body} = await call("vehicle", "GET", "/v1/tools");
      const partner = body.tools.filter((tool) => String(tool.source).startsWith("partner:")).length;
      state.catalog = [body.tools.length, partner];
      showCatalog();
    } catch (error) {
      $("tools").textContent = error.message;
    }
  }

  function showCatalog() {
    if (state.catalog) $("tools").textContent = t("tools")(...state.catalog);
  }

  async function turn(body, shown) {
    if (state.busy) return;
    state.busy = true;
    $("send").disabled = true;
    try {
      await ensureSession();
      if (shown) addMessage("driver", shown);
      const update = takeVehicleUpdate();
      if (update) body.vehicle = update;
      const answer = await call("vehicle", "POST", `/v1/sessions/${state.session}/turns`, body);
      if (update) $("vehicle-hint").textContent = t("sent");
      render(answer.body);
    } catch (error) {
      if (error.status === 404 && state.session) {  // the session expired: start a new one next time
        state.session = null;
      }
      addMessage("error", `${t("failed")}: ${error.message}`);
    } finally {
      state.busy = false;
      $("send").disabled = false;
    }
  }

  // -- rendering a turn -----------------------------------------------------------------------------
  function addMessage(kind, text, agent) {
    const item = el("li", {class: `msg ${kind}`, "data-testid": `msg-${kind}`},
      el("span", {class: "who", text: kind === "driver" ? t("you") : agent || ""}), el("span", {class: "text", text}));
    $("messages").append(item);
    item.scrollIntoView({block: "end"});
    return item;
  }

  function render(answer) {
    $("agent").textContent = agentName(answer.agent);
    const bubble = addMessage("assistant", answer.reply, agentName(answer.agent));
    for (const toolCall of answer.tool_calls) trace(toolCall.name, toolCall.status, toolCall.latency_ms, toolCall.error);
    const sessions = [];
    for (const toolCall of answer.tool_calls) {
      const result = toolCall.result || {};
      if (result.session) sessions.push(result.session);
      else if (toolCall.status === "accepted" && result.operation) bubble.append(operationCard(toolCall.name, result.operation));
    }
    for (const card of answer.cards) {
      const node = cardFor(card);
      if (node) bubble.append(node);
    }
    for (const session of sessions) bubble.append(sessionCard(session));
    if (answer.pending_confirmation) bubble.append(question(answer.pending_confirmation));
    drawMap();
    bubble.scrollIntoView({block: "end"});
  }

  function question(pending) {
    const box = el("div", {class: "question", "data-testid": "question"});
    const answer = (kind) => async () => {
      for (const button of box.querySelectorAll("button")) button.disabled = true;
      await turn({[kind]: pending.token}, kind === "confirm" ? t("answered") : t("declined"));
    };
    box.append(
      el("button", {type: "button", class: "big confirm", text: t("confirm"), onclick: answer("confirm")}),
      el("button", {type: "button", class: "big cancel", text: t("cancel"), onclick: answer("reject")}),
    );
    return box;
  }

  function card(kind, title, ...body) {
    return el("div", {class: `card card-${kind}`, "data-testid": `card-${kind}`}, el("h3", {text: title}), ...body);
  }

  function kv(pairs) {
    return el("dl", {class: "kv"}, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
      .flatMap(([k, v, cls, code]) => [el("dt", {text: k}), el("dd", {class: cls, "data-status": code, text: v})]));
  }

  function action(label, utterance) {
    return el("button", {type: "button", class: "act", text: label, onclick: () => turn({text: utterance}, utterance)});
  }

  function cardFor(c) {
    if (c.type === "stations") {
      showOnly("stations", c.stations);
      for (const station of c.stations) state.names[station.id] = station.name;
      return card("stations", t("stations"), el("ul", {}, c.stations.slice(0, 5).map((s, i) => {
        const free = (s.connectors || []).filter((x) => x.status === "AVAILABLE").length;
        return el("li", {class: "item", "data-testid": "station"},
          el("span", {class: "name", text: `${i + 1}. ${s.name}`}),
          el("span", {class: "meta", text: `${num(s.distance_km)} ${t("km")} · ${num(s.max_power_kw, 0)} ${t("kw")} · ${free} ${t("free")}`}),
          el("span", {class: "acts"}, action(t("navigate"), t("nav_to")(i)), action(t("charge"), t("charge_at")(i))));
      })));
    }
    if (c.type === "places") {
      showOnly("places", c.places);
      return card("places", t("places"), el("ul", {}, c.places.slice(0, 5).map((p, i) =>
        el("li", {class: "item", "data-testid": "place"},
          el("span", {class: "name", text: `${i + 1}. ${p.name}`}),
          el("span", {class: "meta", text: [p.address, p.distance_km !== undefined ? `${num(p.distance_km)} ${t("km")}` : ""].filter(Boolean).join(" · ")}),
          el("span", {class: "acts"}, action(t("navigate"), t("nav_to")(i)))))));
    }
    if (c.type === "route") {
      const r = c.route || {};
      const d = c.destination || {};
      if (c.route) state.map.route = r;
      if (d.destination) state.map.destination = {...d.destination, name: d.name};
      const box = card("route", t("route"), kv([
        [t("destination"), d.name],
        [t("distance"), r.distance_km !== undefined ? `${num(r.distance_km)} ${t("km")}` : undefined],
        [t("duration"), r.duration_min !== undefined ? `${num(r.duration_min, 0)} ${t("min")}` : undefined],
        [t("feasible"), r.feasible_on_current_charge === undefined ? undefined : t(r.feasible_on_current_charge ? "yes" : "no")],
        [t("stops"), r.charging_stops ? String(r.charging_stops.length) : undefined],
      ]));
      if (d.destination && !c.route && state.vehicle.location) box.append(routeButton(d));
      return box;
    }
    if (c.type === "reservation") {
      if (c.slots) {
        showOnly("venues", c.slots.map((s) => s.venue).filter(Boolean));
        return card("slots", t("slots"), el("ul", {}, c.slots.slice(0, 5).map((s, i) =>
          el("li", {class: "item", "data-testid": "slot"},
            el("span", {class: "name", text: `${i + 1}. ${(s.venue || {}).name || s.slot_id}`}),
            el("span", {class: "meta", text: `${localTime(s.start)} · ${price(s.price)}`}),
            el("span", {class: "acts"}, action(t("book"), t("book_it")(i)))))));
      }
      const r = c.reservation || {};
      return card("reservation", t("reservation"), kv([
        [t("venue"), (r.venue || {}).name], statusRow(t("status"), "reservation", r.status),
        [t("start"), r.start ? localTime(r.start) : undefined],
        statusRow(t("payment"), "booking_payment", r.payment ? r.payment.status : undefined),
      ]));
    }
    if (c.type === "payment") return paymentCard(c.payment || {});
    if (c.type === "text" && !c.operation) return card("text", "", el("p", {text: c.text}));
    return null;
  }

  // A direct tool call (the same public API the assistant uses): the route from the car to the destination.
  function routeButton(d) {
    const button = el("button", {type: "button", class: "act", text: t("show_route"), onclick: async () => {
      button.disabled = true;
      try {
        const args = {origin: state.vehicle.location, destination: d.destination};
        const {body, ms} = await call("vehicle", "POST", "/v1/tools/navigation_plan_route/invoke", {arguments: args});
        trace("navigation_plan_route", body.status, ms);
        if (body.result && body.result.route) {
          // the route's card takes the place of the destination's (not a second card inside it)
          button.closest(".card").replaceWith(cardFor({type: "route", route: body.result.route, destination: d}));
          drawMap();
        }
      } catch (error) {
        trace("navigation_plan_route", "failed", undefined, error.problem);
        button.disabled = false;
      }
    }});
    return el("div", {class: "question"}, button);
  }

  // The latest search is what the map shows (the destination and the route stay).
  function showOnly(kind, items) {
    state.map.stations = kind === "stations" ? items : [];
    state.map.places = kind === "places" ? items : [];
    state.map.venues = kind === "venues" ? items : [];
  }

  // A venue's time as the venue tells it (its own UTC offset), not converted to the screen's zone.
  // Said as the assistant says it: "Sun 6 Dec 11:30" / "12月6日（周日）11:30", not "2026-12-06 11:30".
  function localTime(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(String(iso));
    if (!m) return String(iso);
    const [month, day] = [Number(m[2]), Number(m[3])];
    const weekday = new Date(Date.UTC(Number(m[1]), month - 1, day)).getUTCDay();  // the wall date's, 0 = Sunday
    if (state.locale === "zh-CN") return `${month}月${day}日（周${"日一二三四五六"[weekday]}）${m[4]}`;
    const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return `${["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][weekday]} ${day} ${MONTHS[month - 1]} ${m[4]}`;
  }

  function paymentCard(p) {
    const method = p.method ? p.method.label || p.method.id : undefined;
    return card("payment", t("payment"), kv([
      statusRow(t("status"), "payment", p.status),
      [t("amount"), p.amount ? money(p.amount) : undefined],
      [t("hold"), p.hold ? money(p.hold) : undefined],
      [t("captured"), p.captured && amountOf(p.captured) ? money(p.captured) : undefined],
      [t("card"), method || p.method_id],
    ]));
  }

  function sessionCard(s) {
    const box = card("session", t("session"), kv([
      statusRow(t("status"), "session", s.status),
      [t("station"), state.names[s.station_id] || s.station_name || s.station_id],
      [t("energy"), s.kwh !== undefined ? `${num(s.kwh, 2)} ${t("kwh")}` : undefined],
      [t("cost"), s.cost ? money(s.cost) : undefined],
    ]));
    if (s.payment) box.append(paymentCard(s.payment));
    box.append(el("div", {class: "question"}, el("button", {
      type: "button", class: "act", text: t("refresh"),
      onclick: async () => {  // a direct tool call: the same API the assistant uses
        const {body, ms} = await call("vehicle", "POST", "/v1/tools/charging_get_session/invoke", {arguments: {session_id: s.id}});
        trace("charging_get_session", body.status, ms);
        if (body.result && body.result.session) box.replaceWith(sessionCard(body.result.session));
      },
    })));
    return box;
  }

  function operationCard(tool, op) {
    const box = card("operation", t("operation"), kv([[t("status"), t("starting")]]));
    followOperation(tool, op, box);
    return box;
  }

  async function followOperation(tool, op, box) {
    const started = performance.now();
    for (let i = 0; i < 60; i += 1) {  // bounded: 30 s at most
      try {
        const {body} = await call("vehicle", "GET", op.poll || `/v1/operations/${op.id}`);
        if (body.status !== "pending") {
          trace(`${tool} (operation)`, body.status, Math.round(performance.now() - started), body.error);
          if (body.result && body.result.session) box.replaceWith(sessionCard(body.result.session));
          else box.replaceWith(card("operation", t("operation"), kv([statusRow(t("status"), "operation", body.status)])));
          return;
        }
      } catch (error) {
        box.replaceWith(card("operation", t("operation"), el("p", {text: error.message})));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  // "charging_start_session" may wrap after an underscore, never in the middle of a word.
  const breakable = (name) => String(name).split(/(?<=_)/).flatMap((part, i) => (i ? [el("wbr"), part] : [part]));

  function trace(name, status, ms, error) {
    const row = el("tr", {"data-testid": "trace-row", title: error ? error.detail || error.title : undefined},
      el("td", {}, breakable(name)), el("td", {class: `status-${status}`}, breakable(status)),
      el("td", {text: ms === undefined || ms === null ? "—" : String(ms)}));
    $("trace").prepend(row);
  }

  // -- the map: SVG from the coordinates, no tiles --------------------------------------------------
  function decodePolyline(text, precision = 5) {
    const points = [];
    const factor = 10 ** precision;
    let index = 0, lat = 0, lon = 0;
    while (index < text.length) {
      for (const axis of [0, 1]) {
        let shift = 0, result = 0, byte;
        do {
          byte = text.charCodeAt(index++) - 63;
          result |= (byte & 0x1f) << shift;
          shift += 5;
        } while (byte >= 0x20 && index < text.length);
        const delta = result & 1 ? ~(result >> 1) : result >> 1;
        if (axis === 0) lat += delta; else lon += delta;
      }
      points.push({lat: lat / factor, lon: lon / factor});
    }
    return points;
  }

  function drawMap() {
    const svg = $("map");
    const W = 480, H = 300, PAD = 28;
    const ns = "http://www.w3.org/2000/svg";
    const s = (tag, attrs, text) => {
      const node = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
      if (text !== undefined) node.textContent = text;
      return node;
    };
    svg.replaceChildren(s("title", {id: "map-title"}, t("map")));
    const m = state.map;
    const route = m.route && m.route.polyline ? decodePolyline(m.route.polyline, m.route.polyline_precision || 5) : [];
    const car = state.vehicle.location;
    const layers = [
      ...m.stations.map((x) => ({...x.location, kind: "station", label: x.name, busy: !(x.connectors || []).some((c) => c.status === "AVAILABLE")})),
      ...m.places.map((x) => ({...x.location, kind: "place", label: x.name})),
      ...m.venues.map((x) => ({...x.location, kind: "venue", label: x.name})),
      ...(m.destination ? [{...m.destination, kind: "dest", label: m.destination.name}] : []),
    ].filter((p) => typeof p.lat === "number" && typeof p.lon === "number");
    const all = [...layers, ...route, ...(car ? [car] : [])];
    if (!all.length) {
      $("map-caption").textContent = t("map_empty");
      return;
    }
    const lat0 = all.reduce((a, p) => a + p.lat, 0) / all.length;
    const kx = Math.cos((lat0 * Math.PI) / 180);
    const xs = all.map((p) => p.lon * kx), ys = all.map((p) => p.lat);
    let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const span = Math.max(x1 - x0, (y1 - y0) * (W / H), 0.01);
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    const scale = (W - 2 * PAD) / span;
    const X = (p) => W / 2 + (p.lon * kx - cx) * scale;
    const Y = (p) => H / 2 - (p.lat - cy) * scale;
    for (let i = 1; i < 8; i += 1) svg.append(s("line", {class: "grid-line", x1: (W * i) / 8, y1: 0, x2: (W * i) / 8, y2: H}));
    for (let i = 1; i < 5; i += 1) svg.append(s("line", {class: "grid-line", x1: 0, y1: (H * i) / 5, x2: W, y2: (H * i) / 5}));
    if (route.length > 1) {
      svg.append(s("polyline", {class: "route", "data-testid": "map-route", points: route.map((p) => `${X(p).toFixed(1)},${Y(p).toFixed(1)}`).join(" ")}));
    }
    layers.forEach((p, i) => {
      const g = s("g", {"data-testid": `map-${p.kind}`});
      if (p.kind === "dest") g.append(s("path", {class: "dest", d: `M${X(p)},${Y(p)} l-7,-16 a7,7 0 1 1 14,0 z`}));
      else g.append(s("circle", {class: `${p.kind}${p.busy ? " busy" : ""}`, cx: X(p), cy: Y(p), r: 8}));
      if (p.kind === "station" && i < 5) g.append(s("text", {x: X(p) + 10, y: Y(p) + 4}, String(i + 1)));
      if (p.kind === "dest") {
        const right = X(p) > W * 0.6;  // labels near the right edge grow to the left
        g.append(s("text", {x: X(p) + (right ? -10 : 10), y: Y(p) - 8, "text-anchor": right ? "end" : "start"}, p.label || ""));
      }
      g.append(s("title", {}, p.label || ""));
      svg.append(g);
    });
    if (car) {
      const heading = state.vehicle.heading_deg || 0;
      svg.append(s("path", {class: "car", "data-testid": "map-car", d: "M0,-12 L8,9 L0,4 L-8,9 Z",
        transform: `translate(${X(car)},${Y(car)}) rotate(${heading})`}));
    }
    const kmPerPx = 111.32 / scale;  // degrees of latitude per pixel, in km
    const barKm = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500].find((k) => k / kmPerPx >= 60) || 1000;
    const barPx = barKm / kmPerPx;
    svg.append(s("line", {class: "scale", x1: 12, y1: H - 14, x2: 12 + barPx, y2: H - 14}));
    svg.append(s("text", {class: "scale-text", x: 12, y: H - 20}, `${barKm} ${t("km")}`));
    $("map-caption").textContent = [
      m.stations.length ? t("counted").stations(m.stations.length) : "",
      m.places.length ? t("counted").places(m.places.length) : "",
      m.venues.length ? t("counted").slots(m.venues.length) : "",
      m.route ? `${t("route")} ${num(m.route.distance_km)} ${t("km")}` : "",
    ].filter(Boolean).join(" · ");
  }

  // -- the vehicle's state: edits go with the next turn, as its partial `vehicle` update ------------
  const FIELDS = ["battery", "range", "lat", "lon", "due", "faults"];
  function fillVehicle() {
    const v = state.vehicle;
    $("battery").value = v.battery_percent ?? "";
    $("range").value = v.range_km ?? "";
    $("lat").value = v.location ? v.location.lat : "";
    $("lon").value = v.location ? v.location.lon : "";
    $("due").value = ((v.service || {}).due || []).join(", ");
    $("faults").value = ((v.service || {}).fault_codes || []).join(", ");
  }
  function markDirty() {
    for (const id of FIELDS) $(id).classList.toggle("dirty", Boolean(state.dirty[id]));
    $("vehicle-hint").textContent = Object.keys(state.dirty).length ? t("pending") : "";
  }
  function takeVehicleUpdate() {
    if (!Object.keys(state.dirty).length) return null;
    const list = (id) => $(id).value.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean);
    const update = {};
    const d = state.dirty;
    if (d.battery && $("battery").value !== "") update.battery_percent = Number($("battery").value);
    if (d.range && $("range").value !== "") update.range_km = Number($("range").value);
    if ((d.lat || d.lon) && $("lat").value !== "" && $("lon").value !== "") {
      update.location = {lat: Number($("lat").value), lon: Number($("lon").value)};
    }
    if (d.due || d.faults) update.service = {due: list("due"), fault_codes: list("faults")};
    Object.assign(state.vehicle, update);
    state.dirty = {};
    markDirty();
    drawMap();
    return Object.keys(update).length ? update : null;
  }

  // -- locale ---------------------------------------------------------------------------------------
  function applyLocale() {
    document.documentElement.lang = state.locale === "zh-CN" ? "zh-CN" : "en";
    $("message-label").textContent = t("message");
    $("send").textContent = t("send");
    $("vehicle-title").textContent = t("vehicle");
    $("trace-title").textContent = t("trace");
    $("chat-title").textContent = t("conversation");
    $("agent").title = t("agent_hint");
    document.querySelector(".locale").setAttribute("aria-label", t("language"));
    showCatalog();
    tick();
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const button of document.querySelectorAll(".locale button")) {
      button.setAttribute("aria-pressed", String(button.dataset.locale === state.locale));
    }
    $("chips").replaceChildren(...t("chips").map((text) =>
      el("button", {type: "button", text, onclick: () => turn({text}, text)})));
    drawMap();
  }

  async function switchLocale(locale) {
    if (locale === state.locale || state.busy) return;
    state.locale = locale;
    state.session = null;  // a session speaks one language: the next message starts a new one
    state.map = {stations: [], places: [], venues: [], route: null, destination: null};
    $("messages").replaceChildren();
    $("agent").textContent = "—";
    applyLocale();
    await ensureSession().catch((error) => addMessage("error", error.message));
  }

  // -- wiring ---------------------------------------------------------------------------------------
  function tick() {
    $("clock").textContent = new Date().toLocaleTimeString(state.locale, {hour: "2-digit", minute: "2-digit"});
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("message").value.trim();
      if (!text) return;
      $("message").value = "";
      turn({text}, text);
    });
    for (const button of document.querySelectorAll(".locale button")) {
      button.addEventListener("click", () => switchLocale(button.dataset.locale));
    }
    for (const id of FIELDS) {
      $(id).addEventListener("input", () => { state.dirty[id] = true; markDirty(); });
    }
    fillVehicle();
    applyLocale();
    tick();
    setInterval(tick, 10000);
    try {
      await ensureSession();
      await loadCatalog();
    } catch (error) {
      $("conn").className = "conn bad";
      addMessage("error", `${t("failed")}: ${error.message}`);
    }
    document.body.dataset.ready = "true";
  });
})();
