"""The pure domain core: money, debtors, claims, the ledger. No I/O, no clock."""
