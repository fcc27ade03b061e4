// app.js: the page's entry point: turns what the person does into requests, and what the server
// sends into changes of the chat state, which view.js then draws.  The one module that knows the
// others; it touches the DOM only through view.js.

import { Connection } from "./conn.js";
import { Chat, Conversation } from "./state.js";
import { View } from "./view.js";
import { Recorder, byteSize, fileName, mediaType, toBase64 } from
    "./media.js";
import * as prefs from "./prefs.js";

const HISTORY_JOIN = 50;	// messages replayed on join
const HISTORY_PAGE = 50;	// messages per "load older"
const FIRST_ROOM = "lobby";	// joined when there is nothing else to join

let chat = new Chat();
let conn = null;
let recorder = null;
let recordTicker = null;
let waitTicker = null;
let drawing = false;

const view = new View({ signIn, signOut, show, talkTo, join, leave, older,
    say, sticker, record, attach, browse, retry, escape, step });

/* The WebSocket address beside the page: /ws for a page at /, /chat/ws
   for one that a proxy serves at /chat/. */
function socketURL() {
	const u = new URL("ws", location.href);

	u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
	u.hash = "";
	u.search = "";
	return u.href;
}

/* A room named in the address (http://host:7680/#class), shared as a
   link to that room. */
function linkedRoom() {
	try {
		return decodeURIComponent(location.hash.slice(1)).trim();
	} catch {
		return "";
	}
}

/* Draw once after a burst of frames (a history replay is dozens). */
function draw() {
	if (drawing)
		return;
	drawing = true;
	setTimeout(() => {
		drawing = false;
		view.render(chat);
	}, 0);
}

function saveRooms() {
	prefs.save({ rooms: chat.rooms().filter((c) => c.joined)
	    .map((c) => c.name) });
}

/*
 * Ask for every page of a long list (evchat-protocol(7), Long lists):
 * again with after set to the last name got, while the reply says more.
 */
async function allPages(req, items, nameOf) {
	const all = [];
	let reply;
	let got;

	do {
		reply = await conn.request(req);
		got = items(reply);
		all.push(...got);
		if (got.length > 0)
			req = { ...req, after: nameOf(got[got.length - 1]) };
	} while (reply.more === true && got.length > 0);
	return all;
}

/* The connection's hooks. */
const hooks = {
	/* Registered, first or again: (re)join the rooms and list people. */
	ready(welcome) {
		const fresh = chat.me === null;
		const rooms = new Map();	// key -> name, once each

		chat.welcome(welcome);
		if (fresh) {
			prefs.save({ signedIn: true });
			for (const r of [linkedRoom(), ...prefs.load().rooms])
				if (r !== "")
					rooms.set(Conversation.key("room", r),
					    r);
			if (rooms.size === 0)
				rooms.set("", FIRST_ROOM);
		}
		for (const c of chat.rooms()) {
			c.joined = false;	// a new connection is in none
			rooms.set(c.key, c.name);
		}
		view.showChat();
		view.status(null);
		[...rooms.values()].forEach((r, i) =>
		    join(r, fresh && i === 0));
		allPages({ type: "who" }, (r) => r.nicks, (n) => n)
		    .then((nicks) => {
			chat.setPeople(nicks);
			draw();
		    }).catch(() => {});
		draw();
	},

	/* hello refused: back to the sign-in form, with the reason; a wrong
	   password is not kept, nor tried again on the next visit. */
	refused(err) {
		const was = chat.me !== null;

		chat = new Chat();
		prefs.save(err.code === "bad_password" ?
		    { password: "", signedIn: false } : { signedIn: false });
		if (was)
			view.signIn(prefs.load(), err.message);
		else
			view.signInError(err.message);
	},

	frame(f) {
		if (f.type === "msg") {
			const c = chat.message(f);

			if (c === null)
				return;
			if (f.history !== true && !chat.isMe(f.from) &&
			    (c.key !== chat.current || document.hidden))
				c.unread++;
		} else if (f.type === "presence")
			chat.presence(f);
		else if (f.type === "error")
			view.error(f.message);
		else
			return;		// bye, and types newer than this page
		draw();
	},

	status(state, detail) {
		clearInterval(waitTicker);
		if (state === "waiting")
			waiting(detail);
		else if (state === "connecting" && chat.me !== null)
			view.status("Connecting\u2026", false);
	},
};

/* Between two attempts: why, and a countdown, on the sign-in form until
   the first welcome, in the chat after. */
function waiting({ delay, reason }) {
	const until = Date.now() + delay;
	const why = reason ? "Disconnected (" + reason + ")." :
	    "Cannot reach the server.";
	const tick = () => {
		const s = Math.max(0, Math.round((until - Date.now()) / 1000));
		const text = why + " Trying again in " + s + " s.";

		if (chat.me === null)
			view.signInError(text);
		else
			view.status(text, true);
	};

	tick();
	waitTicker = setInterval(tick, 1000);
}

function signIn({ nick, password, remember }) {
	if (nick === "")
		return;
	prefs.save({ nick, password, remember });
	clearInterval(waitTicker);
	if (conn !== null)
		conn.stop();
	chat = new Chat();
	conn = new Connection(socketURL(), hooks);
	view.signingIn();
	conn.start({ nick, password });
}

function signOut() {
	conn.stop();
	conn = null;
	clearInterval(waitTicker);
	chat = new Chat();
	prefs.save({ password: "", signedIn: false });
	view.signIn(prefs.load());
}

function show(key) {
	const c = chat.get(key);

	chat.current = key;
	if (c !== null)
		c.unread = 0;
	draw();
	view.focusText();
}

function step(delta) {
	const list = chat.list();
	const i = list.findIndex((c) => c.key === chat.current);

	if (list.length > 0)
		show(list[i < 0 ? 0 : (i + delta + list.length) % list.length]
		    .key);
}

function talkTo(nick) {
	show(chat.conversation("private", nick).key);
}

/* join, with the history replay; a server whose history-max-replay is
   below ours says bad_request, and gets a join without it. */
async function joinRequest(room) {
	try {
		return await conn.request({ type: "join", room,
		    history: HISTORY_JOIN });
	} catch (err) {
		if (err.code !== "bad_request")
			throw err;
		return conn.request({ type: "join", room });
	}
}

/* Join a room (or rejoin it after a reconnection) and show it when
   asked to. */
async function join(name, showIt = true) {
	const known = chat.get(Conversation.key("room", name));
	let reply;

	if (name === "")
		return;
	if (known !== null && known.joined) {
		if (showIt)
			show(known.key);
		return;
	}
	try {
		reply = await joinRequest(name);
	} catch (err) {
		if (known !== null) {
			known.joined = false;
			known.notice("Could not join again: " + err.message);
			draw();
		} else
			view.error("Cannot join " + name + ": " + err.message);
		return;
	}
	const c = chat.joined(reply);

	if (showIt || chat.current === null)
		show(c.key);
	saveRooms();
	draw();
	if (reply.more === true)
		c.addMembers(await allPages({ type: "who", room: c.name,
		    after: reply.members[reply.members.length - 1] },
		    (r) => r.nicks, (n) => n).catch(() => []));
	draw();
}

/* Leave the current room, or close the current private talk. */
async function leave() {
	const c = chat.get(chat.current);

	if (c === null)
		return;
	if (c.kind === "room" && c.joined) {
		try {
			await conn.request({ type: "part", room: c.name });
		} catch (err) {
			if (err.code !== "not_in_room") {
				view.error(err.message);
				return;
			}
		}
	}
	chat.remove(c.key);
	saveRooms();
	step(0);
	draw();
}

/* "Load older messages": the page before the oldest one held. */
async function older() {
	const c = chat.get(chat.current);
	const req = { type: "history", limit: HISTORY_PAGE };
	let reply;

	if (c === null || c.kind !== "room")
		return;
	req.room = c.name;
	if (c.oldest !== null)
		req.before = c.oldest;
	try {
		reply = await conn.request(req);
	} catch (err) {
		view.error(err.message);
		return;
	}
	c.more = reply.more === true && reply.count > 0;
	draw();
}

/* Where a message to the current conversation goes: room or to. */
function target() {
	const c = chat.get(chat.current);

	if (c === null)
		return null;
	return c.kind === "room" ? { room: c.name } : { to: c.name };
}

/* Send a msg; a refusal is shown, and fail(err) may undo more. */
function send(to, fields, fail) {
	if (to === null)
		return;
	conn.request({ type: "msg", ...to, ...fields }).catch((err) => {
		view.error(err.message);
		if (fail)
			fail(err);
	});
}

function say(text) {
	const size = new TextEncoder().encode(text).length;

	if (size > chat.limits.max_text) {
		view.error("The message is " + size + " bytes long; the " +
		    "server takes " + chat.limits.max_text + " at most.");
		view.restoreText(text);
		return;
	}
	send(target(), { text }, () => view.restoreText(text));
}

function sticker(name) {
	send(target(), { kind: "sticker", sticker: name });
	view.focusText();
}

/* Send a file or a recording, checked against max_media and max_frame
   first, since a frame over max_frame ends the connection (MEDIA). */
async function sendMedia(to, kind, blob, name) {
	if (blob.size > chat.limits.max_media) {
		view.error(name + " is " + byteSize(blob.size) + "; the " +
		    "server takes " + byteSize(chat.limits.max_media) +
		    " at most.");
		return;
	}
	const fields = { kind, mime: mediaType(blob.type), name,
	    data: await toBase64(blob) };

	if (Connection.size({ type: "msg", ...to, ...fields }) >
	    chat.limits.max_frame) {
		view.error(name + " is too large to send.");
		return;
	}
	send(to, fields);
}

function attach(file) {
	sendMedia(target(), "file", file, fileName(file.name, "file"));
}

/* The record button: start, or stop and send to where it began. */
async function record() {
	const to = target();
	const started = Date.now();
	const ext = { "audio/ogg": ".ogg", "audio/webm": ".webm",
	    "audio/mp4": ".m4a" };

	// A click while the browser still asks for the microphone finds a
	// recorder that is not recording yet, and does nothing.
	if (recorder !== null) {
		recorder.stop();
		return;
	}
	recorder = new Recorder();
	try {
		await recorder.start(Recorder.maxMs(chat.limits.max_media),
		    (blob) => {
			const mime = mediaType(blob.type);

			recorder = null;
			stopTicker();
			sendMedia(to, "audio", blob, "voice-" +
			    new Date(started).toISOString().slice(0, 19)
			    .replace(/[T:]/g, "-") + (ext[mime] || ""));
		    });
	} catch (err) {
		recorder = null;
		view.error("Cannot record: " + err.message);
		return;
	}
	view.recording(0);
	recordTicker = setInterval(() => view.recording(
	    Math.round((Date.now() - started) / 1000)), 1000);
}

function stopTicker() {
	clearInterval(recordTicker);
	view.recording(null);
}

/* Escape: a recording in progress is thrown away. */
function escape() {
	if (recorder !== null) {
		recorder.cancel();
		recorder = null;
		stopTicker();
	}
}

/* The "all rooms" list, asked for each time it is opened. */
function browse() {
	allPages({ type: "rooms" }, (r) => r.rooms, (r) => r.name)
	    .then((list) => view.allRooms(list))
	    .catch((err) => view.error(err.message));
}

function retry() {
	if (conn !== null)
		conn.retryNow();
}

window.addEventListener("online", retry);
window.addEventListener("hashchange", () => {
	if (chat.me !== null)
		join(linkedRoom());
});
document.addEventListener("visibilitychange", () => {
	const c = chat.get(chat.current);

	if (!document.hidden && c !== null && c.unread > 0) {
		c.unread = 0;
		draw();
	}
});

view.recordable(Recorder.supported(),
    "Recording needs a secure page (HTTPS, or this machine)");
{
	const saved = prefs.load();

	// Back on the page after signing in (and not out): in again at once.
	view.signIn(saved);
	if (saved.remember && saved.signedIn && saved.nick !== "")
		signIn(saved);
}
