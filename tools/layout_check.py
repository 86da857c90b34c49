#!/usr/bin/env python3
"""Checks the size rules of docs/ARCHITECTURE.md on the project's C++ sources.

  - no source file (.cc, .h, .proto) over MAX_FILE_LINES lines;
  - no function body over MAX_FUNCTION_LINES lines, outside tests;
  - no comment that tells history (issue numbers, branch names) instead of
    describing the code.

Usage: layout_check.py [--root DIR] [--list-functions N]
Prints one line per violation as "path:line: problem" and exits 1 if there
is any. --list-functions N prints the N longest functions instead (for
planning a split) and exits 0.

Function bodies are found with a small lexer, not a compiler: comments,
string and character literals (raw strings too) are blanked, then every `{`
whose preceding code ends a parameter list (`)`, optionally followed by
qualifiers, a trailing return type or a constructor's initializer list)
opens a function body at namespace or class scope. Lambdas and local
classes count towards the function that holds them.
"""

import argparse
import os
import re
import sys

MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 80

SOURCE_SUFFIXES = (".cc", ".h", ".proto")
# Files whose `#` comments are checked for history too.
SCRIPT_SUFFIXES = (".py", ".sh", ".bzl", ".textproto")
SCRIPT_NAMES = ("BUILD", "sct", "run")
SKIP_DIRS = {"third_party", ".git", "out", "node_modules"}

# Comments that tell history rather than describe code.
HISTORY_PATTERNS = [
    re.compile(r"\bissues?\s*#?\d+\b", re.IGNORECASE),
    re.compile(r"\b(branch|merged? from)\s+h/[\w-]+", re.IGNORECASE),
    re.compile(r"(?<![\w/.])h/[a-z][\w-]+\b"),
    re.compile(r"\blast session\b|\bthis session\b|\bearlier session\b", re.IGNORECASE),
]


def is_test_file(path):
    base = os.path.basename(path)
    return (base.endswith("_test.cc") or base.endswith("_test.h") or "_fixture." in base
            or "/testing/" in path
            or "/testdata/" in path or base.startswith("fake_") or "test_util" in base)


def blank_literals_and_comments(text):
    """Returns (code, comments): code with comments and literals replaced by
    spaces (newlines kept), and a list of (line, comment text)."""
    out = []
    comments = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            out.append(c)
            line += 1
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            comments.append((line, text[i:j]))
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            chunk = text[i:j]
            comments.append((line, chunk))
            out.append(re.sub(r"[^\n]", " ", chunk))
            line += chunk.count("\n")
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^ ()\\\t\n]{0,16})\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ")" + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            chunk = text[i:j]
            out.append(re.sub(r"[^\n]", " ", chunk))
            line += chunk.count("\n")
            i = j
        elif c in "\"'":
            # A digit separator (1'000) is not a character literal.
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out), comments


QUALIFIERS = re.compile(
    r"\)\s*(?:const|override|final|noexcept(?:\s*\([^()]*\))?|volatile|&|&&|\s)*"
    r"(?:->\s*[\w:<>,\s*&]+)?\s*$")
INIT_LIST = re.compile(r"\)\s*(?:noexcept\s*)?:\s*[\w:]+\s*[({]", re.DOTALL)
CONTROL = re.compile(r"\b(if|for|while|switch|catch)\s*\($")


def function_bodies(code):
    """Yields (start_line, end_line, header) for each function body at
    namespace or class scope."""
    stack = []  # for each open brace: (kind, start_line, header)
    line = 1
    last_stmt_start = 0
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c == "\n":
            line += 1
        elif c == ";":
            last_stmt_start = i + 1
        elif c == "{":
            inside_function = any(k == "function" for k, _, _ in stack)
            before = code[last_stmt_start:i]
            header = " ".join(before.split())[-160:]
            kind = "block"
            if not inside_function:
                stripped = before.rstrip()
                if (QUALIFIERS.search(stripped) or INIT_LIST.search(before)) and not re.search(
                        r"\b(namespace|class|struct|enum|union)\b[^()]*$", stripped) and "=" not in stripped.split("(")[0]:
                    kind = "function"
            stack.append((kind, line, header))
            last_stmt_start = i + 1
        elif c == "}":
            if stack:
                kind, start, header = stack.pop()
                if kind == "function":
                    yield start, line, header
            last_stmt_start = i + 1
        i += 1


def check_file(root, rel, problems, functions):
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines > MAX_FILE_LINES:
        problems.append(f"{rel}:1: {lines} lines (at most {MAX_FILE_LINES})")
    code, comments = blank_literals_and_comments(text)
    for line, comment in comments:
        for pattern in HISTORY_PATTERNS:
            if pattern.search(comment):
                problems.append(f"{rel}:{line}: comment tells history: {comment.strip()[:100]}")
                break
    if rel.endswith(".proto"):
        return
    for start, end, header in function_bodies(code):
        length = end - start + 1
        functions.append((length, rel, start, header))
        if length > MAX_FUNCTION_LINES and not is_test_file(rel):
            problems.append(f"{rel}:{start}: function of {length} lines (at most "
                            f"{MAX_FUNCTION_LINES}): {header[-80:]}")


def check_script(root, rel, problems):
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        for number, text in enumerate(f, 1):
            hash_at = text.find("#")
            if hash_at < 0:
                continue
            comment = text[hash_at:]
            for pattern in HISTORY_PATTERNS:
                if pattern.search(comment):
                    problems.append(f"{rel}:{number}: comment tells history: {comment.strip()[:100]}")
                    break


def walk(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and not d.startswith("bazel-"))
        for name in sorted(filenames):
            yield name, os.path.relpath(os.path.join(dirpath, name), root)


def source_files(root):
    for name, rel in walk(root):
        if name.endswith(SOURCE_SUFFIXES):
            yield rel


def script_files(root):
    for name, rel in walk(root):
        if name.endswith(SCRIPT_SUFFIXES) or name in SCRIPT_NAMES:
            yield rel


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--list-functions", type=int, default=0)
    args = parser.parse_args()
    root = os.path.realpath(args.root)
    problems, functions = [], []
    count = 0
    for rel in source_files(root):
        check_file(root, rel, problems, functions)
        count += 1
    for rel in script_files(root):
        if rel != os.path.join("tools", "layout_check.py"):
            check_script(root, rel, problems)
            count += 1
    if args.list_functions:
        for length, rel, start, header in sorted(functions, reverse=True)[:args.list_functions]:
            test = " (test)" if is_test_file(rel) else ""
            print(f"{length:5d} {rel}:{start}{test}: {header[-70:]}")
        return 0
    for p in problems:
        print(p)
    print(f"layout_check: {count} files, {len(functions)} functions, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
