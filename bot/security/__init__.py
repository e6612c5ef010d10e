"""Security and privacy controls shared by every surface: scrubbing, encryption, limits, retention.

docs/security.md is the threat model; each control there names the test that proves it.
"""
