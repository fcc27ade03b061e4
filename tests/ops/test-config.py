# test-config.py: tests of evchatd's command line and config file: every parser error with its line
# and exit status, --check-config, options over the file, --help and the example evchatd.conf.
import os
import socket
import re

import ops_test as o
from ops_test import EX_CONFIG, EX_USAGE, check_status, evchatd, t, write

DEFAULTS = {
    "listen": ["127.0.0.1:7667", "[::1]:7667"],
    "heartbeat": ["30"],
    "timeout": ["75"],
    "max-frame": ["262144"],
    "max-text": ["4096"],
    "max-media": ["163840"],
    "max-clients": ["10000"],
    "log-level": ["info"],
    "syslog": ["no"],
    "register-timeout": ["10"],
    "max-sendq": ["1048576"],
    "max-clients-per-ip": ["50"],
    "limit-exempt": ["127.0.0.0/8,::1"],
    "max-rooms-per-client": ["32"],
    "max-members-per-room": ["10000"],
    "rate": ["20"],
    "burst": ["60"],
    "flood-kick": ["180"],
    "tls-listen": ["none"],
    "tls-cert": ["none"],
    "tls-key": ["none"],
    "tls-min-version": ["1.2"],
    "tls-session-tickets": ["yes"],
    "web-listen": ["127.0.0.1:7680", "[::1]:7680"],
    "web-tls-listen": ["none"],
    "web-root": ["none"],
    "web-origins": ["none"],
    "web-trusted-proxies": ["none"],
    "irc-listen": ["127.0.0.1:6667", "[::1]:6667"],
    "irc-tls-listen": ["none"],
    # The host name, when it is one token IRC lines can carry.
    "server-name": [socket.gethostname()],
    "network-name": ["evchat"],
    "motd-file": ["none"],
    "password": ["none"],
    "password-file": ["none"],
    "store": ["memory"],
    "cluster": ["none"],
    "node-name": ["none"],
    "cluster-lease": ["15"],
    "cluster-prefix": ["evchat:"],
    "cluster-password-file": ["none"],
    "history-max": ["10000"],
    "history-max-age": ["0"],
    "history-max-replay": ["100"],
    "history-replay-bytes": ["262144"],
    "history-memory": ["67108864"],
    "guests": ["yes"],
    "operators": ["none"],
}


def check_config(*args):
    """The effective configuration that --check-config prints, parsed."""
    r = evchatd(*args, "--check-config")
    check_status(r, 0)
    assert r.stderr == "", r.stderr
    return o.parse_config(r.stdout)


def check_fails(args, status, message):
    """evchatd args exits with status and the one line `evchatd: message`
    on stderr, where message is a regular expression."""
    r = evchatd(*args)
    check_status(r, status)
    lines = r.stderr.splitlines()
    assert lines, "nothing on stderr"
    assert re.fullmatch("evchatd: " + message, lines[0]), \
        "stderr %r does not match %r" % (lines[0], message)
    if status == EX_CONFIG:
        assert len(lines) == 1, "more than one line: %r" % r.stderr
    assert r.stdout == "", r.stdout


def test_defaults(tmp):
    empty = write(tmp, "empty.conf", "")
    keys = check_config("--config", empty)
    assert keys == DEFAULTS, "defaults %r\nwant %r" % (keys, DEFAULTS)


def test_limit_exempt(tmp):
    cases = [
        ("none", "none"),
        ("10.0.0.0/8", "10.0.0.0/8"),
        (" 10.0.0.0/8 , ::1/128,192.0.2.1 ", "10.0.0.0/8,::1,192.0.2.1"),
        ("2001:db8::/32,0.0.0.0/0", "2001:db8::/32,0.0.0.0/0"),
    ]
    for value, shown in cases:
        path = write(tmp, "a.conf", "limit-exempt = %s\n" % value)
        assert check_config("--config", path)["limit-exempt"] == [shown]
    empty = write(tmp, "empty.conf", "")
    assert check_config("--config", empty, "--limit-exempt=none")[
        "limit-exempt"] == ["none"]
    # Limits switch off with 0.
    keys = check_config("--config", empty, "--max-sendq", "0", "--rate",
                        "0", "--register-timeout", "0",
                        "--max-clients-per-ip", "0")
    assert keys["max-sendq"] == ["0"] and keys["rate"] == ["0"]
    assert keys["register-timeout"] == ["0"]
    assert keys["max-clients-per-ip"] == ["0"]


def test_check_config_names_the_file(tmp):
    path = write(tmp, "a.conf", "heartbeat = 5\n")
    r = evchatd("--config", path, "--check-config")
    check_status(r, 0)
    assert path in r.stdout.splitlines()[0], r.stdout


def test_check_config_round_trip(tmp):
    path = write(tmp, "a.conf", "listen = [::1]:0\nheartbeat = 2m\n")
    args = ("--config", path, "--listen", "127.0.0.1:1234", "--listen",
            "[::]:0", "--timeout", "3m", "--max-frame", "1M",
            "--max-text", "8K", "--max-media=700k", "--max-sendq", "2M",
            "--max-clients", "0", "--limit-exempt", "10.0.0.0/8,::1",
            "--log-level", "debug", "--syslog")
    first = evchatd(*args, "--check-config")
    check_status(first, 0)
    again = write(tmp, "again.conf", first.stdout)
    second = check_config("--config", again)
    assert second == o.parse_config(first.stdout), (first.stdout, second)
    assert second["listen"] == ["127.0.0.1:1234", "[::]:0"]
    assert second["heartbeat"] == ["120"] and second["timeout"] == ["180"]
    assert second["max-frame"] == ["1048576"]
    assert second["max-text"] == ["8192"]
    assert second["max-media"] == ["716800"]
    assert second["max-sendq"] == ["2097152"]
    assert second["max-clients"] == ["0"]
    assert second["limit-exempt"] == ["10.0.0.0/8,::1"]
    assert second["log-level"] == ["debug"] and second["syslog"] == ["yes"]


def test_file_syntax(tmp):
    # Comments, blank lines, spaces around the key and value, CRLF.
    text = ("# a comment\n\n   \t\n  # indented comment\n"
            "heartbeat=5\r\n  timeout   =   1m  \n"
            "max-frame = 512K\nmax-media = 100k\nsyslog = true\n"
            "log-level = warn\nlisten = 127.0.0.1:0\nlisten = [::1]:0\n")
    keys = check_config("--config", write(tmp, "a.conf", text))
    assert keys["heartbeat"] == ["5"] and keys["timeout"] == ["60"]
    assert keys["max-frame"] == ["524288"]
    assert keys["max-media"] == ["102400"]
    assert keys["syslog"] == ["yes"] and keys["log-level"] == ["warn"]
    assert keys["listen"] == ["127.0.0.1:0", "[::1]:0"]
    no = write(tmp, "b.conf", "syslog = false\nheartbeat = 7s\n")
    keys = check_config("--config", no)
    assert keys["syslog"] == ["no"] and keys["heartbeat"] == ["7"]


def test_options_override_file(tmp):
    path = write(tmp, "a.conf", "listen = 127.0.0.1:1\nlisten = [::1]:2\n"
                 "heartbeat = 10\ntimeout = 100\nmax-clients = 5\n")
    keys = check_config("--config", path, "--listen", "[::1]:3",
                        "--heartbeat=20", "--max-clients", "6")
    assert keys["listen"] == ["[::1]:3"], keys["listen"]
    assert keys["heartbeat"] == ["20"]
    assert keys["timeout"] == ["100"]
    assert keys["max-clients"] == ["6"]
    # The last of a repeated option wins, and listen accumulates.
    keys = check_config("--config", path, "--heartbeat", "20",
                        "--heartbeat", "30", "--listen", "127.0.0.1:4",
                        "--listen", "127.0.0.1:5")
    assert keys["heartbeat"] == ["30"]
    assert keys["listen"] == ["127.0.0.1:4", "127.0.0.1:5"]
    # An option can also make a file's value valid.
    bad = write(tmp, "b.conf", "heartbeat = 100\n")
    assert check_config("--config", bad, "--timeout", "200")["timeout"] == \
        ["200"]
    # history-max-age takes hours and days: 30d and 12h in seconds.
    assert check_config("--config", path, "--history-max-age", "30d")[
        "history-max-age"] == ["2592000"]
    assert check_config("--config", path, "--history-max-age", "12h")[
        "history-max-age"] == ["43200"]


FILE_ERRORS = [
    # (file text, line of the error, message after "FILE:LINE: ")
    ("heartbeat = 5\nhartbeat = 6\n", 2, r"unknown key 'hartbeat'"),
    ("\n# c\nheartbeat = 5\n\nheartbeat = 6\n", 5,
     r"duplicate key 'heartbeat' \(first on line 3\)"),
    ("max-frame = 1M\nmax-frame = 1M\n", 2, r"duplicate key 'max-frame'.*"),
    ("heartbeat = soon\n", 1, r"heartbeat: 'soon' is not a duration.*"),
    ("heartbeat = 5h\n", 1, r"heartbeat: '5h' is not a duration.*"),
    ("heartbeat = -5\n", 1, r"heartbeat: '-5' is not a duration.*"),
    ("heartbeat = 0\n", 1, r"heartbeat: '0' is out of range.*"),
    # An age takes hours and days too; nothing else does.
    ("history-max-age = 30w\n", 1,
     r"history-max-age: '30w' is not an age \(SEC, SECs, MINm, HOURSh or "
     r"DAYSd\)"),
    ("history-max-age = 3651d\n", 1, r"history-max-age: .* out of range.*"),
    ("store = sqlite\n", 1,
     r"store: store sqlite needs a file: sqlite:PATH"),
    ("store = mongo:x\n", 1,
     r"store: 'mongo' is not a store of this evchatd \(memory, sqlite:PATH, "
     r"redis://HOST\[:PORT\]\[/DB\], redis\+unix:/PATH\)"),
    ("timeout = 99999999999999999999999\n", 1,
     r"timeout: .* is out of range.*"),
    ("max-frame = 12G\n", 1, r"max-frame: '12G' is not a size.*"),
    ("max-frame = 1K1\n", 1, r"max-frame: '1K1' is not a size.*"),
    ("max-frame = 100\n", 1, r"max-frame: '100' is out of range.*"),
    ("max-clients = many\n", 1, r"max-clients: 'many' is not a number"),
    ("max-clients = 10k\n", 1, r"max-clients: '10k' is not a number"),
    ("log-level = loud\n", 1, r"log-level: 'loud' is not error, warn.*"),
    ("syslog = 1\n", 1, r"syslog: '1' is not yes, no, true or false"),
    ("listen = localhost:7667\n", 1, r"listen: 'localhost' is not .*"),
    ("listen = ::1:7667\n", 1, r"listen: .*\[ADDR\]:PORT.*"),
    ("listen = 127.0.0.1\n", 1, r"listen: .* is not ADDR:PORT"),
    ("listen = 127.0.0.1:65536\n", 1, r"listen: '65536' is not a port.*"),
    ("listen = [::1]:80\nlisten = [::1]:80\n", 2,
     r"listen: '\[::1\]:80' given twice"),
    ("heartbeat 5\n", 1, r"expected 'key = value'"),
    ("heartbeat =\n", 1, r"heartbeat: missing value"),
    ("heartbeat = 5 # seconds\n", 1, r"heartbeat: .* is not a duration.*"),
    # What keys say of each other points at the later of the two lines.
    ("timeout = 20\nheartbeat = 20\n", 2,
     r"timeout \(20\) must be greater than heartbeat \(20\)"),
    ("heartbeat = 80\ntimeout = 75\n", 2, r"timeout \(75\) must be greater "
     r"than heartbeat \(80\)"),
    # Only two limits given both contradict each other, never a default.
    ("max-text = 300K\nmax-frame = 256K\n", 2,
     r"max-text \(307200\) must not be greater than max-frame \(262144\)"),
    ("max-media = 200K\nmax-frame = 256K\n", 2, r"max-media \(204800\) is "
     r"273068 bytes in base64, more than max-frame \(262144\)"),
    ("limit-exempt = 10.0.0.0/33\n", 1,
     r"limit-exempt: '10.0.0.0/33' is not ADDR or ADDR/BITS"),
    ("limit-exempt = 10.0.0.0/8,,::1\n", 1,
     r"limit-exempt: '' is not ADDR or ADDR/BITS"),
    ("limit-exempt = localhost\n", 1,
     r"limit-exempt: 'localhost' is not ADDR or ADDR/BITS"),
    ("limit-exempt = none\nlimit-exempt = ::1\n", 2,
     r"duplicate key 'limit-exempt' \(first on line 1\)"),
    ("rate = -1\n", 1, r"rate: '-1' is not a number"),
    ("operators = ana, two words\n", 1,
     r"operators: ' two words' is not a nick"),
    ("operators = ana,,bob\n", 1, r"operators: '' is not a nick"),
    ("guests = maybe\n", 1, r"guests: 'maybe' is not yes, no, true or false"),
]


def test_operators(tmp):
    """Nicks separated by commas, kept case-folded as accounts are
    found; none by default."""
    cases = [
        ("none", "none"),
        ("Ana", "ana"),
        (" Ana ,TEACHER,  \u00c9l\u00e8ve ", "ana, teacher, \u00e9l\u00e8ve"),
    ]
    for value, shown in cases:
        path = write(tmp, "o.conf", "operators = %s\n" % value)
        assert check_config("--config", path)["operators"] == [shown]


def test_file_errors(tmp):
    for i, (text, line, message) in enumerate(FILE_ERRORS):
        path = write(tmp, "e%d.conf" % i, text)
        for args in ((), ("--check-config",)):
            check_fails(("--config", path) + args, EX_CONFIG,
                        "%s:%d: %s" % (re.escape(path), line, message))


def test_option_errors(tmp):
    empty = write(tmp, "empty.conf", "")
    cases = [
        (("--heartbeat", "x"), r"option --heartbeat: 'x' is not a "
         r"duration.*"),
        (("--listen=1.2.3.4:99999",), r"option --listen: '99999' is not "
         r"a port.*"),
        (("--log-level", "all"), r"option --log-level: 'all' is not.*"),
        (("--heartbeat", "100", "--timeout", "75"), r"timeout \(75\) must "
         r"be greater than heartbeat \(100\)"),
        (("--max-frame", "2048", "--max-text", "4096"), r"max-text \(4096\) "
         r"must not be greater than max-frame \(2048\)"),
        (("--max-media", "1537", "--max-frame", "2048"), r"max-media "
         r"\(1537\) is 2052 bytes in base64, more than max-frame \(2048\)"),
        (("--listen", "127.0.0.1:7667", "--listen", "127.0.0.1:07667"),
         r"option --listen: '127.0.0.1:07667' given twice"),
        (("--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0",
          "--tls-listen", "[::1]:7697", "--tls-listen", "[0::1]:7697"),
         r"option --tls-listen: '\[0::1\]:7697' given twice"),
    ]
    for args, message in cases:
        check_fails(("--config", empty) + args, EX_CONFIG, message)


# (options, the size limits --check-config then prints): a limit set alone
# never meets another's default; the defaults that depend on it adapt.
ADAPTED = [
    # Text and media shrink to what fits in the frame; media travels in
    # base64, 4 bytes for every 3.
    (("--max-frame", "2048"), ("2048", "2048", "1536", "1048576")),
    (("--max-frame", "1025"), ("1025", "1025", "768", "1048576")),
    # The send queue does not constrain the frame.
    (("--max-sendq", "65536"), ("262144", "4096", "163840", "65536")),
    (("--max-sendq", "1024", "--max-frame", "1M"),
     ("1048576", "4096", "163840", "1024")),
    # The frame grows to carry the text and media asked for.
    (("--max-text", "300K"), ("307200", "307200", "163840", "1048576")),
    (("--max-media", "1M"), ("1398104", "4096", "1048576", "1048576")),
    (("--max-media", "48m"), ("67108864", "4096", "50331648", "1048576")),
    # Given both, they stand as given.
    (("--max-frame", "2048", "--max-text", "100"),
     ("2048", "100", "1536", "1048576")),
    (("--max-frame", "8K", "--max-media", "1K"),
     ("8192", "4096", "1024", "1048576")),
]


def test_adapted_defaults(tmp):
    empty = write(tmp, "empty.conf", "")
    names = ("max-frame", "max-text", "max-media", "max-sendq")
    for args, want in ADAPTED:
        keys = check_config("--config", empty, *args)
        got = tuple(keys[n][0] for n in names)
        assert got == want, "%s: %r, want %r" % (args, got, want)
    # From the file too, and an option over the file's max-frame adapts
    # the text left at its default.
    conf = write(tmp, "a.conf", "max-frame = 2048\n")
    assert check_config("--config", conf)["max-text"] == ["2048"]
    conf = write(tmp, "b.conf", "max-text = 100\n")
    assert check_config("--config", conf, "--max-frame", "2048")[
        "max-text"] == ["100"]


def test_heartbeat_or_timeout_alone(tmp):
    """A heartbeat above the default timeout, or a timeout below the
    default heartbeat, given alone, moves the other one's default."""
    empty = write(tmp, "empty.conf", "")
    for args, want in ((("--heartbeat", "100"), (["100"], ["250"])),
                       (("--heartbeat", "75"), (["75"], ["188"])),
                       (("--timeout", "20"), (["8"], ["20"])),
                       (("--timeout", "2"), (["1"], ["2"])),
                       (("--heartbeat", "20"), (["20"], ["75"]))):
        keys = check_config("--config", empty, *args)
        got = (keys["heartbeat"], keys["timeout"])
        assert got == want, "%s: %r, want %r" % (args, got, want)


def test_one_limit_alone_starts(tmp):
    """The daemon itself starts with one size limit set alone, and tells
    the clients the limits that adapted."""
    empty = write(tmp, "empty.conf", "")
    cases = [(("--max-frame", "2048"), (2048, 2048, 1536)),
             (("--max-sendq", "65536"), (262144, 4096, 163840))]
    for args, want in cases:
        with o.Daemon("--config", empty, "--listen", "127.0.0.1:0",
                      *args) as d:
            d.wait_log(r"ready")
            c = t.Client(d.ports()[0])
            w = c.hello("alice")
            c.close()
            got = (w["max_frame"], w["max_text"], w["max_media"])
            assert got == want, "%s: welcome says %r" % (args, got)
            assert d.stop() == 0, d.stderr


def test_two_ephemeral_ports(tmp):
    """Port 0 twice is two listeners, each on a port of its own; only the
    same fixed port twice is a duplicate."""
    empty = write(tmp, "empty.conf", "")
    keys = check_config("--config", empty, "--listen", "127.0.0.1:0",
                        "--listen", "127.0.0.1:0")
    assert keys["listen"] == ["127.0.0.1:0", "127.0.0.1:0"], keys
    with o.Daemon("--config", empty, "--listen", "127.0.0.1:0",
                  "--listen", "127.0.0.1:0") as d:
        d.wait_log(r"ready")
        ports = d.ports()
        assert len(ports) == 2 and 0 not in ports and \
            ports[0] != ports[1], d.stderr
        for port in ports:
            c = t.Client(port)
            c.hello("p%d" % port)
            c.close()
        assert d.stop() == 0, d.stderr


def test_usage_errors(tmp):
    cases = [
        (("--bogus",), r"unknown option --bogus"),
        (("--bogus=1",), r"unknown option --bogus"),
        (("-x",), r"unknown option -x"),
        (("-hV",), r"unknown option -hV"),
        (("--",), r"unexpected argument '--'"),
        (("--help=no",), r"option --help takes no value"),
        (("stray",), r"unexpected argument 'stray'"),
        (("--listen",), r"option --listen needs a value"),
        (("--config",), r"option --config needs a value"),
        (("--syslog=yes",), r"option --syslog takes no value"),
    ]
    for args, message in cases:
        check_fails(args, EX_USAGE, message)


def test_missing_config_file(tmp):
    path = os.path.join(tmp, "nonexistent.conf")
    check_fails(("--config", path), EX_CONFIG,
                re.escape(path) + ": No such file or directory")
    check_fails(("--config", tmp), EX_CONFIG,
                re.escape(tmp) + ": Is a directory")


def test_help(tmp):
    r = evchatd("--help")
    check_status(r, 0)
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[0].startswith("usage: evchatd"), lines[0]
    options = set()
    for line in lines[1:]:
        m = re.match(r"  (-\w, )?(--[a-z-]+)", line)
        if m:
            options.add(m.group(2))
            if m.group(1):
                options.add(m.group(1)[:2])
    keys = check_config("--config", write(tmp, "empty.conf", ""))
    want = {"--" + k for k in keys} | {"-h", "--help", "-V", "--version",
                                      "--config", "--check-config",
                                      "--hash-password", "--account"}
    assert options == want, "help lists %s, want %s" % (
        sorted(options), sorted(want))
    assert evchatd("-h").stdout == r.stdout


def test_version(tmp):
    for arg in ("--version", "-V"):
        r = evchatd(arg)
        check_status(r, 0)
        assert re.fullmatch(r"evchatd \d+\.\d+(\.\d+)?\n", r.stdout), \
            r.stdout


def test_help_and_version_ignore_the_config(tmp):
    broken = write(tmp, "broken.conf", "nonsense\n")
    check_status(evchatd("--config", broken, "--help"), 0)
    check_status(evchatd("--config", broken, "--version"), 0)
    check_status(evchatd("--heartbeat", "x", "--help"), 0)


# What the shipped file sets on purpose, as evchatd.service expects.
SHIPPED = {"store": ["sqlite:/var/lib/evchatd/evchat.db"]}


def test_example_config(tmp):
    """contrib/evchatd.conf shows every key, commented, with its default,
    sets only SHIPPED, and is itself a valid file."""
    path = os.path.join(o.SRCDIR, "contrib", "evchatd.conf")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    want = dict(check_config("--config", write(tmp, "empty.conf", "")))
    want.update(SHIPPED)
    assert check_config("--config", path) == want
    commented = [line[1:] for line in text.splitlines()
                 if re.match(r"#[a-z][a-z0-9-]* = ", line)]
    shown = o.parse_config("\n".join(commented))
    defaults = check_config("--config", write(tmp, "empty.conf", ""))
    # server-name's default is the host's name: the example names it in
    # words ("# server-name = (the host name)"), not as a value.
    assert "\n# server-name = (the host name)\n" in text
    del defaults["server-name"]
    assert shown == defaults, "example shows %r\ndefaults are %r" % (
        shown, defaults)
    # Uncommented, it still gives the defaults.
    live = write(tmp, "live.conf", "\n".join(commented) + "\n")
    got = check_config("--config", live)
    del got["server-name"]
    assert got == defaults


o.run(globals())
