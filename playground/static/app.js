// The playground page: it shows the emulated workspace as the chosen person sees it, and acts as that
// person through the emulator's /pg/ endpoints. It waits for changes with a long poll (/pg/state?since=).
"use strict";

const $ = (selector) => document.querySelector(selector);
const h = Mrkdwn.html;

const page = {
  me: localStorage.getItem("playground.me") || "UOWNER",
  current: localStorage.getItem("playground.channel") || "CMKTO",
  thread: null,
  state: null,
  modalKey: null,
  poll: null,
  seenNotices: new Set(),
};

// ---------------------------------------------------------------- talking to the emulator

async function post(path, body) {
  const response = await fetch("/pg/" + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: page.me, ...body }),
  });
  const answer = await response.json().catch(() => ({ ok: false, error: "no answer" }));
  if (!response.ok && answer.error) toast(answer.error);
  return answer;
}

async function refresh(wait) {
  if (page.poll) page.poll.abort();
  const controller = new AbortController();
  page.poll = controller;
  const since = wait && page.state ? `&since=${page.state.version}` : "";
  try {
    const response = await fetch(`/pg/state?user=${encodeURIComponent(page.me)}${since}`, { signal: controller.signal });
    const state = await response.json();
    if (controller.signal.aborted) return;
    if (state.ok) {
      const before = page.state && page.state.version;
      page.state = state;
      if (before !== state.version || !wait) render();
    }
  } catch (error) {
    if (controller.signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (page.poll === controller) refresh(true);
}

// ---------------------------------------------------------------- drawing

// What each part of the page was last drawn from: a part is drawn again only when what it shows changed, so
// news elsewhere in the workspace never takes a button from under a person's pointer or closes a menu
// they have open.
const painted = new WeakMap();

function paint(element, html) {
  if (painted.get(element) === html) return false;
  painted.set(element, html);
  element.innerHTML = html;
  return true;
}

// ---------------------------------------------------------------- context for rendering

function context() {
  const users = {};
  for (const user of page.state.users) users[user.id] = user;
  const channels = {};
  for (const channel of page.state.channels) channels[channel.id] = channel;
  return { users, channels, viewer: users[page.me] };
}

function dmOf(user) {
  return "D" + user.slice(1);
}

function timeOf(ts, viewer) {
  return new Intl.DateTimeFormat((viewer.locale || "en-US"), {
    timeZone: viewer.tz, hour: "numeric", minute: "2-digit",
  }).format(new Date(Number(ts) * 1000));
}

// ---------------------------------------------------------------- Block Kit

function plainText(object) {
  return object ? h(Mrkdwn.emoji(object.text || "")) : "";
}

function textObject(object, ctx) {
  if (!object) return "";
  return object.type === "mrkdwn" ? Mrkdwn.render(object.text, ctx) : plainText(object).replace(/\n/g, "<br>");
}

// `where` says where an element lives: {ts} for a message or ephemeral, {view_id} for a modal or Home tab.
function element(el, blockId, where, ctx) {
  const data = `data-block-id="${h(blockId)}" data-action-id="${h(el.action_id || "")}"`;
  const whereData = where.view_id ? `data-view-id="${h(where.view_id)}"` : `data-ts="${h(where.ts)}"`;
  const confirm = el.confirm ? ` data-confirm="${h(JSON.stringify(el.confirm))}"` : "";
  switch (el.type) {
    case "button":
      return `<button type="button" class="bk-button ${h(el.style || "")}" ${data} ${whereData}${confirm}>${plainText(el.text)}</button>`;
    case "static_select":
    case "overflow": {
      const options = (el.options || []).concat(...(el.option_groups || []).map((group) => group.options || []));
      const placeholder = el.type === "overflow" ? "⋯" : plainText(el.placeholder) || "Select an item";
      const initial = el.type === "static_select" && el.initial_option ? el.initial_option.value : null;
      const mark = (option) => (option.value === initial ? " selected" : "");
      return `<select class="bk-select ${el.type}" ${data} ${whereData}${confirm} aria-label="${placeholder}">
        <option value=""${initial === null ? " selected" : ""}>${placeholder}</option>
        ${options.map((option) => `<option value="${h(option.value)}"${mark(option)}>${plainText(option.text)}</option>`).join("")}
      </select>`;
    }
    case "users_select":
    case "conversations_select":
    case "channels_select": {
      const choices = el.type === "users_select" ? userChoices(ctx) : channelChoices(ctx);
      return `<select class="bk-select" ${data} ${whereData}${confirm}>
        <option value="" selected>${plainText(el.placeholder) || "Select"}</option>
        ${choices.map(([value, label]) => `<option value="${h(value)}">${h(label)}</option>`).join("")}
      </select>`;
    }
    case "image":
      return `<span class="bk-image" title="${h(el.alt_text || "")}">🖼 ${h(el.alt_text || "")}</span>`;
    case "mrkdwn":
    case "plain_text":
      return `<span>${textObject(el, ctx)}</span>`;
    default:
      return `<span class="bk-unknown">[${h(el.type)}]</span>`;
  }
}

function userChoices(ctx) {
  return Object.values(ctx.users).filter((user) => !user.is_bot).map((user) => [user.id, `${user.real_name} (${user.title})`]);
}

function channelChoices(ctx) {
  return Object.values(ctx.channels).filter((channel) => !channel.is_im).map((channel) => [channel.id, "#" + channel.name]);
}

function blocks(list, where, ctx) {
  return (list || []).map((block) => {
    const id = block.block_id || "";
    switch (block.type) {
      case "header":
        return `<div class="bk-header">${plainText(block.text)}</div>`;
      case "section": {
        const fields = block.fields
          ? `<div class="bk-fields">${block.fields.map((field) => `<div>${textObject(field, ctx)}</div>`).join("")}</div>` : "";
        const accessory = block.accessory ? `<div class="bk-accessory">${element(block.accessory, id, where, ctx)}</div>` : "";
        return `<div class="bk-section"><div class="bk-section-body">${textObject(block.text, ctx)}${fields}</div>${accessory}</div>`;
      }
      case "context":
        return `<div class="bk-context">${(block.elements || []).map((el) => element(el, id, where, ctx)).join(" ")}</div>`;
      case "divider":
        return `<hr class="bk-divider">`;
      case "actions":
        return `<div class="bk-actions">${(block.elements || []).map((el) => element(el, id, where, ctx)).join("")}</div>`;
      case "image":
        return `<div class="bk-image">🖼 ${h(block.alt_text || "")}</div>`;
      case "input":
        return inputBlock(block, where, ctx);
      default:
        return `<div class="bk-unknown">[${h(block.type)} block]</div>`;
    }
  }).join("");
}

// ---------------------------------------------------------------- modals as forms

function initialValues(el) {
  const options = (list) => (list || []).map((option) => option.value);
  if (el.initial_value != null) return [String(el.initial_value)];
  if (el.initial_option) return [el.initial_option.value];
  if (el.initial_options) return options(el.initial_options);
  for (const key of ["initial_user", "initial_conversation", "initial_channel", "initial_date"]) {
    if (el[key]) return [el[key]];
  }
  for (const key of ["initial_users", "initial_conversations", "initial_channels"]) {
    if (el[key]) return el[key];
  }
  return [];
}

function inputBlock(block, where, ctx) {
  const el = block.element || {};
  const name = h(block.block_id);
  const initial = initialValues(el);
  const selected = (value) => (initial.includes(value) ? " selected" : "");
  const checked = (value) => (initial.includes(value) ? " checked" : "");
  let control;
  const options = (el.options || []).concat(...(el.option_groups || []).map((group) => group.options || []));
  switch (el.type) {
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input": {
      const max = el.max_length ? ` maxlength="${Number(el.max_length)}"` : "";
      const placeholder = el.placeholder ? ` placeholder="${plainText(el.placeholder)}"` : "";
      const value = h(initial[0] || "");
      control = el.multiline
        ? `<textarea name="${name}" id="in-${name}"${max}${placeholder}>${value}</textarea>`
        : `<input name="${name}" id="in-${name}" value="${value}"${max}${placeholder}>`;
      break;
    }
    case "static_select":
    case "multi_static_select": {
      const multiple = el.type.startsWith("multi") ? " multiple" : "";
      control = `<select name="${name}" id="in-${name}"${multiple}>
        ${multiple ? "" : `<option value="">${plainText(el.placeholder) || "Select an item"}</option>`}
        ${options.map((option) => `<option value="${h(option.value)}"${selected(option.value)}>${plainText(option.text)}</option>`).join("")}
      </select>`;
      break;
    }
    case "users_select":
    case "conversations_select":
    case "channels_select": {
      const choices = el.type === "users_select" ? userChoices(ctx) : channelChoices(ctx);
      control = `<select name="${name}" id="in-${name}">
        <option value="">${plainText(el.placeholder) || "Select"}</option>
        ${choices.map(([value, label]) => `<option value="${h(value)}"${selected(value)}>${h(label)}</option>`).join("")}
      </select>`;
      break;
    }
    case "multi_users_select":
    case "multi_conversations_select":
    case "multi_channels_select": {
      // Several people or channels: ticks, which are quicker than a multiple <select> for a handful.
      const choices = el.type.includes("users") ? userChoices(ctx) : channelChoices(ctx);
      control = `<div class="choices multi" id="in-${name}">${choices.map(([value, label]) => `
        <label class="choice"><input type="checkbox" name="${name}" value="${h(value)}"${checked(value)}>
          <span>${h(label)}</span></label>`).join("")}</div>`;
      break;
    }
    case "checkboxes":
    case "radio_buttons": {
      const kind = el.type === "checkboxes" ? "checkbox" : "radio";
      control = `<div class="choices" id="in-${name}">${options.map((option) => `
        <label class="choice"><input type="${kind}" name="${name}" value="${h(option.value)}"${checked(option.value)}>
          <span>${textObject(option.text, ctx)}${option.description ? `<small>${textObject(option.description, ctx)}</small>` : ""}</span>
        </label>`).join("")}</div>`;
      break;
    }
    case "datepicker":
      control = `<input type="date" name="${name}" id="in-${name}" value="${h(initial[0] || "")}">`;
      break;
    default:
      control = `<span class="bk-unknown">[${h(el.type)}]</span>`;
  }
  const optional = block.optional ? ` <span class="optional">(optional)</span>` : "";
  const hint = block.hint ? `<div class="hint">${plainText(block.hint)}</div>` : "";
  return `<div class="bk-input" data-block-id="${name}">
    <label class="input-label" for="in-${name}">${plainText(block.label)}${optional}</label>
    ${control}${hint}<div class="field-error" data-error-for="${name}" hidden></div>
  </div>`;
}

function formValues(form) {
  const values = {};
  for (const field of form.querySelectorAll(".bk-input")) {
    const name = field.dataset.blockId;
    const controls = field.querySelectorAll("[name]");
    const chosen = [];
    for (const control of controls) {
      if (control.type === "checkbox" || control.type === "radio") {
        if (control.checked) chosen.push(control.value);
      } else if (control.multiple) {
        for (const option of control.selectedOptions) chosen.push(option.value);
      } else if (control.value !== "") {
        chosen.push(control.value);
      }
    }
    const multi = controls.length > 1 || (controls[0] && (controls[0].multiple || controls[0].type === "checkbox"));
    values[name] = multi ? chosen : (chosen[0] || "");
  }
  return values;
}

function renderModal(ctx) {
  const layer = $("#modal-layer");
  const modal = page.state.modal;
  if (!modal) {
    layer.hidden = true;
    page.modalKey = null;
    return;
  }
  layer.hidden = false;
  const form = $("#modal");
  const key = modal.id + ":" + modal.hash;
  if (key !== page.modalKey) {
    // Only a new or updated view is drawn again: what the person typed is kept while they wait.
    page.modalKey = key;
    form.dataset.viewId = modal.id;
    form.innerHTML = `
      <div class="modal-head"><span class="modal-title">${plainText(modal.title)}</span>
        <button type="button" class="modal-x" aria-label="Close">✕</button></div>
      <div class="modal-body">${blocks(modal.blocks, { view_id: modal.id }, ctx)}</div>
      <div class="modal-foot">
        <button type="button" class="modal-close">${plainText(modal.close) || "Cancel"}</button>
        ${modal.submit ? `<button type="submit" class="modal-submit primary">${plainText(modal.submit)}</button>` : ""}
      </div>`;
  }
  for (const slot of form.querySelectorAll(".field-error")) {
    const message = (modal.errors || {})[slot.dataset.errorFor];
    slot.hidden = !message;
    slot.textContent = message || "";
    slot.closest(".bk-input").classList.toggle("has-error", Boolean(message));
  }
}

// ---------------------------------------------------------------- messages

function messageHtml(message, ctx, inThread) {
  const author = ctx.users[message.user] || { real_name: message.user || "?" };
  const isBot = Boolean(message.bot_id);
  const body = message.blocks && message.blocks.length
    ? blocks(message.blocks, { ts: message.ts }, ctx)
    : `<div class="text">${Mrkdwn.render(message.text, ctx)}</div>`;
  const files = (message.files || []).map((id) => {
    const file = page.state.files[id];
    if (!file) return "";
    return `<a class="file" href="/pg/files/${h(id)}/${encodeURIComponent(file.name)}" download="${h(file.name)}">
      📄 <span>${h(file.title || file.name)}</span> <small>${Math.max(1, Math.round(file.size / 1024))} KB · download</small></a>`;
  }).join("");
  const replies = inThread ? [] : page.state.messages.filter((reply) => reply.thread_ts === message.ts);
  const thread = replies.length
    ? `<button type="button" class="thread-link" data-thread="${h(message.ts)}">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</button>` : "";
  const ephemeral = message.ephemeral
    ? `<div class="only-you">👁 Only visible to you · <button type="button" class="dismiss" data-dismiss="${h(message.ts)}">Dismiss</button></div>` : "";
  return `<div class="message${message.ephemeral ? " ephemeral" : ""}" data-ts="${h(message.ts)}" data-author="${h(message.user || "")}">
    <div class="avatar${isBot ? " bot" : ""}">${isBot ? "M" : h((author.real_name || "?")[0])}</div>
    <div class="message-main">
      ${ephemeral}
      <div class="meta"><strong>${h(author.real_name)}</strong>${isBot ? ' <span class="app">APP</span>' : ""}
        <span class="time">${timeOf(message.ts, ctx.viewer)}</span>${message.edited ? ' <span class="edited">(edited)</span>' : ""}
        ${inThread ? "" : `<button type="button" class="reply" data-thread="${h(message.ts)}" title="Reply in thread">💬</button>`}</div>
      <div class="body">${body}</div>${files}${thread}
    </div></div>`;
}

function renderMessages(ctx) {
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const shown = page.state.messages.filter((m) => m.channel === page.current && !m.thread_ts)
    .concat(page.state.ephemerals.filter((e) => e.channel === page.current))
    .sort((a, b) => Number(a.ts) - Number(b.ts));
  paint(box, shown.length ? shown.map((m) => messageHtml(m, ctx, false)).join("")
    : `<div class="empty">No messages yet. Try <code>/msi help</code> or <code>/msi start</code>.</div>`);
  if (atBottom || !box.dataset.channel || box.dataset.channel !== page.current) box.scrollTop = box.scrollHeight;
  box.dataset.channel = page.current;
}

function renderThread(ctx) {
  const pane = $("#thread");
  const parent = page.thread && page.state.messages.find((m) => m.ts === page.thread);
  if (!parent || page.current === "home") {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  const replies = page.state.messages.filter((m) => m.thread_ts === parent.ts);
  paint($("#thread-messages"), [parent, ...replies].map((m) => messageHtml(m, ctx, true)).join(""));
}

function renderHome(ctx) {
  const home = page.state.home;
  paint($("#home"), home ? `<div class="home-view">${blocks(home.blocks, { view_id: home.id }, ctx)}</div>`
    : `<div class="empty">Opening App Home…</div>`);
}

// ---------------------------------------------------------------- the whole page

function render() {
  const state = page.state;
  const ctx = context();
  const who = $("#whoami");
  if (who.options.length !== state.users.length - 1) {
    who.innerHTML = state.users.filter((user) => !user.is_bot).map((user) =>
      `<option value="${h(user.id)}">${h(user.real_name)} · ${h(user.title)}</option>`).join("");
  }
  who.value = page.me;
  const me = ctx.viewer;
  paint($("#me-card"), `${h(me.real_name)}<br><small>${h(me.title)} · ${h(me.tz)} · ${h(me.locale)}</small>`);
  if (page.current !== "home" && !state.channels.some((c) => c.id === page.current)) {
    // Someone else's direct message is not this person's to see: theirs is shown instead.
    page.current = page.current.startsWith("D") ? dmOf(page.me) : "CGENERAL";
  }
  paint($("#channel-list"), state.channels.filter((c) => !c.is_im).map((c) =>
    `<li><button type="button" class="nav-item${c.id === page.current ? " active" : ""}" data-channel="${h(c.id)}"
      ${c.member ? "" : "title=\"You are not a member: open it to join\""}># ${h(c.name)}${c.bot_member ? "" : ' <small title="The bot is not in this channel">(no bot)</small>'}</button></li>`).join(""));
  paint($("#dm-list"), `<li><button type="button" class="nav-item${page.current === dmOf(page.me) ? " active" : ""}"
    data-channel="${h(dmOf(page.me))}">🤖 MSI Actions</button></li>`);
  $("#nav-home").classList.toggle("active", page.current === "home");
  const onHome = page.current === "home";
  $("#messages").hidden = onHome;
  const member = !onHome && ctx.channels[page.current].member;
  $("#composer").hidden = onHome || !member;
  $("#join").hidden = onHome || member;
  $("#home").hidden = !onHome;
  const channel = ctx.channels[page.current];
  paint($("#conversation-header"), onHome ? "🏠 <strong>MSI Actions</strong> · Home"
    : channel.is_im ? "🤖 <strong>MSI Actions</strong> · direct message"
      : `<strong># ${h(channel.name)}</strong> · ${channel.members.length} members`);
  if (onHome) renderHome(ctx);
  else renderMessages(ctx);
  renderThread(ctx);
  renderModal(ctx);
  for (const notice of state.notices) {
    if (!page.seenNotices.has(notice.id)) {
      page.seenNotices.add(notice.id);
      toast(notice.text);
    }
  }
}

function toast(text) {
  const item = document.createElement("div");
  item.className = "toast";
  item.textContent = text;
  $("#toasts").appendChild(item);
  setTimeout(() => item.remove(), 6000);
}

function go(channel) {
  page.current = channel;
  page.thread = null;
  localStorage.setItem("playground.channel", channel);
  if (channel === "home") post("home", {});
  render();
}

// ---------------------------------------------------------------- acting

function confirmFirst(confirm) {
  if (!confirm) return Promise.resolve(true);
  return new Promise((resolve) => {
    const layer = $("#confirm-layer");
    $("#confirm").innerHTML = `<div class="modal-head"><span class="modal-title">${plainText(confirm.title) || "Are you sure?"}</span></div>
      <div class="modal-body">${textObject(confirm.text, context())}</div>
      <div class="modal-foot"><button type="button" class="deny">${plainText(confirm.deny) || "Cancel"}</button>
      <button type="button" class="confirm ${h(confirm.style || "primary")}">${plainText(confirm.confirm) || "Yes"}</button></div>`;
    layer.hidden = false;
    const done = (answer) => { layer.hidden = true; resolve(answer); };
    $("#confirm .deny").onclick = () => done(false);
    $("#confirm .confirm").onclick = () => done(true);
  });
}

async function act(control, selected) {
  const confirm = control.dataset.confirm ? JSON.parse(control.dataset.confirm) : null;
  if (!(await confirmFirst(confirm))) {
    if (control.tagName === "SELECT") control.value = "";
    return;
  }
  control.disabled = true;
  const where = control.dataset.viewId ? { view_id: control.dataset.viewId } : { ts: control.dataset.ts };
  await post("action", { ...where, block_id: control.dataset.blockId, action_id: control.dataset.actionId, selected });
  control.disabled = false;
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  if (target.classList.contains("bk-button")) act(target, null);
  else if (target.dataset.channel) go(target.dataset.channel);
  else if (target.dataset.thread) { page.thread = target.dataset.thread; render(); }
  else if (target.dataset.dismiss) post("dismiss", { ts: target.dataset.dismiss });
  else if (target.classList.contains("modal-close") || target.classList.contains("modal-x")) {
    post("close", { view_id: $("#modal").dataset.viewId });
  }
});

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.classList.contains("bk-select") && target.value) act(target, target.value);
});

$("#modal").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector(".modal-submit");
  if (button) button.disabled = true;
  await post("submit", { view_id: form.dataset.viewId, values: formValues(form) });
  if (button) button.disabled = false;
});

$("#whoami").addEventListener("change", (event) => {
  page.me = event.target.value;
  localStorage.setItem("playground.me", page.me);
  page.modalKey = null;
  page.thread = null;
  if (page.current === "home") post("home", {});
  refresh(false);
});

$("#reset").addEventListener("click", async () => {
  const ok = await confirmFirst({
    title: { text: "Reset the playground?" },
    text: { type: "plain_text", text: "Every rollout, message and file goes; the bot starts again on an empty database." },
    confirm: { text: "Reset" }, deny: { text: "Cancel" }, style: "danger",
  });
  if (!ok) return;
  $("#reset").disabled = true;
  await post("reset", {});
  $("#reset").disabled = false;
  refresh(false);
});

$("#composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("#composer-text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  const answer = await post("message", { channel: page.current, text });
  if (!answer.ok && answer.error && !text.startsWith("/")) input.value = text;
});

$("#thread-composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("#thread-text");
  const text = input.value.trim();
  if (!text || !page.thread) return;
  input.value = "";
  await post("message", { channel: page.current, text, thread_ts: page.thread });
});

$("#join-button").addEventListener("click", () => post("join", { channel: page.current }));

$("#thread-close").addEventListener("click", () => { page.thread = null; render(); });

function share(file) {
  if (page.current === "home") { toast("Open a channel or the direct message to share a file."); return; }
  const reader = new FileReader();
  reader.onload = () => {
    const content = String(reader.result).split(",", 2)[1] || "";
    post("upload", { channel: page.current, name: file.name, mimetype: file.type, content });
  };
  reader.readAsDataURL(file);
}

$("#file-input").addEventListener("change", (event) => {
  for (const file of event.target.files) share(file);
  event.target.value = "";
});

const main = $("#main");
main.addEventListener("dragover", (event) => { event.preventDefault(); $("#drop-hint").hidden = false; });
main.addEventListener("dragleave", (event) => { if (event.target === main) $("#drop-hint").hidden = true; });
main.addEventListener("drop", (event) => {
  event.preventDefault();
  $("#drop-hint").hidden = true;
  for (const file of event.dataTransfer.files) share(file);
});

if (page.current === "home") post("home", {});
refresh(false);
