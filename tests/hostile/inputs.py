"""Generated hostile inputs: what an attacker (or a code generator gone
wrong) feeds the checker. Shared by tests/hostile/test_hostile.py (make
test), tests/fuzz/seeds.py (the fuzzers' seed corpora) and tests/soak.sh.

Each generator returns the text of one module. `n` is the size: nesting
depth, number of arms or aliases, line length."""


def nest(prefix, opener, middle, closer, suffix, n):
    return prefix + opener * n + middle + closer * n + suffix


# Every construct that nests, as (prefix, opener, middle, closer, suffix).
# Past the limits each must give one E010 and nothing else.
NESTING = {
    "while": ("fn f() {\n    ", "while true { ", "1", " }", "\n}\n"),
    "for": ("fn f(xs: List[Int]) {\n    ", "for x in xs { ", "1", " }", "\n}\n"),
    "if": ("fn f() {\n    ", "if true { ", "1", " }", "\n}\n"),
    "else_if": ("fn f(x: Int) -> Int {\n    ", "if x == 0 { 0 } else ", "{ 1 }", "", "\n}\n"),
    "block": ("fn f() -> Int ", "{ ", "1", " }", "\n"),
    "lambda": ("fn f() {\n    let g = ", "fn() { ", "1", " }", "\n    g()\n}\n"),
    "paren": ("const X: Int = ", "(", "1", ")", "\n"),
    "list": ("const X: List[Int] = ", "[", "", "]", "\n"),
    "unary": ("const X: Int = ", "-", "1", "", "\n"),
    "call": ("fn g(x: Int) -> Int { x }\nconst X: Int = ", "g(", "1", ")", "\n"),
    "index": ("fn f(xs: List[Int]) -> Int { xs[", "xs[", "0", "]", "] }\n"),
    "match": ("fn f(x: Int) -> Int {\n    ", "match x { _ => ", "1", " }", "\n}\n"),
    "struct": ("struct S { s: Option[S] }\nconst X: S = ", "S { s: Some(", "S { s: None }", ") }", "\n"),
    "type": ("fn f(x: ", "List[", "Int", "]", ") {}\n"),
    "fn_type": ("fn f(x: ", "fn() -> ", "Int", "", ") {}\n"),
    "pattern": ("fn f(x: Option[Int]) -> Int {\n    match x {\n        ", "Some(", "_", ")",
                " => 1,\n        _ => 0,\n    }\n}\n"),
}


def nesting(construct, n):
    prefix, opener, middle, closer, suffix = NESTING[construct]
    return nest(prefix, opener, middle, closer, suffix, n)


def chain(n):
    """A chain of n binary operators."""
    return "const X: Int = 1" + " + 1" * n + "\n"


def chains_in_parens(depth, length):
    """Chains whose first operand is the next chain: as deep as depth * length."""
    return "const X: Int = " + "(" * depth + "1" + (" + 1" * length + ")") * depth + "\n"


def match_arms(n, exhaustive=False):
    """A match with n literal arms; without a catch-all it is E207."""
    arms = "".join("        %d => %d,\n" % (i, i) for i in range(n))
    tail = "        _ => 0,\n" if exhaustive else ""
    return "fn f(x: Int) -> Int {\n    match x {\n" + arms + tail + "    }\n}\n"


def hard_match(k=16):
    """Exhaustive, but every prefix of k Bit fields stays open: 2^(k-1)
    leaves for the usefulness algorithm, past its budget from k = 16."""
    def row(cells):
        return "W(" + ", ".join(cells) + ")"
    rows = []
    for i in range(k - 1):
        rows.append(row(["T" if j in (i, k - 1) else "_" for j in range(k)]))
        rows.append(row(["F" if j in (i, k - 1) else "_" for j in range(k)]))
    rows.append(row(["F"] * (k - 1) + ["_"]))
    rows.append(row(["T"] * (k - 1) + ["_"]))
    return ("pub enum Bit { T, F }\npub enum Word { W(" + ", ".join(["Bit"] * k) + ") }\n"
            "pub fn pick(w: Word) -> Int {\n    match w {\n"
            + "".join("        %s => %d,\n" % (r, i) for i, r in enumerate(rows)) + "    }\n}\n")


def string_arms(n):
    arms = "".join('        "s%d" => %d,\n' % (i, i) for i in range(n))
    return "fn f(x: String) -> Int {\n    match x {\n" + arms + "    }\n}\n"


def alias_chain(n, end="Int"):
    """type A0 = A1 ... type A{n-1} = end, and a use that is E201 when end is Int."""
    items = "".join("type A%d = A%d\n" % (i, i + 1) for i in range(n - 1))
    items += "type A%d = %s\n" % (n - 1, end)
    return items + "fn g(y: A0) -> String { y }\n"


def alias_cycle(n):
    """type A0 = A1 ... type A{n-1} = A0: E110 on each."""
    return "".join("type A%d = A%d\n" % (i, (i + 1) % n) for i in range(n))


def alias_tower(n, pub=False):
    """type A{i+1} = fn(A{i}, A{i}) -> A{i}: few lines, a type of 3^n nodes."""
    p = "pub " if pub else ""
    return ("%stype A0 = Int\n" % p + "".join("%stype A%d = fn(A%d, A%d) -> A%d\n" % (p, i + 1, i, i, i) for i in range(n))
            + "fn g(y: A%d) -> String { y }\n" % n)


def alias_lists(n):
    """type A{i+1} = List[A{i}]: a type n levels deep."""
    return ("type A0 = Int\n" + "".join("type A%d = List[A%d]\n" % (i + 1, i) for i in range(n))
            + "fn g(y: A%d) -> Int { 1 }\n" % n)


def long_line(n, fill="x"):
    """A line n characters long: an unknown name (E103, which echoes it) then
    a type error at its end."""
    return "fn f() -> Int {\n    let s: String = %s + 1 + \"s\" + 1\n    1\n}\n" % (fill * n)


def bad_characters(n):
    """A line of n characters that are not Sigil: n E001s before any cap."""
    return "fn f() {\n    " + "$" * n + "\n}\n"


def control_characters():
    """Control characters in a source line and in tokens that are echoed."""
    return "fn f() {\n    let a = 1 \x00 \x02 \x7f \x1b[31m\n}\n"


def inferred_lists(n):
    """n lets, each a list of the last: a type n levels deep, by inference."""
    return "fn f() {\n    let x0 = 1\n" + "".join("    let x%d = [x%d]\n" % (i + 1, i) for i in range(n)) + \
        "    let _u = x%d\n}\n" % n


def inferred_doubling(n):
    """n lets, each mentioning the last twice through type variables: a tree
    of 2^n nodes in n statements."""
    return "fn f() {\n    let x0 = 1\n" + \
        "".join("    let x%d = if true { Ok(x%d) } else { Err(x%d) }\n" % (i + 1, i, i) for i in range(n)) + \
        "    let _u = x%d\n}\n" % n
