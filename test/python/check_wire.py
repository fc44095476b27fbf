"""Reads a dump of the runtime's wire data as seed 000's Python side would, and prints a verdict.

Input (stdin): {"expected_user_ids": [int, ...], "events": [json text, ...], "hashes": {job_id: {field: value}},
"float_fields": {event type: [field, ...]}}. Events are decoded with json.loads, datetimes parsed exactly as
seed 000's parse_datetime_field does (datetime.fromisoformat of the value), integers as its parse_int_field.
Output: {"ok": bool, "problems": [str, ...], "user_ids": [int, ...]} with the user ids seen as decimal text.
Standard library only.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime


def parse_int_field(raw: dict[str, str], key: str) -> int:
    value = raw.get(key)
    if value is None:
        raise ValueError(f"missing {key} in redis store")
    stripped = value.strip()
    if stripped == "" or not stripped.lstrip("-").isdigit():
        raise ValueError(f"invalid {key} in redis store")
    return int(stripped)


def parse_datetime_field(raw: dict[str, str], key: str) -> datetime:
    """Parse datetime field from Redis hash (seed 000, verbatim)."""
    value = raw.get(key)
    if value is None or value.strip() == "":
        raise ValueError(f"missing {key} in redis store")
    return datetime.fromisoformat(value)


def main() -> None:
    dump = json.load(sys.stdin)
    expected = set(dump["expected_user_ids"])
    floats: dict[str, list[str]] = dump["float_fields"]
    problems: list[str] = []
    seen: set[int] = set()
    for text in dump["events"]:
        event = json.loads(text)
        user_id = event.get("user_id")
        if type(user_id) is not int:
            problems.append(f"user_id is not an int in {text}")
        else:
            seen.add(user_id)
        for field in floats.get(event.get("type", ""), []):
            if field in event and not isinstance(event[field], float):
                problems.append(f"{field} is not a float in {text}")
        if "ts" in event:
            try:
                parse_datetime_field(event, "ts")
            except ValueError as error:
                problems.append(f"ts: {error} in {text}")
    for job_id, raw in dump["hashes"].items():
        try:
            seen.add(parse_int_field(raw, "user_id"))
            for key in ("created_at", "updated_at"):
                parsed = parse_datetime_field(raw, key)
                if parsed.utcoffset() is None or parsed.utcoffset().total_seconds() != 0:
                    problems.append(f"{job_id}: {key} is not UTC: {raw[key]}")
        except ValueError as error:
            problems.append(f"{job_id}: {error}")
    if not expected <= seen:
        problems.append(f"user ids missing: {sorted(expected - seen)}")
    print(json.dumps({"ok": not problems, "problems": problems, "user_ids": [str(u) for u in sorted(seen)]}))


if __name__ == "__main__":
    main()
