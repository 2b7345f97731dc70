#!/usr/bin/env python3
"""Apply one edit to a workspace made by bench/gen.py.

    python3 bench/edit.py DIR KIND      KIND: comment | body | signature

The edited module is always the first module of the bottom layer
(`l00/m0000.sg`, or `l000/m0000.sg` for workspaces with 100+ layers), which
many modules import directly and, through the types in their own signatures,
transitively.

  comment    adds or changes a `// bench-edit` comment line (source hash
             changes; nothing else does)
  body       changes an Int literal inside a function body (`let factor = N`
             in the classify function); no signature changes
  signature  adds a new `pub fn` (the module's export hash changes)

Every edit keeps the workspace clean, and repeating an edit changes the file
again (counters are incremented), so edits can be applied in a loop.
Prints one line describing the edit on stdout.
"""

import os
import re
import sys

KINDS = ("comment", "body", "signature", "param", "field")


def target(root):
    layers = sorted(d for d in os.listdir(root)
                    if re.fullmatch(r"l0+", d) and os.path.isdir(os.path.join(root, d)))
    for d in layers:
        for f in sorted(os.listdir(os.path.join(root, d))):
            if re.fullmatch(r"m0+\.sg", f):
                return os.path.join(d, f)
    sys.exit("edit.py: %s does not look like a bench/gen.py workspace (no l00/m0000.sg)" % root)


def edit(text, kind):
    if kind == "comment":
        m = re.search(r"^// bench-edit: comment (\d+)$", text, re.M)
        if m:
            n = int(m.group(1)) + 1
            text = text[:m.start()] + "// bench-edit: comment %d" % n + text[m.end():]
        else:
            n = 1
            first, _, rest = text.partition("\n")
            text = first + "\n// bench-edit: comment 1\n" + rest
        return text, "comment line set to %d" % n
    if kind == "body":
        m = re.search(r"^    let factor = (\d+)$", text, re.M)
        if not m:
            sys.exit("edit.py: no `let factor = N` line to edit")
        old = int(m.group(1))
        new = old + 1
        text = text[:m.start()] + "    let factor = %d" % new + text[m.end():]
        return text, "body literal factor %d -> %d" % (old, new)
    if kind == "signature":
        n = len(re.findall(r"^pub fn extra_edit_(\d+)\(", text, re.M)) + 1
        if not text.endswith("\n"):
            text += "\n"
        text += ("\n/// Added by bench/edit.py (signature edit %d).\n"
                 "pub fn extra_edit_%d(x: Int) -> Int {\n"
                 "    x * %d + 1\n"
                 "}\n") % (n, n, n)
        return text, "added pub fn extra_edit_%d" % n
    if kind == "param":
        # toggles a parameter of the module's constructor function: every
        # caller breaks (and is fixed by the next toggle)
        m = re.search(r"^pub fn new_\w+\(id: Int, name: String(, extra: Int)?\)", text, re.M)
        if not m:
            sys.exit("edit.py: no `pub fn new_...(id: Int, name: String)` to edit")
        head = text[:m.start()] + m.group(0)[:m.group(0).index("name: String") + len("name: String")]
        text = head + ("" if m.group(1) else ", extra: Int") + ")" + text[m.end():]
        return text, "constructor parameter extra %s" % ("removed" if m.group(1) else "added")
    if kind == "field":
        # toggles the element type of the struct's `tags` field: users of
        # the struct, directly or through signatures that mention it, see it
        m = re.search(r"^    tags: List\[(String|Int)\],$", text, re.M)
        if not m:
            sys.exit("edit.py: no `tags: List[...]` field to edit")
        new = "Int" if m.group(1) == "String" else "String"
        text = text[:m.start()] + "    tags: List[%s]," % new + text[m.end():]
        return text, "field tags: List[%s] -> List[%s]" % (m.group(1), new)
    raise ValueError(kind)


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in KINDS:
        sys.exit("usage: python3 bench/edit.py DIR {%s}" % "|".join(KINDS))
    root, kind = sys.argv[1], sys.argv[2]
    rel = target(root)
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text, what = edit(text, kind)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("edit.py: %s: %s" % (rel, what))


if __name__ == "__main__":
    main()
