"""Differential check: the same requests, byte by byte, into DISCOS's simulators and into ours.

Usage: ``python tools/discos_differential.py /path/to/discos-simulators [--requests 300] [--seed 1]``

For each simulator (and system type) a seeded generator writes requests - valid ones with random
arguments, and malformed ones - and two child processes feed them one byte at a time to ``System.parse``:
one imports DISCOS's ``simulators`` package from the checkout, the other ours. What goes on the wire is
compared: the replies each request produced (an exception, True or False all mean "nothing sent").
Nothing is fetched or copied. Time-dependent and random answers (clock readings, random readings) are
left out of the generators. Prints the number of differing requests per simulator and the first
example of each kind; exits 1 if any differ.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
Generator = Callable[[random.Random], str]


def _generators() -> dict[str, tuple[str, dict[str, Any], Generator]]:
    """label -> (simulator module, System kwargs, request generator)."""

    def n(r: random.Random, low: int, high: int) -> str:
        return str(r.randint(low, high))

    return {
        "switch_matrix": ("switch_matrix", {}, lambda r: r.choice(
            [f"set IF_switch_config={n(r, 1, 4)}", "get IF_switch_config", "get IF_switch_config;get IF_switch_config",
             "dummy", ""]) + r.choice(["\r\n", "\n"])),
        "solar_attenuator": ("solar_attenuator", {}, lambda r: r.choice(
            ["set W_home", "set W_cal", "set W_solar_attn", "set W_passthrough", "get W_mode", "get W_mode;set W_cal",
             "x"]) + r.choice(["\r\n", "\n"])),
        "calmux": ("calmux", {}, lambda r: r.choice(
            [f"I {n(r, 0, 18)} {n(r, 0, 2)}", f"C {n(r, 0, 2)}", "?", f"? {n(r, 0, 3)}", "F 0", f"I {n(r, 0, 9)}",
             "X 1", "C a", "I 16 10"]) + r.choice(["\n", "\r"])),
        "if_distributor IFD": ("if_distributor", {"system_type": "IFD"}, lambda r: r.choice(
            [f"? {n(r, 0, 22)}", f"B {n(r, 0, 2)} {n(r, 0, 4)}",
             f"S {n(r, 0, 1)} {r.choice(['10', '11'])} {n(r, 2000, 2400)} {n(r, 0, 2)}",
             f"A {n(r, 4, 6)} {n(r, 0, 4)} {r.choice(['3', '25.5', '40', '0.5'])}", f"I {n(r, 1, 3)} {n(r, 0, 2)}",
             "?? 1", "? a", "? ", "S 0 10 2300.5 1"]) + r.choice(["\n", "\r"])),
        "if_distributor IFD_14_channels": ("if_distributor", {"system_type": "IFD_14_channels"}, lambda r: "#"
            + r.choice([f"ATT {r.randint(0, 97):02d} {r.randint(0, 130):03d}", f"ATT {r.randint(0, 97):02d}?",
             f"SWT 00 {r.randint(0, 2):03d}", "SWT 00?", "*IDN?", "*RST", "abcdefg", "ATT XX?", "aaa 00?"]) + "\n"),
        "lo generic_LO": ("lo", {"system_type": "generic_LO"}, lambda r: r.choice(
            [f"POWER {r.choice(['10', 'x'])} {r.choice(['dBm', 'dbm'])}", "POWER?",
             f"FREQ {r.choice(['2300.5', '10'])} {r.choice(['MHZ', 'MHz'])}", "FREQ?",
             f"OUTP:STAT {r.choice(['ON', 'OFF', 'ONN'])}", "OUTP:STAT?", "SYST:ERR?", "dummy;;",
             "POWER?;FREQ?"]) + "\n"),
        "lo w_LO": ("lo", {"system_type": "w_LO"}, lambda r: r.choice(
            [f"set W_LO_freq_PolH={r.choice(['12.5', 'x'])}", "get W_LO_PolH", "get W_LO_Pols",
             f"set W_LO_RefV={r.choice(['INT', 'ext'])}", "get W_LO_RefV", "get LO_atts",
             f"set LO_att_PolV={n(r, 0, 30)}", "get W_LO_HKP_Temp", "enable USB_devs", "get W_LO_status",
             "get W_LO_Synths_Temp"]) + "\r\n"),
        "gaia": ("gaia", {}, lambda r: "#" + r.choice(
            [f"SETD {n(r, 0, 11)} {n(r, 1000, 1030)} {n(r, 1, 9)}", f"GETVD {n(r, 1, 10)} {n(r, 1, 9)}",
             f"SETG {n(r, 1, 10)} x 3", "*IDN? 4", "NAME? 2", f"CONF? {n(r, 1, 3)}", f"LOADCONF {n(r, 0, 3)} 7",
             "FOO 1", "", f"GETREF {n(r, 0, 3)} 1", f"ENABLE {n(r, 1, 10)} 5 6 7"]) + "\n"),
        "mscu": ("mscu", {}, lambda r: r.choice(["#", "@", "!"]) + r.choice(
            [f"getappstatus:{n(r, 0, 9)}={n(r, 0, 4)}", f"stow:1={n(r, 0, 3)},{r.choice(['0x1F', '1.5', '7'])}",
             f"getspar:2={n(r, 0, 3)},{r.choice(['1250,0', '1240,0', '1,1'])}", f"setsdatbitb16:3={n(r, 0, 3)},7",
             f"setpos:4={n(r, 0, 3)},0,0,0,5", "unknown:0=1", "disable:0=2", "setup:0=1", "bad"])
            + r.choice(["\r\n", "\n\r"])),
        "dbesm": ("dbesm", {}, lambda r: r.choice(
            [f"DBE SETSTATUS BOARD {n(r, 0, 5)} VALUE {n(r, 0, 2)}", "DBE GETCFG",
             f"DBE SETALLMODE {r.choice(['MFS_7', 'DF_8s', 'X'])}", f"DBE MODE BOARD {n(r, 0, 5)} MFS_7",
             f"DBE GETFIRM BOARD {n(r, 0, 5)}", f"DBE ReadDIAG BOARD {n(r, 0, 5)}", "DBE ReadALLDIAG",
             f"DBE SETAMP {n(r, 0, 11)} BOARD {n(r, 1, 4)} VALUE {n(r, 0, 2)}",
             f"DBE SETBPF {r.choice(['1a', '1b', '2', '11', 'a1', '1c', '2x'])} BOARD {n(r, 1, 4)} VALUE 1",
             f"DBE SETDBEAMP {r.choice(['prova', 'SARDA_14', 'nope'])} {n(r, 0, 2)}",
             f"DBE GETDBEAMP {r.choice(['prova', 'SARDA_14', 'nope'])}", f"DBE SETDBEEQ prova2 {n(r, 0, 1)}",
             "DBE GETDBEEQ prova2", f"DBE GETDBEBPF {r.choice(['prova', '1_DBBC2'])}",
             f"DBE STOREALLMODE {r.choice(['N1', 'MFS_7'])}", f"DBE DELETEFILE {r.choice(['N1', 'Z'])}", "DBE",
             "FBCB GETCFG", f"DBE GETCOMP BOARD {n(r, 1, 4)}"]) + "\r\n"),
        "totalpower": ("totalpower", {"channels": 4}, lambda r: r.choice(
            [f"I {r.choice(['B', 'P', 'X'])} {n(r, 0, 16)} {n(r, 0, 5)}",
             f"A {n(r, 0, 15)} {r.choice(['G', 'Z'])} {n(r, 0, 16)} {n(r, 0, 5)}", f"N {n(r, 0, 2)}",
             f"M {n(r, 0, 2)}", f"Z {n(r, 0, 2)}", f"S {n(r, 1, 600)}", "V", "%", "resume", "pause", "stop",
             "T 1.5 2", "A 1"]) + r.choice(["\n", "\r"])),
        **{
            f"backend {kind}": ("backend", {"system_type": kind}, lambda r: r.choice(
                ["?version", "?get-configuration", f"?set-configuration,{r.choice(['abc', 'ABC', '_x'])}",
                 f"?set-integration,{r.choice(['5', '-1', 'x'])}", "?get-integration",
                 f"?set-section,{n(r, 0, 16)},1,{r.choice(['100', '3000', '*'])},0,s,1,1",
                 f"?set-enable,{n(r, 0, 8)},{n(r, 0, 8)}", f"?cal-on,{r.choice(['', '3', '-2'])}",
                 "?set-filename,f", "?get-filename", "?stop", "?nothing", "!status,ok", "", "?1x", "?get-tp0",
                 "?set-section,1", "?setup", "?vna-sweep", "?reset"]) + "\r\n")
            for kind in ("sardara", "mistral")
        },
    }  # fmt: skip


def collect() -> None:
    """Child mode: read {module, kwargs, requests} on stdin, print each request's replies as JSON."""
    spec = json.load(sys.stdin)
    module = importlib.import_module(f"simulators.{spec['module']}")
    system = module.System(**spec["kwargs"])
    replies: list[list[str]] = []
    for request in spec["requests"]:
        sent = []
        for ch in request:
            try:
                result = system.parse(ch)
            except Exception:
                result = None
            if isinstance(result, str) and result:
                sent.append(result)
        replies.append(sent)
    system.system_stop()
    print(json.dumps(replies))


def run_side(root: Path, spec: dict[str, Any]) -> list[list[str]]:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("ACSDATA", None)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--collect"],
        input=json.dumps(spec), capture_output=True, text=True, env=env, cwd=root.anchor, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"{root}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:] == ["--collect"]:
        collect()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="folder of a discos/simulators checkout")
    parser.add_argument("--requests", type=int, default=300, help="requests per simulator (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the request generators (default 1)")
    args = parser.parse_args(argv)
    if not (args.checkout / "simulators" / "common.py").is_file():
        parser.error(f"{args.checkout} is not a discos/simulators checkout")
    differing = 0
    for label, (module, kwargs, generate) in _generators().items():
        rng = random.Random(f"{args.seed} {label}")
        spec = {"module": module, "kwargs": kwargs, "requests": [generate(rng) for _ in range(args.requests)]}
        ours, theirs = run_side(PROJECT, spec), run_side(args.checkout.resolve(), spec)
        diffs = [(r, a, b) for r, a, b in zip(spec["requests"], ours, theirs, strict=True) if a != b]
        differing += len(diffs)
        print(f"{label:34} {len(diffs):4} of {args.requests} requests answered differently", flush=True)
        shown: set[str] = set()
        for request, a, b in diffs:
            kind = request.split(" ")[0]
            if kind not in shown:
                shown.add(kind)
                print(f"    {request!r}: ours {a!r} DISCOS {b!r}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
