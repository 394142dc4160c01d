"""Ends with exit code 3 after a child has run."""

import multiprocessing
import sys


def noop():
    pass


if __name__ == "__main__":
    p = multiprocessing.Process(target=noop)
    p.start()
    p.join()
    print("leaving with 3")
    sys.exit(3)
