"""Create the case workers of the load scenario (``bench/load/locustfile.py``), once.

Usage::

    .venv/bin/python bench/load/setup_users.py --db URL --users 50 [--organism CAF-DEMO]

Adds ``load.cw01`` … ``load.cwNN`` (role ``case_worker`` of the organism, active, password
``LOAD_PASSWORD`` or the scenario's default) through ``recouvre.service.accounts`` — audited as
any user creation — and leaves the ones that already exist as they are. Prints how many were
created.
"""

from __future__ import annotations

import argparse
import os

from recouvre.service import accounts
from recouvre.service.context import open_services

DEFAULT_PASSWORD = "un mot de passe de charge, assez long"
PREFIX = "load.cw"


def user_name(index: int) -> str:
    return f"{PREFIX}{index:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--organism", default="CAF-DEMO")
    args = parser.parse_args()
    password = os.environ.get("LOAD_PASSWORD") or DEFAULT_PASSWORD
    services = open_services(args.db)
    created = 0
    for index in range(1, args.users + 1):
        name = user_name(index)
        try:
            accounts.get_user(services, name)
            continue
        except Exception:  # "no such user": create it
            pass
        accounts.add_user(
            services,
            name,
            password,
            ["case_worker"],
            full_name=f"Technicien de charge {index}",
            organism=args.organism,
            by="cli:bench-load",
            why="scénario de charge",
        )
        created += 1
    print(f"{created} technicien(s) créé(s), {args.users - created} déjà présent(s)")


if __name__ == "__main__":
    main()
