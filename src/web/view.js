// view.js: the page's DOM: draws the chat state into index.html's skeleton and turns clicks and
// keys into calls of app.js's actions.  Every name and text from the network goes in as text
// (textContent, attributes by property), never as HTML.  Knows nothing of the connection.

import { STICKERS, byteSize, isImage, toBlob } from "./media.js";

const $ = (id) => document.getElementById(id);

const ERROR_SHOWN = 10000;	// ms an error stays up unless dismissed
const NEAR_BOTTOM = 40;		// px: a log scrolled this close follows

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
	 * remember}), signOut(), show(key), talkTo(nick), join(name),
	 * leave(), older(), say(text), sticker(name), record(), attach(file),
	 * browse(), retry().
	 */
	constructor(actions) {
		this.actions = actions;
		this.nodes = new WeakMap();	// entry -> its <li>, built once
		this.errorTimer = null;
		this.shown = null;		// conversation drawn in the log
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
				this.toggle("stickers", "sticker-button", false);
				a.sticker(name);
			});

			b.title = name;
			b.setAttribute("aria-label", "sticker " + name);
			$("stickers").append(b);
		}
		document.addEventListener("keydown", (ev) => this.key(ev));
	}

	/* Keys for the whole page: Escape closes what is open, Alt+Up and
	   Alt+Down go to the previous and next conversation. */
	key(ev) {
		if (ev.key === "Escape") {
			this.toggle("stickers", "sticker-button", false);
			this.toggle("side", "toggle-side", false);
			this.toggle("members", "toggle-members", false);
			this.actions.escape();
		} else if (ev.altKey && (ev.key === "ArrowUp" ||
		    ev.key === "ArrowDown")) {
			ev.preventDefault();
			this.actions.step(ev.key === "ArrowUp" ? -1 : 1);
		}
	}

	/* Open or close a panel (stickers; the side and members panels on a
	   narrow screen), keeping its button's aria-expanded true. */
	toggle(panel, control, open) {
		const p = $(panel);
		const show = open === undefined ? !p.classList.contains("open") :
		    open;

		p.classList.toggle("open", show);
		if (panel === "stickers")
			p.hidden = !show;
		$(control).setAttribute("aria-expanded", String(show));
		if (show && panel !== "members")
			p.querySelector("button, input")?.focus();
	}

	send() {
		const t = $("text").value;

		if (t.trim() === "")
			return;
		$("text").value = "";
		this.actions.say(t);
	}

	/* Put back a text the server refused, unless a new one was begun. */
	restoreText(text) {
		if ($("text").value === "")
			$("text").value = text;
	}

	focusText() {
		$("text").focus();
	}

	signIn(p, error) {
		$("chat").hidden = true;
		$("signin").hidden = false;
		$("signin-nick").value = p.nick;
		$("signin-password").value = p.password;
		$("signin-remember").checked = p.remember;
		$("signin-submit").disabled = false;
		$("signin-error").hidden = !error;
		$("signin-error").textContent = error || "";
		(p.nick ? $("signin-submit") : $("signin-nick")).focus();
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

		this.renderSide(chat);
		this.renderHeader(cur);
		this.renderMembers(chat, cur);
		this.renderLog(chat, cur);
		document.title = (chat.unreadTotal() > 0 ?
		    "(" + chat.unreadTotal() + ") " : "") + "evchat";
	}

	renderSide(chat) {
		const rooms = [];
		const talks = [];

		for (const c of chat.list()) {
			const b = button("", "conv", () => {
				this.toggle("side", "toggle-side", false);
				this.actions.show(c.key);
			});
			const label = el("bdi", "name", c.kind === "room" ?
			    c.name : "@" + c.name);

			b.append(label);
			if (c.unread > 0) {
				b.append(el("span", "badge", String(c.unread)));
				b.setAttribute("aria-label", label.textContent +
				    ", " + c.unread + " unread");
			}
			if (c.key === chat.current)
				b.setAttribute("aria-current", "true");
			if (c.kind === "room" && !c.joined)
				b.classList.add("away");
			const li = el("li");

			li.append(b);
			(c.kind === "room" ? rooms : talks).push(li);
		}
		$("room-list").replaceChildren(...rooms);
		$("private-list").replaceChildren(...talks);
		$("people-list").replaceChildren(...chat.peopleList()
		    .map((n) => this.person(chat, n)));
		$("me").textContent = chat.me ? "Signed in as " + chat.me : "";
	}

	/* A nick in a list: a button that opens a private talk with it. */
	person(chat, nick) {
		const li = el("li");

		if (chat.isMe(nick)) {
			li.append(el("bdi", "nick self", nick + " (you)"));
			return li;
		}
		const b = button("", "nick", () => {
			this.toggle("side", "toggle-side", false);
			this.toggle("members", "toggle-members", false);
			this.actions.talkTo(nick);
		});

		b.append(el("bdi", "", nick));
		b.title = "Talk privately with " + nick;
		li.append(b);
		return li;
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
		$("toggle-members").hidden = cur === null || cur.kind !== "room";
	}

	renderMembers(chat, cur) {
		const room = cur !== null && cur.kind === "room";

		$("members-title").textContent = room ?
		    "Members (" + cur.members.size + ")" : "Members";
		$("member-list").replaceChildren(...(room ?
		    cur.memberList().map((n) => this.person(chat, n)) :
		    []));
	}

	/*
	 * The current conversation's entries, each <li> built once.  A log
	 * scrolled to its end stays there; one grown at the top (older
	 * messages) keeps the place the person was reading.
	 */
	renderLog(chat, cur) {
		const log = $("log");
		const list = $("messages");
		const switched = cur !== this.shown;
		const atEnd = switched || log.scrollHeight - log.scrollTop -
		    log.clientHeight < NEAR_BOTTOM;
		const fromEnd = log.scrollHeight - log.scrollTop;
		const first = list.firstChild;

		this.shown = cur;
		list.replaceChildren(...(cur === null ? [] :
		    cur.entries.map((e) => this.entry(chat, e))));
		if (atEnd)
			log.scrollTop = log.scrollHeight;
		else if (list.firstChild !== first)
			log.scrollTop = log.scrollHeight - fromEnd;
	}

	entry(chat, e) {
		let li = this.nodes.get(e);

		if (li)
			return li;
		li = el("li", "entry");
		if (e.frame === null) {
			li.classList.add("notice");
			li.append(timeOf(e.ts), " ", el("span", "text", e.text));
		} else {
			const f = e.frame;

			if (chat.isMe(f.from))
				li.classList.add("mine");
			if (f.history === true)
				li.classList.add("old");
			li.append(el("bdi", "from", f.from), " ", timeOf(f.ts),
			    typeof f.kind === "string" ? mediaBody(f) :
			    textBody(typeof f.text === "string" ? f.text : ""));
		}
		this.nodes.set(e, li);
		return li;
	}

	/* The list of all rooms (rooms replies, all pages), each a button
	   that joins it. */
	allRooms(list) {
		$("all-rooms").replaceChildren(...list.map((r) => {
			const li = el("li");
			const b = button("", "nick", () => this.actions.join(r.name));

			b.append(el("bdi", "", r.name), el("span", "count",
			    " " + r.members));
			b.title = "Join " + r.name;
			li.append(b);
			return li;
		}));
	}
}
