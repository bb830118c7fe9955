"""A Python-Markdown extension the findings pages need, loaded by name (``findings.captions``)
so that every engine reading mkdocs.yml can load it: Python-Markdown does not count <caption>
as a block-level tag, so md_in_html would wrap the evidence map's table caption in a <p>
(invalid HTML inside a table). This registers it as one."""

from __future__ import annotations

from markdown import Extension


class CaptionBlocks(Extension):
    def extendMarkdown(self, md):
        if "caption" not in md.block_level_elements:
            md.block_level_elements.append("caption")


def makeExtension(**kwargs):  # the name Python-Markdown looks for
    return CaptionBlocks(**kwargs)
