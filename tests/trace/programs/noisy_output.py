"""Lots of output without newlines, stdout and stderr interleaved, from main and a child.

Every write is flushed, so the program itself fixes the order of the bytes on each stream
and, when both streams go to one file, between them.
"""

import multiprocessing
import sys


def chatter(tag, n):
    for i in range(n):
        sys.stdout.write(f"{tag}{i:04d}." * 3)
        sys.stdout.flush()
        if i % 7 == 0:
            sys.stderr.write(f"<{tag}err{i}>")
            sys.stderr.flush()
    sys.stdout.write("\n")
    sys.stdout.flush()


if __name__ == "__main__":
    chatter("m", 1500)
    p = multiprocessing.Process(target=chatter, args=("c", 1500))
    p.start()
    p.join()
    print("no newline at the very end", end="")
    sys.stdout.flush()
    sys.stderr.write("stderr last, no newline")
