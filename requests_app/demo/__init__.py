"""Demo and synthetic data, kept apart from the production modules (none of them imports it).

- `cases`: realistic Japanese people and cases walked through the real services, for
  `manage.py seed_demo` and the test factories, so the demo and the tests look alike;
- `identity`: identity documents that pass every rule, logged through identity's services;
- `bulk`: many synthetic cases with full, hash-chained histories for `make bench`
  (`manage.py seed_demo --cases N`).
"""
