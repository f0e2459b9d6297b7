#!/usr/bin/env python3
"""The CI skip policy (docs/testing.md): a test may skip only for a limit of the host listed there.

usage: check-skips.py docs/testing.md RESULTS.trx...

Prints the number of skipped tests whose reason has no [host-limit:ID] with an ID from docs/testing.md's
table on stdout, and each of them (test name and reason) on stderr. Exits 0 when that number could be
worked out, 2 when a file could not be read.
"""
import re
import sys
import xml.etree.ElementTree as ET

TRX = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
TABLE_ROW = re.compile(r"^\|\s*`([a-z0-9-]+)`\s*\|", re.MULTILINE)
TAG = re.compile(r"\[host-limit:([a-z0-9-]+)\]")


def host_limits(doc):
    with open(doc, encoding="utf-8") as f:
        return set(TABLE_ROW.findall(f.read()))


def skips(trx):
    for result in ET.parse(trx).getroot().iter(TRX + "UnitTestResult"):
        if result.get("outcome") == "NotExecuted":
            message = result.find(f"{TRX}Output/{TRX}ErrorInfo/{TRX}Message")
            yield result.get("testName", "?"), (message.text or "") if message is not None else ""


def main(doc, trxs):
    try:
        limits = host_limits(doc)
        if not limits:
            raise ValueError(f"{doc} lists no host limits")
        refused = [(name, reason) for trx in trxs for name, reason in skips(trx)
                   if not any(tag in limits for tag in TAG.findall(reason))]
    except (OSError, ET.ParseError, ValueError) as e:
        print(f"check-skips: {e}", file=sys.stderr)
        return 2
    for name, reason in refused:
        print(f"skipped for no limit of the host listed in {doc}: {name}: {reason or '(no reason given)'}", file=sys.stderr)
    print(len(refused))
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
