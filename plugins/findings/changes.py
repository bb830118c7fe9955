"""Export stage, for reviewers: what a change does to the knowledge base. Two built knowledge
bases (or the problems that stopped one) are compared into findings added, changed and
removed, sources added and removed, and the warnings the change brings; ``changes.md.j2``
writes that as the Markdown of a pull-request comment."""

from __future__ import annotations

from dataclasses import dataclass, field

from .pipeline import KnowledgeBase
from .problems import Problem
from .render import template


@dataclass
class Revision:
    """One side of the comparison: its name (a git revision), and its knowledge base or the
    errors that kept it from being built."""
    name: str
    kb: KnowledgeBase | None
    errors: list[Problem] = field(default_factory=list)


@dataclass
class Changes:
    before: Revision
    after: Revision
    added: list = field(default_factory=list)  # findings, as FindingRecord
    changed: list = field(default_factory=list)  # (FindingRecord, names of the fields that changed)
    removed: list = field(default_factory=list)
    sources_added: list = field(default_factory=list)  # (key, reference text)
    sources_removed: list = field(default_factory=list)
    new_warnings: list = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.added or self.changed or self.removed or self.sources_added or self.sources_removed
                    or self.new_warnings or self.after.errors)


def compare(before: Revision, after: Revision) -> Changes:
    changes = Changes(before, after)
    if before.kb is None or after.kb is None:
        return changes
    old = {record.id: record for record in before.kb.findings}
    new = {record.id: record for record in after.kb.findings}
    changes.added = [new[i] for i in sorted(set(new) - set(old))]
    changes.removed = [old[i] for i in sorted(set(old) - set(new))]
    for finding_id in sorted(set(old) & set(new)):
        was, now = old[finding_id].finding.model_dump(), new[finding_id].finding.model_dump()
        fields = [name for name in now if now[name] != was.get(name)]
        if fields:
            changes.changed.append((new[finding_id], fields))
    changes.sources_added = [(key, after.kb.reference_text[key]) for key in sorted(set(after.kb.references)
                                                                                  - set(before.kb.references))]
    changes.sources_removed = [(key, before.kb.reference_text[key]) for key in sorted(set(before.kb.references)
                                                                                     - set(after.kb.references))]
    seen = {(p.path, p.message) for p in before.kb.warnings}
    changes.new_warnings = [p for p in after.kb.warnings if (p.path, p.message) not in seen and p.severity != "note"]
    return changes


def changes_markdown(changes: Changes) -> str:
    """The comparison as Markdown, for a pull-request comment or a terminal."""
    return template("changes.md.j2").render(c=changes)
