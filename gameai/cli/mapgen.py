"""`gameai mapgen`: generate a procedural map (map.npz + map.json, or a Tiled .tmj, CSV or PNG grid) or print metrics."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from gameai.errors import GameAIError

_FRACTIONS = ("water", "mountain", "hills", "beach", "forest", "desert", "swamp")
_FRACTION_HELP = {
    "water": "share of the map under sea or lake (default 0.35)",
    "mountain": "share of high ground: impassable mountains and their walkable snow caps (default 0.08)",
    "hills": "share of hills (default 0.12)",
    "beach": "share of the coastal band (default 0.03)",
    "forest": "share of the lowland under forest (default 0.35)",
    "desert": "share of the lowland that is desert (default 0.10)",
    "swamp": "share of the lowland that is swamp (default 0.05)",
}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "mapgen", help="generate a procedural map (biomes, rivers, villages, roads, fair spawns)",
        description="Generate a playable procedural map and write map.npz, map.json and map.png to --out, "
        "or print quality/diversity/controllability metrics over many seeds with --metrics.",
        epilog="examples:\n  gameai mapgen --seed 7 --size 256 --out maps/seven\n"
        "  gameai mapgen --seed 7 --size 512 --water 0.5 --shape island --teams 4 --out maps/isle\n"
        "  gameai mapgen --skirmish --seed 3 --size 32 --teams 2 --out maps/arena\n"
        "  gameai mapgen --skirmish --seed 3 --format tmj --out maps/arena   # map.tmj: open and edit in Tiled\n"
        "  gameai mapgen --metrics --seeds 100",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seed", type=int, default=0, help="map seed (default 0); same seed, same map")
    p.add_argument("--size", type=int, default=None, help="tiles per side (default 256; 32 with --skirmish; 96 with --metrics)")
    p.add_argument("--out", type=Path, help="output directory for map.npz, map.json and map.png")
    p.add_argument("--force", action="store_true", help="overwrite a map already in --out")
    p.add_argument("--format", choices=("gameai", "tmj", "csv", "png"), default="gameai",
                   help="gameai: map.npz + map.json (default); tmj: a Tiled map (map.tmj, with spawns and places); "
                        "csv / png: a plain grid of tiles")
    p.add_argument("--no-preview", action="store_true", help="skip map.png")
    p.add_argument("--skirmish", action="store_true", help="small fast battlefield for skirmishes (pcg.skirmish_map)")
    for name in _FRACTIONS:
        p.add_argument(f"--{name}", type=float, metavar="F", help=_FRACTION_HELP[name])
    p.add_argument("--shape", choices=["continent", "island", "none"])
    p.add_argument("--noise", choices=["perlin", "simplex"])
    p.add_argument("--scale", type=float, help="tiles per noise unit (feature size; default size/4)")
    p.add_argument("--octaves", type=int)
    p.add_argument("--persistence", type=float)
    p.add_argument("--lacunarity", type=float)
    p.add_argument("--exponent", type=float, help="height redistribution exponent (>1: flatter lowlands, sharper peaks)")
    p.add_argument("--warp", type=float, help="domain-warp strength (0 = none)")
    p.add_argument("--rivers", type=float, help="river density (0 = none, 1 = default)")
    p.add_argument("--settlements", type=int, help="number of settlements (default: by size)")
    p.add_argument("--teams", type=int, help="number of fair team spawns (default 2)")
    p.add_argument("--resources", type=int, help="extra resource sites (default: by size)")
    p.add_argument("--metrics", action="store_true", help="print quality, diversity and controllability over --seeds maps")
    p.add_argument("--seeds", type=int, default=100, help="maps to generate for --metrics (default 100)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def _params(args) -> dict:
    names = _FRACTIONS + ("shape", "noise", "scale", "octaves", "persistence", "lacunarity", "exponent", "warp",
                          "rivers", "settlements", "teams", "resources")
    return {n: getattr(args, n) for n in names if getattr(args, n) is not None}


def run(args) -> int:
    import pcg

    if args.metrics:
        return _metrics(args)
    if args.out is None:
        raise GameAIError("--out DIR is required (where to write map.npz, map.json and map.png)")
    params = _params(args)
    size = args.size if args.size is not None else (32 if args.skirmish else 256)
    try:
        # Validate the parameters before looking at --out, so a typo is reported first.
        from pcg.generate import check_seed, make_params

        check_seed(args.seed)
        make_params(size, {"teams": 2, **params} if args.skirmish else params)
        from pcg.map_files import SAVE_FORMATS, save_map

        if (args.out / SAVE_FORMATS[args.format]).exists() and not args.force:
            raise GameAIError(f"{args.out} already holds a map; pass --force to overwrite it or choose another --out")
        t0 = time.perf_counter()
        if size >= 1024:  # tens of seconds: say so rather than sit silent
            print(f"generating a {size}x{size} map ...", file=sys.stderr, flush=True)
        if args.skirmish:
            teams = params.pop("teams", 2)
            gm = pcg.skirmish_map(args.seed, size, teams=teams, **params)
        else:
            gm = pcg.generate_map(args.seed, size, **params)
        took = time.perf_counter() - t0
        save_map(gm, args.out, args.format, preview=not args.no_preview)
    except pcg.MapParameterError as exc:
        raise GameAIError(f"bad map parameter {exc}") from exc
    except pcg.MapFileError as exc:
        raise GameAIError(str(exc)) from exc
    summary = {
        "out": str(args.out),
        "files": sorted(p.name for p in args.out.iterdir() if p.name.startswith("map")),
        "size": gm.size, "seed": gm.seed, "used_seed": gm.used_seed, "seconds": round(took, 3),
        "settlements": [p.name for p in gm.settlements],
        "landmarks": len(gm.landmarks), "resources": len(gm.resources), "rivers": len(gm.rivers),
        "spawns": [[s.x, s.y] for s in gm.spawns],
        "playable": gm.report["playable"]["playable"],
        "spawn_walk_to_centre": gm.report["fairness"]["centre"],
        "spawn_walk_to_resource": gm.report["fairness"]["resource"],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    fr = gm.fractions()
    print(f"wrote {', '.join(summary['files'])} to {args.out} ({gm.size}x{gm.size}, seed {gm.seed}"
          + (f", reseeded to {gm.used_seed} to stay playable" if gm.used_seed != gm.seed else "") + f", {took:.2f} s)")
    print(f"  water {fr['deep_water'] + fr['shallow_water']:.0%}  mountain {fr['mountain'] + fr['snow']:.0%}  "
          f"forest {fr['forest']:.0%}  rivers {len(gm.rivers)}  landmarks {len(gm.landmarks)}  resources {len(gm.resources)}")
    if gm.settlements:
        print(f"  settlements: {', '.join(summary['settlements'])}")
    if gm.spawns:
        print(f"  spawns {summary['spawns']}: walk to centre {summary['spawn_walk_to_centre']}, "
              f"to nearest resource {summary['spawn_walk_to_resource']} (fair)")
    print("  playable: every settlement and spawn reachable on foot")
    return 0


def _metrics(args) -> int:
    import pcg
    from pcg.metrics import evaluate

    if args.seeds < 2:
        raise GameAIError(f"--seeds {args.seeds}: need at least 2 maps to measure diversity")
    if args.seeds > 100000:
        raise GameAIError(f"--seeds {args.seeds}: at most 100000")
    size = args.size if args.size is not None else 96
    params = _params(args)
    from rich.progress import Progress

    try:
        with Progress(transient=True) as bar:
            task = bar.add_task(f"generating {args.seeds} maps of {size}x{size}", total=args.seeds)
            result = evaluate(args.seeds, size, progress=lambda n: bar.update(task, completed=n), **params)
    except pcg.MapParameterError as exc:
        raise GameAIError(f"bad map parameter {exc}") from exc
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"mapgen metrics over {result['seeds']} seeds, {size}x{size} (each in [0, 1], higher is better)")
    print(f"  quality          {result['quality']:.3f}  (playable and meeting constraints; playable alone {result['playable']:.3f})")
    print(f"  diversity        {result['diversity']:.3f}  (mean share of differing tiles between two seeds)")
    print(f"  controllability  {result['controllability']:.3f}  (1 - mean |requested - achieved|; "
          f"water error {result['water_error']:.3f}, mountain error {result['mountain_error']:.3f})")
    print(f"  reseeded         {result['reseeded']:.3f}  (share of seeds that needed a deterministic reseed)")
    return 0
