"""Use cases: plain values in, one transaction each (the caller opens it); no chat SDK, no surface."""
