#!/usr/bin/env python3
# test-man-protocol.py: evchat-protocol.7 against the code: its error codes and messages are errcode.c's,
# its hex example decodes to the JSON it shows and is what evchatd answers, every JSON example parses.

import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HEXLINE = re.compile(r"^([0-9a-f]{4})  ((?:[0-9a-f]{2} ){0,15}[0-9a-f]{2})"
                     r" +(.*)$")
SIZES = re.compile(r"\((\d+) bytes\b.*0x([0-9a-f]{8})\)")
ERRCODE = re.compile(r'\[ERR_\w+\]\s*=\s*\{\s*"(\w+)",\s*"((?:[^"\\]|\\.)*)"'
                     r"\s*\}")


def unroff(s):
    """Text of a line in a literal display: the escapes the pages use."""
    return s.replace("\\&", "").replace("\\e", "\\").replace("\\-", "-")


def read_page(srcdir):
    with open(os.path.join(srcdir, "man", "evchat-protocol.7"),
              encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f]


def section(lines, name):
    out, inside = [], False
    for l in lines:
        if l.startswith(".Sh "):
            inside = l[4:].strip() == name
        elif inside:
            out.append(l)
    return out


def displays(lines):
    """(text before, [lines]) of each literal display."""
    out, prose, cur = [], [], None
    for l in lines:
        if l.startswith(".Bd -literal"):
            cur = []
        elif l.startswith(".Ed") and cur is not None:
            out.append((" ".join(prose[-4:]), cur))
            cur, prose = None, []
        elif cur is not None:
            cur.append(unroff(l))
        else:
            prose.append(l)
    return out


def json_objects(lines):
    """The JSON texts of a display: objects may span lines, as shown."""
    objs, cur = [], ""
    for l in lines:
        if HEXLINE.match(l):
            continue
        if not l.strip():
            if cur:
                objs.append(cur)
            cur = ""
            continue
        if not cur and not l.startswith("{"):
            continue
        cur += l
        try:
            json.loads(cur)
        except ValueError:
            continue
        objs.append(cur)
        cur = ""
    if cur:
        objs.append(cur)
    return objs


def check_hex(prose, lines, problems):
    rows = [HEXLINE.match(l) for l in lines if HEXLINE.match(l)]
    data = b""
    for m in rows:
        if int(m.group(1), 16) != len(data):
            problems.append("hex: offset %s follows %d bytes" % (m.group(1),
                            len(data)))
        chunk = bytes.fromhex(m.group(2))
        shown = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        if m.group(3) != shown:
            problems.append("hex: at %s the ASCII column says %r, the bytes "
                            "%r" % (m.group(1), m.group(3), shown))
        data += chunk
    (length,) = struct.unpack(">I", data[:4])
    payload = data[4:]
    if length != len(payload):
        problems.append("hex: header says %d bytes, %d follow" %
                        (length, len(payload)))
    objs = json_objects(lines)
    if len(objs) != 1 or objs[0].encode("utf-8") != payload:
        problems.append("hex: the bytes are %r, the JSON shown %r" %
                        (payload, objs))
    m = SIZES.search(prose)
    if m is None:
        problems.append("hex: no '(N bytes, 0x...)' before the frame %r" %
                        payload)
    elif int(m.group(1)) != len(payload) or int(m.group(2), 16) != length:
        problems.append("hex: the text says %s bytes and 0x%s for the frame "
                        "%r of %d bytes" % (m.group(1), m.group(2), payload,
                                            len(payload)))
    return payload


def check_examples(lines, problems):
    """The example's frames, checked; returns them in session order."""
    frames = []
    for prose, body in displays(section(lines, "EXAMPLES")):
        if any(HEXLINE.match(l) for l in body):
            frames.append(check_hex(prose, body, problems))
        for text in json_objects(body):
            try:
                obj = json.loads(text)
            except ValueError as e:
                problems.append("example: %r is not JSON: %s" % (text, e))
                continue
            if not isinstance(obj, dict) or \
               not isinstance(obj.get("type"), str):
                problems.append("example: %r has no string type" % text)
    if len(frames) != 6:
        problems.append("example: %d frames shown as hex, want the 6 of "
                        "hello, welcome, join, joined, msg and echo" %
                        len(frames))
    return frames


def start_server(evchatd, conf):
    """evchatd on an ephemeral loopback port: (process, port)."""
    proc = subprocess.Popen([evchatd, "--config", conf, "--listen",
                             "127.0.0.1:0"], stderr=subprocess.PIPE,
                            universal_newlines=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    proc.wait()
    raise RuntimeError("evchatd did not report its port")


def read_frame(sock):
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise RuntimeError("evchatd closed the connection")
            buf += chunk
        return buf
    (length,) = struct.unpack(">I", exactly(4))
    return exactly(length)


def check_live(evchatd, frames, problems):
    """Replay the example's requests; evchatd must answer its replies,
    byte for byte but for the clock."""
    clock = re.compile(rb'"ts":\d+')
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
        proc, port = start_server(evchatd, conf.name)
        try:
            with socket.create_connection(("127.0.0.1", port),
                                          timeout=5) as sock:
                for req, want in zip(frames[0::2], frames[1::2]):
                    sock.sendall(struct.pack(">I", len(req)) + req)
                    got = read_frame(sock)
                    if clock.sub(b'"ts":0', got) != \
                       clock.sub(b'"ts":0', want):
                        problems.append("live: evchatd answers %r to %r, "
                                        "the page shows %r" % (got, req,
                                                               want))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def page_errcodes(lines):
    """{code: message} of the ERROR CODES list."""
    codes, cur = {}, None
    for l in section(lines, "ERROR CODES"):
        if l.startswith(".It Er "):
            cur = l.split()[2]
            codes[cur] = None
        elif cur is not None and codes[cur] is None and \
                l.startswith(".Dq "):
            msg = l[4:]
            if msg.endswith(" ."):
                msg = msg[:-2]
            codes[cur] = unroff(msg)
    return codes


def lib_errcodes(srcdir):
    with open(os.path.join(srcdir, "src", "lib", "errcode.c"),
              encoding="utf-8") as f:
        src = f.read()
    return {m.group(1): m.group(2).encode().decode("unicode_escape")
            for m in ERRCODE.finditer(src)}


def main():
    srcdir = os.environ.get("top_srcdir", ".")
    lines = read_page(srcdir)
    problems = []

    frames = check_examples(lines, problems)
    evchatd = os.environ.get("EVCHATD", "")
    live = bool(evchatd) and os.access(evchatd, os.X_OK) and len(frames) == 6
    if live:
        check_live(evchatd, frames, problems)

    documented = page_errcodes(lines)
    library = lib_errcodes(srcdir)
    if not library:
        problems.append("errcode: no codes found in src/lib/errcode.c")
    for code in sorted(set(library) - set(documented)):
        problems.append("errcode: %s is in errcode.c but not in "
                        "evchat-protocol.7" % code)
    for code in sorted(set(documented) - set(library)):
        problems.append("errcode: %s is in evchat-protocol.7 but not in "
                        "errcode.c" % code)
    for code in sorted(set(documented) & set(library)):
        if documented[code] != library[code]:
            problems.append("errcode: %s says %r in errcode.c but %r in "
                            "evchat-protocol.7" % (code, library[code],
                                                   documented[code]))

    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    print("ok: %d error codes agree, the example frames decode%s" %
          (len(library), ", evchatd sends them" if live else
           " (evchatd not built: not replayed)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
