"""Balance-test sweeps for designers: which numbers are broken, by how much, for whom, and what fix.

One concept per module:
- spec          the TOML sweep spec and its validation (`load_spec`, `SpecError`)
- design        grid / random / Sobol / LHS configurations (`build_design`)
- plan, play    every match's identity and seed; playing a batch of them in a worker
- rows          `MatchRow`, one finished match, as every module below reads and writes it
- store         the append-only, resumable SQLite results store; `StoredRows` reads it back in chunks
- runner_local, runner_ray   process pool and Ray backends (identical results)
- sweep         resume-aware orchestration (`run_sweep`, `play`)
- tally         the sufficient statistics of a sweep, gathered in one pass over its rows
- estimators    the Wilson interval, least squares with HC1 errors on grouped data, figure rounding
- stats, sensitivity         win rates with CIs, matrix, deviation, ratings, flags; parameter effects
- autobalance   optuna search for a minimal ruleset diff, re-validated on fresh seeds
- report        report.html, results.csv, summary.json

Entry points: `gameai sweep SPEC --out DIR`, `gameai balance SPEC --out DIR`. Designer's guide:
docs/designer-balance.md.
"""
