// Sala's one script. Every page works without it; it only makes the booking form nicer:
// it says whether the form would be accepted while the person fills it in (why not, with the
// nearest slots and rooms that would do), keeps the meeting's length when the start moves, and
// suggests people for the guest list as they type.
"use strict";

// A door display reloads every minute to stay current, but never while someone is typing.
(function () {
  const kiosk = document.querySelector("[data-kiosk]");
  if (!kiosk) return;
  setInterval(() => {
    const typing = [...document.querySelectorAll("input[type=email]")].some((i) => i.value !== "" || i === document.activeElement);
    // To the kiosk's own page (after a form, the address is the form's: never post again).
    if (!typing) location.assign(kiosk.dataset.kiosk);
  }, 60_000);
})();

// The timeline as one ARIA grid: a single tab stop, arrow keys move between half hours and rooms,
// Home and End to the row's ends, Enter opens what the cell holds. Without the script every
// free slot stays a link of its own. It also scrolls to the current hour.
(function () {
  const grid = document.querySelector("table.timeline");
  if (!grid || !grid.tBodies[0]) return;
  grid.setAttribute("role", "grid");
  grid.setAttribute("aria-label", grid.dataset.label || "");
  // Each row: its cells with the first column each covers, and what takes focus in it.
  const rows = [...grid.tBodies[0].rows].map((tr) => {
    let column = 0;
    return [...tr.cells].map((cell) => {
      const target = cell.querySelector("a") || cell;
      const item = { cell, target, from: column, to: column + cell.colSpan };
      column += cell.colSpan;
      target.setAttribute("tabindex", "-1");
      return item;
    });
  });
  if (!rows.length) return;
  const nowHeader = grid.querySelector("thead th.now");
  const nowColumn = nowHeader ? [...nowHeader.parentElement.cells].indexOf(nowHeader) * 2 - 1 : 1;
  const at = (r, column) => rows[r].find((c) => c.from <= column && column < c.to) || rows[r][rows[r].length - 1];
  let current = { r: 0, item: at(0, Math.max(nowColumn, 1)) };
  current.item.target.setAttribute("tabindex", "0");
  function move(r, item) {
    current.item.target.setAttribute("tabindex", "-1");
    current = { r, item };
    item.target.setAttribute("tabindex", "0");
    item.target.focus();
  }
  grid.addEventListener("keydown", (e) => {
    const row = rows[current.r];
    const i = row.indexOf(current.item);
    let next = null;
    if (e.key === "ArrowRight" && i < row.length - 1) next = [current.r, row[i + 1]];
    else if (e.key === "ArrowLeft" && i > 0) next = [current.r, row[i - 1]];
    else if (e.key === "ArrowDown" && current.r < rows.length - 1) next = [current.r + 1, at(current.r + 1, current.item.from)];
    else if (e.key === "ArrowUp" && current.r > 0) next = [current.r - 1, at(current.r - 1, current.item.from)];
    else if (e.key === "Home") next = [current.r, row[0]];
    else if (e.key === "End") next = [current.r, row[row.length - 1]];
    if (!next) return;
    e.preventDefault();
    move(next[0], next[1]);
  });
  grid.addEventListener("focusin", (e) => {
    rows.forEach((row, r) => row.forEach((item) => { if (item.target === e.target && item !== current.item) move(r, item); }));
  });
  // Scroll the box so the current hour is in view, the room names still beside it.
  const wrap = grid.closest(".timeline-wrap");
  if (wrap && nowHeader) wrap.scrollLeft = Math.max(0, nowHeader.offsetLeft - grid.rows[0].cells[0].offsetWidth - 40);

  // Today: a line at the current minute, moved every half minute.
  const nowLine = wrap && wrap.querySelector(".now-line");
  function drawNowLine() {
    const minutes = (Date.now() - Number(nowLine.dataset.start)) / 60000;
    const hourCells = grid.tHead.rows[0].cells; // the room column, then one per hour
    const hour = Math.floor(minutes / 60);
    if (!(minutes >= 0) || hour + 1 >= hourCells.length) {
      nowLine.hidden = true;
      return;
    }
    const cell = hourCells[hour + 1];
    nowLine.style.left = cell.offsetLeft + ((minutes % 60) / 60) * cell.offsetWidth + "px";
    nowLine.hidden = false;
  }
  if (nowLine) {
    drawNowLine();
    setInterval(drawNowLine, 30000);
  }

  // Drag across a row's free half hours to pick a longer slot: the form opens with its start
  // and end. A plain click (or Enter) still opens the half hour it is on.
  let picking = null;
  const isOpen = (item) => item.cell.classList.contains("free") && item.target.tagName === "A";
  const rowOf = (a) => rows.findIndex((row) => row.some((item) => item.target === a));
  function picked() {
    const row = rows[picking.r];
    const [i, j] = [row.indexOf(picking.from), row.indexOf(picking.to)].sort((x, y) => x - y);
    const span = row.slice(i, j + 1);
    return span.every(isOpen) ? span : null;
  }
  function markPicked() {
    grid.querySelectorAll("td.picking").forEach((td) => td.classList.remove("picking"));
    for (const item of (picking && picked()) || []) item.cell.classList.add("picking");
  }
  grid.addEventListener("dragstart", (e) => e.preventDefault());
  grid.addEventListener("pointerdown", (e) => {
    const a = e.button === 0 && e.target.closest("td.free a");
    if (!a) return;
    const r = rowOf(a);
    const item = rows[r].find((it) => it.target === a);
    picking = { r, from: item, to: item };
  });
  grid.addEventListener("pointerover", (e) => {
    if (!picking) return;
    const a = e.target.closest("td.free a");
    const item = a && rows[picking.r].find((it) => it.target === a);
    if (!item) return;
    picking.to = item;
    markPicked();
  });
  document.addEventListener("pointerup", () => {
    if (!picking) return;
    const span = picking.from !== picking.to ? picked() : null;
    picking = null;
    if (!span) {
      markPicked();
      return;
    }
    const first = new URL(span[0].target.href);
    const last = new URL(span[span.length - 1].target.href).searchParams.get("start") || "";
    const m = /T(\d{2}):(\d{2})$/.exec(last);
    if (!m) return;
    const endMinutes = Number(m[1]) * 60 + Number(m[2]) + 30;
    first.searchParams.set("end", String(Math.floor(endMinutes / 60) % 24).padStart(2, "0") + ":" + String(endMinutes % 60).padStart(2, "0"));
    // The click that ends the drag must not open the half hour it ends on.
    grid.addEventListener("click", (e) => e.preventDefault(), { capture: true, once: true });
    location.assign(first.pathname + first.search);
  });
})();

(function () {
  const form = document.querySelector("form.booking-form");
  if (!form) return;
  const field = (name) => form.elements.namedItem(name);
  const editing = (form.getAttribute("action").match(/^\/bookings\/([0-9a-f-]{36})\/edit$/) || [])[1];

  // --- Live check ---------------------------------------------------------------------
  // The server reads the whole form as a submit would and checks it as a create would, so what
  // this box says is what submitting would do.
  const status = document.getElementById("availability");
  const watched = ["room_id", "date", "start", "end", "guests", "google_meet", "repeat", "repeat_every", "repeat_count",
    "repeat_until", "repeat_skip", "organizer", "reminder"];
  let timer = null;
  let asked = 0;

  function paragraph(text, className) {
    const p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    return p;
  }

  // A suggestion opens the form again at its room and time with everything typed since the
  // check kept: the link is brought up to date with the form as it is clicked.
  function keepTyped(href) {
    const url = new URL(href, location.href);
    for (const name of ["title", "description", "guests", "reminder", "organizer", "repeat_every", "repeat_count", "repeat_until"]) {
      const input = field(name);
      if (input && input.value.trim()) url.searchParams.set(name, input.value);
      else url.searchParams.delete(name);
    }
    for (const [name, param] of [["google_meet", "meet"], ["repeat", "repeat"], ["repeat_skip", "repeat_skip"]]) {
      const box = field(name);
      if (box && box.checked) url.searchParams.set(param, "on");
      else url.searchParams.delete(param);
    }
    return url.pathname + url.search;
  }

  function links(title, list) {
    const box = document.createElement("div");
    box.append(paragraph(title));
    const ul = document.createElement("ul");
    for (const item of list) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.href;
      a.textContent = item.label;
      if (!editing) a.addEventListener("click", () => { a.href = keepTyped(a.href); });
      li.append(a);
      ul.append(li);
    }
    box.append(ul);
    return box;
  }

  function dates(title, list) {
    const box = document.createElement("div");
    box.append(paragraph(title));
    const ul = document.createElement("ul");
    ul.className = "series-dates";
    for (const d of list) {
      const li = document.createElement("li");
      li.className = "date-" + d.state;
      li.textContent = d.label + ": " + d.reason;
      ul.append(li);
    }
    box.append(ul);
    return box;
  }

  function showAnswer(answer) {
    status.hidden = false;
    status.className = "availability " + (answer.state === "free" ? "ok" : answer.state);
    status.replaceChildren(paragraph(answer.message, "headline"));
    for (const p of answer.problems.slice(1)) status.append(paragraph(p.message));
    for (const w of answer.warnings) status.append(paragraph(w, "warning"));
    if (answer.dates.length) status.append(dates(status.dataset.dates, answer.dates));
    const slotsTitle = answer.state === "invalid" ? status.dataset.validSlots : status.dataset.slots;
    if (answer.slots.length) status.append(links(slotsTitle, answer.slots));
    if (answer.rooms.length) status.append(links(status.dataset.rooms, answer.rooms));
    rewordRepeatChoices(answer.repeat_choices);
  }

  // A monthly choice names its day ("the second Tuesday"): reworded when the date changes.
  function rewordRepeatChoices(choices) {
    const select = field("repeat_every");
    if (!select || !choices || !choices.length) return;
    const chosen = select.value;
    select.replaceChildren(...choices.map((c) => new Option(c.label, c.value, false, c.value === chosen)));
  }

  async function check() {
    const params = new URLSearchParams(new FormData(form));
    for (const name of ["csrf", "title", "description", "version", "scope"]) params.delete(name);
    if (editing) params.set("except", editing);
    const mine = ++asked;
    let answer;
    try {
      const response = await fetch("/bookings/check?" + params, { credentials: "same-origin" });
      if (!response.ok) return;
      answer = await response.json();
    } catch {
      return; // Offline or the server restarting: the submitted form still tells.
    }
    if (mine !== asked) return; // A newer question is on its way.
    showAnswer(answer);
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }
  if (status) {
    for (const name of watched) {
      const input = field(name);
      if (!input) continue;
      input.addEventListener("change", later);
      input.addEventListener("input", later);
    }
    check();
  }

  // --- Durations -------------------------------------------------------------------------
  // Moving the start keeps the meeting's length; a chip sets the length from the start.
  const minutes = (hhmm) => {
    const m = /^(\d{2}):(\d{2})/.exec(hhmm || "");
    return m ? Number(m[1]) * 60 + Number(m[2]) : null;
  };
  const clock = (total) => {
    const t = ((total % 1440) + 1440) % 1440;
    return String(Math.floor(t / 60)).padStart(2, "0") + ":" + String(t % 60).padStart(2, "0");
  };
  const start = field("start");
  const end = field("end");
  const durationChips = document.getElementById("durations");
  let length = minutes(end.value) - minutes(start.value);
  if (!(length > 0)) length = 60;
  function pressChips() {
    if (!durationChips) return;
    for (const b of durationChips.querySelectorAll("button")) b.setAttribute("aria-pressed", String(Number(b.dataset.minutes) === length));
  }
  start.addEventListener("change", () => {
    const from = minutes(start.value);
    if (from === null || from + length >= 1440) return;
    end.value = clock(from + length);
    later();
  });
  end.addEventListener("change", () => {
    const span = minutes(end.value) - minutes(start.value);
    if (span > 0) length = span;
    pressChips();
  });
  if (durationChips) {
    durationChips.hidden = false;
    for (const b of durationChips.querySelectorAll("button")) {
      b.addEventListener("click", () => {
        const from = minutes(start.value);
        if (from === null) return;
        length = Number(b.dataset.minutes);
        end.value = clock(Math.min(from + length, 1439));
        pressChips();
        later();
      });
    }
    pressChips();
  }

  // A refused form: the summary of its problems takes focus, so the reader hears it first.
  // Each of its links takes the reader into the field to fix (a link alone only scrolls).
  const summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
    for (const a of summary.querySelectorAll("a[href^='#']")) {
      a.addEventListener("click", (e) => {
        const target = document.getElementById(a.getAttribute("href").slice(1));
        if (!target) return;
        e.preventDefault();
        target.focus();
        target.scrollIntoView({ block: "center" });
      });
    }
  }

  // --- Guest suggestions -----------------------------------------------------------------
  const guests = field("guests");
  const list = document.getElementById("guest-suggestions");
  if (!guests || !list) return;
  let people = [];
  let active = -1;
  let typed = 0;

  function token() {
    const upto = guests.value.slice(0, guests.selectionStart);
    const start = Math.max(upto.lastIndexOf(","), upto.lastIndexOf("\n"), upto.lastIndexOf(";")) + 1;
    return { start, text: upto.slice(start).trim() };
  }

  function close() {
    people = [];
    active = -1;
    list.hidden = true;
    list.replaceChildren();
    guests.removeAttribute("aria-activedescendant");
  }

  function show() {
    list.replaceChildren();
    people.forEach((p, i) => {
      const li = document.createElement("li");
      li.id = "guest-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      li.textContent = p.name + " <" + p.email + ">";
      li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(i); });
      list.append(li);
    });
    list.hidden = people.length === 0;
    if (active >= 0) guests.setAttribute("aria-activedescendant", "guest-option-" + active);
    else guests.removeAttribute("aria-activedescendant");
  }

  function pick(i) {
    const person = people[i];
    if (!person) return;
    const { start } = token();
    const before = guests.value.slice(0, start);
    const after = guests.value.slice(guests.selectionStart).replace(/^[^,;\n]*/, "");
    // One space after the comma before it, as people write lists.
    const lead = before === "" || /\s$/.test(before) ? "" : " ";
    guests.value = before + lead + person.email + ", " + after.replace(/^[,;]\s*/, "");
    const caret = (before + lead + person.email + ", ").length;
    guests.setSelectionRange(caret, caret);
    close();
    drawChips();
    later();
  }

  async function suggest() {
    const { text } = token();
    if (text.length < 2 || text.includes("@")) { close(); return; }
    const mine = ++typed;
    try {
      const response = await fetch("/api/v1/bookings/search-users?limit=6&q=" + encodeURIComponent(text), { credentials: "same-origin" });
      if (!response.ok) return;
      const found = await response.json();
      if (mine !== typed) return;
      people = (found.items || found).map((u) => ({ name: u.name, email: u.email }));
      active = people.length ? 0 : -1;
      show();
    } catch { close(); }
  }

  // Chips: each complete address typed so far, with a button that takes it out again. The text
  // box stays the one source of what is sent; the chips only show and edit it.
  const chips = document.getElementById("guest-chips");
  function addresses() {
    return guests.value.split(/[,;\s]+/).map((a) => a.trim()).filter((a) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a));
  }
  function drawChips() {
    if (!chips) return;
    chips.replaceChildren();
    for (const address of addresses()) {
      const li = document.createElement("li");
      li.className = "chip";
      li.append(document.createTextNode(address));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", chips.dataset.remove + " " + address);
      remove.addEventListener("click", () => {
        const rest = addresses().filter((a) => a !== address);
        guests.value = rest.length ? rest.join(", ") + ", " : "";
        drawChips();
        guests.focus();
        later();
      });
      li.append(remove);
      chips.append(li);
    }
    chips.hidden = chips.childElementCount === 0;
  }
  guests.addEventListener("input", drawChips);
  drawChips();

  // A text box with a list of suggestions (ARIA allows no combobox role on a textarea).
  guests.setAttribute("aria-autocomplete", "list");
  guests.setAttribute("aria-controls", "guest-suggestions");
  guests.addEventListener("input", suggest);
  guests.addEventListener("blur", () => setTimeout(close, 100));
  guests.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { active = (active + 1) % people.length; show(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { active = (active - 1 + people.length) % people.length; show(); e.preventDefault(); }
    else if (e.key === "Enter" || e.key === "Tab") { if (active >= 0) { pick(active); e.preventDefault(); } }
    else if (e.key === "Escape") { close(); e.preventDefault(); }
  });
})();

// A secret shown once (a calendar feed's address) gets a Copy button; without the script the
// address is still selectable in one click (user-select: all).
(function () {
  for (const copyButton of document.querySelectorAll("button[data-copy-from]")) {
    const source = document.getElementById(copyButton.dataset.copyFrom);
    if (!source || !navigator.clipboard) continue;
    copyButton.hidden = false;
    copyButton.addEventListener("click", () => {
      navigator.clipboard.writeText(source.textContent.trim()).then(() => {
        copyButton.textContent = copyButton.dataset.copied || copyButton.textContent;
      });
    });
  }
})();

// The reports' form: typing a date means "these dates", not the period still chosen above them
// (without the script, choose "The dates below" by hand).
(function () {
  const preset = document.getElementById("report-preset");
  if (!preset) return;
  for (const id of ["report-from", "report-to"]) {
    const field = document.getElementById(id);
    if (field) field.addEventListener("change", () => { preset.value = ""; });
  }
})();
