#!/usr/bin/env python3
# test-ws.py: the WebSocket face against the real evchatd: the handshake and its refusals, a WebSocket and a
# TCP client chatting, the heartbeat and pings, bye then the close frame, and every close code.
import signal
import socket
import struct

import evchat_test as t
import web_test as w


def refused(srv, request):
    """Send a handshake; returns the status and headers of the refusal."""
    status, h, _ = w.http(srv, request)
    return status, h


@w.web()
def test_handshake_refusals(srv):
    status, h = refused(srv, w.handshake(extra="").replace(
        b"Sec-WebSocket-Version: 13", b"Sec-WebSocket-Version: 8"))
    assert status == 426 and h["sec-websocket-version"] == "13", (status, h)
    status, _ = refused(srv, w.handshake(key="c2hvcnQ="))      # 5 bytes
    assert status == 400
    status, h = refused(srv, w.handshake().replace(b"Upgrade: websocket",
                                                   b"Upgrade: h2c"))
    assert status == 426 and h["upgrade"] == "websocket", (status, h)
    status, _ = refused(srv, w.handshake().replace(b"GET", b"POST", 1))
    assert status == 426


@w.web()
def test_ws_and_tcp_chat(srv):
    """A WebSocket client is an ordinary client: rooms, presence, room
    and private messages both ways, replies with their re."""
    a = w.ws(srv, "alice")
    b = srv.client("bob")
    a.join("lobby")
    b.join("lobby")
    a.expect_next("presence", room="lobby", nick="bob", event="join")
    b.send({"type": "msg", "room": "lobby", "text": "hello from tcp"})
    b.expect_next("msg", text="hello from tcp")
    a.expect_next("msg", room="lobby", **{"from": "bob"},
                  text="hello from tcp")
    a.send({"type": "msg", "room": "lobby", "text": "h\u00e9llo \u2603",
            "id": "m1"})
    a.expect_next("msg", re="m1", text="h\u00e9llo \u2603")
    b.expect_next("msg", **{"from": "alice"}, text="h\u00e9llo \u2603")
    a.send({"type": "msg", "to": "bob", "text": "psst"})
    a.expect_next("msg", to="bob", text="psst")
    b.expect_next("msg", to="bob", **{"from": "alice"}, text="psst")
    b.send({"type": "msg", "to": "alice", "text": "yes?"})
    b.expect_next("msg", to="alice", text="yes?")
    a.expect_next("msg", to="alice", **{"from": "bob"}, text="yes?")
    b.request({"type": "who", "room": "lobby"}, nicks=["alice", "bob"])
    a.request({"type": "part", "room": "lobby"}, "parted")
    b.expect_next("presence", nick="alice", event="part")


@w.web()
def test_quit_bye_close(srv):
    a = w.ws(srv, "alice")
    a.send({"type": "quit", "reason": "see you"})
    a.expect_bye("see you", code=1000)


@w.web()
def test_shutdown_going_away(srv):
    a = w.ws(srv, "alice")
    srv.send_signal(signal.SIGTERM)
    a.expect_bye("server shutting down", code=1001)


@w.web()
def test_client_close_echoed(srv):
    """The client's close frame is answered with its own code, no bye."""
    a = w.ws(srv, "alice")
    a.send_raw(w.frame(8, struct.pack(">H", 1000) + b"leaving"))
    assert a.expect_close(1000) == "leaving"
    srv.wait_log(r"client \d+ \(alice\) closing: connection closed")


@w.web()
def test_binary_closed_1003(srv):
    a = w.ws(srv, "alice")
    a.send_raw(w.frame(2, b"\x00\x01"))
    a.expect_bye("binary message", code=1003)


@w.web("--max-frame", "1024")
def test_too_large_closed_1009(srv):
    a = w.ws(srv, "alice")
    a.send_raw(w.frame(1, b'"' + b"a" * 2000 + b'"'))
    a.expect_error("frame_too_large")
    a.expect_bye("frame too large", code=1009)


@w.web()
def test_fragments_over_max_frame_closed_1009(srv):
    """Fragments count as one message against max-frame."""
    a = w.ws(srv, "alice")
    a.send_raw(w.frame(1, b"a" * 200000, fin=False))
    a.send_raw(w.frame(0, b"a" * 200000, fin=True))
    a.expect_error("frame_too_large")
    a.expect_bye("frame too large", code=1009)


@w.web()
def test_bad_utf8_closed_1007(srv):
    a = w.ws(srv, "alice")
    a.send_raw(w.frame(1, b'{"type":"ping","x":"\xff"}'))
    a.expect_error("bad_frame")
    a.expect_bye("bad frame", code=1007)


@w.web()
def test_unmasked_closed_1002(srv):
    a = w.ws(srv, "alice")
    a.send_raw(w.frame(1, b'{"type":"ping"}', mask=False))
    a.expect_bye("WebSocket protocol error", code=1002)


@w.web()
def test_reserved_opcode_closed_1002(srv):
    a = w.ws(srv)
    a.send_raw(w.frame(3, b"x"))
    a.expect_bye("WebSocket protocol error", code=1002)


@w.web()
def test_empty_message_is_a_bad_frame(srv):
    a = w.ws(srv, "alice")
    a.send_raw(w.frame(1, b""))
    a.expect_error("bad_frame")
    a.expect_bye("bad frame", code=1000)


@w.web()
def test_fragmented_message_with_ping_between(srv):
    """A message in fragments with a ping among them: the ping is answered
    at once, the message handled once whole."""
    a = w.ws(srv, "alice")
    text = b'{"type":"ping","id":"frag"}'
    a.send_raw(w.frame(1, text[:10], fin=False) + w.frame(9, b"live") +
               w.frame(0, text[10:20], fin=False) +
               w.frame(0, text[20:], fin=True))
    a.expect_next("pong", re="frag")
    assert a.control(10) == [b"live"], a.reader.control


@w.web()
def test_fragments_across_reads(srv):
    """A message's first fragment, read and answered around (its ping's
    pong), then its last: the decoder's state lasts between reads."""
    a = w.ws(srv, "alice")
    text = b'{"type":"ping","id":"later"}'
    a.send_raw(w.frame(1, text[:12], fin=False) + w.frame(9, b"sync"))
    a.wait_control(10)
    a.send_raw(w.frame(0, text[12:], fin=True))
    a.expect_next("pong", re="later")


@w.web()
def test_unregistered_requests_answered(srv):
    """Before hello, a WebSocket client gets the same errors as TCP."""
    a = w.ws(srv)
    a.send({"type": "join", "room": "lobby", "id": 1})
    a.expect_error("not_registered", re=1)
    a.send_raw(w.frame(1, b"not json"))
    a.expect_error("bad_frame")


@w.web("--heartbeat", "1", "--timeout", "30")
def test_heartbeat_json_and_websocket_ping(srv):
    """The heartbeat is a JSON ping and a WebSocket ping; the browser's
    automatic pong alone keeps the connection."""
    a = w.ws(srv, "alice")
    a.expect_next("ping", ts=t.ANY)
    # The WebSocket ping came right after, in the same write.
    a.wait_control(9)
    a.send_raw(w.frame(10, b""))        # what a browser answers
    a.expect_quiet()


@w.web("--heartbeat", "1", "--timeout", "2")
def test_silent_client_dropped(srv):
    a = w.ws(srv, "alice")
    a.expect_next("ping")
    a.expect_bye("ping timeout", code=1000, timeout=srv.timeout + 3)


@w.web()
def test_ping_answered(srv):
    a = w.ws(srv, "alice")
    a.send_raw(w.frame(9, b"abc"))
    a.expect_quiet()
    assert a.control(10) == [b"abc"], a.reader.control


@w.web()
def test_origin(srv):
    """By default only this server's own page may open /ws; a handshake
    without Origin (a program, not a page) may."""
    w.WsClient(w.port(srv), origin="http://127.0.0.1").close()
    w.WsClient(w.port(srv)).close()
    for origin in ("http://evil.example", "https://127.0.0.1",
                   "http://127.0.0.1:1", "null"):
        status, _ = refused(srv, w.handshake(origin=origin))
        assert status == 403, (origin, status)
    srv.wait_log(r"WebSocket from origin http://evil\.example refused")


@w.web("--web-origins", "https://chat.example.org, http://evil.example")
def test_origin_widened(srv):
    w.WsClient(w.port(srv), origin="http://evil.example").close()
    w.WsClient(w.port(srv), origin="https://CHAT.example.org").close()
    status, _ = refused(srv, w.handshake(origin="http://other.example"))
    assert status == 403


@w.web("--web-trusted-proxies", "127.0.0.1",
       "--web-origins", "https://chat.example.org")
def test_forwarded_proto(srv):
    """Behind a trusted proxy that terminates TLS, the page's origin is
    https."""
    w.WsClient(w.port(srv), origin="https://127.0.0.1",
               extra="X-Forwarded-Proto: https\r\n").close()


@w.web()
def test_forwarded_proto_untrusted(srv):
    status, _ = refused(srv, w.handshake(
        origin="https://127.0.0.1", extra="X-Forwarded-Proto: https\r\n"))
    assert status == 403


t.run(globals())
