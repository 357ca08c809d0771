"""The harness's one output stream: bench/run tees it into RESULTS.md."""


def log(msg=""):
    print(msg, flush=True)
