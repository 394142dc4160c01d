"""A child raises; multiprocessing prints its traceback and main reports its exit code."""

import multiprocessing
import sys


def fail(n):
    raise ValueError(f"bad input {n}")


if __name__ == "__main__":
    sys.stdout.flush()
    p = multiprocessing.Process(target=fail, args=(7,))
    p.start()
    p.join()
    print("child exit code", p.exitcode)
