"""Print the package graph (DOT) from the real imports: `make graph` renders it to SVG.

One node per top-level package, with the composition root (queue_server.app and
queue_server.cli) drawn apart from the rest of queue_server, since it alone may know every
package. An arrow means "imports"; its label is how many module-to-module imports it is.
"""

from __future__ import annotations

import sys
from collections import Counter

import grimp

PACKAGES = ("queue_server", "admin", "kiosk", "display_board", "hardware_sim", "printer")
ROOT_MODULES = ("queue_server.app", "queue_server.cli")
ROOT = "composition root\\n(queue_server.app, .cli)"


def node_of(module: str) -> str:
    """The graph node a module belongs to."""
    if module in ROOT_MODULES:
        return ROOT
    return module.split(".")[0]


def package_arrows() -> Counter[tuple[str, str]]:
    """How many imports go from each node to each other node."""
    graph = grimp.build_graph(*PACKAGES)
    arrows: Counter[tuple[str, str]] = Counter()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            source, target = node_of(module), node_of(imported)
            if source != target:
                arrows[source, target] += 1
    return arrows


def main() -> None:
    """Write the DOT text to stdout."""
    lines = [
        "digraph packages {",
        '  graph [rankdir=TB, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10, color="#555555"];',
        f'  "{ROOT}" [fillcolor="#fde9c8"];',
        *(f'  "{package}";' for package in PACKAGES),
    ]
    for (source, target), count in sorted(package_arrows().items()):
        lines.append(f'  "{source}" -> "{target}" [label="{count}"];')
    lines.append("}")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
