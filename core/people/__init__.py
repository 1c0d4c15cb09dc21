"""People who write to the account: their rows, consent-free facts (first seen, follows, location), and their requests for a member of staff."""
