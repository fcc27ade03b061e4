// prefs.js: what the browser remembers between visits, in localStorage: the nick, the password
// when the person asks for it, whether signing in worked, and the rooms to join again.  Knows nothing of the chat or the page.

const KEY = "evchat";

/* The saved settings, or defaults when there are none or storage is off
   (private windows may refuse it). */
export function load() {
	let p = {};

	try {
		p = JSON.parse(localStorage.getItem(KEY)) || {};
	} catch {
		// Unreadable: start afresh.
	}
	return {
		nick: typeof p.nick === "string" ? p.nick : "",
		password: typeof p.password === "string" ? p.password : "",
		remember: p.remember !== false,
		signedIn: p.signedIn === true,	// the last sign-in worked
		rooms: Array.isArray(p.rooms) ?
		    p.rooms.filter((r) => typeof r === "string") : [],
	};
}

/* Merge changes into the saved settings; the password is kept only while
   remember is set. */
export function save(changes) {
	const p = { ...load(), ...changes };

	if (!p.remember)
		p.password = "";
	try {
		localStorage.setItem(KEY, JSON.stringify(p));
	} catch {
		// Storage full or off: the page works without it.
	}
}
