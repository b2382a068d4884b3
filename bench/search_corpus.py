#!/usr/bin/env python3
"""Builds the search benchmark corpus: plain-text paragraphs as JSON lines.

Sources: the English man pages under /usr/share/man/man{1,5,7,8} (roff
stripped here, which is much faster than rendering each page with groff) and
the final texts (`endContent`) of the editing traces. Each output line is
{"title": ..., "text": ..., "source": ...}; paragraphs with fewer than
MIN_WORDS words are skipped. Stops after --max paragraphs.
"""
import argparse
import gzip
import json
import os
import re
import sys

MIN_WORDS = 8
# The gcloud_* pages (about 16,000 near-identical pages on the reference
# machine) are read last, and at most this many paragraphs from each, so the
# corpus mixes many kinds of text.
MAX_PER_FAMILY_PAGE = 10
BULK_FAMILY = "gcloud"
MAN_SECTIONS = ("man1", "man8", "man5", "man7", "man3")

# Font changes, size changes, special characters and other inline escapes.
ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""),
    (re.compile(r"\\s[+-]?\d+"), ""),
    (re.compile(r"\\\*(\[[^\]]*\]|\(..|.)"), ""),
    (re.compile(r"\\\((em|en)"), "-"),
    (re.compile(r"\\\((lq|rq|dq)"), '"'),
    (re.compile(r"\\\((oq|cq|aq)"), "'"),
    (re.compile(r"\\\(..|\\\[[^\]]*\]"), ""),
    (re.compile(r"\\[-e]"), lambda m: "-" if m.group(0) == "\\-" else "\\"),
    (re.compile(r"\\[&|^%:c~0 ]"), " "),
    (re.compile(r"\\n(\[[^\]]*\]|\(..|.)"), ""),
    (re.compile(r"\\."), ""),
]
BREAKS = re.compile(r"^[.'](PP|P|LP|TP|IP|SH|SS|HP|sp|br|RS|RE|Sh|Ss|Pp|It|Bl|El|Nm|Dd)\b")
HEADING = re.compile(r"^[.'](SH|SS|Sh|Ss)\s+(.*)$")
TEXT_MACRO = re.compile(r"^[.'](B|I|BI|BR|IB|IR|RB|RI|SM|SB|Nm|Ar|Fl|Cm|Xr|Em|Sy)\s+(.*)$")


def unescape(line):
    for pattern, replacement in ESCAPES:
        line = pattern.sub(replacement, line)
    return line.replace('"', " ").strip() if line.startswith("\x00") else line.strip()


def man_paragraphs(path):
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except (OSError, EOFError):
        return
    name = os.path.basename(path).split(".")[0]
    heading = ""
    words = []
    for raw in lines:
        if raw.startswith(('.\\"', "'\\\"", '.\\#')):
            continue
        heading_match = HEADING.match(raw)
        macro_match = TEXT_MACRO.match(raw)
        if BREAKS.match(raw) or heading_match:
            if words:
                yield f"{name}: {heading.lower()}".strip(), " ".join(words)
                words = []
            if heading_match:
                heading = unescape(heading_match.group(2)).replace('"', "")
            continue
        if macro_match:
            raw = macro_match.group(2).replace('"', "")
        elif raw.startswith((".", "'")):
            continue
        text = unescape(raw)
        if text:
            words.extend(text.split())
    if words:
        yield f"{name}: {heading.lower()}".strip(), " ".join(words)


def trace_paragraphs(directory):
    for entry in sorted(os.listdir(directory)):
        if not entry.endswith(".json.gz") or entry.endswith(".ascii.json.gz"):
            continue
        with gzip.open(os.path.join(directory, entry), "rt", encoding="utf-8") as handle:
            text = json.load(handle)["endContent"]
        name = entry[: -len(".json.gz")]
        for number, paragraph in enumerate(re.split(r"\n\s*\n", text)):
            yield f"{name} part {number}", " ".join(paragraph.split()), "trace"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max", type=int, default=100000)
    parser.add_argument("--traces", default="/work/shared/data/editing-traces")
    parser.add_argument("--man", default="/usr/share/man")
    args = parser.parse_args()

    written = 0

    def emit(title, text, source):
        nonlocal written
        if written >= args.max or len(text.split()) < MIN_WORDS:
            return
        sys.stdout.write(json.dumps({"title": title, "text": text, "source": source}) + "\n")
        written += 1

    if os.path.isdir(args.traces):
        for title, text, source in trace_paragraphs(args.traces):
            emit(title, text, source)
    for bulk in (False, True):
        for section in MAN_SECTIONS:
            folder = os.path.join(args.man, section)
            if not os.path.isdir(folder):
                continue
            for entry in sorted(os.listdir(folder)):
                if entry.startswith(BULK_FAMILY) != bulk:
                    continue
                paragraphs = man_paragraphs(os.path.join(folder, entry))
                for number, (title, text) in enumerate(paragraphs):
                    if bulk and number >= MAX_PER_FAMILY_PAGE:
                        break
                    emit(title, text, section)
                if written >= args.max:
                    return written
    return written


if __name__ == "__main__":
    print(f"wrote {main()} paragraphs", file=sys.stderr)
