"""A small reader of nginx configuration files, for the deploy tests: directives with their
arguments and blocks (quotes and comments understood; nothing evaluated)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def find(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]

    def one(self, name: str) -> Directive:
        found = self.find(name)
        assert len(found) == 1, f"{self.name} {self.args}: {len(found)} {name!r} directives"
        return found[0]

    def walk(self):
        yield self
        for d in self.block or []:
            yield from d.walk()


def _tokens(text: str):
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in "{};":
            yield c
            i += 1
        elif c in "'\"":
            j = i + 1
            out = []
            while text[j] != c:
                if text[j] == "\\":
                    out.append(text[j : j + 2])
                    j += 2
                    continue
                out.append(text[j])
                j += 1
            yield "".join(out)
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in ";{}":
                j += 1
            yield text[i:j]
            i = j


def parse(text: str) -> Directive:
    """The whole file as the block of a root directive named ``main``."""
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for tok in _tokens(text):
        if tok == ";":
            stack[-1].append(Directive(words[0], words[1:]))
            words = []
        elif tok == "{":
            d = Directive(words[0], words[1:], block=[])
            stack[-1].append(d)
            stack.append(d.block)  # type: ignore[arg-type]
            words = []
        elif tok == "}":
            assert not words, f"unterminated directive {words}"
            stack.pop()
        else:
            words.append(tok)
    assert len(stack) == 1 and not words, "unbalanced braces"
    return Directive("main", [], block=stack[0])
