// Sala's one script. Every page works without it; it only makes the booking form nicer:
// it says whether the chosen slot is free while the person picks it (with the next free slots
// and other rooms when it is not), and suggests people for the guest list as they type.
"use strict";

(function () {
  const form = document.querySelector("form.booking-form");
  if (!form) return;
  const field = (name) => form.elements.namedItem(name);
  const editing = (form.getAttribute("action").match(/^\/bookings\/([0-9a-f-]{36})\/edit$/) || [])[1];

  // --- Live availability ---------------------------------------------------------------
  const status = document.getElementById("availability");
  let timer = null;
  let asked = 0;

  function links(title, list) {
    const box = document.createElement("div");
    const heading = document.createElement("p");
    heading.textContent = title;
    box.append(heading);
    const ul = document.createElement("ul");
    for (const item of list) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.href;
      a.textContent = item.label;
      li.append(a);
      ul.append(li);
    }
    box.append(ul);
    return box;
  }

  async function check() {
    const params = new URLSearchParams();
    for (const name of ["room_id", "date", "start", "end", "guests"]) params.set(name, field(name).value);
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
    status.hidden = false;
    status.className = "availability " + (answer.state === "free" ? "ok" : "taken");
    status.replaceChildren(document.createTextNode(answer.message));
    if (answer.slots.length) status.append(links(status.dataset.slots, answer.slots));
    if (answer.rooms.length) status.append(links(status.dataset.rooms, answer.rooms));
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }
  if (status) {
    for (const name of ["room_id", "date", "start", "end"]) {
      field(name).addEventListener("change", later);
      field(name).addEventListener("input", later);
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
