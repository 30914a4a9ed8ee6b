"""The layer order, read from the code: every module's imports (``import x``, ``from x import y``,
relative imports, imports inside functions, ``importlib.import_module("x")``) point down the stack

    gameai_schema <- pcg <- envs <- agents <- gameai <- demos

and ``gameai.dialogue`` / ``gameai.service`` (which sits on dialogue) import neither envs nor agents.
A second check imports each package in a fresh interpreter and looks at ``sys.modules``: the
heavy libraries load where they are used, never at package import."""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Bottom to top; a package may import itself and anything below it.
LAYERS = ("gameai_schema", "pcg", "envs", "agents", "gameai", "demos")
#: Subpackages that a game embeds without the RL stack, and what they must not reach.
EMBEDDABLE = {"gameai.dialogue": ("envs", "agents"), "gameai.service": ("envs", "agents")}
HEAVY = ("torch", "stable_baselines3", "sb3_contrib", "transformers", "pygame", "ray", "matplotlib", "optuna")


def module_name(root: Path, file: Path) -> str:
    parts = list(file.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import anywhere in ``tree``, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target:
                found.append((node.lineno, target))
            # `from pkg import sub` may name a submodule (`from .. import agents` has no module at all)
            found += [(node.lineno, f"{target}.{alias.name}" if target else alias.name)
                      for alias in node.names if alias.name != "*"]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))
                   or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"))):
            found.append((node.lineno, node.args[0].value))
    return found


def layer_violations(root: Path) -> list[str]:
    """Every import under ``root`` that points up the stack or out of an embeddable subpackage,
    as ``file:line: module imports target (why)``."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    problems = []
    for layer in LAYERS:
        for file in sorted((root / layer).rglob("*.py")):
            module = module_name(root, file)
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
            seen = set()
            for line, target in imported_modules(tree, module, file.name == "__init__.py"):
                top = target.split(".")[0]
                if top not in rank or (line, top) in seen:
                    continue
                where = f"{file.relative_to(root)}:{line}: {module} imports {target}"
                if rank[top] > rank[layer]:
                    problems.append(f"{where} ({layer} is below {top})")
                    seen.add((line, top))
                    continue
                for sub, banned in EMBEDDABLE.items():
                    if (module == sub or module.startswith(sub + ".")) and top in banned:
                        problems.append(f"{where} ({sub} must not import {', '.join(banned)})")
                        seen.add((line, top))
    return problems


def test_every_import_points_down_the_layers():
    assert layer_violations(ROOT) == []


def copy_tree(tmp_path: Path) -> Path:
    for layer in LAYERS:
        shutil.copytree(ROOT / layer, tmp_path / layer, ignore=shutil.ignore_patterns("__pycache__", "*.zip", "*.gguf"))
    return tmp_path


@pytest.mark.parametrize("file, code, expected", [
    ("pcg/tiles.py", "import gameai\n", "pcg/tiles.py:1: pcg.tiles imports gameai (pcg is below gameai)"),
    ("envs/core.py", "def f():\n    from agents.scripted import BOTS\n",
     "envs/core.py:2: envs.core imports agents.scripted (envs is below agents)"),
    ("gameai_schema/checks.py", "from pcg import tiles\n", "gameai_schema.checks imports pcg (gameai_schema is below pcg)"),
    ("gameai/dialogue/memory.py", "import envs.ruleset as r\n",
     "gameai.dialogue.memory imports envs.ruleset (gameai.dialogue must not import envs, agents)"),
    ("gameai/service/app.py", "from ... import agents\n",
     "gameai.service.app imports agents (gameai.service must not import envs, agents)"),
    ("envs/ruleset.py", "from ..gameai.cli import main\n", "envs.ruleset imports gameai.cli (envs is below gameai)"),
    ("agents/__init__.py", "from .. import demos\n", "agents imports demos (agents is below demos)"),
    ("pcg/generate.py", "import importlib\nimportlib.import_module('agents.arena')\n",
     "pcg.generate imports agents.arena (pcg is below agents)"),
])
def test_a_planted_upward_import_is_reported(tmp_path, file, code, expected):
    root = copy_tree(tmp_path)
    assert layer_violations(root) == []
    target = root / file
    target.write_text(code + target.read_text(encoding="utf-8"), encoding="utf-8")
    problems = layer_violations(root)
    assert len(problems) == 1 and expected in problems[0], problems


def test_downward_and_sibling_imports_are_allowed(tmp_path):
    root = copy_tree(tmp_path)
    for file, code in [("demos/launch.py", "import gameai.balance, agents, envs, pcg, gameai_schema\n"),
                       ("gameai/dialogue/memory.py", "from ..balance import spec\nimport pcg\n"),
                       ("envs/core.py", "from . import ruleset\nfrom .ruleset import Ruleset\n")]:
        path = root / file
        path.write_text(code + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert layer_violations(root) == []


def loaded_after_import(modules: str) -> set[str]:
    """Top-level modules in sys.modules after importing ``modules`` in a fresh interpreter."""
    code = f"import sys, json; import {modules}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("package", ["gameai_schema", "pcg", "envs", "agents", "gameai"])
def test_package_import_loads_no_heavy_library(package):
    heavy = loaded_after_import(package) & set(HEAVY)
    assert not heavy, f"import {package} loads {sorted(heavy)}; import them where they are used"


def test_loading_the_ruleset_stays_light():
    heavy = loaded_after_import("envs.ruleset; envs.ruleset.default_ruleset()") & set(HEAVY)
    assert not heavy, heavy


def test_the_embeddable_dialogue_engine_loads_neither_envs_nor_agents():
    # gameai.service's package is what `gameai serve` and an embedding game import first
    loaded = loaded_after_import("gameai.dialogue, gameai.service")
    assert not loaded & {"envs", "agents"}, sorted(loaded & {"envs", "agents"})


def test_gameai_schema_needs_only_the_standard_library():
    # it sits under every layer, including the dialogue engine a game embeds
    for file in (ROOT / "gameai_schema").rglob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for line, target in imported_modules(tree, module_name(ROOT, file), file.name == "__init__.py"):
            top = target.split(".")[0]
            assert top in sys.stdlib_module_names or top == "gameai_schema", f"{file.name}:{line} imports {target}"
