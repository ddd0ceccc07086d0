"""Staff notifications: what the MSP's on-call engineers hear of (approvals waiting, changes
failed or rolled back, campaigns halted or waiting at their gate, host-key mismatches), sent
through apprise to Slack, Teams, email or a signed generic webhook (docs/observability.md)."""
