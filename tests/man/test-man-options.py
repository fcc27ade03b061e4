#!/usr/bin/env python3
# test-man-options.py: evchatd --help and evchatd.8 list the same options, and --check-config and
# evchatd.conf.5 the same keys and defaults, so the manuals cannot drift from the daemon; markup is test-man-lint's.

import os
import re
import subprocess
import sys
import tempfile

# The options that act instead of setting a key (evchatd.8 says so too).
ACTIONS = {"--account", "--check-config", "--config", "--hash-password",
           "--help", "--version"}

# Keys whose default is the machine's (server-name: the host name): the pages
# say where it comes from, not what it is here.
HOST_DEFAULTS = {"server-name"}
MACRO = re.compile(r"^\.\s*([A-Z][a-z]|%[A-Z])\b")
ALLCAPS = re.compile(r"^[A-Z][A-Z0-9_:\[\].-]*$")


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=20)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s%s" % (" ".join(argv),
                           p.returncode, p.stdout, p.stderr))
    return p.stdout


def help_options(text):
    """Options of --help: {option: takes a value}, from each line's left."""
    opts = {}
    for line in text.splitlines():
        words = line.split()
        if not words or not words[0].startswith("-"):
            continue
        last = None
        for w in words:
            w = w.rstrip(",")
            if w.startswith("-") and len(w) > 1:
                name, eq, _ = w.partition("=")
                last = name
                opts[name] = bool(eq)
            elif last is not None and (ALLCAPS.match(w) or
                                       w.startswith("<")):
                opts[last] = True
            else:
                break
    # -h and --help on one line share the value flag; so do the others.
    return opts


def man_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if not l.startswith('.\\"')]


def man_sections(lines):
    """{section name: [lines]} of an mdoc page."""
    secs, cur = {}, None
    for l in lines:
        if l.startswith(".Sh "):
            cur = l[4:].strip()
            secs[cur] = []
        elif cur is not None:
            secs[cur].append(l)
    return secs


def mdoc_flags(args):
    """{option: takes a value} from the arguments of one mdoc line."""
    opts, last, words = {}, None, args.split()
    for i, w in enumerate(words):
        if i > 0 and words[i - 1] == "Fl":
            if w.startswith("-"):
                last = "-" + w
                opts[last] = False
            else:
                # ".Fl hV": a cluster of short flags.
                for c in w:
                    opts["-" + c] = False
                last = None
        elif w == "Ar" and last is not None:
            opts[last] = True
    return opts


def man_options(lines):
    """Options of evchatd.8: SYNOPSIS's, the list's, the list's groups of
    aliases (-h, --help) and the paragraph of each long option."""
    secs = man_sections(lines)
    synopsis = {}
    for l in secs.get("SYNOPSIS", []):
        if l.startswith(".Op "):
            synopsis.update(mdoc_flags(l[4:]))
    listed, groups, para = {}, [], {}
    depth, cur = 0, None
    for l in secs.get("DESCRIPTION", []):
        if l.startswith(".Bl"):
            depth += 1
        elif l.startswith(".El"):
            depth -= 1
            if depth == 0 and listed:
                break  # the options list is the first list of them
        elif depth == 1 and l.startswith(".It Fl"):
            found = mdoc_flags(l[4:])
            listed.update(found)
            groups.append(sorted(found))
            cur = [k for k in found if k.startswith("--")]
            for k in cur:
                para[k] = []
        elif cur:
            for k in cur:
                para[k].append(l)
    return synopsis, listed, groups, para


def conf_keys(lines):
    """Keys of evchatd.conf.5's KEYS list, with their paragraphs."""
    keys, depth, cur = {}, 0, None
    for l in man_sections(lines).get("KEYS", []):
        if l.startswith(".Bl"):
            depth += 1
        elif l.startswith(".El"):
            depth -= 1
            if depth == 0:
                cur = None
        elif depth == 1 and l.startswith(".It Ic "):
            cur = l.split()[2]
            keys[cur] = []
        elif cur is not None:
            keys[cur].append(l)
    return keys


def plain(lines):
    """The words of some mdoc lines, macro names and escapes dropped."""
    words = []
    for l in lines:
        if MACRO.match(l):
            l = l.split(None, 1)[1] if " " in l else ""
            l = re.sub(r"\b(Ns|No|Ar|Cm|Ic|Fl|Li|Pa|Qq|Dq|Sq|Ql|Pq|Er|Ev|"
                       r"Dv|Va|Xr|Sx|Em|Sy)\b", " ", l)
        l = l.replace("\\&", "").replace("\\-", "-")
        words.extend(w.strip(",;:().") for w in l.split())
        # A value may end in a colon (cluster-prefix's evchat:).
        words.extend(w.strip(",;().") for w in l.split() if w.endswith(":"))
    return words


def checked_config(evchatd):
    """{key: [values]} that --check-config prints for an empty file."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        out = run([evchatd, "--config", f.name, "--check-config"])
    conf = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([a-z][a-z0-9-]*)\s*=\s*(.*?)\s*$", line)
        if m:
            conf.setdefault(m.group(1), []).append(m.group(2))
    return conf


def example_config(lines):
    """The lines of the first example file in evchatd.conf.5's EXAMPLES."""
    body, inside = [], False
    for l in man_sections(lines).get("EXAMPLES", []):
        if l.startswith(".Bd -literal"):
            inside, body = True, []
        elif l.startswith(".Ed") and inside:
            if any(" = " in b for b in body):
                return body
            inside = False
        elif inside:
            body.append(l.replace("\\&", ""))
    return []


def check_example(evchatd, lines, problems):
    """The example file of evchatd.conf.5 passes --check-config."""
    body = example_config(lines)
    if not body:
        problems.append("example: evchatd.conf.5 shows no example file")
        return
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        f.write("\n".join(body) + "\n")
        f.flush()
        try:
            run([evchatd, "--config", f.name, "--check-config"])
        except RuntimeError as e:
            problems.append("example: evchatd.conf.5's example is refused: "
                            "%s" % e)


def diff(what, a_name, a, b_name, b, problems, values=False):
    """Names of a missing from b; with values, a value flag that differs."""
    for k in sorted(set(a) - set(b)):
        problems.append("%s: %s is in %s but not in %s" % (what, k, a_name,
                        b_name))
    for k in sorted(set(a) & set(b)) if values else []:
        if a[k] != b[k]:
            problems.append("%s: %s takes %s in %s but %s in %s" % (what,
                            k, "a value" if a[k] else "no value", a_name,
                            "a value" if b[k] else "no value", b_name))


def main():
    evchatd = os.environ.get("EVCHATD", "")
    srcdir = os.environ.get("top_srcdir", ".")
    if not evchatd or not os.access(evchatd, os.X_OK):
        skip("evchatd is not built (EVCHATD=%r)" % evchatd)
    page8 = man_lines(os.path.join(srcdir, "man", "evchatd.8"))
    page5 = man_lines(os.path.join(srcdir, "man", "evchatd.conf.5"))
    problems = []

    helped = help_options(run([evchatd, "--help"]))
    synopsis, listed, groups, para8 = man_options(page8)
    if not helped:
        problems.append("evchatd --help lists no options")
    diff("option", "evchatd --help", helped, "evchatd.8 options", listed,
         problems, values=True)
    diff("option", "evchatd.8 options", listed, "evchatd --help", helped,
         problems)
    diff("option", "evchatd.8 SYNOPSIS", synopsis, "evchatd.8 options",
         listed, problems, values=True)
    for g in groups:
        if not set(g) & set(synopsis):
            problems.append("option: %s is in evchatd.8 options but not in "
                            "evchatd.8 SYNOPSIS" % ", ".join(g))

    conf = checked_config(evchatd)
    keys = conf_keys(page5)
    if not conf:
        problems.append("evchatd --check-config prints no keys")
    diff("key", "evchatd --check-config", conf, "evchatd.conf.5 KEYS", keys,
         problems)
    diff("key", "evchatd.conf.5 KEYS", keys, "evchatd --check-config", conf,
         problems)
    longopts = {o[2:] for o in helped if o.startswith("--")} - \
        {o[2:] for o in ACTIONS}
    diff("key", "evchatd --check-config", conf, "the options that set keys",
         longopts, problems)
    diff("key", "the options that set keys", longopts,
         "evchatd --check-config", conf, problems)

    # Each default that --check-config prints is stated by both pages.
    for key, values in sorted(conf.items()):
        if key in HOST_DEFAULTS:
            continue
        for v in values:
            if key in keys and v not in plain(keys[key]):
                problems.append("default: evchatd.conf.5 does not give %s "
                                "= %s" % (key, v))
            opt = "--" + key
            if helped.get(opt) and opt in para8 and \
               v not in plain(para8[opt]):
                problems.append("default: evchatd.8 does not give %s %s" %
                                (opt, v))

    check_example(evchatd, page5, problems)

    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    print("ok: %d options, %d keys and their defaults agree" %
          (len(helped), len(conf)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
