"""The verifier's named checks: values (model), shared facts, one module per section, the table.

model         Status, Severity, Section, Evidence, CheckResult, the findings' problem types
facts         what several checks read: the credential, its proofs, degree, registry answer
authenticity  format, data model, JSON-LD safe mode, schema, key, proof, issuer binding
recipient     (authenticity) the credential was issued to the person the verifier names
validity      validity period, revocation, suspension
legitimacy    issuer registered, accredited at the award date and today
convention    recognition-convention coverage
pipeline      the table of checks (ids, sections, severities, aliases) and run_checks
"""
