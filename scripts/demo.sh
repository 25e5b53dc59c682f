#!/usr/bin/env bash
# Demo: a fresh SQLite database, a synthetic Caf portfolio of 10,000 debtors whose claims arrive
# over the 24 months before 2026-11-01, then 12 simulated months (benefit payments withheld,
# debtors paying, agreeing plans or defaulting, one monthly cycle a month), then the
# month-by-month table and the portfolio summary at the end; then the same for a CNSS portfolio
# of 2,000 employers over 6 months (surcharges, reminders, last notices, commandements).
# Usage: bash scripts/demo.sh DBFILE   (`make demo` passes demo.db)
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DBFILE" >&2
    exit 2
fi
db="$1"
recouvre="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv/bin/recouvre"

# a fresh database: a fresh audit key and heads file beside it (service/audit_keys.py)
rm -f -- "$db" "$db-wal" "$db-shm" "$db.audit-key" "$db.audit-heads.jsonl"
"$recouvre" --db "sqlite:///$db" generate --debtors 10000 --seed 42 --as-of 2026-11-01
"$recouvre" --db "sqlite:///$db" simulate --start 2025-11 --months 12 --seed 42
"$recouvre" --db "sqlite:///$db" summary --on 2026-10-31
# The CNSS: 2,000 employers with unpaid contributions, then 6 simulated months in which new
# declarations go unpaid and the cycle books surcharges, reminders, last notices ("dernier avis
# sans frais") and commandements with their costs, month by month.
"$recouvre" --db "sqlite:///$db" generate --country MA --debtors 2000 --seed 42 --as-of 2026-05-01
"$recouvre" --db "sqlite:///$db" simulate --organism CNSS-DEMO --start 2026-05 --months 6 --seed 42
"$recouvre" --db "sqlite:///$db" summary --organism CNSS-DEMO --on 2026-10-31

# The back office: one demo user per role, with a password drawn now (no secret in the repo),
# then the server on http://127.0.0.1:8000 (DEMO_SERVE=0 stops here, e.g. in scripts).
echo
echo "Utilisateurs de démonstration (mots de passe tirés pour cette démo) :"
printf '  %-24s %-18s %s\n' "identifiant" "rôle" "mot de passe"
# Nobody chooses another person's password: the administrator (added by the system account, the
# installation has no user yet) proposes each user; a user with a financial duty waits for the
# director's approval (the first director is approved by the system account, no director being
# active yet); then each demo user sets the drawn password with his one-time activation token.
role_label() {
    case "$1" in
        administrator) echo "administrateur" ;; director) echo "directeur" ;;
        case_worker) echo "technicien" ;; accountant) echo "agent comptable" ;;
        board_member) echo "commission (CRA)" ;; phone_operator) echo "télérecouvrement" ;;
        collection_agency) echo "agence" ;; manager) echo "pilote" ;; auditor) echo "auditeur" ;;
        *) echo "$1" ;;
    esac
}
token_of() { sed -n "s/^jeton d'activation : //p"; }
cli() { "$recouvre" --db "sqlite:///$db" "$@"; }
for role in administrator director case_worker accountant board_member phone_operator collection_agency manager auditor; do
    user="demo.${role//_/-}"
    password="$("$(dirname "$recouvre")/python" -c 'import secrets; print(secrets.token_urlsafe(12))')"
    extra=()
    [ "$role" = collection_agency ] && extra=(--agency acme-recouvrement)
    who=()
    [ "$role" != administrator ] && who=(--as demo.administrator)
    token="$(cli "${who[@]}" users add "$user" --role "$role" --organism CAF-DEMO --name "Démo $(role_label "$role")" \
        "${extra[@]}" --why "démonstration" | token_of)"
    if [ -z "$token" ]; then  # a financial duty: approved by the director (the system for the first)
        approver=()
        [ "$role" != director ] && approver=(--as demo.director)
        token="$(cli "${approver[@]}" users approve "$user" --why "démonstration" | token_of)"
    fi
    printf '%s\n' "$password" | cli users activate "$token" --password-stdin >/dev/null
    printf '  %-24s %-18s %s\n' "$user" "$(role_label "$role")" "$password"
done
echo
echo "Pour servir cette démonstration plus tard : .venv/bin/recouvre serve --db sqlite:///$db"
echo "  (puis http://127.0.0.1:8000 ; les identifiants ci-dessus restent valables)"
if [ "${DEMO_SERVE:-1}" != "0" ]; then
    echo
    echo "Back office et API : http://127.0.0.1:8000  (OpenAPI : http://127.0.0.1:8000/openapi.json) — Ctrl-C pour arrêter"
    exec "$recouvre" --db "sqlite:///$db" serve --host 127.0.0.1 --port 8000
fi
