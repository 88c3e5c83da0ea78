"""Mutation check: break the package on purpose and confirm the unit tests notice.

Each mutation edits one line of a temporary copy of the committed repository
(`git archive HEAD`, never the working tree), runs the unit tests against that copy, and
reports CAUGHT (some test failed) or MISSED. Run it after changing a closed form or a
test: ``make mutation`` (or ``python -m tools.mutation_check``; ``--stale`` only checks
that every mutated fragment still exists, without running the tests).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the unit tests and doctests, selected as `make unit` selects them: by the marker of
# the tests that need a built book or execute the chapters (pyproject.toml)
UNIT = ["-m", "not integration", "--doctest-modules", "assocmem", "tests"]

MUTATIONS = [  # (what, file, original line fragment, mutated fragment)
    (
        "flip the sign of the closed-form gradient",
        "assocmem/tasks.py",
        "return self.U.T @ R.mT @ self.E",
        "return -(self.U.T @ R.mT @ self.E)",
    ),
    (
        "flip the sign of the score-space GD step",
        "assocmem/_engine.py",
        "alpha=-1, out=S_k",
        "alpha=1, out=S_k",
    ),
    (
        "flip the sign of the weight-space GD step",
        "assocmem/_engine.py",
        "W.sub_(",
        "W.add_(",
    ),
    (
        "flip the sign when W_T is rebuilt from the residuals",
        "assocmem/_engine.py",
        "return W0 - eta",
        "return W0 + eta",
    ),
    (
        "drop p from the loss",
        "assocmem/_scores.py",
        "loss = _sum_last(p * (",
        "loss = _sum_last((1 + 0 * p) * (",
    ),
    (
        "drop p from the gradient's residual",
        "assocmem/_scores.py",
        "resid = p.unsqueeze(-1) * (",
        "resid = (1 + 0 * p.unsqueeze(-1)) * (",
    ),
    (
        "drop p from the score-space step",
        "assocmem/_engine.py",
        "A = eta * (E @ E.mT) * p.unsqueeze(-2)",
        "A = eta * (E @ E.mT)",
    ),
    (
        "count ties as memorized",
        "assocmem/_scores.py",
        "(margins <= 0)",
        "(margins < 0)",
    ),
    (
        "drop the P P^T term of the Hessian",
        "assocmem/tasks.py",
        "cov = torch.diag_embed(P) - P.unsqueeze(-1) * P.unsqueeze(-2)",
        "cov = torch.diag_embed(P)",
    ),
    (
        "use M instead of M - 1 in orthogonal_margin",
        "assocmem/theory.py",
        "k = float(M - 1)",
        "k = float(M)",
    ),
    (
        "forget the log-sum-exp shift",
        "assocmem/_scores.py",
        "Z = torch.sub(S, shift).exp_()",
        "Z = S.exp(); shift = torch.zeros_like(shift)",
    ),
    ("drop K_u from the particle recursion", "assocmem/particles.py", "@ K_u)", ")"),
    (
        "accept negative frequencies",
        "assocmem/_validate.py",
        "if (p < 0).any():",
        "if False:",
    ),
]


def stale(root=ROOT):
    """The mutations whose original fragment is no longer in the working tree."""
    return [
        (what, rel, old)
        for what, rel, old, _ in MUTATIONS
        if not (root / rel).is_file() or old not in (root / rel).read_text()
    ]


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if args == ["--stale"]:
        found = stale()
        for what, rel, old in found:
            print(f"STALE : {what}: '{old}' not found in {rel}")
        sys.exit(1 if found else 0)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            f"git -C {ROOT} archive HEAD | tar -x -C {tmp}", shell=True, check=True
        )
        env = dict(os.environ, PYTHONPATH=tmp, OMP_NUM_THREADS="1")
        missed = 0
        for what, rel, old, new in MUTATIONS:
            path = Path(tmp) / rel
            src = path.read_text() if path.is_file() else ""
            if old not in src:
                print(f"STALE : {what}: '{old}' not found in {rel}; update this script")
                missed += 1
                continue
            path.write_text(src.replace(old, new, 1))
            r = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-x",
                    "-p",
                    "no:cacheprovider",
                    *UNIT,
                ],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
            )
            first = next(
                (x for x in r.stdout.splitlines() if x.startswith("FAILED")), ""
            )
            print(f"{'CAUGHT' if r.returncode else 'MISSED'}: {what}  {first[:100]}")
            missed += r.returncode == 0
            path.write_text(src)
        sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
