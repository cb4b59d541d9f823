// Slack's mrkdwn as Slack shows it: *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, lists,
// <url|links>, <@U…>, <#C…>, <!here>, and <!date^…> in the viewer's time zone. Text arrives escaped the way
// Slack wants it (&amp; &lt; &gt;), and everything shown is escaped again for HTML.
"use strict";

const Mrkdwn = (() => {
  const html = (text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const unslack = (text) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

  function ordinal(day) {
    const tens = day % 100;
    if (tens >= 11 && tens <= 13) return day + "th";
    return day + ({ 1: "st", 2: "nd", 3: "rd" }[day % 10] || "th");
  }

  function parts(date, viewer, options) {
    const found = {};
    for (const part of new Intl.DateTimeFormat("en-US", { timeZone: viewer.tz, ...options }).formatToParts(date)) {
      found[part.type] = part.value;
    }
    return found;
  }

  function dayKey(date, viewer) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: viewer.tz }).format(date);
  }

  // One <!date^…> token: {date_num}, {date}, {date_short}, {date_long}, the _pretty forms, {time},
  // {time_secs} and {ago}.
  function formatDate(seconds, template, viewer) {
    const date = new Date(seconds * 1000);
    const ja = (viewer.locale || "").startsWith("ja");
    const tz = viewer.tz || "UTC";
    const v = { tz };
    const p = parts(date, v, { year: "numeric", month: "long", day: "numeric", weekday: "long" });
    const short = parts(date, v, { year: "numeric", month: "short", day: "numeric" });
    const num = dayKey(date, v);
    const day = Number(p.day);
    const forms = ja
      ? {
          date_num: num,
          date: new Intl.DateTimeFormat("ja-JP", { timeZone: tz, dateStyle: "long" }).format(date),
          date_short: new Intl.DateTimeFormat("ja-JP", { timeZone: tz, dateStyle: "medium" }).format(date),
          date_long: new Intl.DateTimeFormat("ja-JP", { timeZone: tz, dateStyle: "full" }).format(date),
          time: new Intl.DateTimeFormat("ja-JP", { timeZone: tz, hour: "2-digit", minute: "2-digit" }).format(date),
          time_secs: new Intl.DateTimeFormat("ja-JP", { timeZone: tz, timeStyle: "medium" }).format(date),
        }
      : {
          date_num: num,
          date: `${p.month} ${ordinal(day)}, ${p.year}`,
          date_short: `${short.month} ${short.day}, ${short.year}`,
          date_long: `${p.weekday}, ${p.month} ${ordinal(day)}, ${p.year}`,
          time: new Intl.DateTimeFormat("en-US", { timeZone: tz, hour: "numeric", minute: "2-digit" }).format(date),
          time_secs: new Intl.DateTimeFormat("en-US", { timeZone: tz, timeStyle: "medium" }).format(date),
        };
    const now = new Date();
    const relative = (fallback) => {
      const days = Math.round((Date.parse(num) - Date.parse(dayKey(now, v))) / 86400000);
      if (days === 0) return ja ? "今日" : "today";
      if (days === -1) return ja ? "昨日" : "yesterday";
      if (days === 1) return ja ? "明日" : "tomorrow";
      return fallback;
    };
    forms.date_pretty = relative(forms.date);
    forms.date_short_pretty = relative(forms.date_short);
    forms.date_long_pretty = relative(forms.date_long);
    const diff = Math.round((now - date) / 1000);
    const span = Math.abs(diff);
    const amount = span < 60 ? [span, "second"] : span < 3600 ? [Math.round(span / 60), "minute"]
      : span < 86400 ? [Math.round(span / 3600), "hour"] : [Math.round(span / 86400), "day"];
    forms.ago = new Intl.RelativeTimeFormat(ja ? "ja" : "en", { numeric: "auto" })
      .format(diff >= 0 ? -amount[0] : amount[0], amount[1]);
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in forms ? forms[name] : whole));
  }

  function token(inner, ctx) {
    const [target, label] = splitOnce(inner, "|");
    if (target.startsWith("@")) {
      const user = ctx.users[target.slice(1)];
      const name = label || (user ? user.real_name : target.slice(1));
      const me = target.slice(1) === ctx.viewer.id ? " me" : "";
      return `<span class="mention${me}" data-user="${html(target.slice(1))}">@${html(name)}</span>`;
    }
    if (target.startsWith("#")) {
      const channel = ctx.channels[target.slice(1)];
      const name = label || (channel ? channel.name : target.slice(1));
      return `<span class="channel-link" data-channel="${html(target.slice(1))}">#${html(name)}</span>`;
    }
    if (target.startsWith("!date^")) {
      const pieces = target.split("^");
      const seconds = Number(pieces[1]);
      if (!Number.isFinite(seconds) || pieces.length < 3) return html(label || "");
      const shown = html(formatDate(seconds, unslack(pieces[2]), ctx.viewer));
      return pieces[3] ? `<a href="${html(unslack(pieces[3]))}" target="_blank" rel="noopener">${shown}</a>`
        : `<time>${shown}</time>`;
    }
    if (target.startsWith("!")) {
      const name = target.slice(1).split("^")[0];
      return `<span class="mention broadcast">@${html(label || name)}</span>`;
    }
    const url = unslack(target);
    if (/^(https?:|mailto:)/i.test(url)) {
      return `<a href="${html(url)}" target="_blank" rel="noopener">${html(unslack(label || target))}</a>`;
    }
    return html(unslack("<" + inner + ">"));
  }

  function splitOnce(text, separator) {
    const at = text.indexOf(separator);
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  }

  // The shortcodes the bot's messages use, and a few common ones; others are shown as typed, like Slack
  // shows a custom emoji it does not know.
  const EMOJI = {
    white_check_mark: "✅", heavy_minus_sign: "➖", alarm_clock: "⏰", x: "❌", warning: "⚠️",
    large_blue_circle: "🔵", hourglass_flowing_sand: "⏳", ballot_box_with_check: "☑️", no_entry: "⛔",
    leftwards_arrow_with_hook: "↩️", hourglass: "⌛", double_vertical_bar: "⏸️", arrow_right: "➡️", lock: "🔒",
    tada: "🎉", wave: "👋", eyes: "👀", rocket: "🚀", bell: "🔔", memo: "📝", inbox_tray: "📥",
    heavy_check_mark: "✔️", red_circle: "🔴", large_green_circle: "🟢", large_yellow_circle: "🟡",
    white_circle: "⚪", information_source: "ℹ️", calendar: "📆", bust_in_silhouette: "👤", busts_in_silhouette: "👥",
  };

  function emoji(text) {
    return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
  }

  function inline(text) {
    text = emoji(text);
    // Bold, italic and strike need a non-word character (or an edge) on their outer sides, as in Slack.
    return text
      .replace(/(^|[^\w*])\*(?!\s)([^*\n]*?\S)\*(?!\w)/g, "$1<b>$2</b>")
      .replace(/(^|[^\w_])_(?!\s)([^_\n]*?\S)_(?!\w)/g, "$1<i>$2</i>")
      .replace(/(^|[^\w~])~(?!\s)([^~\n]*?\S)~(?!\w)/g, "$1<s>$2</s>");
  }

  function render(text, ctx) {
    if (!text) return "";
    const held = [];
    const hold = (rendered) => `\u0000${held.push(rendered) - 1}\u0000`;
    let work = String(text);
    work = work.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre>${html(unslack(code.replace(/^\n/, "")))}</pre>`));
    work = work.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${html(unslack(code))}</code>`));
    work = work.replace(/<([^<>\n]+)>/g, (_, inner) => hold(token(inner, ctx)));
    work = html(unslack(work));
    const lines = work.split("\n");
    const out = [];
    let list = null;
    for (const line of lines) {
      const quote = /^&gt;\s?(.*)$/.exec(line);
      const bullet = /^\s*(?:•|◦|-|\*)\s+(.*)$/.exec(line);
      const numbered = /^\s*(\d+)[.)]\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        const kind = bullet ? "ul" : "ol";
        if (!list || list.kind !== kind) {
          if (list) out.push(`</${list.kind}>`);
          list = { kind };
          out.push(numbered ? `<ol start="${numbered[1]}">` : "<ul>");
        }
        out.push(`<li>${inline((bullet || numbered)[bullet ? 1 : 2])}</li>`);
        continue;
      }
      if (list) { out.push(`</${list.kind}>`); list = null; }
      if (quote) out.push(`<blockquote>${inline(quote[1])}</blockquote>`);
      else out.push(inline(line) + "<br>");
    }
    if (list) out.push(`</${list.kind}>`);
    let rendered = out.join("").replace(/<br>$/, "");
    rendered = rendered.replace(/\u0000(\d+)\u0000/g, (_, index) => held[Number(index)]);
    return rendered;
  }

  return { render, html, formatDate, emoji };
})();
