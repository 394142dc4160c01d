"""Prints what `python PROGRAM.py ARGS` gives a program: argv, __file__, sys.path[0], cwd,
the start method; and what a child sees of the same."""

import multiprocessing
import os
import sys


def report(q):
    q.put(
        {
            "argv": sys.argv,
            "file": __file__,
            "path0": sys.path[0],
            "cwd": os.getcwd(),
            "method": multiprocessing.get_start_method(),
        }
    )


if __name__ == "__main__":
    print("argv", sys.argv)
    print("file", __file__)
    print("path0", sys.path[0])
    print("cwd", os.getcwd())
    print("name", __name__, "spec", __spec__)
    print("method", multiprocessing.get_start_method())
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=report, args=(q,))
    p.start()
    for key, value in q.get().items():
        print("child", key, value)
    p.join()
