"""A BaseManager subclass serving a class defined here, in the program's __main__.

Under spawn and forkserver the manager's server process and the child must unpickle
``Tally`` and ``bump`` from this file (they import it as ``__mp_main__``).
"""

from multiprocessing import Process
from multiprocessing.managers import BaseManager


class Tally:
    def __init__(self, start):
        self.total = start
        self.seen = []

    def add(self, n, who):
        self.total += n
        self.seen.append(who)
        return self.total

    def report(self):
        return self.total, sorted(self.seen)


class TallyManager(BaseManager):
    pass


TallyManager.register("Tally", Tally)


def bump(tally, who):
    tally.add(5, who)


if __name__ == "__main__":
    with TallyManager() as manager:
        tally = manager.Tally(100)
        print("first add", tally.add(1, "main"))
        ps = [Process(target=bump, args=(tally, f"child{i}")) for i in range(2)]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        print("report", tally.report())
