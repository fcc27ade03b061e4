# test-browser.py: the page in a real browser: headless Chromium, driven by Debian's python3-selenium,
# loads it from a test evchatd's web listener on loopback; it knows the page only by its element ids.
"""Two browser sessions and a TCP client chat through one evchatd.

The daemon has a server password.  ana (a desktop window) and bob (a
360-pixel phone screen) open the page's link to a room and sign in (ana
first without the password, which the page shows refused); they find there
what a TCP client said before (history on join, and "load older"); they
exchange room messages, a private message, a sticker, a file and a voice
recording (Chromium's fake microphone), and see the TCP client's messages,
whose nick holds markup, as text; a message holding an <img onerror> shows
as text.  A key switches conversations, a refused join is shown on the
page, and bob's page fits his screen.  The unit checks of state.js
(state-checks.js) run in ana's browser.  The daemon is then restarted on
the same web port, and both pages reconnect and rejoin the room by
themselves; bob's page, loaded again, signs in and rejoins with what the
browser remembered.  Screenshots of both pages are left beside the test
log.

Skipped (77) when chromium, chromedriver or selenium is missing.
"""

import base64
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

import evchat_test as t

ROOM = "lab"
NASTY = "<img src=x onerror=alert(1)>"
PASSWORD = "open sesame"
HISTORY_JOIN = 50		# messages the page asks for on join (app.js)
TERMINAL_NICK = "<i>carol"	# a valid nick that is also markup
WAIT = 2 * t.TIMEOUT		# s, the longest any step may take
DEBIAN_PYTHON = "/usr/bin/python3"


def need_selenium():
    """Import selenium, from Debian's python3 if need be, or skip.

    configure may have found another python3 (a virtualenv, pyenv) that
    does not see Debian's dist-packages: then the test runs itself again
    under Debian's interpreter, once.
    """
    try:
        import selenium  # noqa: F401
        return
    except ImportError:
        pass
    mine = os.path.realpath(sys.executable)
    if (os.environ.get("EVCHAT_BROWSER_REEXEC") is None and
            os.access(DEBIAN_PYTHON, os.X_OK) and
            mine != os.path.realpath(DEBIAN_PYTHON)):
        os.environ["EVCHAT_BROWSER_REEXEC"] = "1"
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
    t.skip_exit("python3-selenium is not installed")


def find_tools():
    """The paths of chromium and chromedriver, or skip."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        t.skip_exit("chromium or chromedriver is not installed")
    return chromium, driver


def hash_password():
    """The server password's hash, from evchatd --hash-password."""
    r = subprocess.run([os.environ["EVCHATD"], "--hash-password"],
                       input=PASSWORD + "\n", capture_output=True,
                       text=True, timeout=t.TIMEOUT * 4)
    m = re.fullmatch(r"password = (\$y\$\S+)\n", r.stdout)
    assert m, "evchatd --hash-password: %r" % (r,)
    return m.group(1)


need_selenium()
CHROMIUM, CHROMEDRIVER = find_tools()
DAEMON_ARGS = ["--password", hash_password()]

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    NoAlertPresentException, StaleElementReferenceException,
    TimeoutException)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def artifact(name):
    """A path beside the test's log (in the build tree) for a file kept
    after the run."""
    where = os.path.join(os.environ.get("top_builddir", "."), "tests", "web")
    os.makedirs(where, exist_ok=True)
    return os.path.join(where, name)


class Page:
    """One browser session on the page: a fresh profile (so its own
    localStorage), headless, with a fake microphone that needs no
    permission prompt."""

    def __init__(self, name, width, height):
        self.name = name
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                    "--window-size=%d,%d" % (max(width, 500), height),
                    "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream",
                    "--no-proxy-server"):
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(CHROMEDRIVER),
                                  options=opts)
        # Chromium keeps a window at least 500 pixels wide; a phone's
        # screen is set through the DevTools protocol.
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1,
            "mobile": width < 500})
        self.console = []
        self.shot = False

    def quit(self):
        self.d.quit()

    def wait(self, what, cond, timeout=WAIT):
        """Wait until cond(self) is true; fail naming what was awaited."""
        try:
            return WebDriverWait(self.d, timeout, ignored_exceptions=(
                StaleElementReferenceException,)).until(
                    lambda d: cond(self))
        except TimeoutException:
            raise AssertionError("%s: no %s within %.0f s; the log shows:\n%s"
                                 % (self.name, what, timeout,
                                    self.text("messages")))

    def el(self, id_):
        return self.d.find_element(By.ID, id_)

    def text(self, id_):
        """The text of an element, shown or not (on a phone the side
        panels are closed)."""
        return self.el(id_).get_property("textContent")

    def texts(self, css):
        """The text of each element that css selects, read at once: the
        page redraws its lists, and elements found earlier go stale."""
        return self.d.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]),"
            " (e) => e.textContent);", css)

    def click(self, xpath):
        self.d.find_element(By.XPATH, xpath).click()

    def sign_in(self, url, nick, password):
        """Open url and sign in; without the password first, when
        password is None, which the page must show refused."""
        self.d.get(url)
        self.el("signin-nick").send_keys(nick)
        if password is None:
            self.el("signin-submit").click()
            self.wait("the password refused", lambda p:
                      p.el("signin-error").is_displayed() and
                      "password" in p.text("signin-error"))
            password = PASSWORD
        self.el("signin-password").send_keys(password)
        self.el("signin-submit").click()

    def keys(self, modifier, key):
        """Press key with modifier held, wherever the focus is."""
        ActionChains(self.d).key_down(modifier).send_keys(key) \
            .key_up(modifier).perform()

    def say(self, text):
        self.el("text").send_keys(text, Keys.ENTER)

    def shows(self, text):
        """Wait for an entry of the current log whose text part is
        exactly text."""
        self.wait("message %r" % text, lambda p: text in
                  p.texts("#messages .text"))

    def open_conversation(self, label):
        """Click a conversation in the side panel (opened first on a
        phone)."""
        if self.el("toggle-side").is_displayed():
            self.el("toggle-side").click()
        self.click("//nav[@id='side']//button[normalize-space(bdi)=%s]"
                   % xpath_string(label))

    def screenshot(self):
        """Save what the page shows beside the test log."""
        self.d.save_screenshot(artifact("test-browser-%s.png" % self.name))
        self.shot = True

    def read_console(self):
        """The browser's console messages since the last call."""
        self.console += [e["message"] for e in self.d.get_log("browser")]
        return self.console


def xpath_string(s):
    """s as an XPath 1.0 string literal."""
    if "'" not in s:
        return "'%s'" % s
    return "concat('%s')" % "', \"'\", '".join(s.split("'"))


def ports(srv):
    """The native and web ports of srv, told apart by the kind each
    listening line names.  The harness takes the first 127.0.0.1 line,
    which may be the web listener's."""
    web = int(srv.wait_log(r"listening on 127\.0\.0\.1:(\d+) \(web\)")
              .group(1))
    native = int(srv.wait_log(re.compile(
        r"listening on 127\.0\.0\.1:(\d+)$", re.M)).group(1))
    return native, web


def run_state_checks(page):
    """state-checks.js's unit checks of state.js, in the page's browser:
    WebDriver injects them, and they import the module the page loads."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "state-checks.js")) as f:
        checks = f.read()
    failures = page.d.execute_async_script(checks + """
        const done = arguments[arguments.length - 1];
        stateChecks(new URL("state.js", location.href).href).then(done,
            (e) => done(["threw: " + e]));""")
    assert failures == [], "state.js: %s" % "; ".join(failures)


def members(page):
    """The member list of the page's current room, as shown."""
    return sorted(m.strip() for m in page.texts("#member-list li"))


def start_pages(specs):
    """Start a browser for each (name, width, height), side by side since
    each takes seconds; if one fails, the others are closed."""
    with concurrent.futures.ThreadPoolExecutor(len(specs)) as ex:
        futures = [ex.submit(Page, *spec) for spec in specs]
    try:
        return [f.result() for f in futures]
    except Exception:
        for f in futures:
            if f.exception() is None:
                f.result().quit()
        raise


@t.daemon_args("--web-listen", "127.0.0.1:0", *DAEMON_ARGS)
def test_browser(srv):
    srv.port, web = ports(srv)
    url = "http://127.0.0.1:%d/#%s" % (web, ROOM)
    carol = srv.connect(auto_pong=True)
    carol.hello(TERMINAL_NICK, password=PASSWORD)
    carol.join(ROOM)
    # More than a join replays: the first must wait for "load older".
    for text in ["said before"] + ["filler %d" % i for i in
                                   range(1, HISTORY_JOIN + 3)]:
        carol.request({"type": "msg", "room": ROOM, "text": text}, "msg")

    pages = []
    try:
        pages = start_pages([("ana", 1000, 700), ("bob", 360, 740)])
        ana, bob = pages
        run_chat(srv, carol, url, ana, bob)
        run_state_checks(ana)
        run_restart(srv, web, ana, bob)
        for p in pages:
            bad = [m for m in p.read_console() if
                   "Content Security Policy" in m or "Uncaught" in m]
            assert not bad, "%s: console errors:\n%s" % (p.name,
                                                         "\n".join(bad))
    finally:
        for p in pages:
            try:
                if not p.shot:
                    p.screenshot()	# what a failure left
            finally:
                p.quit()


def run_chat(srv, carol, url, ana, bob):
    # The link names the room: signing in joins it, with its history.
    ana.sign_in(url, "ana", None)
    ana.shows("filler %d" % (HISTORY_JOIN + 2))
    assert "said before" not in ana.texts("#messages .text")
    ana.el("older").click()
    ana.shows("said before")
    ana.wait("no older messages left", lambda p:
             not p.el("older").is_displayed())
    assert len(ana.texts("#messages .text")) == HISTORY_JOIN + 3
    bob.sign_in(url, "bob", PASSWORD)
    for p in (ana, bob):
        p.wait("all three members", lambda p: members(p) == sorted([
            TERMINAL_NICK, "ana (you)" if p is ana else "ana",
            "bob (you)" if p is bob else "bob"]))
        assert not p.d.find_elements(By.CSS_SELECTOR, "#member-list i"), \
            "%s: a nick became markup" % p.name
    carol.expect("presence", nick="ana", event="join")
    carol.expect("presence", nick="bob", event="join")

    # Room messages both ways, between the pages and the terminal.
    ana.say("hello from ana")
    bob.shows("hello from ana")
    carol.expect("msg", room=ROOM, text="hello from ana",
                 **{"from": "ana"})
    carol.send({"type": "msg", "room": ROOM, "text": "hi from a terminal"})
    ana.shows("hi from a terminal")
    bob.shows("hi from a terminal")
    who = bob.d.find_elements(By.XPATH, "//ol[@id='messages']/li[div"
                              "[normalize-space()='hi from a terminal']]"
                              "/bdi[@class='from']")
    assert [w.get_property("textContent") for w in who] == \
        [TERMINAL_NICK], who

    # Markup in a message is shown as the text it is, and runs nothing.
    ana.say(NASTY)
    for p in (ana, bob):
        p.shows(NASTY)
        assert not p.d.find_elements(By.CSS_SELECTOR, "#messages img"), \
            "%s: a message became an image" % p.name
        try:
            p.d.switch_to.alert
            raise AssertionError("%s: a message ran a script" % p.name)
        except NoAlertPresentException:
            pass
    carol.expect("msg", text=NASTY)

    # A sticker from the picker.
    bob.el("sticker-button").click()
    bob.el("stickers").find_element(
        By.CSS_SELECTOR, "button[title='thumbs_up']").click()
    ana.wait("bob's sticker", lambda p: p.d.find_elements(
        By.CSS_SELECTOR, "#messages .sticker[title='thumbs_up']"))
    carol.expect("msg", kind="sticker", sticker="thumbs_up",
                 **{"from": "bob"})

    # A file: the terminal gets its bytes, the other page a download link.
    path = artifact("test-browser-upload.txt")
    with open(path, "w") as f:
        f.write("notes for the lab\n")
    ana.el("file").send_keys(os.path.abspath(path))
    got = carol.expect("msg", kind="file", name="test-browser-upload.txt")
    assert base64.b64decode(got["data"]) == b"notes for the lab\n", got
    assert got["mime"] == "text/plain", got
    bob.wait("the file's link", lambda p: p.d.find_elements(
        By.CSS_SELECTOR, "#messages a[download='test-browser-upload.txt']"))

    # A voice message from the fake microphone, played inline elsewhere.
    ana.el("record").click()
    ana.wait("a recording under way", lambda p: p.text("record-time") !=
             "")
    ana.el("record").click()
    got = carol.expect("msg", kind="audio",
                       mime=lambda m: m.startswith("audio/"))
    assert len(base64.b64decode(got["data"])) > 0, got
    bob.wait("ana's voice message", lambda p: p.d.find_elements(
        By.CSS_SELECTOR, "#messages audio"))

    # A private message, opened from the member list; the terminal, in
    # the same room, must not see it.
    ana.click("//ul[@id='member-list']//button[normalize-space()='bob']")
    ana.wait("the talk with bob", lambda p: p.text("title") == "@bob")
    ana.say("psst, bob")
    bob.wait("an unread private message", lambda p:
             p.d.find_elements(By.XPATH, "//ul[@id='private-list']//button"
                               "[normalize-space(bdi)='@ana']/span"
                               "[@class='badge'][.='1']"))
    assert bob.d.title == "(1) evchat", bob.d.title
    bob.open_conversation("@ana")
    bob.wait("the unread count gone", lambda p: not p.d.find_elements(
        By.XPATH, "//ul[@id='private-list']//span[@class='badge']"
        "[not(@hidden)]"))
    bob.shows("psst, bob")
    bob.say("ok")
    ana.shows("ok")
    assert not [f for f in carol.drain() if f.get("text") in
                ("psst, bob", "ok")], "the terminal saw a private message"

    # With the keyboard alone: Alt+Up goes from the talk to the room
    # above it in the side panel.
    ana.keys(Keys.ALT, Keys.ARROW_UP)
    ana.wait("the room again", lambda p: p.text("title") == ROOM)
    bob.open_conversation(ROOM)

    # A refusal reaches the person, not the console.
    ana.el("join-room").send_keys("no,commas", Keys.ENTER)
    ana.wait("the server's refusal shown", lambda p:
             p.el("error").is_displayed() and
             "no,commas" in p.text("error-text"))

    # Nothing is wider than the phone's screen.
    width = bob.d.execute_script(
        "return document.documentElement.scrollWidth;")
    assert width <= 360, "bob's page is %d pixels wide" % width


def run_restart(srv, web, ana, bob):
    """Stop the daemon and start another on the same web port: the pages
    reconnect, rejoin the room and chat again.  Then bob's page is loaded
    again, and signs in and joins with what the browser remembered."""
    status, _ = srv.stop()
    assert status == 0, "the daemon exited with %s" % status
    for p in (ana, bob):
        p.wait("the disconnection shown", lambda p:
               p.el("status").is_displayed())
    again = t.Server(["--web-listen", "127.0.0.1:%d" % web] + DAEMON_ARGS)
    again.start()
    try:
        # The room's old members are shown until the rejoin's reply,
        # which no longer has the terminal's nick.
        for p in (ana, bob):
            p.wait("the room rejoined", lambda p: members(p) == [
                "ana (you)" if p is ana else "ana",
                "bob (you)" if p is bob else "bob"], 3 * WAIT)
        bob.say("back again")
        ana.shows("back again")
        bob.d.refresh()
        bob.wait("the room after a reload", lambda p: members(p) ==
                 ["ana", "bob (you)"])
        bob.shows("back again")
        for p in (ana, bob):
            p.screenshot()
    finally:
        status, stderr = again.stop()
    assert status == 0, "the second daemon exited with %s:\n%s" % (status,
                                                                    stderr)


t.run(globals())
