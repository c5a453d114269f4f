"""Independent parser for the round-trip tests: Python's standard `email` package.

Reads a JSON list of base64-encoded messages on stdin, prints a JSON list of what each parses to.
"""
import base64
import json
import sys
from email import policy
from email.parser import BytesParser


def header(msg, name):
    value = msg[name]
    return None if value is None else str(value)


def parse(raw):
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    to = msg["to"]
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    return {
        "to": [{"name": a.display_name, "address": a.addr_spec} for a in to.addresses] if to else [],
        "subject": header(msg, "subject"),
        "messageId": header(msg, "message-id"),
        "inReplyTo": header(msg, "in-reply-to"),
        "references": header(msg, "references"),
        "autoSubmitted": header(msg, "auto-submitted"),
        "contentType": msg.get_content_type(),
        "text": text.get_content() if text is not None else None,
        "html": html.get_content() if html is not None else None,
        "headerNames": list(msg.keys()),
        "defects": [type(d).__name__ for d in msg.defects]
        + [type(d).__name__ for part in msg.walk() for d in part.defects if part is not msg],
    }


json.dump([parse(base64.b64decode(m)) for m in json.load(sys.stdin)], sys.stdout)
