"""Sphinx extension of the course site (loaded by docs/conf.py).

- API pages: a package documents its own members, not the ones it only re-exports; a
  Keras class shows its ``__init__`` signature; a constant's docstring that opens with a
  sentence and a colon is not read as "type: description".
- Chapter pages: a link to the notebook's source; inline code naming a package object
  (```gk.metrics.fid```) links to its API entry; a cell that shows the package's code
  (``gk.display.show_code(...)``) is followed by links to the API entries it shows; the
  math of raw-HTML hints (``<details>``) is typeset by MathJax too.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from docutils import nodes

NOTEBOOK_FOLDERS = ("notebooks/", "solutions/")
DOTTED = re.compile(r"\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)")
FROM_IMPORT = re.compile(r"^\s*from\s+(genai_keras[\w.]*)\s+import\s+(.+)$", re.MULTILINE)
IMPORT_AS = re.compile(r"^\s*import\s+(genai_keras[\w.]*)\s+as\s+(\w+)", re.MULTILINE)


def _skip_reexported(app, what: str, name: str, obj: Any, skip: bool, options) -> bool | None:
    """Document a package's member where it is defined in that package, not again where
    another package only re-exports it (gk.models.gan re-exports gk.losses)."""
    module = getattr(obj, "__module__", None)
    current = app.env.temp_data.get("autodoc:module")
    if (
        what == "module"
        and current
        and isinstance(module, str)
        and not inspect.ismodule(obj)
        and not (module == current or module.startswith(current + "."))
    ):
        return True
    return None


def _sentence_not_type(app, what: str, name: str, obj: Any, options, lines: list[str]) -> None:
    """After napoleon: a constant's or property's docstring that opens with a sentence and
    a colon ("Seeds are ints in [0, SEED_LIMIT): what ...") is not "type: description";
    napoleon made the sentence a ``:type:``, this puts it back."""
    if what not in ("data", "attribute", "property"):
        return
    for i, line in enumerate(lines):
        if line.startswith(":type: ") and len(line.split()) >= 4:  # three words or more
            sentence = line[len(":type: ") :]
            del lines[i]
            first = next((j for j, text in enumerate(lines) if text.strip()), None)
            if first is None:
                lines.insert(0, sentence)
            else:
                lines[first] = f"{sentence}: {lines[first]}"
            return


def _init_signature(app, what: str, name: str, obj: Any, options, signature, annotation):
    """A Keras layer or model class shows its ``__init__`` arguments, not the
    ``(*args, **kwargs)`` of Keras' ``__new__``."""
    init_module = getattr(getattr(obj, "__init__", None), "__module__", None) or ""
    if (
        what != "class"
        or signature != "(*args, **kwargs)"
        or not init_module.startswith("genai_keras")
    ):
        return None
    params = list(inspect.signature(obj.__init__).parameters.values())[1:]  # no self
    bare = [p.replace(annotation=inspect.Parameter.empty) for p in params]
    return str(inspect.Signature(bare)), annotation


def _aliases(code: str) -> dict[str, str]:
    """Names a notebook binds to the package: ``gk`` -> ``genai_keras``, ``V`` ->
    ``genai_keras.models.vae`` (``from genai_keras.models import vae as V``)."""
    aliases = {"genai_keras": "genai_keras"}
    for module, alias in IMPORT_AS.findall(code):
        aliases[alias] = module
    for module, names in FROM_IMPORT.findall(code):
        for part in names.strip("() ").split(","):
            words = part.split()
            if words:
                aliases[words[-1]] = f"{module}.{words[0]}"
    return aliases


def _resolve(dotted: str, aliases: dict[str, str], objects: dict) -> str | None:
    """The documented object a dotted name in a notebook means (the longest documented
    prefix: ``gk.models.gan.train(...)`` -> ``genai_keras.models.gan.train``)."""
    head, _, rest = dotted.partition(".")
    if head not in aliases:
        return None
    parts = [*aliases[head].split("."), *rest.split(".")]
    for stop in range(len(parts), 1, -1):
        name = ".".join(parts[:stop])
        if name in objects:
            return name
    return None


def _link(app, docname: str, name: str, objects: dict, child: nodes.Node) -> nodes.reference:
    entry = objects[name]
    uri = app.builder.get_relative_uri(docname, entry.docname) + "#" + entry.node_id
    return nodes.reference("", "", child, internal=True, refuri=uri, reftitle=name)


def _notebook_links(app, doctree: nodes.document, docname: str) -> None:
    """Cross-links from a chapter page to the API reference, and to its source notebook."""
    objects = app.env.get_domain("py").objects
    cells = [
        node
        for node in doctree.findall(nodes.container)
        if "cell" in node["classes"] and "tag_remove-cell" not in node["classes"]
    ]
    code = "\n".join(
        block.astext() for cell in cells for block in cell.findall(nodes.literal_block)
    )
    aliases = _aliases(code)
    for literal in list(doctree.findall(nodes.literal)):
        if isinstance(literal.parent, nodes.reference):
            continue
        match = DOTTED.match(literal.astext())
        name = match and _resolve(match.group(1), aliases, objects)
        if name:
            literal.replace_self(_link(app, docname, name, objects, literal.deepcopy()))
    for cell in cells:
        source = "\n".join(
            line
            for block in cell.findall(nodes.literal_block)
            for line in block.astext().splitlines()
            if not line.lstrip().startswith(("import ", "from "))  # what it shows, not imports
        )
        if "show_code" not in source:
            continue
        names = [_resolve(m, aliases, objects) for m in DOTTED.findall(source)]
        names = list(
            dict.fromkeys(n for n in names if n and not n.startswith("genai_keras.display"))
        )
        if names:
            para = nodes.paragraph(classes=["gk-api-links"])
            para += nodes.Text("In the API reference: ")
            for i, name in enumerate(names):
                if i:
                    para += nodes.Text(", ")
                short = name.replace("genai_keras.", "gk.", 1)
                para += _link(app, docname, name, objects, nodes.literal(short, short))
            cell.parent.insert(cell.parent.index(cell) + 1, para)
    for raw in list(doctree.findall(nodes.raw)):
        if raw.get("format") == "html" and "<details>" in raw.astext() and "$" in raw.astext():
            text = raw.astext().replace("<details>", '<details class="mathjax_process">')
            raw.replace_self(nodes.raw("", text, format="html"))
    repo = app.config.html_theme_options.get("repository_url", "").rstrip("/")
    branch = app.config.html_theme_options.get("repository_branch", "main")
    section = next(iter(doctree.findall(nodes.section)), None)
    if repo and section is not None:
        path = app.env.doc2path(docname, base=False)
        para = nodes.paragraph(classes=["gk-notebook-source"])
        para += nodes.Text("Notebook: ")
        para += nodes.reference("", str(path), refuri=f"{repo}/blob/{branch}/{path}")
        para += nodes.Text(" (this page shows its saved outputs).")
        title = next(iter(section.findall(nodes.title)), None)
        section.insert(section.index(title) + 1 if title is not None else 0, para)


def _on_doctree_resolved(app, doctree: nodes.document, docname: str) -> None:
    if docname.startswith(NOTEBOOK_FOLDERS):
        _notebook_links(app, doctree, docname)


def _documented_bases(app, name: str, obj: Any, options, bases: list) -> None:
    """Leave the private likelihood mixin out of "Bases:" (its methods show on VAE itself)."""
    bases[:] = [
        b for b in bases if getattr(b, "__module__", "") != "genai_keras.models.vae.likelihood"
    ]


def setup(app) -> dict[str, Any]:
    app.connect("autodoc-process-bases", _documented_bases)
    app.connect("autodoc-skip-member", _skip_reexported)
    app.connect("autodoc-process-signature", _init_signature)
    app.connect("autodoc-process-docstring", _sentence_not_type, priority=600)  # napoleon: 500
    app.connect("doctree-resolved", _on_doctree_resolved)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
