// state-checks.js: unit checks of the page's state.js (folding, message order and replays, private
// talks, presence), run inside the browser by test-browser.py; it knows state.js's exports only.
//
// test-browser.py sends this file through WebDriver with a last line that
// calls stateChecks(url of state.js); the promise resolves with the
// failures, an empty list when all hold.

async function stateChecks(stateURL) {
	const { Chat, Conversation, fold } = await import(stateURL);
	const failures = [];
	const check = (what, ok) => {
		if (!ok)
			failures.push(what);
	};
	const msg = (msgid, ts, fields) => ({ type: "msg", msgid, ts,
	    from: "bob", ...fields });
	const texts = (c) => c.entries.map((e) => e.frame ? e.frame.text :
	    "(" + e.text + ")");
	const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

	check("fold: full case folding", fold("Straße") === fold("STRASSE"));
	check("fold: composed and decomposed", fold("Jos\u00e9") ===
	    fold("JOSE\u0301"));
	check("fold: ASCII lower case", fold("Lobby") === "lobby");

	const chat = new Chat();

	chat.welcome({ nick: "Ana", server: "evchatd", max_text: 100 });
	check("welcome: limits", chat.limits.max_text === 100 &&
	    chat.limits.max_media === 163840);
	check("isMe folds", chat.isMe("ANA"));

	const room = chat.joined({ room: "Lab", members: ["Ana", "bob"],
	    history: 2 });
	check("joined: members", same(room.memberList(), ["Ana", "bob"]));
	check("joined: more while history came", room.more === true);

	// Live messages, a replay overlapping them, and an older page.
	chat.message(msg(5, 1000, { room: "lab", text: "five" }));
	chat.message(msg(6, 2000, { room: "LAB", text: "six" }));
	check("replayed message dropped",
	    chat.message(msg(6, 2000, { room: "lab", text: "six",
	    history: true })) === null);
	chat.message(msg(3, 500, { room: "lab", text: "three",
	    history: true }));
	check("order by time, history before", same(texts(room),
	    ["three", "five", "six"]));
	check("oldest msgid held", room.oldest === 3);

	// A restarted server counts msgids from 1 again, later in time.
	chat.message(msg(1, 3000, { room: "lab", text: "after restart" }));
	check("a new server's msgid 1 is a new message", same(texts(room),
	    ["three", "five", "six", "after restart"]));

	// Private messages belong to the other party, either way.
	const p1 = chat.message(msg(7, 4000, { to: "Ana", text: "psst" }));
	const p2 = chat.message(msg(8, 4100, { from: "ana", to: "BOB",
	    text: "yes" }));
	check("private talk keyed by the other nick", p1 !== null &&
	    p1 === p2 && p1.key === Conversation.key("private", "Bob"));
	check("private talk holds both", same(texts(p1), ["psst", "yes"]));

	// Presence: join and part touch one room, quit every room.
	const other = chat.joined({ room: "hall", members: ["Ana", "bob"] });

	check("no history asked: no more", other.more === false);
	chat.presence({ type: "presence", event: "join", room: "lab",
	    nick: "cy" });
	check("join adds a member", room.members.has("cy"));
	chat.presence({ type: "presence", event: "part", room: "hall",
	    nick: "bob", reason: "lunch" });
	check("part touches its room only", room.members.has("bob") &&
	    !other.members.has("bob"));
	check("part notice with reason", texts(other).at(-1) ===
	    "(bob left (lunch))");
	chat.presence({ type: "presence", event: "quit", nick: "CY",
	    reason: "bye" });
	check("quit removes everywhere", !room.members.has("cy"));
	chat.presence({ type: "presence", event: "online", nick: "Zed" });
	chat.setPeople(["bob", "Ana"]);
	chat.presence({ type: "presence", event: "online", nick: "Zed" });
	chat.presence({ type: "presence", event: "offline", nick: "bob" });
	check("online and offline people", same(chat.peopleList(),
	    ["Ana", "Zed"]));
	check("offline noted in the talk", texts(p1).at(-1) ===
	    "(bob went offline)");

	// Unread counts add up; removing a talk forgets it.
	room.unread = 2;
	p1.unread = 1;
	check("unread total", chat.unreadTotal() === 3);
	chat.current = p1.key;
	chat.remove(p1.key);
	check("remove the current talk", chat.current === null &&
	    chat.get(p1.key) === null && chat.unreadTotal() === 2);
	check("list: rooms first, by name", same(chat.list().map((c) =>
	    c.name), ["hall", "Lab"]));
	return failures;
}
