// The partner console: dry run, register, list, update (a new version) and retire contracts through
// /v1/contracts with a development partner token; GET /v1/tools shows what reached the catalog.
"use strict";

(() => {
  const {call, el, token} = window.Cockpit;
  const $ = (id) => document.getElementById(id);
  let updating = null;  // the contract a submit publishes a new version of (null: a new registration)

  function body() {
    const auth = $("auth_type").value === "api_key"
      ? {type: "api_key", in: "header", name: $("auth_name").value, value: $("auth_value").value}
      : {type: "none"};
    const confirmations = $("confirmation_required").value.split(/[\s,]+/).filter(Boolean);
    return {
      namespace: $("namespace").value.trim(),
      display_name: $("display_name").value.trim(),
      openapi: $("openapi").value,
      base_url: $("base_url").value.trim(),
      auth,
      confirmation_required: confirmations,
      timeout_ms: Number($("timeout_ms").value || 3000),
    };
  }

  function target(dryRun) {
    const query = dryRun ? "?dry_run=true" : "";
    return updating ? ["PUT", `/v1/contracts/${updating.contract_id}${query}`] : ["POST", `/v1/contracts${query}`];
  }

  function showProblem(error) {
    const problem = error.problem || {};
    $("outcome").replaceChildren(el("div", {class: "bad", role: "alert"},
      el("strong", {text: `${error.status || ""} ${problem.title || "Error"}: `}), problem.detail || error.message,
      el("ul", {class: "problem"}, (problem.errors || []).map((e) =>
        el("li", {text: `${e.pointer || e.parameter || e.header || ""} ${e.message}`})))));
  }

  async function dryRun() {
    $("outcome").replaceChildren();
    try {
      const [method, path] = target(true);
      const {body: answer} = await call("partner", method, path, body());
      preview(answer);
    } catch (error) {
      showProblem(error);
    }
  }

  function preview(answer) {
    $("preview-empty").hidden = true;
    $("warnings").replaceChildren(...answer.warnings.map((w) => el("li", {text: w})));
    $("preview").replaceChildren(...answer.tools.map((tool) => {
      const questions = tool.confirmation_question || {};
      return el("li", {"data-testid": "preview-tool"},
        el("div", {class: "tool-head"},
          el("span", {class: "tool-name", text: tool.name}),
          el("span", {class: `badge ${tool.effect}`, text: tool.effect}),
          tool.requires_confirmation ? el("span", {class: "badge confirm", text: "asks the driver"}) : null,
          el("span", {class: "dim", text: `${tool.method} ${tool.path}`})),
        el("dl", {class: "seen"},
          el("dt", {text: "Title"}), el("dd", {text: tool.title}),
          el("dt", {text: "The assistant reads"}), el("dd", {text: tool.description || "—"}),
          el("dt", {text: "Arguments"}), el("dd", {}, el("pre", {text: JSON.stringify(tool.input_schema, null, 2)})),
          ...(tool.requires_confirmation ? [
            el("dt", {text: "The driver hears"}),
            el("dd", {"data-testid": "question"},
              el("div", {class: "question", text: questions["en-US"] || ""}),
              el("div", {class: "question", lang: "zh-CN", text: questions["zh-CN"] || ""})),
          ] : [])));
    }));
  }

  async function submit(event) {
    event.preventDefault();
    $("outcome").replaceChildren();
    try {
      const [method, path] = target(false);
      const {body: answer} = await call("partner", method, path, body());
      const lines = [el("p", {class: "ok", role: "status",
        text: `${updating ? "Version" : "Registered"} ${answer.contract_id} v${answer.version}: ${answer.status}, ${answer.tools.length} tools`})];
      if (answer.signing) {
        const key = el("input", {type: "password", readonly: true, "aria-label": "Signing key", value: answer.signing.key});
        const reveal = el("button", {type: "button", text: "Show", onclick: () => {
          key.type = key.type === "password" ? "text" : "password";
          reveal.textContent = key.type === "password" ? "Show" : "Hide";
        }});
        lines.push(el("div", {class: "secret", "data-testid": "signing-key"},
          el("strong", {text: "Signing key — shown once, store it now. "}),
          "Every request the gateway sends you carries an HMAC-SHA256 signature made with it.",
          el("div", {class: "secret-row"}, key, reveal)));
      }
      $("outcome").replaceChildren(...lines);
      await refresh();
    } catch (error) {
      showProblem(error);
    }
  }

  function startUpdate(contract) {
    updating = contract;
    $("namespace").value = contract.namespace;
    $("namespace").readOnly = true;
    $("display_name").value = contract.display_name;
    $("mode").textContent = `New version of ${contract.namespace} (${contract.contract_id})`;
    $("register").textContent = "Publish new version";
    $("new-contract").hidden = false;
    $("openapi").focus();
  }

  function stopUpdate() {
    updating = null;
    $("namespace").readOnly = false;
    $("mode").textContent = "";
    $("register").textContent = "Register";
    $("new-contract").hidden = true;
  }

  async function retire(contract, button) {
    if (button.dataset.armed !== "true") {  // two presses: retiring removes the tools from every car
      button.dataset.armed = "true";
      button.textContent = "Press again to retire";
      return;
    }
    try {
      await call("partner", "DELETE", `/v1/contracts/${contract.contract_id}`);
      if (updating && updating.contract_id === contract.contract_id) stopUpdate();
      await refresh();
    } catch (error) {
      showProblem(error);
    }
  }

  async function refresh() {
    try {
      const {body: listing} = await call("partner", "GET", "/v1/contracts");
      $("contracts").replaceChildren(...listing.contracts.map((c) => {
        const retired = c.status === "retired";
        const retireButton = el("button", {type: "button", class: "danger", text: "Retire", disabled: retired});
        retireButton.addEventListener("click", () => retire(c, retireButton));
        return el("tr", {"data-testid": "contract", "data-namespace": c.namespace},
          el("td", {text: c.namespace}), el("td", {}, el("code", {text: c.contract_id})),
          el("td", {text: c.status}), el("td", {text: c.active_version ?? "—"}),
          el("td", {text: c.latest_version}), el("td", {text: c.pending_version ?? "—"}),
          el("td", {}, el("button", {type: "button", text: "Update", disabled: retired, onclick: () => startUpdate(c)}), " ", retireButton));
      }));
      const {body: catalog} = await call("partner", "GET", "/v1/tools");
      $("catalog").replaceChildren(...catalog.tools.map((tool) =>
        el("li", {"data-testid": "catalog-tool", text: `${tool.name} (${tool.effect}${tool.requires_confirmation ? ", asks" : ""})`})));
    } catch (error) {
      showProblem(error);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("contract").addEventListener("submit", submit);
    $("dry-run").addEventListener("click", dryRun);
    $("new-contract").addEventListener("click", stopUpdate);
    const keyFields = () => { for (const n of document.querySelectorAll(".key")) n.hidden = $("auth_type").value !== "api_key"; };
    $("auth_type").addEventListener("change", keyFields);
    keyFields();
    $("upload").addEventListener("change", async () => {
      const file = $("upload").files[0];
      if (file) $("openapi").value = await file.text();
    });
    try {
      await token("partner");
      const payload = JSON.parse(atob((await token("partner")).split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      $("who").textContent = `${payload.role} ${payload.sub}`;
    } catch (error) {
      showProblem(error);
    }
    await refresh();
    document.body.dataset.ready = "true";
  });
})();
