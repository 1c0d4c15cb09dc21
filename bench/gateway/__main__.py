"""``python -m bench.gateway``: see bench/gateway/run.py and bench/README.md."""

from bench.gateway.run import main

raise SystemExit(main())
