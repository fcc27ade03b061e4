// state.js: what the page knows of the chat: the conversations (rooms joined, private talks),
// their messages, members and unread counts, and who is online.  Plain data: no DOM, no network.

/*
 * The server compares names by their canonical caseless form
 * (evchat-protocol(7), NICKS AND ROOM NAMES).  Upper- then lower-casing
 * between NFD and NFC comes close to full case folding (it maps "ß" to
 * "ss" as folding does); it only keys the page's own maps, and the names
 * shown are always those the server sent.
 */
export function fold(name) {
	return name.normalize("NFD").toUpperCase().toLowerCase()
	    .normalize("NFC");
}

/* The values of a map keyed by folded names, in about the server's order
   (code points of the folded form; JavaScript compares UTF-16 units,
   which differ only past U+FFFF). */
function sortedNames(map) {
	return [...map.keys()].sort().map((k) => map.get(k));
}

/* Orders messages by the server's clock, then by msgid for equal times;
   msgid alone is not enough when a restarted server counts from 1 again. */
function before(a, b) {
	return a.ts < b.ts || (a.ts === b.ts && a.msgid < b.msgid);
}

/*
 * One entry of a conversation: a message from the server (frame holds it
 * as received) or a notice written by the page (frame is null).
 */
class Entry {
	constructor(frame, text) {
		this.frame = frame;
		this.text = text;		// the notice's text
		this.ts = frame ? frame.ts : Date.now();
		this.msgid = frame ? frame.msgid : Infinity;
	}
}

/* A room the person is in, or a private talk with one nick. */
export class Conversation {
	constructor(kind, name) {
		this.kind = kind;		// "room" or "private"
		this.name = name;		// as the server writes it
		this.key = Conversation.key(kind, name);
		this.entries = [];		// sorted with before()
		this.seen = new Set();		// "msgid:ts" of messages held
		this.members = new Map();	// folded nick -> nick; rooms
		this.unread = 0;
		this.joined = false;		// rooms: a member right now
		this.oldest = null;		// least msgid from this server
		this.more = false;		// older ones may be asked for
	}

	static key(kind, name) {
		return (kind === "room" ? "#" : "@") + fold(name);
	}

	/* Add a server message; false when it is one already held (a
	   history replay after a reconnection overlaps what was seen). */
	add(frame) {
		const id = frame.msgid + ":" + frame.ts;

		if (this.seen.has(id))
			return false;
		this.seen.add(id);
		this.insert(new Entry(frame, null));
		if (this.oldest === null || frame.msgid < this.oldest)
			this.oldest = frame.msgid;
		return true;
	}

	notice(text) {
		this.insert(new Entry(null, text));
	}

	insert(entry) {
		let i = this.entries.length;

		// New entries come last but for history: search from the end.
		while (i > 0 && before(entry, this.entries[i - 1]))
			i--;
		this.entries.splice(i, 0, entry);
	}

	setMembers(nicks) {
		this.members = new Map(nicks.map((n) => [fold(n), n]));
	}

	addMembers(nicks) {
		for (const n of nicks)
			this.members.set(fold(n), n);
	}

	/* The member nicks, sorted as the server sorts them. */
	memberList() {
		return sortedNames(this.members);
	}
}

/* Everything the page shows once signed in. */
export class Chat {
	constructor() {
		this.me = null;			// the nick of the welcome
		this.server = "";
		this.limits = { max_text: 4096, max_media: 163840,
		    max_frame: 262144 };
		this.convs = new Map();		// key -> Conversation
		this.current = null;		// key of the one shown
		this.people = new Map();	// folded nick -> nick, online
	}

	welcome(w) {
		this.me = w.nick;
		this.server = w.server;
		for (const k of Object.keys(this.limits))
			if (Number.isInteger(w[k]) && w[k] > 0)
				this.limits[k] = w[k];
	}

	isMe(nick) {
		return this.me !== null && fold(nick) === fold(this.me);
	}

	get(key) {
		return this.convs.get(key) || null;
	}

	conversation(kind, name) {
		const key = Conversation.key(kind, name);
		let c = this.convs.get(key);

		if (!c) {
			c = new Conversation(kind, name);
			this.convs.set(key, c);
		}
		return c;
	}

	/* Rooms then private talks, each sorted by name: the sidebar's
	   order, and that of the keys that switch conversations. */
	list() {
		return [...this.convs.values()].sort((a, b) =>
		    a.kind !== b.kind ? (a.kind === "room" ? -1 : 1) :
		    a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
	}

	rooms() {
		return this.list().filter((c) => c.kind === "room");
	}

	remove(key) {
		this.convs.delete(key);
		if (this.current === key)
			this.current = null;
	}

	/* The reply to join; the history replay, if any, follows it. */
	joined(reply) {
		const c = this.conversation("room", reply.room);

		c.name = reply.room;
		c.joined = true;
		c.setMembers(reply.members);
		c.oldest = null;
		c.more = reply.history > 0;
		return c;
	}

	/*
	 * A msg frame: returns the conversation it belongs to, or null for a
	 * message already held.  A private message belongs to the other
	 * party, whichever way it went.
	 */
	message(f) {
		let c;

		if (typeof f.room === "string")
			c = this.conversation("room", f.room);
		else if (typeof f.to === "string" && typeof f.from === "string")
			c = this.conversation("private",
			    this.isMe(f.from) ? f.to : f.from);
		else
			return null;
		return c.add(f) ? c : null;
	}

	/* A presence frame: updates members and people and leaves notices;
	   returns the conversations that changed. */
	presence(f) {
		const key = fold(f.nick);
		const why = typeof f.reason === "string" && f.reason !== "" ?
		    " (" + f.reason + ")" : "";
		const changed = [];
		const room = typeof f.room === "string" ?
		    this.get(Conversation.key("room", f.room)) : null;
		const talk = this.get(Conversation.key("private", f.nick));

		switch (f.event) {
		case "join":
			if (room) {
				room.members.set(key, f.nick);
				room.notice(f.nick + " joined");
				changed.push(room);
			}
			break;
		case "part":
			if (room && room.members.delete(key)) {
				room.notice(f.nick + " left" + why);
				changed.push(room);
			}
			break;
		case "quit":
			for (const c of this.rooms())
				if (c.members.delete(key)) {
					c.notice(f.nick + " quit" + why);
					changed.push(c);
				}
			break;
		case "online":
			this.people.set(key, f.nick);
			if (talk) {
				talk.notice(f.nick + " is online");
				changed.push(talk);
			}
			break;
		case "offline":
			this.people.delete(key);
			if (talk) {
				talk.notice(f.nick + " went offline" + why);
				changed.push(talk);
			}
			break;
		}
		return changed;
	}

	/* The online users, from the who reply's pages. */
	setPeople(nicks) {
		this.people = new Map(nicks.map((n) => [fold(n), n]));
	}

	peopleList() {
		return sortedNames(this.people);
	}

	unreadTotal() {
		let n = 0;

		for (const c of this.convs.values())
			n += c.unread;
		return n;
	}
}
