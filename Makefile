# The README's two commands are `make demo` and `make test`.
.PHONY: demo test install lint format

demo:
	./tools/install.sh
	.venv/bin/fengqiao demo

test:
	./tools/install.sh --test
	./tools/test.sh

install:
	./tools/install.sh --test

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

