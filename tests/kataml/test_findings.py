"""Lint's words: every code has a level and a description; a finding prints and serialises."""

from __future__ import annotations

from igbot.kataml import LINT_CODES, Finding


def test_every_code_has_a_level_and_says_what_it_means() -> None:
    assert LINT_CODES
    for code, (level, meaning) in LINT_CODES.items():
        assert level in ("error", "warning", "info"), code
        assert code == code.lower() and " " not in code and meaning, code


def test_a_finding_names_where_it_is() -> None:
    finding = Finding("error", "missing-state", "no state 'done'", file="flows/order.yml",
                      path="flows.order.states.ask", line=7, flow="order", state="ask")
    assert str(finding) == "error missing-state flows/order.yml:flows.order.states.ask no state 'done'"
    assert finding.to_dict()["line"] == 7 and finding.to_dict()["state"] == "ask"
