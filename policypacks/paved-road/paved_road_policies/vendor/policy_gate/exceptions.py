# Generated from companyos/policy_gate/exceptions.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Exceptions as code: the only way to weaken the gate.

The baseline is the pack itself: every policy at the level it declares, every setting at its schema default. A
policy config (or stack config) that departs from it in the weaker direction is a *weakening*, and the gate runs
only if each weakening is covered by an exception in force in `policy-exceptions.yaml` (schema beside this
module): rule, setting, scope, reason, owner, approver, expiry at most 90 days ahead. Kyverno's PolicyException is
the model; expiry and evidence are what it lacks. Expired, unscoped or unknown-rule exceptions stop the gate
(exit 2), as does a weakening no exception covers.

Which direction weakens a setting is declared by the pack in each property's schema (`x-weakens`); a setting
without one weakens the gate whenever it differs from its default (default-deny).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from paved_road_policies.vendor.contracts.errors import UserError
from paved_road_policies.vendor.support.jsonschema_import import jsonschema

if TYPE_CHECKING:  # policy_config imports the report model, which holds ExceptionsInForce
    from paved_road_policies.vendor.policy_gate.policy_config import EffectivePolicyConfig, PolicyDeclaration

SCHEMA_PATH = Path(__file__).with_name("policy-exceptions.schema.json")
FILE_NAME = "policy-exceptions.yaml"
# How the gate tells the pack process which exceptions file it runs under (the pack's own file otherwise).
FILE_ENV = "PAVED_ROAD_POLICY_EXCEPTIONS"
MAX_DAYS = 90
LEVEL_SETTING = "enforcementLevel"
LEVEL_RANK = {"disabled": 0, "advisory": 1, "mandatory": 2, "remediate": 2}
WEAKENS_KEY = "x-weakens"
# Stack config the program reads that switches governance off: key -> (the rule it silences, the weak value).
STACK_CONFIG_WEAKENINGS = {"paved-road:manageRepository": ("repository-pipeline-present", "false")}
SELECTED_SERVICE_CONFIG = "paved-road:service"


@dataclass(frozen=True)
class PolicyException:
    rule: str
    setting: str
    services: tuple[str, ...]
    types: tuple[str, ...]
    reason: str
    owner: str
    approver: str
    expires: date
    ticket: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "setting": self.setting,
            "scope": {"services": list(self.services), "types": list(self.types)},
            "reason": self.reason,
            "owner": self.owner,
            "approver": self.approver,
            "expires": self.expires.isoformat(),
            "ticket": self.ticket or None,
        }

    def describe(self) -> str:
        types = f", types {', '.join(self.types)}" if self.types else ""
        return (
            f"{self.rule} {self.setting} for {', '.join(self.services)}{types}: {self.reason} (owner {self.owner}, "
            f"approved by {self.approver}, expires {self.expires.isoformat()}"
            f"{', ' + self.ticket if self.ticket else ''})"
        )


@dataclass(frozen=True)
class Weakening:
    rule: str
    setting: str
    detail: str
    added: tuple[str, ...] = ()
    """For an allowlist widened: what it adds (an exception must name each type in its scope)."""


@dataclass
class ExceptionsInForce:
    """What the gate ran under: the exceptions file, every exception in force, and which weakening each covers."""

    path: str | None = None
    exceptions: list[PolicyException] = field(default_factory=list)
    covered: list[tuple[Weakening, PolicyException]] = field(default_factory=list)

    def to_report(self) -> dict[str, Any]:
        used = {id(exception) for _, exception in self.covered}
        return {
            "file": self.path,
            "in_force": [{**e.to_dict(), "used": id(e) in used} for e in self.exceptions],
            "weakenings": [
                {"rule": w.rule, "setting": w.setting, "detail": w.detail, "exception": e.describe()}
                for w, e in self.covered
            ],
        }


def load_exceptions(path: Path, *, rules: set[str] | None, today: date) -> list[PolicyException]:
    """Every exception of `path`, validated; UserError (exit 2) names each bad entry and the fix."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"{path}: cannot read the exceptions file: {error.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: not YAML ({error.__class__.__name__}). Fix: see {SCHEMA_PATH.name}") from None
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(map(str, e.path)))
    problems = [f"{'.'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}" for e in errors]
    exceptions: list[PolicyException] = []
    if not problems:
        for index, entry in enumerate(data["exceptions"]):
            where = f"exceptions[{index}] ({entry['rule']} {entry['setting']})"
            try:
                expires = date.fromisoformat(entry["expires"])
            except ValueError:
                problems.append(f"{where}: expires {entry['expires']!r} is not a date")
                continue
            if rules is not None and entry["rule"] not in rules:
                problems.append(
                    f"{where}: no policy named {entry['rule']!r} in the pack (rules: {', '.join(sorted(rules))})"
                )
            if expires < today:
                problems.append(f"{where}: expired on {expires.isoformat()}; renew it (a new review) or remove it")
            elif expires > today + timedelta(days=MAX_DAYS):
                problems.append(
                    f"{where}: expires {expires.isoformat()}, more than {MAX_DAYS} days ahead; an "
                    "exception is re-approved at least every 90 days"
                )
            if entry["approver"].strip().lower() == entry["owner"].strip().lower():
                problems.append(
                    f"{where}: the approver is the owner; someone other than the team carrying the risk approves it"
                )
            scope = entry["scope"]
            exceptions.append(
                PolicyException(
                    rule=entry["rule"],
                    setting=entry["setting"],
                    services=tuple(scope["services"]),
                    types=tuple(scope.get("types", ())),
                    reason=entry["reason"].strip(),
                    owner=entry["owner"],
                    approver=entry["approver"],
                    expires=expires,
                    ticket=entry.get("ticket", ""),
                )
            )
    if problems:
        raise UserError(
            f"{path}: invalid policy exceptions:\n  - "
            + "\n  - ".join(problems)
            + f"\n  Fix: correct the entries (schema: companyos/policy_gate/{SCHEMA_PATH.name})."
        )
    return exceptions


def weakened_settings(rule: str, schema: Mapping[str, Mapping[str, Any]], config: Mapping[str, Any]) -> list[Weakening]:
    """The settings of one policy's validated config that are weaker than their defaults (the pack's own check)."""
    found = []
    for key, spec in schema.items():
        if isinstance(spec, Mapping) and key in config:
            weaker = _weaker(spec.get(WEAKENS_KEY), spec.get("default"), config[key])
            if weaker is not None:
                found.append(Weakening(rule, key, weaker[0], weaker[1]))
    return found


def weakenings(
    declarations: list[PolicyDeclaration],
    effective: Mapping[str, EffectivePolicyConfig],
    stack_config: Mapping[str, str],
) -> list[Weakening]:
    """Every departure of the effective config from the pack's baseline in the weaker direction."""
    found: list[Weakening] = []
    for declaration in declarations:
        entry = effective[declaration.name]
        if LEVEL_RANK.get(entry.level, 0) < LEVEL_RANK.get(declaration.level, 0):
            found.append(Weakening(declaration.name, LEVEL_SETTING, f"level {declaration.level} -> {entry.level}"))
        found += weakened_settings(declaration.name, declaration.schema_properties, entry.properties)
    declared = {d.name for d in declarations}
    for key, (rule, weak) in STACK_CONFIG_WEAKENINGS.items():
        if rule in declared and str(stack_config.get(key, "")).strip().lower() == weak:
            found.append(Weakening(rule, key, f"stack config {key} = {weak}"))
    return found


def _weaker(direction: Any, default: Any, value: Any) -> tuple[str, tuple[str, ...]] | None:
    """(what changed, items added) when `value` is weaker than `default` in `direction`; None otherwise."""
    if direction == "never" or value == default:
        return None
    if direction in ("more-items", "fewer-items"):
        old, new = _items(default), _items(value)
        if direction == "more-items" and new - old:
            added = tuple(sorted(new - old))
            return f"adds {', '.join(added)}", tuple(item.split("=", 1)[-1] for item in added)
        if direction == "fewer-items" and old - new:
            return f"drops {', '.join(sorted(old - new))}", ()
        return None
    if direction == "higher":
        return (f"{_show(default)} -> {_show(value)}", ()) if _number(value) > _number(default) else None
    if direction == "lower":
        return (f"{_show(default)} -> {_show(value)}", ()) if _number(value) < _number(default) else None
    if direction == "true":
        return (f"{_show(default)} -> {_show(value)}", ()) if value is True else None
    if direction == "false":
        return (f"{_show(default)} -> {_show(value)}", ()) if value is False else None
    return f"{_show(default)} -> {_show(value)}", ()  # no declared direction: any change weakens


def _show(value: Any) -> str:
    """JSON, with whole floats as integers: the wire carries every number as a double."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value)


def _items(value: Any) -> set[str]:
    if isinstance(value, Mapping):
        return {
            f"{key}={item}"
            for key, items in value.items()
            for item in (items if isinstance(items, (list, tuple)) else [])
        }
    return {str(item) for item in value} if isinstance(value, (list, tuple)) else set()


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("inf")


def _is_type_token(text: str) -> bool:
    return text.count(":") == 2 and all(text.split(":"))


def stack_services(stack_config: Mapping[str, str], components: Iterable[str]) -> set[str]:
    """The services a weakening would apply to: the per-service stack's `paved-road:service`, else every
    PavedRoadService in the stack (a config applies to the whole stack)."""
    selected = stack_config.get(SELECTED_SERVICE_CONFIG)
    return {selected} if selected else set(components)


def covers(exception: PolicyException, weakening: Weakening, services: set[str]) -> bool:
    """Same rule and setting, every service of the stack in scope, and every type an allowlist gains named."""
    if (exception.rule, exception.setting) != (weakening.rule, weakening.setting) or not services <= set(
        exception.services
    ):
        return False
    types = [item for item in weakening.added if _is_type_token(item)]
    return set(types) <= set(exception.types)


def enforce(
    found: list[Weakening], exceptions: list[PolicyException], services: set[str], *, path: str | None
) -> ExceptionsInForce:
    """Each weakening with the exception that covers it; UserError naming every uncovered one."""
    result = ExceptionsInForce(path=path, exceptions=list(exceptions))
    missing: list[str] = []
    for weakening in found:
        cover = next((e for e in exceptions if covers(e, weakening, services)), None)
        if cover is None:
            service = ", ".join(sorted(services)) or None
            where = f"service {service}" if service else "a stack without services"
            types = [item for item in weakening.added if _is_type_token(item)]
            need_types = f", scope.types {types}" if types else ""
            missing.append(
                f"{weakening.rule} {weakening.setting} ({weakening.detail}) on {where}: no exception in "
                f"force covers it (needs rule: {weakening.rule}, setting: {weakening.setting}, "
                f"scope.services [{service or '<service>'}]{need_types})"
            )
        else:
            result.covered.append((weakening, cover))
    if missing:
        source = path or f"no exceptions file (companyos preview --exceptions FILE, or {FILE_NAME} in the pack)"
        raise UserError(
            "the config weakens the gate's baseline without an exception:\n  - "
            + "\n  - ".join(missing)
            + f"\n  Exceptions read: {source}. Fix: restore the baseline setting, or add a reviewed "
            f"exception (rule, setting, scope, reason, owner, approver, expires <= {MAX_DAYS} days)."
        )
    return result
