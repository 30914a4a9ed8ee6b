"""What the balance CI gate writes: JUnit XML for the CI system's test view, Markdown for a
pull-request comment. Both say the same things about the same cells (gameai/balance/check.py).

JUnit shape: the common one CI systems read (Jenkins' junit-10.xsd, which GitLab and the GitHub
actions that publish test reports follow): <testsuites> holding one <testsuite> with name, id,
package, tests/failures/errors/skipped, time, timestamp and hostname, its <properties>, one
<testcase classname name time> per matchup × segment (a <failure message type> when the cell
failed, <skipped message> when one side has no decisive match), then the suite's <system-out>
(the rule) and <system-err>.
"""
from __future__ import annotations

import math
import platform
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

from gameai.balance.check import VERDICTS, CellCheck, CheckResult

WHY = {
    "left_band": "left the target band",
    "moved": "moved beyond its CI",
    "outside_band": "outside the band, not a regression (the baseline did not show it inside)",
    "untestable": "no decisive match on one side",
    "pass": "unchanged",
}


def pct(p: float) -> str:
    return "–" if math.isnan(p) else f"{100 * p:.1f}%"


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def _pts(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f" [{100 * ci[0]:+.1f}, {100 * ci[1]:+.1f}]"


def describe(c: CellCheck, result: CheckResult) -> str:
    """One line saying what happened to a cell, with the figures behind the verdict."""
    base = f"baseline {pct(c.baseline.win_rate)}{_ci(c.base_ci)} of {c.baseline.decisive} decisive"
    now = f"now {pct(c.current.win_rate)}{_ci(c.now_ci)} of {c.current.decisive} decisive"
    line = f"{c.matchup} [{c.segment}]: {WHY[c.verdict]}: {base}, {now}"
    if c.diff_ci is not None:
        line += f"; change {100 * c.diff:+.1f} pts{_pts(c.diff_ci)}"
    if c.verdict in ("left_band", "outside_band"):
        line += f"; band 50% ± {100 * result.target:g}"
    return line


def styles_text(style: dict) -> str:
    """A flagged matchup's verdicts across bot styles, one clause per tier."""
    tiers = "; ".join(f"{t['tier']}: " + ", ".join(f"{c['bot']} {c['verdict']}" for c in t["cells"])
                      + f" -> {t['headline_verdict']} ({t['headline_from']})" for t in style["tiers"])
    return f"across bot styles {style['marking']}: {tiers}"


def rule_text(result: CheckResult) -> str:
    return (f"A cell fails when the baseline's {100 * result.level:.3g}% Wilson interval lay wholly inside "
            f"50% ± {100 * result.target:g} and this run's lies wholly outside (left the band), or when the "
            f"{100 * result.level:.3g}% Newcombe interval of the change excludes 0 (moved beyond its CI). "
            f"The level is Bonferroni-adjusted over the {sum(c.diff_ci is not None for c in result.cells)} "
            f"testable cells, so an unchanged game fails at most {100 * result.alpha:g}% of the time. "
            "Win rate = the first army's share of decisive matches.")


def write_junit(result: CheckResult, path: str | Path, seconds: float = 0.0) -> Path:
    cells = result.cells
    failures = sum(c.failed for c in cells)
    skipped = sum(c.verdict == "untestable" for c in cells)
    counts = {"tests": str(len(cells)), "failures": str(failures), "errors": "0", "skipped": str(skipped),
              "time": f"{seconds:.3f}"}
    root = ET.Element("testsuites", {"name": "gameai balance check", **counts})
    suite = ET.SubElement(root, "testsuite", {
        "name": f"balance: {result.name}", "id": "0", "package": "gameai.balance", **counts,
        "timestamp": datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat(),
        "hostname": platform.node() or "localhost"})
    props = ET.SubElement(suite, "properties")
    for k, v in (("configuration", result.config_label), ("baseline", result.baseline),
                 ("target", f"{result.target:g}"), ("alpha", f"{result.alpha:g}"), ("level", f"{result.level:.6g}")):
        ET.SubElement(props, "property", {"name": k, "value": str(v)})
    for c in cells:
        case = ET.SubElement(suite, "testcase", {"classname": f"balance.{result.name}.{c.segment}",
                                                 "name": f"{c.matchup} [{c.segment}]", "time": "0"})
        text = describe(c, result)
        style = result.style_of(c.matchup)
        if c.failed:
            fail = ET.SubElement(case, "failure", {"message": text, "type": c.verdict})
            fail.text = text + "\n" + (styles_text(style) + "\n" if style else "") + rule_text(result)
        elif c.verdict == "untestable":
            ET.SubElement(case, "skipped", {"message": text})
        else:
            ET.SubElement(case, "system-out").text = text
    ET.SubElement(suite, "system-out").text = rule_text(result)
    ET.SubElement(suite, "system-err").text = ""
    ET.indent(root)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def _md(s: str) -> str:
    return s.replace("|", "\\|")


def _row(c: CellCheck) -> str:
    change = "–" if c.diff_ci is None else f"{100 * c.diff:+.1f} pts{_pts(c.diff_ci)}"
    return (f"| {'**FAIL**' if c.failed else 'ok'} | {_md(c.segment)} | {_md(c.matchup)} | "
            f"{pct(c.baseline.win_rate)}{_ci(c.base_ci)} (n={c.baseline.decisive}) | "
            f"{pct(c.current.win_rate)}{_ci(c.now_ci)} (n={c.current.decisive}) | {change} | {WHY[c.verdict]} |")


def markdown(result: CheckResult) -> str:
    cells = sorted(result.cells, key=lambda c: VERDICTS.index(c.verdict))
    fails = result.failures
    head = "| | segment | matchup | baseline | now | change | verdict |\n|---|---|---|---|---|---|---|"
    lines = [f"## Balance check: {'FAILED' if fails else 'passed'} — {_md(result.name)}", ""]
    if fails:
        lines.append(f"**{len(fails)} of {len(cells)}** matchup × segment checks failed "
                     f"(configuration: {_md(result.config_label)}; baseline: `{result.baseline}`):")
        lines += [""] + [f"- **{_md(c.matchup)}** [{_md(c.segment)}]: {_md(describe(c, result).split(': ', 1)[1])}"
                         for c in fails]
        lines += ["", "If the change is intended, make this run the new baseline (see docs/designer-balance.md)."]
    else:
        lines.append(f"All {len(cells)} matchup × segment checks passed (configuration: {_md(result.config_label)}; "
                     f"baseline: `{result.baseline}`).")
    standing = [c for c in cells if c.verdict == "outside_band"]
    if standing:
        lines += ["", f"Standing problems, not failed: {len(standing)} cell(s) are outside 50% ± "
                      f"{100 * result.target:g} (the baseline did not show them inside): "
                      + ", ".join(f"{_md(c.matchup)} [{_md(c.segment)}]" for c in standing) + "."]
    shown = {c.matchup for c in fails + standing}
    styled = [m for m in (result.styles or {}).get("matchups", ()) if m["matchup"] in shown]
    if styled:   # several bots played: is each failing or standing matchup broken for every style?
        lines += ["", f"Across bot styles ({_md(result.styles['rule'])}):", ""]
        lines += [f"- **{_md(m['matchup'])}**: {_md(styles_text(m))}" for m in styled]
    if result.notes:
        lines += [""] + [f"Note: {_md(n)}." for n in result.notes]
    lines += ["", "<details><summary>Every matchup × segment</summary>", "", head]
    lines += [_row(c) for c in cells]
    lines += ["", "</details>", "", f"<sub>{_md(rule_text(result))}</sub>", ""]
    return "\n".join(lines)


def write_markdown(result: CheckResult, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(result), encoding="utf-8")
    return path
