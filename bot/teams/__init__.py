"""Microsoft Teams and Microsoft 365 (Graph): the adapter and its helpers, in the `microsoft` extra."""
