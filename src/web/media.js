// media.js: stickers, voice recordings and files, to and from the protocol's media members
// (evchat-protocol(7), MEDIA).  Knows nothing of the connection, the chat state or the layout.

/*
 * The built-in stickers: the protocol carries only a name, and each client
 * decides how it looks.  Names follow the rules of MEDIA (no white space);
 * these are drawn as emoji.  A name not listed here shows as its text.
 */
export const STICKERS = new Map([
	["thumbs_up", "\u{1F44D}"],
	["heart", "\u2764\uFE0F"],
	["laugh", "\u{1F602}"],
	["smile", "\u{1F642}"],
	["wave", "\u{1F44B}"],
	["party", "\u{1F389}"],
	["clap", "\u{1F44F}"],
	["thinking", "\u{1F914}"],
	["coffee", "\u2615"],
	["fire", "\u{1F525}"],
	["ok", "\u{1F44C}"],
	["sad", "\u{1F622}"],
]);

/* type/subtype with the characters RFC 6838 allows, as the server checks. */
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,63}\/[A-Za-z0-9!#$&^_.+-]{1,63}$/;

/* Images a browser shows in <img> without running anything. */
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif",
    "image/webp"]);

/* MediaRecorder formats, best first: Firefox records Ogg, Chromium WebM,
   Safari MP4. */
const RECORD_TYPES = ["audio/ogg;codecs=opus", "audio/webm;codecs=opus",
    "audio/mp4"];
const RECORD_BITS = 32000;	// bits per second asked of the encoder

/* The protocol's mime: a browser's type without its parameters (the
   server refuses them), or a generic one when the browser has none. */
export function mediaType(type) {
	const bare = type.split(";")[0].trim().toLowerCase();

	return MEDIA_TYPE.test(bare) ? bare : "application/octet-stream";
}

export function isImage(mime) {
	return IMAGE_TYPES.has(mime);
}

/*
 * A name the server accepts for a file (MEDIA): no directory part, no
 * control characters, at most 255 bytes; the rest (hidden code points) is
 * the server's to refuse, with a message the page shows.
 */
export function fileName(name, fallback) {
	let n = name.replace(/[\u0000-\u001f\u007f-\u009f/\\]/g, "_");

	// Too long: cut at the start, which keeps the extension.
	while (new TextEncoder().encode(n).length > 255)
		n = Array.from(n).slice(1).join("");
	return n === "" || n === "." || n === ".." ? fallback : n;
}

/* The bytes of a Blob in standard base64, through the browser's own
   encoder (a data: URL) rather than a loop over the bytes. */
export function toBase64(blob) {
	return new Promise((resolve, reject) => {
		const r = new FileReader();

		r.onload = () => resolve(r.result.slice(
		    r.result.indexOf(",") + 1));
		r.onerror = () => reject(r.error);
		r.readAsDataURL(blob);
	});
}

/* The Blob of a received audio or file message; null when its data is
   not base64 (the server checks, but the page trusts no one). */
export function toBlob(frame) {
	let bin;

	if (typeof frame.data !== "string" || typeof frame.mime !== "string")
		return null;
	try {
		bin = atob(frame.data);
	} catch {
		return null;
	}
	const bytes = new Uint8Array(bin.length);

	for (let i = 0; i < bin.length; i++)
		bytes[i] = bin.charCodeAt(i);
	return new Blob([bytes], { type: mediaType(frame.mime) });
}

/* "12 KiB", for people. */
export function byteSize(n) {
	if (n < 1024)
		return n + " B";
	return Math.round(n / 1024) + " KiB";
}

/*
 * One voice recording with the microphone.  The browser asks the person
 * for the microphone, and only on a secure page (HTTPS or localhost).
 */
export class Recorder {
	constructor() {
		this.rec = null;		// the MediaRecorder, started
		this.cancelled = false;
		this.timer = null;
	}

	static supported() {
		return window.isSecureContext && "MediaRecorder" in window &&
		    navigator.mediaDevices !== undefined;
	}

	/*
	 * Start recording; it stops by itself after maxMs (so that the
	 * sound stays under max_media) and calls onstop(blob), as stop()
	 * does.  Rejects when the microphone is refused or missing.
	 */
	async start(maxMs, onstop) {
		const stream = await navigator.mediaDevices.getUserMedia(
		    { audio: true });
		const type = RECORD_TYPES.find((t) =>
		    MediaRecorder.isTypeSupported(t));
		const chunks = [];

		if (this.cancelled) {
			// Thrown away while the browser asked for the
			// microphone.
			for (const t of stream.getTracks())
				t.stop();
			return;
		}
		this.rec = new MediaRecorder(stream, { mimeType: type,
		    audioBitsPerSecond: RECORD_BITS });
		this.rec.ondataavailable = (ev) => chunks.push(ev.data);
		this.rec.onstop = () => {
			clearTimeout(this.timer);
			for (const t of stream.getTracks())
				t.stop();
			if (!this.cancelled)
				onstop(new Blob(chunks,
				    { type: this.rec.mimeType }));
		};
		this.rec.start();
		this.timer = setTimeout(() => this.stop(), maxMs);
	}

	/* The longest recording that fits in maxBytes, with a margin for
	   the container and an encoder that overshoots its bit rate. */
	static maxMs(maxBytes) {
		return maxBytes * 8 / RECORD_BITS * 1000 * 0.8;
	}

	recording() {
		return this.rec !== null && this.rec.state === "recording";
	}

	stop() {
		if (this.recording())
			this.rec.stop();
	}

	cancel() {
		this.cancelled = true;
		this.stop();
	}
}
