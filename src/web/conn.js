// conn.js: one connection to evchatd over WebSocket, each text message one object of
// evchat-protocol(7): request ids and their replies, heartbeats, reconnection with backoff.
// It knows nothing of rooms, people or the page: app.js gives it hooks.

const BACKOFF_FIRST = 1000;	// ms before the first attempt to reconnect
const BACKOFF_LAST = 30000;	// ms: the longest wait between two attempts
const HEARTBEAT = 30;		// s, until welcome announces the server's

/*
 * A failed request: code is the protocol's error code (ERROR CODES), or
 * "disconnected" when the connection ended before the reply; message is
 * the server's text, meant for people.
 */
export class ProtocolError extends Error {
	constructor(code, message) {
		super(message);
		this.code = code;
	}
}

/*
 * The connection to one server, kept open until stop().  Hooks, all
 * called by the connection:
 *   frame(obj)       a server frame that answers no request of ours
 *                    (msg echoes are passed here as well as settled);
 *   ready(welcome)   registered; again after every reconnection;
 *   refused(err)     hello was refused (nick, password): no retry;
 *   status(state, detail)  "connecting"; "waiting" with {delay, reason}
 *                    before the next attempt; "stopped".
 */
export class Connection {
	constructor(url, hooks) {
		this.url = url;
		this.hooks = hooks;
		this.ws = null;
		this.hello = null;
		this.stopped = true;
		this.registered = false;	// a welcome came on some socket
		this.attempt = 0;		// failures since a welcome
		this.retryTimer = null;
		this.beatTimer = null;
		this.heard = 0;			// Date.now() of the last frame
		this.heartbeat = HEARTBEAT;
		this.byeReason = null;
		this.lastId = 0;
		this.pending = new Map();	// id -> {resolve, reject}
	}

	/* Connect and register with hello ({nick, password}). */
	start(hello) {
		this.hello = hello;
		this.stopped = false;
		this.registered = false;
		this.attempt = 0;
		this.open();
	}

	/* Leave for good: quit, then close; no reconnection. */
	stop() {
		this.stopped = true;
		clearTimeout(this.retryTimer);
		if (this.isOpen())
			this.ws.send(JSON.stringify({ type: "quit" }));
		this.drop();
	}

	/* Skip the rest of a backoff wait (the person asked, or the
	   browser came back online). */
	retryNow() {
		if (this.stopped || this.ws !== null)
			return;
		clearTimeout(this.retryTimer);
		this.open();
	}

	isOpen() {
		return this.ws !== null &&
		    this.ws.readyState === WebSocket.OPEN;
	}

	/*
	 * Send a request with a fresh id; the promise resolves with the
	 * frame that carries the id back in re, or rejects with a
	 * ProtocolError.
	 */
	request(obj) {
		if (!this.isOpen())
			return Promise.reject(new ProtocolError("disconnected",
			    "not connected to the server"));
		const id = ++this.lastId;
		this.ws.send(JSON.stringify({ ...obj, id }));
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
		});
	}

	/* Length in bytes of obj as it would be sent, for the max_frame check
	   that media need (MEDIA); the id adds a few bytes. */
	static size(obj) {
		return new TextEncoder().encode(JSON.stringify(obj)).length +
		    24;
	}

	open() {
		const ws = new WebSocket(this.url);

		this.ws = ws;
		this.byeReason = null;
		this.hooks.status("connecting");
		ws.onopen = () => this.register();
		ws.onmessage = (ev) => this.receive(ev.data);
		ws.onclose = () => this.closed();
	}

	async register() {
		const req = { type: "hello", nick: this.hello.nick, version: 1,
		    presence: true };
		let welcome;

		if (this.hello.password)
			req.password = this.hello.password;
		try {
			welcome = await this.request(req);
		} catch (err) {
			this.refused(err);
			return;
		}
		this.registered = true;
		this.attempt = 0;
		this.heartbeat = welcome.heartbeat > 0 ? welcome.heartbeat :
		    HEARTBEAT;
		clearInterval(this.beatTimer);
		this.beatTimer = setInterval(() => this.beat(),
		    this.heartbeat * 500);
		this.hooks.ready(welcome);
	}

	/*
	 * A refused hello ends the attempts, except for our own nick still
	 * held by the connection we lost, which the server lets go within its
	 * timeout: then waiting and trying again is right.
	 */
	refused(err) {
		if (err.code === "disconnected")
			return;		// closed() has taken over
		if (this.registered && err.code === "nick_taken") {
			this.byeReason = err.message;
			this.drop();
			this.closed();
			return;
		}
		this.stopped = true;
		this.drop();
		this.hooks.refused(err);
		this.hooks.status("stopped");
	}

	receive(data) {
		let obj;

		if (typeof data !== "string")
			return;
		try {
			obj = JSON.parse(data);
		} catch {
			return;
		}
		if (obj === null || typeof obj !== "object" ||
		    Array.isArray(obj) || typeof obj.type !== "string")
			return;
		this.heard = Date.now();
		if (obj.type === "ping") {
			this.ws.send(JSON.stringify({ type: "pong" }));
			return;
		}
		if (obj.type === "bye")
			this.byeReason = obj.reason;
		if (obj.type === "error" && obj.code === "bad_password") {
			// Whether or not it names the hello, it ends the
			// connection, and another try would fail the same way.
			this.refused(new ProtocolError(obj.code, obj.message));
			return;
		}
		if ("re" in obj && this.pending.has(obj.re)) {
			const p = this.pending.get(obj.re);

			this.pending.delete(obj.re);
			if (obj.type === "error")
				p.reject(new ProtocolError(obj.code,
				    obj.message));
			else
				p.resolve(obj);
			if (obj.type !== "msg")
				return;
		}
		this.hooks.frame(obj);
	}

	/*
	 * Every half heartbeat: the server only pings a silent client, so a
	 * client that hears nothing pings it (HEARTBEAT AND TIMEOUTS), and
	 * gives the connection up when two heartbeats pass without an answer.
	 */
	beat() {
		const silent = (Date.now() - this.heard) / 1000;

		if (silent >= 2 * this.heartbeat) {
			this.byeReason = "the server stopped answering";
			this.drop();
			this.closed();
		} else if (silent >= this.heartbeat)
			this.request({ type: "ping" }).catch(() => {});
	}

	/* Forget the socket at once, without waiting for its close event. */
	drop() {
		const ws = this.ws;

		clearInterval(this.beatTimer);
		if (ws === null)
			return;
		this.ws = null;
		ws.onopen = ws.onmessage = ws.onclose = null;
		ws.close();
		this.failPending();
	}

	failPending() {
		const err = new ProtocolError("disconnected",
		    "the connection to the server was lost");

		for (const p of this.pending.values())
			p.reject(err);
		this.pending.clear();
	}

	/* The socket ended: try again after a growing, jittered delay. */
	closed() {
		if (this.ws !== null) {
			this.ws = null;
			clearInterval(this.beatTimer);
			this.failPending();
		}
		if (this.stopped) {
			this.hooks.status("stopped");
			return;
		}
		const delay = Math.min(BACKOFF_LAST, BACKOFF_FIRST *
		    2 ** this.attempt) * (0.75 + Math.random() / 2);

		this.attempt++;
		this.hooks.status("waiting", { delay, reason: this.byeReason });
		clearTimeout(this.retryTimer);
		this.retryTimer = setTimeout(() => this.open(), delay);
	}
}
