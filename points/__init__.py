"""Points: each area of the domain in the module of its name.

rules.py      the rule book (what an event earns) and changing the rules and the multi-country setting
ledger.py     crediting a decision, taking it back, the decisions remembered, the Celery hand-off
recompute.py  the weekly recomputation: what every record deserves, corrections to the ledger
snapshot.py   the leaderboard snapshot the recomputation publishes
rewards.py    merchandise and co-authorship claims, the certificate
selectors.py  every read: the leaderboard page, own points, the ledger's state, exports
receivers.py  the signal receiver that hands published decisions to the ledger's task

Imports run one way, none back: selectors reads through rules; ledger, recompute and rewards use both;
recompute publishes through snapshot; views, admin, tasks and commands sit on top.
"""
