"""`yuqing due KIND --from ISO_TIME`: print when a clock started then is due."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence, TextIO

from yuqing.clocks.calendar import CalendarConfigError, WorkCalendar
from yuqing.clocks.due import ClockPolicy, ClockPolicyError, due, format_due
from yuqing.timeutil import parse_time


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yuqing due", description="When a clock started at a time is due.")
    p.add_argument("kind", help="clock kind, e.g. statement, feedback (see config/clocks.yaml)")
    p.add_argument("--from", dest="start", required=True, metavar="ISO_TIME",
                   help="start time, ISO 8601; without an offset it is read as Asia/Shanghai")
    p.add_argument("--policy", metavar="PATH", help="clock policy file (default config/clocks.yaml)")
    p.add_argument("--calendar", metavar="PATH", help="calendar file (default config/calendar.yaml)")
    p.add_argument("--reason", action="store_true", help="also print the reason (Chinese)")
    return p


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["due"]:  # accept being handed the subcommand too
        args_in = args_in[1:]
    parser = _parser()
    try:
        args = parser.parse_args(args_in)
    except SystemExit as exc:  # argparse already printed usage/error
        return int(exc.code or 0)
    try:
        policy = ClockPolicy.from_config(args.policy) if args.policy else ClockPolicy.default()
        calendar = WorkCalendar.from_config(args.calendar) if args.calendar else WorkCalendar.default()
    except (ClockPolicyError, CalendarConfigError) as exc:
        print(f"error: invalid configuration:\n{exc}", file=err)
        return 2
    if args.kind not in policy.clocks:
        print(f"error: unknown clock kind {args.kind!r}; known kinds: {', '.join(sorted(policy.clocks))}", file=err)
        return 2
    try:
        start = parse_time(args.start, what="--from")
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return 2
    d = due(args.kind, start, policy, calendar)
    print(format_due(d), file=out)
    if args.reason:
        print(d.reason, file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
