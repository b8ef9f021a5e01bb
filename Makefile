# The two commands of the README: `make demo` (set up, then the main job on demo data)
# and `make test` (set up, then the test suite). Both set up a fresh machine on their own.
.PHONY: setup demo test bench

setup:
	@scripts/setup.sh

demo: setup
	.venv/bin/taizhang demo

test: setup
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python bench/extract.py
	.venv/bin/python bench/ingest.py
	.venv/bin/python bench/pipeline.py
