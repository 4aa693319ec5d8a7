// The pages' only way to the gateway: its public API on this origin, with a development token that the
// local runtime hands its own pages (GET /_dev/token, local runtime only, never deployed).
"use strict";

window.Cockpit = (() => {
  const tokens = {};

  async function token(role, fresh) {
    if (!fresh && tokens[role] && tokens[role].expires_at * 1000 > Date.now() + 60000) {
      return tokens[role].token;
    }
    const answer = await fetch(`/_dev/token?role=${encodeURIComponent(role)}`, {cache: "no-store"});
    if (!answer.ok) throw new Error(`no development token (${answer.status})`);
    tokens[role] = await answer.json();
    return tokens[role].token;
  }

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  // One call: {status, body, ms}; a 4xx/5xx throws ApiError carrying the problem document.
  async function call(role, method, path, body, headers) {
    const started = performance.now();
    for (const fresh of [false, true]) {
      const init = {method, headers: {Accept: "application/json", ...(headers || {})}};
      if (role) init.headers.Authorization = `Bearer ${await token(role, fresh)}`;
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      const answer = await fetch(path, init);
      if (answer.status === 401 && role && !fresh) continue; // an expired token: ask for a new one once
      const text = await answer.text();
      let parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch (_e) { parsed = {detail: text}; }
      const ms = Math.round(performance.now() - started);
      if (!answer.ok) throw new ApiError(answer.status, parsed);
      return {status: answer.status, body: parsed, ms};
    }
    throw new ApiError(401, {detail: "the development token was refused"});
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  return {call, token, el, newKey, ApiError};
})();
