"""Load a content pack: flows, knowledge, message overrides, variables and tenant overlays.

A pack is a directory::

    pack.toml            [pack] name, extends ("default" or "none"), knowledge_dir;
                         [variables] the pack's values for {portal}, ...
    flows/<name>.toml    one flow each (see :mod:`vpnfsm.content.flowfile`)
    knowledge/<f>.toml   knowledge tables, named by a flow's ``knowledge`` key
    messages.toml        [<flow>] key = "text": rewording of any flow's messages
    previous/<flow>@<label>.toml  an earlier declaration of <flow> that stored
                         sessions still run on (unless the flow's [migrations]
                         maps its version); `vpnfsm verify` checks the mappings
    tenants/<id>.toml    one tenant's overlay: [variables], [messages.<flow>],
                         [[knowledge.<flow>.article]] (same id: replaces in place;
                         new id: added before the others, so it wins ties)

or an installed distribution that names such a directory (a package) in the
entry point group ``vpnfsm.content``. The shipped VPN, password and e-mail
flows are the pack in ``vpnfsm/content/default`` and load through this same
code. A pack that ``extends = "default"`` (the default) starts from those
flows; a flow file of the same name replaces one.

Variables are written ``{name}`` in messages and steps. Each tenant's
replies are built at load with its values (the pack's where the tenant sets
none); a variable with no value is a load error naming the file and line
that uses it. ``{reference}`` is the case reference, filled in per reply.
Every problem of every file is collected and raised as one
:class:`~vpnfsm.errors.ContentError`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from vpnfsm.content._source import Problems, SourceFile, read_source
from vpnfsm.content.flowfile import parse_flow
from vpnfsm.errors import ContentError
from vpnfsm.flows.knowledge import Article, KnowledgeTable, parse_data, register_table
from vpnfsm.flows.spec import FlowSpec

__all__ = ["ENTRY_POINT_GROUP", "RUNTIME_VARIABLES", "ContentPack", "default_pack", "extractor_intents", "load_pack"]

#: Installed packs name their directory (a package) in this entry point group.
ENTRY_POINT_GROUP = "vpnfsm.content"
#: Placeholders filled per reply, not by the pack.
RUNTIME_VARIABLES = frozenset({"reference"})

_PACK_KEYS = frozenset({"name", "extends", "knowledge_dir"})


@dataclass(frozen=True)
class ContentPack:
    """A loaded, validated content pack.

    Attributes:
        name: the pack's name (``pack.toml``, else its directory's name).
        root: where it was loaded from.
        flows: every flow by name, with the pack's own variable values.
        tenants: per tenant with an overlay, every flow with that tenant's
            messages, articles and variable values.
        previous: earlier declarations by flow name (``previous/*.toml``).

    """

    name: str
    root: str
    flows: Mapping[str, FlowSpec]
    tenants: Mapping[str, Mapping[str, FlowSpec]] = field(default_factory=dict)
    previous: Mapping[str, tuple[FlowSpec, ...]] = field(default_factory=dict)

    def flows_for(self, tenant: str) -> Mapping[str, FlowSpec]:
        """The flows ``tenant``'s users talk to (the pack's own when it has no overlay)."""
        return self.tenants.get(tenant, self.flows)


@dataclass
class _Flow:
    """One flow before variables are filled in, with the files that wrote it."""

    spec: FlowSpec
    table: KnowledgeTable
    table_file: str
    sources: list[SourceFile]


@dataclass
class _Raw:
    name: str
    root: Path
    flows: dict[str, _Flow]
    variables: dict[str, str]
    tenants: dict[str, SourceFile]
    previous: list[FlowSpec] = field(default_factory=list)


def extractor_intents() -> frozenset[str]:
    """The intents the extractor produces (``general`` aside, which no flow handles)."""
    from typing import get_args

    from vpnfsm.nlp.model import Intent

    return frozenset(get_args(Intent)) - {"general"}


def _placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders of ``text`` (identifiers only; other braces are text)."""
    names: list[str] = []
    start = text.find("{")
    while start >= 0:
        end = text.find("}", start + 1)
        if end < 0:
            break
        name = text[start + 1 : end]
        if name.isidentifier():
            names.append(name)
        start = text.find("{", start + 1)
    return names


def _fill(text: str, values: Mapping[str, str]) -> str:
    for name in _placeholders(text):
        if name in values:
            text = text.replace("{" + name + "}", values[name])
    return text


def _line_using(sources: list[SourceFile], token: str) -> str:
    for source in reversed(sources):
        for number, line in enumerate(source.text.splitlines(), start=1):
            if token in line:
                return f"{source.name}:{number}"
    return f"{sources[0].name}:1"


def _variables(source: SourceFile, problems: Problems) -> dict[str, str]:
    raw = source.data.get("variables", {})
    values: dict[str, str] = {}
    if not isinstance(raw, dict):
        problems.add(source, source.line_of("variables"), 'variables must be a table of name = "text"')
        return values
    for key, value in raw.items():
        if not key.isidentifier() or key in RUNTIME_VARIABLES:
            problems.add(source, source.line_of("variables", key), f"variable name {key!r} is not allowed")
        elif not isinstance(value, str) or not value.strip():
            problems.add(source, source.line_of("variables", key), f"variable {key!r} must be non-empty text")
        else:
            values[key] = value
    return values


def _parse_articles(
    source: SourceFile, problems: Problems, data: Mapping[str, Any], loc: tuple[str | int, ...], table_source: str
) -> KnowledgeTable | None:
    try:
        table = parse_data(data, source=table_source)
    except ValueError as exc:
        message = str(exc).removeprefix(f"{table_source}: ")
        line = source.line_of(*loc)
        if message.startswith("article "):
            number = message.split(":")[0].removeprefix("article ")
            if number.isdigit():
                # The key at fault when the message names one, else the article's header.
                key = next((k for k in ("id", "when", "excludes", "any", "steps") if f"'{k}'" in message), None)
                if "duplicate id" in message:
                    key = "id"
                line = source.line_of(*loc, int(number) - 1, *((key,) if key else ()))
        problems.add(source, line, message)
        return None
    except (TypeError, AttributeError) as exc:
        problems.add(source, source.line_of(*loc), f"malformed articles: {exc}")
        return None
    return table


def _check_labels(flow: _Flow, source: SourceFile, problems: Problems, articles: tuple[Article, ...]) -> None:
    # An article scoped to a value no message can produce never fits anyone
    # ("when.problem = ['wifi_slow']" in a flow whose vocabulary says "slow").
    from vpnfsm.handoff.tags import SLOT_VOCABULARY

    spec = flow.spec
    for article in articles:
        line = source.line_quoting(article.id)
        for part, scope in (("when", article.when), ("excludes", article.excludes)):
            for key, values in scope.items():
                if key not in spec.slots:
                    problems.add(
                        source, line, f"article {article.id}: {part} names {key!r}, not a slot of flow {spec.name!r}"
                    )
                    continue
                known = tuple(spec.vocabulary.get(key, ())) or tuple(SLOT_VOCABULARY.get(key, ()))
                for value in sorted(values):
                    if known and value not in known:
                        problems.add(
                            source,
                            source.line_quoting(value, default=line),
                            f"article {article.id}: {part} names {key}={value!r}, not a label "
                            f"(known: {', '.join(known)})",
                        )


def _load_knowledge(
    root: Path, knowledge_dir: str, raw: _Raw, problems: Problems
) -> dict[str, tuple[KnowledgeTable, SourceFile]]:
    tables: dict[str, tuple[KnowledgeTable, SourceFile]] = {}
    folder = root / knowledge_dir
    for flow in raw.flows.values():
        name = flow.spec.knowledge
        if name in tables:
            continue
        path = folder / name
        if not path.is_file():
            source = flow.sources[0]
            problems.add(source, source.line_of("flow", "knowledge"), f"knowledge table {name!r} not found in {folder}")
            continue
        source_file = read_source(path, problems)
        if source_file is None:
            continue
        table = _parse_articles(source_file, problems, source_file.data, ("article",), str(path))
        if table is not None:
            tables[name] = (table, source_file)
    return tables


def _read_dir(root: Path, problems: Problems) -> _Raw:
    manifest_path = root / "pack.toml"
    manifest = read_source(manifest_path, problems) if manifest_path.is_file() else None
    head: dict[str, Any] = {}
    if manifest is not None:
        raw_head = manifest.data.get("pack", {})
        head = raw_head if isinstance(raw_head, dict) else {}
        for key in head:
            if key not in _PACK_KEYS:
                problems.add(manifest, manifest.line_of("pack", key), f"unknown key 'pack.{key}'")
        for key in manifest.data:
            if key not in ("pack", "variables"):
                problems.add(manifest, manifest.line_of(key), f"unknown table {key!r} (known: pack, variables)")
    name = str(head.get("name", root.name))
    extends = head.get("extends", "default")
    if extends not in ("default", "none") and manifest is not None:
        problems.add(manifest, manifest.line_of("pack", "extends"), "pack.extends must be 'default' or 'none'")
    raw = _Raw(
        name=name,
        root=root,
        flows={},
        variables={},
        tenants={},
    )
    if extends == "default":
        base = _default_raw()
        raw.flows = {key: dataclasses.replace(flow, sources=list(flow.sources)) for key, flow in base.flows.items()}
        raw.variables = dict(base.variables)
    if manifest is not None:
        raw.variables.update(_variables(manifest, problems))
    own: dict[str, _Flow] = {}
    for path in sorted((root / "flows").glob("*.toml")):
        source = read_source(path, problems)
        if source is None:
            continue
        spec = parse_flow(source, problems)
        if spec is not None:
            own[spec.name] = _Flow(spec=spec, table=KnowledgeTable(articles=()), table_file="", sources=[source])
    knowledge_dir = str(head.get("knowledge_dir", "knowledge"))
    own_raw = _Raw(name=name, root=root, flows=own, variables={}, tenants={})
    for key, (table, table_source) in _load_knowledge(root, knowledge_dir, own_raw, problems).items():
        for flow in own.values():
            if flow.spec.knowledge == key:
                flow.table, flow.table_file = table, table_source.name
                flow.sources.append(table_source)
                _check_labels(flow, table_source, problems, table.articles)
    raw.flows.update(own)
    if not raw.flows:
        problems.append(f"{root}:1: the pack declares no flows (flows/*.toml) and extends none")
    intents: dict[str, str] = {}
    read = extractor_intents()
    for flow in own.values():
        source = flow.sources[0]
        if flow.spec.intent == "general":
            problems.add(source, source.line_of("flow", "intent"), "intent 'general' is answered without a flow")
        elif flow.spec.intent not in read and not flow.spec.cues:
            problems.add(
                source,
                source.line_of("flow", "intent"),
                f"the extractor never reads intent {flow.spec.intent!r} (it reads {', '.join(sorted(read))}): "
                "give the flow cues = [...] that start it",
            )
    for flow in raw.flows.values():
        other = intents.setdefault(flow.spec.intent, flow.spec.name)
        if other != flow.spec.name:
            source = flow.sources[0]
            problems.add(
                source,
                source.line_of("flow", "intent"),
                f"intent {flow.spec.intent!r} is already started by flow {other!r}",
            )
    for path in sorted((root / "previous").glob("*.toml")):
        source = read_source(path, problems)
        spec = parse_flow(source, problems) if source is not None else None
        if source is not None and spec is not None:
            if spec.name not in raw.flows:
                problems.add(
                    source, source.line_of("flow", "name"), f"an earlier version of an unknown flow {spec.name!r}"
                )
            else:
                raw.previous.append(spec)
    messages_path = root / "messages.toml"
    if messages_path.is_file():
        source = read_source(messages_path, problems)
        if source is not None:
            _apply_messages(raw, source, problems, source.data, ())
    tenants_dir = root / "tenants"
    for path in sorted(tenants_dir.glob("*.toml")) if tenants_dir.is_dir() else ():
        source = read_source(path, problems)
        if source is not None:
            raw.tenants[path.stem] = source
    return raw


def _apply_messages(
    raw: _Raw, source: SourceFile, problems: Problems, table: Mapping[str, Any], loc: tuple[str, ...]
) -> None:
    for flow_name, overrides in table.items():
        if flow_name not in raw.flows:
            problems.add(
                source,
                source.line_of(*loc, flow_name),
                f"messages for an unknown flow {flow_name!r} (known: {', '.join(sorted(raw.flows))})",
            )
            continue
        if not isinstance(overrides, dict):
            problems.add(source, source.line_of(*loc, flow_name), f'[{flow_name}] must be a table of key = "text"')
            continue
        flow = raw.flows[flow_name]
        messages = dict(flow.spec.messages)
        for key, text in overrides.items():
            line = source.line_of(*loc, flow_name, key)
            if key not in messages:
                problems.add(source, line, f"flow {flow_name!r} has no message {key!r} to override")
            elif not isinstance(text, str) or not text.strip():
                problems.add(source, line, f"message {flow_name}.{key} must be non-empty text")
            else:
                messages[key] = text
        flow.spec = dataclasses.replace(flow.spec, messages=messages)
        flow.sources.append(source)


def _overlay(raw: _Raw, source: SourceFile, problems: Problems) -> tuple[dict[str, _Flow], dict[str, str]]:
    """One tenant's flows and variable values: the pack's, with ``source``'s overlay applied."""
    flows = {key: dataclasses.replace(flow, sources=list(flow.sources)) for key, flow in raw.flows.items()}
    view = dataclasses.replace(raw, flows=flows)
    for key in source.data:
        if key not in ("variables", "messages", "knowledge"):
            problems.add(source, source.line_of(key), f"unknown table {key!r} (known: variables, messages, knowledge)")
    variables = {**raw.variables, **_variables(source, problems)}
    messages = source.data.get("messages", {})
    if isinstance(messages, dict):
        _apply_messages(view, source, problems, messages, ("messages",))
    knowledge = source.data.get("knowledge", {})
    for flow_name, entry in knowledge.items() if isinstance(knowledge, dict) else ():
        if flow_name not in flows or not isinstance(entry, dict):
            problems.add(source, source.line_of("knowledge", flow_name), f"articles for an unknown flow {flow_name!r}")
            continue
        flow = flows[flow_name]
        extra = _parse_articles(
            source,
            problems,
            {"weights": dict(flow.table.articles[0].weights) if flow.table.articles else {}, **entry},
            ("knowledge", flow_name, "article"),
            source.name,
        )
        if extra is None:
            continue
        _check_labels(flow, source, problems, extra.articles)
        replaced = {article.id: article for article in extra.articles}
        kept = [replaced.pop(article.id, article) for article in flow.table.articles]
        # A tenant adds an article for its own situation: it goes first, so it
        # wins a tie with an equally specific shipped one (ties go to the earlier).
        flow.table = dataclasses.replace(flow.table, articles=(*replaced.values(), *kept), _memo={})
        flow.sources.append(source)
    return flows, variables


def _materialize(
    flows: Mapping[str, _Flow], variables: Mapping[str, str], who: str, problems: Problems
) -> dict[str, FlowSpec]:
    """The runnable flows: variables filled in, each table registered under its own key."""
    allowed = {**variables, **{key: "{" + key + "}" for key in RUNTIME_VARIABLES}}
    done: dict[str, FlowSpec] = {}
    for flow_name, flow in flows.items():
        texts = [*flow.spec.messages.values(), *(step for article in flow.table.articles for step in article.steps)]
        texts += [article.title for article in flow.table.articles]
        missing = sorted({var for text in texts for var in _placeholders(text) if var not in allowed})
        for var in missing:
            where = _line_using(flow.sources, "{" + var + "}")
            problems.append(f"{where}: undefined variable {{{var}}} for {who} (set it in [variables])")
        if missing:
            continue
        messages = {key: _fill(text, variables) for key, text in flow.spec.messages.items()}
        articles = tuple(
            dataclasses.replace(
                article,
                title=_fill(article.title, variables),
                steps=tuple(_fill(step, variables) for step in article.steps),
            )
            for article in flow.table.articles
        )
        table = dataclasses.replace(flow.table, articles=articles, _memo={})
        digest = hashlib.sha256(repr((articles, table.platforms)).encode()).hexdigest()[:12]
        key = f"{flow.table_file or flow.spec.knowledge}#{digest}"
        register_table(key, table)
        done[flow_name] = dataclasses.replace(flow.spec, messages=messages, knowledge=key)
    return done


def _finish(raw: _Raw, problems: Problems) -> ContentPack:
    flows = _materialize(raw.flows, raw.variables, "the pack", problems)
    tenants: dict[str, dict[str, FlowSpec]] = {}
    for tenant, source in raw.tenants.items():
        overlaid, variables = _overlay(raw, source, problems)
        tenants[tenant] = _materialize(overlaid, variables, f"tenant {tenant!r}", problems)
    previous: dict[str, tuple[FlowSpec, ...]] = {}
    for old in raw.previous:
        # An earlier declaration keeps its own states and wording; its steps come
        # from the current table (the article ids a session was given stay valid).
        current = flows.get(old.name)
        if current is not None:
            messages = {key: _fill(text, raw.variables) for key, text in old.messages.items()}
            spec = dataclasses.replace(old, messages=messages, knowledge=current.knowledge)
            previous[old.name] = (*previous.get(old.name, ()), spec)
    if problems:
        raise ContentError(str(raw.root), list(problems))
    return ContentPack(name=raw.name, root=str(raw.root), flows=flows, tenants=tenants, previous=previous)


_DEFAULT_ROOT = Path(str(resources.files("vpnfsm.content").joinpath("default")))


@cache
def _default_raw() -> _Raw:
    problems = Problems()
    raw = _read_dir(_DEFAULT_ROOT, problems)
    if problems:
        raise ContentError(str(_DEFAULT_ROOT), list(problems))
    return raw


@cache
def default_pack() -> ContentPack:
    """The shipped pack: VPN, password and e-mail flows (loaded once per process)."""
    problems = Problems()
    return _finish(_default_raw(), problems)


def _entry_point_root(name: str) -> Path | None:
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == name:
            return Path(str(resources.files(entry.value)))
    return None


def load_pack(where: str | Path | ContentPack) -> ContentPack:
    """Load and validate the pack in directory ``where`` (or the installed pack of that name).

    Raises:
        ContentError: the pack does not exist, or one of its files is broken
            (every problem, each as ``file:line: what is wrong``).

    """
    if isinstance(where, ContentPack):
        return where
    root = Path(where)
    if not root.is_dir():
        found = _entry_point_root(str(where))
        if found is None:
            raise ContentError(
                str(where), [f"{where}: no such directory, and no installed pack of that name in {ENTRY_POINT_GROUP!r}"]
            )
        root = found
    if root.resolve() == _DEFAULT_ROOT.resolve():
        return default_pack()
    problems = Problems()
    raw = _read_dir(root, problems)  # as given: problems name files the way the user wrote the path
    return _finish(raw, problems)
