// view.js: the page's DOM: draws the chat state into index.html's skeleton and turns clicks and
// keys into calls of app.js's actions.  Every name and text from the network goes in as text
// (textContent, attributes by property), never as HTML.  Knows nothing of the connection.

import { STICKERS, byteSize, isImage, toBlob } from "./media.js";
import { fold } from "./state.js";

const $ = (id) => document.getElementById(id);

const ERROR_SHOWN = 10000;	// ms an error stays up unless dismissed
const NEAR_BOTTOM = 40;		// px: a log scrolled this close follows
const TEXT_ROWS = 5;		// lines the message box grows to

/* Create an element with a class and text; text is always text. */
function el(tag, cls, text) {
	const e = document.createElement(tag);

	if (cls)
		e.className = cls;
	if (text !== undefined)
		e.textContent = text;
	return e;
}

function button(text, cls, onclick) {
	const b = el("button", cls, text);

	b.type = "button";
	b.addEventListener("click", onclick);
	return b;
}

/*
 * Make parent's children exactly nodes, in order, moving only what must
 * move: a node taken out of the page loses the keyboard focus, and an
 * <audio> taken out stops playing, so a redraw must leave the others be.
 */
function syncChildren(parent, nodes) {
	let at = parent.firstChild;

	for (const n of nodes) {
		if (n === at)
			at = at.nextSibling;
		else
			parent.insertBefore(n, at);
	}
	while (at !== null) {
		const next = at.nextSibling;

		at.remove();
		at = next;
	}
}

/*
 * A <ul> of one <li> per item, each kept from one redraw to the next by
 * the item's key: make(item) builds it the first time, update(li, item)
 * brings it up to date every time.
 */
class KeyedList {
	constructor(parent, make, update) {
		this.parent = parent;
		this.make = make;
		this.update = update;
		this.nodes = new Map();		// key -> <li>
	}

	render(items, keyOf) {
		const nodes = new Map();

		for (const item of items) {
			const key = keyOf(item);
			const li = this.nodes.get(key) || this.make(item);

			this.update(li, item);
			nodes.set(key, li);
		}
		this.nodes = nodes;
		syncChildren(this.parent, [...nodes.values()]);
	}
}

const clock = new Intl.DateTimeFormat(undefined,
    { hour: "2-digit", minute: "2-digit" });
const calendar = new Intl.DateTimeFormat(undefined,
    { dateStyle: "medium", timeStyle: "medium" });

/* The time of a message: hours and minutes today, the date before. */
function timeOf(ts) {
	const d = new Date(ts);
	const t = el("time", "when", clock.format(d));

	if (d.toDateString() !== new Date().toDateString())
		t.textContent = d.toLocaleDateString() + " " + t.textContent;
	t.dateTime = d.toISOString();
	t.title = calendar.format(d);
	return t;
}

/*
 * The text of a message, with http(s) links made clickable: the link's
 * address is parsed and set as a property, its label is text.
 */
function textBody(text) {
	const body = el("div", "text");
	const re = /\bhttps?:\/\/[^\s<>"]+/g;
	let at = 0;

	body.dir = "auto";
	for (const m of text.matchAll(re)) {
		// A full stop or bracket after a link is the sentence's.
		const link = m[0].replace(/[.,;:!?)\]'*]+$/, "");
		let url;

		try {
			url = new URL(link);
		} catch {
			continue;
		}
		body.append(text.slice(at, m.index));
		const a = el("a", "", link);

		a.href = url.href;
		a.target = "_blank";
		a.rel = "noopener noreferrer";
		body.append(a);
		at = m.index + link.length;
	}
	body.append(text.slice(at));
	return body;
}

/* A sticker, audio or file message; the Blob URL lives as long as the
   page, like the message it shows. */
function mediaBody(f) {
	const body = el("div", "media");

	if (f.kind === "sticker") {
		const glyph = STICKERS.get(f.sticker);
		const s = el("span", glyph ? "sticker" : "sticker unknown",
		    glyph || "[" + f.sticker + "]");

		s.setAttribute("role", "img");
		s.setAttribute("aria-label", "sticker " + f.sticker);
		s.title = f.sticker;
		body.append(s);
		return body;
	}
	const blob = toBlob(f);

	if (blob === null) {
		body.append(el("span", "bad", "[unreadable " + f.kind + "]"));
		return body;
	}
	const url = URL.createObjectURL(blob);
	const name = typeof f.name === "string" ? f.name : f.kind;

	if (f.kind === "audio") {
		const a = el("audio");

		a.controls = true;
		a.preload = "metadata";
		a.src = url;
		body.append(a);
	} else if (isImage(blob.type)) {
		const img = el("img", "preview");

		img.alt = name;
		img.src = url;
		body.append(img);
	}
	const link = el("a", "file", name);

	link.href = url;
	link.download = name;
	body.append(link, el("span", "size",
	    " " + byteSize(blob.size)));
	return body;
}

export class View {
	/*
	 * actions: what app.js does for the person: signIn({nick, password,
	 * remember}), signOut(), show(key), step(delta), talkTo(nick),
	 * join(name), leave(), older(), say(text), sticker(name), record(),
	 * attach(file), escape(), browse(), retry().
	 */
	constructor(actions) {
		this.actions = actions;
		this.chat = null;		// the state drawn last
		this.entries = new WeakMap();	// log entry -> its <li>
		this.errorTimer = null;
		this.shown = null;		// the conversation in the log
		this.atEnd = true;		// the log shows its last line
		this.convs = {
			room: new KeyedList($("room-list"), (c) =>
			    this.conversation(c.key), (li, c) =>
			    this.updateConversation(li, c)),
			private: new KeyedList($("private-list"), (c) =>
			    this.conversation(c.key), (li, c) =>
			    this.updateConversation(li, c)),
		};
		this.people = new KeyedList($("people-list"),
		    (n) => this.person(n), (li, n) => this.updatePerson(li, n));
		this.members = new KeyedList($("member-list"),
		    (n) => this.person(n), (li, n) => this.updatePerson(li, n));
		this.rooms = new KeyedList($("all-rooms"),
		    (r) => this.roomToJoin(r.name), (li, r) => {
			li.querySelector(".count").textContent = " " +
			    r.members;
		    });
		this.bind();
	}

	bind() {
		const a = this.actions;

		$("signin-form").addEventListener("submit", (ev) => {
			ev.preventDefault();
			a.signIn({ nick: $("signin-nick").value.trim(),
			    password: $("signin-password").value,
			    remember: $("signin-remember").checked });
		});
		$("join-form").addEventListener("submit", (ev) => {
			ev.preventDefault();
			a.join($("join-room").value.trim());
			$("join-room").value = "";
		});
		$("compose").addEventListener("submit", (ev) => {
			ev.preventDefault();
			this.send();
		});
		$("text").addEventListener("input", () => this.fitText());
		$("text").addEventListener("keydown", (ev) => {
			if (ev.key === "Enter" && !ev.shiftKey &&
			    !ev.isComposing) {
				ev.preventDefault();
				this.send();
			}
		});
		$("signout").addEventListener("click", () => a.signOut());
		$("leave").addEventListener("click", () => a.leave());
		$("older").addEventListener("click", () => a.older());
		$("retry").addEventListener("click", () => a.retry());
		$("record").addEventListener("click", () => a.record());
		$("attach").addEventListener("click", () => $("file").click());
		$("file").addEventListener("change", () => {
			const f = $("file").files[0];

			$("file").value = "";
			if (f)
				a.attach(f);
		});
		$("browse").addEventListener("toggle", () => {
			if ($("browse").open)
				a.browse();
		});
		$("error-close").addEventListener("click", () =>
		    this.error(null));
		$("sticker-button").addEventListener("click", () =>
		    this.toggle("stickers", "sticker-button"));
		$("toggle-side").addEventListener("click", () =>
		    this.toggle("side", "toggle-side"));
		$("toggle-members").addEventListener("click", () =>
		    this.toggle("members", "toggle-members"));
		for (const [name, glyph] of STICKERS) {
			const b = button(glyph, "sticker", () => {
				this.toggle("stickers", "sticker-button",
				    false);
				a.sticker(name);
			});

			b.title = name;
			b.setAttribute("aria-label", "sticker " + name);
			$("stickers").append(b);
		}
		document.addEventListener("keydown", (ev) => this.key(ev));

		// A log that shows its end keeps showing it when it grows
		// (a message, a picture or player laid out late) or shrinks
		// (an error above it, a phone's keyboard).
		const log = $("log");
		const follow = new ResizeObserver(() => {
			if (this.atEnd)
				log.scrollTop = log.scrollHeight;
		});

		log.addEventListener("scroll", () => {
			this.atEnd = log.scrollHeight - log.scrollTop -
			    log.clientHeight < NEAR_BOTTOM;
		});
		follow.observe(log);
		follow.observe($("messages"));
	}

	/* Keys for the whole page: Escape closes what is open (or throws a
	   recording away), Alt+Up and Alt+Down go to the previous and next
	   conversation. */
	key(ev) {
		if (ev.key === "Escape") {
			for (const [panel, control] of [["stickers",
			    "sticker-button"], ["side", "toggle-side"],
			    ["members", "toggle-members"]])
				if ($(panel).classList.contains("open")) {
					this.toggle(panel, control, false);
					$(control).focus();
				}
			this.actions.escape();
		} else if (ev.altKey && (ev.key === "ArrowUp" ||
		    ev.key === "ArrowDown")) {
			ev.preventDefault();
			this.actions.step(ev.key === "ArrowUp" ? -1 : 1);
		}
	}

	/* Open or close a panel (the stickers; the side and members panels
	   on a narrow screen), its button's aria-expanded kept true. */
	toggle(panel, control, open) {
		const p = $(panel);
		const show = open === undefined ?
		    !p.classList.contains("open") : open;

		p.classList.toggle("open", show);
		if (panel === "stickers")
			p.hidden = !show;
		$(control).setAttribute("aria-expanded", String(show));
		if (show)
			p.querySelector("button, input")?.focus();
	}

	/* Close the panels that cover the talk on a phone. */
	closePanels() {
		this.toggle("side", "toggle-side", false);
		this.toggle("members", "toggle-members", false);
	}

	send() {
		const t = $("text").value;

		if (t.trim() === "")
			return;
		$("text").value = "";
		this.fitText();
		this.actions.say(t);
	}

	/* The message box as tall as its lines, up to a few. */
	fitText() {
		const t = $("text");

		t.rows = Math.min(TEXT_ROWS, t.value.split("\n").length);
	}

	/* Put back a text the server refused, unless a new one was begun. */
	restoreText(text) {
		if ($("text").value === "") {
			$("text").value = text;
			this.fitText();
		}
	}

	focusText() {
		$("text").focus();
	}

	/* The sign-in form, filled with the saved settings. */
	signIn(p, error) {
		$("chat").hidden = true;
		$("signin").hidden = false;
		$("signin-nick").value = p.nick;
		$("signin-password").value = p.password;
		$("signin-remember").checked = p.remember;
		this.signInError(error);
		(p.nick ? $("signin-submit") : $("signin-nick")).focus();
	}

	/* Why signing in failed (or when it will be tried again), leaving
	   what the person typed as it is. */
	signInError(text) {
		$("signin-submit").disabled = false;
		$("signin-error").hidden = !text;
		$("signin-error").textContent = text || "";
	}

	signingIn() {
		$("signin-submit").disabled = true;
		$("signin-error").hidden = true;
	}

	showChat() {
		if (!$("chat").hidden)
			return;
		$("signin").hidden = true;
		$("chat").hidden = false;
		this.focusText();
	}

	/* The connection's state; retry offers to skip the wait. */
	status(text, retry) {
		$("status").hidden = !text;
		$("status-text").textContent = text || "";
		$("retry").hidden = !retry;
	}

	/* Show an error to the person for a while (null hides it). */
	error(text) {
		clearTimeout(this.errorTimer);
		$("error").hidden = !text;
		$("error-text").textContent = text || "";
		if (text)
			this.errorTimer = setTimeout(() => this.error(null),
			    ERROR_SHOWN);
	}

	/* The record button while recording: seconds so far, or null. */
	recording(seconds) {
		const r = $("record");
		const label = seconds === null ? "Record a voice message" :
		    "Stop and send (Escape cancels)";

		r.classList.toggle("on", seconds !== null);
		$("record-time").textContent = seconds === null ? "" :
		    " " + seconds + " s";
		r.title = label;
		r.setAttribute("aria-label", label);
	}

	recordable(ok, why) {
		$("record").disabled = !ok;
		if (!ok)
			$("record").title = why;
	}

	/* Everything that depends on the chat state. */
	render(chat) {
		const cur = chat.get(chat.current);
		const unread = chat.unreadTotal();

		this.chat = chat;
		for (const kind of ["room", "private"])
			this.convs[kind].render(chat.list().filter((c) =>
			    c.kind === kind), (c) => c.key);
		this.people.render(chat.peopleList(), fold);
		$("me").textContent = chat.me ? "Signed in as " + chat.me : "";
		this.renderHeader(cur);
		$("members-title").textContent = cur !== null &&
		    cur.kind === "room" ? "Members (" + cur.members.size + ")" :
		    "Members";
		this.members.render(cur !== null && cur.kind === "room" ?
		    cur.memberList() : [], fold);
		this.renderLog(cur);
		document.title = (unread > 0 ? "(" + unread + ") " : "") +
		    "evchat";
	}

	/* A conversation in the side panel: a button that shows it. */
	conversation(key) {
		const li = el("li");
		const b = button("", "conv", () => {
			this.closePanels();
			this.actions.show(key);
		});

		b.append(el("bdi", "name"), el("span", "badge"));
		li.append(b);
		return li;
	}

	updateConversation(li, c) {
		const b = li.firstChild;
		const name = c.kind === "room" ? c.name : "@" + c.name;

		b.querySelector(".name").textContent = name;
		b.querySelector(".badge").textContent = String(c.unread);
		b.querySelector(".badge").hidden = c.unread === 0;
		if (c.unread > 0)
			b.setAttribute("aria-label", name + ", " + c.unread +
			    " unread");
		else
			b.removeAttribute("aria-label");
		if (c.key === this.chat.current)
			b.setAttribute("aria-current", "true");
		else
			b.removeAttribute("aria-current");
		b.classList.toggle("away", c.kind === "room" && !c.joined);
	}

	/* A nick in a list: a button that opens a private talk, or the
	   person's own nick. */
	person(nick) {
		const li = el("li");
		const b = button("", "nick", () => {
			this.closePanels();
			this.actions.talkTo(b.dataset.nick);
		});

		b.append(el("bdi"));
		li.append(b, el("bdi", "nick self"));
		return li;
	}

	updatePerson(li, nick) {
		const [b, self] = li.children;
		const me = this.chat.isMe(nick);

		b.hidden = me;
		self.hidden = !me;
		b.dataset.nick = nick;
		b.firstChild.textContent = me ? "" : nick;
		b.title = "Talk privately with " + nick;
		self.textContent = me ? nick + " (you)" : "";
	}

	/* A room of the "all rooms" list: a button that joins it. */
	roomToJoin(name) {
		const li = el("li");
		const b = button("", "nick", () => this.actions.join(name));

		b.append(el("bdi", "", name), el("span", "count"));
		b.title = "Join " + name;
		li.append(b);
		return li;
	}

	/* The list of all rooms, every page of the rooms reply. */
	allRooms(list) {
		this.rooms.render(list, (r) => fold(r.name));
	}

	renderHeader(cur) {
		const leave = $("leave");

		$("title").textContent = cur === null ? "evchat" :
		    cur.kind === "room" ? cur.name : "@" + cur.name;
		leave.hidden = cur === null;
		if (cur !== null)
			leave.textContent = cur.kind === "room" ? "Leave" :
			    "Close";
		$("compose").hidden = cur === null ||
		    (cur.kind === "room" && !cur.joined);
		$("older").hidden = cur === null || !cur.more;
		$("toggle-members").hidden = cur === null ||
		    cur.kind !== "room";
	}

	/*
	 * The current conversation's entries, each <li> built once.  A log
	 * scrolled to its end stays there; one grown at the top (older
	 * messages) keeps the place the person was reading.
	 */
	renderLog(cur) {
		const log = $("log");
		const list = $("messages");
		const fromEnd = log.scrollHeight - log.scrollTop;
		const first = list.firstChild;

		if (cur !== this.shown)
			this.atEnd = true;
		this.shown = cur;
		syncChildren(list, cur === null ? [] :
		    cur.entries.map((e) => this.entry(e)));
		if (this.atEnd)
			log.scrollTop = log.scrollHeight;
		else if (list.firstChild !== first)
			log.scrollTop = log.scrollHeight - fromEnd;
	}

	entry(e) {
		let li = this.entries.get(e);

		if (li)
			return li;
		li = el("li", "entry");
		if (e.frame === null) {
			li.classList.add("notice");
			li.append(timeOf(e.ts), " ",
			    el("span", "text", e.text));
		} else {
			const f = e.frame;

			if (this.chat.isMe(f.from))
				li.classList.add("mine");
			li.append(el("bdi", "from", f.from), " ", timeOf(f.ts),
			    typeof f.kind === "string" ? mediaBody(f) :
			    textBody(typeof f.text === "string" ? f.text : ""));
		}
		this.entries.set(e, li);
		return li;
	}
}
