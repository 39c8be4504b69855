"""Audit (营销稽查, SPEC §7): archive, consumption, theft-suspicion and line-loss rules, and their reports.

Entry point: `powercrm.audit.engine.run_audit`. The package itself imports nothing, so the root
config can import `powercrm.audit.config` without loading the rules.
"""
