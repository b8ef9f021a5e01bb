# The two commands of the README: `make demo` (set up, then the main job on demo data)
# and `make test` (set up, then the test suite). Both set up a fresh machine on their own.
.PHONY: setup demo test bench

setup:
	@scripts/setup.sh

demo: setup
	.venv/bin/taizhang demo

# The suites that run whole ingests against hostile files and faults run as on a limited host
# (an address-space limit of 4 GB, as `ulimit -v` sets it); the rest as usual.
LIMITED = tests/test_reliability.py tests/test_hostile_files.py

test: setup
	prlimit --as=4294967296 -- .venv/bin/python -m pytest -q $(LIMITED)
	.venv/bin/python -m pytest -q $(addprefix --ignore=,$(LIMITED))

bench: setup
	.venv/bin/python bench/extract.py
	.venv/bin/python bench/ingest.py
	.venv/bin/python bench/pipeline.py
	.venv/bin/python bench/commands.py
